"""Recording the reference's outcomes for a pack's public checks, once, at release time.

The public checks of every exercise are run, in the grader's own student processes, on the
reference (graded as a student's file, as ``grade selftest`` does) and on every known-wrong
solution of the exercise's catalogue, so that the reference calls the checks' hints make for
those mistakes are recorded too. A :class:`RecordingMemo` in the ``ReferenceSolution`` keeps
every call's outcome under its exact key; the reference modules' functions are wrapped for
the time of the recording, so that a direct call (a hint's ``reference.softmax.softmax(x, d)``)
is kept too, with whatever it changed in its arguments, and so are the calls of the check
modules' :func:`~grader.exercise.solution_helper` functions (whose bodies no edition holds).
Hidden checks never run here: nothing of their inputs or expected values reaches the edition.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import sys
import tempfile
import types
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from grader.exercise import Exercise, is_solution_helper
from grader.grading import GRADER_COULD_NOT, Grader
from grader.release.replay import direct_key, encode_outcome, helper_key, helper_parameters
from grader.results import ExerciseResult
from grader.sandbox import wire
from grader.sandbox.policy import SandboxPolicy
from grader.sandbox.student_process import StudentProcess
from grader.solution import Outcome, StudentSolution
from grader.stubs import render_reference_submission
from grader.submission import load_submission


class ReleaseError(Exception):
    """The edition cannot be released as asked: one line says why."""


@dataclass
class Recording:
    """What the release keeps: reference outcomes by key, per exercise whose checks asked for them."""

    calls: dict[str, dict[str, Any]] = field(default_factory=dict)  # exercise id -> key -> outcome
    direct: dict[str, dict[str, Any]] = field(default_factory=dict)  # exercise id -> key -> {value, mutated}
    direct_names: dict[str, set[str]] = field(default_factory=dict)  # reference module -> functions called
    # The public results of each solution graded while recording: (exercise, solution) -> result.
    results: dict[tuple[str, str], ExerciseResult] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def keys(self) -> set[str]:
        return {k for table in (*self.calls.values(), *self.direct.values()) for k in table}


class RecordingMemo:
    """A reference memo that keeps every outcome it is given, for the exercise being recorded."""

    def __init__(self, recording: Recording) -> None:
        self.recording = recording
        self.exercise = ""

    def get(self, key: str) -> Outcome | None:
        kept = self.recording.calls.get(self.exercise, {}).get(key)
        return None if kept is None else copy.deepcopy(kept["outcome"])

    def put(self, key: str, outcome: Outcome) -> None:
        self.recording.calls.setdefault(self.exercise, {})[key] = {"outcome": copy.deepcopy(outcome)}


def _changed(before: Any, after: Any) -> bool:
    if isinstance(before, torch.Tensor) and isinstance(after, torch.Tensor):
        return before.shape != after.shape or not torch.equal(before, after)
    if isinstance(before, torch.nn.Module) and isinstance(after, torch.nn.Module):
        old, new = before.state_dict(), after.state_dict()
        return old.keys() != new.keys() or any(not torch.equal(old[k], new[k]) for k in old)
    return False


@contextlib.contextmanager
def recording_direct_calls(references: Sequence[types.ModuleType], memo: RecordingMemo) -> Iterator[None]:
    """Wrap every function a reference module defines, to record the calls made to it by name."""
    originals: list[tuple[types.ModuleType, str, Any]] = []

    def wrap(module: types.ModuleType, name: str, function: Any) -> Any:
        qualified = f"{module.__name__}.{name}"

        def recorded(*args: Any, **kwargs: Any) -> Any:
            key = direct_key(qualified, args, kwargs)
            before = copy.deepcopy((args, kwargs)) if key is not None else None
            value = function(*args, **kwargs)
            if key is not None and before is not None:
                mutated = [[i, a] for i, a in enumerate(args) if _changed(before[0][i], a)]
                mutated += [[k, v] for k, v in kwargs.items() if _changed(before[1][k], v)]
                table = memo.recording.direct.setdefault(memo.exercise, {})
                table[key] = {"value": copy.deepcopy(value), "mutated": copy.deepcopy(mutated)}
                memo.recording.direct_names.setdefault(module.__name__, set()).add(name)
            return value

        return recorded

    try:
        for module in references:
            for name, value in list(vars(module).items()):
                if isinstance(value, types.FunctionType) and value.__module__ == module.__name__:
                    originals.append((module, name, value))
                    setattr(module, name, wrap(module, name, value))
        yield
    finally:
        for module, name, value in originals:
            setattr(module, name, value)


@contextlib.contextmanager
def recording_helper_calls(modules: Sequence[types.ModuleType], memo: RecordingMemo) -> Iterator[None]:
    """Wrap every :func:`~grader.exercise.solution_helper` a check module defines, to record its calls.

    A call is kept as a direct reference call is (key, value and what it changed), under the
    key its stand-in in the edition computes from its parameters (:func:`helper_key`)."""
    originals: list[tuple[types.ModuleType, str, Any]] = []

    def wrap(module: types.ModuleType, name: str, function: Any) -> Any:
        qualified = f"{module.__name__}.{name}"

        @functools.wraps(function)
        def recorded(*args: Any, **kwargs: Any) -> Any:
            parameters = helper_parameters(function, args, kwargs)
            key = helper_key(qualified, parameters)
            before = copy.deepcopy(parameters) if key is not None else None
            value = function(*args, **kwargs)
            if key is not None and before is not None:
                mutated = [[k, v] for k, v in parameters.items() if _changed(before[k], v)]
                table = memo.recording.direct.setdefault(memo.exercise, {})
                table[key] = {"value": copy.deepcopy(value), "mutated": copy.deepcopy(mutated)}
            return value

        return recorded

    try:
        for module in modules:
            for name, value in list(vars(module).items()):
                if (
                    isinstance(value, types.FunctionType)
                    and value.__module__ == module.__name__
                    and is_solution_helper(value)
                ):
                    originals.append((module, name, value))
                    setattr(module, name, wrap(module, name, value))
        yield
    finally:
        for module, name, value in originals:
            setattr(module, name, value)


def _check_modules(exercises: Sequence[Exercise]) -> list[types.ModuleType]:
    names = dict.fromkeys(c.module for e in exercises for c in e.checks)
    return [sys.modules[name] for name in names if name in sys.modules]


def _grade_public(grader: Grader, exercise: Exercise, path: Path) -> tuple[ExerciseResult, str | None]:
    """The public checks of ``exercise`` on the file at ``path``, and the submission's problem if any."""
    submission = load_submission(str(path))
    with StudentProcess(
        grader.zygote, timeout=grader.timeout, memory_bytes=grader.memory_bytes, budget=grader.submission_seconds
    ) as process:
        loaded = grader._load(process, submission)
        student = StudentSolution([exercise], process, loaded.functions)
        result = grader.grade_exercise(exercise, student, loaded, public_only=True)
    problem = " ".join(loaded.problems) or None
    return result, problem


