"""Takes the times from torch.linspace(0, dur, n), which includes dur and stretches the time axis."""

import math

import torch

CAUGHT_BY = ["sine_matches_formula", "sine_default_sample_rate", "sine_other_rates_and_durations"]
HINT = "includes the end point dur"


def make_sine_wave(freq, amp, dur, sr=16000):
    t = torch.linspace(0, dur, int(dur * sr))
    return amp * torch.sin(2 * math.pi * freq * t)


def make_white_noise(amp, dur, sr=16000):
    return torch.randn(int(dur * sr)) * amp
