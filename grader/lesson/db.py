"""Exercise 06: power spectrogram to decibels, with an amin floor and an optional top_db."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

import reference.db
from grader.compare import expect_close
from grader.exercise import CheckFailure, Exercise, Forbidden, check, exercise_function, mistakes_in, solution_helper
from grader.inputs import rand

_WRITE_IT = "10 * log10 of the power clamped at amin, then floor each spectrogram at its own maximum minus top_db."
# No operator backstop: the conversion is clamp, log10, mul, amax and maximum, the operators a
# hand-written one uses too. The library's function and transform refuse themselves.
FORBIDDEN = (
    Forbidden("torchaudio.transforms.AmplitudeToDB", _WRITE_IT, python=("torchaudio.transforms.AmplitudeToDB",)),
    Forbidden("torchaudio.functional.amplitude_to_DB", _WRITE_IT, python=("torchaudio.functional.amplitude_to_DB",)),
)


@exercise_function(forbidden=FORBIDDEN)
def amplitude_to_db(spec: Tensor, amin: float = 1e-10, top_db: float | None = None) -> Tensor:
    """Convert a power spectrogram to decibels: ``10 * log10(max(spec, amin))``.

    ``spec`` holds powers (a mel spectrogram: [..., n_mels, frames], any number of leading
    batch dims). Every value below ``amin`` is first raised to ``amin``, so that a power
    of 0 gives 10·log10(1e-10) = -100 dB with the default amin, never -inf. Powers use
    10·log10 (20·log10 is for amplitudes). Example: a power of 142881.5469 is 51.5498 dB.

    With ``top_db`` (a number of decibels), each spectrogram, that is each [n_mels, frames]
    matrix of the last two dims, is then floored at ITS OWN maximum minus top_db: in a
    batch, a quiet spectrogram keeps its own range and is not floored at the loudest
    one's maximum. With ``top_db=None`` (the default) nothing is floored.

    Return a tensor of the same shape and dtype as ``spec``.

    Write it with tensor operations (torch.clamp, torch.log10, amax, ...).
    torchaudio.transforms.AmplitudeToDB and torchaudio.functional.amplitude_to_DB are not
    allowed here.
    """


# --------------------------------------------------------------------------- helpers

POWER_HINT = "A power spectrogram uses 10·log10; 20·log10 is for amplitudes (a power is an amplitude squared)."
LOG10_HINT = "Decibels use log10, not the natural log: 10·log10(x), not 10·ln(x)."
CLAMP_HINT = (
    "Raise the powers to at least amin BEFORE the log, 10·log10(torch.clamp(spec, min=amin)): log10(0) is -inf."
)
CLAMP_AFTER_HINT = (
    "Clamp the power before the log, 10·log10(max(spec, amin)); clamping the decibels afterwards at amin "
    "turns every negative dB value into amin."
)
IGNORED_HINT = (
    "top_db is ignored: every value more than top_db below the spectrogram's maximum must be raised to max - top_db."
)
GLOBAL_HINT = (
    "Floor each spectrogram (the last two dims) at its own maximum - top_db, not at the maximum of the whole "
    "batch (which is what torchaudio does with a 3-D input)."
)
FRAME_HINT = (
    "The maximum is over each whole spectrogram, the last TWO dims (n_mels and frames), "
    "not over each row or frame: amax(dim=(-2, -1), keepdim=True)."
)
ABSOLUTE_HINT = "The floor is relative to the maximum: max - top_db, not -top_db."
DTYPE_HINT = (
    "Keep the dtype of spec (a {dtype} spectrogram stays {dtype}): no .float(), .double() or .to(...) that changes it."
)


@solution_helper
def _db(
    spec: Tensor,
    amin: float,
    top_db: float | None,
    *,
    factor: float = 10.0,
    log: str = "log10",
    clamp: str = "before",
    floor: str = "each",
) -> Tensor:
    """Decibels, correctly (the defaults) or in one of the ways students get them wrong."""
    x = spec.double()
    if clamp == "before":
        x = torch.clamp(x, min=amin)
    db = factor * (torch.log10(x) if log == "log10" else torch.log(x))
    if clamp == "after":
        db = torch.clamp(db, min=amin)
    if top_db is None or floor == "none":
        return db
    if floor == "absolute":
        return torch.maximum(db, torch.full_like(db, -top_db))
    dims = {"each": (-2, -1), "frame": (-1,), "global": tuple(range(db.dim())), "first": tuple(range(1, db.dim()))}[
        floor
    ]
    return torch.maximum(db, db.amax(dim=dims, keepdim=True) - top_db)


def _conversion_mistakes(spec: Tensor, amin: float, top_db: float | None) -> list[tuple[Tensor, str]]:
    return [
        (_db(spec, amin, top_db, factor=20.0), POWER_HINT),
        (_db(spec, amin, top_db, log="ln"), LOG10_HINT),
        (_db(spec, amin, top_db, factor=1.0, log="ln"), LOG10_HINT + " And multiply by 10."),
        (_db(spec, amin, top_db, factor=1.0), "Multiply by 10: decibels are 10·log10 of the power."),
        (_db(spec, amin, top_db, clamp="none"), CLAMP_HINT),
        (_db(spec, amin, top_db, clamp="after"), CLAMP_AFTER_HINT),
    ]


def _floor_mistakes(spec: Tensor, amin: float, top_db: float) -> list[tuple[Tensor, str]]:
    mistakes = [
        (_db(spec, amin, top_db, floor="none"), IGNORED_HINT),
        (_db(spec, amin, top_db, floor="absolute"), ABSOLUTE_HINT),
        (_db(spec, amin, top_db, floor="frame"), FRAME_HINT),
    ]
    if spec.dim() > 2:
        mistakes.append((_db(spec, amin, top_db, floor="global"), GLOBAL_HINT))
    if spec.dim() > 3:
        mistakes.append(
            (
                _db(spec, amin, top_db, floor="first"),
                "Floor each [n_mels, frames] spectrogram at its own maximum: take the maximum over the last two "
                "dims only, not over everything but the first dim (torchaudio's behaviour for a 4-D input).",
            )
        )
    return mistakes + _conversion_mistakes(spec, amin, top_db)


def _close(got: Tensor, candidate: Tensor) -> bool:
    if got.shape != candidate.shape:
        return False
    return bool(torch.allclose(got.double(), candidate, rtol=1e-4, atol=1e-3))


def _expect_db(
    got: Any, spec: Tensor, expected: Tensor, *, what: str, mistakes: Sequence[tuple[Tensor, str]] = ()
) -> Tensor:
    """The student's decibels must match ``expected`` (shape and dtype of spec); names a known mistake if it matches one."""
    try:
        # float32 rounding of 10·log10 at ~50 dB is ~1e-5 dB; alternatives agree to well under 1e-4 dB.
        return expect_close(got, expected, what=what, rtol=1e-5, atol=1e-4)
    except CheckFailure as failure:
        if isinstance(got, torch.Tensor) and got.shape == expected.shape and got.dtype != expected.dtype:
            raise CheckFailure(
                failure.message, hint=DTYPE_HINT.format(dtype=str(expected.dtype).removeprefix("torch."))
            ) from None
        if isinstance(got, torch.Tensor) and got.shape == expected.shape and got.dtype == expected.dtype:
            for candidate, hint in mistakes:
                # A candidate that agrees with the right answer says nothing about the mistake made.
                if _close(got, candidate) and not _close(expected, candidate):
                    raise CheckFailure(failure.message, hint=hint) from None
        raise


