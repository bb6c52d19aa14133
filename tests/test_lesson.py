"""Every exercise of every installed pack: its reference gets full marks, its stub gets zero,
and every known-wrong solution in its catalogue loses points on the checks meant to catch it."""

from __future__ import annotations

import pytest
from conftest import REPO, checks_of

from grader.plugins import load_exercises
from grader.stubs import render_reference_submission

EXERCISES = load_exercises()
MISTAKES = [(e.id, m) for e in EXERCISES.values() for m in e.mistakes]


@pytest.mark.parametrize("exercise_id", list(EXERCISES))
def test_reference_gets_full_marks(exercise_id, grade_source):
    exercise = EXERCISES[exercise_id]
    source = render_reference_submission(exercise, list(EXERCISES.values()))
    result = grade_source(source, exercise.filename, only=[exercise_id])
    failed = {c.name: c.message for c in checks_of(result).values() if not c.passed}
    assert failed == {}
    assert result.score == result.max_score == 10


@pytest.mark.parametrize("exercise_id", list(EXERCISES))
def test_untouched_stub_gets_zero_and_says_not_implemented(exercise_id, grade_source):
    exercise = EXERCISES[exercise_id]
    stub = (REPO / "exercises" / exercise.filename).read_text()
    result = grade_source(stub, exercise.filename, only=[exercise_id])
    assert [e.name for e in result.exercises] == [exercise_id]
    assert result.score == 0
    messages = [check.message for check in checks_of(result).values()]
    told = [m for m in messages if "is not implemented yet" in m]
    # Told in full once per function, then in a line by the function's later checks.
    assert len(told) == len(exercise.function_names), messages
    assert all(m == "Failed for the same reason (not implemented yet)." for m in messages if m not in told), messages


@pytest.mark.parametrize("exercise_id", list(EXERCISES))
def test_catalogue_has_at_least_three_known_wrong_solutions(exercise_id):
    assert len(EXERCISES[exercise_id].mistakes) >= 3


@pytest.mark.parametrize(("exercise_id", "mistake"), MISTAKES, ids=[f"{e}-{m.name}" for e, m in MISTAKES])
def test_known_wrong_solution_fails_the_checks_meant_to_catch_it(exercise_id, mistake, grade_source):
    exercise = EXERCISES[exercise_id]
    result = grade_source(mistake.source, exercise.filename, only=[exercise_id])
    checks = checks_of(result)
    assert result.score < result.max_score
    for name in mistake.caught_by:
        assert not checks[name].passed, f"{mistake.name} passed {name}"
        assert "not implemented" not in checks[name].message
    hints = [c.hint for c in checks.values() if c.hint]
    assert mistake.hint, f"{mistake.name} does not say which HINT it must receive"
    assert any(mistake.hint.lower() in hint.lower() for hint in hints), hints


def test_stubs_are_generated_from_the_specs():
    from grader.stubs import write_stubs

    stale = write_stubs(list(EXERCISES.values()), REPO / "exercises", check_only=True)
    assert stale == [], "run `grade stubs exercises` to regenerate the stubs"
