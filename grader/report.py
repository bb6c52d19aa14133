"""Rendering a report: text for people (80 columns, optional colour), JSON for machines."""

from __future__ import annotations

import json
import os
import re
import textwrap

import click

from grader.results import (
    MAX_ERROR_CHARS,
    MAX_MESSAGE_CHARS,
    MAX_WARNINGS,
    CheckResult,
    ExerciseResult,
    Report,
    SubmissionResult,
    bounded,
)

WIDTH = 80
MAX_WARNING_CHARS = 500
CHECK_INDENT = "          "  # under the text after "    FAIL  "


_WHITESPACE = re.compile(r"[\t\n\r\v\f]")


def terminal_text(text: str | None, limit: int = MAX_MESSAGE_CHARS) -> str:
    """``text`` safe to print on a terminal: bounded, on one line, every control character
    (escape sequences, carriage returns, bidirectional overrides) shown as its escape
    (``\\x1b``) instead of acting on the terminal.

    Every text of a report may quote a submission (a syntax error's line, an exception's
    message, a file's name), so all of it goes through here before it is styled.
    """
    text = _WHITESPACE.sub(" ", bounded(text or "", limit) or "")
    if text.isprintable():
        return text
    escaped = "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)
    return bounded(escaped, limit) or ""


def _points(value: float) -> str:
    return f"{value:g}"


def _wrap(text: str, indent: str, width: int = WIDTH) -> list[str]:
    return textwrap.wrap(
        text, width=width, initial_indent=indent, subsequent_indent=indent, break_on_hyphens=False
    ) or [indent]


def _with_score(left: str, score: str, width: int = WIDTH) -> str:
    """``left`` and ``score`` on one line, the score right-aligned at ``width``."""
    gap = width - len(left) - len(score)
    return f"{left}{' ' * max(gap, 1)}{score}"


def render_text(report: Report, *, verbose: bool = False) -> str:
    """The report as a student reads it: a summary line per exercise, failures in full, the total.

    By default passed checks are folded into one line per exercise; ``verbose`` lists every
    check. Styles (colour, bold) are ANSI codes that ``click.echo`` strips when colour is off.
    """
    lines: list[str] = []
    for submission in report.submissions:
        lines.extend(_render_submission(submission, verbose))
        lines.append("")
    if len(report.submissions) > 1:
        total = f"{_points(report.score)}/{_points(report.max_score)}"
        lines.append(click.style(f"Total over {len(report.submissions)} submissions: {total}", bold=True))
    return "\n".join(lines).rstrip() + "\n"


def _render_submission(submission: SubmissionResult, verbose: bool) -> list[str]:
    lines = [click.style(terminal_text(submission.path), bold=True)]
    if submission.error:
        problem = terminal_text(submission.error, MAX_ERROR_CHARS)
        lines.extend(click.style(line, fg="red") for line in _wrap(f"Problem: {problem}", "  "))
    if submission.warnings:
        shown = submission.warnings[:MAX_WARNINGS] if verbose else submission.warnings[:5]
        for warning in shown:
            warning = terminal_text(warning, MAX_WARNING_CHARS)
            lines.extend(click.style(line, fg="yellow") for line in _wrap(f"Warning: {warning}", "  "))
        if len(shown) < len(submission.warnings):
            more = len(submission.warnings) - len(shown)
            lines.append(f"  (and {more} more warnings{'' if verbose else ': -v shows them'})")
    for flag in submission.flags[:MAX_WARNINGS]:
        lines.extend(_wrap(f"For the instructor: {terminal_text(flag, MAX_WARNING_CHARS)}", "  "))
    for exercise in submission.exercises:
        # Which file its functions came from (set when the submission has several files).
        lines.extend(_render_exercise(exercise, verbose, show_files=True))
    if submission.exercises:
        total = f"{_points(submission.score)}/{_points(submission.max_score)}"
        lines.append(click.style(_with_score("  Total", total), bold=True))
    return lines


def _render_exercise(exercise: ExerciseResult, verbose: bool, *, show_files: bool = False) -> list[str]:
    full = exercise.score >= exercise.max_score
    name, title = terminal_text(exercise.name, 200), terminal_text(exercise.title, 200)
    title = f"  {name}: {title}" if title and title.casefold() != name.casefold() else f"  {name}"
    score = f"{_points(exercise.score)}/{_points(exercise.max_score)}"
    lines = [click.style(_with_score(title, score), fg="green" if full else "red", bold=True)]
    if show_files and exercise.files:
        files = ", ".join(os.path.basename(file) for file in exercise.files)
        lines.extend(click.style(line, dim=True) for line in _wrap(f"from {terminal_text(files, 400)}", "    "))
    passed = [c for c in exercise.checks if c.passed]
    for check in exercise.checks:
        if not check.passed or verbose:
            lines.extend(_render_check(check))
    if passed and not verbose:
        points = sum(c.score for c in passed)
        count = len(passed)
        label = (
            f"all {count} checks"
            if count == len(exercise.checks)
            else f"{count} other check{'s' if count != 1 else ''}"
        )
        lines.append(click.style(_with_score(f"    pass  {label}", f"{_points(points)} pts"), fg="green"))
        notes = [c.message for c in passed if c.message]
        for note in notes:
            lines.extend(_wrap(terminal_text(note), CHECK_INDENT))
    return lines


def render_exercise_text(exercise: ExerciseResult, *, verbose: bool = True) -> str:
    """One exercise's lines (used by ``check()`` in a notebook)."""
    return "\n".join(_render_exercise(exercise, verbose)) + "\n"


def _render_check(check: CheckResult) -> list[str]:
    mark = click.style("pass", fg="green") if check.passed else click.style("FAIL", fg="red", bold=True)
    score = f"{_points(check.score)}/{_points(check.max_score)}"
    description = _wrap(terminal_text(check.description, 400), CHECK_INDENT, WIDTH - len(score) - 1)
    first = "    " + mark + "  " + description[0].strip()
    lines = [_with_score(first, score, WIDTH + len(mark) - 4)]
    lines.extend(description[1:])
    if check.message:
        lines.extend(
            click.style(line, dim=True) if check.passed else line
            for line in _wrap(terminal_text(check.message), CHECK_INDENT)
        )
    if check.hint:
        lines.extend(
            click.style(line, fg="yellow") for line in _wrap(f"Hint: {terminal_text(check.hint)}", CHECK_INDENT)
        )
    return lines


def render_json(report: Report) -> str:
    """The report in the documented JSON schema."""
    return json.dumps(report.to_json(), indent=2)
