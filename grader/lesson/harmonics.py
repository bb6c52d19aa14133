"""Exercise 02: sines with random harmonics, and the two synthetic pitch data sets."""

from __future__ import annotations

import math
from pathlib import Path

import torch
from torch import Tensor

import reference.harmonics
from grader.compare import describe, dtype_name, expect_finite, expect_tensor, expect_tuple
from grader.exercise import CheckFailure, Exercise, check, exercise_function, mistakes_in
from grader.lesson.given import PITCH_NAMES, PITCHES


@exercise_function
def make_sine_wave_harmonics(freq: float, amp: float, dur: float, sr: int = 16000, num_harm: int = 7) -> Tensor:
    """Return a sine of ``freq`` Hz and amplitude ``amp`` with random harmonics added.

    Start from the fundamental ``make_sine_wave(freq, amp, dur, sr)``. Then, for every
    k in ``2 … num_harm - 1`` (that is ``range(2, num_harm)``), add a sine at ``k * freq``
    with amplitude

        amp * u / k ** (1 + v)

    where u and v are two new numbers from ``random.random()`` for each k. The result is a
    1-D float32 tensor of ``int(dur * sr)`` samples.

    Draw u and v with Python's ``random`` module (not NumPy, not a ``random.Random`` of
    your own): after ``random.seed(s)`` the same call must give the same wave.
    ``make_sine_wave`` and ``make_white_noise`` are imported for you from exercise 01 (if
    you define your own in this file, yours are used, and exercise 01 is graded too).
    """


@exercise_function
def make_pitch_class_dataset(n_samples_per_pitch: int, dur: float = 3, sr: int = 16000) -> tuple[Tensor, Tensor]:
    """Return ``(audio, labels)``: ``n_samples_per_pitch`` clips of each of the 12 PITCHES.

    The clip of pitch p (p = 0 … 11, frequency ``PITCHES[p]``) is

        make_sine_wave_harmonics(PITCHES[p], 0.3 + random.random() / 2, dur, sr, num_harm=3)
        + make_white_noise(random.random() * 0.1, dur, sr)

    ``audio`` is a float32 tensor of shape ``[12 * n_samples_per_pitch, int(dur * sr)]``
    (one clip per row), ``labels`` an int64 tensor of shape ``[12 * n_samples_per_pitch]``
    holding each clip's pitch index p. Pitch-major order: first all the clips of pitch 0,
    then all those of pitch 1, and so on, so labels are ``0, 0, …, 1, 1, …, 11``.
    (``torch.stack`` turns a list of 1-D tensors into one 2-D tensor.)
    """


@exercise_function
def make_random_pitch_dataset(
    n_samples: int, pitch_range: tuple[int, int] = (220, 880), dur: float = 3, sr: int = 16000
) -> tuple[Tensor, Tensor]:
    """Return ``(audio, pitches)``: ``n_samples`` clips, each of a random integer pitch.

    For each clip, draw its pitch with ``random.randint(*pitch_range)`` (both ends
    included); the clip is

        make_sine_wave_harmonics(pitch, 0.3, dur, sr) + make_white_noise(random.random() * 0.2, dur, sr)

    ``audio`` is a float32 tensor of shape ``[n_samples, int(dur * sr)]``, ``pitches`` a
    float32 tensor of shape ``[n_samples]`` holding each clip's pitch in Hz.
    """


# --------------------------------------------------------------------------- spectra


def _amplitudes(x: Tensor) -> Tensor:
    """Amplitude of the sine in each FFT bin of the last axis (exact when bins are aligned)."""
    return torch.fft.rfft(x.to(torch.float64), dim=-1).abs() * (2.0 / x.shape[-1])


def _harmonic_wave(
    student, freq: float, amp: float, dur: float, sr: int | None, num_harm: int | None, seed: int
) -> tuple[Tensor, str]:
    """The student's wave for these arguments (None: left to the default), checked as a float32 vector."""
    args: list = [freq, amp, dur]
    kwargs: dict = {}
    if sr is not None:
        args.append(sr)
    if num_harm is not None:
        if sr is None:
            kwargs["num_harm"] = num_harm
        else:
            args.append(num_harm)
    shown = (
        "make_sine_wave_harmonics("
        + ", ".join([f"{a:g}" for a in args] + [f"{k}={v}" for k, v in kwargs.items()])
        + ")"
    )
    got = student.call("make_sine_wave_harmonics", *args, seed=seed, **kwargs).value
    n_samples = int(dur * (16000 if sr is None else sr))
    expect_tensor(got, what=shown, shape=(n_samples,), dtype=torch.float32)
    expect_finite(got, what=shown)
    return got.detach().to(torch.float64), shown


