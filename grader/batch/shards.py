"""Shards of a class: ``grade batch --shard K/N`` grades the K-th of N parts, so that a job array
(Slurm, a Kubernetes Indexed Job, a CI matrix) grades a class in N tasks that ``grade merge``
puts back together.

Shards are numbered from 1 (``--shard 1/4`` … ``--shard 4/4``, as people count parts).
Entry ``i`` (0-based) of the class folder's entries, sorted by name as :func:`list_entries`
gives them on every machine, belongs to shard ``i mod N + 1``: round robin rather than
contiguous blocks, because names cluster (one student's ``alice_v1``, ``alice_v2``, a section's
prefix, folders that are whole projects next to single files), and dealing the sorted list out
like cards spreads such a cluster over every shard, so the tasks take about as long as each
other. Either way each shard holds ``len // N`` or one more entry.

Without ``--shard``, the shard is read from the job engine's environment:

* Kubernetes Indexed Job: ``JOB_COMPLETION_INDEX`` (0-based, set by Kubernetes) and
  ``JOB_COMPLETIONS`` (the job's ``spec.completions``, which Kubernetes does not export: the
  manifest sets it, see ``deploy/kubernetes/indexed-job.yaml``);
* Slurm job array: ``SLURM_ARRAY_TASK_ID`` with ``SLURM_ARRAY_TASK_COUNT`` and
  ``SLURM_ARRAY_TASK_MIN`` (an array may start at 0, 1 or anywhere; with
  ``SLURM_ARRAY_TASK_STEP`` for ``--array=1-7:2``).

An explicit ``--shard`` wins over the environment; ``--shard 1/1`` grades the whole class even
inside an array task.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")

KUBERNETES_INDEX = "JOB_COMPLETION_INDEX"
KUBERNETES_COUNT = "JOB_COMPLETIONS"
SLURM_ID = "SLURM_ARRAY_TASK_ID"
SLURM_COUNT = "SLURM_ARRAY_TASK_COUNT"
SLURM_MIN = "SLURM_ARRAY_TASK_MIN"
SLURM_MAX = "SLURM_ARRAY_TASK_MAX"
SLURM_STEP = "SLURM_ARRAY_TASK_STEP"

_SHARD = re.compile(r"\s*(\d+)\s*/\s*(\d+)\s*")


class ShardError(ValueError):
    """A shard that cannot be used; the message is one line for the instructor."""


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` of ``count`` (``index`` from 1 to ``count``); ``source`` says where it
    came from (``--shard``, or the environment variables read)."""

    index: int
    count: int
    source: str = "--shard"

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    @property
    def whole(self) -> bool:
        return self.count == 1


WHOLE = Shard(1, 1, "unsharded")


def _checked(index: int, count: int, source: str) -> Shard:
    if count < 1:
        raise ShardError(f"{source}: the number of shards must be at least 1, not {count}.")
    if not 1 <= index <= count:
        raise ShardError(f"{source}: shard {index} of {count} is out of range; shards are numbered from 1 to {count}.")
    return Shard(index, count, source)


def parse_shard(text: str) -> Shard:
    """``K/N`` (K from 1 to N) as a :class:`Shard`. Raises :class:`ShardError`."""
    match = _SHARD.fullmatch(text)
    if match is None:
        raise ShardError(f"--shard {text!r}: expected K/N, such as 1/4 (shard K of N, K from 1 to N).")
    return _checked(int(match.group(1)), int(match.group(2)), f"--shard {text}")


def _integer(environ: Mapping[str, str], name: str) -> int:
    value = environ.get(name, "").strip()
    if not re.fullmatch(r"\d+", value):
        shown = f"{value!r}" if value else "not set"
        raise ShardError(f"{name} is {shown}; it must be a whole number (or pass --shard K/N).")
    return int(value)


def _kubernetes(environ: Mapping[str, str]) -> Shard:
    index = _integer(environ, KUBERNETES_INDEX)
    if not environ.get(KUBERNETES_COUNT, "").strip():
        raise ShardError(
            f"{KUBERNETES_INDEX} is set but {KUBERNETES_COUNT} is not: set it in the Job's manifest to its "
            f"spec.completions (Kubernetes does not export it), or pass --shard K/N."
        )
    count = _integer(environ, KUBERNETES_COUNT)
    return _checked(index + 1, count, f"{KUBERNETES_INDEX}={index}, {KUBERNETES_COUNT}={count}")


def _slurm(environ: Mapping[str, str]) -> Shard:
    task = _integer(environ, SLURM_ID)
    count = _integer(environ, SLURM_COUNT)
    low = _integer(environ, SLURM_MIN)
    step = _integer(environ, SLURM_STEP) if environ.get(SLURM_STEP, "").strip() else 1
    source = f"{SLURM_ID}={task}, {SLURM_COUNT}={count}, {SLURM_MIN}={low}"
    if step != 1:
        source += f", {SLURM_STEP}={step}"
    if step < 1 or task < low or (task - low) % step:
        raise ShardError(f"{source}: this task's place in the array is unclear; pass --shard K/N.")
    if environ.get(SLURM_MAX, "").strip():
        high = _integer(environ, SLURM_MAX)
        if (high - low) // step + 1 != count:
            # --array=1,2,9 or 0-15:4,20: ids that no start and step can number from 1 to N.
            raise ShardError(
                f"{source}, {SLURM_MAX}={high}: the array's ids are not one range; submit it as "
                f"--array=1-{count} (or 0-{count - 1}), or pass --shard K/N."
            )
    return _checked((task - low) // step + 1, count, source)


def shard_from_environment(environ: Mapping[str, str]) -> Shard | None:
    """The shard a Kubernetes Indexed Job or Slurm array task is, or None outside either.
    Raises :class:`ShardError` for variables that are set but unusable."""
    if environ.get(KUBERNETES_INDEX, "").strip():
        return _kubernetes(environ)
    if environ.get(SLURM_ID, "").strip():
        return _slurm(environ)
    return None


def resolve_shard(option: str | None, environ: Mapping[str, str]) -> Shard:
    """``--shard`` if given, else the environment's shard, else the whole class."""
    if option is not None:
        return parse_shard(option)
    return shard_from_environment(environ) or WHOLE


def shard_position(position: int, count: int) -> int:
    """The shard (from 1) of the entry at ``position`` (from 0) of the sorted entries."""
    return position % count + 1


def select(items: Sequence[T], shard: Shard) -> list[T]:
    """The items of ``shard``: every ``count``-th, starting at ``index - 1`` (round robin)."""
    return list(items[shard.index - 1 :: shard.count])
