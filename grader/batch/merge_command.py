"""The ``grade merge PART_DIR... --out DIR`` command: the shards of a class, put back together."""

from __future__ import annotations

from pathlib import Path

import click

from grader.cli_common import NothingGraded, html_option


@click.command("merge")
@click.argument(
    "parts",
    nargs=-1,
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    metavar="PART_DIR...",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("grades"),
    show_default=True,
    help="Folder for the merged results and the exports.",
)
@click.option(
    "--roster",
    type=click.Path(dir_okay=False, path_type=Path),
    help="CSV with an id column (and name, email).  [default: the roster the parts were graded with]",
)
@html_option
def merge(parts: tuple[Path, ...], out: Path, roster: Path | None, html_path: Path | None) -> None:
    """Merge the output folders of `grade batch --shard K/N` (all N of them) into one gradebook,
    report.json, JUnit, Gradescope and Canvas files and class report: the same as grading the
    class in one run."""
    from grader.batch.merge import MergeError, merge_parts
    from grader.batch.roster import RosterError, read_roster

    students = None
    if roster is not None:
        try:
            students = read_roster(roster)
        except RosterError as error:
            raise NothingGraded(str(error)) from None
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise NothingGraded(f"{out}: cannot create the output folder ({error.strerror or error}).") from None
    try:
        merged = merge_parts(list(parts), out, students)
    except MergeError as error:
        raise NothingGraded(str(error)) from None

    from grader.batch.outputs import class_lines, closing_lines, write_outputs

    result = merged.result
    written, pairs = write_outputs(result, out, html_path)
    lines = class_lines(result)
    lines[0] = f"Merged {merged.count} shards: " + lines[0]
    click.echo("\n".join(lines + closing_lines(result, pairs, out, written)))
