"""Framework hook specifications: how a plugin extends the grader.

Specs only. Each function's docstring is its documentation. A plugin is a module or object
with functions of these names marked ``@grader.hookimpl``; installed packs are found through
the ``soundlab_grader`` entry-point group, exactly as the built-in lesson is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from grader.exercise import hookspec

if TYPE_CHECKING:
    from grader.diagnosis import Evidence
    from grader.exercise import Check, Exercise


@hookspec
def soundlab_exercises() -> list[Exercise]:
    """Return the exercises this plugin contributes.

    Each :class:`~grader.exercise.Exercise` brings its function specs (student-facing
    signatures and docstrings), its reference implementation module, and its checks with
    their points. Exercise ids and function names must be unique across all plugins.
    """


@hookspec(firstresult=True)
def soundlab_diagnose(exercise: Exercise, check: Check, evidence: Evidence) -> str | None:
    """Name the mistake behind a failed check: return a hint for the student, or None.

    Called only for checks that failed without a hint of their own. ``evidence`` holds the
    failure message and the student's calls during the check (arguments, outcome), and can
    ask the reference for its value on the same arguments. The first non-None answer wins.
    A hint must name a mistake the evidence shows; never guess.
    """
