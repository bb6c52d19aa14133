"""The self-check teaches: ``check()`` (the public checks alone) names every classic mistake.

Every known-wrong solution of every exercise's catalogue fails at least one PUBLIC check, and
that check's hint is the one meant for the mistake; hidden checks still add inputs of their
own (every exercise keeps at least one), and the correct solutions pass every public check.
Submissions are graded as ``check()`` in a notebook grades them: ``public_only=True``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import REPO, checks_of, lesson_policy

from grader.grading import Grader
from grader.plugins import load_exercises
from grader.submission import load_submission

EXERCISES = load_exercises()
MISTAKES = [(exercise, mistake) for exercise in EXERCISES.values() for mistake in exercise.mistakes]
SOLUTIONS = sorted((REPO / "tests" / "solutions").glob("*.py"))


class PublicGrader(Grader):
    """A grader that runs only the public checks, as ``check()`` in a notebook does."""

    def grade_exercise(self, exercise, student, loaded, *, public_only=False, function=None):
        return super().grade_exercise(exercise, student, loaded, public_only=True, function=function)


@pytest.fixture
def grade_public(tmp_path, zygote):
    """grade_public(exercise, source) -> {check name: CheckResult} of its public checks."""

    def grade(exercise, source: str) -> dict:
        path = Path(tmp_path) / exercise.filename
        path.write_text(source, encoding="utf-8")
        grader = PublicGrader([exercise], zygote, policy=lesson_policy(), timeout=5.0)
        result = grader.grade(load_submission(str(path)))
        assert result.error is None, result.error
        return checks_of(result)

    return grade


@pytest.mark.parametrize(
    ("exercise", "mistake"), MISTAKES, ids=[f"{exercise.id}-{mistake.name}" for exercise, mistake in MISTAKES]
)
def test_a_public_check_names_the_mistake(exercise, mistake, grade_public):
    checks = grade_public(exercise, mistake.source)
    assert checks and all(check.public for check in checks.values())
    failed = {name: check.hint or "" for name, check in checks.items() if not check.passed}
    assert failed, f"{mistake.name} passes every public check"
    naming = [name for name, hint in failed.items() if mistake.hint.lower() in hint.lower()]
    assert naming, f"no failed public check's hint says {mistake.hint!r}: {failed}"


@pytest.mark.parametrize(
    ("exercise", "mistake"), MISTAKES, ids=[f"{exercise.id}-{mistake.name}" for exercise, mistake in MISTAKES]
)
def test_the_mistake_names_a_public_check_that_catches_it(exercise, mistake):
    public = {check.name for check in exercise.checks if check.public}
    assert set(mistake.caught_by) & public, f"CAUGHT_BY {mistake.caught_by} names no public check"


@pytest.mark.parametrize("exercise", EXERCISES.values(), ids=list(EXERCISES))
def test_every_exercise_keeps_a_hidden_check(exercise):
    hidden = [check for check in exercise.checks if not check.public]
    assert hidden, f"{exercise.id} has no hidden check"
    assert sum(check.points for check in exercise.checks) == pytest.approx(exercise.max_score)


@pytest.mark.parametrize("path", SOLUTIONS, ids=[p.stem for p in SOLUTIONS])
def test_correct_solution_passes_every_public_check(path, grade_public):
    exercise = next(e for e in EXERCISES.values() if path.stem.startswith(e.id + "_"))
    checks = grade_public(exercise, path.read_text(encoding="utf-8"))
    public = {check.name for check in exercise.checks if check.public}
    assert set(checks) == public
    failed = {name: check.message for name, check in checks.items() if not check.passed}
    assert failed == {}
    assert [check.hint for check in checks.values() if check.hint] == []
