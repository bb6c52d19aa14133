"""Writing a student edition: ``OUT/exercises/`` (stubs, lesson notebook) and an installable package.

``OUT/`` holds ``pyproject.toml`` and ``src/``: the framework (``grader/`` without any pack's
checks, references, given modules or catalogues), each released pack's modules rewritten
to its public checks (:mod:`grader.release.rewrite`) and its given modules as they are, and
``grader/release/recordings/``: the reference outcomes of the public checks as wire-format
data and a JSON manifest. ``pip install OUT/`` installs it as ``soundlab-grader``, its
``grade`` command and its packs' entry points included.
"""

from __future__ import annotations

import ast
import inspect
import json
import shutil
import sys
import types
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

import grader
from grader.exercise import Exercise
from grader.pack import Pack
from grader.plugins import PluginError, Registry, get_plugin_manager, load_registry
from grader.release.record import Recording, ReleaseError, encode_recording, record
from grader.release.replay import FORMAT, MANIFEST
from grader.release.rewrite import Plan, RewriteError, is_solution_helper_def, rewrite, verify
from grader.stubs import write_stubs

SOURCE = "src"
RECORDINGS = Path("grader") / "release" / "recordings"
FRAMEWORK_DATA = ["release/recordings/*", "templates/new_pack/*.txt", "templates/class_report/*"]


@dataclass
class Edition:
    """What was written, for the command to report."""

    out: Path
    packs: list[str]
    public: int
    withheld: int
    recorded: int
    files: int
    size: int
    warnings: list[str] = field(default_factory=list)


def _module_file(module: types.ModuleType) -> Path:
    location = getattr(module, "__file__", None)
    if not location:
        raise ReleaseError(f"module {module.__name__} has no source file to release")
    return Path(location).resolve()


def _relative(name: str, path: Path) -> Path:
    """Where module ``name`` goes under ``src/``."""
    parts = name.split(".")
    if path.name == "__init__.py":
        return Path(*parts) / "__init__.py"
    return Path(*parts[:-1], parts[-1] + ".py")


def _plugin_modules(plugins: Sequence[str]) -> dict[str, types.ModuleType]:
    """Each pack's plugin module (the one whose ``soundlab_pack`` hook returns it), by pack name."""
    pm = get_plugin_manager(plugins)
    found: dict[str, types.ModuleType] = {}
    for implementation in pm.hook.soundlab_pack.get_hookimpls():
        pack = implementation.function()
        if isinstance(pack, Pack) and isinstance(implementation.plugin, types.ModuleType):
            found[pack.name] = implementation.plugin
    return found


def _pack_modules(pack: Pack, plugin: types.ModuleType | None) -> dict[str, types.ModuleType]:
    """The modules of a pack that an edition holds rewritten: its plugin, specs and checks."""
    names = {f.__module__ for e in pack.exercises for f in e.functions}
    names |= {c.module for e in pack.exercises for c in e.checks}
    modules = {name: sys.modules[name] for name in names if name in sys.modules}
    if plugin is not None:
        modules[plugin.__name__] = plugin
    for exercise in pack.exercises:
        modules.pop(exercise.reference.__name__, None)
    return modules


def _withheld(exercise: Exercise, describe: bool) -> list[dict[str, Any]]:
    return [
        {"function": c.function, "points": c.points, "description": c.description if describe else ""}
        for c in exercise.checks
        if not c.public
    ]


def _dependencies() -> list[str]:
    project = Path(grader.__file__).resolve().parents[1] / "pyproject.toml"
    try:
        import tomllib

        return list(tomllib.loads(project.read_text(encoding="utf-8"))["project"]["dependencies"])
    except (ImportError, OSError, KeyError, ValueError):
        from importlib import metadata

        return [r for r in metadata.requires("soundlab-grader") or [] if "extra ==" not in r]


def _version() -> str:
    from importlib import metadata

    try:
        return metadata.version("soundlab-grader").split("+")[0] + "+student"
    except metadata.PackageNotFoundError:
        return "0+student"


def _pyproject(packs: dict[str, str], top_modules: list[str]) -> str:
    dependencies = "".join(f"    {json.dumps(d)},\n" for d in _dependencies())
    entry_points = "".join(f"{name} = {json.dumps(module)}\n" for name, module in sorted(packs.items()))
    data = ", ".join(json.dumps(d) for d in FRAMEWORK_DATA)
    return (
        "# A student edition of soundlab-grader, written by `grade release`: public checks only,\n"
        "# no reference solutions. Install with `pip install .`\n"
        '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n\n'
        f'[project]\nname = "soundlab-grader"\nversion = "{_version()}"\n'
        'description = "soundlab-grader, student edition: self-checks with the public checks."\n'
        'requires-python = ">=3.10"\n'
        f"dependencies = [\n{dependencies}]\n\n"
        '[project.scripts]\ngrade = "grader.cli:main"\n\n'
        f"[project.entry-points.soundlab_grader]\n{entry_points}\n"
        f'[tool.setuptools]\npackage-dir = {{"" = "{SOURCE}"}}\n'
        f"py-modules = {json.dumps(sorted(top_modules))}\n\n"
        f'[tool.setuptools.packages.find]\nwhere = ["{SOURCE}"]\n\n'
        f"[tool.setuptools.package-data]\ngrader = [{data}]\n"
    )


