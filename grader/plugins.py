"""The plugin manager: framework hooks, entry-point packs, and the exercises they contribute."""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import types
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pluggy

from grader import hookspecs
from grader.exercise import PROJECT, Exercise, forbidden_calls
from grader.pack import Pack
from grader.sandbox.policy import SandboxPolicy

ENTRY_POINT_GROUP = PROJECT


class PluginError(Exception):
    """A plugin could not be loaded or contributed something invalid."""


_PLUGIN_PATHS: list[str] = []


def plugin_paths() -> list[str]:
    """The folders :func:`import_plugin` added to ``sys.path`` (absolute, in the order added).

    A plugin given as a file path, or found in the current folder, is importable only with
    its folder on ``sys.path``; whoever needs to import its modules again (a child process)
    needs these folders too.
    """
    return list(_PLUGIN_PATHS)


def import_plugin(spec: str) -> types.ModuleType:
    """Import the plugin ``spec`` names, which is one of

    - an importable module name (``my_pack``, ``packs.my_pack``);
    - a module or package in the current folder (``my_pack`` for ``./my_pack.py`` or
      ``./my_pack/``), found even when the current folder is not on ``sys.path``;
    - a path to a ``.py`` file or a package folder (``packs/my_pack.py``, ``./my_pack/``):
      the folder holding it is put on ``sys.path``, so that the modules beside it (its
      reference, the helpers it gives students) import too, and it is imported under its
      file's stem (or its folder's name).

    Raises :class:`PluginError` with a one-line message when it cannot be imported.
    """
    if _looks_like_path(spec):
        return _import_path(spec)
    try:
        return importlib.import_module(spec)
    except ModuleNotFoundError as error:
        top = spec.split(".")[0]
        if error.name != top:  # the plugin was found, but something it imports was not
            raise PluginError(f"cannot import plugin module {spec!r}: {_summary(error)}") from None
        here = Path.cwd() / top
        if here.is_dir() and "." not in spec and not (here / "__init__.py").is_file():
            raise PluginError(f"plugin {spec!r}: the folder {top} has no __init__.py, so it is not a package") from None
        if not (here.with_name(f"{top}.py").is_file() or here.is_dir()):
            raise PluginError(
                f"cannot import plugin module {spec!r}: no module named {top!r} is installed, "
                f"and the current folder has no {top}.py or {top}/"
            ) from None
    except SyntaxError as error:
        raise PluginError(f"cannot import plugin module {spec!r}: {_syntax(error)}") from None
    except (Exception, SystemExit) as error:
        raise PluginError(f"cannot import plugin module {spec!r}: {_summary(error)}") from None
    # Not importable, but the current folder holds it: a console script's sys.path lacks it.
    added = _add_to_path(Path.cwd())
    try:
        return importlib.import_module(spec)
    except SyntaxError as error:
        _undo(added)
        raise PluginError(f"cannot import plugin module {spec!r}: {_syntax(error)}") from None
    except (Exception, SystemExit) as error:
        _undo(added)
        raise PluginError(f"cannot import plugin module {spec!r}: {_summary(error)}") from None


def _looks_like_path(spec: str) -> bool:
    separators = [s for s in (os.sep, os.altsep) if s]
    return spec.endswith(".py") or spec.startswith(".") or any(s in spec for s in separators)


def _import_path(spec: str) -> types.ModuleType:
    path = Path(spec).expanduser()
    if not path.exists():
        raise PluginError(f"plugin {spec}: no such file or folder")
    path = path.resolve()
    if path.is_dir():
        location = path / "__init__.py"
        if not location.is_file():
            raise PluginError(f"plugin {spec}: the folder has no __init__.py, so it is not a package")
        name, search = path.name, [str(path)]
    elif path.suffix == ".py":
        location, name, search = path, path.stem, None
    else:
        raise PluginError(f"plugin {spec}: not a .py file or a package folder")
    if not name.isidentifier():
        raise PluginError(f"plugin {spec}: {name!r} is not a valid module name; rename it")
    loaded = sys.modules.get(name)
    if loaded is not None:
        if _same_file(getattr(loaded, "__file__", None), location):
            return loaded
        where = getattr(loaded, "__file__", None) or "elsewhere"
        raise PluginError(f"plugin {spec}: a module named {name!r} is already loaded from {where}; rename the plugin")
    added = _add_to_path(path.parent)
    module_spec = importlib.util.spec_from_file_location(name, location, submodule_search_locations=search)
    if module_spec is None or module_spec.loader is None:
        _undo(added)
        raise PluginError(f"plugin {spec}: cannot be imported")
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[name] = module
    try:
        module_spec.loader.exec_module(module)
    except SyntaxError as error:
        sys.modules.pop(name, None)
        _undo(added)
        raise PluginError(f"cannot import plugin {spec}: {_syntax(error)}") from None
    except (Exception, SystemExit) as error:
        sys.modules.pop(name, None)
        _undo(added)
        raise PluginError(f"cannot import plugin {spec}: {_summary(error)}") from None
    return module


def _same_file(a: str | None, b: Path) -> bool:
    try:
        return a is not None and Path(a).resolve() == b.resolve()
    except OSError:
        return False


def _add_to_path(folder: Path) -> str | None:
    """Put ``folder`` first on sys.path (as Python does for a script); the entry, if added."""
    entry = str(folder.resolve())
    if entry in sys.path:
        return None
    sys.path.insert(0, entry)
    importlib.invalidate_caches()
    _PLUGIN_PATHS.append(entry)
    return entry


def _undo(entry: str | None) -> None:
    if entry is not None:
        if entry in sys.path:
            sys.path.remove(entry)
        if entry in _PLUGIN_PATHS:
            _PLUGIN_PATHS.remove(entry)


