"""A filter bank on the Slaney mel scale (linear below 1 kHz, logarithmic above) instead of HTK."""

import math

import torch

CAUGHT_BY = ["filterbank_matches_lesson_settings", "filterbank_matches_other_settings"]
HINT = "These look like Slaney mel filters"


def hz_to_mel(f):
    if f < 1000:
        return 3 * f / 200
    return 15 + math.log(f / 1000) / (math.log(6.4) / 27)


def mel_to_hz(m):
    if m < 15:
        return 200 * m / 3
    return 1000 * math.exp((m - 15) * math.log(6.4) / 27)


def mel_filterbank(n_freqs, f_min, f_max, n_mels, sample_rate):
    freqs = torch.linspace(0, sample_rate / 2, n_freqs)
    step = (hz_to_mel(f_max) - hz_to_mel(f_min)) / (n_mels + 1)
    hz = [mel_to_hz(hz_to_mel(f_min) + i * step) for i in range(n_mels + 2)]
    bank = torch.zeros(n_freqs, n_mels)
    for m in range(n_mels):
        up = (freqs - hz[m]) / (hz[m + 1] - hz[m])
        down = (hz[m + 2] - freqs) / (hz[m + 2] - hz[m + 1])
        bank[:, m] = torch.clamp(torch.minimum(up, down), min=0)
    return bank
