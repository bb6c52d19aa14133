"""``gradebook.csv``: one row per student with their points per exercise, for a spreadsheet."""

from __future__ import annotations

from pathlib import Path

from grader.batch.exports._common import cell, csv_bytes, points_text
from grader.batch.files import write_atomic
from grader.batch.model import NO_SUBMISSION, ClassResult, StudentResult

FILE_NAME = "gradebook.csv"
# How much of a submission's error the status column shows: a cell, not a traceback.
MAX_STATUS_CHARS = 200


def status(student: StudentResult) -> str:
    """``graded`` (saying so when a time limit stopped a call), ``no submission`` or
    ``error: <first line of the error>``."""
    if not student.submitted:
        return NO_SUBMISSION
    error = student.result.error
    if not error:
        return "graded; a call was stopped by the time limit" if student.result.stopped else "graded"
    first_line = error.strip().splitlines()[0] if error.strip() else error
    if len(first_line) > MAX_STATUS_CHARS:
        first_line = first_line[: MAX_STATUS_CHARS - 1] + "…"
    return f"error: {first_line}"


def extra_columns(result: ClassResult) -> list[str]:
    """The roster's extra columns, in the order the roster gives them (first seen first)."""
    columns: dict[str, None] = {}
    for student in result.students:
        for column, _ in student.student.extra:
            columns.setdefault(column, None)
    return list(columns)


def gradebook_rows(result: ClassResult) -> list[list[str]]:
    """The gradebook as rows of cells, the header first. Text from students or the roster is
    guarded against formula injection; the numbers are written as numbers."""
    extras = extra_columns(result)
    exercise_ids = [exercise.id for exercise in result.exercises]
    header = ["id", "name", "email", *(cell(c) for c in extras), *exercise_ids, "total", "max_score", "status", "entry"]
    rows = [header]
    max_score = points_text(result.max_score)
    for student in result.students:
        person = student.student
        extra = dict(person.extra)
        scores = [student.exercise_score(exercise_id) for exercise_id in exercise_ids]
        rows.append(
            [
                cell(person.id),
                cell(person.name),
                cell(person.email),
                *(cell(extra.get(column, "")) for column in extras),
                *(points_text(score) for score in scores),
                points_text(sum(scores)),
                max_score,
                cell(status(student)),
                cell(student.entry or ""),
            ]
        )
    return rows


def write_gradebook_csv(result: ClassResult, out_dir: Path) -> Path:
    """Write ``gradebook.csv`` into ``out_dir`` (atomically) and return its path."""
    return write_atomic(out_dir / FILE_NAME, csv_bytes(gradebook_rows(result)))
