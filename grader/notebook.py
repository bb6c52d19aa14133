"""Notebooks as submissions: what of each cell runs, and where messages point.

The strategy, chosen so that a notebook grades in about the time of a ``.py`` file however
much else it holds:

- Magics (``%matplotlib inline``), shell lines (``!pip install ...``) and help lines
  (``torch.stft?``) are skipped; so are whole cells of non-Python cell magics (``%%bash``).
- Of each cell's top-level statements, only imports, definitions (``def``, ``class``) and
  assignments run, each under its own error guard and time limit. Plots, prints, top-level
  training loops and other statements are skipped: they define nothing the checks call.
- Display-only modules (matplotlib, IPython.display, ...) are replaced by stand-ins that
  accept anything, whether or not they are installed.
- What was skipped or failed becomes a warning in the report, never lost points. A function
  that uses a global the notebook assigns still finds it.
- Code is compiled per cell, so tracebacks and messages say "homework.ipynb, cell 5, line 3".
  Cells are numbered from 1 in notebook order, markdown cells included.
"""

from __future__ import annotations

import ast
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from grader.sourcecode import (
    MAX_NOTEBOOK_BYTES,
    TOO_DEEP,
    FileRefused,
    compile_statement,
    read_file_bytes,
    stub_names,
)

# Cell magics whose body is still Python.
PYTHON_CELL_MAGICS = {"time", "timeit", "capture", "prun"}
_SHELL_ASSIGNMENT = re.compile(r"^\s*[\w\s,()\[\]]+=\s*[!%]")
_DEFINITION = re.compile(r"^(?:async\s+)?(?:def|class)\s+(\w+)", re.MULTILINE)
_HELP = re.compile(r"^\s*\?{0,2}[\w.]+\?{0,2}\s*$")  # torch.stft? or ??torch.stft


class NotebookError(Exception):
    """The file is not a notebook the grader can read; the message is one line."""


@dataclass
class Statement:
    """One top-level statement of a cell: its index in the cell and whether it runs."""

    index: int
    line: int
    kind: str  # "import", "define", "assign" run; "skip" does not


@dataclass
class NotebookCell:
    """A code cell as the student process runs it."""

    number: int
    name: str
    source: str
    statements: list[Statement] = field(default_factory=list)
    defines: list[str] = field(default_factory=list)
    stubs: frozenset[str] = frozenset()
    problem: str | None = None


def _neutralise_magics(source: str) -> str:
    """Replace magic, shell and help lines by ``pass`` (same indentation, same line numbers)."""
    lines = source.split("\n")
    for number, line in enumerate(lines):
        stripped = line.strip()
        is_help = ("?" in stripped) and _HELP.match(line) is not None
        if stripped.startswith(("%", "!")) or is_help or _SHELL_ASSIGNMENT.match(line):
            indent = line[: len(line) - len(line.lstrip())]
            lines[number] = f"{indent}pass"
    return "\n".join(lines)


def _is_quiet(node: ast.stmt) -> bool:
    """Statements not worth a warning when skipped: docstrings, ``pass``, ``check(...)`` cells."""
    if isinstance(node, ast.Pass):
        return True
    if isinstance(node, ast.Expr):
        value = node.value
        if isinstance(value, ast.Constant):
            return True
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "check":
            return True
    return False


def _kind(node: ast.stmt) -> str:
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return "import"
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return "define"
    if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
        return "assign"
    return "skip"


