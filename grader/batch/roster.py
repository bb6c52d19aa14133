"""The class roster: a CSV file with a column ``id`` (and ``name``, ``email``; other columns
are kept for the exports that use them, such as a Canvas section)."""

from __future__ import annotations

import csv
from pathlib import Path

from grader.batch.model import Student


class RosterError(Exception):
    """The roster cannot be used; the message is one line for the instructor."""


def read_roster(path: Path) -> list[Student]:
    """The roster's students in the file's order. Raises :class:`RosterError`."""
    try:
        text = path.read_text(encoding="utf-8-sig")  # spreadsheets often write a byte-order mark
    except UnicodeDecodeError:
        raise RosterError(f"{path}: not UTF-8 text; save the roster as CSV UTF-8.") from None
    except OSError as error:
        raise RosterError(f"{path}: cannot read the roster ({error.strerror or error}).") from None
    try:
        rows = list(csv.reader(text.splitlines()))
    except csv.Error as error:
        raise RosterError(f"{path}: not a valid CSV file ({error}).") from None
    if not rows:
        raise RosterError(f"{path}: the roster is empty; it needs a header row with an 'id' column.")
    header = [column.strip() for column in rows[0]]
    lowered = [column.lower() for column in header]
    if "id" not in lowered:
        raise RosterError(f"{path}: the header row has no 'id' column (it has: {', '.join(header) or 'nothing'}).")
    if len(set(lowered)) != len(lowered):
        repeated = sorted({c for c in lowered if lowered.count(c) > 1})
        raise RosterError(f"{path}: the column {repeated[0]!r} appears twice in the header row.")
    students: list[Student] = []
    seen: dict[str, int] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue  # a blank line
        if len(row) > len(header):
            raise RosterError(f"{path}, line {line}: {len(row)} cells, but the header has {len(header)} columns.")
        values = dict(zip(lowered, (cell.strip() for cell in row)))
        student_id = values.get("id", "")
        if not student_id:
            raise RosterError(f"{path}, line {line}: the id is empty.")
        if student_id in seen:
            raise RosterError(f"{path}, line {line}: the id {student_id!r} is already on line {seen[student_id]}.")
        seen[student_id] = line
        extra = tuple(
            (original, values.get(key, ""))
            for original, key in zip(header, lowered)
            if key not in ("id", "name", "email")
        )
        students.append(
            Student(student_id, values.get("name", ""), values.get("email", ""), extra=extra, in_roster=True)
        )
    return students