# Two bin-aligned cases: (freq, amp, dur, sr, num_harm); None leaves sr / num_harm to the default.
# 440 Hz over 0.25 s at 16 kHz is bin 110 of 4-Hz bins; 300 Hz over 0.5 s at 8 kHz is bin 150 of 2-Hz bins.
_DEFAULT_CASE = (440.0, 0.6, 0.25, None, None)
_SMALL_CASE = (300.0, 1.5, 0.5, 8000, 3)
_SEEDS = range(2)
# Float32 rounding leaves off-grid amplitudes of a few 1e-6 · amp; a partial off the grid is far louder.
_FLOOR = 1e-3


def _case_values(case: tuple) -> tuple[float, float, float, int, int]:
    freq, amp, dur, sr, num_harm = case
    return freq, amp, dur, 16000 if sr is None else sr, 7 if num_harm is None else num_harm


def _partials_text(num_harm: int) -> str:
    return "k = 2" if num_harm == 3 else f"k = 2 … {num_harm - 1}"


def _partial_index(freq: float, dur: float) -> int:
    return round(freq * dur)


@check(make_sine_wave_harmonics, points=2, public=True)
def harmonics_spectrum_on_grid(student, reference):
    """The fundamental has amplitude amp, and partials lie only at k·freq for k in 2 … num_harm - 1."""
    for case in (_SMALL_CASE, _DEFAULT_CASE):
        freq, amp, dur, sr, num_harm = _case_values(case)
        bin_of = _partial_index(freq, dur)
        for seed in _SEEDS:
            x, shown = _harmonic_wave(student, case[0], case[1], case[2], case[3], case[4], seed=seed)
            spectrum = _amplitudes(x)
            fundamental = float(spectrum[bin_of])
            if abs(fundamental - amp) > _FLOOR * amp:
                hint = None
                if fundamental > amp:
                    hint = (
                        "The harmonics start at k = 2: range(2, num_harm). Starting at k = 1 adds a second, "
                        "random sine at the fundamental."
                    )
                raise CheckFailure(
                    f"In {shown} (random.seed({seed})) the fundamental at {freq:g} Hz has amplitude "
                    f"{fundamental:.4g}; it should be amp = {amp:g}.",
                    hint=hint,
                )
            off_grid = spectrum.clone()
            allowed = [bin_of * k for k in range(1, num_harm)]
            off_grid[allowed] = 0.0
            worst = int(off_grid.argmax())
            if float(off_grid[worst]) > _FLOOR * amp:
                at = worst * sr / x.numel()
                ratio = at / freq
                hint = None
                if abs(ratio - round(ratio)) < 1e-6 and round(ratio) >= num_harm:
                    hint = (
                        f"The last partial is k = num_harm - 1 = {num_harm - 1}: range(2, num_harm) stops "
                        "before num_harm."
                    )
                elif any(abs(worst - b) <= 2 for b in allowed):
                    hint = (
                        "The energy spreads next to a partial: every partial must be an exact sine at "
                        "k · freq, sampled at n / sr."
                    )
                raise CheckFailure(
                    f"In {shown} (random.seed({seed})) there is a sine at {at:g} Hz ({ratio:.3g} × {freq:g} Hz) "
                    f"with amplitude {float(off_grid[worst]):.3g}; with num_harm={num_harm} the partials lie "
                    f"only at k × {freq:g} Hz for {_partials_text(num_harm)}.",
                    hint=hint,
                )


@check(make_sine_wave_harmonics, points=1, public=True)
def harmonics_partials_bounded(student, reference):
    """Partial k is never louder than amp / k (its amplitude is amp · u / k ** (1 + v))."""
    for case in (_SMALL_CASE, _DEFAULT_CASE):
        freq, amp, dur, sr, num_harm = _case_values(case)
        bin_of = _partial_index(freq, dur)
        for seed in (0,):  # the bound holds for every draw; one per case suffices
            x, shown = _harmonic_wave(student, case[0], case[1], case[2], case[3], case[4], seed=seed)
            spectrum = _amplitudes(x)
            for k in range(2, num_harm):
                level = float(spectrum[bin_of * k])
                if level > amp / k * (1 + _FLOOR):
                    raise CheckFailure(
                        f"In {shown} (random.seed({seed})) partial k = {k} ({k * freq:g} Hz) has amplitude "
                        f"{level:.4g}; amp · u / k ** (1 + v) is at most amp / k = {amp / k:.4g}.",
                        hint="Partial k has amplitude amp * u / k ** (1 + v): check the division by k and the "
                        "parentheses around 1 + v (k ** 1 + v is (k ** 1) + v).",
                    )


