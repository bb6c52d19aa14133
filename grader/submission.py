"""Turn a path (a ``.py`` file, a notebook, or a directory of them) into the sources of one
submission.

Reading and parsing happen here, in the grader's process, without running anything: a
syntax error or undecodable bytes are found with their file and line before the student
process ever sees the file. The files are data: a symbolic link is never followed (the
grader would otherwise read, with its own rights, whatever the link points to), a file is
read only up to a size cap, and a directory only up to a number of files. What is refused
is one line naming the file; in a directory, the other files are still read.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from grader.notebook import NotebookCell, NotebookError, read_cells, read_notebook
from grader.sourcecode import (
    MAX_SOURCE_BYTES,
    TOO_DEEP,
    FileRefused,
    defined_names,
    parse_module,
    read_file_bytes,
    stub_names,
    top_level_names,
)

SUFFIXES = (".py", ".ipynb")
# A directory's files read at most (in name order); the rest are named as skipped.
MAX_FILES = 200


class SubmissionError(Exception):
    """Nothing in this path can be graded; the message is one line for the user."""


@dataclass
class SourceFile:
    """One file of a submission. ``problem`` is set when it cannot be run at all."""

    path: str
    module: str
    source: str = ""
    directory: str = ""
    problem: str | None = None
    names: frozenset[str] = frozenset()
    # Functions (and classes) whose body is still only a stub's `raise NotImplementedError`.
    stubs: frozenset[str] = frozenset()
    # For a notebook: its code cells (run statement by statement) and what was skipped.
    cells: list[NotebookCell] | None = None
    warnings: list[str] = field(default_factory=list)
    # Names the file itself binds by def, class or assignment (not by import).
    defined: frozenset[str] = frozenset()

    @property
    def stem(self) -> str:
        return Path(self.path).stem


@dataclass
class Submission:
    """A student's submission: a display path, its source files, and what of it was not read."""

    path: str
    files: list[SourceFile] = field(default_factory=list)
    # Problems of the submission as a whole (files skipped past the cap), one line each.
    problems: list[str] = field(default_factory=list)
    # Whether it is a directory (which grades only the exercises the student has started).
    directory: bool = False


def _module_name(path: Path) -> str:
    # Prefixed so that a student's ``torch.py`` or ``grader.py`` cannot replace a real module;
    # a notebook's suffix keeps ``a.ipynb`` apart from ``a.py``.
    suffix = "_ipynb" if path.suffix == ".ipynb" else ""
    return "student_" + re.sub(r"\W", "_", path.stem) + suffix


def _code_excerpt(text: str | None, limit: int = 120) -> str:
    """The offending line of a syntax error, on one line and bounded."""
    code = " ".join((text or "").split())
    return code if len(code) <= limit else code[: limit - 1] + "…"


def read_source(path: Path, shown: str, *, dir_fd: int | None = None, directory: str | None = None) -> SourceFile:
    """Read, decode and parse one ``.py`` file (``path`` relative to ``dir_fd`` if given).

    A file that cannot be read (a link, too large, not a regular file) raises
    :class:`~grader.sourcecode.FileRefused`; other problems are recorded, not raised.
    """
    module = _module_name(path)
    data = read_file_bytes(str(path), shown, MAX_SOURCE_BYTES, dir_fd=dir_fd)
    if directory is None:
        directory = str(path.resolve().parent)
    try:
        source = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return SourceFile(
            shown,
            module,
            directory=directory,
            problem=f"{shown}, line {line}: the file is not valid UTF-8 text (byte {data[error.start]:#04x}); save it as UTF-8.",
        )
    del data
    try:
        tree = parse_module(source, shown)
    except SyntaxError as error:
        where = f"{shown}, line {error.lineno}" if error.lineno else shown
        code = _code_excerpt(error.text)
        detail = f": `{code}`" if code else ""
        return SourceFile(shown, module, source, directory, problem=f"{where}: SyntaxError: {error.msg}{detail}")
    except ValueError as error:
        reason = TOO_DEEP if str(error) == TOO_DEEP else f"the file cannot be parsed ({_code_excerpt(str(error))})"
        return SourceFile(shown, module, source, directory, problem=f"{shown}: {reason}.")
    return SourceFile(
        shown,
        module,
        source,
        directory,
        names=top_level_names(tree),
        stubs=stub_names(tree),
        defined=defined_names(tree),
    )


