"""Grading one submission: load it in a student process, pick its exercises, run the checks."""

from __future__ import annotations

import difflib
import inspect
import os
import time
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import torch

from grader.exercise import Check, CheckFailure, Exercise, HintUnavailable
from grader.notebook import NotebookCell
from grader.reference_memo import ReferenceMemo
from grader.results import CheckResult, ExerciseResult, SubmissionResult
from grader.sandbox import wire
from grader.sandbox.cells import STATEMENT_SECONDS, stopped_statement
from grader.sandbox.policy import SandboxPolicy
from grader.sandbox.student_process import Reply, Spawner, StudentProcess, StudentProcessError
from grader.sandbox.student_side import OUTPUT_LIMIT_BYTES
from grader.solution import (
    NOT_IMPLEMENTED,
    FunctionInfo,
    ReferenceSolution,
    StudentSolution,
    not_implemented_message,
    student_error_message,
)
from grader.source_flags import flags_in_source
from grader.submission import SourceFile, Submission, SubmissionError, load_submission


class ConfigurableSpawner(Spawner, Protocol):
    """Where student processes come from (the warm parent, or the kernel for ``check()``)."""

    def configure(self, policy: SandboxPolicy) -> None: ...


DEFAULT_TIMEOUT = 5.0
DEFAULT_SUBMISSION_SECONDS = 300.0
# A notebook's statements together, however many there are (each has STATEMENT_SECONDS).
NOTEBOOK_LOAD_SECONDS = 60.0
# How a check that raised something other than CheckFailure is reported (a bug in the check).
GRADER_COULD_NOT = "the grader could not finish this check"
DEFAULT_MEMORY_MB = 4096
_PARAMETER_KINDS = frozenset(
    kind.name
    for kind in (
        inspect.Parameter.POSITIONAL_ONLY,
        inspect.Parameter.POSITIONAL_OR_KEYWORD,
        inspect.Parameter.VAR_POSITIONAL,
        inspect.Parameter.KEYWORD_ONLY,
        inspect.Parameter.VAR_KEYWORD,
    )
)


@dataclass
class LoadedSubmission:
    """What the student process found in a submission's files."""

    functions: dict[str, FunctionInfo] = field(default_factory=dict)
    # Functions that a file names but which could not be loaded, with the reason.
    unavailable: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    # What a notebook's cells skipped or failed to run: reported, never graded.
    warnings: list[str] = field(default_factory=list)
    # Whether the code meant to define an exercise function ran (to its end or not): a file
    # named after an exercise, or defining its functions, that exited, raised, hung or
    # crashed while being loaded. Such a submission is graded (0 for those functions);
    # one whose files could not even be read or parsed is not.
    ran_and_failed: bool = False
    # Which files themselves define (not import, not as an untouched stub) each function.
    definers: dict[str, list[str]] = field(default_factory=dict)