def _powers(*shape: int, seed: int, low_db: float, high_db: float, dtype: torch.dtype = torch.float32) -> Tensor:
    """Powers whose decibels are uniform in [low_db, high_db)."""
    return (10.0 ** (rand(*shape, seed=seed, low=low_db, high=high_db, dtype=torch.float64) / 10.0)).to(dtype)


def _shown(spec: Tensor, **kwargs: Any) -> str:
    arguments = "".join(
        f", {name}={value:g}" if isinstance(value, float) else f", {name}={value}" for name, value in kwargs.items()
    )
    return f"amplitude_to_db(<{str(spec.dtype).removeprefix('torch.')} spec {list(spec.shape)}>{arguments})"


# --------------------------------------------------------------------------- checks

LESSON_POWER = 142881.5469
LESSON_DB = 51.5498


@check(amplitude_to_db, points=2, public=True)
def matches_the_lesson_figure(student, reference):
    """A [4, 5] mel power spectrogram holding the lesson's maximum 142881.5469 converts to decibels (51.5498 dB there)."""
    spec = _powers(4, 5, seed=61, low_db=-20.0, high_db=50.0)
    spec[1, 3] = LESSON_POWER
    spec[2, 0] = 42.8917  # the lesson's median: 16.3237 dB
    expected = reference.amplitude_to_db(spec)
    assert abs(expected[1, 3].item() - LESSON_DB) < 1e-4
    _expect_db(
        student.amplitude_to_db(spec),
        spec,
        expected,
        what=_shown(spec),
        mistakes=_conversion_mistakes(spec, 1e-10, None),
    )


