"""Exercise 07: shuffle a data set with one permutation and split it into train and test."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

import reference.split
from grader.compare import describe, expect_tensor, expect_tuple
from grader.exercise import CheckFailure, Exercise, check, exercise_function, mistakes_in


@exercise_function
def split_dataset(data: Tensor, labels: Tensor, train_ratio: float = 0.8) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Shuffle ``data`` and ``labels`` together and split them into a train and a test set.

    ``data`` has shape ``[N, ...]`` (N clips or spectrograms) and ``labels`` shape ``[N]``.
    Draw one random permutation of the N rows (``torch.randperm``) and apply that same
    permutation to ``data`` and to ``labels``, so that every label stays with its row. The
    first ``int(N * train_ratio)`` shuffled rows go to the train set, the rest to the test set.

    Return the tuple ``(train_data, test_data, train_labels, test_labels)``, in that order,
    with the dtypes of the inputs. Every row appears exactly once, in train or in test. Do not
    modify ``data`` or ``labels`` themselves. Draw the randomness from torch's (or Python's)
    global generator, so that ``torch.manual_seed`` makes the split reproducible; do not seed
    a generator of your own.
    """


# --------------------------------------------------------------------------- inputs and helpers

NAMES = ("train_data", "test_data", "train_labels", "test_labels")


def _dataset(n: int) -> tuple[Tensor, Tensor]:
    """``data`` [n, 3, 4] whose row i holds 100 · i + 0 … 11, and distinct int64 labels."""
    ids = torch.arange(n)
    data = (ids[:, None, None] * 100 + torch.arange(12).reshape(3, 4)).to(torch.float32)
    labels = (ids * 37 + 11) % 1009
    return data, labels


def _shown(n: int, ratio: float | None) -> str:
    ratio_text = "" if ratio is None else f", {ratio:g}"
    return f"split_dataset(<float32 data [{n}, 3, 4]>, <int64 labels [{n}]>{ratio_text})"


def _call(student, n: int, ratio: float | None, seed: int = 0) -> tuple[Any, tuple[Tensor, Tensor], str]:
    data, labels = _dataset(n)
    args = (data, labels) if ratio is None else (data, labels, ratio)
    return student.call("split_dataset", *args, seed=seed), (data, labels), _shown(n, ratio)


def _parts(value: Any, n: int, ratio: float | None, what: str) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """The four parts, each a tensor of the right shape and dtype, or a CheckFailure with a hint.

    ``ratio`` None means the check left train_ratio out, so the student's default (0.8) applies.
    """
    parts = expect_tuple(value, 4, what=what)
    omitted = ratio is None
    ratio = 0.8 if ratio is None else ratio
    k = int(n * ratio)
    tensors = all(isinstance(p, Tensor) for p in parts)
    if tensors and parts[1].dim() == 1 and parts[2].dim() == 3:
        raise CheckFailure(
            f"{what}: the second item should be test_data, but it is {describe(parts[1])}.",
            hint="Return (train_data, test_data, train_labels, test_labels), in that order.",
        )
    shapes = ([k, 3, 4], [n - k, 3, 4], [k], [n - k])
    dtypes = (torch.float32, torch.float32, torch.int64, torch.int64)
    for name, part, shape, dtype in zip(NAMES, parts, shapes, dtypes):
        try:
            expect_tensor(part, what=f"{name} from {what}", shape=shape, dtype=dtype)
        except CheckFailure as failure:
            hint = None
            got = part.shape[0] if isinstance(part, Tensor) and part.dim() >= 1 else None
            train = name.startswith("train")
            wrong_cuts = {round(n * ratio), math.ceil(n * ratio)} - {k}
            if got is not None and got in {c if train else n - c for c in wrong_cuts}:
                hint = (
                    f"The train set gets int(N · train_ratio) = int({n} · {ratio:g}) = {k} rows: int() rounds "
                    f"down, as in the lesson's int(len(dataset) * 0.8)."
                )
            elif got is not None and got == (n - k if train else k) and k != n - k:
                hint = "The train set is the first int(N · train_ratio) shuffled rows and the test set the rest; yours look swapped."
            elif got is not None and omitted and part.dim() == (3 if name.endswith("data") else 1):
                hint = "train_ratio defaults to 0.8: int(N · 0.8) rows go to train when it is left out."
            raise CheckFailure(failure.message, hint=hint) from None
    return parts  # type: ignore[return-value]


def _row_ids(rows: Tensor, data: Tensor, what: str) -> Tensor:
    """Which row of ``data`` each of ``rows`` is; a CheckFailure if one is not a row of data."""
    ids = (rows[:, 0, 0] / 100).round().to(torch.int64)
    valid = (ids >= 0) & (ids < data.shape[0])
    matches = torch.zeros(rows.shape[0], dtype=torch.bool)
    matches[valid] = (rows[valid] == data[ids[valid]]).flatten(1).all(dim=1)
    if not bool(matches.all()):
        bad = int((~matches).nonzero()[0])
        raise CheckFailure(
            f"Row {bad} of {what} is not one of the rows of data: it starts with {rows[bad].flatten()[:4].tolist()}.",
            hint="Index data with a permutation of its rows (data[permutation]), without changing the rows.",
        )
    return ids


