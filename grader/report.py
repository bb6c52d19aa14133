"""Rendering a report: text for people, JSON for machines."""

from __future__ import annotations

import json
import textwrap

from grader.results import Report, SubmissionResult

WIDTH = 80


def _points(value: float) -> str:
    return f"{value:g}"


def _wrap(text: str, indent: str) -> list[str]:
    return textwrap.wrap(text, width=WIDTH, initial_indent=indent, subsequent_indent=indent) or [indent]


def render_text(report: Report) -> str:
    """The report as a student reads it: per exercise, each check, then the total."""
    lines: list[str] = []
    for submission in report.submissions:
        lines.extend(_render_submission(submission))
        lines.append("")
    if len(report.submissions) > 1:
        lines.append(f"Total over {len(report.submissions)} submissions: {_points(report.score)}/{_points(report.max_score)}")
    return "\n".join(lines).rstrip() + "\n"


def _render_submission(submission: SubmissionResult) -> list[str]:
    lines = [submission.path]
    if submission.error:
        lines.extend(_wrap(f"Problem: {submission.error}", "  "))
    for exercise in submission.exercises:
        title = f"{exercise.name}: {exercise.title}" if exercise.title else exercise.name
        lines.append(f"  {title}  {_points(exercise.score)}/{_points(exercise.max_score)}")
        for check in exercise.checks:
            mark = "pass" if check.passed else "FAIL"
            lines.append(f"    [{mark}] {check.description} ({_points(check.score)}/{_points(check.max_score)})")
            if check.message:
                lines.extend(_wrap(check.message, "           "))
            if check.hint:
                lines.extend(_wrap(f"Hint: {check.hint}", "           "))
    if submission.exercises:
        lines.append(f"  Total: {_points(submission.score)}/{_points(submission.max_score)}")
    return lines


def render_json(report: Report) -> str:
    """The report in the documented JSON schema."""
    return json.dumps(report.to_json(), indent=2)
