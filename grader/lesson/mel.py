"""Exercise 05: the mel spectrogram set-up (transform, filter bank, frame count, receptive field)."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

import reference.mel
from grader.compare import describe, expect_close, expect_int, expect_number, expect_tensor
from grader.exercise import CheckFailure, Exercise, Forbidden, check, exercise_function, mistakes_in, solution_helper
from grader.inputs import randn


@exercise_function
def make_mel_spectrogram(
    sample_rate: int = 16000,
    n_fft: int = 4192,
    f_min: float = 400.0,
    f_max: float = 3200.0,
    n_mels: int = 48,
) -> Callable[[Tensor], Tensor]:
    """Return a transform (a callable) that turns audio into a power mel spectrogram.

    The transform takes float32 audio of shape ``[..., time]`` (one clip, or a batch of
    clips) and returns a float32 tensor of shape ``[..., n_mels, frames]``: the power
    (squared magnitude) of the short-time Fourier transform, with a Hann window of ``n_fft``
    samples, a hop of ``n_fft // 2`` samples and centred frames, passed through ``n_mels``
    triangular filters on the HTK mel scale from ``f_min`` to ``f_max`` Hz, without filter
    normalisation.

    That is what ``torchaudio.transforms.MelSpectrogram`` does when you give it these
    arguments (and leave the rest at its defaults); you may use it here. Use every argument:
    the grader also calls your function with other values. With the defaults, 3 s of audio at
    16 kHz gives a spectrogram of shape ``[48, 23]``.
    """


_WRITE_IT = (
    "convert f_min and f_max to mel (2595 · log10(1 + f / 700)), space n_mels + 2 points evenly, "
    "convert back to Hz, and build each triangle over the bin frequencies."
)
# make_mel_spectrogram may use torchaudio's transforms; mel_filterbank must be built by hand.
# No operator backstop: a filter bank is made of linspace, pow, sub, div, minimum and maximum,
# the operators a hand-written one uses too. The library's functions refuse themselves.
FORBIDDEN_IN_FILTERBANK = (
    Forbidden("torchaudio.functional.melscale_fbanks", _WRITE_IT, python=("torchaudio.functional.melscale_fbanks",)),
    Forbidden("torchaudio.transforms.MelScale", _WRITE_IT, python=("torchaudio.transforms.MelScale",)),
    Forbidden("torchaudio.transforms.MelSpectrogram", _WRITE_IT, python=("torchaudio.transforms.MelSpectrogram",)),
    # The private helper that builds the triangles (melscale_fbanks and linear_fbanks call it).
    Forbidden(
        "torchaudio's triangular filter bank",
        _WRITE_IT,
        python=("torchaudio.functional.functional._create_triangular_filterbank",),
    ),
)


@exercise_function(forbidden=FORBIDDEN_IN_FILTERBANK)
def mel_filterbank(n_freqs: int, f_min: float, f_max: float, n_mels: int, sample_rate: int) -> Tensor:
    """Return the mel filter bank as a float32 tensor of shape ``[n_freqs, n_mels]``.

    Build it by hand:

    - frequency bin i (row i) sits at ``i * (sample_rate / 2) / (n_freqs - 1)`` Hz;
    - the HTK mel scale is ``mel = 2595 * log10(1 + f / 700)`` (and back:
      ``f = 700 * (10 ** (mel / 2595) - 1)``);
    - take ``n_mels + 2`` points evenly spaced in mel from ``f_min`` to ``f_max``;
    - filter m (column m) is a triangle: 0 at point m, rising linearly (in Hz) to 1 at point
      m + 1, falling linearly back to 0 at point m + 2, and 0 everywhere else;
    - no area normalisation: every triangle peaks at 1.

    This is ``torchaudio.functional.melscale_fbanks(n_freqs, f_min, f_max, n_mels,
    sample_rate, norm=None, mel_scale="htk")``, which is not allowed here, nor are
    ``torchaudio.transforms.MelScale``, ``torchaudio.transforms.MelSpectrogram`` and
    torchaudio's private helper that builds the triangles.
    """


@exercise_function
def num_frames(num_samples: int, n_fft: int, hop_length: int | None = None) -> int:
    """Return the number of frames a centred STFT makes of ``num_samples`` samples, as an int.

    A centred STFT pads ``n_fft // 2`` samples on each side and starts a frame every
    ``hop_length`` samples, which gives ``1 + num_samples // hop_length`` frames. When
    ``hop_length`` is None it is ``n_fft // 2``. (48000 samples with n_fft 4192 give 23.)
    """


@exercise_function
def receptive_field_seconds(n_frames: int, n_fft: int, hop_length: int, sample_rate: int) -> float:
    """Return how many seconds of audio ``n_frames`` consecutive frames span, as a float.

    The first frame covers ``n_fft`` samples and every further frame adds ``hop_length``
    samples. (10 frames with n_fft 512 and hop 256 at 16 kHz span 0.176 s.)
    """


# --------------------------------------------------------------------------- inputs and diagnosis


def _clip(num_samples: int, sample_rate: int, freq: float, amp: float, noise: float, seed: int) -> Tensor:
    """A sine with its octave (at amp / 3) plus Gaussian noise, float32, from a seed."""
    n = torch.arange(num_samples, dtype=torch.float64)
    tone = amp * torch.sin(2 * math.pi * freq * n / sample_rate)
    tone += amp / 3 * torch.sin(2 * math.pi * 2 * freq * n / sample_rate)
    return (tone + randn(num_samples, seed=seed, scale=noise, dtype=torch.float64)).to(torch.float32)


def _hz_to_mel(f: Tensor, scale: str) -> Tensor:
    if scale == "htk":
        return 2595.0 * torch.log10(1.0 + f / 700.0)
    # Slaney: linear below 1 kHz, logarithmic above.
    log_step = math.log(6.4) / 27.0
    return torch.where(f < 1000.0, 3.0 * f / 200.0, 15.0 + torch.log(f / 1000.0) / log_step)


def _mel_to_hz(m: Tensor, scale: str) -> Tensor:
    if scale == "htk":
        return 700.0 * (10.0 ** (m / 2595.0) - 1.0)
    log_step = math.log(6.4) / 27.0
    return torch.where(m < 15.0, 200.0 * m / 3.0, 1000.0 * torch.exp(log_step * (m - 15.0)))


@solution_helper
def _bank(
    n_freqs: int,
    f_min: float,
    f_max: float,
    n_mels: int,
    sample_rate: int,
    *,
    scale: str = "htk",
    bins_hz: Tensor | None = None,
    area_norm: bool = False,
    natural_log: bool = False,
) -> Tensor:
    """A float64 filter bank ``[n_freqs, n_mels]``, right or with one of the known mistakes."""
    if bins_hz is None:
        bins_hz = torch.arange(n_freqs, dtype=torch.float64) * (sample_rate / 2) / (n_freqs - 1)
    edges = torch.tensor([f_min, f_max], dtype=torch.float64)
    if natural_log:  # 2595 · ln on the way in, 10 ** on the way back
        mel_edges = 2595.0 * torch.log(1.0 + edges / 700.0)
    else:
        mel_edges = _hz_to_mel(edges, scale)
    mels = torch.linspace(float(mel_edges[0]), float(mel_edges[1]), n_mels + 2, dtype=torch.float64)
    hz = _mel_to_hz(mels, scale)
    left, centre, right = hz[:-2], hz[1:-1], hz[2:]
    bank = torch.clamp(
        torch.minimum((bins_hz[:, None] - left) / (centre - left), (right - bins_hz[:, None]) / (right - centre)),
        min=0.0,
    )
    if area_norm:
        bank = bank * (2.0 / (right - left))
    return bank


@solution_helper
def _spectrogram(
    audio: Tensor,
    sample_rate: int,
    n_fft: int,
    f_min: float,
    f_max: float,
    n_mels: int,
    *,
    power: float = 2.0,
    scale: str = "htk",
    area_norm: bool = False,
    periodic: bool = True,
) -> Tensor:
    """A float64 power mel spectrogram, right or with one of the known mistakes."""
    window = torch.hann_window(n_fft, periodic=periodic, dtype=torch.float64)
    frames = torch.stft(
        audio.to(torch.float64).reshape(-1, audio.shape[-1]),
        n_fft,
        hop_length=n_fft // 2,
        window=window,
        center=True,
        pad_mode="reflect",
        return_complex=True,
    )
    bank = _bank(n_fft // 2 + 1, f_min, f_max, n_mels, sample_rate, scale=scale, area_norm=area_norm)
    mel = torch.einsum("bft,fm->bmt", frames.abs() ** power, bank)
    return mel.reshape(*audio.shape[:-1], n_mels, mel.shape[-1])


def _close(got: Tensor, expected: Tensor, rtol: float, atol: float) -> bool:
    return got.shape == expected.shape and bool(
        ((got.double() - expected.double()).abs() <= atol + rtol * expected.double().abs()).all()
    )


SPECTROGRAM_DEFAULTS = {"sample_rate": 16000, "n_fft": 4192, "f_min": 400.0, "f_max": 3200.0, "n_mels": 48}
# Measured: a float32 STFT with torchaudio's float32 filters (or hand-made float32 ones) is
# within 1.2e-6 of the spectrogram's maximum of the float64 reference (7e-5 relative), about
# 1 % of what is allowed here. A symmetric Hann window is off by 2.5e-4 of the maximum (2e-3
# relative at n_fft 512); a wrong mel scale, power, hop or padding by more than 1e-1.
SPECTROGRAM_RTOL = 1e-3
SPECTROGRAM_ATOL_OF_MAX = 5e-5


def _spectrogram_hint(got: Tensor, audio: Tensor, settings: dict[str, Any], omitted: bool) -> str | None:
    """Name the known mistake that explains ``got``, if one does."""
    sr, n_fft, f_min, f_max, n_mels = (settings[k] for k in ("sample_rate", "n_fft", "f_min", "f_max", "n_mels"))
    length = audio.shape[-1]
    frames = 1 + length // (n_fft // 2)
    if got.dim() >= 2 and list(got.shape[:-2]) == list(audio.shape[:-1]):
        mels, count = got.shape[-2], got.shape[-1]
        if mels != n_mels:
            if mels == SPECTROGRAM_DEFAULTS["n_mels"] and not omitted:
                return f"There are {mels} mel bands where n_mels={n_mels} asks for {n_mels}: pass n_mels on instead of a fixed value."
            if mels == 128:
                return "128 mel bands is torchaudio's default n_mels: pass n_mels on to the transform."
            if omitted:
                return f"n_mels defaults to {n_mels}: with the defaults the spectrogram has {n_mels} mel bands."
            return f"The mel axis (second to last) should have n_mels = {n_mels} bands."
        if count != frames:
            explanations = [
                (
                    1 + length // n_fft,
                    "That is the frame count of a hop of n_fft; the hop is n_fft // 2 (torchaudio's default hop_length).",
                ),
                (
                    1 + (length - n_fft) // (n_fft // 2),
                    "That is the frame count without centring: frames are centred (center=True), which pads n_fft // 2 samples on each side.",
                ),
            ]
            if n_fft == 4192:
                explanations.append(
                    (
                        1 + length // 2048,
                        "That is the frame count of n_fft = 4096: the lesson uses n_fft = 4192 (not a power of two, but that is what it asks for).",
                    )
                )
            matching = [hint for value, hint in explanations if value == count]
            if len(matching) == 1:
                return matching[0]
            if not matching and not omitted:
                return f"With n_fft={n_fft} the hop is {n_fft // 2}, giving {frames} frames: pass n_fft on instead of a fixed value."
            return None
    if got.shape[-2:] != (n_mels, frames):
        return None
    expected = _spectrogram(audio, sr, n_fft, f_min, f_max, n_mels)
    rtol, atol = 1e-2, 1e-3 * float(expected.abs().max())
    variants: list[tuple[dict[str, Any], str]] = [
        (
            {"power": 1.0},
            "These look like magnitudes (power=1): the spectrogram is of power, |STFT|² (power=2.0, the default).",
        ),
        (
            {"scale": "slaney", "area_norm": True},
            "These look like the Slaney mel scale with Slaney normalisation: use the HTK scale without normalisation (mel_scale='htk', norm=None, torchaudio's defaults).",
        ),
        (
            {"scale": "slaney"},
            "These look like the Slaney mel scale: use the HTK scale (mel_scale='htk', torchaudio's default).",
        ),
        (
            {"area_norm": True},
            "These look like area-normalised filters (norm='slaney'): leave the filters unnormalised (norm=None, torchaudio's default).",
        ),
        (
            {"periodic": False},
            "These look like a symmetric Hann window: use the periodic one (torch.hann_window's default, what torchaudio uses).",
        ),
    ]
    for changes, hint in variants:
        if _close(got, _spectrogram(audio, sr, n_fft, f_min, f_max, n_mels, **changes), rtol, atol):
            return hint
    if omitted and _close(got, _spectrogram(audio, sr, 4096, f_min, f_max, n_mels), rtol, atol):
        return "These look like n_fft = 4096: the lesson uses n_fft = 4192 (not a power of two, but that is what it asks for)."
    # An argument left at torchaudio's default, or (when the check passed it) at the exercise's.
    candidates = [("f_min", 0.0), ("f_max", sr / 2)]
    if not omitted:
        candidates += [(name, SPECTROGRAM_DEFAULTS[name]) for name in ("sample_rate", "f_min", "f_max")]
    for name, value in candidates:
        if settings[name] == value:
            continue
        changed = dict(settings, **{name: value})
        if _close(got, _spectrogram(audio, *(changed[k] for k in SPECTROGRAM_DEFAULTS)), rtol, atol):
            return f"These look like a spectrogram made with {name}={value:g} instead of {settings[name]:g}: pass {name} on to the transform."
    return None


def _expect_spectrogram(
    student, reference, audio: Tensor, settings: dict[str, Any], *, omitted: bool, what: str
) -> None:
    """The student's transform of ``audio`` must match the reference's for ``settings``.

    With ``omitted`` the student's function is called with no arguments (its defaults),
    otherwise with all of ``settings`` by position.
    """
    args = () if omitted else tuple(settings[k] for k in SPECTROGRAM_DEFAULTS)
    try:
        got = student.call("make_mel_spectrogram", *args, method="__call__", method_args=[audio]).value
    except CheckFailure as failure:
        hint = failure.hint
        if "__call__" in failure.message:
            hint = (
                "make_mel_spectrogram returns the transform itself (a callable, such as "
                "torchaudio.transforms.MelSpectrogram(...)), which is then called on audio."
            )
        raise CheckFailure(failure.message, hint=hint) from None
    expected = reference.call(
        "make_mel_spectrogram", *(settings[k] for k in SPECTROGRAM_DEFAULTS), method="__call__", method_args=[audio]
    ).value
    shape = list(expected.shape)
    if not isinstance(got, Tensor):
        raise CheckFailure(f"{what} should be a torch.Tensor, but the transform returned {describe(got)}.")
    try:
        expect_tensor(got, what=what, shape=shape, dtype=torch.float32)
        expect_close(
            got, expected, what=what, rtol=SPECTROGRAM_RTOL, atol=SPECTROGRAM_ATOL_OF_MAX * float(expected.abs().max())
        )
    except CheckFailure as failure:
        raise CheckFailure(failure.message, hint=_spectrogram_hint(got, audio, settings, omitted)) from None


# --------------------------------------------------------------------------- make_mel_spectrogram


@check(make_mel_spectrogram, points=2, public=True)
def mel_spectrogram_matches_lesson_defaults(student, reference):
    """With its defaults, the transform of 3 s at 16 kHz is a [48, 23] mel power spectrogram that matches."""
    audio = _clip(48000, 16000, freq=523.3, amp=0.5, noise=0.2, seed=50)
    _expect_spectrogram(
        student,
        reference,
        audio,
        SPECTROGRAM_DEFAULTS,
        omitted=True,
        what="make_mel_spectrogram()(3 s of audio at 16 kHz)",
    )


@check(make_mel_spectrogram, points=1)
def mel_spectrogram_handles_a_batch(student, reference):
    """With its defaults, the transform of a [2, 12000] batch gives [2, 48, 6], each clip matching."""
    audio = torch.stack(
        [
            _clip(12000, 16000, freq=440.0, amp=0.5, noise=0.1, seed=51),
            _clip(12000, 16000, freq=830.6, amp=0.3, noise=0.2, seed=52),
        ]
    )
    _expect_spectrogram(
        student, reference, audio, SPECTROGRAM_DEFAULTS, omitted=True, what="make_mel_spectrogram()(audio [2, 12000])"
    )


@check(make_mel_spectrogram, points=0.5, public=True)
def mel_spectrogram_follows_n_fft_and_n_mels(student, reference):
    """make_mel_spectrogram(16000, 1024, 400, 3200, 24) gives 24 mel bands and 16 frames for 0.5 s, and matches."""
    settings = {"sample_rate": 16000, "n_fft": 1024, "f_min": 400.0, "f_max": 3200.0, "n_mels": 24}
    audio = _clip(8000, 16000, freq=440.0, amp=0.5, noise=0.1, seed=55)
    _expect_spectrogram(
        student,
        reference,
        audio,
        settings,
        omitted=False,
        what="make_mel_spectrogram(16000, 1024, 400, 3200, 24)(audio)",
    )


@check(make_mel_spectrogram, points=0.5)
def mel_spectrogram_honours_its_arguments(student, reference):
    """The transform follows sample_rate, n_fft, f_min, f_max and n_mels when they are not the defaults."""
    cases = [
        (
            {"sample_rate": 16000, "n_fft": 512, "f_min": 0.0, "f_max": 6000.0, "n_mels": 40},
            _clip(4000, 16000, freq=1000.0, amp=0.5, noise=0.1, seed=53),
        ),
        (
            {"sample_rate": 8000, "n_fft": 256, "f_min": 100.0, "f_max": 3500.0, "n_mels": 24},
            _clip(2000, 8000, freq=700.0, amp=0.4, noise=0.1, seed=54),
        ),
    ]
    for settings, audio in cases:
        shown = ", ".join(f"{v:g}" for v in settings.values())
        _expect_spectrogram(
            student, reference, audio, settings, omitted=False, what=f"make_mel_spectrogram({shown})(audio)"
        )


# --------------------------------------------------------------------------- mel_filterbank

# torchaudio's float32 filter bank is within 8e-6 of the exact one (EXERCISES.md).
FILTERBANK_ATOL = 5e-5


def _filterbank_hint(got: Tensor, args: tuple) -> str | None:
    n_freqs, f_min, f_max, n_mels, sample_rate = args
    if list(got.shape) == [n_mels, n_freqs]:
        return "Rows are frequency bins and columns are filters: the shape is [n_freqs, n_mels] (transpose yours)."
    if got.dim() == 2 and got.shape[0] == n_freqs and got.shape[1] == n_mels - 2:
        return "n_mels filters need n_mels + 2 points on the mel scale: filter m uses points m, m + 1 and m + 2."
    if list(got.shape) != [n_freqs, n_mels]:
        return None
    got64 = got.detach().double()
    variants: list[tuple[dict[str, Any], str]] = [
        (
            {"scale": "slaney"},
            "These look like Slaney mel filters: use the HTK formula mel = 2595 · log10(1 + f / 700).",
        ),
        (
            {"natural_log": True},
            "These look like mel = 2595 · ln(1 + f / 700) with 10 ** (mel / 2595) on the way back: the HTK formula uses log10.",
        ),
        (
            {"bins_hz": torch.arange(n_freqs, dtype=torch.float64) * sample_rate / n_freqs},
            "These look like bins at i · sample_rate / n_freqs Hz: the n_freqs bins run from 0 to sample_rate / 2, at i · (sample_rate / 2) / (n_freqs - 1).",
        ),
        ({"area_norm": True}, "These look like area-normalised filters: leave them unnormalised, each peaking at 1."),
    ]
    for changes, hint in variants:
        if _close(got64, _bank(*args, **changes), 0.0, 1e-3):
            return hint
    expected = _bank(*args)
    peaks = got64.amax(dim=0)
    if bool((expected.amax(dim=0) > 0.5).all()) and bool((peaks > 0).all()):
        scaled = got64 / peaks
        if _close(scaled, expected / expected.amax(dim=0), 0.0, 1e-3) and not _close(
            peaks, expected.amax(dim=0), 0.0, 1e-3
        ):
            return "Each filter has the right shape but a different height: leave them unnormalised (no area normalisation)."
    return None


def _expect_filterbank(student, reference, args: tuple) -> None:
    shown = "mel_filterbank(" + ", ".join(f"{a:g}" for a in args) + ")"
    got = student.mel_filterbank(*args)
    # The reference is computed in float64 and rounded to float32 (3e-8 at most).
    expected = reference.mel_filterbank(*args)
    try:
        expect_tensor(got, what=shown, shape=tuple(expected.shape), dtype=torch.float32)
        expect_close(got, expected, what=shown, rtol=0.0, atol=FILTERBANK_ATOL)
    except CheckFailure as failure:
        hint = _filterbank_hint(got, args) if isinstance(got, Tensor) else None
        raise CheckFailure(failure.message, hint=hint) from None


@check(mel_filterbank, points=1.5, public=True)
def filterbank_matches_lesson_settings(student, reference):
    """mel_filterbank(2097, 400, 3200, 48, 16000), the lesson's filters, matches."""
    _expect_filterbank(student, reference, (2097, 400.0, 3200.0, 48, 16000))