def _missing_partials(student, case: tuple) -> tuple[list[int], str, range]:
    """Partials k = 2 … num_harm - 1 that no seed gives (with the call shown and the seeds tried)."""
    freq, amp, dur, sr, num_harm = _case_values(case)
    bin_of = _partial_index(freq, dur)
    loudest = torch.zeros(num_harm)
    shown = ""
    # A partial is quieter than the floor only when u < 1e-3 · k ** (1 + v): at k = 6 about one seed in 60.
    seeds = range(3) if num_harm == 3 else range(4)
    for seed in seeds:
        x, shown = _harmonic_wave(student, case[0], case[1], case[2], case[3], case[4], seed=seed)
        spectrum = _amplitudes(x)
        for k in range(2, num_harm):
            loudest[k] = max(float(loudest[k]), float(spectrum[bin_of * k]))
    return [k for k in range(2, num_harm) if float(loudest[k]) <= _FLOOR * amp], shown, seeds


@check(make_sine_wave_harmonics, points=1, public=True)
def harmonics_every_partial_appears(student, reference):
    """Over several seeds, every partial k = 2 … num_harm - 1 appears (num_harm 3, and 7 by default)."""
    small, small_shown, small_seeds = _missing_partials(student, _SMALL_CASE)
    default, default_shown, default_seeds = _missing_partials(student, _DEFAULT_CASE)
    if not small and not default:
        return
    hint = "Add a sine at k · freq for every k in range(2, num_harm)."
    if small == [2] and default == [6]:
        hint = (
            "The last partial is k = num_harm - 1, and range(2, num_harm) includes it: "
            "range(2, num_harm - 1) leaves it out."
        )
    elif not small:
        explicit, _, _ = _missing_partials(student, _DEFAULT_CASE[:4] + (7,))
        if not explicit:
            hint = "With num_harm=7 passed, every partial is there: the default must be num_harm=7."
    case, missing, shown, seeds = (
        (_SMALL_CASE, small, small_shown, small_seeds)
        if small
        else (_DEFAULT_CASE, default, default_shown, default_seeds)
    )
    freq, _, _, _, num_harm = _case_values(case)
    left = " (num_harm left to its default, 7)" if case[4] is None else ""
    raise CheckFailure(
        f"Over random seeds 0 … {seeds[-1]}, {shown}{left} never has a partial at k = "
        f"{', '.join(map(str, missing))} (× {freq:g} Hz); every partial ({_partials_text(num_harm)}) should appear.",
        hint=hint,
    )


@check(make_sine_wave_harmonics, points=1, public=True)
def harmonics_follow_random_seed(student, reference):
    """The same random.seed gives the same wave; different seeds give different harmonics."""
    first, shown = _harmonic_wave(student, *_DEFAULT_CASE, seed=3)
    again, _ = _harmonic_wave(student, *_DEFAULT_CASE, seed=3)
    if not torch.equal(first, again):
        raise CheckFailure(
            f"Two calls of {shown} after random.seed(3) gave different waves.",
            hint="Draw u and v with random.random(), from Python's global generator that the grader seeds; "
            "not with NumPy or a random.Random of your own.",
        )
    one, _ = _harmonic_wave(student, *_DEFAULT_CASE, seed=1)
    two, _ = _harmonic_wave(student, *_DEFAULT_CASE, seed=2)
    amp = _DEFAULT_CASE[1]
    if float((one - two).abs().max()) <= _FLOOR * amp:
        raise CheckFailure(
            f"{shown} gave the same wave after random.seed(1) and after random.seed(2): the harmonics' "
            "amplitudes should be random.",
            hint="Draw new u and v with random.random() for every partial, inside the function; do not seed "
            "the generator yourself.",
        )


# --------------------------------------------------------------------------- data sets


def _pair(got, shown: str) -> tuple:
    return expect_tuple(got, 2, what=shown)


