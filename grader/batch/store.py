"""Results kept on disk between runs of ``grade batch``, so a run can resume and regrade little.

Each student's result is one JSON file under ``OUT/results/``, written atomically (a temporary
file, flushed to disk, then renamed over the old one): a run killed at any moment leaves every
finished result whole and none half-written. A result records what it was graded from: the
digest of the entry's content, the grading settings and each exercise's fingerprint (its
checks', specs' and reference's code). It is reused while they match; when an exercise's
fingerprint changes only that exercise is regraded.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.batch.files import write_atomic
from grader.exercise import Exercise
from grader.results import CheckResult, ExerciseResult, SubmissionResult

FORMAT = 1
RESULTS = "results"


def _module_text(name: str) -> str:
    module = sys.modules.get(name)
    try:
        return inspect.getsource(module) if module is not None else f"<no module {name}>"
    except (OSError, TypeError):
        return f"<no source for {name}>"


def exercise_fingerprint(exercise: Exercise, given_modules: list[str]) -> str:
    """A digest of what an exercise's grading depends on: the code of the modules that define
    its specs, checks and reference, of the modules its pack gives students, and its checks'
    names, points and visibility. A fixed check changes it; another exercise's does not."""
    digest = hashlib.sha256(f"{exercise.id}\0".encode())
    for name in sorted(exercise.modules) + sorted(given_modules):
        digest.update(f"module {name}\0".encode())
        digest.update(_module_text(name).encode())
    for check in exercise.checks:
        digest.update(f"check {check.name} {check.function} {check.points} {check.public}\0".encode())
    return digest.hexdigest()[:32]


def _record_of_check(check: CheckResult) -> dict[str, Any]:
    return {
        "name": check.name,
        "description": check.description,
        "passed": check.passed,
        "score": check.score,
        "max_score": check.max_score,
        "message": check.message,
        "hint": check.hint,
        "public": check.public,
        "seconds": round(check.seconds, 6),
    }


def _record_of_exercise(exercise: ExerciseResult) -> dict[str, Any]:
    return {
        "name": exercise.name,
        "title": exercise.title,
        "notes": list(exercise.notes),
        "checks": [_record_of_check(c) for c in exercise.checks],
    }


def _exercise_of(record: dict[str, Any]) -> ExerciseResult:
    checks = [CheckResult(**check) for check in record["checks"]]
    return ExerciseResult(record["name"], record["title"], checks, list(record.get("notes", [])))


@dataclass
class StoredResult:
    """One student's stored result and what it was graded from."""

    entry: str
    student_id: str
    digest: str
    settings: str
    fingerprints: dict[str, str]
    result: SubmissionResult
    sources: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    sandbox: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "entry": self.entry,
            "student_id": self.student_id,
            "digest": self.digest,
            "settings": self.settings,
            "fingerprints": dict(sorted(self.fingerprints.items())),
            "submission": {
                "path": self.result.path,
                "error": self.result.error,
                "ran": self.result.ran,
                "warnings": list(self.result.warnings),
                "flags": list(self.result.flags),
                "stopped": self.result.stopped,
            },
            "exercises": [_record_of_exercise(e) for e in self.result.exercises],
            "sources": self.sources,
            "seconds": round(self.seconds, 4),
            "sandbox": self.sandbox,
        }

    @classmethod
    def from_json(cls, record: dict[str, Any]) -> StoredResult:
        if record.get("format") != FORMAT:
            raise ValueError(f"stored format {record.get('format')!r}, not {FORMAT}")
        submission = record["submission"]
        result = SubmissionResult(
            path=submission["path"],
            exercises=[_exercise_of(e) for e in record["exercises"]],
            error=submission["error"],
            ran=submission["ran"],
            warnings=list(submission["warnings"]),
            flags=list(submission["flags"]),
            stopped=bool(submission.get("stopped", False)),
        )
        return cls(
            entry=record["entry"],
            student_id=record["student_id"],
            digest=record["digest"],
            settings=record["settings"],
            fingerprints=dict(record["fingerprints"]),
            result=result,
            sources=dict(record.get("sources", {})),
            seconds=float(record.get("seconds", 0.0)),
            sandbox=dict(record.get("sandbox", {})),
        )

    def merged_with(self, fresh: StoredResult, regraded: list[str]) -> StoredResult:
        """This result with the exercises in ``regraded`` taken from ``fresh`` (a partial regrade).

        The content is the same, so an exercise ``fresh`` lacks was not graded this time (the
        submission could not be loaded, the worker was lost): its stored result is kept, and
        its old fingerprint, so that the next run tries it again. Nothing finished is lost.
        """
        graded_now = {e.name for e in fresh.result.exercises}
        if not fresh.result.error:
            graded_now |= set(regraded)  # not attempted, as before: nothing to keep
        kept = [e for e in self.result.exercises if e.name not in graded_now]
        order = {e.name: i for i, e in enumerate(self.result.exercises + fresh.result.exercises)}
        exercises = sorted(kept + fresh.result.exercises, key=lambda e: order.get(e.name, 0))
        result = SubmissionResult(
            path=fresh.result.path,
            exercises=exercises,
            error=fresh.result.error,
            ran=fresh.result.ran or self.result.ran,
            warnings=fresh.result.warnings,
            flags=fresh.result.flags,
            stopped=fresh.result.stopped or (self.result.stopped and bool(kept)),
        )
        fingerprints = {**self.fingerprints, **{k: v for k, v in fresh.fingerprints.items() if k in graded_now}}
        return StoredResult(
            self.entry,
            self.student_id,
            fresh.digest,
            fresh.settings,
            fingerprints,
            result,
            fresh.sources or self.sources,
            self.seconds + fresh.seconds,
            fresh.sandbox or self.sandbox,
        )


def _file_name(entry: str) -> str:
    """A file name for an entry's result: readable, safe on every file system, never shared."""
    readable = re.sub(r"[^A-Za-z0-9._-]", "_", entry).strip("._")[:60] or "entry"
    return f"{readable}-{hashlib.sha256(entry.encode('utf-8', 'surrogateescape')).hexdigest()[:10]}.json"


class ResultStore:
    """The stored results of a class under ``OUT/results/``, one file per entry."""

    def __init__(self, out: Path) -> None:
        self.folder = out / RESULTS

    def path_for(self, entry: str) -> Path:
        return self.folder / _file_name(entry)

    def load(self, entry: str) -> StoredResult | None:
        """The stored result of ``entry``, or None (none yet, or unreadable: it is graded again)."""
        try:
            record = json.loads(self.path_for(entry).read_text(encoding="utf-8"))
            stored = StoredResult.from_json(record)
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return stored if stored.entry == entry else None

    def save(self, stored: StoredResult) -> None:
        write_atomic(self.path_for(stored.entry), json.dumps(stored.to_json(), indent=1).encode())

    def remove_leftovers(self) -> None:
        """Remove the temporary files of a run killed while writing (finished results stay)."""
        if not self.folder.is_dir():
            return
        for leftover in self.folder.glob(".*.tmp"):
            leftover.unlink(missing_ok=True)
