"""Uniform noise on [-amp, amp): mean 0, but neither Gaussian nor of standard deviation amp."""

import math

import torch

CAUGHT_BY = ["noise_statistics", "noise_is_gaussian"]
HINT = "torch.rand is uniform"


def make_sine_wave(freq, amp, dur, sr=16000):
    n = torch.arange(int(dur * sr))
    return amp * torch.sin(2 * math.pi * freq * n / sr)


def make_white_noise(amp, dur, sr=16000):
    return (torch.rand(int(dur * sr)) * 2 - 1) * amp
