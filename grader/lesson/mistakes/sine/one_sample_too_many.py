"""Makes int(dur * sr) + 1 samples (counts both ends of the interval)."""

import math

import torch

CAUGHT_BY = ["sine_matches_formula", "sine_default_sample_rate", "sine_other_rates_and_durations"]
HINT = "not one more"


def make_sine_wave(freq, amp, dur, sr=16000):
    n = torch.arange(int(dur * sr) + 1)
    return amp * torch.sin(2 * math.pi * freq * n / sr)


def make_white_noise(amp, dur, sr=16000):
    return torch.randn(int(dur * sr)) * amp