class Grader:
    """Grades submissions against a set of exercises, one student process per submission."""

    def __init__(
        self,
        exercises: Iterable[Exercise],
        spawner: ConfigurableSpawner,
        *,
        policy: SandboxPolicy,
        timeout: float = DEFAULT_TIMEOUT,
        memory_mb: int = DEFAULT_MEMORY_MB,
        required: bool = False,
        submission_seconds: float = DEFAULT_SUBMISSION_SECONDS,
        memo: ReferenceMemo | None = None,
    ) -> None:
        """Grade ``exercises``; student processes come from ``spawner`` (the warm parent).

        ``policy`` is what the packs in use ask of student processes (see
        :func:`grader.plugins.sandbox_policy`); it is applied to the spawner here. ``memo``
        keeps the reference's outcomes between submissions (a batch shares one).
        """
        self.exercises = list(exercises)
        # Grade every exercise, attempted or not (an instructor asked for them by id).
        self.required = required
        self.zygote = spawner
        self.timeout = timeout
        # What confined the last student process, as it told before running any student code.
        self.confinement: dict = {}
        # All of a submission's calls together, notebook statements included.
        self.submission_seconds = submission_seconds
        self.memory_bytes = memory_mb * 1024 * 1024
        self.reference = ReferenceSolution(self.exercises, memo)
        self.spec_names = [name for e in self.exercises for name in e.function_names]
        self.forbidden = list(policy.forbidden)
        spawner.configure(policy)
        # Reference computations are small; one thread leaves the other core to the student
        # process and avoids the stalls of an oversubscribed thread pool.
        torch.set_num_threads(1)

    def grade(self, submission: Submission, *, only: Collection[str] | None = None) -> SubmissionResult:
        """Grade every exercise whose functions the submission defines (of those in ``only``,
        when given: a batch regrades only the exercises whose checks changed)."""
        with StudentProcess(
            self.zygote, timeout=self.timeout, memory_bytes=self.memory_bytes, budget=self.submission_seconds
        ) as process:
            loaded = self._load(process, submission)
            self.confinement = process.confinement or self.confinement
            attempted = [e for e in self.exercises if self.required or self._attempted(e, loaded)]
            untouched = None
            notebook = not submission.directory and any(f.cells is not None for f in submission.files)
            if (submission.directory or notebook) and not self.required:
                # A folder (the handed-out exercises/) or a notebook (the lesson's, which holds
                # every exercise) grades only what the student has started. A notebook with
                # nothing started is graded as it is, as a stub named alone is.
                started = [e for e in attempted if self._started(e, loaded)]
                if submission.directory:
                    stubs = [
                        loaded.functions[n].path for e in attempted for n in e.function_names if n in loaded.functions
                    ]
                    untouched = stubs[0] if stubs and not started else None
                    attempted = started
                elif started:
                    attempted = started
            chosen = attempted if only is None else [e for e in attempted if e.id in only]
            ran = bool(attempted) and (bool(loaded.functions) or loaded.ran_and_failed)
            result = SubmissionResult(path=submission.path, ran=ran, warnings=loaded.warnings, flags=_flags(submission))
            misses = self._near_misses(submission, loaded)
            if loaded.problems:
                result.error = " ".join(loaded.problems)
            if untouched and not loaded.problems:
                result.error = (
                    f"{submission.path}: no exercise started yet: every exercise function in it is still the stub's "
                    f"`raise NotImplementedError`. Write one and grade again (`grade {untouched}` grades that "
                    "stub as it is)."
                )
            elif not loaded.problems and not (loaded.functions or loaded.unavailable):
                # --exercise still grades the exercises asked for; the reason says why they score 0.
                expected = ", ".join(self._expected_names(submission))
                result.error = f"{submission.path}: no exercise functions found (expected one of: {expected})."
                if misses:
                    result.error += (
                        " Did you mean "
                        + "; ".join(f"`{meant}` (not `{written}`)" for written, meant, _file in misses)
                        + "?"
                    )
            else:
                result.warnings.extend(
                    f"{file} defines `{written}`: did you mean `{meant}`? Only a function named exactly "
                    f"`{meant}` is graded as that exercise's."
                    for written, meant, file in misses
                )
            if not chosen:
                return result
            student = StudentSolution(chosen, process, loaded.functions)
            for exercise in chosen:
                result.exercises.append(self.grade_exercise(exercise, student, loaded))
                if len(submission.files) < 2:
                    result.exercises[-1].files = []  # which file is said only where there is a choice
            if process.stopped:
                result.stopped = True
                result.warnings.append(
                    "A call did not finish within its time limit and was stopped (is there an endless loop?); "
                    "the checks it stopped scored 0."
                )
            if _output_size(process) >= OUTPUT_LIMIT_BYTES:
                result.warnings.append(
                    f"It printed more than {OUTPUT_LIMIT_BYTES >> 20} MB; what it printed past that was "
                    "discarded (this costs no points)."
                )
            return result

    def _expected_names(self, submission: Submission) -> list[str]:
        for exercise in self.exercises:
            if any(named_after(f.stem, exercise) for f in submission.files):
                return list(exercise.function_names)
        return self.spec_names

    def _attempted(self, exercise: Exercise, loaded: LoadedSubmission) -> bool:
        names = exercise.function_names
        return any(n in loaded.functions or n in loaded.unavailable for n in names)

    def _started(self, exercise: Exercise, loaded: LoadedSubmission) -> bool:
        """Whether the student has written any of the exercise's functions (not all untouched stubs)."""
        names = exercise.function_names
        return any((n in loaded.functions and not loaded.functions[n].stub) or n in loaded.unavailable for n in names)

    def _near_misses(self, submission: Submission, loaded: LoadedSubmission) -> list[tuple[str, str, str]]:
        """(name written, exercise function meant, file) for each function whose name is close
        to, but not, one the exercises ask for (``soft_max``, ``Softmax``, ``sofmtax``)."""
        misses: list[tuple[str, str, str]] = []
        for file in submission.files:
            for written in sorted(file.defined - set(self.spec_names)):
                if written.startswith("_") or len(misses) >= 5:
                    continue
                meant = closest_name(written, self.spec_names)
                if (
                    meant
                    and meant not in loaded.functions
                    and meant not in loaded.unavailable
                    and meant not in file.names
                ):
                    misses.append((written, meant, file.path))
        return misses

    def _load(self, process: StudentProcess, submission: Submission) -> LoadedSubmission:
        loaded = LoadedSubmission(problems=list(submission.problems))
        # For `import helpers` between files of a directory, without reading the directory.
        siblings = {
            Path(f.path).stem: [f.path, f.source]
            for f in submission.files
            if f.cells is None and f.problem is None and Path(f.path).stem.isidentifier()
        }
        for file in submission.files:
            if file.problem:
                loaded.problems.append(file.problem)
                self._mark_unavailable(loaded, file, file.problem)
                continue
            request = {
                "op": "load",
                "path": file.path,
                "module": file.module,
                "source": file.source,
                "directory": file.directory,
                "names": self.spec_names,
                "forbidden": self.forbidden,
                "siblings": siblings,
            }
            try:
                if file.cells is not None:
                    reply = self._load_notebook(process, file, request, loaded)
                else:
                    reply = process.request(request)
            except StudentProcessError as error:
                reason = f"{file.path} could not be loaded: {error.message}."
                loaded.problems.append(reason)
                loaded.ran_and_failed |= bool(self._mark_unavailable(loaded, file, reason))
                continue
            if not reply.document["ok"]:
                reason = _load_error_message(file, reply.document.get("error"))
                loaded.problems.append(reason)
                loaded.ran_and_failed |= bool(self._mark_unavailable(loaded, file, reason))
                continue
            # Replayed if the process has to start again; a notebook's statements take their time.
            process.remember(
                request,
                **(
                    {"progress_timeout": STATEMENT_SECONDS + 1.0, "total": NOTEBOOK_LOAD_SECONDS}
                    if file.cells is not None
                    else {}
                ),
            )
            warnings = reply.document.get("warnings")
            if isinstance(warnings, list):
                loaded.warnings.extend(wire.clean_text(w, 300) for w in warnings[:50] if isinstance(w, str))
            found = reply.document.get("functions")
            for name, info in found.items() if isinstance(found, dict) else []:
                if name not in self.spec_names or not isinstance(info, dict):
                    continue
                if name in file.defined and name not in file.stubs:
                    loaded.definers.setdefault(name, []).append(file.path)
                if self._prefer(file, loaded.functions.get(name), name):
                    params = info.get("params")
                    loaded.functions[name] = FunctionInfo(
                        name, file.path, params if _valid_params(params) else None, file.module, stub=name in file.stubs
                    )
                    loaded.unavailable.pop(name, None)
            for cell in file.cells or []:
                self._report_missing_definitions(cell, loaded)
        self._report_defined_twice(loaded)
        return loaded

    def _report_defined_twice(self, loaded: LoadedSubmission) -> None:
        """A function written in two files of a directory is an error naming both (and which is graded)."""
        for name in self.spec_names:
            files = loaded.definers.get(name, [])
            if len(files) < 2 or name not in loaded.functions:
                continue
            listed = ", ".join(files[:-1]) + " and " + files[-1]
            graded = loaded.functions[name].path
            loaded.problems.append(
                f"{name} is defined in {len(files)} files, {listed}; the one in {graded} is graded. "
                "Keep one definition."
            )

    MAX_STUCK_STATEMENTS = 5

    def _load_notebook(
        self, process: StudentProcess, file: SourceFile, request: dict, loaded: LoadedSubmission
    ) -> Reply:
        """Run a notebook's statements; one stuck past its limit (in a long C call, where the
        student process's own alarm cannot reach) is skipped and the notebook loaded again."""
        assert file.cells is not None
        loaded.warnings.extend(file.warnings)
        runnable = [cell for cell in file.cells if cell.problem is None]
        skipped: set[tuple[int, int]] = set()
        for _attempt in range(self.MAX_STUCK_STATEMENTS + 1):
            request["cells"] = [
                {
                    "name": cell.name,
                    "source": cell.source,
                    "run": [
                        st.index for st in cell.statements if st.kind != "skip" and (number, st.index) not in skipped
                    ],
                }
                for number, cell in enumerate(runnable)
            ]
            request["statement_seconds"] = STATEMENT_SECONDS
            current: list = []
            try:
                return process.request(
                    request,
                    progress_timeout=STATEMENT_SECONDS + 1.0,
                    on_progress=current.append,
                    total=NOTEBOOK_LOAD_SECONDS,
                )
            except StudentProcessError:
                last = current[-1] if current else None
                if not (isinstance(last, list) and len(last) == 2 and all(type(n) is int for n in last)):
                    raise
                cell_index, statement = last
                if not 0 <= cell_index < len(runnable) or (cell_index, statement) in skipped:
                    raise
                skipped.add((cell_index, statement))
                cell = runnable[cell_index]
                line = next((st.line for st in cell.statements if st.index == statement), 0)
                lines = cell.source.splitlines()
                text = lines[line - 1].strip()[:60] if 0 < line <= len(lines) else ""
                loaded.warnings.append(stopped_statement(cell.name, line, text, STATEMENT_SECONDS))
        raise StudentProcessError("too many statements of the notebook ran too long")

    def _report_missing_definitions(self, cell: NotebookCell, loaded: LoadedSubmission) -> None:
        """A function a cell meant to define that is not there gets its exercise a reason."""
        for name in cell.defines:
            if name in self.spec_names and name not in loaded.functions and name not in loaded.unavailable:
                if cell.problem:
                    loaded.unavailable[name] = cell.problem
                    loaded.problems.append(cell.problem)
                else:
                    loaded.unavailable[name] = f"its definition in {cell.name} did not run (see the warnings)."
                    loaded.ran_and_failed = True

    def _prefer(self, file: SourceFile, current: FunctionInfo | None, name: str) -> bool:
        """Whether ``file``'s definition of ``name`` should be graded rather than ``current``'s.

        When several files of a directory define a function, a written one wins over an
        untouched stub, then the file named after its exercise (``03_softmax.py`` for
        ``softmax``), then the first file.
        """
        if current is None:
            return True
        new_is_stub = name in file.stubs
        if new_is_stub != current.stub:
            return not new_is_stub  # a written definition wins over an untouched stub
        owner = next(e for e in self.exercises if name in e.function_names)
        return named_after(file.stem, owner) and not named_after(Path(current.path).stem, owner)

    def _mark_unavailable(self, loaded: LoadedSubmission, file: SourceFile, reason: str) -> set[str]:
        """Give ``reason`` to the exercise functions ``file`` defines or is named after; returns them."""
        names = set(file.names)
        for exercise in self.exercises:
            if named_after(file.stem, exercise):
                names.update(exercise.function_names)
        marked = set()
        for name in names & set(self.spec_names):
            if name not in loaded.functions:
                loaded.unavailable[name] = reason
                marked.add(name)
        return marked

    def grade_exercise(
        self,
        exercise: Exercise,
        student: StudentSolution,
        loaded: LoadedSubmission,
        *,
        public_only: bool = False,
        function: str | None = None,
    ) -> ExerciseResult:
        """Run an exercise's checks on a loaded submission: all of them, or only the public
        ones, or only those of one ``function`` (what ``check()`` in a notebook runs)."""
        result = ExerciseResult(name=exercise.id, title=exercise.title)
        noted: set[str] = set()
        for check in exercise.checks:
            if (public_only and not check.public) or (function is not None and check.function != function):
                continue
            outcome = self._run_check(exercise, check, student, loaded)
            if outcome.repeated is not None:
                _fold_repeated(outcome, result.checks)
            note = student.notes.get(check.function)
            if note and check.function not in noted:
                noted.add(check.function)
                result.notes.append(note)
                outcome.message = f"{outcome.message} {note}".strip()
            result.checks.append(outcome)
        result.files = list(
            dict.fromkeys(loaded.functions[name].path for name in exercise.function_names if name in loaded.functions)
        )
        return result

    def _run_check(
        self, exercise: Exercise, check: Check, student: StudentSolution, loaded: LoadedSubmission
    ) -> CheckResult:
        started = time.perf_counter()

        def outcome(passed: bool, message: str = "", hint: str | None = None) -> CheckResult:
            score = check.points if passed else 0
            seconds = time.perf_counter() - started
            return CheckResult(
                check.name, check.description, passed, score, check.points, message, hint, check.public, seconds
            )

        def failed(message: str, hint: str | None = None) -> CheckResult:
            return outcome(False, message, hint)

        if check.function not in loaded.functions:
            reason = loaded.unavailable.get(check.function)
            if reason:
                return failed(f"{check.function} could not be checked: {reason}")
            return failed(f"{check.function} is not defined in your submission.")
        try:
            check.run(student, self.reference)
        except CheckFailure as failure:
            result = failed(failure.message, failure.hint)
            result.repeated = _repeated(failure, exercise)
            return result
        except HintUnavailable as error:
            # Raised while a failure was being given its hint: the failure stands, without the hint.
            handled = _failure_in_hand(error)
            if handled is not None:
                result = failed(handled.message, handled.hint)
                result.repeated = _repeated(handled, exercise)
                return result
            return failed(f"{GRADER_COULD_NOT} ({type(error).__name__}: {error}).")
        except Exception as error:  # noqa: BLE001 - one broken check must not stop the class
            return failed(f"{GRADER_COULD_NOT} ({type(error).__name__}: {error}).")
        return outcome(True)


