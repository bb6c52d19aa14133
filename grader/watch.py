"""``grade watch PATH``: grade again on every save.

One warm parent is started once and every re-grade forks its student process from it, so a
re-grade takes about as long as the checks themselves (no torch import, no plugin loading).
Saves are debounced (an editor that writes a file in several steps is graded once), the screen
is cleared between reports on a terminal, and Ctrl-C stops watching with exit status 0.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from grader.cli_common import (
    NothingGraded,
    chosen_exercises,
    colour,
    exercise_option,
    make_grader,
    memory_limit_option,
    plugin_option,
    timeout_option,
    verbose_option,
)
from grader.submission import SUFFIXES, SubmissionError, check_path

if TYPE_CHECKING:
    from grader.grading import Grader


@click.command("watch")
@click.argument("path", metavar="PATH")
@exercise_option("Grade only this exercise, and grade it even where the submission lacks it (repeatable).")
@timeout_option
@memory_limit_option("Memory a student process may allocate beyond what torch itself uses.")
@verbose_option
@click.option(
    "--debounce",
    type=click.IntRange(min=10),
    default=300,
    show_default=True,
    metavar="MS",
    help="Wait until the files have been quiet this many milliseconds before grading again.",
)
@click.option(
    "--reports",
    "max_reports",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="Stop (exit 0) after N reports, the first included; by default, watch until Ctrl-C.",
)
@plugin_option
def watch(
    path: str,
    only: tuple[str, ...],
    timeout: float,
    memory_limit: int,
    verbose: bool,
    debounce: int,
    max_reports: int | None,
    plugins: tuple[str, ...],
) -> None:
    """Grade PATH (a .py file, a notebook or a directory), then again every time it is saved."""
    import watchfiles

    from grader.report import terminal_text
    from grader.sandbox.zygote import Zygote

    try:
        check_path(path)
    except SubmissionError as error:
        raise NothingGraded(terminal_text(str(error))) from None
    target = Path(path)
    is_directory = target.is_dir()
    watched = os.path.realpath(target if is_directory else target.parent)
    wanted = os.path.realpath(target)

    def relevant(_change: watchfiles.Change, changed: str) -> bool:
        real = os.path.realpath(changed)
        if is_directory:
            return os.path.dirname(real) == wanted and real.endswith(SUFFIXES)
        return real == wanted

    zygote = Zygote.start()  # before any submission is read, as `grade` does
    reports = 0
    try:
        pm, _exercises, chosen = chosen_exercises(plugins, only)
        grader = make_grader(
            chosen, zygote, timeout, memory_limit, pm, required=bool(only), hidden_paths=(os.path.abspath(path),)
        )
        # One watcher for the whole session: a save made while a report is being graded is
        # kept and graded next, never missed.
        saves = watchfiles.watch(watched, watch_filter=relevant, debounce=debounce, recursive=False)
        _grade_and_show(grader, path, verbose, clear=False)
        reports += 1
        while max_reports is None or reports < max_reports:
            if next(saves, None) is None:
                break
            _grade_and_show(grader, path, verbose, clear=True)
            reports += 1
    except KeyboardInterrupt:
        click.echo("\nStopped watching.")
    finally:
        zygote.close()
    sys.exit(0)


def _grade_and_show(grader: Grader, path: str, verbose: bool, *, clear: bool) -> None:
    """Grade ``path`` afresh (it is read again) and print its report, or why it could not be graded."""
    from grader.grading import grade_path
    from grader.report import render_text, terminal_text
    from grader.results import Report

    result, _submission = grade_path(grader, path)
    report = Report(submissions=[result], sandbox=grader.confinement)
    if clear and sys.stdout.isatty():
        click.clear()
    if report.graded_anything:
        click.echo(render_text(report, verbose=verbose), nl=False, color=colour())
    else:
        reason = terminal_text(result.error or f"{path}: nothing could be graded.", 2000)
        click.echo(click.style(f"Not graded: {reason}", fg="red"), color=colour())
    stamp = time.strftime("%H:%M:%S")
    click.echo(
        click.style(
            f"[{stamp}] Watching {terminal_text(path)}: saved changes are graded again; Ctrl-C stops.", dim=True
        ),
        color=colour(),
    )
