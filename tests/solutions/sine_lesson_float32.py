"""The lesson's way: float time stamps in float32, noise from torch.randn."""

from math import pi

import torch


def make_sine_wave(freq, amp, dur, sr=16000):
    time_frame = torch.arange(dur * sr)  # dur * sr is a float here: arange gives float32
    seconds = time_frame / sr
    return amp * torch.sin(2 * pi * freq * seconds)


def make_white_noise(amp, dur, sr=16000):
    return torch.randn(int(dur * sr)) * amp
