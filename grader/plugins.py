"""The plugin manager: framework hooks, entry-point packs, and the exercises they contribute."""

from __future__ import annotations

import importlib
from typing import Iterable

import pluggy

from grader import diagnosis, hookspecs
from grader.exercise import PROJECT, Exercise

ENTRY_POINT_GROUP = PROJECT


class PluginError(Exception):
    """A plugin could not be loaded or contributed something invalid."""


def get_plugin_manager(modules: Iterable[str] = ()) -> pluggy.PluginManager:
    """A plugin manager holding every installed pack plus the modules named in ``modules``."""
    pm = pluggy.PluginManager(PROJECT)
    pm.add_hookspecs(hookspecs)
    pm.register(diagnosis, name="grader.diagnosis")  # the framework's own: runs exercise detectors
    pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
    for name in modules:
        try:
            module = importlib.import_module(name)
        except ImportError as error:
            raise PluginError(f"cannot import plugin module {name!r}: {error}") from None
        if not pm.is_registered(module):
            pm.register(module, name=name)
    return pm


def collect_exercises(pm: pluggy.PluginManager) -> dict[str, Exercise]:
    """All contributed exercises by id, in the order the plugins list them."""
    exercises: dict[str, Exercise] = {}
    owners: dict[str, str] = {}
    # pluggy calls the most recently registered plugin first; reverse for registration order.
    for contributed in reversed(pm.hook.soundlab_exercises()):
        for exercise in contributed:
            if not isinstance(exercise, Exercise):
                raise PluginError(f"a plugin contributed {exercise!r}, which is not an Exercise")
            if exercise.id in exercises:
                raise PluginError(f"two plugins contribute an exercise with id {exercise.id!r}")
            for name in exercise.function_names:
                if name in owners:
                    raise PluginError(
                        f"exercises {owners[name]!r} and {exercise.id!r} both ask for a function named {name!r}"
                    )
                owners[name] = exercise.id
            exercises[exercise.id] = exercise
    return exercises


def load_exercises(modules: Iterable[str] = ()) -> dict[str, Exercise]:
    """Shortcut: the exercises of every installed pack and of ``modules``."""
    return collect_exercises(get_plugin_manager(modules))
