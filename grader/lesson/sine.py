"""Exercise 01: sine waves and white noise."""

from __future__ import annotations

import math
from pathlib import Path

import torch
from torch import Tensor

import reference.sine
from grader.compare import expect_finite, expect_tensor
from grader.exercise import CheckFailure, Exercise, check, exercise_function, mistakes_in, solution_helper


@exercise_function
def make_sine_wave(freq: float, amp: float, dur: float, sr: int = 16000) -> Tensor:
    """Return a sine wave of frequency ``freq`` Hz and amplitude ``amp``, ``dur`` seconds long.

    The result is a 1-D float32 tensor of ``int(dur * sr)`` samples, where ``sr`` is the
    sample rate in Hz. Sample ``n`` (counting from 0) is taken at time ``n / sr`` seconds:

        amp * sin(2π · freq · n / sr)

    so the wave starts at 0 and the last sample is at ``(int(dur * sr) - 1) / sr`` seconds.
    """


@exercise_function
def make_white_noise(amp: float, dur: float, sr: int = 16000) -> Tensor:
    """Return ``dur`` seconds of Gaussian white noise with standard deviation ``amp``.

    The result is a 1-D float32 tensor of ``int(dur * sr)`` samples, each drawn independently
    from a normal distribution with mean 0 and standard deviation ``amp``.

    Draw the numbers with torch's random functions (torch.randn, torch.normal, ...), so that
    after ``torch.manual_seed(s)`` the same call gives the same noise, and a different seed
    gives different noise.
    """


# --------------------------------------------------------------------------- sine


def _phase_atol(freq: float, amp: float, n_samples: int, sr: int) -> float:
    """Float32 rounding of the phase: about 2^-23 · |phase| · amp (EXERCISES.md), with margin."""
    max_phase = 2 * math.pi * abs(freq) * max(n_samples - 1, 0) / sr
    return 4 * 2.0**-23 * abs(amp) * max_phase + 1e-6 * abs(amp)


@solution_helper
def _sine_mistakes(freq: float, amp: float, n_samples: int, sr: int) -> list[tuple[Tensor | None, str]]:
    """The waves of the classic mistakes for these arguments, with their hints."""
    n = torch.arange(n_samples, dtype=torch.float64)
    phase = 2 * math.pi * freq * n / sr
    end_time = torch.linspace(0, (n_samples) / sr, n_samples, dtype=torch.float64)
    candidates = [
        (amp * torch.cos(phase), "This is a cosine: the wave must start at 0, so use sin, not cos."),
        (
            amp * torch.sin(freq * n / sr),
            "The frequency is off by a factor of 2π: the argument of sin is 2π · freq · n / sr (in radians).",
        ),
        (torch.sin(phase) if amp != 1 else None, "The amplitude is missing: multiply the sine by amp."),
        (
            amp * torch.sin(2 * math.pi * freq * end_time),
            "The time of sample n must be n / sr: torch.linspace(0, dur, n) includes the end point dur, "
            "which stretches the time axis. Use torch.arange(n) / sr.",
        ),
    ]
    return candidates


def _sine_hint(got: Tensor, freq: float, amp: float, n_samples: int, sr: int, atol: float) -> str | None:
    """Name the classic mistake that ``got`` (of the right length) looks like, if any."""
    g = got.detach().to(torch.float64)
    for candidate, hint in _sine_mistakes(freq, amp, n_samples, sr):
        if candidate is not None and float((g - candidate).abs().max()) <= atol + 1e-4 * abs(amp):
            return hint
    spectrum = torch.fft.rfft(g - g.mean()).abs()
    strongest = float(spectrum.argmax()) * sr / n_samples
    if abs(strongest - freq) > 2 * sr / n_samples:
        return (
            f"The strongest frequency in your wave is {strongest:.1f} Hz, not {freq:g} Hz: sample n is at "
            "time n / sr seconds, and sin takes radians, so the argument is 2π · freq · n / sr."
        )
    return None


