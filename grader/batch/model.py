"""The plain data of a graded class: who the students are, what each one scored, and the
exercises they were graded on. Every export and the class report are written from a
:class:`ClassResult`; nothing in this module grades or reads files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from grader.results import SubmissionResult

NO_SUBMISSION = "no submission"


@dataclass(frozen=True)
class CheckInfo:
    """One check as the exercise declares it (what a gradebook needs without any result)."""

    name: str
    description: str
    points: float
    public: bool


@dataclass(frozen=True)
class ExerciseInfo:
    """One exercise of the batch, with its checks in grading order."""

    id: str
    title: str
    checks: tuple[CheckInfo, ...]

    @property
    def max_score(self) -> float:
        return sum(check.points for check in self.checks)


@dataclass(frozen=True)
class Student:
    """A student: from the roster (``in_roster``), or named after a submission not in it.

    ``extra`` keeps the roster's other columns, in the roster's order.
    """

    id: str
    name: str = ""
    email: str = ""
    extra: tuple[tuple[str, str], ...] = ()
    in_roster: bool = False


@dataclass
class StudentResult:
    """One student's grading.

    ``entry`` is the name of their entry in the class folder (``alice.py``, ``bob/``), None
    when they handed nothing in (then ``result.error`` is :data:`NO_SUBMISSION` and every
    exercise scores 0). ``seconds`` is the wall time their grading took. ``sources`` maps an
    exercise id to the code the student wrote for it (the text of the files or notebook cells
    that define its functions), for the similarity check.
    """

    student: Student
    entry: str | None
    result: SubmissionResult
    seconds: float = 0.0
    sources: dict[str, str] = field(default_factory=dict)

    @property
    def submitted(self) -> bool:
        return self.entry is not None

    def exercise_score(self, exercise_id: str) -> float:
        """Points on one exercise (0 where it was not attempted)."""
        return sum(e.score for e in self.result.exercises if e.name == exercise_id)


@dataclass
class ClassResult:
    """A whole class, graded: one :class:`StudentResult` per student, in a stable order
    (roster order, then entries not in the roster by name)."""

    exercises: list[ExerciseInfo]
    students: list[StudentResult]
    # Entries of the class folder whose name is not a roster id (empty without a roster).
    not_in_roster: list[str] = field(default_factory=list)
    # The stub text each exercise's students started from (excluded from similarity).
    stubs: dict[str, str] = field(default_factory=dict)
    # What confined the student processes (see ``Report.sandbox``).
    sandbox: dict[str, Any] = field(default_factory=dict)

    @property
    def max_score(self) -> float:
        return sum(exercise.max_score for exercise in self.exercises)
