"""Makes the noise at a fixed 16000 Hz whatever sr says, so the length is wrong at other rates."""

import math

import torch

CAUGHT_BY = ["noise_statistics"]
HINT = "not a fixed 16000"


def make_sine_wave(freq, amp, dur, sr=16000):
    n = torch.arange(int(dur * sr))
    return amp * torch.sin(2 * math.pi * freq * n / sr)


def make_white_noise(amp, dur, sr=16000):
    return torch.randn(int(dur * 16000)) * amp
