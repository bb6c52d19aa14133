"""``grade batch``: grade a class folder into stored results, then into a :class:`ClassResult`.

:func:`plan` decides, per entry, whether its stored result stands, which exercises to regrade,
or whether to grade it whole; :func:`grade_class` does the grading with a pool of workers;
:func:`class_result` puts stored results and the roster together.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.batch.entries import Entry
from grader.batch.model import NO_SUBMISSION, CheckInfo, ClassResult, ExerciseInfo, Student, StudentResult
from grader.batch.store import ResultStore, StoredResult, exercise_fingerprint
from grader.batch.workers import Done, Task, WorkerPool
from grader.exercise import Exercise
from grader.results import SubmissionResult


@dataclass(frozen=True)
class Settings:
    """What a grading depends on besides the code: a change regrades everything."""

    timeout: float
    memory_mb: int
    time_limit: float
    required: tuple[str, ...]

    def key(self) -> str:
        return hashlib.sha256(json.dumps(dataclasses.asdict(self), sort_keys=True).encode()).hexdigest()[:16]


@dataclass
class Plan:
    """What a run does with each entry."""

    reuse: list[Entry] = field(default_factory=list)
    grade: list[tuple[Entry, tuple[str, ...] | None]] = field(default_factory=list)

    @property
    def partial(self) -> int:
        return sum(1 for _entry, only in self.grade if only is not None)


def fingerprints_of(exercises: list[Exercise], given_modules: list[str]) -> dict[str, str]:
    return {exercise.id: exercise_fingerprint(exercise, given_modules) for exercise in exercises}


def plan(
    entries: list[Entry], store: ResultStore, fingerprints: dict[str, str], settings: Settings, *, force: bool
) -> Plan:
    """Reuse a stored result whose content, settings and fingerprints all match; regrade only
    the exercises whose fingerprint changed; grade the rest whole."""
    decided = Plan()
    key = settings.key()
    for entry in entries:
        stored = None if force else store.load(entry.name)
        if stored is None or stored.digest != entry.digest or stored.settings != key:
            decided.grade.append((entry, None))
            continue
        stale = tuple(sorted(i for i, fp in fingerprints.items() if stored.fingerprints.get(i) != fp))
        if stale:
            decided.grade.append((entry, stale))
        else:
            decided.reuse.append(entry)
    return decided


def _stored(entry: Entry, done: Done, fingerprints: dict[str, str], settings: Settings) -> StoredResult:
    graded = done.task.only if done.task.only is not None else tuple(fingerprints)
    return StoredResult(
        entry=entry.name,
        student_id=entry.student_id,
        digest=entry.digest,
        settings=settings.key(),
        # A lost worker graded nothing: no fingerprint is recorded, so the next run tries again.
        fingerprints={} if done.worker_lost else {i: fingerprints[i] for i in graded},
        result=done.result,
        sources=done.sources,
        seconds=done.seconds,
        sandbox=done.sandbox,
    )


def warm_reference(grader: Any, exercises: list[Exercise]) -> None:
    """Grade the reference once, so every check's questions to it are remembered before the
    workers are forked (each inherits the answers instead of computing them again)."""
    from grader.grading import grade_path
    from grader.stubs import render_reference_submission

    with tempfile.TemporaryDirectory(prefix="soundlab-warm-") as folder:
        for exercise in exercises:
            path = Path(folder) / exercise.filename
            path.write_text(render_reference_submission(exercise, exercises), encoding="utf-8")
        grade_path(grader, folder)


def grade_class(
    plan_: Plan,
    pool: WorkerPool,
    store: ResultStore,
    fingerprints: dict[str, str],
    settings: Settings,
    on_done: Callable[[Entry, StoredResult], None] = lambda entry, stored: None,
) -> None:
    """Grade what ``plan_`` says, saving each result as soon as it is done."""
    by_name = {entry.name: entry for entry, _only in plan_.grade}
    tasks = [Task(entry.name, entry.path, only) for entry, only in plan_.grade]
    for done in pool.run(tasks):
        entry = by_name[done.task.entry]
        fresh = _stored(entry, done, fingerprints, settings)
        if done.task.only is not None:
            previous = store.load(entry.name)
            if previous is not None:
                fresh = previous.merged_with(fresh, list(done.task.only))
        store.save(fresh)
        on_done(entry, fresh)


def exercise_infos(exercises: Iterable[Exercise]) -> list[ExerciseInfo]:
    return [
        ExerciseInfo(e.id, e.title, tuple(CheckInfo(c.name, c.description, c.points, c.public) for c in e.checks))
        for e in exercises
    ]


def _no_submission(student: Student) -> SubmissionResult:
    return SubmissionResult(path=student.id, error=NO_SUBMISSION)


def class_result(
    entries: list[Entry],
    store: ResultStore,
    infos: list[ExerciseInfo],
    roster: list[Student] | None,
    stubs: dict[str, str],
) -> ClassResult:
    """The class as graded on the exercises ``infos`` describe: roster students in roster order
    (those without an entry scoring 0, "no submission"), then entries not in the roster, by
    name. ``grade batch`` and ``grade merge`` both build the class with it."""
    chosen = {e.id for e in infos}
    by_id = {entry.student_id: entry for entry in entries}
    students: list[StudentResult] = []
    not_in_roster: list[str] = []

    def graded(student: Student, entry: Entry) -> StudentResult:
        stored = store.load(entry.name)
        if stored is None:  # cannot happen after a run, unless the store was removed meanwhile
            result = SubmissionResult(path=entry.path, error=f"{entry.path}: no stored result; run again.")
            return StudentResult(student, entry.name, result)
        result = stored.result
        # Only the exercises of this run (a store may hold others from an earlier --exercise run).
        result.exercises = [e for e in result.exercises if e.name in chosen]
        return StudentResult(student, entry.name, result, stored.seconds, stored.sources)

    if roster is not None:
        for student in roster:
            entry = by_id.pop(student.id, None)
            if entry is None:
                students.append(StudentResult(student, None, _no_submission(student)))
            else:
                students.append(graded(student, entry))
        not_in_roster = sorted(entry.name for entry in by_id.values())
    for entry in sorted(by_id.values(), key=lambda e: e.name):
        students.append(graded(Student(entry.student_id), entry))
    return ClassResult(list(infos), students, not_in_roster, stubs)