def _expect_sine(student, reference, freq: float, amp: float, dur: float, sr: int | None) -> None:
    """The student's sine for these arguments (``sr`` None: left to the default) is right."""
    rate = 16000 if sr is None else sr
    args = (freq, amp, dur) if sr is None else (freq, amp, dur, sr)
    shown = f"make_sine_wave({', '.join(f'{a:g}' for a in args)})"
    got = student.make_sine_wave(*args)
    expected = reference.make_sine_wave(freq, amp, dur, rate)
    n_samples = int(dur * rate)
    if isinstance(got, Tensor) and got.dim() == 1 and got.shape[0] != n_samples:
        hint = None
        if got.shape[0] == n_samples + 1:
            hint = "torch.arange(n) gives n values, 0 … n - 1: make int(dur * sr) samples, not one more."
        elif sr is None and got.shape[0] in (int(dur * 44100), int(dur * 22050), int(dur * 8000)):
            hint = "The default sample rate must be sr=16000."
        raise CheckFailure(
            f"{shown} should return {n_samples} samples (int(dur * sr) at sr={rate}), but it returned {got.shape[0]}.",
            hint=hint,
        )
    expect_tensor(got, what=shown, shape=(n_samples,), dtype=torch.float32)
    expect_finite(got, what=shown)
    atol = _phase_atol(freq, amp, n_samples, rate)
    error = (got.detach().to(torch.float64) - expected.to(torch.float64)).abs()
    wrong = int((error > atol).sum())
    if wrong:
        worst = int(error.argmax())
        raise CheckFailure(
            f"{shown} is wrong at {wrong} of {n_samples} samples: sample {worst} is {float(got[worst]):.6g}, "
            f"expected {float(expected[worst]):.6g} (allowed error {atol:.3g}).",
            hint=lambda: _sine_hint(got, freq, amp, n_samples, rate, atol),
        )


@check(make_sine_wave, points=2, public=True)
def sine_matches_formula(student, reference):
    """make_sine_wave(440, 0.5, 0.25, 16000) is amp · sin(2π · freq · n / sr) for 4000 samples."""
    _expect_sine(student, reference, 440.0, 0.5, 0.25, 16000)


@check(make_sine_wave, points=1, public=True)
def sine_default_sample_rate(student, reference):
    """Without sr, make_sine_wave uses the default sample rate of 16000 Hz."""
    _expect_sine(student, reference, 830.6, 0.8, 0.25, None)


@check(make_sine_wave, points=2)
def sine_other_rates_and_durations(student, reference):
    """Other sample rates, amplitudes and durations (8 kHz, and 830.6 Hz over 1 s) are right."""
    _expect_sine(student, reference, 1234.5, 2.0, 0.5, 8000)
    _expect_sine(student, reference, 830.6, 0.9, 1.0, 16000)


# --------------------------------------------------------------------------- noise


def _noise(student, amp: float, dur: float, sr: int | None, seed: int = 0) -> tuple[Tensor, str]:
    """The student's noise for these arguments, checked for type, length, dtype and finiteness."""
    rate = 16000 if sr is None else sr
    args = (amp, dur) if sr is None else (amp, dur, sr)
    shown = f"make_white_noise({', '.join(f'{a:g}' for a in args)})"
    got = student.call("make_white_noise", *args, seed=seed).value
    n_samples = int(dur * rate)
    if isinstance(got, Tensor) and got.dim() == 1 and got.shape[0] != n_samples:
        hint = None
        if got.shape[0] == n_samples + 1:
            hint = "Make int(dur * sr) samples, not one more."
        elif sr is not None and got.shape[0] == int(dur * 16000):
            hint = "Use the sample rate sr you are given, not a fixed 16000."
        raise CheckFailure(
            f"{shown} should return {n_samples} samples (int(dur * sr) at sr={rate}), but it returned {got.shape[0]}.",
            hint=hint,
        )
    expect_tensor(got, what=shown, shape=(n_samples,), dtype=torch.float32)
    expect_finite(got, what=shown)
    return got.detach().to(torch.float64), shown


def _uniform_hint(x: Tensor) -> str | None:
    z = (x - x.mean()) / x.std()
    if abs(float((z**4).mean()) - 1.8) < 0.15:
        return "The values look uniformly distributed: torch.rand is uniform; Gaussian noise comes from torch.randn."
    return None


@check(make_white_noise, points=2, public=True)
def noise_statistics(student, reference):
    """The noise has mean 0 and standard deviation amp (16000 samples at 16 kHz; 4000 at 8 kHz)."""
    for amp, dur, sr in ((0.25, 1.0, None), (2.0, 0.5, 8000)):
        x, shown = _noise(student, amp, dur, sr)
        n = x.numel()
        mean, std = float(x.mean()), float(x.std())
        # Five standard errors: of the mean, amp/sqrt(N); of the standard deviation, amp/sqrt(2N).
        mean_tol = 5 * amp / math.sqrt(n)
        std_tol = 5 * amp / math.sqrt(2 * n)
        if abs(mean) > mean_tol:
            hint = _uniform_hint(x) if std > 0 else None
            raise CheckFailure(
                f"{shown} has mean {mean:.4g}; noise of mean 0 over {n} samples should have "
                f"|mean| below {mean_tol:.3g}.",
                hint=hint,
            )
        if abs(std - amp) > std_tol:
            hint = None
            if std == 0:
                hint = "The noise is constant: draw a new random value for every sample."
            elif abs(std - math.sqrt(amp)) <= std_tol:
                hint = "amp is the standard deviation, not the variance: multiply by amp, not sqrt(amp)."
            elif abs(std - amp**2) <= std_tol:
                hint = "amp is the standard deviation, not the variance: multiply by amp, not amp ** 2."
            else:
                hint = _uniform_hint(x)
            raise CheckFailure(
                f"{shown} has standard deviation {std:.4g}; it should be amp = {amp:g} "
                f"(within {std_tol:.3g} over {n} samples).",
                hint=hint,
            )


