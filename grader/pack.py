"""An exercise pack: the one place that declares what a pack brings to the grader.

A pack is a plugin (a module with a ``soundlab_pack`` hook implementation, found through
the ``soundlab_grader`` entry-point group or ``--plugin``) that returns one :class:`Pack`:
its exercises (each with its specs, checks, reference and catalogue of known-wrong
solutions) and the modules it *gives* students, whose helper functions and model classes
students may import, or receive as arguments from a check.

From the packs, the grader learns what student processes must not import (the modules that
define specs, checks and references) and how to rebuild the models a check hands to a
student's function (the classes of the given modules).
"""

from __future__ import annotations

import inspect
import types
from dataclasses import dataclass, field

import torch

from grader.exercise import Exercise
from grader.sandbox.construction import remember_construction


@dataclass(frozen=True)
class Pack:
    """A pack's exercises, in the order students meet them, and the modules it gives them.

    ``gives`` lists modules students may import (``from my_pack_given import helper``):
    every public function is a helper that is not graded as the student's own, and every
    ``torch.nn.Module`` subclass defined there is a model a check may pass to a student's
    function (it is rebuilt in the student process from its constructor's arguments and its
    state dict). A given module must not import the pack's checks or reference.
    """

    name: str
    exercises: tuple[Exercise, ...]
    gives: tuple[types.ModuleType, ...] = ()
    hidden: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "exercises", tuple(self.exercises))
        object.__setattr__(self, "gives", tuple(self.gives))
        for exercise in self.exercises:
            if not isinstance(exercise, Exercise):
                raise ValueError(f"pack {self.name!r}: {exercise!r} is not an Exercise")
        hidden = frozenset().union(*(e.modules for e in self.exercises))
        object.__setattr__(self, "hidden", hidden)
        for module in self.gives:
            if not isinstance(module, types.ModuleType):
                raise ValueError(f"pack {self.name!r}: gives {module!r}, which is not a module")
            inside = [h for h in hidden if module.__name__ == h or module.__name__.startswith(h + ".")]
            if inside:
                raise ValueError(
                    f"pack {self.name!r}: the given module {module.__name__} lies in {inside[0]}, which holds "
                    "checks or a reference and is hidden from students; give a module of its own"
                )
            for model in given_models(module):
                remember_construction(model)

    @property
    def given_modules(self) -> tuple[str, ...]:
        return tuple(m.__name__ for m in self.gives)


def given_models(module: types.ModuleType) -> list[type]:
    """The ``torch.nn.Module`` classes a given module defines."""
    return [
        value
        for value in vars(module).values()
        if inspect.isclass(value) and issubclass(value, torch.nn.Module) and value.__module__ == module.__name__
    ]
