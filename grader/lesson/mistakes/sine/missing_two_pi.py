"""Forgets the 2π: sin(freq · n / sr) is a wave of freq / 2π Hz."""

import math

import torch

CAUGHT_BY = ["sine_matches_formula", "sine_default_sample_rate", "sine_other_rates_and_durations"]
HINT = "off by a factor of 2π"


def make_sine_wave(freq, amp, dur, sr=16000):
    t = torch.arange(int(dur * sr)) / sr
    return amp * torch.sin(freq * t)


def make_white_noise(amp, dur, sr=16000):
    return torch.randn(int(dur * sr)) * amp
