"""Exercise 02: harmonics and the pitch data sets.

Fill in the functions below, then run:

    grade exercises/02_harmonics.py
"""
import random

import torch
from torch import Tensor

from grader.lesson.given import PITCHES, PITCH_NAMES, make_sine_wave, make_white_noise


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
    raise NotImplementedError


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
    raise NotImplementedError


def make_random_pitch_dataset(n_samples: int, pitch_range: tuple[int, int] = (220, 880), dur: float = 3, sr: int = 16000) -> tuple[Tensor, Tensor]:
    """Return ``(audio, pitches)``: ``n_samples`` clips, each of a random integer pitch.

    For each clip, draw its pitch with ``random.randint(*pitch_range)`` (both ends
    included); the clip is

        make_sine_wave_harmonics(pitch, 0.3, dur, sr) + make_white_noise(random.random() * 0.2, dur, sr)

    ``audio`` is a float32 tensor of shape ``[n_samples, int(dur * sr)]``, ``pitches`` a
    float32 tensor of shape ``[n_samples]`` holding each clip's pitch in Hz.
    """
    raise NotImplementedError
