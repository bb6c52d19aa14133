"""Draws the clip's pitch and the returned pitch separately, so they do not match."""

import random

import torch

from grader.lesson.given import PITCHES, make_sine_wave, make_white_noise

CAUGHT_BY = ["random_pitch_samples_match_pitches", "random_pitch_samples_of_a_small_set"]
HINT = 'Draw the pitch once per clip'


def make_sine_wave_harmonics(freq, amp, dur, sr=16000, num_harm=7):
    wave = make_sine_wave(freq, amp, dur, sr)
    for k in range(2, num_harm):
        wave = wave + make_sine_wave(k * freq, amp * random.random() / k ** (1 + random.random()), dur, sr)
    return wave


def make_pitch_class_dataset(n_samples_per_pitch, dur=3, sr=16000):
    audio = [
        make_sine_wave_harmonics(pitch, 0.3 + random.random() / 2, dur, sr, num_harm=3)
        + make_white_noise(random.random() * 0.1, dur, sr)
        for pitch in PITCHES
        for _ in range(n_samples_per_pitch)
    ]
    labels = [p for p in range(len(PITCHES)) for _ in range(n_samples_per_pitch)]
    return torch.stack(audio), torch.tensor(labels)


def make_random_pitch_dataset(n_samples, pitch_range=(220, 880), dur=3, sr=16000):
    audio = [
        make_sine_wave_harmonics(random.randint(*pitch_range), 0.3, dur, sr)
        + make_white_noise(random.random() * 0.2, dur, sr)
        for _ in range(n_samples)
    ]
    pitches = [random.randint(*pitch_range) for _ in range(n_samples)]
    return torch.stack(audio), torch.tensor(pitches, dtype=torch.float32)
