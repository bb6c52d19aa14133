"""What ``grade batch`` writes about its shard: ``OUT/batch.json`` on every run (an unsharded
run is shard 1/1, and can be merged too), and for a shard a summary in place of the exports."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from grader.batch.entries import Entry
from grader.batch.manifest import manifest_record, write_manifest
from grader.batch.model import Student
from grader.batch.shards import Shard


def write_shard_manifest(
    outcome: dict[str, Any],
    folder: Path,
    out: Path,
    entries: list[Entry],
    part: list[Entry],
    shard: Shard,
    roster: list[Student] | None,
) -> None:
    result = outcome["result"]
    record = manifest_record(
        folder=folder,
        entries=entries,
        shard=shard,
        graded=part,
        exercises=result.exercises,
        fingerprints=outcome["fingerprints"],
        settings=outcome["settings"],
        stubs=result.stubs,
        roster=roster,
        sandbox=result.sandbox,
    )
    write_manifest(out, record)
    if shard.whole:
        return
    from grader.report import terminal_text

    names = {entry.name for entry in part}
    graded = [s for s in result.students if s.entry in names]
    errors = sum(1 for s in graded if s.result.error)
    decided = outcome["plan"]
    source = "" if shard.source == "--shard" else f" (from {shard.source})"
    click.echo(
        f"Shard {shard}{source}: {len(part)} of the class's {len(entries)} entries, {errors} with errors; "
        f"graded {len(decided.grade)} now, {len(decided.reuse)} kept from an earlier run."
    )
    click.echo(
        f"Stored in {terminal_text(str(out))}/: batch.json, results. When all {shard.count} shards are done: "
        f"grade merge PART_DIR... --out DIR"
    )
