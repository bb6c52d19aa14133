"""A ninth exercise, defined only in the test suite: proves packs need no edit to grader/."""

from __future__ import annotations

from pathlib import Path

import scale_reference

from grader.authoring import Exercise, Pack, check, exercise_function, expect_close, hookimpl, mistakes_in, randn


@exercise_function
def scale(x, factor: float = 2.0):
    """Return ``x * factor``."""


@check(scale, points=6, public=True)
def scales_by_the_default_factor(student, reference):
    """scale(x) doubles x."""
    x = randn(3, seed=1)
    expect_close(student.scale(x), reference.scale(x), what="scale(x)", rtol=1e-6, atol=0)


@check(scale, points=4)
def scales_by_a_given_factor(student, reference):
    """scale(x, 3.5) multiplies by 3.5."""
    x = randn(3, seed=2)
    got = student.scale(x, 3.5)
    expect_close(
        got,
        reference.scale(x, 3.5),
        what="scale(x, 3.5)",
        rtol=1e-6,
        atol=0,
        hint="Use the factor you are given, not a fixed 2.",
    )


PACK = Pack(
    name="scale",
    exercises=[
        Exercise(
            id="scale",
            title="scaling",
            filename="09_scale.py",
            functions=(scale,),
            reference=scale_reference,
            mistakes=mistakes_in(Path(__file__).parent / "scale_mistakes"),
        )
    ],
)


@hookimpl
def soundlab_pack():
    return PACK
