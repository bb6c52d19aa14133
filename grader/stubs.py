"""Student stubs, generated from the exercises' specs so that the two never drift apart.

``python -m grader.stubs [OUT_DIR] [--plugin PACK]... [--check]`` is ``grade stubs`` with
``exercises`` as the default OUT_DIR: it (re)writes ``exercises/NN_name.py`` for every exercise
of every installed pack, and the lesson notebook ``exercises/lesson.ipynb``; ``--check`` only
reports files that are out of date (exit status 1).
"""

from __future__ import annotations

import inspect
import re
import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from grader.exercise import Exercise


def _annotation(annotation: Any) -> str:
    """An annotation as stub text: as written (a string, under ``from __future__ import
    annotations``), or else spelt out with its module (``torch.nn.modules.module.Module``),
    which the stub's ``import torch`` resolves."""
    if isinstance(annotation, str):
        return annotation
    return inspect.formatannotation(annotation).replace("typing.", "")


def _imports_for_annotations(functions: Sequence[Callable], header: str) -> str:
    """``import torch`` (say) for the modules that annotations spelt out with their module
    need, when ``header`` does not import them already."""
    needed: set[str] = set()
    for function in functions:
        target = getattr(function, "stub_class", None) or function
        members = [m for m in vars(target).values() if inspect.isfunction(m)] if inspect.isclass(target) else [target]
        for member in members:
            signature = inspect.signature(member)
            annotations = [p.annotation for p in signature.parameters.values()] + [signature.return_annotation]
            for annotation in annotations:
                if annotation is inspect.Parameter.empty or isinstance(annotation, str):
                    continue
                text = inspect.formatannotation(annotation)
                needed.update(m.group(1) for m in re.finditer(r"(?<![\w.])([A-Za-z_]\w*)\.", text))
    imported = set(re.findall(r"^import (\w+)", header, re.MULTILINE))
    return "".join(f"import {name}\n" for name in sorted(needed - imported - {"typing", "builtins"}))


def render_signature(function: Callable, *, skip_self: bool = False) -> str:
    """``(x: Tensor, dim: int = -1) -> Tensor`` as written in the spec's source."""
    signature = inspect.signature(function)
    parts = []
    for index, parameter in enumerate(signature.parameters.values()):
        if skip_self and index == 0:
            parts.append(parameter.name)
            continue
        text = parameter.name
        if parameter.annotation is not parameter.empty:
            text += f": {_annotation(parameter.annotation)}"
            if parameter.default is not parameter.empty:
                text += f" = {parameter.default!r}"
        elif parameter.default is not parameter.empty:
            text += f"={parameter.default!r}"
        parts.append(text)
    result = f"({', '.join(parts)})"
    if signature.return_annotation is not signature.empty:
        result += f" -> {_annotation(signature.return_annotation)}"
    return result


def _docstring(doc: str | None, indent: str) -> str:
    body = inspect.cleandoc(doc or "")
    if not body:
        return ""
    return textwrap.indent(f'"""{body}\n"""', indent) + "\n"


def _render_function(function: Callable, indent: str = "", *, is_method: bool = False) -> str:
    header = f"{indent}def {function.__name__}{render_signature(function, skip_self=is_method)}:\n"
    return header + _docstring(function.__doc__, indent + "    ") + f"{indent}    raise NotImplementedError\n"


def _render_class(cls: type) -> str:
    bases = ", ".join(
        f"{b.__module__.replace('torch.nn.modules.module', 'torch.nn')}.{b.__qualname__}" for b in cls.__bases__
    )
    text = f"class {cls.__name__}({bases}):\n" + _docstring(cls.__doc__, "    ")
    for member in vars(cls).values():
        if inspect.isfunction(member):
            text += "\n" + _render_function(member, "    ", is_method=True)
    return text


def render_stub(exercise: Exercise, *, command: str = "grade exercises/") -> str:
    """The complete text of an exercise's student stub; ``command`` grades it with its name added."""
    parts = [
        f'"""Exercise {exercise.filename.split("_")[0]}: {exercise.title}.\n\n'
        f"Fill in the function{'s' if len(exercise.functions) > 1 else ''} below, then run:\n\n"
        f"    {command}{exercise.filename}\n"
        '"""\n',
    ]
    header = _imports_for_annotations(exercise.functions, exercise.stub_header) + exercise.stub_header
    if header:
        parts.append(header.rstrip("\n") + "\n")
    for function in exercise.functions:
        parts.append("\n\n" + _render_spec(function))
    return "".join(parts)


def _render_spec(function: Callable) -> str:
    stub_class = getattr(function, "stub_class", None)
    return _render_class(stub_class) if stub_class else _render_function(function)