def _expect_part(got, what: str, shape: tuple[int, ...], dtype: torch.dtype | None) -> Tensor:
    """One tensor of a data set (audio, labels, pitches), with a hint when it came back as a list."""
    if not isinstance(got, Tensor):
        kind = dtype_name(dtype) + " " if dtype is not None else ""
        hint = None
        if isinstance(got, (list, tuple)) and got and all(isinstance(item, Tensor) for item in got):
            hint = "torch.stack(list_of_tensors) turns a list of equal-length 1-D tensors into one 2-D tensor."
        elif isinstance(got, (list, tuple)):
            dtype_argument = f", dtype=torch.{dtype_name(dtype)}" if dtype is not None else ""
            hint = f"Turn the list into a tensor: torch.tensor(values{dtype_argument})."
        raise CheckFailure(
            f"{what} should be a {kind}tensor of shape {list(shape)}, but it is {describe(got)}.", hint=hint
        )
    got = expect_tensor(got, what=what, shape=shape, dtype=dtype)
    expect_finite(got, what=what)
    return got


def _amplitudes_at(x: Tensor, freqs: Tensor, sr: int) -> Tensor:
    """Amplitude of the sine at each of ``freqs`` ``[rows, K]`` in each row of ``x`` ``[rows, N]``.

    A Hann-windowed Fourier sum at the exact frequency: exact for a sine there, and deaf to
    sines a few bins away. White noise of standard deviation σ adds about σ · sqrt(3 / N).
    """
    rows, n = x.shape
    window = torch.hann_window(n, periodic=False, dtype=torch.float64)
    t = torch.arange(n, dtype=torch.float64) / sr
    phase = 2 * math.pi * freqs.to(torch.float64)[:, :, None] * t
    weighted = (x.to(torch.float64) * window)[:, :, None]
    cosine = (phase.cos() @ weighted)[:, :, 0]
    sine = (phase.sin() @ weighted)[:, :, 0]
    return torch.hypot(cosine, sine) * (2.0 / float(window.sum()))


def _noise_level(x: Tensor, sr: int, above: float) -> Tensor:
    """Standard deviation of white noise in each row, measured in the band above ``above`` Hz."""
    n = x.shape[1]
    power = torch.fft.rfft(x.to(torch.float64), dim=1).abs().square()
    first = int(math.ceil(above * n / sr))
    return (power[:, first:-1].mean(dim=1) / n).sqrt()


def _strongest_frequencies(x: Tensor, sr: int) -> Tensor:
    x = x.to(torch.float64)
    spectrum = torch.fft.rfft(x - x.mean(dim=1, keepdim=True), dim=1).abs()
    return spectrum.argmax(dim=1).to(torch.float64) * sr / x.shape[1]


def _pitch_class_audio(student, n: int, dur: float, sr: int, shown: str) -> tuple[Tensor, Tensor]:
    """Audio of the right shape and the labels to judge it by: the student's if usable, else pitch-major."""
    audio, labels = _pair(student.make_pitch_class_dataset(n, dur, sr), shown)
    _expect_part(audio, f"The audio of {shown}", (12 * n, int(dur * sr)), torch.float32)
    expected = torch.arange(12).repeat_interleave(n)
    if (
        isinstance(labels, Tensor)
        and list(labels.shape) == [12 * n]
        and not labels.is_complex()
        and bool(torch.isfinite(labels.to(torch.float64)).all())
    ):
        values = labels.to(torch.float64)
        if bool((values == values.round()).all()) and bool(((values >= 0) & (values <= 11)).all()):
            return audio.detach().to(torch.float64), values.to(torch.int64)
    return audio.detach().to(torch.float64), expected


def _order_hint(labels: Tensor, n: int, audio: Tensor, sr: int) -> str | None:
    interleaved = torch.arange(12).repeat(n)
    if not torch.equal(labels.to(torch.int64), interleaved):
        return None
    strongest = _strongest_frequencies(audio.detach().to(torch.float64), sr)
    clips = (strongest[:, None] - torch.tensor(PITCHES, dtype=torch.float64)).abs().argmin(dim=1)
    if torch.equal(clips, torch.arange(12).repeat_interleave(n)):
        return (
            "Your clips are in pitch-major order but your labels are interleaved (0, 1, …, 11, 0, …): "
            "make the labels in the same order as the clips."
        )
    return (
        "The clips are interleaved (pitch 0, 1, …, 11, 0, 1, …). In a comprehension with two fors the "
        "left one is the outer loop: [... for pitch in PITCHES for _ in range(n)]."
    )


def _start(values: Tensor) -> str:
    shown = ", ".join(str(v) for v in values[:8].tolist())
    return f"[{shown}, …]" if values.numel() > 8 else f"[{shown}]"


_LOUD_PARTIAL_HINT = (
    "A partial is louder than the fundamental: in make_sine_wave_harmonics, partial k has amplitude "
    "amp * u / k ** (1 + v), at most amp / k (mind the parentheses around 1 + v)."
)


