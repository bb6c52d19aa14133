"""Draws v before u, sums the partials in float64 with torch.stack, and builds the data sets in loops."""

import random

import torch

from grader.lesson.given import PITCHES, PITCH_NAMES, make_sine_wave, make_white_noise


def make_sine_wave_harmonics(freq, amp, dur, sr=16000, num_harm=7):
    parts = [make_sine_wave(freq, amp, dur, sr).double()]
    for k in range(2, num_harm):
        v = random.random()
        u = random.random()
        parts.append(make_sine_wave(freq * k, amp * u * k ** -(1.0 + v), dur, sr).double())
    return torch.stack(parts).sum(dim=0).float()


def make_pitch_class_dataset(n_samples_per_pitch, dur=3, sr=16000):
    clips = []
    labels = torch.empty(len(PITCHES) * n_samples_per_pitch, dtype=torch.long)
    row = 0
    for label, pitch in enumerate(PITCHES):
        for _ in range(n_samples_per_pitch):
            noise_level = random.random() * 0.1  # drawn before the amplitude: any order is fine
            level = 0.3 + random.random() / 2
            clips.append(make_white_noise(noise_level, dur, sr) + make_sine_wave_harmonics(pitch, level, dur, sr, 3))
            labels[row] = label
            row += 1
    return torch.stack(clips), labels


def make_random_pitch_dataset(n_samples, pitch_range=(220, 880), dur=3, sr=16000):
    audio = torch.zeros(n_samples, int(dur * sr))
    pitches = torch.zeros(n_samples)
    for i in range(n_samples):
        pitch = random.randint(pitch_range[0], pitch_range[1])
        audio[i] = make_sine_wave_harmonics(pitch, 0.3, dur, sr) + make_white_noise(random.random() * 0.2, dur, sr)
        pitches[i] = pitch
    return audio, pitches
