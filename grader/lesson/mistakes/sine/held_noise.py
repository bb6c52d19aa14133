"""Draws one value per 4 samples and holds it (repeat_interleave): low-pass, not white, noise."""

import math

import torch

CAUGHT_BY = ["noise_is_white"]
HINT = "holds each value for several samples"


def make_sine_wave(freq, amp, dur, sr=16000):
    n = torch.arange(int(dur * sr))
    return amp * torch.sin(2 * math.pi * freq * n / sr)


def make_white_noise(amp, dur, sr=16000):
    n = int(dur * sr)
    return torch.randn((n + 3) // 4).repeat_interleave(4)[:n] * amp