def _is_partial(strongest: float, pitch: float, tol: float) -> bool:
    """``strongest`` is a harmonic k ≥ 2 of ``pitch`` (within ``tol`` Hz)."""
    k = round(strongest / pitch)
    return k >= 2 and abs(strongest - k * pitch) <= tol


def _own_amplitudes(
    student, freq: float, amp: float, dur: float, sr: int, num_harm: int | None, ks: list[int], seed: int
) -> list[float] | None:
    """Amplitudes at k · freq of the student's own make_sine_wave_harmonics; None if it gives nothing usable."""
    args = (freq, amp, dur, sr) if num_harm is None else (freq, amp, dur, sr, num_harm)
    try:
        got = student.call("make_sine_wave_harmonics", *args, seed=seed).value
    except CheckFailure:
        return None
    if (
        not isinstance(got, Tensor)
        or not got.is_floating_point()
        or list(got.shape) != [int(dur * sr)]
        or not bool(torch.isfinite(got).all())
    ):
        return None
    freqs = torch.tensor([[k * freq for k in ks]], dtype=torch.float64)
    return _amplitudes_at(got.detach().to(torch.float64)[None], freqs, sr)[0].tolist()


def _own_fundamental_hint(student, freq: float, amp: float, dur: float, sr: int, num_harm: int | None) -> str | None:
    """A hint when the student's make_sine_wave_harmonics itself gets the fundamental's amplitude wrong."""
    for seed in (0, 1):
        own = _own_amplitudes(student, freq, amp, dur, sr, num_harm, [1], seed)
        if own is not None and abs(own[0] - amp) > 0.02 * amp:
            call = f"make_sine_wave_harmonics({freq:g}, {amp:g}, {dur:g}, {sr}{'' if num_harm is None else ', 3'})"
            return (
                f"Your {call} itself has a fundamental of amplitude {own[0]:.3g}, not amp = {amp:g}: "
                "fix make_sine_wave_harmonics first."
            )
    return None


@check(make_pitch_class_dataset, points=1, public=True)
def pitch_class_shapes_and_labels(student, reference):
    """Audio is float32 [12·n, int(dur·sr)], labels int64 [12·n] in pitch-major order (0, 0, 1, 1, …)."""
    for n, dur, sr, shown in (
        (2, 0.25, None, "make_pitch_class_dataset(2, 0.25)"),
        (1, None, 2000, "make_pitch_class_dataset(1, sr=2000)"),
    ):
        kwargs = {} if sr is None else {"sr": sr}
        args = (n,) if dur is None else (n, dur)
        got = _pair(student.make_pitch_class_dataset(*args, **kwargs), shown)
        audio, labels = got
        n_samples = int((3 if dur is None else dur) * (16000 if sr is None else sr))
        if isinstance(audio, Tensor) and audio.dim() == 2 and audio.shape[0] == 12 * n and audio.shape[1] != n_samples:
            hint = None
            if audio.shape[1] == 48000:
                hint = "Use the dur and sr you are given, not the lesson's fixed 3 s at 16 kHz."
            elif dur is None:
                hint = "The default duration must be dur=3 seconds."
            raise CheckFailure(
                f"The audio of {shown} should have {n_samples} samples per clip (int(dur * sr)), "
                f"but it has {audio.shape[1]}.",
                hint=hint,
            )
        _expect_part(audio, f"The audio of {shown}", (12 * n, n_samples), torch.float32)
        if isinstance(labels, Tensor) and labels.dtype != torch.int64 and list(labels.shape) == [12 * n]:
            raise CheckFailure(
                f"The labels of {shown} should be int64, but they are {str(labels.dtype).removeprefix('torch.')}.",
                hint="Labels are class indices: make them with torch.tensor(list_of_ints) (int64) or "
                "torch.arange, and do not convert them to float.",
            )
        _expect_part(labels, f"The labels of {shown}", (12 * n,), torch.int64)
        expected = torch.arange(12).repeat_interleave(n)
        if not torch.equal(labels, expected):
            first = int((labels != expected).nonzero()[0])
            raise CheckFailure(
                f"The labels of {shown} should be {_start(expected)} (pitch-major), but they are "
                f"{_start(labels)}: label {first} is {int(labels[first])}, not {int(expected[first])}.",
                hint=_order_hint(labels, n, audio, 16000 if sr is None else sr),
            )


