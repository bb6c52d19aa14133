"""The grader's handle on one student process: load files, call functions, enforce limits."""

from __future__ import annotations

import os
import socket
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from grader.sandbox import wire
from grader.sandbox.lifetime import describe_status


class Spawner(Protocol):
    """Where student processes come from: the warm parent (``Zygote``), or a notebook's kernel."""

    def spawn(self, output_fd: int, memory_bytes: int) -> tuple[int, socket.socket]:
        """Start a student process writing its output to ``output_fd``; its pid and socket."""
        ...

    def reap(self, pid: int, grace: float = 0.5) -> int | None:
        """Make sure a student process has ended; its wait status."""
        ...


HELLO_SECONDS = 30.0  # a fresh warm parent imports torch first


class StudentProcessError(Exception):
    """The student process could not answer: it timed out, crashed, exited or misbehaved."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Reply:
    """A validated reply: the decoded document and per-tensor metadata."""

    document: dict
    message: wire.Message


class StudentProcess:
    """One forked student process, restarted on demand after it dies."""

    def __init__(self, zygote: Spawner, *, timeout: float, memory_bytes: int, budget: float | None = None) -> None:
        """``timeout``: seconds per request; ``budget``: seconds for all of them together
        (the whole submission), which nothing the student process sends extends."""
        self.zygote = zygote
        self.timeout = timeout
        self.memory_bytes = memory_bytes
        self.budget = budget
        self.budget_end = time.monotonic() + budget if budget is not None else float("inf")
        self.pid: int | None = None
        self.sock: socket.socket | None = None
        self.output = tempfile.TemporaryFile()
        # Requests replayed into a fresh process after one died (the files loaded so far).
        self.setup: list[tuple[dict, dict]] = []
        # What confines the process, as it told before running any student code.
        self.confinement: dict = {}
        # Whether a call was stopped by a time limit (its own, or the submission's budget).
        self.stopped = False

    @property
    def alive(self) -> bool:
        return self.pid is not None

    def remember(self, request: dict, **options: Any) -> None:
        """Replay ``request`` (with the ``request`` options given) whenever the process starts again."""
        self.setup.append((request, options))

    def _ensure_started(self) -> None:
        if self.pid is not None:
            return
        self.pid, self.sock = self.zygote.spawn(self.output.fileno(), self.memory_bytes)
        self.confinement = self._hello()
        for request, options in self.setup:
            reply = self.request(request, **options)
            if not reply.document["ok"]:
                self._end()
                raise StudentProcessError("the submission could not be loaded again after its process ended")

    def request(
        self,
        message: dict,
        *,
        timeout: float | None = None,
        progress_timeout: float | None = None,
        on_progress: Callable[[Any], None] | None = None,
        total: float | None = None,
    ) -> Reply:
        """Send one request and wait for its reply within the time limit.

        A process may send ``{"progress": ...}`` messages before its reply (a notebook's
        statements, one by one): each goes to ``on_progress`` and, with ``progress_timeout``,
        gives the process that long again, up to ``total`` seconds in all (``timeout`` by
        default), and never past the budget of the whole submission.
        """
        if time.monotonic() >= self.budget_end:
            raise StudentProcessError(f"the submission used up the {self.budget:g} s it may take in all")
        self._ensure_started()
        assert self.sock is not None
        limit = self.timeout if timeout is None else timeout
        hard_deadline = min(time.monotonic() + (total if total is not None else limit), self.budget_end)
        deadline = min(time.monotonic() + limit, hard_deadline)
        try:
            self.sock.settimeout(limit)
            wire.send(self.sock, wire.encode(message))
            while True:
                # A reply arriving in pieces must still arrive before the deadline.
                decoded = wire.decode(self._receive_before(deadline))
                document = decoded.value
                if type(document) is dict and "progress" in document:
                    if on_progress is not None:
                        on_progress(document["progress"])
                    if progress_timeout is not None:
                        deadline = min(time.monotonic() + progress_timeout, hard_deadline)
                    continue
                break
        except TimeoutError:
            self._end(grace=0)
            self.stopped = True
            if time.monotonic() >= self.budget_end:
                raise StudentProcessError(f"the submission used up the {self.budget:g} s it may take in all") from None
            if deadline >= hard_deadline and total is not None:
                raise StudentProcessError(f"it did not finish within {total:g} s in all") from None
            raise StudentProcessError(f"it did not finish within {limit:g} s (is there an endless loop?)") from None
        except (EOFError, ConnectionError, BrokenPipeError, OSError):
            status = self._end()
            raise StudentProcessError(self._death_message(status)) from None
        except wire.WireError as error:
            self._end(grace=0)
            raise StudentProcessError(f"the student process sent a reply the grader cannot read ({error})") from None
        if type(document) is not dict or type(document.get("ok")) is not bool:
            self._end(grace=0)
            raise StudentProcessError("the student process sent a reply the grader cannot read")
        return Reply(document, decoded)

    def _hello(self) -> dict:
        """The process's first message, sent before any student code ran: what confines it."""
        try:
            document = wire.decode(self._receive_before(time.monotonic() + HELLO_SECONDS)).value
            told = document["hello"] if type(document) is dict else None
            if type(told) is not dict or type(told.get("mode")) is not str:
                raise wire.WireError("no greeting")
        except (TimeoutError, EOFError, OSError, wire.WireError, KeyError):
            status = self._end(grace=0)
            raise StudentProcessError(f"the student process did not start ({describe_status(status)})") from None
        return {
            "mode": wire.clean_text(told["mode"], 40),
            "protections": [wire.clean_text(p, 200) for p in told.get("protections") or [] if isinstance(p, str)],
            "missing": [wire.clean_text(p, 200) for p in told.get("missing") or [] if isinstance(p, str)],
        }

    def _receive_before(self, deadline: float) -> bytes:
        assert self.sock is not None
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
        return wire.receive(self.sock, deadline)

    def _death_message(self, status: int | None) -> str:
        message = describe_status(status)
        if status is not None and os.WIFEXITED(status):
            message = f"it ended the process (os._exit or a crash): {message}"
        tail = self.output_tail()
        if tail:
            message += f"; its last output: {tail}"
        return message

    def output_tail(self, limit: int = 160) -> str:
        """The last line the student process printed (to stdout or stderr)."""
        try:
            self.output.seek(0, os.SEEK_END)
            size = self.output.tell()
            self.output.seek(max(0, size - 4096))
            lines = [line for line in self.output.read().decode("utf-8", "replace").splitlines() if line.strip()]
        except OSError:
            return ""
        return wire.clean_text(lines[-1].strip(), limit) if lines else ""

    def _end(self, *, grace: float = 0.5) -> int | None:
        """Make sure the process is gone (killed after ``grace`` seconds) and return its status."""
        if self.pid is None:
            return None
        pid, self.pid = self.pid, None
        if self.sock is not None:
            self.sock.close()
            self.sock = None
        return self.zygote.reap(pid, grace=grace)

    def close(self) -> None:
        """Stop the process (politely, then for sure) and release its resources."""
        if self.pid is not None and self.sock is not None:
            try:
                self.sock.settimeout(0.5)
                wire.send(self.sock, wire.encode({"op": "stop"}))
            except OSError:
                pass
        self._end(grace=0.2)
        self.output.close()

    def __enter__(self) -> StudentProcess:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()