def _one_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else ""


def _summary(error: BaseException) -> str:
    text = _one_line(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _syntax(error: SyntaxError) -> str:
    where = _shown(error.filename) if error.filename else "?"
    return f"syntax error at {where}:{error.lineno or '?'}: {error.msg}"


def _shown(filename: str) -> str:
    """``filename`` relative to the current folder when it lies inside it."""
    try:
        relative = os.path.relpath(filename)
    except ValueError:
        return filename
    return filename if relative.startswith("..") else relative


def get_plugin_manager(modules: Iterable[str] = ()) -> pluggy.PluginManager:
    """A plugin manager holding every installed pack plus the modules named in ``modules``."""
    return _plugin_manager(modules)[0]


def _plugin_manager(modules: Iterable[str]) -> tuple[pluggy.PluginManager, list[str]]:
    """The plugin manager, and the names under which the named ``modules`` are registered."""
    pm = pluggy.PluginManager(PROJECT)
    pm.add_hookspecs(hookspecs)
    pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
    named = []
    for name in modules:
        module = import_plugin(name)
        if not pm.is_registered(module):
            try:
                pm.register(module, name=name)
            except (ValueError, pluggy.PluginValidationError) as error:
                raise PluginError(f"cannot register plugin {name}: {_one_line(error)}") from None
        named.append(pm.get_name(module) or name)
    return pm, named


def collect_packs(pm: pluggy.PluginManager) -> list[Pack]:
    """Every registered plugin's pack, in course order (see :func:`_contributions`)."""
    return [pack for _plugin, pack in _contributions(pm)]


def _contributions(pm: pluggy.PluginManager) -> list[tuple[str, Pack]]:
    """``(plugin name, pack)`` for every plugin, checked, in course order.

    Packs are ordered by their first exercise's file name (``01_sine.py`` … ``09_rms.py``),
    then by name: the same order on every machine, whatever order entry points are found in.
    Exercise ids and function names must be unique across packs.
    """
    contributed: list[tuple[str, Pack]] = []
    for implementation in pm.hook.soundlab_pack.get_hookimpls():
        plugin = implementation.plugin_name
        try:
            pack = implementation.function()
        except Exception as error:  # a pack whose declaration fails (a bad Exercise, say)
            raise PluginError(f"the pack of plugin {plugin} could not be loaded: {_one_line(error)}") from None
        if not isinstance(pack, Pack):
            raise PluginError(f"plugin {plugin}'s soundlab_pack returned {pack!r}, which is not a grader.pack.Pack")
        contributed.append((plugin, pack))
    contributed.sort(key=lambda item: (min((e.filename for e in item[1].exercises), default=""), item[1].name))
    exercise_ids: set[str] = set()
    owners: dict[str, str] = {}
    for _plugin, pack in contributed:
        for exercise in pack.exercises:
            if exercise.id in exercise_ids:
                raise PluginError(f"two packs contribute an exercise with id {exercise.id!r}")
            exercise_ids.add(exercise.id)
            for name in exercise.function_names:
                if name in owners:
                    raise PluginError(
                        f"exercises {owners[name]!r} and {exercise.id!r} both ask for a function named {name!r}"
                    )
                owners[name] = exercise.id
    return contributed


def collect_exercises(pm: pluggy.PluginManager) -> dict[str, Exercise]:
    """All contributed exercises by id, in the order the packs list them."""
    return {exercise.id: exercise for pack in collect_packs(pm) for exercise in pack.exercises}


# The grader's own machinery, of no use to a submission but to poke at the grading.
FRAMEWORK_HIDDEN = ("grader.grading", "grader.solution", "grader.selftest")


def sandbox_policy(packs: Iterable[Pack], paths: Iterable[str] = ()) -> SandboxPolicy:
    """What student processes must know of these packs: what to hide, what is given, what is forbidden."""
    packs = list(packs)
    return SandboxPolicy(
        hidden=tuple(sorted(set(FRAMEWORK_HIDDEN).union(*(p.hidden for p in packs)))),
        # The catalogues of known-wrong solutions: each is the reference with one mistake.
        hidden_paths=tuple(
            sorted({os.path.dirname(m.path) for p in packs for e in p.exercises for m in e.mistakes if m.path})
        ),
        given=tuple(name for p in packs for name in p.given_modules),
        paths=tuple(paths),
        forbidden=tuple(
            rule.to_rule()
            for p in packs
            for exercise in p.exercises
            for spec in exercise.functions
            for rule in forbidden_calls(spec)
        ),
    )


def load_exercises(modules: Iterable[str] = ()) -> dict[str, Exercise]:
    """Shortcut: the exercises of every installed pack and of ``modules``."""
    return collect_exercises(get_plugin_manager(modules))


@dataclass(frozen=True)
class Registry:
    """What the loaded plugins contribute: their packs, every exercise by id, the sandbox policy."""

    packs: tuple[Pack, ...]
    exercises: dict[str, Exercise]
    policy: SandboxPolicy
    # The packs of the plugins named for this run (``--plugin``), in course order.
    named: tuple[Pack, ...] = ()


def load_registry(modules: Iterable[str] = ()) -> Registry:
    """Load every installed pack and those of ``modules``; raises :class:`PluginError`."""
    pm, named = _plugin_manager(modules)
    contributed = _contributions(pm)
    packs = [pack for _plugin, pack in contributed]
    exercises = {exercise.id: exercise for pack in packs for exercise in pack.exercises}
    chosen = tuple(pack for plugin, pack in contributed if plugin in named)
    return Registry(tuple(packs), exercises, sandbox_policy(packs, plugin_paths()), chosen)
