"""The ``grade`` command.

``grade PATH...`` grades submissions; ``grade list`` lists the exercises; ``grade selftest``
checks the checks; ``grade stubs OUT_DIR`` writes the student stubs. Exit status: 0 when every
graded exercise has full marks, 1 when points were lost, 2 when nothing could be graded.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from grader.cli_common import (
    EXIT_FULL_MARKS,
    EXIT_POINTS_LOST,
    PLUGIN_HELP,
    NothingGraded,
    chosen_exercises,
    colour,
    exercise_option,
    load_plugins,
    make_grader,
    memory_limit_option,
    plugin_option,
    timeout_option,
    verbose_option,
    with_group_plugins,
)
from grader.submission import Submission, SubmissionError

_GROUP_FLAGS = ("--help", "-h", "--version")  # group options without a value: they end the command line


class _DefaultToGrade(click.Group):
    """A group whose default command is ``run``: ``grade a.py`` means ``grade run a.py``.

    Group options (``--plugin X``, ``-p X``, ``--plugin=X``, ``-pX``) may come before the
    command, so the command name is looked for after them; ``run`` goes where it would be.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        index = _command_index(args)
        if index < len(args) and args[index] not in self.commands and args[index] not in _GROUP_FLAGS:
            args = [*args[:index], "run", *args[index:]]
        return super().parse_args(ctx, args)


def _command_index(args: list[str]) -> int:
    """Where the command name is (or would be) in ``args``: the first word after the group options."""
    index = 0
    while index < len(args):
        word = args[index]
        if word in ("--plugin", "-p"):
            index += 2
        elif word.startswith("--plugin=") or (word.startswith("-p") and not word.startswith("--")):
            index += 1
        else:
            break
    return index


@click.group(cls=_DefaultToGrade, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="soundlab-grader")
@click.option("--plugin", "-p", "plugins", multiple=True, metavar="PACK", help=PLUGIN_HELP)
def cli(plugins: tuple[str, ...]) -> None:
    """Grade soundlab exercises: `grade exercises/03_softmax.py`, `grade exercises/`,
    `grade homework.ipynb`, `grade list`. `grade PATH...` is short for `grade run PATH...`.
    `--plugin` may come before or after the command."""


def main() -> None:
    """The ``grade`` console script: run the CLI, then leave without the interpreter's teardown.

    Tearing down an interpreter that has loaded torch takes about half a second, a quarter of a
    whole grading run; everything the command owns (output, the warm parent, temporary files)
    is flushed or closed by then, so the process exits directly.
    """
    try:
        cli.main(prog_name="grade")
        code: object = 0
    except SystemExit as exit_:
        code = exit_.code
    sys.stdout.flush()
    sys.stderr.flush()
    if not isinstance(code, int):
        if code is not None:
            print(code, file=sys.stderr, flush=True)
        code = 0 if code is None else 1
    os._exit(code)


@cli.command("run")
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "classroom"]),
    default="text",
    show_default=True,
    help="text for people, json (on stdout) for autograding hosts, classroom for GitHub Classroom's reporter.",
)
@exercise_option(
    "Grade only this exercise, and grade it even where a submission lacks it (repeatable); see `grade list`."
)
@timeout_option
@memory_limit_option("Memory a student process may allocate beyond what torch itself uses.")
@verbose_option
@click.option(
    "--annotate",
    "annotate_path",
    type=click.Path(dir_okay=False, writable=True),
    metavar="OUT.ipynb",
    help="With one notebook PATH: write a copy with a feedback cell after each graded function.",
)
@plugin_option
def run(
    paths: tuple[str, ...],
    output_format: str,
    only: tuple[str, ...],
    timeout: float,
    memory_limit: int,
    verbose: bool,
    annotate_path: str | None,
    plugins: tuple[str, ...],
) -> None:
    """Grade each PATH (a .py file, a notebook, or a directory of them) as one submission."""
    from grader.report import terminal_text
    from grader.submission import check_path

    # What can be told from names alone, before anything is started or read.
    refused: dict[int, str] = {}
    for index, path in enumerate(paths):
        try:
            check_path(path)
        except SubmissionError as error:
            if len(paths) == 1:
                raise NothingGraded(terminal_text(str(error))) from None
            refused[index] = str(error)  # in a class, one bad path is that submission's error
    if annotate_path and (len(paths) != 1 or not paths[0].endswith(".ipynb")):
        raise NothingGraded("--annotate needs exactly one notebook (.ipynb) to grade.")

    # Fork the warm parent before any submission is read, and before any exercise, reference
    # or expected value is loaded: every student process is forked from it, so it must hold
    # nothing of any submission (a student process holds only what is sent to it: its own).
    from grader.sandbox.zygote import Zygote

    zygote = Zygote.start()
    annotated: tuple[Submission, Any] | None = None
    try:
        pm, exercises, chosen = chosen_exercises(plugins, only)
        # Student processes see none of the run's submissions: their own reaches them as source.
        hidden = tuple(os.path.abspath(path) for path in paths)
        grader = make_grader(chosen, zygote, timeout, memory_limit, pm, required=bool(only), hidden_paths=hidden)
        from grader.grading import grade_path
        from grader.results import Report, SubmissionResult

        report = Report()
        for index, path in enumerate(paths):
            if index in refused:
                result, submission = SubmissionResult(path=path, error=refused[index]), None
            else:
                result, submission = grade_path(grader, path)
            report.submissions.append(result)
            report.sandbox = grader.confinement
            if annotate_path and submission is not None:
                annotated = (submission, result)
            del submission  # read just before its grading, dropped after
    finally:
        zygote.close()
    if annotated is not None and annotate_path:
        _write_annotated(paths[0], annotate_path, annotated[0], chosen, annotated[1])

    from grader.report import render_json, render_text

    if output_format == "json":
        click.echo(render_json(report))
    elif output_format == "classroom":
        from grader.hosting.classroom import classroom_result, render_classroom, write_github_output

        classroom = classroom_result(report)
        click.echo(render_classroom(classroom))
        problem = write_github_output(classroom)
        if problem:
            click.echo(f"warning: {problem}", err=True)
    elif report.graded_anything:
        click.echo(render_text(report, verbose=verbose), nl=False, color=colour())
        _final_grading_notes(report, chosen)
    if not report.graded_anything:
        reasons = [terminal_text(s.error, 2000) for s in report.submissions if s.error]
        raise NothingGraded(reasons[0] if len(reasons) == 1 else "nothing could be graded: " + " ".join(reasons))
    sys.exit(EXIT_FULL_MARKS if report.full_marks else EXIT_POINTS_LOST)