def read_cells(notebook: nbformat.NotebookNode, shown: str) -> tuple[list[NotebookCell], list[str]]:
    """The runnable code cells of a notebook, and warnings about what is skipped."""
    cells: list[NotebookCell] = []
    notes: list[str] = []
    skipped_cells: list[int] = []
    for number, cell in enumerate(notebook.cells, start=1):
        if cell.cell_type != "code":
            continue
        name = f"{shown}, cell {number}"
        source = cell.source if isinstance(cell.source, str) else "".join(cell.source)
        first = source.lstrip().split("\n", 1)[0].strip()
        if first.startswith("%%"):
            magic = first[2:].split()[0] if first[2:].split() else ""
            if magic not in PYTHON_CELL_MAGICS:
                notes.append(f"{name}: skipped (a %%{magic[:40]} cell is not Python).")
                continue
            source = "\n" + source.lstrip().split("\n", 1)[1] if "\n" in source.lstrip() else ""
        source = _neutralise_magics(source)
        entry = NotebookCell(number, name, source)
        try:
            tree, statements = _read_cell(source, name)
        except SyntaxError as error:
            entry.problem = f"{name}, line {error.lineno}: SyntaxError: {error.msg}"
        except ValueError as error:  # too deeply nested, or null bytes
            entry.problem = f"{name}: {error}." if str(error) == TOO_DEEP else f"{name}: the cell cannot be parsed."
        if entry.problem is not None:
            # The names it meant to define, so that their exercise reports the error.
            entry.defines = _DEFINITION.findall(source)
            notes.append(f"{entry.problem} (the cell was skipped).")
            cells.append(entry)
            continue
        entry.stubs = stub_names(tree)
        entry.statements = statements
        for node, statement in zip(tree.body, statements):
            if statement.kind == "skip" and not _is_quiet(node):
                if number not in skipped_cells:
                    skipped_cells.append(number)
            if statement.kind == "define":
                entry.defines.append(node.name)  # type: ignore[attr-defined]
        cells.append(entry)
    if skipped_cells:
        listed = ", ".join(str(n) for n in skipped_cells)
        notes.append(
            f"Top-level statements that are not imports, definitions or assignments (plots, prints, "
            f"loops) were skipped in cell{'s' if len(skipped_cells) > 1 else ''} {listed}."
        )
    return cells, notes


