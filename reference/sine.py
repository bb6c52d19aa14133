"""Reference for exercise 01: a sine wave and Gaussian white noise."""

import math

import torch

from grader.exercise import hookimpl


@hookimpl
def make_sine_wave(freq: float, amp: float, dur: float, sr: int) -> torch.Tensor:
    n = torch.arange(int(dur * sr), dtype=torch.float64)
    return (amp * torch.sin(2 * math.pi * freq * n / sr)).to(torch.float32)


@hookimpl
def make_white_noise(amp: float, dur: float, sr: int) -> torch.Tensor:
    return torch.randn(int(dur * sr)) * amp
