"""Turning whatever a student uploaded into one folder of ``.py`` files and notebooks.

An upload is hostile data: Gradescope puts in ``/autograder/submission`` exactly what the
student sent (one ``.py``, several, a notebook, a zip, folders, nothing). Only regular
``.py`` and ``.ipynb`` files are kept, flattened into one folder (a directory submission is
graded one level deep). Links are never followed, zips are read member by member without
``extractall`` (no absolute paths, no ``..``, no links, nothing but the two suffixes) and
every count and size is capped, so a zip bomb or a million files costs nothing but a note.
"""

from __future__ import annotations

import os
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

SUFFIXES = (".py", ".ipynb")
MAX_FILES = 200  # as many as a directory submission is graded with
MAX_FILE_BYTES = 16 * 1024 * 1024  # a notebook's cap; a .py file's (1 MB) is the grader's to apply
MAX_TOTAL_BYTES = 64 * 1024 * 1024
MAX_ENTRIES_SEEN = 10_000  # directory entries and zip members looked at, kept or not
MAX_ZIPS = 5
MAX_DEPTH = 8
MAX_NOTES = 20


@dataclass
class Staged:
    """What :func:`stage_upload` kept (names in the staging folder) and what it says about the rest."""

    kept: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    total_bytes: int = 0
    seen: int = 0
    zips: int = 0

    def note(self, text: str) -> None:
        if len(self.notes) < MAX_NOTES:
            self.notes.append(text)
        elif len(self.notes) == MAX_NOTES:
            self.notes.append("(more files were left out)")


def _ignored(name: str) -> bool:
    """Files nobody means to submit: hidden files and macOS's ``__MACOSX/._x.py`` resource forks."""
    return any(
        part.startswith(".") or part == "__MACOSX" or part == "__pycache__" for part in PurePosixPath(name).parts
    )


def _free_name(folder: Path, name: str, staged: Staged) -> Path | None:
    """Where ``name`` goes in the flat staging folder; None (with a note) if a file of that name is there."""
    if name in staged.kept:
        staged.note(f"{name}: a second file of this name was left out (only the first is graded).")
        return None
    return folder / name


def _room_for(size: int, shown: str, staged: Staged) -> bool:
    if len(staged.kept) >= MAX_FILES:
        staged.note(f"{shown}: left out, the upload has more than {MAX_FILES} .py files and notebooks.")
        return False
    if size > MAX_FILE_BYTES:
        staged.note(f"{shown}: left out, it is over {MAX_FILE_BYTES // (1024 * 1024)} MB.")
        return False
    if staged.total_bytes + size > MAX_TOTAL_BYTES:
        staged.note(f"{shown}: left out, the upload is over {MAX_TOTAL_BYTES // (1024 * 1024)} MB in all.")
        return False
    return True


def _copy_file(source: Path, shown: str, out: Path, staged: Staged) -> None:
    """Copy a regular file (opened without following a link, read at most to the cap)."""
    target = _free_name(out, source.name, staged)
    if target is None:
        return
    try:
        descriptor = os.open(source, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError as error:
        staged.note(f"{shown}: cannot be read ({error.strerror or error}).")
        return
    with os.fdopen(descriptor, "rb") as file:
        if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
            staged.note(f"{shown}: left out, it is not a regular file.")
            return
        data = file.read(MAX_FILE_BYTES + 1)
    if _room_for(len(data), shown, staged):
        _write(target, data, staged)


def _write(target: Path, data: bytes, staged: Staged) -> None:
    target.write_bytes(data)
    staged.kept.append(target.name)
    staged.total_bytes += len(data)


def _extract_zip(archive: Path, shown: str, out: Path, staged: Staged) -> None:
    """Keep a zip's regular ``.py`` and notebook members, each flattened to its base name."""
    staged.zips += 1
    if staged.zips > MAX_ZIPS:
        staged.note(f"{shown}: left out, the upload holds more than {MAX_ZIPS} zip files.")
        return
    try:
        with zipfile.ZipFile(archive) as bundle:
            for info in bundle.infolist():
                staged.seen += 1
                if staged.seen > MAX_ENTRIES_SEEN:
                    staged.note(f"{shown}: only its first members were looked at.")
                    return
                _extract_member(bundle, info, f"{shown}: {info.filename}", out, staged)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as error:
        # RuntimeError: an encrypted member; NotImplementedError: an unknown compression.
        staged.note(f"{shown}: cannot be unpacked ({type(error).__name__}: {str(error)[:200]}).")


def _extract_member(bundle: zipfile.ZipFile, info: zipfile.ZipInfo, shown: str, out: Path, staged: Staged) -> None:
    name = info.filename.replace("\\", "/")
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts:
        staged.note(f"{shown}: left out, its path leaves the archive.")
        return
    if info.is_dir() or not path.name or _ignored(name):
        return
    kind = stat.S_IFMT(info.external_attr >> 16)  # 0 when the zip was not made on Unix
    if kind and kind != stat.S_IFREG:  # a link (or a device) stored as a member: never unpacked
        staged.note(f"{shown}: left out, it is a link or not a regular file.")
        return
    if path.suffix.lower() == ".zip":
        staged.note(f"{shown}: a zip inside a zip is not unpacked.")
        return
    if path.suffix not in SUFFIXES:
        staged.note(f"{shown}: not graded (only .py files and notebooks are).")
        return
    if not _room_for(info.file_size, shown, staged):
        return
    target = _free_name(out, path.name, staged)
    if target is None:
        return
    # The declared size may lie: read at most one byte past the cap and refuse what overflows.
    with bundle.open(info) as member:
        data = member.read(MAX_FILE_BYTES + 1)
    if _room_for(len(data), shown, staged):
        _write(target, data, staged)


def _walk(folder: Path, shown: str, out: Path, staged: Staged, depth: int) -> None:
    if depth > MAX_DEPTH:
        staged.note(f"{shown}: folders nested this deep are not looked into.")
        return
    try:
        with os.scandir(folder) as scan:
            entries = sorted(scan, key=lambda entry: entry.name)
    except OSError as error:
        staged.note(f"{shown or '.'}: cannot be listed ({error.strerror or error}).")
        return
    for entry in entries:
        staged.seen += 1
        if staged.seen > MAX_ENTRIES_SEEN:
            staged.note("only the upload's first files were looked at.")
            return
        name = f"{shown}/{entry.name}" if shown else entry.name
        if _ignored(entry.name):
            continue
        if entry.is_symlink():
            staged.note(f"{name}: left out, it is a link.")
        elif entry.is_dir(follow_symlinks=False):
            _walk(Path(entry.path), name, out, staged, depth + 1)
        elif not entry.is_file(follow_symlinks=False):
            staged.note(f"{name}: left out, it is not a regular file.")
        elif entry.name.lower().endswith(".zip"):
            _extract_zip(Path(entry.path), name, out, staged)
        elif entry.name.endswith(SUFFIXES):
            _copy_file(Path(entry.path), name, out, staged)
        else:
            staged.note(f"{name}: not graded (only .py files, notebooks and zips of them are).")


def stage_upload(upload: Path, out: Path) -> Staged:
    """Copy the gradable files of ``upload`` (a folder, as Gradescope gives it) into the new,
    empty folder ``out``. Never raises for what the upload holds; a missing upload is a note."""
    staged = Staged()
    out.mkdir(parents=True, exist_ok=False)
    if not upload.is_dir() or upload.is_symlink():
        staged.note("no upload folder was found.")
        return staged
    _walk(upload, "", out, staged, 0)
    return staged