def _read_cell(source: str, name: str) -> tuple[ast.Module, list[Statement]]:
    """A cell's syntax tree and statements; each statement that runs is compiled here as the
    student process will compile it, so that what the compiler refuses (or cannot nest that
    deep) is the cell's problem rather than the student process's. Raises SyntaxError or
    ValueError (``TOO_DEEP``, null bytes)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(source, filename=name)
    except (RecursionError, MemoryError):
        raise ValueError(TOO_DEEP) from None
    statements = []
    for index, node in enumerate(tree.body):
        kind = _kind(node)
        if kind != "skip":
            compile_statement(node, name)
        statements.append(Statement(index, node.lineno, kind))
    return tree, statements


def read_notebook(
    path: Path, shown: str, *, dir_fd: int | None = None, repairs: list[str] | None = None
) -> nbformat.NotebookNode:
    """Read and validate a notebook (v4, any minor version), without following a link.

    ``path`` is relative to ``dir_fd`` when that is given (a file of a directory submission).
    What had to be repaired for it to validate is appended to ``repairs`` (see :func:`parse_notebook`).
    """
    try:
        data = read_file_bytes(str(path), shown, MAX_NOTEBOOK_BYTES, dir_fd=dir_fd)
    except FileRefused as error:
        raise NotebookError(str(error)) from None
    return parse_notebook(data, shown, repairs)


def parse_notebook(data: bytes, shown: str, repairs: list[str] | None = None) -> nbformat.NotebookNode:
    """A notebook from its bytes; anything that is not one raises NotebookError (one line).

    What Jupyter and Colab open but nbformat's validator refuses is repaired as nbformat's own
    normaliser does it (see :func:`_repaired`), and a warning saying so is appended to ``repairs``.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise NotebookError(f"{shown}: not a notebook (the file is not UTF-8 text).") from None
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")  # nbformat's notices (missing cell ids, ...) are not errors
            notebook = nbformat.reads(text, as_version=4)
        # Reading already renumbers duplicate cell ids (in a notebook of format 4.5 or later).
        renumbered = sum(issubclass(w.category, nbformat.validator.DuplicateCellId) for w in caught)
    except (RecursionError, MemoryError):
        raise NotebookError(f"{shown}: not a notebook the grader can read ({TOO_DEEP}).") from None
    except nbformat.reader.NotJSONError:
        raise NotebookError(f"{shown}: not a notebook (the file is not valid JSON; is it truncated?).") from None
    except Exception as error:  # noqa: BLE001 - nbformat raises several kinds for non-notebooks
        raise NotebookError(f"{shown}: not a notebook ({_first_line(error)}).") from None
    notebook, notes = _repaired(notebook, renumbered)
    if notes and repairs is not None:
        repairs.append(
            f"{shown}: the notebook was repaired: {'; '.join(notes)}. Jupyter and Colab open it as it is; "
            "this costs no points."
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            nbformat.validate(notebook)
    except nbformat.ValidationError as error:
        raise NotebookError(f"{shown}: not a valid notebook ({_first_line(error)}).") from None
    except (RecursionError, MemoryError):
        raise NotebookError(f"{shown}: not a notebook the grader can read ({TOO_DEEP}).") from None
    except Exception as error:  # noqa: BLE001 - the validator must not crash the grader either
        raise NotebookError(f"{shown}: not a valid notebook ({_first_line(error)}).") from None
    if not isinstance(notebook.get("cells"), list):
        raise NotebookError(f"{shown}: not a valid notebook (it has no list of cells).")
    return notebook


def _repaired(notebook: Any, renumbered: int = 0) -> tuple[Any, list[str]]:
    """The notebook with what Jupyter and Colab accept but the validator refuses normalised, and
    what was changed: cell ids in a notebook of format 4.0 to 4.4 (ids came with 4.5; such a
    file is read as 4.5), duplicate cell ids (renumbered), and metadata fields the format does
    not allow (dropped), as :func:`nbformat.validator.normalize` repairs them. Anything else
    is left for the validator to refuse."""
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        return notebook, []
    notes: list[str] = []
    cells = notebook["cells"]
    minor = notebook.get("nbformat_minor")
    original = notebook
    try:
        if (
            notebook.get("nbformat") == 4
            and type(minor) is int
            and minor < 5
            and any(isinstance(cell, dict) and "id" in cell for cell in cells)
        ):
            notebook = nbformat.from_dict({**notebook, "nbformat_minor": 5})
            notes.append(f"its format is 4.{minor} but its cells have ids (which came with 4.5): read as 4.5")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            _changes, fixed = nbformat.validator.normalize(notebook, strip_invalid_metadata=True)
    except Exception:  # noqa: BLE001 - what cannot be normalised is the validator's to refuse
        return original, [f"{renumbered} duplicate cell id{'s were' if renumbered != 1 else ' was'} renumbered"] * (
            renumbered > 0
        )
    duplicates = renumbered + sum(issubclass(w.category, nbformat.validator.DuplicateCellId) for w in caught)
    if duplicates:
        notes.append(f"{duplicates} duplicate cell id{'s were' if duplicates != 1 else ' was'} renumbered")
    dropped = [f"notebook: {key}" for key in _dropped(notebook.get("metadata"), fixed.get("metadata"))]
    for number, (before, after) in enumerate(zip(cells, fixed.get("cells", [])), start=1):
        if isinstance(before, dict) and isinstance(after, dict):
            dropped += [f"cell {number}: {key}" for key in _dropped(before.get("metadata"), after.get("metadata"))]
    if dropped:
        listed = ", ".join(dropped[:5]) + (f" and {len(dropped) - 5} more" if len(dropped) > 5 else "")
        notes.append(f"metadata the notebook format does not allow was dropped ({listed[:300]})")
    return nbformat.from_dict(fixed), notes


def _dropped(before: object, after: object) -> list[str]:
    """The keys of a metadata mapping that normalising removed."""
    if not isinstance(before, dict):
        return []
    kept = after if isinstance(after, dict) else {}
    return [str(key)[:40] for key in before if key not in kept]


def _first_line(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return text[0][:160] if text else type(error).__name__


# Characters that start inline markdown (emphasis, code, links, images, tables, strikethrough,
# MathJax, e-mail autolinks); <, > and & become HTML entities instead.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|~$@])")
# Web autolinks (http://..., www....) and what starts a block at the beginning of a line.
_AUTOLINK = re.compile(r"(?i)(?<=:)//|(?<=\bwww)\.")
_BLOCK_START = re.compile(r"^(\s*)([#=+\-]|\d+[.)])")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")
MAX_FEEDBACK_TEXT = 2000


def markdown_text(text: str, limit: int = MAX_FEEDBACK_TEXT) -> str:
    """``text`` as literal markdown on one line: no HTML, no markup, no link, at most ``limit``
    characters.

    What a check says can quote the student (an exception's message, a value's type name):
    in a feedback cell it must read as written, never as markup, a link or a script.
    """
    text = _CONTROL.sub(" ", text).strip()
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    text = _AUTOLINK.sub(lambda m: "\\/\\/" if m.group(0) == "//" else "\\.", text)
    return _BLOCK_START.sub(lambda m: m.group(1) + _escape_block_start(m.group(2)), text)


def _escape_block_start(marker: str) -> str:
    # A list number keeps its digits (a backslash before a digit is no escape): its . or ) is escaped.
    return marker[:-1] + "\\" + marker[-1] if marker[0].isdigit() else "\\" + marker


def feedback_markdown(function: str, checks: list) -> str:
    """A feedback cell's text for one graded function: score, failed checks, hints.

    Every text is escaped (:func:`markdown_text`); only the cell's own emphasis is markup.
    """
    score = sum(c.score for c in checks)
    total = sum(c.max_score for c in checks)
    lines = [f"**Feedback on `{_code_name(function)}`: {score:g}/{total:g}**", ""]
    passed = [c for c in checks if c.passed]
    for check in checks:
        if check.passed:
            continue
        lines.append(f"- ✗ {markdown_text(check.description)} ({check.score:g}/{check.max_score:g})  ")
        if check.message:
            lines.append(f"  {markdown_text(check.message)}  ")
        if check.hint:
            lines.append(f"  *Hint:* {markdown_text(check.hint)}")
    if passed:
        lines.append(
            f"- ✓ {len(passed)} check{'s' if len(passed) != 1 else ''} passed ({sum(c.score for c in passed):g} points)"
        )
    return "\n".join(lines)


def _code_name(name: str) -> str:
    """A function's name for a code span (a spec's name is an identifier; anything else is dropped)."""
    return name if name.isidentifier() else "".join(ch for ch in name if ch.isalnum() or ch == "_")[:80]


def annotate(
    notebook: nbformat.NotebookNode, cells: list[NotebookCell], exercises: list, result: Any
) -> nbformat.NotebookNode:
    """A copy of ``notebook`` with a feedback cell after each graded function's cell."""
    from nbformat.v4 import new_markdown_cell

    annotated = nbformat.reads(nbformat.writes(notebook), as_version=4)
    defined_in = {name: cell.number for cell in cells for name in cell.defines}
    insertions: list[tuple[int, int, str]] = []
    owners = {e.id: e for e in exercises}
    for graded in result.exercises:
        exercise = owners.get(graded.name)
        if exercise is None:
            continue
        for function in exercise.function_names:
            checks = [c for c in graded.checks if _check_function(exercise, c.name) == function]
            if function in defined_in and checks:
                insertions.append((defined_in[function], len(insertions), feedback_markdown(function, checks)))
    # From the end, so earlier cell numbers stay valid; in one cell, the functions in order.
    for number, _order, text in sorted(insertions, reverse=True):
        cell = new_markdown_cell(text)
        cell.metadata["soundlab_feedback"] = True
        annotated.cells.insert(number, cell)  # cell numbers start at 1: insert after that cell
    nbformat.validate(annotated)
    return annotated


def _check_function(exercise: Any, check_name: str) -> str | None:
    return next((c.function for c in exercise.checks if c.name == check_name), None)