def _validated(value: Any, data: Tensor, ratio: float | None, what: str) -> tuple[Tensor, tuple]:
    """The row ids of train then test data, and the four parts: a CheckFailure if they are not valid."""
    parts = _parts(value, data.shape[0], ratio, what)
    ids = torch.cat(
        [_row_ids(parts[0], data, f"train_data from {what}"), _row_ids(parts[1], data, f"test_data from {what}")]
    )
    return ids, parts


def _split_ids(student, n: int, ratio: float | None, seed: int = 0) -> tuple[Tensor, tuple, tuple, str]:
    """Call the student, validate, and return (row ids of train then test, parts, inputs, shown)."""
    outcome, inputs, what = _call(student, n, ratio, seed)
    ids, parts = _validated(outcome.value, inputs[0], ratio, what)
    return ids, parts, inputs, what


def _same_rows_reordered(now: Any, before: Tensor) -> bool:
    """Whether ``now`` holds the rows of ``before`` in another order (rows of _dataset start with distinct values)."""
    if not isinstance(now, Tensor) or now.shape != before.shape or now.dtype != before.dtype:
        return False
    a, b = now.reshape(now.shape[0], -1), before.reshape(before.shape[0], -1)
    return torch.equal(a[a[:, 0].argsort()], b[b[:, 0].argsort()])


# --------------------------------------------------------------------------- checks


@check(split_dataset, points=2, public=True)
def split_sizes(student, reference):
    """The first int(N · train_ratio) rows go to train (N = 7 at 0.75, 12 and 14 at the default 0.8, 10 at 0.55)."""
    for n, ratio in ((7, 0.75), (12, None), (14, None), (10, 0.55)):
        _split_ids(student, n, ratio)


@check(split_dataset, points=2, public=True)
def split_uses_every_row_once(student, reference):
    """Train and test data together hold every row of data exactly once, unchanged."""
    n = 20
    ids, _, _, what = _split_ids(student, n, 0.75)
    counts = torch.bincount(ids, minlength=n)
    if bool((counts != 1).any()):
        twice = (counts > 1).nonzero().flatten().tolist()
        missing = (counts == 0).nonzero().flatten().tolist()
        raise CheckFailure(
            f"{what}: each of the {n} rows should appear once, but rows {twice[:3]} appear more than once "
            f"and rows {missing[:3]} not at all.",
            hint="Shuffle with a permutation (torch.randperm(N)), which uses each row exactly once, "
            "not with independent random draws.",
        )


@check(split_dataset, points=1, public=True)
def split_keeps_labels_of_ten_rows(student, reference):
    """Splitting 10 rows at 0.8, every label stays with its row."""
    _expect_labels_with_rows(student, 10, 0.8)


@check(split_dataset, points=1)
def split_keeps_labels_with_their_rows(student, reference):
    """Every label stays with its row: train_labels[i] is the label of train_data[i], and so for test."""
    _expect_labels_with_rows(student, 50, 0.8)


def _expect_labels_with_rows(student, n: int, ratio: float) -> None:
    """In the split of n rows, each label is the label of its row."""
    ids, parts, (data, labels), what = _split_ids(student, n, ratio)
    got = torch.cat([parts[2], parts[3]])
    expected = labels[ids]
    wrong = got != expected
    if bool(wrong.any()):
        count = int(wrong.sum())
        hint = None
        if torch.equal(torch.sort(got).values, torch.sort(labels).values):
            if torch.equal(got, labels):
                hint = "The labels were not shuffled with the data: index labels with the same permutation as data."
            else:
                hint = (
                    "Data and labels look shuffled with different permutations: draw one permutation "
                    "(torch.randperm) and index both data and labels with it."
                )
        raise CheckFailure(
            f"{what}: {count} of {n} labels are not the labels of their rows (the first: position {int(wrong.nonzero()[0])} "
            f"of train then test has label {int(got[wrong][0])}, but its row's label is {int(expected[wrong][0])}).",
            hint=hint,
        )


@check(split_dataset, points=0.5, public=True)
def split_shuffles_forty_rows(student, reference):
    """Splitting 40 rows at 0.75, the rows are shuffled before the cut: the test set is not the last 10 rows."""
    _expect_shuffled(student, 40, 0.75, seeds=(2,))


@check(split_dataset, points=1)
def split_shuffles(student, reference):
    """The rows are shuffled before the cut: not in their original order, and the test set is not the last rows."""
    _expect_shuffled(student, 50, 0.8, seeds=(0, 1))


