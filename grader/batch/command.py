"""The ``grade batch DIR`` command: a whole class, with resume, roster, exports and a report."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

import click

from grader.cli_common import (
    NothingGraded,
    chosen_exercises,
    exercise_option,
    html_option,
    memory_limit_option,
    plugin_option,
    roster_option,
    timeout_option,
)
from grader.report import terminal_text


def _cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


@click.command("batch")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path), metavar="DIR")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("grades"),
    show_default=True,
    help="Folder for the stored results and the exports; a later run resumes from it.",
)
@roster_option
@html_option
@click.option(
    "--workers",
    "-j",
    type=click.IntRange(min=1),
    default=_cores(),
    show_default="the cores",
    help="Submissions graded at once.",
)
@click.option(
    "--time-limit",
    type=click.FloatRange(min=1),
    default=300.0,
    show_default=True,
    help="Seconds of student code one submission may take in all.",
)
@timeout_option
@memory_limit_option("Memory each student process may allocate beyond what torch itself uses.")
@exercise_option("Grade only this exercise, even where a submission lacks it (repeatable).")
@click.option("--force", is_flag=True, help="Regrade every submission, ignoring stored results.")
@click.option(
    "--shard",
    metavar="K/N",
    help="Grade only shard K of N (K from 1 to N) and store its results for `grade merge`.  "
    "[default: from JOB_COMPLETION_INDEX and JOB_COMPLETIONS (Kubernetes) or SLURM_ARRAY_TASK_ID, "
    "_COUNT and _MIN (Slurm), else the whole class]",
)
@plugin_option
def batch(
    folder: Path,
    out: Path,
    roster: Path | None,
    html_path: Path | None,
    workers: int,
    time_limit: float,
    timeout: float,
    memory_limit: int,
    only: tuple[str, ...],
    force: bool,
    shard: str | None,
    plugins: tuple[str, ...],
) -> None:
    """Grade every entry of DIR (a .py file, a notebook or a folder each) as one student's
    submission, named by its entry. Results are kept in OUT: a run that is stopped resumes
    where it was, and a fixed check regrades only its exercise."""
    from grader.batch.entries import list_entries
    from grader.batch.roster import RosterError, read_roster
    from grader.batch.shards import ShardError, resolve_shard, select

    try:
        part_of = resolve_shard(shard, os.environ)
    except ShardError as error:
        raise NothingGraded(str(error)) from None
    try:
        entries = list_entries(folder)
    except OSError as error:
        raise NothingGraded(f"{folder}: cannot read the class folder ({error.strerror or error}).") from None
    students = None
    if roster is not None:
        try:
            students = read_roster(roster)
        except RosterError as error:
            raise NothingGraded(str(error)) from None
    if not entries and not students:
        raise NothingGraded(f"{folder}: holds no submissions (.py files, notebooks or folders).")
    if out.resolve() == folder.resolve() or folder.resolve() in out.resolve().parents:
        raise NothingGraded(f"--out {out} lies inside the class folder; choose a folder outside it.")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise NothingGraded(f"{out}: cannot create the output folder ({error.strerror or error}).") from None

    # Warm parents first, before any exercise, reference or submission is loaded (see `grade run`).
    from grader.sandbox.zygote import Zygote

    part = select(entries, part_of)
    zygotes = [Zygote.start() for _ in range(max(1, min(workers, len(part))))]
    try:
        outcome = _run(
            folder, out, part, students, zygotes, workers, time_limit, timeout, memory_limit, only, force, plugins
        )
    finally:
        for zygote in zygotes:
            zygote.close()
    from grader.batch.shard_outputs import write_shard_manifest

    write_shard_manifest(outcome, folder, out, entries, part, part_of, students)
    if not part_of.whole:
        return  # a shard stores its results only; `grade merge` writes the class's exports
    _write_outputs(outcome, out, html_path)


def _run(
    folder: Path,
    out: Path,
    entries: list,
    students: list | None,
    zygotes: list,
    workers: int,
    time_limit: float,
    timeout: float,
    memory_limit: int,
    only: tuple[str, ...],
    force: bool,
    plugins: tuple[str, ...],
) -> dict[str, Any]:
    import dataclasses

    from grader.batch.runner import (
        Settings,
        class_result,
        exercise_infos,
        fingerprints_of,
        grade_class,
        plan,
        warm_reference,
    )
    from grader.batch.store import ResultStore
    from grader.batch.workers import WorkerPool
    from grader.grading import Grader
    from grader.reference_memo import ReferenceMemo
    from grader.sandbox.zygote import Zygote
    from grader.stubs import render_stub

    registry, _exercises, chosen = chosen_exercises(plugins, only)
    given = sorted({module.__name__ for pack in registry.packs for module in pack.gives})
    hidden = (str(folder.resolve()), str(out.resolve()))
    policy = dataclasses.replace(registry.policy, hidden_paths=registry.policy.hidden_paths + hidden)
    settings = Settings(timeout, memory_limit, time_limit, tuple(sorted(only)))
    fingerprints = fingerprints_of(chosen, given)
    store = ResultStore(out)
    store.remove_leftovers()
    decided = plan(entries, store, fingerprints, settings, force=force)

    started = time.perf_counter()
    seconds: dict[str, float] = {}
    sandbox: dict[str, Any] = {}
    if decided.grade:
        memo = ReferenceMemo()
        graders = [
            Grader(
                chosen,
                zygote,
                policy=policy,
                timeout=timeout,
                memory_mb=memory_limit,
                required=bool(only),
                submission_seconds=time_limit,
                memo=memo,
            )
            for zygote in zygotes
        ]
        if len(decided.grade) > len(graders):
            warm_reference(graders[0], chosen)

        def fresh_zygote(index: int) -> Zygote:
            zygote = Zygote.start_fresh()
            zygote.configure(policy)
            return zygote

        pool = WorkerPool(graders, chosen, hard_limit=time_limit * 1.25 + 60, restart_zygote=fresh_zygote)
        with _progress(len(decided.grade)) as advance:

            def on_done(entry: Any, stored: Any) -> None:
                seconds[entry.student_id] = stored.seconds
                sandbox.update(stored.sandbox)
                advance(entry.name)

            try:
                grade_class(decided, pool, store, fingerprints, settings, on_done)
            except KeyboardInterrupt:
                # Asked for, not an error: say what is kept and how to go on, and exit as a
                # program stopped by Ctrl-C does (128 + SIGINT).
                again = "Run the same command without --force" if force else "Run the same command"
                click.echo(
                    f"Stopped: {len(seconds)} submissions were graded and kept in {terminal_text(str(out))}. "
                    f"{again} to go on.",
                    err=True,
                )
                sys.exit(130)
    stubs = {e.id: render_stub(e) for e in chosen}
    result = class_result(entries, store, exercise_infos(chosen), students, stubs)
    if not sandbox:
        sandbox = next((dict(s.sandbox) for e in entries if (s := store.load(e.name)) and s.sandbox), {})
    result.sandbox = sandbox
    return {
        "result": result,
        "plan": decided,
        "seconds": seconds,
        "wall": time.perf_counter() - started,
        "workers": len(zygotes),
        "fingerprints": fingerprints,
        "settings": settings.key(),
    }


class _progress:
    """A progress bar on a terminal (rich), nothing when stderr is piped or redirected."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.bar: Any = None

    def __enter__(self):
        if sys.stderr.isatty() and self.total:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self.bar = Progress(
                TextColumn("grading"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                # An entry's name is the student's: shown as plain text (no rich markup such as
                # "[link=...]") with its control characters escaped (no terminal escape sequences).
                TextColumn("{task.description}", markup=False),
                console=Console(stderr=True),
                transient=True,
            )
            self.bar.start()
            task = self.bar.add_task("", total=self.total)
            from grader.report import terminal_text

            return lambda name: self.bar.update(task, advance=1, description=terminal_text(name, 40))
        return lambda name: None

    def __exit__(self, *exc: Any) -> None:
        if self.bar is not None:
            self.bar.stop()


def _write_outputs(outcome: dict[str, Any], out: Path, html_path: Path | None) -> None:
    from grader.batch.outputs import class_lines, closing_lines, write_outputs

    result = outcome["result"]
    written, pairs = write_outputs(result, out, html_path)
    lines = class_lines(result)
    lines.insert(1, _run_line(outcome))
    slowest = sorted(outcome["seconds"].items(), key=lambda item: -item[1])[:3]
    if slowest:
        lines.append("Slowest: " + ", ".join(f"{terminal_text(name, 60)} {sec:.1f} s" for name, sec in slowest) + ".")
    click.echo("\n".join(lines + closing_lines(result, pairs, out, written)))


def _run_line(outcome: dict[str, Any]) -> str:
    """What this run graded, and how fast."""
    decided = outcome["plan"]
    graded_now = len(decided.grade)
    if not graded_now:
        return f"Nothing to grade: all {len(decided.reuse)} results were kept from an earlier run."
    regrade = f" ({decided.partial} of them only for changed checks)" if decided.partial else ""
    per = outcome["wall"] / graded_now
    return (
        f"Graded {graded_now} now{regrade} in {outcome['wall']:.1f} s with {outcome['workers']} workers "
        f"({per:.2f} s per submission); {len(decided.reuse)} kept from an earlier run."
    )