def record(
    exercises: Sequence[Exercise], all_exercises: Sequence[Exercise], spawner: Any, policy: SandboxPolicy
) -> Recording:
    """Run the public checks of ``exercises`` on their references and catalogued mistakes, recording."""
    recording = Recording()
    memo = RecordingMemo(recording)
    grader = Grader(exercises, spawner, policy=policy, memo=memo)  # type: ignore[arg-type]
    references = list({id(e.reference): e.reference for e in all_exercises}.values())
    with (
        tempfile.TemporaryDirectory(prefix="soundlab-release-") as tmp,
        recording_direct_calls(references, memo),
        recording_helper_calls(_check_modules(all_exercises), memo),
    ):
        for exercise in exercises:
            memo.exercise = exercise.id
            folder = Path(tmp) / exercise.id
            folder.mkdir()
            try:
                reference_source = render_reference_submission(exercise, list(all_exercises))
            except Exception as error:  # noqa: BLE001 - say why in one line
                raise ReleaseError(
                    f"exercise {exercise.id!r}: its reference cannot be graded as a file "
                    f"({type(error).__name__}: {error})"
                ) from None
            solutions = [("reference", reference_source)] + [(m.name, m.source) for m in exercise.mistakes]
            for name, source in solutions:
                path = folder / name / exercise.filename
                path.parent.mkdir()
                path.write_text(source, encoding="utf-8")
                result, problem = _grade_public(grader, exercise, path)
                recording.results[(exercise.id, name)] = result
                broken = [c for c in result.checks if c.message.startswith(GRADER_COULD_NOT)]
                if name == "reference" and (problem or any(not c.passed for c in result.checks)):
                    failed = "; ".join(f"{c.name}: {c.message}" for c in result.checks if not c.passed)
                    raise ReleaseError(
                        f"exercise {exercise.id!r}: the reference fails its own public checks ({problem or failed})"
                    )
                for check in broken:
                    recording.warnings.append(f"{exercise.id}: {name}: {check.name}: {check.message}")
    return recording


def encode_recording(recording: Recording, exercise: str, *, max_tensors: int = 4000) -> tuple[list[bytes], list[str]]:
    """``exercise``'s recordings as wire-format files (split to stay within the format's bounds),
    and a warning for each outcome that is not plain data and so was left out."""
    warnings: list[str] = []
    entries: list[tuple[str, str, Any]] = []
    for key, kept in recording.calls.get(exercise, {}).items():
        outcome = encode_outcome(kept["outcome"])
        # What checks read of the reference is its value and gradients; the rest is kept where it
        # is data (a transform the reference returned, a closure, is not: None in the edition).
        outcome["instance"] = outcome["instance"] if _plain(outcome["instance"]) is not None else None
        outcome["args_after"] = [a if _plain(a) is not None else None for a in outcome["args_after"]]
        entries.append(("calls", key, outcome))
    for key, kept in recording.direct.get(exercise, {}).items():
        entries.append(("direct", key, kept))
    files: list[bytes] = []
    document: dict[str, dict[str, Any]] = {"calls": {}, "direct": {}}
    tensors = 0
    for table, key, value in entries:
        count = _plain(value)
        if count is None:
            if table == "calls":
                warnings.append(f"{exercise}: a reference outcome is not plain data and cannot be replayed")
            continue
        if tensors + count > max_tensors and (document["calls"] or document["direct"]):
            files.append(wire.encode(document))
            document, tensors = {"calls": {}, "direct": {}}, 0
        document[table][key] = value
        tensors += count
    if document["calls"] or document["direct"] or not files:
        files.append(wire.encode(document))
    return files, warnings


def _plain(value: Any, depth: int = 0) -> int | None:
    """How many tensors ``value`` holds when the wire format carries all of it faithfully, else None."""
    if depth > wire.MAX_DEPTH - 4:
        return None
    if value is None or type(value) in (bool, int, float, str):
        return 0
    if isinstance(value, torch.Tensor):
        return 1 if str(value.dtype).removeprefix("torch.") in wire.DTYPES else None
    if isinstance(value, torch.nn.Module):
        return len(value.state_dict())
    if type(value) in (list, tuple):
        counts = [_plain(item, depth + 1) for item in value]
        return None if any(c is None for c in counts) else sum(c for c in counts if c is not None)
    if type(value) is dict and all(type(k) is str for k in value):
        return _plain(list(value.values()), depth + 1)
    return None
