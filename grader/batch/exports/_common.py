"""What every export needs: atomic writes, numbers as gradebooks show them, and text made safe for
its destination (spreadsheet cells, XML, path components)."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterable, Sequence

from grader.batch.model import NO_SUBMISSION, ExerciseInfo, StudentResult
from grader.results import CheckResult, ExerciseResult, SubmissionResult

# A cell a spreadsheet would read as a formula (or a DDE command) starts with one of these
# (OWASP, "CSV Injection"): such cells from a student or the roster get a leading single quote.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# Characters XML 1.0 cannot hold at all, not even escaped: C0 controls other than tab, LF and CR,
# lone surrogates, and U+FFFE / U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_SURROGATE = re.compile("[\ud800-\udfff]")

# What a path component may keep as it is; everything else becomes "_".
_UNSAFE_PATH = re.compile(r"[^A-Za-z0-9._-]")
_RESERVED_NAMES = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
MAX_PATH_COMPONENT = 100


def points(value: float) -> int | float:
    """Points as a gradebook shows them: 10, not 10.0; 2.5 stays 2.5 (as the JSON report does)."""
    return int(value) if float(value).is_integer() else round(float(value), 4)


def points_text(value: float) -> str:
    """:func:`points` as a cell's text (never guarded: a negative number we write stays a number)."""
    return str(points(value))


def unicode_safe(text: str) -> str:
    """``text`` without lone surrogates (which no UTF-8 file can hold), each replaced by U+FFFD."""
    return _SURROGATE.sub("\ufffd", text)


def cell(text: str | None) -> str:
    """Text from a student or the roster made safe for a spreadsheet cell.

    A leading ``=``, ``+``, ``-``, ``@``, tab or CR would make Excel, LibreOffice or Sheets run
    the cell as a formula, so such a cell gets a leading single quote (OWASP's advice). Only text
    goes through here; the numbers we compute are written as they are.
    """
    text = unicode_safe(text or "")
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def xml_text(text: str | None) -> str:
    """``text`` made representable in XML 1.0: characters XML cannot hold are shown as ``\\xNN``.

    The XML library escapes ``<``, ``&``, ``]]>`` and quotes; it cannot write a control character
    at all (ElementTree would write a file no parser accepts).
    """
    return _NOT_XML.sub(lambda match: f"\\x{ord(match.group()):02x}", text or "")


def path_component(name: str) -> str:
    """``name`` (a student id) as one safe folder name: no separators, no ``..``, no control
    characters, at most :data:`MAX_PATH_COMPONENT` characters.

    A name that had to change gets a short hash of the original, so two ids that differ only in
    unsafe characters still get two folders.
    """
    safe = _UNSAFE_PATH.sub("_", name)[:MAX_PATH_COMPONENT].strip(".")
    if safe == name and safe and safe.lower() not in _RESERVED_NAMES:
        return safe
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    return f"{safe[: MAX_PATH_COMPONENT - 11]}-{digest}" if safe else digest


def csv_bytes(rows: Iterable[Sequence[str]]) -> bytes:
    """Rows as RFC 4180 CSV (quoted where needed, CRLF line ends), UTF-8 encoded."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


NOT_ATTEMPTED = "not attempted"


def _zero_exercise(exercise: ExerciseInfo, message: str) -> ExerciseResult:
    """An exercise with every check failed at 0 points, so that every student counts the
    class's full ``max_score`` and the report's totals add up with the gradebook's."""
    checks = [
        CheckResult(
            name=check.name,
            description=check.description,
            passed=False,
            score=0.0,
            max_score=check.points,
            message=message,
            public=check.public,
        )
        for check in exercise.checks
    ]
    return ExerciseResult(name=exercise.id, title=exercise.title, checks=checks)


def submission_for(student: StudentResult, exercises: list[ExerciseInfo]) -> SubmissionResult:
    """The submission a student's report entry is written from: their result with every exercise
    of the class (one not attempted at 0, "not attempted"), or for a student with no submission
    one with path = their id, error "no submission" and every exercise at 0."""
    graded = {e.name: e for e in student.result.exercises}
    message = NOT_ATTEMPTED if student.submitted else NO_SUBMISSION
    every = [graded.get(e.id) or _zero_exercise(e, message) for e in exercises]
    if student.submitted:
        return SubmissionResult(
            path=student.result.path,
            exercises=every,
            error=student.result.error,
            ran=student.result.ran,
            warnings=list(student.result.warnings),
            flags=list(student.result.flags),
            stopped=student.result.stopped,
        )
    return SubmissionResult(
        path=student.student.id, exercises=every, error=NO_SUBMISSION, flags=list(student.result.flags)
    )