@check(mel_filterbank, points=1.5)
def filterbank_matches_other_settings(student, reference):
    """mel_filterbank matches for other sizes, ranges and sample rates (f_min 0, f_max at Nyquist)."""
    for args in ((257, 0.0, 8000.0, 40, 16000), (129, 50.0, 4000.0, 20, 8000), (513, 20.0, 11025.0, 64, 22050)):
        _expect_filterbank(student, reference, args)


# --------------------------------------------------------------------------- num_frames


def _expect_frames(student, reference, args: tuple) -> None:
    num_samples, n_fft = args[:2]
    hop = args[2] if len(args) > 2 else n_fft // 2
    shown = f"num_frames({', '.join(str(a) for a in args)})"
    got = student.num_frames(*args)
    expected = reference.num_frames(*args)
    hint = None
    if isinstance(got, float) and got == expected:
        hint = "The count is right but it is a float: use integer division (n_fft // 2, num_samples // hop) so it stays an int."
    elif isinstance(got, (int, float)) and not isinstance(got, bool):
        if got == expected - 1:
            hint = "A centred STFT pads n_fft // 2 samples on each side, which makes one more frame: 1 + num_samples // hop."
        elif got == 1 + (num_samples - n_fft) // hop:
            hint = "That is the count without centring. A centred STFT pads n_fft // 2 samples on each side: 1 + num_samples // hop."
        elif len(args) > 2 and got == 1 + num_samples // (n_fft // 2):
            hint = "That is the count for a hop of n_fft // 2: use hop_length when it is given."
    try:
        expect_int(got, expected, what=shown)
    except CheckFailure as failure:
        raise CheckFailure(failure.message, hint=hint) from None