@check(amplitude_to_db, points=0.5, public=True)
def keeps_float64(student, reference):
    """A float64 [3, 4] spectrogram comes back in decibels as float64."""
    spec = _powers(3, 4, seed=69, low_db=-20.0, high_db=30.0, dtype=torch.float64)
    _expect_db(
        student.amplitude_to_db(spec),
        spec,
        reference.amplitude_to_db(spec),
        what=_shown(spec),
        mistakes=_conversion_mistakes(spec, 1e-10, None),
    )


@check(amplitude_to_db, points=0.5)
def keeps_shape_and_dtype(student, reference):
    """A 1-D float32 input and a 3-D float64 input come back in decibels with their own shape and dtype."""
    for spec in (
        _powers(7, seed=62, low_db=-30.0, high_db=40.0),
        _powers(2, 3, 4, seed=63, low_db=-30.0, high_db=40.0, dtype=torch.float64),
    ):
        _expect_db(
            student.amplitude_to_db(spec),
            spec,
            reference.amplitude_to_db(spec),
            what=_shown(spec),
            mistakes=_conversion_mistakes(spec, 1e-10, None),
        )


@check(amplitude_to_db, points=1, public=True)
def amin_floors_a_zero_power(student, reference):
    """In a [1, 4] spectrogram holding a 0, the 0 gives -100 dB (not -inf); with amin=1e-4 it gives -40 dB."""
    _expect_amin_floor(student, reference, torch.tensor([[0.0, 1e-12, 1e-6, 1e-3]]), 1e-4)


@check(amplitude_to_db, points=1)
def amin_floors_small_powers(student, reference):
    """Powers below amin count as amin: zeros give -100 dB with the default amin (not -inf), and a custom amin is honoured."""
    # Quiet powers (at most -30 dB), so that even a wrong default top_db of 80 would not floor the zeros.
    spec = torch.tensor([[0.0, 1e-12, 1e-10, 1e-7, 1e-3], [5e-4, 0.0, 2e-11, 1e-8, 1e-5]])
    _expect_amin_floor(student, reference, spec, 1e-5)


def _expect_amin_floor(student, reference, spec: Tensor, amin: float) -> None:
    """``spec`` (with a 0 first) converts right with the default amin, then with ``amin``."""
    got = student.amplitude_to_db(spec)
    expected = reference.amplitude_to_db(spec)
    what = f"{_shown(spec)} with the default amin (1e-10) on powers including 0"
    try:
        _expect_db(got, spec, expected, what=what, mistakes=_conversion_mistakes(spec, 1e-10, None))
    except CheckFailure as failure:
        zero_db = got[0, 0].item() if isinstance(got, torch.Tensor) and got.shape == spec.shape else None
        if failure.hint is None and zero_db is not None and math.isfinite(zero_db) and abs(zero_db + 100.0) > 1e-3:
            apparent = 10.0 ** (zero_db / 10.0)
            if _close(got, _db(spec, apparent, None)):
                raise CheckFailure(
                    failure.message,
                    hint=f"A power of 0 gives {zero_db:.4g} dB, as if amin were {apparent:.3g}: the default amin is 1e-10 (-100 dB).",
                ) from None
        raise
    expected = reference.amplitude_to_db(spec, amin)
    amin_text = f"{amin:g}".replace("e-0", "e-")
    mistakes = [
        (
            _db(spec, 1e-10, None),
            f"The amin argument is ignored: use it (here {amin_text}, a floor of {10 * math.log10(amin):g} dB), "
            "not a fixed 1e-10.",
        )
    ]
    _expect_db(
        student.amplitude_to_db(spec, amin),
        spec,
        expected,
        what=f"{_shown(spec, amin=amin)} on powers including 0",
        mistakes=mistakes + _conversion_mistakes(spec, amin, None),
    )


@check(amplitude_to_db, points=1, public=True)
def top_db_floors_a_spectrogram(student, reference):
    """With top_db=25.5, a single [6, 5] spectrogram is floored at its maximum minus 25.5 dB."""
    spec = _powers(6, 5, seed=64, low_db=-30.0, high_db=50.0)
    top_db = 25.5
    _expect_db(
        student.amplitude_to_db(spec, 1e-10, top_db),
        spec,
        reference.amplitude_to_db(spec, 1e-10, top_db),
        what=_shown(spec, amin=1e-10, top_db=top_db),
        mistakes=_floor_mistakes(spec, 1e-10, top_db),
    )


