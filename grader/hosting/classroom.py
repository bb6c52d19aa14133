"""GitHub Classroom: the runner result that ``classroom-resources/autograding-grading-reporter``
reads, printed by ``grade PATH --format classroom``.

The reporter takes each runner's result from the environment variable ``<RUNNER ID>_RESULTS``
(base64 of the JSON; a workflow passes it the step output ``result``), and reads of it:
``status`` (``"fail"`` or ``"error"`` fails the workflow), ``max_score`` (added up over the
runners) and ``tests``: each test's ``name``, ``status`` (``"pass"``, ``"fail"`` or
``"error"``), ``score`` (added up: the points Classroom records), ``message`` (shown when the
test did not pass), ``line_no`` (shown after the name unless it is 0, so it is always 0 here)
and ``test_code`` (shown when present; left out). The other keys, ``version``, ``filename``
and ``duration`` (milliseconds), are the ones ``autograding-command-grader`` writes.
"""

from __future__ import annotations

import base64
import json
import os
from typing import Any

from grader.results import MAX_ERROR_CHARS, MAX_MESSAGE_CHARS, MAX_NAME_CHARS, CheckResult, Report, bounded

OUTPUT_NAME = "result"  # the step output the reporter's <ID>_RESULTS variable is given


def _points(value: float) -> float | int:
    return int(value) if float(value).is_integer() else round(float(value), 4)


def _test(name: str, check: CheckResult, path: str) -> dict[str, Any]:
    message = check.message or ""
    if check.hint:
        message = f"{message}\nHint: {check.hint}" if message else f"Hint: {check.hint}"
    return {
        "name": bounded(name, MAX_NAME_CHARS),
        "status": "pass" if check.passed else "fail",
        "score": _points(check.score),
        "message": bounded(message, MAX_MESSAGE_CHARS),
        "line_no": 0,
        "filename": bounded(path, MAX_NAME_CHARS),
        "duration": max(0, round(check.seconds * 1000)),
    }


def classroom_result(report: Report) -> dict[str, Any]:
    """The report as one runner's result: a test per check, scored in the grader's points.

    ``status`` follows ``grade``'s exit status: ``pass`` with full marks, ``fail`` when points
    were lost, ``error`` when nothing could be graded. A submission's error (a file that could
    not be read, say) is a test of its own with status ``error`` and no points, so the reporter
    shows the student why.
    """
    several = len(report.submissions) > 1
    tests: list[dict[str, Any]] = []
    for submission in report.submissions:
        prefix = f"{submission.path}: " if several else ""
        if submission.error:
            tests.append(
                {
                    "name": bounded(f"{prefix}reading the submission", MAX_NAME_CHARS),
                    "status": "error",
                    "score": 0,
                    "message": bounded(submission.error, MAX_ERROR_CHARS),
                    "line_no": 0,
                    "filename": bounded(submission.path, MAX_NAME_CHARS),
                    "duration": 0,
                }
            )
        for exercise in submission.exercises:
            for check in exercise.checks:
                tests.append(_test(f"{prefix}{exercise.name}: {check.name}", check, submission.path))
    if not report.graded_anything:
        status = "error"
    else:
        status = "pass" if report.full_marks else "fail"
    return {"version": 1, "status": status, "max_score": _points(report.max_score), "tests": tests}


def render_classroom(result: dict[str, Any]) -> str:
    """The result as ``grade --format classroom`` prints it."""
    return json.dumps(result, indent=2)


def encoded(result: dict[str, Any]) -> str:
    """The result as the reporter decodes it: base64 of its UTF-8 JSON, on one line."""
    return base64.b64encode(json.dumps(result, separators=(",", ":")).encode("utf-8")).decode("ascii")


def write_github_output(result: dict[str, Any], environ: dict[str, str] | None = None) -> str | None:
    """Append ``result=<base64>`` to the file ``GITHUB_OUTPUT`` names, as a step output.

    Returns None, or why it could not be written (the caller warns; the grading stands).
    Base64 has no newline, so the one-line ``name=value`` form is safe.
    """
    target = (os.environ if environ is None else environ).get("GITHUB_OUTPUT")
    if not target:
        return None
    try:
        with open(target, "a", encoding="utf-8") as file:
            file.write(f"{OUTPUT_NAME}={encoded(result)}\n")
    except OSError as error:
        return f"{target}: cannot write the step output ({error.strerror or error})"
    return None