@check(num_frames, points=0.5, public=True)
def num_frames_with_default_hop(student, reference):
    """num_frames(48000, 4192) is 23, the lesson's figure; the default hop is n_fft // 2."""
    for args in ((48000, 4192), (16000, 512), (1000, 400), (100, 7)):
        _expect_frames(student, reference, args)


@check(num_frames, points=0.5, public=True)
def num_frames_with_a_given_hop(student, reference):
    """num_frames(8000, 400, 160) is 51: a given hop_length is used instead of n_fft // 2."""
    _expect_frames(student, reference, (8000, 400, 160))


@check(num_frames, points=0.5)
def num_frames_with_hop_length(student, reference):
    """num_frames uses hop_length when it is given."""
    for args in ((16000, 512, 160), (48000, 4192, 1000), (100, 64, 7)):
        _expect_frames(student, reference, args)


# --------------------------------------------------------------------------- receptive_field_seconds


def _expect_seconds(student, reference, args: tuple) -> None:
    n_frames, n_fft, hop, sr = args
    shown = f"receptive_field_seconds({', '.join(str(a) for a in args)})"
    got = student.receptive_field_seconds(*args)
    expected = reference.receptive_field_seconds(*args)
    hint = None
    if isinstance(got, (int, float)) and not isinstance(got, bool):

        def near(value: float) -> bool:
            return math.isclose(got, value, rel_tol=1e-6)

        if near(expected * sr):
            hint = "That is a number of samples: divide by sample_rate to get seconds."
        elif near(n_frames * hop / sr):
            hint = "Frames overlap: the first frame spans n_fft samples, and each further frame adds hop_length."
        elif near((n_fft + n_frames * hop) / sr):
            hint = "n_frames frames have n_frames - 1 hops between them: n_fft + (n_frames - 1) · hop_length samples."
        elif near((n_fft + (n_frames - 1) * (n_fft // 2)) / sr) and hop != n_fft // 2:
            hint = "That uses a hop of n_fft // 2: use hop_length."
    try:
        expect_number(got, expected, what=shown, rtol=1e-6)
    except CheckFailure as failure:
        raise CheckFailure(failure.message, hint=hint) from None


@check(receptive_field_seconds, points=0.5, public=True)
def receptive_field_matches_lesson(student, reference):
    """receptive_field_seconds(10, 512, 256, 16000) is 0.176 s, the lesson's figure."""
    _expect_seconds(student, reference, (10, 512, 256, 16000))


@check(receptive_field_seconds, points=0.5, public=True)
def receptive_field_with_a_shorter_hop(student, reference):
    """receptive_field_seconds(10, 512, 160, 16000) is 0.122 s: the hop_length given, not n_fft // 2."""
    _expect_seconds(student, reference, (10, 512, 160, 16000))


@check(receptive_field_seconds, points=0.5)
def receptive_field_other_settings(student, reference):
    """receptive_field_seconds is right for one frame, for the data set's 23 frames and for other hops."""
    for args in ((1, 400, 160, 16000), (23, 4192, 2096, 16000), (5, 1024, 300, 22050)):
        _expect_seconds(student, reference, args)


EXERCISE = Exercise(
    id="mel",
    title="mel spectrogram set-up",
    intro=(
        "A spectrogram cuts audio into overlapping frames with a Hann window and Fourier-"
        "transforms each frame; a longer window sharpens frequency but blurs time. Hearing is"
        " closer to the mel scale (`2595 · log10(1 + f / 700)`), so a mel filter bank sums "
        "the STFT bins into `n_mels` triangular bands; unlike a plain spectrogram it needs "
        "the sample rate. With hop `n_fft // 2` and centred frames, 3 s at 16 kHz with `n_fft"
        " = 4192` give 23 frames, and `size` frames cover `n_fft + (size − 1) · hop` samples "
        "(0.176 s for 10 frames of 512 at 16 kHz)."
    ),
    filename="05_mel.py",
    functions=(make_mel_spectrogram, mel_filterbank, num_frames, receptive_field_seconds),
    stub_header="from typing import Callable\n\nimport torch\nimport torchaudio\nfrom torch import Tensor\n",
    reference=reference.mel,
    mistakes=mistakes_in(Path(__file__).parent / "mistakes" / "mel"),
)