README = """\
# {title}, student edition

Your copy of the grader: it runs the *public* checks of every exercise on your code, with
the same messages and hints as the final grading, which adds more checks (each report says
how many and how many points). It holds no reference solution.

In this folder, in a virtual environment (on a machine without an NVIDIA GPU, install the
CPU-only torch first: it saves about 5 GB):

```sh
python3 -m venv .venv && . .venv/bin/activate
pip install torch torchaudio --index-url https://download.pytorch.org/whl/cpu   # no GPU
pip install .
grade exercises/03_softmax.py       # one exercise
grade exercises/                    # every exercise you have started
```

In the notebook (`exercises/lesson.ipynb`): `from grader import check` and `check(softmax)`.
"""


def _exercises_of(packs: Sequence[Pack]) -> list[Exercise]:
    return [e for p in packs for e in p.exercises]


def release(
    out: Path, plugins: Sequence[str], spawner: Any, *, describe_hidden: bool = False, registry: Registry | None = None
) -> Edition:
    """Write the student edition of the packs named in ``plugins`` (all installed packs if none) to ``out``."""
    try:
        registry = registry or load_registry(plugins)
        plugin_modules = _plugin_modules(plugins)
    except PluginError as error:
        raise ReleaseError(str(error)) from None
    packs = list(registry.named if plugins else registry.packs)
    exercises = _exercises_of(packs)
    if not exercises:
        raise ReleaseError("no exercises to release: no pack is loaded")
    if any(e.recorded is not None for e in registry.exercises.values()):
        raise ReleaseError("this is a student edition already: release from the instructor's copy of the grader")
    if out.exists() and any(out.iterdir()):
        raise ReleaseError(f"{out} is not empty: release into a new folder")

    # What no edition holds of any installed pack: its modules and catalogues (re-added below if released).
    withheld_paths: set[Path] = set()
    for pack in registry.packs:
        plugin = plugin_modules.get(pack.name)
        modules = [sys.modules[n] for n in pack.hidden if n in sys.modules] + list(pack.gives)
        modules += [plugin] if plugin is not None else []
        withheld_paths |= {_module_file(m) for m in modules}
        withheld_paths |= {Path(m.path).resolve().parent for e in pack.exercises for m in e.mistakes if m.path}

    recording = record(exercises, list(registry.exercises.values()), spawner, registry.policy)
    src = out / SOURCE
    src.mkdir(parents=True)
    _copy_framework(Path(grader.__file__).resolve().parent, src / "grader", withheld_paths)

    entry_points: dict[str, str] = {}
    top_modules: list[str] = []
    references: dict[str, dict[str, Any]] = {}
    helper_bodies: dict[str, str] = {}
    for pack in packs:
        plugin = plugin_modules.get(pack.name)
        if plugin is None:
            raise ReleaseError(f"pack {pack.name!r}: its plugin module could not be found")
        entry_points[pack.name] = plugin.__name__
        reference_names = frozenset(e.reference.__name__ for e in registry.exercises.values())
        for name, module in sorted(_pack_modules(pack, plugin).items()):
            checks = [c for e in pack.exercises for c in e.checks if c.module == name]
            plan = Plan(
                name,
                public=frozenset(c.name for c in checks if c.public),
                hidden=frozenset(c.name for c in checks if not c.public),
                references=reference_names,
            )
            path = _module_file(module)
            original = path.read_text(encoding="utf-8")
            try:
                text = rewrite(original, plan, filename=str(path))
                verify(original, text, plan, filename=str(path))
            except RewriteError as error:
                raise ReleaseError(str(error)) from None
            helper_bodies.update(solution_helper_bodies(original, name))
            _write_module(src, name, path, text, top_modules)
        for given in pack.gives:
            path = _module_file(given)
            _write_module(src, given.__name__, path, path.read_text(encoding="utf-8"), top_modules)
        for exercise in pack.exercises:
            entry = references.setdefault(exercise.reference.__name__, {"functions": [], "direct": []})
            entry["functions"] += list(exercise.function_names)
    for name, functions in recording.direct_names.items():
        references.setdefault(name, {"functions": [], "direct": []})["direct"] = sorted(functions)

    warnings = list(recording.warnings)
    files = _write_recordings(src / RECORDINGS, recording, exercises, warnings)
    manifest = {
        "format": FORMAT,
        "torch": torch.__version__,
        "packs": [p.name for p in packs],
        "files": files,
        "references": references,
        "withheld": {e.id: _withheld(e, describe_hidden) for e in exercises},
        "describe_hidden": describe_hidden,
    }
    (src / RECORDINGS / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    (out / "pyproject.toml").write_text(_pyproject(entry_points, top_modules), encoding="utf-8")
    title = " and ".join(p.name for p in packs)
    (out / "README.md").write_text(README.format(title=title), encoding="utf-8")
    (out / "exercises").mkdir()
    write_stubs(exercises, out / "exercises", command="grade exercises/")
    handed_out = [m for p in registry.packs for m in p.gives]
    _no_reference_bodies(out, [e.reference for e in registry.exercises.values()], handed_out, helper_bodies)

    written = [p for p in out.rglob("*") if p.is_file()]
    return Edition(
        out=out,
        packs=[p.name for p in packs],
        public=sum(1 for e in exercises for c in e.checks if c.public),
        withheld=sum(1 for e in exercises for c in e.checks if not c.public),
        recorded=len(recording.keys()),
        files=len(written),
        size=sum(p.stat().st_size for p in written),
        warnings=warnings,
    )


def _copy_framework(source: Path, target: Path, withheld: set[Path]) -> None:
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        if (
            "__pycache__" in relative.parts
            or path.suffix in (".pyc", ".pyo")
            or not path.is_file()
            or path.is_symlink()
            or relative.parts[:2] == ("release", "recordings")
            or any(path == w or w in path.parents for w in withheld)
        ):
            continue
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, destination)


