"""Running a notebook's statements in the student process: time limits and display stand-ins.

The grader chooses which statements of each cell run (see ``grader.notebook``); here they
run, each under its own time limit, with display-only modules replaced by stand-ins.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import types
from collections.abc import Iterator
from typing import Any

# Modules only used to show things; the student process uses stand-ins for them.
DISPLAY_MODULES = (
    "matplotlib",
    "matplotlib.pyplot",
    "IPython",
    "IPython.display",
    "seaborn",
    "librosa.display",
    "ipywidgets",
    "plotly",
    "plotly.express",
)
STATEMENT_SECONDS = 0.5


def stopped_statement(cell: str, line: int, text: str, seconds: float) -> str:
    """The warning for a notebook statement stopped at its time limit."""
    return f"{cell}, line {line}: `{text}` took longer than {seconds:g} s and was stopped."


class StatementTimeout(BaseException):
    """Raised into a notebook statement that ran too long (not an Exception: not caught by it)."""


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    def interrupt(signum: int, frame: Any) -> None:
        raise StatementTimeout

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class _StandIn(types.ModuleType):
    """A display-only module (or anything got from it) that accepts every use and shows nothing."""

    __path__: list = []

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return _StandIn(f"{self.__name__}.{name}")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return _StandIn(self.__name__ + "()")

    def __iter__(self) -> Iterator[Any]:
        return iter((_StandIn(self.__name__ + "[0]"), _StandIn(self.__name__ + "[1]")))

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        return None


def install_display_stand_ins() -> None:
    """Replace display-only modules by stand-ins (fast, and present whether installed or not)."""
    for name in DISPLAY_MODULES:
        stand_in = _StandIn(name)
        sys.modules[name] = stand_in
        parent, _, child = name.rpartition(".")
        if parent and isinstance(sys.modules.get(parent), _StandIn):
            setattr(sys.modules[parent], child, stand_in)
