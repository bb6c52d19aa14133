"""The ``grade release OUT/`` command: write a student edition (see :mod:`grader.release`)."""

from __future__ import annotations

from pathlib import Path

import click

from grader.cli_common import NothingGraded, plugin_option, with_group_plugins


@click.command("release")
@click.argument("out", metavar="OUT", type=click.Path(file_okay=False, path_type=Path))
@plugin_option
@click.option(
    "--describe-hidden",
    is_flag=True,
    help="Say in the edition what each left-out check covers (its description; never its name or inputs).",
)
def release(out: Path, plugins: tuple[str, ...], describe_hidden: bool) -> None:
    """Write a student edition to OUT (a new folder): the stubs and lesson notebook in
    OUT/exercises/, and a package (`pip install OUT/`) with the public checks of the packs
    named with --plugin (or of every installed pack), their expected values recorded from the
    reference as data. It holds no reference solution, hidden check or hidden input."""
    from grader.release.build import release as write_edition
    from grader.release.record import ReleaseError
    from grader.sandbox.zygote import Zygote

    zygote = Zygote.start()
    try:
        edition = write_edition(out, with_group_plugins(plugins), zygote, describe_hidden=describe_hidden)
    except ReleaseError as error:
        raise NothingGraded(f"cannot release: {error}") from None
    except OSError as error:
        raise NothingGraded(f"{error.filename or out}: cannot write ({error.strerror or error}).") from None
    finally:
        zygote.close()
    for warning in edition.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(
        f"wrote {edition.out}/: {', '.join(edition.packs)}; {edition.public} public checks with "
        f"{edition.recorded} recorded reference results; {edition.withheld} checks left for the final grading; "
        f"{edition.files} files, {edition.size / 1e6:.1f} MB.\n"
        f"Hand out {edition.out}/ (students run `pip install {edition.out}/` and `grade exercises/`)."
    )
