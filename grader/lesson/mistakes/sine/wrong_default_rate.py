"""Gives sr the default 44100 instead of 16000."""

import math

import torch

CAUGHT_BY = ["sine_default_sample_rate"]
HINT = "default sample rate must be sr=16000"


def make_sine_wave(freq, amp, dur, sr=44100):
    n = torch.arange(int(dur * sr))
    return amp * torch.sin(2 * math.pi * freq * n / sr)


def make_white_noise(amp, dur, sr=16000):
    return torch.randn(int(dur * sr)) * amp
