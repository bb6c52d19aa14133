"""Naming the mistake behind a failed check.

When a check fails without a hint of its own, the grader asks the ``soundlab_diagnose`` hook.
The framework's own implementation (this module, registered like any plugin) runs the
exercise's *detectors*: functions that look at the evidence (the calls the check made, what
came back, what the reference gives on the same inputs) and return a hint that names the
mistake, or None. Packs can add detectors to their exercises or implement the hook directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from grader.exercise import hookimpl

if TYPE_CHECKING:
    from grader.exercise import Check, Exercise
    from grader.solution import Outcome, Solution


@dataclass
class Call:
    """One call a check made of the student's function: its arguments by spec name, and outcome.

    Arguments the check left out hold the spec's defaults.
    """

    function: str
    arguments: dict[str, Any]
    outcome: Outcome

    @property
    def value(self) -> Any:
        return self.outcome.value


@dataclass
class Evidence:
    """What a detector may look at: the failed check, its message and the student's calls."""

    exercise: Exercise
    check: Check
    message: str
    reference: Solution
    calls: list[Call] = field(default_factory=list)

    def last(self, function: str | None = None) -> Call | None:
        """The last successful call (of ``function``, if given)."""
        for call in reversed(self.calls):
            if function is None or call.function == function:
                return call
        return None

    def expected(self, call: Call) -> Any:
        """What the reference returns for the same arguments."""
        return self.reference.call(call.function, **call.arguments).value


Detector = Callable[[Evidence], "str | None"]


@hookimpl
def soundlab_diagnose(exercise: Exercise, check: Check, evidence: Evidence) -> str | None:
    """Run the exercise's detectors; the first hint found wins."""
    for detector in exercise.detectors:
        try:
            hint = detector(evidence)
        except Exception:  # noqa: BLE001 - a detector that cannot tell gives no hint
            hint = None
        if hint:
            return hint
    return None
