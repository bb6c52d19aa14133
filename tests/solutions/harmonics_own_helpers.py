"""Defines its own sine and noise helpers (lesson style, float32 time stamps) and renames parameters."""

import math
import random

import torch

from grader.lesson.given import PITCHES


def make_sine_wave(freq, amp, dur, sr=16000):
    t = torch.arange(dur * sr) / sr
    return amp * torch.sin(2 * math.pi * freq * t)


def make_white_noise(amp, dur, sr=16000):
    return torch.normal(0.0, amp, size=(int(dur * sr),))


def make_sine_wave_harmonics(frequency, amplitude, duration, rate=16000, num_harm=7):
    fund = make_sine_wave(frequency, amplitude, duration, rate)
    for i in range(2, num_harm):
        fund += make_sine_wave(frequency * i, amplitude * random.random() / i ** (1 + random.random()), duration, rate)
    return fund


def make_pitch_class_dataset(count, dur=3, sr=16000):
    dataset = [make_sine_wave_harmonics(p, 0.3 + random.random() / 2, dur, sr, num_harm=3)
               + make_white_noise(random.random() * 0.1, dur, sr)
               for p in PITCHES for _ in range(count)]
    labels = torch.arange(len(PITCHES)).repeat_interleave(count)
    return torch.stack(dataset), labels


def make_random_pitch_dataset(count, pitch_range=(220, 880), dur=3, sr=16000):
    pitches = [random.randint(*pitch_range) for _ in range(count)]
    noise_levels = [random.random() * 0.2 for _ in range(count)]
    audio = torch.stack([
        make_sine_wave_harmonics(p, 0.3, dur, sr) + make_white_noise(level, dur, sr)
        for p, level in zip(pitches, noise_levels)
    ])
    return audio, torch.tensor(pitches).float()
