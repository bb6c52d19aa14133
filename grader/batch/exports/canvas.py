"""``canvas.csv``: the class as a file for Canvas's Gradebook import (Grades → Import).

The layout is the one Canvas's own gradebook export has, which its importer reads back: the
columns ``Student``, ``ID``, ``SIS User ID``, ``SIS Login ID``, ``Section``, then one column per
assignment; the second row is ``Points Possible`` (indented, as Canvas writes it) with each
assignment's points. An assignment column whose name carries no Canvas id (``Name (1234)``)
makes Canvas create that assignment on import, so each exercise becomes an assignment
"Soundlab: <exercise title>" (Canvas does not take a bare total: it computes totals itself).

Roster mapping: ``name`` → Student, ``id`` → SIS User ID, ``email`` → SIS Login ID, and the roster
columns ``canvas_id`` (→ ID) and ``section`` (→ Section) when the roster has them.
"""

from __future__ import annotations

from pathlib import Path

from grader.batch.exports._common import cell, csv_bytes, points_text
from grader.batch.files import write_atomic
from grader.batch.model import ClassResult, ExerciseInfo, Student

FILE_NAME = "canvas.csv"
IDENTITY_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
# Canvas writes this row's first cell indented; its importer recognises it either way.
POINTS_POSSIBLE = "    Points Possible"
ASSIGNMENT_PREFIX = "Soundlab: "
# Roster columns (compared lower-case, spaces and hyphens as underscores) that hold the Canvas
# user id and the section.
CANVAS_ID_COLUMNS = ("canvas_id", "canvas_user_id")
SECTION_COLUMNS = ("section", "canvas_section")


def _roster_value(student: Student, names: tuple[str, ...]) -> str:
    for column, value in student.extra:
        if column.strip().lower().replace(" ", "_").replace("-", "_") in names:
            return value
    return ""


def assignment_names(exercises: list[ExerciseInfo]) -> list[str]:
    """One Canvas assignment name per exercise: ``Soundlab: <title>``, with the exercise id
    instead where titles are missing or repeat (Canvas matches assignments by name)."""
    titles = [exercise.title.strip() for exercise in exercises]
    names = []
    for exercise, title in zip(exercises, titles):
        unique = bool(title) and titles.count(title) == 1
        names.append(ASSIGNMENT_PREFIX + (title if unique else exercise.id))
    return names


def canvas_rows(result: ClassResult) -> list[list[str]]:
    """The import file as rows of cells: header, Points Possible, then a row per student in the
    class's order. Roster text is guarded against formula injection; scores are plain numbers."""
    header = [*IDENTITY_COLUMNS, *assignment_names(result.exercises)]
    possible = [POINTS_POSSIBLE, "", "", "", "", *(points_text(e.max_score) for e in result.exercises)]
    rows = [header, possible]
    for student in result.students:
        person = student.student
        rows.append(
            [
                cell(person.name or person.id),
                cell(_roster_value(person, CANVAS_ID_COLUMNS)),
                cell(person.id),
                cell(person.email),
                cell(_roster_value(person, SECTION_COLUMNS)),
                *(points_text(student.exercise_score(exercise.id)) for exercise in result.exercises),
            ]
        )
    return rows


def write_canvas(result: ClassResult, out_dir: Path) -> Path:
    """Write ``canvas.csv`` into ``out_dir`` (atomically) and return its path."""
    return write_atomic(out_dir / FILE_NAME, csv_bytes(canvas_rows(result)))
