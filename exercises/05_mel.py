"""Exercise 05: mel spectrogram set-up.

Fill in the functions below, then run:

    grade exercises/05_mel.py
"""
from typing import Callable

import torch
import torchaudio
from torch import Tensor


def make_mel_spectrogram(sample_rate: int = 16000, n_fft: int = 4192, f_min: float = 400.0, f_max: float = 3200.0, n_mels: int = 48) -> Callable[[Tensor], Tensor]:
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
    raise NotImplementedError


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
    raise NotImplementedError


def num_frames(num_samples: int, n_fft: int, hop_length: int | None = None) -> int:
    """Return the number of frames a centred STFT makes of ``num_samples`` samples, as an int.

    A centred STFT pads ``n_fft // 2`` samples on each side and starts a frame every
    ``hop_length`` samples, which gives ``1 + num_samples // hop_length`` frames. When
    ``hop_length`` is None it is ``n_fft // 2``. (48000 samples with n_fft 4192 give 23.)
    """
    raise NotImplementedError


def receptive_field_seconds(n_frames: int, n_fft: int, hop_length: int, sample_rate: int) -> float:
    """Return how many seconds of audio ``n_frames`` consecutive frames span, as a float.

    The first frame covers ``n_fft`` samples and every further frame adds ``hop_length``
    samples. (10 frames with n_fft 512 and hop 256 at 16 kHz span 0.176 s.)
    """
    raise NotImplementedError
