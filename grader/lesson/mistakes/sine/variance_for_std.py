"""Treats amp as the variance: scales randn by sqrt(amp), so the standard deviation is sqrt(amp)."""

import math

import torch

CAUGHT_BY = ["noise_statistics"]
HINT = "not the variance"


def make_sine_wave(freq, amp, dur, sr=16000):
    n = torch.arange(int(dur * sr))
    return amp * torch.sin(2 * math.pi * freq * n / sr)


def make_white_noise(amp, dur, sr=16000):
    return torch.randn(int(dur * sr)) * math.sqrt(amp)
