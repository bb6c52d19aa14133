"""``grade merge``: the parts of a sharded class (each a ``grade batch --shard K/N`` output
folder) put back together into the class an unsharded run would have graded.

Each part's ``batch.json`` (:mod:`grader.batch.manifest`) names the whole class, its shard and
the entries it graded. The parts must be one class (the same entries and contents), graded on
the same exercises (the same fingerprints and settings), and together exactly the shards 1 to
N. Their stored results are copied into ``OUT/results/``, so the merged folder is what an
unsharded run leaves (a later ``grade batch --out OUT`` resumes from it), and the class is put
together by the same :func:`~grader.batch.runner.class_result` as ``grade batch`` does.

The roster belongs to the class, not to a shard: ``grade merge --roster`` uses that roster;
without it, the roster the parts were graded with (each part carries it in its manifest, and
all must carry the same). A roster student with no entry is added once, by the merge, whichever
shard their entry would have belonged to.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.batch.manifest import Manifest, ManifestError, manifest_record, read_manifest, write_manifest
from grader.batch.model import ClassResult, Student
from grader.batch.runner import class_result
from grader.batch.shards import WHOLE, Shard, select
from grader.batch.store import ResultStore


class MergeError(Exception):
    """The parts cannot be merged; the message is one line for the instructor."""


@dataclass
class Merged:
    """The merged class, and what it was merged from."""

    result: ClassResult
    parts: list[Manifest]
    count: int


def _ordinal_list(numbers: list[int]) -> str:
    return ", ".join(str(n) for n in numbers) or "none"


def _first_difference(a: list[str], b: list[str]) -> str:
    only = sorted(set(a) ^ set(b))
    return only[0] if only else next((x for x, y in zip(a, b) if x != y), "their contents")


def check_parts(manifests: list[Manifest]) -> int:
    """Refuse parts that are not the shards 1..N of one class graded one way; return N."""
    first = manifests[0]
    for other in manifests[1:]:
        if other.class_digest != first.class_digest:
            a, b = first.record["class"]["entries"], other.record["class"]["entries"]
            names_a = [f"{e['name']}" for e in a]
            names_b = [f"{e['name']}" for e in b]
            if names_a == names_b:
                changed = next(x["name"] for x, y in zip(a, b) if x != y)
                why = f"{changed} has other contents"
            else:
                why = f"{_first_difference(names_a, names_b)} is in one and not the other"
            raise MergeError(f"{other.path.parent} and {first.path.parent} are from different classes ({why}).")
        if other.grading != first.grading:
            ga, gb = first.grading, other.grading
            if ga["exercises"] != gb["exercises"]:
                why = f"exercises {', '.join(gb['exercises'])} against {', '.join(ga['exercises'])}"
            elif ga["settings"] != gb["settings"]:
                why = "other --timeout, --memory-limit, --time-limit or --exercise settings"
            else:
                changed = sorted(i for i in ga["fingerprints"] if ga["fingerprints"][i] != gb["fingerprints"].get(i))
                why = f"another version of exercise {changed[0] if changed else '?'}"
            raise MergeError(f"{other.path.parent} was graded differently from {first.path.parent}: {why}.")
        if other.shard.count != first.shard.count:
            raise MergeError(
                f"{other.path.parent} is shard {other.shard} but {first.path.parent} is shard {first.shard}: "
                f"parts of different splits."
            )
    count = first.shard.count
    seen: dict[int, Manifest] = {}
    for manifest in manifests:
        index = manifest.shard.index
        if index in seen:
            raise MergeError(
                f"shard {index}/{count} is given twice: {seen[index].path.parent} and {manifest.path.parent}."
            )
        seen[index] = manifest
    missing = [i for i in range(1, count + 1) if i not in seen]
    if missing:
        named = " and ".join(f"{i}/{count}" for i in missing[:5]) + (" and more" if len(missing) > 5 else "")
        shards = "shard" if len(missing) == 1 else "shards"
        raise MergeError(
            f"{shards} {named} {'is' if len(missing) == 1 else 'are'} missing (given: {_ordinal_list(sorted(seen))}); "
            f"run {'it' if len(missing) == 1 else 'them'} and merge again."
        )
    for manifest in manifests:
        expected = [e.name for e in select(manifest.entries(), manifest.shard)]
        if manifest.graded != expected:
            raise MergeError(
                f"{manifest.path.parent}: its graded entries are not shard {manifest.shard} of the class; "
                f"run the shard again."
            )
    return count


def _class_roster(manifests: list[Manifest], roster: list[Student] | None) -> list[Student] | None:
    if roster is not None:
        return roster
    digests = {m.roster_digest for m in manifests}
    if len(digests) > 1:
        raise MergeError("the parts were graded with different rosters (or some with none); pass --roster.")
    return manifests[0].roster()


def merge_parts(parts: list[Path], out: Path, roster: list[Student] | None = None) -> Merged:
    """Check the parts, copy their stored results into ``OUT/results/`` and put the class
    together; write ``OUT/batch.json`` for the merged class. Raises :class:`MergeError`."""
    if not parts:
        raise MergeError("no parts given: name the --out folders of the shards.")
    for part in parts:
        if part.resolve() == out.resolve():
            raise MergeError(f"--out {out} is one of the parts; merge into another folder.")
    try:
        manifests = [read_manifest(part) for part in parts]
    except ManifestError as error:
        raise MergeError(str(error)) from None
    count = check_parts(manifests)
    manifests.sort(key=lambda m: m.shard.index)

    store = ResultStore(out)
    store.remove_leftovers()
    digests = {e.name: e.digest for e in manifests[0].entries()}
    for manifest in manifests:
        part_store = ResultStore(manifest.path.parent)
        for name in manifest.graded:
            stored = part_store.load(name)
            if stored is None:
                raise MergeError(f"{manifest.path.parent}: no stored result for {name!r}; run the shard again.")
            if stored.digest != digests[name]:
                raise MergeError(
                    f"{manifest.path.parent}: the stored result for {name!r} is of other contents; run the shard again."
                )
            store.save(stored)

    first = manifests[0]
    entries = first.entries()
    students = _class_roster(manifests, roster)
    result = class_result(entries, store, first.exercises(), students, first.stubs)
    result.sandbox = next((dict(s.sandbox) for e in entries if (s := store.load(e.name)) and s.sandbox), {})
    record: dict[str, Any] = manifest_record(
        folder=first.folder,
        entries=entries,
        shard=Shard(WHOLE.index, WHOLE.count, f"merged from {count} shards"),
        graded=entries,
        exercises=result.exercises,
        fingerprints=first.record["fingerprints"],
        settings=first.record["settings"],
        stubs=first.stubs,
        roster=students,
        sandbox=result.sandbox,
    )
    write_manifest(out, record)
    return Merged(result, manifests, count)
