"""Times from linspace without the end point, float32 throughout; noise with Tensor.normal_."""

import torch


def make_sine_wave(freq: float, amp: float, dur: float, sr: int = 16000) -> torch.Tensor:
    n = int(dur * sr)
    t = torch.linspace(0.0, dur, n + 1)[:n]
    wave = torch.sin(2 * torch.pi * freq * t)
    return wave.mul_(amp)


def make_white_noise(amp: float, dur: float, sr: int = 16000) -> torch.Tensor:
    samples = torch.empty(int(dur * sr))
    samples.normal_(mean=0.0, std=amp)
    return samples