@check(make_white_noise, points=1)
def noise_is_gaussian(student, reference):
    """The noise is Gaussian: its kurtosis is 3 (uniform noise has 1.8)."""
    x, shown = _noise(student, 1.0, 1.0, 16000, seed=7)
    std = float(x.std())
    if std == 0:
        raise CheckFailure(f"{shown} is constant; it should be Gaussian noise.")
    z = (x - x.mean()) / std
    kurtosis = float((z**4).mean())
    # The kurtosis of 16000 Gaussian samples has a standard error of sqrt(24 / 16000) ≈ 0.039.
    if abs(kurtosis - 3.0) > 0.25:
        raise CheckFailure(
            f"The values of {shown} have kurtosis {kurtosis:.3g}; Gaussian noise has 3 (within 0.25 "
            f"over 16000 samples).",
            hint=_uniform_hint(x),
        )


@check(make_white_noise, points=1, public=True)
def noise_is_white(student, reference):
    """The noise is white: its spectrum is flat (spectral flatness near e^-γ ≈ 0.56)."""
    x, shown = _noise(student, 1.0, 1.0, 16000, seed=11)
    power = torch.fft.rfft(x.double() - x.double().mean()).abs().square()[1:-1]
    average = float(power.mean())
    if not average > 0:
        raise CheckFailure(f"{shown} is constant: white noise varies from sample to sample.")
    # Bins far below the average count as empty whatever rounding left in them (exactly 0 on
    # one machine, 1e-28 on another): the floor keeps the verdict and the hint off rounding.
    flatness = float(power.clamp(min=average * 1e-9).log().mean().exp() / average)
    # The periodogram of white Gaussian noise has flatness e^-γ = 0.5615 (standard error 0.005 here).
    if flatness < 0.51:
        bands = torch.stack([band.mean() for band in torch.tensor_split(power, 8)])
        detail = (
            f"; the lowest eighth of the spectrum has {float(bands[0] / bands.mean()):.2f} times the average "
            f"power, the highest {float(bands[-1] / bands.mean()):.2f} times"
        )
        held = float((x[1:] == x[:-1]).to(torch.float64).mean())
        hint = (
            "Draw every sample independently (torch.randn(n) * amp); repeating, holding or smoothing "
            "values colours the noise."
        )
        if held > 0.25:
            hint = (
                f"Your noise holds each value for several samples ({held:.0%} of neighbours are equal): draw "
                "a new value for every sample, torch.randn(n) * amp."
            )
        raise CheckFailure(
            f"The spectrum of {shown} is not flat: spectral flatness {flatness:.3f} (white noise: about 0.56){detail}.",
            hint=hint,
        )


@check(make_white_noise, points=1, public=True)
def noise_follows_torch_seed(student, reference):
    """The same torch.manual_seed gives the same noise; different seeds give different noise."""
    first, shown = _noise(student, 0.5, 0.25, None, seed=5)
    again, _ = _noise(student, 0.5, 0.25, None, seed=5)
    if not torch.equal(first, again):
        raise CheckFailure(
            f"Two calls of {shown} after torch.manual_seed(5) gave different noise.",
            hint="Draw the noise from torch's global generator (torch.randn, torch.normal, ...), not from "
            "NumPy, Python's random or a torch.Generator of your own: the grader seeds torch.",
        )
    one, _ = _noise(student, 0.5, 0.25, None, seed=1)
    two, _ = _noise(student, 0.5, 0.25, None, seed=2)
    if torch.equal(one, two):
        raise CheckFailure(
            f"{shown} gave the same noise after torch.manual_seed(1) and after torch.manual_seed(2).",
            hint="Do not seed or create a generator inside the function: draw from torch's global "
            "generator (torch.randn, torch.normal, ...), so that the caller's seed decides the noise.",
        )


EXERCISE = Exercise(
    id="sine",
    title="sine waves and white noise",
    intro=(
        "A sound is a sequence of samples: `sr` of them per second. A sine of frequency f and"
        " amplitude a has sample n equal to `a · sin(2π · f · n / sr)`. White noise is "
        "Gaussian: every sample drawn independently, with standard deviation `amp`. Both are "
        "the raw material of the lesson's synthetic data set."
    ),
    filename="01_sine.py",
    functions=(make_sine_wave, make_white_noise),
    stub_header="import math\n\nimport torch\nfrom torch import Tensor\n",
    reference=reference.sine,
    mistakes=mistakes_in(Path(__file__).parent / "mistakes" / "sine"),
)