def _write_module(src: Path, name: str, path: Path, text: str, top_modules: list[str]) -> None:
    relative = _relative(name, path)
    destination = src / relative
    destination.parent.mkdir(parents=True, exist_ok=True)
    destination.write_text(text, encoding="utf-8")
    if len(relative.parts) == 1:
        top_modules.append(name)
    # Parent packages that the framework copy does not hold: empty, so the module imports.
    for parent in relative.parents:
        if parent != Path(".") and parent.parts[0] != "grader" and not (src / parent / "__init__.py").exists():
            (src / parent / "__init__.py").write_text('"""Part of a student edition."""\n', encoding="utf-8")


def _write_recordings(
    folder: Path, recording: Recording, exercises: Sequence[Exercise], warnings: list[str]
) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for exercise in exercises:
        blobs, problems = encode_recording(recording, exercise.id)
        warnings.extend(problems)
        for index, blob in enumerate(blobs):
            name = f"{exercise.id}-{index}.wire"
            (folder / name).write_bytes(blob)
            names.append(name)
    return names


def reference_bodies(modules: Sequence[types.ModuleType]) -> dict[str, str]:
    """``{where: normalised body}`` of every function a reference module defines (``ast.unparse``)."""
    bodies = {}
    for module in modules:
        try:
            tree = ast.parse(inspect.getsource(module))
        except (OSError, TypeError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                body = node.body[1:] if ast.get_docstring(node) else node.body
                text = "\n".join(ast.unparse(statement) for statement in body)
                bodies[f"{module.__name__}.{node.name}"] = text
    return bodies


def significant_reference_bodies(
    references: Sequence[types.ModuleType], given: Sequence[types.ModuleType]
) -> dict[str, str]:
    """The reference functions' bodies an edition must not hold: all but a single short line, and
    but those a pack gives students anyway (a given helper that is an earlier exercise's answer)."""
    handed_out = set(reference_bodies(given).values())
    return {
        where: body
        for where, body in reference_bodies(references).items()
        if ("\n" in body or len(body) > 60) and body not in handed_out
    }


def solution_helper_bodies(source: str, module: str) -> dict[str, str]:
    """``{where: normalised body}`` of every ``@solution_helper`` function of a check module's source."""
    return {
        f"{module}.{node.name}": _body_text(node)
        for node in ast.parse(source).body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and is_solution_helper_def(node)
    }


def _body_text(node: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    return "\n".join(ast.unparse(statement) for statement in (node.body[1:] if ast.get_docstring(node) else node.body))


def _no_reference_bodies(
    out: Path,
    modules: Sequence[types.ModuleType],
    given: Sequence[types.ModuleType],
    helpers: dict[str, str] | None = None,
) -> None:
    """Refuse an edition in which a reference function's body (see significant_reference_bodies)
    or a solution helper's body appears."""
    bodies = significant_reference_bodies(modules, given) | dict(helpers or {})
    for path in out.rglob("*.py"):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError):
            continue
        found = {
            "\n".join(ast.unparse(s) for s in (n.body[1:] if ast.get_docstring(n) else n.body))
            for n in ast.walk(tree)
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
        }
        leaked = [where for where, body in bodies.items() if body in found]
        if leaked:
            raise ReleaseError(f"{path} holds the body of the reference or solution helper function {leaked[0]}")


__all__ = ["Edition", "ReleaseError", "reference_bodies", "release"]
