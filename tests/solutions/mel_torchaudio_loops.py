"""A correct solution: torchaudio's MelSpectrogram with keyword arguments, a filter bank
built with Python loops over floats, and the counts written with math.floor."""

import math

import torch
import torchaudio


def make_mel_spectrogram(sample_rate=16000, n_fft=4192, f_min=400.0, f_max=3200.0, n_mels=48):
    return torchaudio.transforms.MelSpectrogram(
        sample_rate=sample_rate,
        n_fft=n_fft,
        hop_length=n_fft // 2,
        f_min=f_min,
        f_max=f_max,
        n_mels=n_mels,
        power=2.0,
        norm=None,
        mel_scale="htk",
    )


def mel_filterbank(n_freqs, f_min, f_max, n_mels, sample_rate):
    def to_mel(f):
        return 2595.0 * math.log10(1.0 + f / 700.0)

    def to_hz(m):
        return 700.0 * (10.0 ** (m / 2595.0) - 1.0)

    low, high = to_mel(f_min), to_mel(f_max)
    points = [to_hz(low + (high - low) * k / (n_mels + 1)) for k in range(n_mels + 2)]
    rows = []
    for i in range(n_freqs):
        f = i * (sample_rate / 2) / (n_freqs - 1)
        row = []
        for m in range(n_mels):
            a, b, c = points[m], points[m + 1], points[m + 2]
            if a < f <= b:
                row.append((f - a) / (b - a))
            elif b < f < c:
                row.append((c - f) / (c - b))
            else:
                row.append(0.0)
        rows.append(row)
    return torch.tensor(rows, dtype=torch.float32)


def num_frames(num_samples, n_fft, hop_length=None):
    if hop_length is None:
        hop_length = n_fft // 2
    return math.floor(num_samples / hop_length) + 1


def receptive_field_seconds(n_frames, n_fft, hop_length, sample_rate):
    samples = n_fft + (n_frames - 1) * hop_length
    return samples / sample_rate