@check(make_pitch_class_dataset, points=1)
def pitch_class_samples_match_labels(student, reference):
    """Each clip's strongest frequency is the pitch of its label (PITCHES[label])."""
    n, dur, sr = 2, 0.5, 8000
    shown = f"make_pitch_class_dataset({n}, {dur:g}, {sr})"
    audio, labels = _pitch_class_audio(student, n, dur, sr, shown)
    strongest = _strongest_frequencies(audio, sr).tolist()
    bin_width = sr / audio.shape[1]
    wrong = [row for row in range(audio.shape[0]) if abs(strongest[row] - PITCHES[int(labels[row])]) > bin_width]
    if wrong:
        hint = None
        if all(_is_partial(strongest[row], PITCHES[int(labels[row])], bin_width) for row in wrong):
            hint = _LOUD_PARTIAL_HINT
        elif all(any(abs(strongest[row] - p) <= bin_width for p in PITCHES) for row in wrong):
            hint = "Make clip i of pitch PITCHES[p] and give it the label p, in the same order for audio and labels."
        row = wrong[0]
        label = int(labels[row])
        raise CheckFailure(
            f"In {shown}, clip {row} is labelled {label} ({PITCH_NAMES[label]}, {PITCHES[label]:g} Hz), but its "
            f"strongest frequency is {strongest[row]:g} Hz.",
            hint=hint,
        )


@check(make_pitch_class_dataset, points=0.5, public=True)
def pitch_class_levels_of_half_second_clips(student, reference):
    """In make_pitch_class_dataset(1, 0.5, 16000), each fundamental is 0.3 … 0.8, the only partial k = 2, the noise at most 0.1."""
    _expect_pitch_class_levels(student, 1, 0.5, 16000)


@check(make_pitch_class_dataset, points=0.5)
def pitch_class_levels(student, reference):
    """Each clip's fundamental is 0.3 … 0.8, its only partial k = 2 (num_harm=3), its noise at most 0.1.

    The partial at 2 × pitch is at most half the fundamental, and the noise's standard deviation
    is measured above 6 kHz, where no partial lies.
    """
    _expect_pitch_class_levels(student, 1, 0.25, 16000)


def _expect_pitch_class_levels(student, n: int, dur: float, sr: int) -> None:
    """The levels of make_pitch_class_dataset(n, dur, sr): fundamental, partials and noise (sr above 12 kHz)."""
    shown = f"make_pitch_class_dataset({n}, {dur:g}, {sr})"
    audio, labels = _pitch_class_audio(student, n, dur, sr, shown)
    freqs = torch.tensor([PITCHES[int(label)] for label in labels], dtype=torch.float64)
    # Partials 1, 2 and 3: with num_harm above 3, partial 3 is there (and in some clip, loud).
    amplitudes = _amplitudes_at(audio, freqs[:, None] * torch.arange(1, 4, dtype=torch.float64), sr)
    # Partials stay below 6 × 830.6 Hz; above 6 kHz there is only the noise (measured within ~3 %).
    noise = _noise_level(audio, sr, 6000.0)
    # Noise of 0.1 moves a measured amplitude by about 0.1 · sqrt(3 / 4000) ≈ 0.003.
    tol = 0.02
    noise_bound = 0.1 * 1.2
    for row in range(audio.shape[0]):
        where = f"In {shown}, clip {row} ({float(freqs[row]):g} Hz)"
        a1, a2 = float(amplitudes[row, 0]), float(amplitudes[row, 1])
        freq = float(freqs[row])
        if not 0.3 - tol <= a1 <= 0.8 + tol:
            raise CheckFailure(
                f"{where} has a fundamental of amplitude {a1:.3g}; it should be 0.3 + random.random() / 2, "
                "between 0.3 and 0.8.",
                hint=_own_fundamental_hint(student, freq, 0.5, dur, sr, 3)
                or "Pass 0.3 + random.random() / 2 as amp to make_sine_wave_harmonics.",
            )
        if a2 > a1 / 2 + tol:
            raise CheckFailure(
                f"{where} has a partial at 2 × {freq:g} Hz of amplitude {a2:.3g}, louder than half "
                f"the fundamental's {a1:.3g}.",
                hint="In make_sine_wave_harmonics, partial k has amplitude amp * u / k ** (1 + v), at most amp / k "
                "(mind the parentheses around 1 + v).",
            )
        a3 = float(amplitudes[row, 2])
        if a3 > tol:
            own = [_own_amplitudes(student, freq, 1.0, dur, sr, 3, [3], seed) for seed in (0, 1)]
            if any(levels is not None and levels[0] > _FLOOR for levels in own):
                hint = (
                    f"Your make_sine_wave_harmonics({freq:g}, 1, {dur:g}, {sr}, 3) itself adds a partial at "
                    "k = 3: range(2, num_harm) stops before num_harm, so num_harm=3 gives only k = 2."
                )
            else:
                hint = "Pass num_harm=3 to make_sine_wave_harmonics."
            raise CheckFailure(
                f"{where} has a partial at 3 × {freq:g} Hz of amplitude {a3:.3g}; "
                "with num_harm=3 the only partial is k = 2.",
                hint=hint,
            )
        if float(noise[row]) > noise_bound:
            loudest = float(noise.max())
            noise_hint: str | None = None
            if loudest <= 0.2 * 1.2:
                noise_hint = "The noise level here is random.random() * 0.1; 0.2 is for the random-pitch data set."
            elif loudest <= 1.2:
                noise_hint = "The noise level is random.random() * 0.1: multiply random.random() by 0.1."
            raise CheckFailure(
                f"{where} has noise of standard deviation about {float(noise[row]):.3g}; it should be "
                "random.random() * 0.1, at most 0.1.",
                hint=noise_hint,
            )


