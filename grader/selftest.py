"""``grade selftest``: prove that every exercise's checks tell right from wrong.

For every exercise: its reference, graded as a student's file, must get full marks; every
known-wrong solution in its catalogue must lose points on the checks it names and receive
the hint meant for it.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from grader.exercise import Exercise
from grader.grading import GRADER_COULD_NOT, Grader
from grader.results import SubmissionResult
from grader.stubs import render_reference_submission
from grader.submission import load_submission


@dataclass
class SelftestRow:
    """One solution graded by the self-test, and whether it behaved as expected."""

    exercise: str
    solution: str
    points_lost: float
    hint: str
    ok: bool
    problem: str = ""


def _grade_text(grader: Grader, directory: Path, filename: str, source: str) -> SubmissionResult:
    path = directory / filename
    path.write_text(source, encoding="utf-8")
    return grader.grade(load_submission(str(path)))


def run_selftest(grader: Grader, exercises: Iterable[Exercise], all_exercises: list[Exercise]) -> Iterator[SelftestRow]:
    """Grade each exercise's reference and known-wrong solutions, one row each."""
    with tempfile.TemporaryDirectory(prefix="soundlab-selftest-") as tmp:
        directory = Path(tmp)
        for exercise in exercises:
            yield _reference_row(grader, directory, exercise, all_exercises)
            for mistake in exercise.mistakes:
                result = _grade_text(grader, directory, exercise.filename, mistake.source)
                checks = {c.name: c for e in result.exercises if e.name == exercise.id for c in e.checks}
                lost = sum(c.max_score - c.score for c in checks.values())
                hints = [c.hint for c in checks.values() if c.hint]
                problems = []
                if result.error:
                    problems.append(f"could not be loaded: {result.error}")
                broken = [c for c in checks.values() if c.message.startswith(GRADER_COULD_NOT)]
                problems += [f"{c.name}: {c.message}" for c in broken]
                if lost <= 0:
                    problems.append("lost no points")
                missed = [name for name in mistake.caught_by if name not in checks or checks[name].passed]
                if missed:
                    problems.append("passed " + ", ".join(missed))
                meant = [h for h in hints if mistake.hint and mistake.hint.lower() in h.lower()]
                if not mistake.hint:
                    problems.append("names no HINT to expect")
                elif not meant:
                    problems.append(f"no hint says {mistake.hint!r}")
                shown = (meant or hints or ["-"])[0]
                yield SelftestRow(exercise.id, mistake.name, lost, shown, not problems, "; ".join(problems))


def _reference_row(grader: Grader, directory: Path, exercise: Exercise, all_exercises: list[Exercise]) -> SelftestRow:
    try:
        source = render_reference_submission(exercise, all_exercises)
    except Exception as error:  # noqa: BLE001 - say why, and go on with the mistakes
        problem = f"the reference could not be turned into a submission ({type(error).__name__}: {error})"
        return SelftestRow(exercise.id, "reference", exercise.max_score, "-", False, problem)
    result = _grade_text(grader, directory, exercise.filename, source)
    graded = [e for e in result.exercises if e.name == exercise.id]
    lost = sum(e.max_score - e.score for e in graded) if graded else exercise.max_score
    hints = [c.hint for e in graded for c in e.checks if c.hint]
    problems = []
    if result.error:
        problems.append(f"could not be loaded: {result.error}")
    elif not graded:
        problems.append("was not graded")
    if lost and not result.error:
        failed = [c for e in graded for c in e.checks if not c.passed]
        problems.append("lost points on " + "; ".join(f"{c.name} ({c.message})" for c in failed))
    if hints:
        problems.append("received a hint")
    return SelftestRow(exercise.id, "reference", lost, (hints or ["-"])[0], not problems, "; ".join(problems))
