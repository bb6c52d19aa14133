"""Draws the noise with NumPy, which torch.manual_seed does not seed: not reproducible."""

import math

import torch

CAUGHT_BY = ["noise_follows_torch_seed"]
HINT = "not from NumPy"


def make_sine_wave(freq, amp, dur, sr=16000):
    n = torch.arange(int(dur * sr))
    return amp * torch.sin(2 * math.pi * freq * n / sr)


def make_white_noise(amp, dur, sr=16000):
    import numpy as np

    return torch.from_numpy(np.random.randn(int(dur * sr)) * amp).float()
