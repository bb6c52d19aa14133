"""``check()`` inside a notebook: the public checks of one function, on the object just written.

    from grader import check
    check(softmax)                # or check("softmax", my_softmax)

The function runs in a process forked from the notebook's own kernel (so it needs no
pickling and a crash or an endless loop cannot hang the kernel); the checks and the
reference run in the kernel. Only checks marked public run here; the report says how many
more the final grading adds, never what they are.
"""

from __future__ import annotations

import html
import os
import random
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import torch

from grader.exercise import Exercise, final_grading_note
from grader.plugins import Registry, load_registry
from grader.results import ExerciseResult
from grader.sandbox.lifetime import reap_child
from grader.sandbox.policy import SandboxPolicy
from grader.sandbox.zygote import become_student

NOTEBOOK_MODULE = "notebook"


@lru_cache(maxsize=1)
def _registry(plugins: tuple[str, ...]) -> Registry:
    return load_registry(plugins)


class KernelFork:
    """Spawns student processes by forking the current process, which holds the function."""

    def __init__(self, functions: dict[str, Callable]) -> None:
        self.functions = functions
        self.policy = SandboxPolicy()

    def configure(self, policy: SandboxPolicy) -> None:
        self.policy = policy

    def spawn(self, output_fd: int, memory_bytes: int) -> tuple[int, socket.socket]:
        ours, theirs = socket.socketpair()
        pid = os.fork()
        if pid == 0:  # the student process
            ours.close()
            from grader.sandbox import lazy_dynamo, student_side

            lazy_dynamo.install()
            student_side.configure(self.policy)
            preset = {f"{NOTEBOOK_MODULE}:{name}": fn for name, fn in self.functions.items()}
            become_student(theirs.detach(), os.dup(output_fd), memory_bytes, preset, confined=False)
        theirs.close()
        return pid, ours

    def reap(self, pid: int, grace: float = 0.5) -> int | None:
        return reap_child(pid, grace)


@dataclass
class CheckReport:
    """The outcome of ``check()``: shown as HTML in Jupyter and as text elsewhere."""

    function: str
    result: ExerciseResult
    hidden: int
    # A student edition's account of the checks it leaves out (grader.release): points, and what they cover.
    withheld_note: str = ""

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.result.checks)

    def _footer(self) -> str:
        if self.withheld_note:
            return self.withheld_note
        if not self.hidden:
            return "These are all the checks of this function."
        return f"Final grading adds {self.hidden} more check{'s' if self.hidden != 1 else ''} of {self.function}."

    def __str__(self) -> str:
        import click

        from grader.report import render_exercise_text

        return click.unstyle(render_exercise_text(self.result)) + "  " + self._footer() + "\n"

    __repr__ = __str__

    def _repr_html_(self) -> str:
        score = f"{self.result.score:g}/{self.result.max_score:g}"
        rows = []
        for c in self.result.checks:
            mark = "&#10004;" if c.passed else "&#10008;"
            colour = "#1a7f37" if c.passed else "#cf222e"
            detail = html.escape(c.message)
            if c.hint:
                detail += f"<br><b>Hint:</b> {html.escape(c.hint)}"
            rows.append(
                f"<tr><td style='{_LEFT};color:{colour}'>{mark}</td><td style='{_LEFT}'>{html.escape(c.description)}</td>"
                f"<td style='{_LEFT}'>{c.score:g}/{c.max_score:g}</td><td style='{_LEFT}'>{detail}</td></tr>"
            )
        header = "".join(f"<th style='{_LEFT}'>{name}</th>" for name in ("", "check", "points", "details"))
        return (
            f"<div><b>check({html.escape(self.function)})</b>: {score} on the public checks"
            f"<table><thead><tr>{header}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
            f"<i>{html.escape(self._footer())}</i></div>"
        )

    def show(self) -> None:
        """Print the report as text (what ``check()`` does by itself in a script)."""
        print(self, flush=True)


# Jupyter's stylesheet right-aligns table cells: every cell of check()'s table is left-aligned.
_LEFT = "text-align:left"


def _shown_as_value() -> bool:
    """Whether the caller's session shows a returned value by itself: IPython or Jupyter (which
    display the last expression of a cell), or Python's interactive prompt."""
    import sys

    if hasattr(sys, "ps1") or sys.flags.interactive:
        return True
    ipython = sys.modules.get("IPython")
    get_ipython = getattr(ipython, "get_ipython", None)
    try:
        return get_ipython is not None and get_ipython() is not None
    except Exception:  # noqa: BLE001 - a broken IPython is no display
        return False


def _run_public_checks(
    name: str, target: Callable, exercise: Exercise, registry: Registry, timeout: float
) -> ExerciseResult:
    from grader.grading import Grader, LoadedSubmission
    from grader.sandbox.student_process import StudentProcess
    from grader.sandbox.student_side import parameters_of
    from grader.solution import FunctionInfo, StudentSolution

    spawner = KernelFork({name: target})
    grader = Grader([exercise], spawner, policy=registry.policy, timeout=timeout)
    info = FunctionInfo(name, "<notebook>", parameters_of(target), NOTEBOOK_MODULE)
    with StudentProcess(spawner, timeout=timeout, memory_bytes=grader.memory_bytes) as process:
        student = StudentSolution([exercise], process, {name: info})
        return grader.grade_exercise(
            exercise, student, LoadedSubmission(functions={name: info}), public_only=True, function=name
        )


def check(
    function: Callable | str,
    implementation: Callable | None = None,
    *,
    timeout: float = 5.0,
    plugins: Sequence[str] = (),
) -> CheckReport:
    """Run the public checks of the exercise function ``function`` on the object given.

    ``check(softmax)`` finds the exercise by the function's name; ``check("softmax", fn)``
    checks ``fn`` under that name. ``plugins`` loads packs that are not installed, as
    ``grade --plugin`` does (a module name or a path to the pack's file).
    """
    name = function if isinstance(function, str) else getattr(function, "__name__", "")
    target = implementation if implementation is not None else function
    if not callable(target):
        raise TypeError(f"check() needs the function itself (or a name and the function), not {target!r}")
    registry = _registry(tuple(plugins))
    owner = next((e for e in registry.exercises.values() if name in e.function_names), None)
    if owner is None:
        from grader.grading import closest_name

        names = [n for e in registry.exercises.values() for n in e.function_names]
        meant = closest_name(name, names)
        guess = f"did you mean `{meant}`? " if meant else ""
        raise ValueError(
            f"no exercise asks for a function named {name!r}; {guess}the exercise functions are: {', '.join(names)}"
        )
    mine = [c for c in owner.checks if c.function == name]
    public = [c for c in mine if c.public]
    threads = torch.get_num_threads()
    python_state = random.getstate()
    # The reference seeds the global generators in this (the student's) process: restore them.
    try:
        with torch.random.fork_rng(devices=[]):
            result = _run_public_checks(name, target, owner, registry, timeout)
    finally:
        torch.set_num_threads(threads)
        random.setstate(python_state)
    withheld = [w for w in owner.withheld if w.function == name]
    report = CheckReport(
        name, result, hidden=len(mine) - len(public) + len(withheld), withheld_note=final_grading_note(withheld)
    )
    if not _shown_as_value():
        report.show()  # in a script nothing would show the returned report: print it
    return report
