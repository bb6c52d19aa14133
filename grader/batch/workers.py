"""Worker processes that grade a class in parallel, each with a warm parent of its own.

The coordinating process imports torch, forks one warm parent per worker (before any exercise,
reference or submission is loaded, as for a single ``grade``), loads the packs, and warms the
reference memo; then it forks the workers, which inherit all of that and grade one entry at a
time. A worker that takes past its entry's hard limit, or dies, is killed and replaced with a
fresh warm parent; its entry is reported as not graded, and the class goes on.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

from grader.batch.sources import exercise_sources
from grader.exercise import Exercise
from grader.grading import Grader, grade_path
from grader.results import SubmissionResult
from grader.sandbox.zygote import Zygote


@dataclass(frozen=True)
class Task:
    """One entry to grade: the exercises to grade (None: all it attempts)."""

    entry: str
    path: str
    only: tuple[str, ...] | None


@dataclass
class Done:
    """What a worker sends back for a task (the result as a stored record's fields)."""

    task: Task
    result: Any  # SubmissionResult
    sources: dict[str, str]
    seconds: float
    sandbox: dict[str, Any]
    # The worker overran or died: it is replaced, and this entry was not graded.
    worker_lost: bool = False


def _grade(grader: Grader, exercises: list[Exercise], task: Task) -> Done:
    started = time.perf_counter()
    result, submission = grade_path(grader, task.path, only=task.only)
    sources = exercise_sources(submission, exercises) if submission is not None else {}
    return Done(task, result, sources, time.perf_counter() - started, dict(grader.confinement))


def _serve(connection: Connection, grader: Grader, exercises: list[Exercise]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the coordinator decides what Ctrl-C stops
    while True:
        task = connection.recv()
        if task is None:
            return
        connection.send(_grade(grader, exercises, task))


@dataclass
class _Worker:
    index: int
    process: Any
    connection: Connection
    task: Task | None = None
    deadline: float = 0.0


class WorkerPool:
    """``size`` workers grading tasks; :meth:`run` yields each task's :class:`Done`."""

    def __init__(
        self,
        graders: list[Grader],
        exercises: list[Exercise],
        *,
        hard_limit: float,
        restart_zygote: Callable[[int], Zygote],
    ) -> None:
        self.graders = graders
        self.exercises = exercises
        self.hard_limit = hard_limit
        self.restart_zygote = restart_zygote
        self._context = multiprocessing.get_context("fork")
        self._workers: list[_Worker] = []

    def _start(self, index: int) -> _Worker:
        ours, theirs = self._context.Pipe()
        process = self._context.Process(
            target=_serve, args=(theirs, self.graders[index], self.exercises), name=f"grade-worker-{index}"
        )
        process.daemon = True
        process.start()
        theirs.close()
        return _Worker(index, process, ours)

    def _replace(self, worker: _Worker) -> _Worker:
        """Kill a worker (and its warm parent, whose state is unknown) and start a fresh pair."""
        try:
            os.kill(worker.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        worker.process.join()
        worker.connection.close()
        self.graders[worker.index].zygote = self.restart_zygote(worker.index)
        return self._start(worker.index)

    def run(self, tasks: list[Task]) -> Iterator[Done]:
        """Grade ``tasks``, yielding each as it finishes (in no fixed order)."""
        pending = list(reversed(tasks))
        self._workers = [self._start(i) for i in range(min(len(self.graders), len(tasks)))]
        try:
            while pending or any(w.task for w in self._workers):
                for worker in self._workers:
                    if worker.task is None and pending:
                        worker.task = pending.pop()
                        worker.deadline = time.monotonic() + self.hard_limit
                        worker.connection.send(worker.task)
                busy = [w for w in self._workers if w.task is not None]
                timeout = max(0.0, min(w.deadline for w in busy) - time.monotonic())
                ready = wait([w.connection for w in busy] + [w.process.sentinel for w in busy], timeout)
                for position, worker in enumerate(self._workers):
                    if worker.task is None:
                        continue
                    done = self._collect(worker, ready)
                    if done is None:
                        continue
                    yield done
                    if done.worker_lost:
                        self._workers[position] = self._replace(worker)
                    else:
                        worker.task = None
        finally:
            self.close()

    def _collect(self, worker: _Worker, ready: list) -> Done | None:
        """The worker's finished task, a failure standing for it, or None while it works."""
        assert worker.task is not None
        task = worker.task
        if worker.connection in ready:
            try:
                done: Done = worker.connection.recv()
                return done
            except (EOFError, OSError):
                pass  # it died while answering: reported below
        elif worker.process.sentinel not in ready and time.monotonic() < worker.deadline:
            return None
        overran = worker.process.is_alive()
        reason = (
            f"{task.path}: grading took longer than {self.hard_limit:g} s and was stopped."
            if overran
            else f"{task.path}: the grader's worker process ended while grading this submission."
        )
        return Done(task, SubmissionResult(path=task.path, error=reason), {}, self.hard_limit, {}, worker_lost=True)

    def close(self) -> None:
        """Stop every worker (those still grading are killed)."""
        for worker in self._workers:
            try:
                if worker.task is None and worker.process.is_alive():
                    worker.connection.send(None)
                else:
                    os.kill(worker.process.pid, signal.SIGKILL)
            except (OSError, ProcessLookupError):
                pass
        for worker in self._workers:
            worker.process.join(timeout=5)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.connection.close()
        self._workers = []