LESSON_NOTEBOOK = "lesson.ipynb"


def render_lesson_notebook(exercises: list[Exercise]) -> Any:
    """The lesson as a notebook: per exercise an introduction, stub cells and check() cells."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    cells = [
        new_markdown_cell(
            "# Spectrogram & pitch prediction: exercises\n\n"
            "Write each function in its cell and run it, then run the `check(...)` cell below it: "
            "it runs the public checks at once. The final grade (`grade lesson.ipynb`) runs hidden "
            "checks too. Keep the function names and parameters as they are."
        ),
        new_code_cell("from grader import check"),
    ]
    written: set[str] = set()
    for exercise in exercises:
        number = exercise.filename.split("_")[0]
        cells.append(new_markdown_cell(f"## {number} · {exercise.title}\n\n{exercise.intro}".rstrip()))
        header = _without_imports_of(exercise.stub_header, written)
        if header.strip():
            cells.append(new_code_cell(header.strip()))
        written.update(exercise.function_names)
        for function in exercise.functions:
            cells.append(new_code_cell(_render_spec(function).rstrip()))
            cells.append(new_code_cell(f"check({function.__name__})"))
    notebook = new_notebook(
        cells=cells,
        metadata={
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
    )
    for index, cell in enumerate(notebook.cells):
        cell.id = f"cell-{index}"  # stable ids, so that regenerating changes nothing
    nbformat.validate(notebook)
    return notebook


def _without_imports_of(header: str, names: set[str]) -> str:
    """``header`` minus imports of ``names`` (earlier cells of the notebook define them)."""
    lines = []
    for line in header.splitlines():
        if line.startswith("from ") and " import " in line and "(" not in line:
            module, _, imported = line.removeprefix("from ").partition(" import ")
            kept = [n.strip() for n in imported.split(",") if n.strip() and n.strip().split(" as ")[-1] not in names]
            if not kept:
                continue
            line = f"from {module} import " + ", ".join(kept)
        lines.append(line)
    return "\n".join(lines)


def _write_if_changed(path: Path, text: str, check_only: bool) -> bool:
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    if not check_only:
        path.write_text(text, encoding="utf-8")
    return True


def render_reference_submission(exercise: Exercise, exercises: list[Exercise] | None = None) -> str:
    """A student-shaped file whose functions call the exercise's reference (for self-tests).

    It has the spec's signatures and defaults, so the grader calls it exactly as it calls a
    student's file. Student processes may not import ``reference``, so the file carries the
    source of the reference modules (of ``exercises``, in order, for those that build on
    earlier ones) and loads them itself.
    """
    modules = [e.reference for e in (exercises or [exercise])]
    if exercise.reference not in modules:
        modules.append(exercise.reference)
    header = _imports_for_annotations(exercise.functions, exercise.stub_header) + exercise.stub_header
    lines = [header, "import sys as _sys", "import types as _types", ""]
    lines += [
        "def _load_reference(name, source):",
        "    parts = name.split('.')",
        "    for depth in range(1, len(parts)):  # hidden parent packages: empty stand-ins",
        "        _sys.modules.setdefault('.'.join(parts[:depth]), _types.ModuleType('.'.join(parts[:depth])))",
        "    module = _types.ModuleType(name)",
        "    _sys.modules[name] = module",
        "    exec(compile(source, name.replace('.', '/') + '.py', 'exec'), module.__dict__)",
        "    return module",
        "",
    ]
    for module in modules:
        lines.append(f"_load_reference({module.__name__!r}, {inspect.getsource(module)!r})")
    lines.append(f"_reference = _sys.modules[{exercise.reference.__name__!r}]")
    lines.append("")
    for function in exercise.functions:
        names = ", ".join(inspect.signature(function).parameters)
        lines.append(f"def {function.__name__}{render_signature(function)}:")
        lines.append(f"    return _reference.{function.__name__}({names})")
        lines.append("")
    return "\n".join(lines)


def write_stubs(
    exercises: list[Exercise], directory: Path, *, check_only: bool = False, command: str = "grade exercises/"
) -> list[Path]:
    """Write each exercise's stub into ``directory``; returns the files that changed (or would).

    ``command`` is what each stub tells students to run, the stub's file name added to it.
    """
    import nbformat

    changed = []
    for exercise in exercises:
        path = directory / exercise.filename
        if _write_if_changed(path, render_stub(exercise, command=command), check_only):
            changed.append(path)
    notebook = directory / LESSON_NOTEBOOK
    if _write_if_changed(notebook, nbformat.writes(render_lesson_notebook(exercises)) + "\n", check_only):
        changed.append(notebook)
    return changed