@check(amplitude_to_db, points=1, public=True)
def top_db_floors_each_of_three_spectrograms(student, reference):
    """With top_db=30, each of three [3, 4] spectrograms about 30 dB apart is floored at its OWN maximum minus 30 dB."""
    top_db = 30.0
    spec = _powers(3, 3, 4, seed=70, low_db=-30.0, high_db=30.0)
    spec *= torch.tensor([1e3, 1.0, 1e-3]).reshape(3, 1, 1)
    _expect_db(
        student.amplitude_to_db(spec, 1e-10, top_db),
        spec,
        reference.amplitude_to_db(spec, 1e-10, top_db),
        what=_shown(spec, amin=1e-10, top_db=top_db),
        mistakes=_floor_mistakes(spec, 1e-10, top_db),
    )


@check(amplitude_to_db, points=2)
def top_db_floors_each_spectrogram_of_a_batch(student, reference):
    """With top_db, each spectrogram of a [3, F, T] and a [2, 3, F, T] batch is floored at its OWN maximum minus top_db."""
    top_db = 40.0
    # Three spectrograms about 30 dB apart: a floor at the batch's maximum would flatten the quiet ones.
    batch = _powers(3, 4, 5, seed=65, low_db=-40.0, high_db=40.0)
    batch *= torch.tensor([1e2, 1e-1, 1e-4]).reshape(3, 1, 1)
    # A [2, 3] grid of spectrograms whose levels differ within each item of the first dim too.
    offsets = 10.0 ** (rand(2, 3, 1, 1, seed=67, low=-6.0, high=6.0, dtype=torch.float64))
    grid = (_powers(2, 3, 4, 5, seed=66, low_db=-40.0, high_db=40.0, dtype=torch.float64) * offsets).to(torch.float32)
    for spec in (batch, grid):
        _expect_db(
            student.amplitude_to_db(spec, 1e-10, top_db),
            spec,
            reference.amplitude_to_db(spec, 1e-10, top_db),
            what=_shown(spec, amin=1e-10, top_db=top_db),
            mistakes=_floor_mistakes(spec, 1e-10, top_db),
        )


@check(amplitude_to_db, points=1, public=True)
def no_floor_without_top_db(student, reference):
    """With top_db left out (or None), nothing is floored, even across a 120 dB range."""
    spec = _powers(2, 4, 5, seed=68, low_db=-40.0, high_db=80.0)
    expected = reference.amplitude_to_db(spec)
    default_floor = (
        "By default (top_db=None) nothing is floored: only floor when top_db is a number "
        "(librosa's power_to_db floors at 80 dB by default; this function does not)."
    )
    mistakes = [
        (_db(spec, 1e-10, top, floor=floor), default_floor)
        for top in (80.0, 60.0, 100.0)
        for floor in ("each", "global", "frame")
    ]
    _expect_db(
        student.amplitude_to_db(spec),
        spec,
        expected,
        what=f"{_shown(spec)} (top_db left out)",
        mistakes=mistakes + _conversion_mistakes(spec, 1e-10, None),
    )
    _expect_db(
        student.amplitude_to_db(spec, 1e-10, None),
        spec,
        expected,
        what=_shown(spec, amin=1e-10, top_db=None),
        mistakes=[
            (_db(spec, 1e-10, top, floor=floor), "With top_db=None nothing is floored.")
            for top in (80.0, 60.0, 100.0)
            for floor in ("each", "global", "frame")
        ],
    )


EXERCISE = Exercise(
    id="db",
    title="amplitude to decibels",
    intro=(
        "Mel power spans orders of magnitude (one clip: maximum 142,881.5, median 42.9). In "
        "decibels, `10 · log10(power)`, the same clip spans maximum 51.5 and median 16.3 dB, "
        "a range a model learns from far more easily. Power uses 10 · log10; 20 · log10 is "
        "for amplitudes."
    ),
    filename="06_db.py",
    functions=(amplitude_to_db,),
    stub_header="import torch\nfrom torch import Tensor\n",
    reference=reference.db,
    mistakes=mistakes_in(Path(__file__).parent / "mistakes" / "db"),
)
