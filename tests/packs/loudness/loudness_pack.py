"""The loudness pack (docs/authoring.md): exercise 09, how loud a signal is, frame by frame."""

from __future__ import annotations

from pathlib import Path

import loudness_given
import loudness_reference
import torch
from loudness_given import LoudnessModel
from torch import Tensor

from grader.authoring import Exercise, Pack, check, exercise_function, expect_close, hookimpl, mistakes_in, randn

# --------------------------------------------------------------------------- specs


@exercise_function
def rms(x: Tensor, dim: int = -1) -> Tensor:
    """Return the root mean square of ``x`` along ``dim``: ``sqrt(mean(x ** 2))``.

    ``dim`` is removed from the shape, as in ``x.mean(dim)``; the result has x's dtype.
    """


@exercise_function
def score_frames(model: torch.nn.Module, x: Tensor, size: int = 400) -> Tensor:
    """Return the model's score of every frame of the 1-D signal ``x``.

    Split ``x`` into frames of ``size`` samples with ``frames(x, size)`` and pass them to
    ``model`` in one call: it returns a column ``[n_frames, 1]``. Return one score per
    frame, a tensor of shape ``[n_frames]``.
    """


# --------------------------------------------------------------------------- rms: checks


def rms_hint(x: Tensor, dim: int, got: object) -> str | None:
    """Name the mistake when the student's ``rms(x, dim)`` shows it (None otherwise)."""
    if not isinstance(got, Tensor):
        return None
    if got.shape != x.mean(dim).shape:
        if got.shape == x.mean(dim, keepdim=True).shape:
            return "Leave dim out of the result's shape, as x.mean(dim) does (keepdim=False)."
        return None
    squares = x.double().pow(2)
    if torch.allclose(got.double(), squares.mean(dim), rtol=1e-4):
        return "This is the mean square: take its square root."
    if torch.allclose(got.double(), squares.sum(dim).sqrt(), rtol=1e-4):
        return "This is the square root of the sum of squares: take the mean, not the sum."
    in_float32 = squares.float().mean(dim).sqrt().double()
    if x.dtype == torch.float64 and (got.dtype != x.dtype or torch.allclose(got.double(), in_float32, rtol=1e-6)):
        return "Your rms computes in float32: keep x's dtype, so a float64 input gets a float64 answer."
    return None


def expect_rms(got: object, expected: Tensor, x: Tensor, dim: int, what: str, rtol: float = 1e-5) -> None:
    """The student's rms(x, dim) is close to the reference's; else the failure names the mistake."""
    expect_close(got, expected, what=what, rtol=rtol, atol=1e-7, hint=lambda: rms_hint(x, dim, got))


@check(rms, points=2, public=True)
def rms_along_the_last_dim(student, reference):
    """rms(x) of a [4, 50] batch, with the default dim, matches the reference."""
    x = randn(4, 50, seed=1, scale=3.0)
    expect_rms(student.rms(x), reference.rms(x), x, -1, what="rms(x) for x of shape [4, 50]")


@check(rms, points=1, public=True)
def rms_along_every_dim(student, reference):
    """rms of a [3, 4, 5] tensor matches along dim 0, 1, 2 and -2."""
    x = randn(3, 4, 5, seed=2)
    for dim in (0, 1, 2, -2):
        expect_rms(
            student.rms(x, dim), reference.rms(x, dim), x, dim, what=f"rms(x, dim={dim}) for x of shape [3, 4, 5]"
        )


@check(rms, points=1)
def rms_keeps_float64(student, reference):
    """A float64 input gives a float64 rms, accurate to float64 precision."""
    x = randn(8, 100, seed=3, dtype=torch.float64)
    expect_rms(student.rms(x, 1), reference.rms(x, 1), x, 1, what="rms(x, dim=1) for float64 x", rtol=1e-10)