def grade_path(
    grader: Grader, path: str, *, only: Collection[str] | None = None
) -> tuple[SubmissionResult, Submission | None]:
    """Read the submission at ``path`` and grade it: its result, and the submission (None when
    it could not be read). Never raises for what a submission holds: one submission must not
    end the grading of a class."""
    try:
        submission = load_submission(path)
        return grader.grade(submission, only=only), submission
    except SubmissionError as error:
        return SubmissionResult(path=path, error=str(error)), None
    except Exception as error:  # noqa: BLE001 - RecursionError, MemoryError too
        # A bug of the grader's that this submission found: its report says so, the others are graded.
        reason = f"{path}: the grader could not grade this submission ({type(error).__name__}: {str(error)[:300]})."
        return SubmissionResult(path=path, error=reason), None


def closest_name(written: str, names: Iterable[str]) -> str | None:
    """The one of ``names`` that ``written`` is a near miss of (``soft_max``, ``Softmax``,
    ``sofmax`` for ``softmax``), ignoring case; None when none is close."""
    lowered = {name.lower(): name for name in names}
    close = difflib.get_close_matches(written.lower(), list(lowered), n=1, cutoff=0.8)
    return lowered[close[0]] if close else None


def _failure_in_hand(error: BaseException) -> CheckFailure | None:
    """The CheckFailure that was being handled when ``error`` was raised (a hint being made), if any."""
    seen: set[int] = set()
    context = error.__context__
    while context is not None and id(context) not in seen:
        if isinstance(context, CheckFailure):
            return context
        seen.add(id(context))
        context = context.__context__
    return None


