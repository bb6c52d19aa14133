"""Turn a path (a ``.py`` file or a directory of them) into the sources of one submission.

Reading and parsing happen here, in the grader's process, without running anything: a
syntax error or undecodable bytes are found with their file and line before the student
process ever sees the file.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

from grader.notebook import NotebookCell, NotebookError, read_cells, read_notebook
from grader.sourcecode import stub_names, top_level_names


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

    @property
    def stem(self) -> str:
        return Path(self.path).stem


@dataclass
class Submission:
    """A student's submission: a display path and its source files."""

    path: str
    files: list[SourceFile] = field(default_factory=list)


def _module_name(path: Path) -> str:
    # Prefixed so that a student's ``torch.py`` or ``grader.py`` cannot replace a real module;
    # a notebook's suffix keeps ``a.ipynb`` apart from ``a.py``.
    suffix = "_ipynb" if path.suffix == ".ipynb" else ""
    return "student_" + re.sub(r"\W", "_", path.stem) + suffix


def read_source(path: Path, shown: str) -> SourceFile:
    """Read, decode and parse one file; problems are recorded, not raised."""
    module = _module_name(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise SubmissionError(f"{shown}: cannot read the file ({error.strerror or error}).") from None
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
    try:
        tree = ast.parse(source, filename=shown)
    except SyntaxError as error:
        where = f"{shown}, line {error.lineno}" if error.lineno else shown
        code = (error.text or "").strip()
        detail = f": `{code}`" if code else ""
        return SourceFile(shown, module, source, directory, problem=f"{where}: SyntaxError: {error.msg}{detail}")
    except (ValueError, RecursionError, MemoryError) as error:
        return SourceFile(shown, module, source, directory, problem=f"{shown}: the file cannot be parsed ({error}).")
    return SourceFile(shown, module, source, directory, names=top_level_names(tree), stubs=stub_names(tree))


def read_notebook_source(path: Path, shown: str) -> SourceFile:
    """Read a notebook's code cells; a file that is not a notebook raises SubmissionError."""
    try:
        notebook = read_notebook(path, shown)
    except NotebookError as error:
        raise SubmissionError(str(error)) from None
    cells, warnings = read_cells(notebook, shown)
    names = frozenset(name for cell in cells for name in cell.defines)
    stubs = frozenset(name for cell in cells for name in cell.stubs)
    return SourceFile(
        shown,
        _module_name(path),
        directory=str(path.resolve().parent),
        names=names,
        stubs=stubs,
        cells=cells,
        warnings=warnings,
    )


def _read(path: Path, shown: str) -> SourceFile:
    return read_notebook_source(path, shown) if path.suffix == ".ipynb" else read_source(path, shown)


def load_submission(path: str) -> Submission:
    """The submission at ``path``: a ``.py`` file, a notebook, or every one of them in a directory."""
    target = Path(path)
    if not target.exists():
        raise SubmissionError(f"{path}: no such file or directory.")
    if target.is_dir():
        files = sorted(p for p in target.iterdir() if p.suffix in (".py", ".ipynb") and p.is_file())
        if not files:
            raise SubmissionError(f"{path}: the directory holds no .py files or notebooks.")
        return Submission(path, [_read(p, str(p)) for p in files])
    if target.suffix not in (".py", ".ipynb"):
        raise SubmissionError(f"{path}: not a Python file (.py), a notebook (.ipynb) or a directory.")
    return Submission(path, [_read(target, path)])
