"""A ninth exercise, defined only in the test suite: proves packs need no edit to grader/."""

from __future__ import annotations

import sys

from grader.compare import expect_close
from grader.exercise import Exercise, check, exercise_function, hookimpl
from grader.inputs import randn


@exercise_function
def scale(x, factor: float = 2.0):
    """Return ``x * factor``."""


class Reference:
    """The pack's reference solution (any object with hook implementations will do)."""

    __name__ = "scale_pack_reference"

    @staticmethod
    @hookimpl
    def scale(x, factor):
        return x * factor


@check(6, function="scale", public=True)
def scales_by_the_default_factor(student, reference):
    """scale(x) doubles x."""
    x = randn(3, seed=1)
    expect_close(student.scale(x), reference.scale(x), what="scale(x)", rtol=1e-6, atol=0)


@check(4, function="scale")
def scales_by_a_given_factor(student, reference):
    """scale(x, 3.5) multiplies by 3.5."""
    x = randn(3, seed=2)
    expect_close(student.scale(x, 3.5), reference.scale(x, 3.5), what="scale(x, 3.5)", rtol=1e-6, atol=0)


EXERCISE = Exercise(
    id="scale",
    title="scaling",
    filename="09_scale.py",
    functions=(scale,),
    checks=(scales_by_the_default_factor, scales_by_a_given_factor),
    reference=Reference,
)


@hookimpl
def soundlab_exercises():
    return [EXERCISE]


