"""A correct solution: an nn.Sequential of torchaudio's Spectrogram and MelScale for the
transform, a float64 filter bank cast at the end, and an explicit frame loop for the count."""

import numpy as np
import torch
import torchaudio


def make_mel_spectrogram(sample_rate: int = 16000, n_fft: int = 4192, f_min: float = 400.0,
                         f_max: float = 3200.0, n_mels: int = 48):
    return torch.nn.Sequential(
        torchaudio.transforms.Spectrogram(n_fft=n_fft, power=2),
        torchaudio.transforms.MelScale(n_mels=n_mels, sample_rate=sample_rate, f_min=f_min, f_max=f_max,
                                       n_stft=n_fft // 2 + 1),
    )


def mel_filterbank(n_freqs, f_min, f_max, n_mels, sample_rate):
    freqs = np.arange(n_freqs, dtype=np.float64) * (sample_rate / 2) / (n_freqs - 1)
    mels = np.linspace(2595 * np.log10(1 + f_min / 700), 2595 * np.log10(1 + f_max / 700), n_mels + 2)
    points = 700 * (10 ** (mels / 2595) - 1)
    bank = np.zeros((n_freqs, n_mels))
    for m in range(n_mels):
        left, centre, right = points[m:m + 3]
        bank[:, m] = np.interp(freqs, [left, centre, right], [0.0, 1.0, 0.0], left=0.0, right=0.0)
    return torch.from_numpy(bank).float()


def num_frames(num_samples, n_fft, hop_length=None):
    hop = n_fft // 2 if hop_length is None else hop_length
    # Centred frames: frame k is centred on sample k · hop, for every centre in the signal.
    count, centre = 0, 0
    while centre <= num_samples:
        count += 1
        centre += hop
    return count


def receptive_field_seconds(n_frames, n_fft, hop_length, sample_rate):
    return float((n_fft + (n_frames - 1) * hop_length) / sample_rate)
