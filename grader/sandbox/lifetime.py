"""A student process's lifetime: it dies with its parent, and its end is told in words."""

from __future__ import annotations

import ctypes
import os
import signal
import time

_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Ask Linux to kill this process when the process that forked it dies."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def describe_status(status: int | None) -> str:
    """Say in words how a student process ended."""
    if status is None:
        return "the process ended"
    if os.WIFEXITED(status):
        return f"the process exited with status {os.WEXITSTATUS(status)}"
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = f"signal {number}"
        if number == signal.SIGSEGV:
            return "the process crashed (segmentation fault)"
        return f"the process was stopped by {name}"
    return "the process ended"


def reap_child(pid: int, grace: float) -> int | None:
    """Wait up to ``grace`` seconds for a child to end, then kill it and its group; its status."""
    deadline = time.monotonic() + grace
    while True:
        try:
            done, status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            return None
        if done:
            return status
        if time.monotonic() >= deadline:
            break
        time.sleep(0.005)
    for kill in (os.killpg, os.kill):  # its process group first: what it started dies too
        try:
            kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    try:
        return os.waitpid(pid, 0)[1]
    except ChildProcessError:
        return None