def _expect_shuffled(student, n: int, ratio: float, *, seeds: tuple[int, ...]) -> None:
    """Under each seed, the split of n rows is shuffled, and its test set is not the last rows."""
    k = int(n * ratio)
    for seed in seeds:
        ids, _, _, what = _split_ids(student, n, ratio, seed)
        if torch.equal(ids, torch.arange(n)):
            raise CheckFailure(
                f"{what} (with seed {seed}) returned the rows in their original order.",
                hint="Shuffle before splitting: index data and labels with torch.randperm(N), as the lesson does.",
            )
        if set(ids[k:].tolist()) == set(range(k, n)):
            raise CheckFailure(
                f"{what} (with seed {seed}): the test set is exactly the last {n - k} rows of data.",
                hint="Shuffle the whole data set first, then cut it: the test rows should come from anywhere in data.",
            )


@check(split_dataset, points=0.5, public=True)
def split_leaves_ten_rows_unchanged(student, reference):
    """Splitting 10 rows at 0.8 leaves data and labels themselves as they were."""
    _expect_inputs_unchanged(student, 10, 0.8)


@check(split_dataset, points=0.5)
def split_leaves_inputs_unchanged(student, reference):
    """data and labels themselves are left as they were (and the split is still valid)."""
    _expect_inputs_unchanged(student, 20, 0.75)


def _expect_inputs_unchanged(student, n: int, ratio: float) -> None:
    """Splitting n rows leaves the data and labels passed in as they were, and the split is valid."""
    outcome, (data, labels), what = _call(student, n, ratio)
    after = outcome.args_after
    for index, (name, before) in enumerate((("data", data), ("labels", labels))):
        now = after[index] if index < len(after) else None
        if not isinstance(now, Tensor) or now.shape != before.shape or not torch.equal(now, before):
            if _same_rows_reordered(now, before):
                hint = (
                    f"Build new tensors ({name}[permutation]) instead of writing the shuffled rows back into "
                    f"{name} ({name}[:] = ..., {name}.copy_(...)): the caller's data set must stay as it was."
                )
            else:
                hint = (
                    f"Do not modify {name} in place ({name}[...] = ..., {name} += ..., methods ending in _): "
                    f"work on new tensors, the caller's data set must stay as it was."
                )
            raise CheckFailure(
                f"{what} changed its {name} argument: afterwards it is not the tensor it was.", hint=hint
            )
    _validated(outcome.value, data, ratio, what)


@check(split_dataset, points=0.5, public=True)
def split_follows_the_seed(student, reference):
    """Splitting 20 rows at 0.75: seed 5 twice gives the same split, seed 6 another."""
    _expect_reproducible(student, 20, 0.75, seeds=(5, 6))


@check(split_dataset, points=1)
def split_is_reproducible(student, reference):
    """The same seed gives the same split, and different seeds give different splits."""
    _expect_reproducible(student, 50, 0.8, seeds=(3, 4))


def _expect_reproducible(student, n: int, ratio: float, *, seeds: tuple[int, int]) -> None:
    """The first seed gives the same split twice; the second seed gives another."""
    seed, other_seed = seeds
    first, parts_a, _, what = _split_ids(student, n, ratio, seed=seed)
    again, parts_b, _, _ = _split_ids(student, n, ratio, seed=seed)
    same = torch.equal(first, again) and all(torch.equal(a, b) for a, b in zip(parts_a, parts_b))
    if not same:
        raise CheckFailure(
            f"{what} gave two different splits under the same seed (random.seed({seed}) and "
            f"torch.manual_seed({seed})).",
            hint="Draw the permutation from torch's global generator (torch.randperm) or Python's random module, "
            "which torch.manual_seed and random.seed make reproducible; numpy's generator is not seeded by them.",
        )
    other, _, _, _ = _split_ids(student, n, ratio, seed=other_seed)
    if torch.equal(first, other):
        if torch.equal(first, torch.arange(n)):
            hint = "The rows come back in their original order: shuffle them with torch.randperm(N) before splitting."
        else:
            hint = "Use torch's global generator (torch.randperm(N)) rather than a generator with a fixed seed of your own."
        raise CheckFailure(f"{what} gave the same split under seeds {seed} and {other_seed}.", hint=hint)


EXERCISE = Exercise(
    id="split",
    title="shuffle and split",
    intro=(
        "Before training, shuffle the clips with one random permutation (`torch.randperm`) "
        "and apply the same permutation to the labels; then the first 80 % train the model "
        "and the rest test it (960 and 240 of the lesson's 1,200 clips)."
    ),
    filename="07_split.py",
    functions=(split_dataset,),
    stub_header="import torch\nfrom torch import Tensor\n",
    reference=reference.split,
    mistakes=mistakes_in(Path(__file__).parent / "mistakes" / "split"),
)