def _repeated(failure: CheckFailure, exercise: Exercise) -> str | None:
    """What fails the function's every call, if that failed it (``CheckFailure.repeated``).

    A check that catches a failure and raises it again with a hint of its own (or keeps it
    for a later check) passes on its message only: a stub's is recognised by its message.
    """
    if failure.repeated is not None:
        return failure.repeated
    for function in exercise.function_names:
        if failure.message == not_implemented_message(function):
            return f"{function}:{NOT_IMPLEMENTED}"
    return None


def _fold_repeated(outcome: CheckResult, earlier: list[CheckResult]) -> None:
    """What fails a function's every call (a forbidden call, a stub's NotImplementedError) is
    told in full (message and hint) by the first check it fails; the exercise's later checks
    it fails say so in a line."""
    if not any(c.repeated == outcome.repeated for c in earlier):
        return
    function, _, cause = (outcome.repeated or "").partition(":")
    if cause == NOT_IMPLEMENTED:
        outcome.message = "Failed for the same reason (not implemented yet)."
    else:
        outcome.message = f"Failed for the same reason: {function} calls {cause} (see above)."
    outcome.hint = None


def _flags(submission: Submission) -> list[str]:
    """What each file's source does that grading cannot fully police, for the instructor."""
    flags = []
    for file in submission.files:
        sources = [cell.source for cell in file.cells] if file.cells is not None else [file.source]
        notes = dict.fromkeys(note for source in sources if source for note in flags_in_source(source))
        flags += [f"{file.path} {note}" for note in notes]
    return flags


