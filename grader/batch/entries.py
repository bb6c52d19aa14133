"""The entries of a class folder: one per student, each named by its entry, with a digest of
what grading would read from it (so a stored result is reused only for the same content)."""

from __future__ import annotations

import hashlib
import os
import stat
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from grader.submission import MAX_FILES, SUFFIXES

# Past this a file is digested by its size and modification time instead of its bytes: the
# grader refuses such a file anyway, and a class folder must not make the digest read gigabytes.
MAX_DIGESTED_BYTES = 32 << 20


@dataclass(frozen=True)
class Entry:
    """One student's entry: ``name`` in the class folder, the student id it gives, its digest."""

    name: str
    path: str
    student_id: str
    digest: str


def _digest_file(digest: hashlib._Hash, path: Path) -> None:
    try:
        info = path.lstat()
    except OSError as error:
        digest.update(f"unreadable:{error.errno};".encode())
        return
    if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_DIGESTED_BYTES:
        digest.update(f"special:{info.st_mode}:{info.st_size}:{info.st_mtime_ns};".encode())
        return
    try:
        digest.update(f"file:{info.st_size};".encode())
        digest.update(path.read_bytes())
    except OSError as error:
        digest.update(f"unreadable:{error.errno};".encode())


def content_digest(path: Path) -> str:
    """A digest of what grading reads at ``path``: a file's bytes, or a folder's .py files and
    notebooks (names and bytes, in name order, as many as grading reads)."""
    digest = hashlib.sha256()
    if path.is_symlink():
        digest.update(f"link:{os.readlink(path)}".encode())
    elif path.is_dir():
        try:
            names = sorted(
                child.name
                for child in os.scandir(path)
                if Path(child.name).suffix in SUFFIXES and not child.is_dir(follow_symlinks=False)
            )
        except OSError as error:
            names = []
            digest.update(f"unreadable-dir:{error.errno};".encode())
        for name in names[: MAX_FILES + 1]:
            digest.update(f"name:{name};".encode("utf-8", "surrogateescape"))
            _digest_file(digest, path / name)
    else:
        _digest_file(digest, path)
    return digest.hexdigest()


def _is_entry(entry: os.DirEntry) -> bool:
    if entry.name.startswith(".") or entry.name.startswith("__"):
        return False  # .DS_Store, .git, __pycache__, __MACOSX: never a student's work
    try:
        if entry.is_dir(follow_symlinks=False):
            return True
    except OSError:
        return False
    return Path(entry.name).suffix in SUFFIXES or entry.is_symlink()


def student_id_of(name: str) -> str:
    """The id an entry gives its student: its name without ``.py`` / ``.ipynb``."""
    suffix = Path(name).suffix
    return name[: -len(suffix)] if suffix in SUFFIXES else name


def list_entries(folder: Path) -> list[Entry]:
    """Every student's entry in ``folder``, sorted by name (the same order on every machine).

    When two entries give the same id (``alice.py`` and ``alice/``), each keeps its full name
    as its id, so neither is lost.
    """
    with os.scandir(folder) as scan:
        names = sorted(entry.name for entry in scan if _is_entry(entry))
    ids = [student_id_of(name) for name in names]
    # Repeat until every id is unique: a full name can itself be another entry's id
    # (``bob.py`` and ``bob.ipynb`` become their full names, which ``bob.py.py`` gives as its id).
    # Names are unique, so each round turns at least one more id into its name and this ends.
    while len(set(ids)) < len(ids):
        counts = Counter(ids)
        ids = [name if counts[student_id] > 1 else student_id for name, student_id in zip(names, ids)]
    entries = []
    for name, student_id in zip(names, ids):
        path = folder / name
        entries.append(Entry(name, str(path), student_id, content_digest(path)))
    return entries
