"""All partials in one broadcast (float64), every u drawn before every v; labels and pitches built as tensors."""

import math
import random

import torch

from grader.lesson.given import PITCHES, make_white_noise


def make_sine_wave_harmonics(freq, amp, dur, sr=16000, num_harm=7):
    ks = torch.arange(2, num_harm, dtype=torch.float64)
    us = torch.tensor([random.random() for _ in range(2, num_harm)], dtype=torch.float64)
    vs = torch.tensor([random.random() for _ in range(2, num_harm)], dtype=torch.float64)
    ks = torch.cat([torch.ones(1, dtype=torch.float64), ks])
    amps = torch.cat([torch.ones(1, dtype=torch.float64), us / ks[1:] ** (1 + vs)]) * amp
    t = torch.arange(round(dur * sr), dtype=torch.float64) / sr
    return (amps[:, None] * torch.sin(2 * math.pi * freq * ks[:, None] * t)).sum(dim=0).to(torch.float32)


def make_pitch_class_dataset(n_samples_per_pitch, dur=3, sr=16000):
    labels = torch.tensor([[p] * n_samples_per_pitch for p in range(12)]).flatten()
    audio = torch.stack([
        make_sine_wave_harmonics(PITCHES[p], 0.3 + random.random() / 2, dur, sr, num_harm=3)
        + make_white_noise(random.random() * 0.1, dur, sr)
        for p in labels.tolist()
    ])
    return audio, labels


def make_random_pitch_dataset(n_samples, pitch_range=(220, 880), dur=3, sr=16000):
    low, high = pitch_range
    pitches = torch.tensor([random.randint(low, high) for _ in range(n_samples)]).to(torch.float32)
    audio = torch.stack([
        make_sine_wave_harmonics(float(p), 0.3, dur, sr) + make_white_noise(0.2 * random.random(), dur, sr)
        for p in pitches
    ])
    return audio, pitches