def _pitch_values(pitches, n: int, shown: str) -> Tensor:
    """The pitches as float64, whatever numeric container they came in (checked elsewhere)."""
    if isinstance(pitches, (list, tuple)) and all(
        isinstance(p, (int, float)) and not isinstance(p, bool) for p in pitches
    ):
        pitches = torch.tensor([float(p) for p in pitches], dtype=torch.float64)
    if not isinstance(pitches, Tensor) or pitches.is_complex() or pitches.dtype == torch.bool:
        raise CheckFailure(f"The pitches of {shown} should be a float32 tensor, but they are {describe(pitches)}.")
    expect_tensor(pitches, what=f"The pitches of {shown}", shape=(n,))
    values = pitches.to(torch.float64)
    expect_finite(values, what=f"The pitches of {shown}")
    return values


@check(make_random_pitch_dataset, points=1, public=True)
def random_pitch_shapes_and_values(student, reference):
    """Audio is float32 [n, int(dur·sr)]; pitches float32 [n], integers within pitch_range."""
    calls = (
        (8, (300, 310), 0.25, None, "make_random_pitch_dataset(8, (300, 310), 0.25)"),
        (3, None, None, 2000, "make_random_pitch_dataset(3, sr=2000)"),
    )
    for n, pitch_range, dur, sr, shown in calls:
        args = (n,) if pitch_range is None else (n, pitch_range, dur)
        kwargs = {} if sr is None else {"sr": sr}
        audio, pitches = _pair(student.make_random_pitch_dataset(*args, **kwargs), shown)
        n_samples = int((3 if dur is None else dur) * (16000 if sr is None else sr))
        if isinstance(audio, Tensor) and audio.dim() == 2 and audio.shape[0] == n and audio.shape[1] != n_samples:
            raise CheckFailure(
                f"The audio of {shown} should have {n_samples} samples per clip (int(dur * sr)), "
                f"but it has {audio.shape[1]}.",
                hint="Use the dur and sr you are given; the defaults are dur=3 and sr=16000.",
            )
        _expect_part(audio, f"The audio of {shown}", (n, n_samples), torch.float32)
        if isinstance(pitches, Tensor) and pitches.dtype != torch.float32:
            raise CheckFailure(
                f"The pitches of {shown} should be float32, but they are {str(pitches.dtype).removeprefix('torch.')}.",
                hint="Pitches are regression targets: make them with torch.tensor(pitches, dtype=torch.float32).",
            )
        _expect_part(pitches, f"The pitches of {shown}", (n,), torch.float32)
        low, high = pitch_range or (220, 880)
        for index, value in enumerate(pitches.tolist()):
            if value != round(value):
                raise CheckFailure(
                    f"Pitch {index} of {shown} is {value:g}, not an integer.",
                    hint="Draw each pitch with random.randint(*pitch_range), which gives integers.",
                )
            if not low <= value <= high:
                raise CheckFailure(
                    f"Pitch {index} of {shown} is {value:g}, outside pitch_range = ({low}, {high}).",
                    hint="Draw each pitch with random.randint(*pitch_range), using the pitch_range you are given.",
                )
        if n > 1 and len(set(pitches.tolist())) == 1:
            raise CheckFailure(
                f"All {n} pitches of {shown} are {pitches[0].item():g}; each clip should draw its own pitch.",
            )