def named_after(stem: str, exercise: Exercise) -> bool:
    """Whether a file with this stem is the exercise's file (``03_softmax``, ``alice_03_softmax``)."""
    return stem.endswith(exercise.filename.removesuffix(".py"))


def _valid_params(params: object) -> bool:
    """Whether the student process's account of a function's parameters is plausible (it may lie)."""
    return (
        isinstance(params, list)
        and len(params) <= 256
        and all(
            isinstance(p, dict)
            and isinstance(p.get("name"), str)
            and p["name"].isidentifier()
            and len(p["name"]) <= 100
            and p.get("kind") in _PARAMETER_KINDS
            for p in params
        )
    )


def _output_size(process: StudentProcess) -> int:
    try:
        return os.fstat(process.output.fileno()).st_size
    except (OSError, ValueError):
        return 0


def _load_error_message(file: SourceFile, error: object) -> str:
    """What went wrong while the student's file was being imported."""
    message = student_error_message("", f"importing {file.path}", error)
    if isinstance(error, dict) and error.get("type") == "SystemExit":
        message = f"{file.path} stopped while being imported: {wire.clean_text(error.get('message', ''), 300)}"
        where = error.get("where")
        if isinstance(where, dict) and type(where.get("line")) is int:
            message += f" at line {where['line']}"
        message += ". Remove top-level code that exits."
    return message if message.endswith(".") or message.endswith(")") else message + "."