def read_notebook_source(
    path: Path, shown: str, *, dir_fd: int | None = None, directory: str | None = None
) -> SourceFile:
    """Read a notebook's code cells; a file that is not a notebook raises NotebookError."""
    repairs: list[str] = []
    notebook = read_notebook(path, shown, dir_fd=dir_fd, repairs=repairs)
    cells, warnings = read_cells(notebook, shown)
    warnings = repairs + warnings
    del notebook
    names = frozenset(name for cell in cells for name in cell.defines)
    # A stub a later cell defines again (the student's version below the handed-out one) is not one.
    last = {name: cell for cell in cells for name in cell.defines}
    stubs = frozenset(name for name, cell in last.items() if name in cell.stubs)
    return SourceFile(
        shown,
        _module_name(path),
        directory=directory if directory is not None else str(path.resolve().parent),
        names=names,
        stubs=stubs,
        cells=cells,
        warnings=warnings,
        defined=names,
    )


def _link_refused(shown: str) -> str:
    return f"{shown}: a symbolic link, which the grader does not follow; it was not graded."


def check_path(path: str) -> None:
    """Raise SubmissionError if ``path`` cannot be a submission, without reading any file.

    Looks only at names and file types: a missing path, a link, a file that is not a ``.py``
    file or notebook, a directory with neither.
    """
    target = Path(path)
    try:
        status = os.lstat(target)
    except FileNotFoundError:
        raise SubmissionError(f"{path}: no such file or directory.") from None
    except OSError as error:
        raise SubmissionError(f"{path}: cannot read it ({error.strerror or error}).") from None
    if stat.S_ISLNK(status.st_mode):
        raise SubmissionError(_link_refused(path))
    if stat.S_ISDIR(status.st_mode):
        try:
            with os.scandir(target) as entries:
                if not any(_is_candidate(entry) for entry in entries):
                    raise SubmissionError(f"{path}: the directory holds no .py files or notebooks.")
        except OSError as error:
            raise SubmissionError(f"{path}: cannot read the directory ({error.strerror or error}).") from None
        return
    if target.suffix not in SUFFIXES:
        raise SubmissionError(f"{path}: not a Python file (.py), a notebook (.ipynb) or a directory.")


def _is_candidate(entry: os.DirEntry) -> bool:
    """A directory entry that is part of the submission: a ``.py`` file or notebook, or any link
    (refused, but named, so that a link is never silently left out or followed)."""
    try:
        if entry.is_symlink():
            return True
        return Path(entry.name).suffix in SUFFIXES and not entry.is_dir(follow_symlinks=False)
    except OSError:
        return False


def load_submission(path: str) -> Submission:
    """The submission at ``path``: a ``.py`` file, a notebook, or every one of them in a directory."""
    check_path(path)
    target = Path(path)
    if target.is_dir():
        return _load_directory(path, target)
    try:
        return Submission(path, [_read(target, path)])
    except (FileRefused, NotebookError) as error:
        raise SubmissionError(str(error)) from None


def _read(path: Path, shown: str, *, dir_fd: int | None = None, directory: str | None = None) -> SourceFile:
    reader = read_notebook_source if path.suffix == ".ipynb" else read_source
    return reader(path, shown, dir_fd=dir_fd, directory=directory)


def _load_directory(path: str, target: Path) -> Submission:
    flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    try:
        dir_fd = os.open(target, flags)
    except OSError as error:
        if os.path.islink(target):
            raise SubmissionError(_link_refused(path)) from None
        raise SubmissionError(f"{path}: cannot read the directory ({error.strerror or error}).") from None
    try:
        with os.scandir(dir_fd) as scan:
            entries = sorted((entry for entry in scan if _is_candidate(entry)), key=lambda entry: entry.name)
        if not entries:
            raise SubmissionError(f"{path}: the directory holds no .py files or notebooks.")
        submission = Submission(path, directory=True)
        if len(entries) > MAX_FILES:
            skipped = [entry.name for entry in entries[MAX_FILES:]]
            listed = ", ".join(skipped[:5]) + (f" and {len(skipped) - 5} more" if len(skipped) > 5 else "")
            submission.problems.append(
                f"{path}: holds {len(entries)} .py files, notebooks and links; only the first {MAX_FILES} "
                f"(in name order) were read, {len(skipped)} were skipped ({listed})."
            )
            entries = entries[:MAX_FILES]
        directory = str(target.resolve())
        for entry in entries:
            name = Path(entry.name)
            shown = str(target / entry.name)
            module = _module_name(name)
            if _is_link(entry):
                submission.files.append(SourceFile(shown, module, directory=directory, problem=_link_refused(shown)))
                continue
            try:
                submission.files.append(_read(name, shown, dir_fd=dir_fd, directory=directory))
            except (FileRefused, NotebookError) as error:
                # One file that cannot be read is that file's problem: the others are graded.
                submission.files.append(SourceFile(shown, module, directory=directory, problem=str(error)))
        return submission
    except OSError as error:
        raise SubmissionError(f"{path}: cannot read the directory ({error.strerror or error}).") from None
    finally:
        os.close(dir_fd)


def _is_link(entry: os.DirEntry) -> bool:
    try:
        return entry.is_symlink()
    except OSError:
        return False
