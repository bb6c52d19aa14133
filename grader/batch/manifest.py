"""``OUT/batch.json``: what a ``grade batch`` run graded, so that ``grade merge`` can put the
parts of a sharded class together without the class folder or the exercises' code.

It records the whole class (every entry's name, student id and content digest, in the sorted
order every shard sees), the shard and the entries it graded, the exercises with their checks,
fingerprints and the grading settings (parts graded differently are refused), the stubs (for
the similarity check), the roster's students if one was given, and the sandbox.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.batch.entries import Entry
from grader.batch.files import write_atomic
from grader.batch.model import CheckInfo, ExerciseInfo, Student
from grader.batch.shards import Shard

FILE_NAME = "batch.json"
FORMAT = 1


class ManifestError(Exception):
    """A manifest that is missing or cannot be read; the message is one line."""


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=True).encode()).hexdigest()[:32]


def _entries_record(entries: list[Entry]) -> list[dict[str, str]]:
    return [{"name": e.name, "student_id": e.student_id, "digest": e.digest} for e in entries]


def _exercise_record(info: ExerciseInfo) -> dict[str, Any]:
    return {
        "id": info.id,
        "title": info.title,
        "checks": [
            {"name": c.name, "description": c.description, "points": c.points, "public": c.public} for c in info.checks
        ],
    }


def _student_record(student: Student) -> dict[str, Any]:
    return {"id": student.id, "name": student.name, "email": student.email, "extra": [list(e) for e in student.extra]}


@dataclass
class Manifest:
    """A part's ``batch.json``, read back."""

    path: Path
    record: dict[str, Any]

    @property
    def folder(self) -> str:
        return str(self.record["class"]["folder"])

    @property
    def class_digest(self) -> str:
        return str(self.record["class"]["digest"])

    @property
    def entry_names(self) -> list[str]:
        return [e["name"] for e in self.record["class"]["entries"]]

    def entries(self, folder: str | None = None) -> list[Entry]:
        """The whole class's entries, their paths in ``folder`` (this part's by default)."""
        base = Path(folder if folder is not None else self.folder)
        return [
            Entry(e["name"], str(base / e["name"]), e["student_id"], e["digest"])
            for e in self.record["class"]["entries"]
        ]

    @property
    def shard(self) -> Shard:
        shard = self.record["shard"]
        return Shard(int(shard["index"]), int(shard["count"]), str(shard.get("source", "")))

    @property
    def graded(self) -> list[str]:
        return list(self.record["graded"])

    @property
    def grading(self) -> dict[str, Any]:
        """What the results depend on besides the entries: exercises, fingerprints, settings."""
        return {
            "exercises": [e["id"] for e in self.record["exercises"]],
            "fingerprints": self.record["fingerprints"],
            "settings": self.record["settings"],
        }

    def exercises(self) -> list[ExerciseInfo]:
        return [
            ExerciseInfo(
                e["id"],
                e["title"],
                tuple(CheckInfo(c["name"], c["description"], c["points"], c["public"]) for c in e["checks"]),
            )
            for e in self.record["exercises"]
        ]

    @property
    def stubs(self) -> dict[str, str]:
        return dict(self.record.get("stubs", {}))

    @property
    def roster_digest(self) -> str | None:
        roster = self.record.get("roster")
        return None if roster is None else str(roster["digest"])

    def roster(self) -> list[Student] | None:
        roster = self.record.get("roster")
        if roster is None:
            return None
        return [
            Student(s["id"], s["name"], s["email"], tuple((str(k), str(v)) for k, v in s["extra"]), in_roster=True)
            for s in roster["students"]
        ]


def roster_digest(students: list[Student]) -> str:
    return _digest([_student_record(s) for s in students])


def manifest_record(
    *,
    folder: Path | str,
    entries: list[Entry],
    shard: Shard,
    graded: list[Entry],
    exercises: list[ExerciseInfo],
    fingerprints: dict[str, str],
    settings: str,
    stubs: dict[str, str],
    roster: list[Student] | None,
    sandbox: dict[str, Any],
) -> dict[str, Any]:
    classes = _entries_record(entries)
    return {
        "format": FORMAT,
        "class": {"folder": str(folder), "digest": _digest(classes), "entries": classes},
        "shard": {"index": shard.index, "count": shard.count, "source": shard.source},
        "graded": [e.name for e in graded],
        "exercises": [_exercise_record(e) for e in exercises],
        "fingerprints": dict(sorted(fingerprints.items())),
        "settings": settings,
        "stubs": dict(sorted(stubs.items())),
        "roster": None
        if roster is None
        else {"digest": roster_digest(roster), "students": [_student_record(s) for s in roster]},
        "sandbox": sandbox,
    }


def write_manifest(out: Path, record: dict[str, Any]) -> Path:
    return write_atomic(out / FILE_NAME, (json.dumps(record, indent=1) + "\n").encode("utf-8"))


def read_manifest(part: Path) -> Manifest:
    """The manifest of the ``grade batch`` output folder ``part``. Raises :class:`ManifestError`."""
    path = part / FILE_NAME
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ManifestError(f"{part}: no {FILE_NAME}; is it the --out folder of a `grade batch` run?") from None
    except OSError as error:
        raise ManifestError(f"{path}: cannot read it ({error.strerror or error}).") from None
    except ValueError:
        raise ManifestError(f"{path}: not valid JSON; run the shard again.") from None
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        found = record.get("format") if isinstance(record, dict) else None
        raise ManifestError(f"{path}: format {found!r}, not {FORMAT}; grade the shard again with this version.")
    manifest = Manifest(path, record)
    try:  # every field merge reads, so a damaged file is one line here and not a traceback later
        _ = (manifest.entries(), manifest.shard, manifest.graded, manifest.grading)
        _ = (manifest.exercises(), manifest.roster(), manifest.stubs, manifest.roster_digest)
    except (KeyError, TypeError, ValueError):
        raise ManifestError(
            f"{path}: damaged (a field is missing or of the wrong type); run the shard again."
        ) from None
    return manifest
