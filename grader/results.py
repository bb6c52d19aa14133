"""The plain data of a grading run: what each check, exercise and submission scored."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# The longest a check's message or hint, a warning, or a submission's error may be in a report:
# a value described by the student process (a fake .shape of four million dimensions) or a
# message it raised must not make a report of megabytes.
MAX_MESSAGE_CHARS = 2000
MAX_ERROR_CHARS = 8000
MAX_WARNINGS = 100
# Warnings in the JSON report: at most so many, each at most so long.
MAX_JSON_WARNINGS = 50
MAX_WARNING_CHARS = 500
MAX_NAME_CHARS = 1000


def bounded(text: str | None, limit: int = MAX_MESSAGE_CHARS) -> str | None:
    """``text`` cut to ``limit`` characters (marked with "… (N more characters)")."""
    if text is None or len(text) <= limit:
        return text
    rest = f"… ({len(text) - limit:,} more characters)"
    return text[: limit - len(rest)] + rest


def _points(value: float) -> float | int:
    """Points as JSON shows them: 10, not 10.0; 2.5 stays 2.5."""
    return int(value) if float(value).is_integer() else round(float(value), 4)


@dataclass
class CheckResult:
    """One check's outcome. ``message`` says what happened; ``hint`` what to try (or None)."""

    name: str
    description: str
    passed: bool
    score: float
    max_score: float
    message: str = ""
    hint: str | None = None
    # Whether students may see the check before final grading, and the seconds it took
    # (for the gradebook exports; not in the JSON report).
    public: bool = False
    seconds: float = 0.0
    # What failed it that fails the function's every call, if anything did (a forbidden call
    # "softmax:torch.softmax", or "softmax:NotImplementedError"; not in the JSON report).
    repeated: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": bounded(self.name, MAX_NAME_CHARS),
            "passed": self.passed,
            "score": _points(self.score),
            "max_score": _points(self.max_score),
            "message": bounded(self.message),
            "hint": bounded(self.hint),
        }


@dataclass
class ExerciseResult:
    """One exercise's checks; ``notes`` are remarks that cost no points."""

    name: str
    title: str
    checks: list[CheckResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # The files its graded functions came from (shown when a submission has several files).
    files: list[str] = field(default_factory=list)

    @property
    def score(self) -> float:
        return sum(c.score for c in self.checks)

    @property
    def max_score(self) -> float:
        return sum(c.max_score for c in self.checks)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": bounded(self.name, MAX_NAME_CHARS),
            "score": _points(self.score),
            "max_score": _points(self.max_score),
            "checks": [c.to_json() for c in self.checks],
        }


@dataclass
class SubmissionResult:
    """One submission. ``error`` is set when part or all of it could not be graded."""

    path: str
    exercises: list[ExerciseResult] = field(default_factory=list)
    error: str | None = None
    # Whether any of its exercise functions could be loaded and called (not in the JSON).
    ran: bool = False
    # What cost no points but the student should know: what a notebook skipped or failed to
    # run, a repaired notebook, a misspelt function name, output cut short (in both reports).
    warnings: list[str] = field(default_factory=list)
    # Whether a time limit stopped one of its calls (an endless loop, say): the class's
    # gradebook says so (not in the JSON report, whose warnings say it).
    stopped: bool = False
    # Notes for the instructor on what the source does that grading cannot fully police
    # ("03_softmax.py uses torch._decomp"); they cost no points.
    flags: list[str] = field(default_factory=list)

    @property
    def score(self) -> float:
        return sum(e.score for e in self.exercises)

    @property
    def max_score(self) -> float:
        return sum(e.max_score for e in self.exercises)

    def to_json(self) -> dict[str, Any]:
        return {
            "path": bounded(self.path, MAX_NAME_CHARS),
            "score": _points(self.score),
            "max_score": _points(self.max_score),
            "error": bounded(self.error, MAX_ERROR_CHARS),
            "exercises": [e.to_json() for e in self.exercises],
            "flags": [bounded(flag, MAX_ERROR_CHARS) for flag in self.flags],
            "warnings": [bounded(warning, MAX_WARNING_CHARS) for warning in self.warnings[:MAX_JSON_WARNINGS]],
        }


@dataclass
class Report:
    """A whole run: every submission graded."""

    submissions: list[SubmissionResult] = field(default_factory=list)
    # What confined the student processes: {"mode", "protections", "missing"} (see `grade doctor`).
    sandbox: dict[str, Any] = field(default_factory=dict)

    @property
    def score(self) -> float:
        return sum(s.score for s in self.submissions)

    @property
    def max_score(self) -> float:
        return sum(s.max_score for s in self.submissions)

    @property
    def graded_anything(self) -> bool:
        """Whether any submission had exercise functions that could be loaded and called."""
        return any(s.ran for s in self.submissions)

    @property
    def full_marks(self) -> bool:
        return all(e.score >= e.max_score for s in self.submissions for e in s.exercises)

    def to_json(self) -> dict[str, Any]:
        return {
            "score": _points(self.score),
            "max_score": _points(self.max_score),
            "submissions": [s.to_json() for s in self.submissions],
            "sandbox": {
                "mode": self.sandbox.get("mode"),
                "protections": list(self.sandbox.get("protections", [])),
                "missing": list(self.sandbox.get("missing", [])),
            },
        }
