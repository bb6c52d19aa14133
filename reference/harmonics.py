"""Reference for exercise 02: sines with random harmonics and the two pitch data sets."""

import math
import random

import torch

from grader.exercise import hookimpl
from grader.lesson.given import PITCHES


def _sine(freq: float, amp: float, dur: float, sr: int) -> torch.Tensor:
    n = torch.arange(int(dur * sr), dtype=torch.float64)
    return (amp * torch.sin(2 * math.pi * freq * n / sr)).to(torch.float32)


def _noise(amp: float, dur: float, sr: int) -> torch.Tensor:
    return torch.randn(int(dur * sr)) * amp


def _harmonics(freq: float, amp: float, dur: float, sr: int, num_harm: int) -> torch.Tensor:
    wave = _sine(freq, amp, dur, sr)
    for k in range(2, num_harm):
        u = random.random()
        v = random.random()
        wave = wave + _sine(k * freq, amp * u / k ** (1 + v), dur, sr)
    return wave


@hookimpl
def make_sine_wave_harmonics(freq: float, amp: float, dur: float, sr: int, num_harm: int) -> torch.Tensor:
    return _harmonics(freq, amp, dur, sr, num_harm)


@hookimpl
def make_pitch_class_dataset(n_samples_per_pitch: int, dur: float, sr: int) -> tuple:
    clips = []
    for pitch in PITCHES:
        for _ in range(n_samples_per_pitch):
            tone = _harmonics(pitch, 0.3 + random.random() / 2, dur, sr, 3)
            clips.append(tone + _noise(random.random() * 0.1, dur, sr))
    labels = torch.arange(len(PITCHES)).repeat_interleave(n_samples_per_pitch)
    return torch.stack(clips), labels


@hookimpl
def make_random_pitch_dataset(n_samples: int, pitch_range: tuple, dur: float, sr: int) -> tuple:
    clips, pitches = [], []
    for _ in range(n_samples):
        pitch = random.randint(*pitch_range)
        tone = _harmonics(pitch, 0.3, dur, sr, 7)
        clips.append(tone + _noise(random.random() * 0.2, dur, sr))
        pitches.append(pitch)
    return torch.stack(clips), torch.tensor(pitches, dtype=torch.float32)
