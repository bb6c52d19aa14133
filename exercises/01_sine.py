"""Exercise 01: sine waves and white noise.

Fill in the functions below, then run:

    grade exercises/01_sine.py
"""
import math

import torch
from torch import Tensor


def make_sine_wave(freq: float, amp: float, dur: float, sr: int = 16000) -> Tensor:
    """Return a sine wave of frequency ``freq`` Hz and amplitude ``amp``, ``dur`` seconds long.

    The result is a 1-D float32 tensor of ``int(dur * sr)`` samples, where ``sr`` is the
    sample rate in Hz. Sample ``n`` (counting from 0) is taken at time ``n / sr`` seconds:

        amp * sin(2π · freq · n / sr)

    so the wave starts at 0 and the last sample is at ``(int(dur * sr) - 1) / sr`` seconds.
    """
    raise NotImplementedError


def make_white_noise(amp: float, dur: float, sr: int = 16000) -> Tensor:
    """Return ``dur`` seconds of Gaussian white noise with standard deviation ``amp``.

    The result is a 1-D float32 tensor of ``int(dur * sr)`` samples, each drawn independently
    from a normal distribution with mean 0 and standard deviation ``amp``.

    Draw the numbers with torch's random functions (torch.randn, torch.normal, ...), so that
    after ``torch.manual_seed(s)`` the same call gives the same noise, and a different seed
    gives different noise.
    """
    raise NotImplementedError
