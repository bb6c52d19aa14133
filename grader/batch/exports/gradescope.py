"""Gradescope autograder ``results.json`` (https://gradescope-autograders.readthedocs.io/en/latest/specs/):
one per submission; in a batch, one per student at ``gradescope/<student id>/results.json``.

Visibility, per the spec: a test's own ``visibility`` overrides the top-level one. The top level is
``after_published`` (the total and the summary, which count the hidden checks, appear when the
instructor publishes grades); public checks override it with ``visible`` so students get their
feedback at once, hidden checks say ``after_published`` themselves. A result without tests (an
error: nothing gradable, a crash) is ``visible`` at the top: its output explains the error and
counts no hidden check, and the student should read it at once. Standard output stays
``hidden``: it is the grader's log, for the instructor. Every text is ``"text"``-formatted, since
the spec's default for the top-level output (``simple_format``) renders HTML, and messages quote
what the student's code did.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from grader.batch.exports._common import path_component, points, submission_for
from grader.batch.files import write_atomic
from grader.batch.model import NO_SUBMISSION, ClassResult
from grader.results import MAX_ERROR_CHARS, MAX_NAME_CHARS, MAX_WARNINGS, CheckResult, SubmissionResult, bounded

FOLDER = "gradescope"
FILE_NAME = "results.json"
VISIBLE = "visible"
AFTER_PUBLISHED = "after_published"


def _test(exercise_title: str, check: CheckResult) -> dict[str, Any]:
    output = check.message or ""
    if check.hint:
        output = f"{output}\nHint: {check.hint}" if output else f"Hint: {check.hint}"
    return {
        "score": points(check.score),
        "max_score": points(check.max_score),
        "status": "passed" if check.passed else "failed",
        "name": bounded(f"{exercise_title}: {check.name}", MAX_NAME_CHARS),
        "output": bounded(output, MAX_ERROR_CHARS),
        "visibility": VISIBLE if check.public else AFTER_PUBLISHED,
    }


def _summary(result: SubmissionResult, tests: list[dict[str, Any]], max_score: float | None) -> str:
    total = result.max_score if max_score is None else max_score
    lines = [f"Score: {points(result.score)} / {points(total)}"]
    if result.error == NO_SUBMISSION:
        lines.append("No submission was found, so nothing could be graded.")
    elif result.error:
        lines.append("Part or all of the submission could not be graded:")
        lines.append(bounded(result.error, MAX_ERROR_CHARS) or "")
    if not tests and not result.error:
        lines.append("No checks were run.")
    failed = sum(1 for test in tests if test["status"] == "failed")
    if tests:
        lines.append(f"{len(tests) - failed} of {len(tests)} checks passed.")
    if any(test["visibility"] != VISIBLE for test in tests):
        lines.append("Some checks are hidden until grades are published.")
    if result.warnings:
        lines.append("Warnings:")
        lines.extend(f"- {bounded(warning)}" for warning in result.warnings[:MAX_WARNINGS])
    return "\n".join(lines)


def gradescope_results(result: SubmissionResult, *, seconds: float, max_score: float | None = None) -> dict[str, Any]:
    """One submission as Gradescope's ``results.json``: the score, a short student-facing
    ``output``, and a test per check. A submission with an error and no checks still gives a
    valid result (its score, 0, and an output that says why, visible at once). ``max_score``
    replaces the result's own in the output (what it would have been worth: a failing result
    graded no exercise)."""
    tests = [
        _test(exercise.title or exercise.name, check) for exercise in result.exercises for check in exercise.checks
    ]
    return {
        # The top-level score overrides the tests' total (spec), and is required with no tests.
        "score": points(result.score),
        "execution_time": max(0, round(seconds)),
        "output": _summary(result, tests, max_score),
        "output_format": "text",
        "test_output_format": "text",
        "test_name_format": "text",
        "visibility": AFTER_PUBLISHED if tests else VISIBLE,
        "stdout_visibility": "hidden",
        "tests": tests,
    }


def results_json(result: SubmissionResult, *, seconds: float) -> bytes:
    """:func:`gradescope_results` as the bytes of ``results.json``."""
    return (json.dumps(gradescope_results(result, seconds=seconds), indent=2) + "\n").encode("utf-8")


def _unique(component: str, used: set[str]) -> str:
    """``component``, or with ``~2``, ``~3``... added if another student's folder has that name
    already: an id that is a safe name as it is (kept) can equal the name another id was given
    (``alice b`` gives ``alice_b-<hash>``, which a student can name an entry), and one student's
    results must never replace another's. Folder names compare case-insensitively, as on macOS
    and Windows."""
    candidate, number = component, 1
    while candidate.lower() in used:
        number += 1
        candidate = f"{component}~{number}"
    used.add(candidate.lower())
    return candidate


def write_gradescope(result: ClassResult, out_dir: Path) -> list[Path]:
    """Write ``gradescope/<student id>/results.json`` for every student (atomically); return the
    paths. The id is made a safe folder name (see :func:`path_component`)."""
    paths = []
    used: set[str] = set()
    for student in result.students:
        submission = submission_for(student, result.exercises)
        folder = out_dir / FOLDER / _unique(path_component(student.student.id), used)
        paths.append(write_atomic(folder / FILE_NAME, results_json(submission, seconds=student.seconds)))
    return paths
