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
    from grader.batch.class_report import write_class_report
    from grader.batch.exports import write_exports
    from grader.batch.merge import MergeError, merge_parts
    from grader.batch.model import NO_SUBMISSION
    from grader.batch.roster import RosterError, read_roster
    from grader.batch.similarity import similar_pairs
    from grader.report import terminal_text

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

    result = merged.result
    written = write_exports(result, out)
    pairs = similar_pairs(result)
    html = html_path or out / "report.html"
    write_class_report(result, pairs, html)
    written.append(html)

    submitted = [s for s in result.students if s.submitted]
    errors = [s for s in submitted if s.result.error]
    missing = [s for s in result.students if not s.submitted]
    click.echo(
        f"Merged {merged.count} shards: {len(result.students)} students: {len(submitted) - len(errors)} graded, "
        f"{len(errors)} with errors, {len(missing)} {NO_SUBMISSION}."
    )
    if result.not_in_roster:
        names = ", ".join(terminal_text(name, 60) for name in result.not_in_roster[:10])
        more = f" and {len(result.not_in_roster) - 10} more" if len(result.not_in_roster) > 10 else ""
        click.echo(f"Not in the roster (graded, listed last): {names}{more}.")
    if pairs:
        click.echo(f"{len(pairs)} pairs of similar submissions: see the class report.")
    shown = ", ".join(
        sorted({terminal_text(str(p.relative_to(out) if out in p.parents else p)).split("/")[0] for p in written})
    )
    click.echo(f"Written to {terminal_text(str(out))}/: {shown}")
