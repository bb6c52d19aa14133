"""``report.json``: the class in the schema of ``grade --json`` (:meth:`Report.to_json`), one
submission per student, each with the one added key ``"student"`` (their id)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from grader.batch.exports._common import submission_for
from grader.batch.files import write_atomic
from grader.batch.model import ClassResult
from grader.results import Report

FILE_NAME = "report.json"


def class_report(result: ClassResult) -> dict[str, Any]:
    """The class as :meth:`Report.to_json` shows a run, each submission with ``"student"``."""
    submissions = [submission_for(student, result.exercises) for student in result.students]
    data = Report(submissions=submissions, sandbox=result.sandbox).to_json()
    for entry, student in zip(data["submissions"], result.students):
        entry["student"] = student.student.id
    return data


def write_json_report(result: ClassResult, out_dir: Path) -> Path:
    """Write ``report.json`` into ``out_dir`` (atomically) and return its path."""
    # ASCII-escaped as `grade --json` writes it: lossless, and safe for any text a student wrote.
    text = json.dumps(class_report(result), indent=2) + "\n"
    return write_atomic(out_dir / FILE_NAME, text.encode("utf-8"))
