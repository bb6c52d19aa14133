"""The ``grade gradescope-bundle OUT.zip`` command: a Gradescope autograder for the packs in use."""

from __future__ import annotations

from pathlib import Path

import click

from grader.cli_common import exercise_option, memory_limit_option, plugin_option, timeout_option, with_group_plugins


@click.command("gradescope-bundle")
@click.argument("out", type=click.Path(dir_okay=False, writable=True, path_type=Path), metavar="OUT.zip")
@exercise_option(
    "The assignment grades this exercise, and counts it even where a submission lacks it (repeatable). "
    "Default: whatever a submission defines, of every loaded pack."
)
@timeout_option
@memory_limit_option("Memory a student process may allocate beyond what torch itself uses.")
@plugin_option
def gradescope_bundle(
    out: Path, only: tuple[str, ...], timeout: float, memory_limit: int, plugins: tuple[str, ...]
) -> None:
    """Write OUT.zip, a Gradescope autograder: setup.sh, run_autograder, the grader's source
    and the source of every pack in use. Upload it as the assignment's autograder."""
    from grader.hosting.gradescope_bundle import BundleError, Settings, build_bundle

    try:
        names = build_bundle(out, with_group_plugins(plugins), Settings(only, timeout, memory_limit))
    except BundleError as error:
        raise click.ClickException(str(error)) from None
    packs = sorted({name.split("/")[1] for name in names if name.startswith("packs/")})
    click.echo(f"wrote {out}: {len(names)} files" + (f", packs: {', '.join(packs)}" if packs else ""))
