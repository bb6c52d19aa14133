"""Renamed parameters, round() for the length, a float64 phase increment, and torch.normal."""

import math

import torch


def make_sine_wave(frequency, amplitude, duration, sample_rate=16000):
    count = round(duration * sample_rate)
    step = 2.0 * math.pi * frequency / sample_rate
    phase = torch.arange(count, dtype=torch.float64) * step
    return (amplitude * phase.sin()).float()


def make_white_noise(amplitude, duration, sample_rate=16000):
    return torch.normal(0.0, float(amplitude), size=(round(duration * sample_rate),))