@check(make_random_pitch_dataset, points=0.5, public=True)
def random_pitch_samples_of_a_small_set(student, reference):
    """In make_random_pitch_dataset(4, (300, 600), 0.5, 8000), each clip's strongest frequency is its pitch, at amplitude 0.3."""
    _expect_random_pitch_samples(student, 4, (300, 600), 0.5, 8000)


@check(make_random_pitch_dataset, points=0.5)
def random_pitch_samples_match_pitches(student, reference):
    """Each clip's strongest frequency is its pitch, with a fundamental of amplitude 0.3."""
    _expect_random_pitch_samples(student, 6, (220, 880), 0.25, 16000)


def _expect_random_pitch_samples(student, n: int, pitch_range: tuple[int, int], dur: float, sr: int) -> None:
    """Each clip of make_random_pitch_dataset(n, pitch_range, dur, sr) is at its pitch, with a fundamental of 0.3."""
    shown = f"make_random_pitch_dataset({n}, {pitch_range}, {dur:g}, {sr})"
    audio, pitches = _pair(student.make_random_pitch_dataset(n, pitch_range, dur, sr), shown)
    _expect_part(audio, f"The audio of {shown}", (n, int(dur * sr)), torch.float32)
    values = _pitch_values(pitches, n, shown)
    audio = audio.detach().to(torch.float64)
    strongest = _strongest_frequencies(audio, sr)
    bin_width = sr / audio.shape[1]
    found, wanted = strongest.tolist(), values.tolist()
    wrong = [row for row in range(n) if abs(found[row] - wanted[row]) > bin_width]
    if wrong:
        hint = None
        low, high = pitch_range
        if all(_is_partial(found[row], wanted[row], bin_width) for row in wrong):
            hint = _LOUD_PARTIAL_HINT
        elif all(low - bin_width <= found[row] <= high + bin_width for row in wrong):
            hint = "Draw the pitch once per clip and use that same value for the clip and in pitches."
        row = wrong[0]
        raise CheckFailure(
            f"In {shown}, clip {row} has pitch {wanted[row]:g} Hz, but its strongest frequency is {found[row]:g} Hz.",
            hint=hint,
        )
    amplitudes = _amplitudes_at(audio, values[:, None], sr)[:, 0].tolist()
    # Noise of 0.2 moves the measured amplitude by about 0.2 · sqrt(3 / 4000) ≈ 0.0055.
    tol = 0.035
    wrong = [row for row in range(n) if abs(amplitudes[row] - 0.3) > tol]
    if wrong:
        row = wrong[0]
        hint = _own_fundamental_hint(student, wanted[row], 0.3, dur, sr, None)
        if hint is None:
            if all(0.3 - tol <= a <= 0.8 + tol for a in amplitudes) and max(amplitudes) - min(amplitudes) > 2 * tol:
                hint = (
                    "The fundamental's amplitude is a fixed 0.3 here, not 0.3 + random.random() / 2 as in the "
                    "pitch-class data set."
                )
            else:
                hint = "Each clip is make_sine_wave_harmonics(pitch, 0.3, dur, sr) plus noise."
        raise CheckFailure(
            f"In {shown}, clip {row} ({wanted[row]:g} Hz) has a fundamental of amplitude {amplitudes[row]:.3g}; "
            "it should be 0.3.",
            hint=hint,
        )


EXERCISE = Exercise(
    id="harmonics",
    title="harmonics and the pitch data sets",
    intro=(
        "Real instruments are not pure sines: above the fundamental f they sound partials at "
        "2f, 3f, … that get quieter as k grows. Here partial k (for k = 2 … num_harm − 1) has"
        " amplitude `amp · u / k^(1 + v)` with u and v random. The lesson builds two data "
        "sets from it: 12 pitch classes (A4 = 440 Hz up to Ab5 = 830.6 Hz, 100 clips of 3 s "
        "each, 1,200 in all) and random integer pitches between 220 and 880 Hz. A list "
        "comprehension with two `for`s and `torch.stack` do most of the work."
    ),
    filename="02_harmonics.py",
    functions=(make_sine_wave_harmonics, make_pitch_class_dataset, make_random_pitch_dataset),
    stub_header=(
        "import random\n\nimport torch\nfrom torch import Tensor\n\n"
        "from grader.lesson.given import PITCHES, PITCH_NAMES, make_sine_wave, make_white_noise\n"
    ),
    reference=reference.harmonics,
    mistakes=mistakes_in(Path(__file__).parent / "mistakes" / "harmonics"),
)