@check(rms, points=1)
def rms_of_a_sine_is_its_amplitude_over_root_two(student, reference):
    """The rms of a sine of amplitude 0.5 over whole periods is 0.5 / sqrt(2)."""
    t = torch.arange(16000, dtype=torch.float64) / 16000
    x = (0.5 * torch.sin(2 * torch.pi * 440 * t)).float()
    # 16000 float32 squares: summed in another order, they may differ by ~1e-5 relative.
    expect_rms(student.rms(x), reference.rms(x), x, -1, what="rms(x) of a 440 Hz sine of amplitude 0.5", rtol=1e-4)


# --------------------------------------------------------------------------- score_frames: checks


def score_hint(got: object) -> str | None:
    """Name the shape mistakes of score_frames (None for any other)."""
    if isinstance(got, Tensor) and got.dim() == 2 and got.shape[-1] == 1:
        return "The model returns a column [n_frames, 1]: return one score per frame, with .squeeze(-1)."
    if isinstance(got, Tensor) and got.dim() == 0:
        return "squeeze() removes every dimension of size 1, so one frame gives a 0-d tensor: use .squeeze(-1)."
    return None


def rising_loudness(n_frames: int, size: int, seed: int) -> Tensor:
    """Noise that gets louder frame by frame, and half a frame more (which frames() drops)."""
    x = randn(n_frames * size + size // 2, seed=seed)
    x[: n_frames * size] *= torch.linspace(0.1, 3.0, n_frames).repeat_interleave(size)
    return x


@check(score_frames, points=2, public=True)
def scores_every_frame(student, reference):
    """score_frames(model, x) with a known model scores each 400-sample frame of x."""
    model = LoudnessModel.from_weights(torch.full((400,), 1 / 400), bias=-0.5)  # mean square - 0.5
    x = rising_loudness(5, 400, seed=4)
    got = student.score_frames(model, x)
    expect_close(
        got,
        reference.score_frames(model, x),
        what="score_frames(model, x) for 5 frames of 400 samples",
        rtol=1e-4,
        atol=1e-5,
        hint=lambda: score_hint(got),
    )


@check(score_frames, points=2)
def uses_the_frame_size(student, reference):
    """score_frames(model, x, 100) with random weights scores frames of 100 samples."""
    model = LoudnessModel.from_weights(randn(100, seed=5, scale=0.1), bias=0.2)
    x = rising_loudness(7, 100, seed=6)
    got = student.score_frames(model, x, 100)
    expect_close(
        got,
        reference.score_frames(model, x, 100),
        what="score_frames(model, x, 100)",
        rtol=1e-4,
        atol=1e-5,
        hint=lambda: score_hint(got),
    )


@check(score_frames, points=1)
def one_frame_gives_one_score(student, reference):
    """A signal of one frame gives a tensor of one score, shape [1]."""
    model = LoudnessModel.from_weights(torch.full((400,), 1 / 400), bias=0.0)
    x = randn(400, seed=7)
    got = student.score_frames(model, x)
    expect_close(
        got,
        reference.score_frames(model, x),
        what="score_frames(model, x) for one frame",
        rtol=1e-4,
        atol=1e-5,
        hint=lambda: score_hint(got),
    )


# --------------------------------------------------------------------------- the pack

EXERCISE = Exercise(
    id="loudness",
    title="loudness",
    filename="09_loudness.py",
    functions=(rms, score_frames),
    reference=loudness_reference,
    mistakes=mistakes_in(Path(__file__).parent / "loudness_mistakes" / "loudness"),
    stub_header="import torch\nfrom torch import Tensor\n\nfrom loudness_given import LoudnessModel, frames\n",
    intro=(
        "How loud is a signal? Its root mean square, `sqrt(mean(x ** 2))`. Frame by frame, "
        "a small model turns the samples into a loudness score."
    ),
)


@hookimpl
def soundlab_pack():
    return Pack(name="loudness", exercises=[EXERCISE], gives=(loudness_given,))
