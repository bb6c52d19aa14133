"""Draws from a torch.Generator seeded inside the function: the same noise whatever torch.manual_seed says."""

import math

import torch

CAUGHT_BY = ["noise_follows_torch_seed"]
HINT = "Do not seed or create a generator inside the function"


def make_sine_wave(freq, amp, dur, sr=16000):
    n = torch.arange(int(dur * sr))
    return amp * torch.sin(2 * math.pi * freq * n / sr)


def make_white_noise(amp, dur, sr=16000):
    generator = torch.Generator().manual_seed(1234)
    return torch.randn(int(dur * sr), generator=generator) * amp