def _final_grading_notes(report: Any, exercises: list) -> None:
    """In a student edition: what the final grading adds to each graded exercise (``grade release``)."""
    from grader.exercise import final_grading_note

    graded = {e.name for s in report.submissions for e in s.exercises}
    for exercise in exercises:
        note = final_grading_note(exercise.withheld) if exercise.id in graded else ""
        if note:
            click.echo(f"{exercise.id}: {note}")


def _write_annotated(source: str, out: str, submission: Submission, exercises: list, result: object) -> None:
    from pathlib import Path

    import nbformat

    from grader.notebook import NotebookError, annotate, read_notebook

    try:
        notebook = read_notebook(Path(source), source)
        annotated = annotate(notebook, submission.files[0].cells or [], exercises, result)
    except NotebookError as error:
        raise NothingGraded(f"{out}: cannot write the annotated notebook ({error}).") from None
    except (RecursionError, MemoryError, ValueError) as error:
        raise NothingGraded(
            f"{out}: cannot write the annotated notebook ({type(error).__name__}: {str(error)[:160]})."
        ) from None
    try:
        nbformat.write(annotated, out)
    except OSError as error:
        raise NothingGraded(f"{out}: cannot write the annotated notebook ({error.strerror or error}).") from None


@cli.command("list")
@plugin_option
def list_exercises(plugins: tuple[str, ...]) -> None:
    """List the exercises: id, stub file, points and the functions each asks for."""
    for exercise in load_plugins(plugins)[1].values():
        functions = ", ".join(exercise.function_names)
        click.echo(f"{exercise.id:<10} {exercise.filename:<16} {exercise.max_score:g} pts  {functions}")


@cli.command("selftest")
@click.option("--exercise", "-e", "only", multiple=True, metavar="ID", help="Test only this exercise (repeatable).")
@plugin_option
def selftest(only: tuple[str, ...], plugins: tuple[str, ...]) -> None:
    """Check the checks: references get full marks, every known-wrong solution loses points
    and receives the hint meant for it. Exits 1 if any expectation fails."""
    from grader.sandbox.zygote import Zygote

    zygote = Zygote.start()
    try:
        pm, exercises, chosen = chosen_exercises(plugins, only)
        if any(e.recorded is not None for e in chosen):
            raise NothingGraded(
                "grade selftest needs the reference solutions and the catalogues of known-wrong solutions, "
                "which a student edition does not hold: run it in the instructor's copy of the grader."
            )
        from grader.grading import Grader
        from grader.selftest import run_selftest

        grader = Grader(chosen, zygote, policy=pm.policy)
        failures = 0
        click.echo(f"{'exercise':<10} {'solution':<26} {'lost':>4}  ok    hint given")
        for row in run_selftest(grader, chosen, list(exercises.values())):
            failures += not row.ok
            mark = click.style("ok  ", fg="green") if row.ok else click.style("FAIL", fg="red", bold=True)
            hint = row.hint if len(row.hint) <= 30 else row.hint[:29] + "…"
            click.echo(
                f"{row.exercise:<10} {row.solution[:26]:<26} {row.points_lost:>4g}  {mark}  {hint}", color=colour()
            )
            if row.problem:
                click.echo(f"{'':<10} {click.style(row.problem, fg='red')}", color=colour())
    finally:
        zygote.close()
    click.echo(
        f"{failures} expectation{'s' if failures != 1 else ''} failed." if failures else "Every expectation holds."
    )
    sys.exit(1 if failures else 0)


