"""Uses the sample index n as the time in seconds (forgets to divide by sr)."""

import math

import torch

CAUGHT_BY = ["sine_matches_formula", "sine_default_sample_rate", "sine_other_rates_and_durations"]
HINT = "sample n is at time n / sr seconds"


def make_sine_wave(freq, amp, dur, sr=16000):
    n = torch.arange(int(dur * sr))
    return amp * torch.sin(2 * math.pi * freq * n)


def make_white_noise(amp, dur, sr=16000):
    return torch.randn(int(dur * sr)) * amp