class StubsOutOfDate(click.ClickException):
    """``grade stubs --check`` found files to rewrite: exit status 1."""

    exit_code = EXIT_POINTS_LOST


@cli.command("stubs")
@click.argument("out_dir", metavar="OUT_DIR", type=click.Path(file_okay=False))
@plugin_option
@click.option(
    "--check",
    "check_only",
    is_flag=True,
    help="Write nothing: list the files that are missing or out of date, and exit 1 if there are any.",
)
def stubs(out_dir: str, plugins: tuple[str, ...], check_only: bool) -> None:
    """Write into OUT_DIR (created if missing) the student stub of every exercise, and the
    lesson notebook (lesson.ipynb): of the packs named with --plugin, or else of every
    installed pack. Files that differ are overwritten."""
    import shlex
    from pathlib import Path

    from grader.stubs import write_stubs

    registry = load_plugins(plugins)[0]
    named = with_group_plugins(plugins)
    packs = registry.named if named else registry.packs
    exercises = [exercise for pack in packs for exercise in pack.exercises]
    if not exercises:
        raise NothingGraded("no exercises to write stubs for: no pack is loaded.")
    command = " ".join(
        ["grade", *(f"-p {shlex.quote(name)}" for name in named), shlex.quote(out_dir.rstrip("/") + "/")]
    )
    directory = Path(out_dir)
    try:
        if not check_only:
            directory.mkdir(parents=True, exist_ok=True)
        changed = write_stubs(exercises, directory, check_only=check_only, command=command)
    except OSError as error:
        where = error.filename or out_dir
        raise NothingGraded(f"{where}: cannot write ({error.strerror or error}).") from None
    for path in changed:
        click.echo(f"{'out of date' if check_only else 'wrote'}: {path}")
    if check_only and changed:
        raise StubsOutOfDate(
            f"{len(changed)} file{'s' if len(changed) != 1 else ''} out of date in {out_dir}; "
            f"run without --check to rewrite {'them' if len(changed) != 1 else 'it'}."
        )
    if not changed:
        click.echo(f"{out_dir}: up to date.")


@cli.command("doctor")
@memory_limit_option("The memory limit to try, as `grade --memory-limit` would set it.")
@plugin_option
def doctor(memory_limit: int, plugins: tuple[str, ...]) -> None:
    """Say which protections confine a submission on this host, and why any others do not.
    It starts one student process exactly as grading does."""
    from grader.doctor import examine, host_facts
    from grader.sandbox.zygote import SandboxConfigError, Zygote

    zygote = Zygote.start()
    try:
        registry = load_plugins(plugins)[0]
        told = examine(zygote, registry.policy, memory_limit * 1024 * 1024)
    except SandboxConfigError as error:
        raise NothingGraded(f"the sandbox could not be set up: {error}") from None
    finally:
        zygote.close()
    for fact in host_facts():
        click.echo(fact)
    click.echo(f"mode: {told.get('mode')}")
    for protection in told.get("protections", []):
        click.echo(click.style("  in force  ", fg="green") + protection, color=colour())
    for missing in told.get("missing", []):
        click.echo(click.style("  missing   ", fg="yellow") + missing, color=colour())


@cli.command("new-pack")
@click.argument("name")
@click.option(
    "--into",
    "parent",
    type=click.Path(file_okay=False),
    default=".",
    show_default=True,
    help="Folder in which to create the pack's folder NAME/.",
)
def new_pack(name: str, parent: str) -> None:
    """Write a working minimal exercise pack to NAME/: a spec, its reference, two checks (one
    with a hint), a catalogued mistake and a test. Its `grade selftest` passes as written."""
    from pathlib import Path

    from grader.new_pack import NewPackError, write_pack

    try:
        written = write_pack(name, Path(parent))
    except NewPackError as error:
        raise NothingGraded(str(error)) from None
    except OSError as error:
        raise NothingGraded(f"cannot write the pack: {error.strerror or error}.") from None
    for path in written:
        click.echo(f"wrote {path}")
    pack = Path(parent) / name / f"{name}.py"
    click.echo(
        f"\nCheck it:  grade -p {pack} selftest\nStubs:     grade stubs -p {pack} OUT/\nGuide:     docs/authoring.md"
    )


if __name__ == "__main__":
    main()


def _add_command_groups() -> None:
    # Commands with a module of their own; imported here, at the top, so none imports the CLI.
    from grader.batch.command import batch
    from grader.batch.merge_command import merge
    from grader.hosting.commands import gradescope_bundle
    from grader.release.command import release
    from grader.watch import watch

    cli.add_command(batch)
    cli.add_command(release)
    cli.add_command(merge)
    cli.add_command(gradescope_bundle)
    cli.add_command(watch)


_add_command_groups()
