"""Reference for exercise 05: the mel spectrogram set-up, written by hand in float64.

``make_mel_spectrogram`` does what ``torchaudio.transforms.MelSpectrogram`` does with these
arguments (periodic Hann window, hop ``n_fft // 2``, centred frames with reflect padding,
power 2, HTK mel scale, no filter normalisation), without importing torchaudio.
"""

import math

import torch

from grader.exercise import hookimpl


def _hz_to_mel(f):
    return 2595.0 * math.log10(1.0 + f / 700.0)


def _filterbank64(n_freqs, f_min, f_max, n_mels, sample_rate):
    """Triangular HTK filters as float64 ``[n_freqs, n_mels]``."""
    bins = torch.arange(n_freqs, dtype=torch.float64) * (sample_rate / 2) / (n_freqs - 1)
    mels = torch.linspace(_hz_to_mel(f_min), _hz_to_mel(f_max), n_mels + 2, dtype=torch.float64)
    hz = 700.0 * (10.0 ** (mels / 2595.0) - 1.0)
    left, centre, right = hz[:-2], hz[1:-1], hz[2:]
    rising = (bins[:, None] - left) / (centre - left)
    falling = (right - bins[:, None]) / (right - centre)
    return torch.clamp(torch.minimum(rising, falling), min=0.0)


@hookimpl
def mel_filterbank(n_freqs, f_min, f_max, n_mels, sample_rate):
    return _filterbank64(n_freqs, f_min, f_max, n_mels, sample_rate).to(torch.float32)


@hookimpl
def make_mel_spectrogram(sample_rate, n_fft, f_min, f_max, n_mels):
    hop = n_fft // 2
    window = torch.hann_window(n_fft, periodic=True, dtype=torch.float64)
    bank = _filterbank64(n_fft // 2 + 1, f_min, f_max, n_mels, sample_rate)

    def transform(audio):
        batch_shape = audio.shape[:-1]
        frames = torch.stft(
            audio.to(torch.float64).reshape(-1, audio.shape[-1]),
            n_fft,
            hop_length=hop,
            win_length=n_fft,
            window=window,
            center=True,
            pad_mode="reflect",
            onesided=True,
            return_complex=True,
        )
        power = frames.abs() ** 2  # [batch, n_freqs, frames]
        mel = torch.einsum("bft,fm->bmt", power, bank)
        return mel.reshape(*batch_shape, n_mels, mel.shape[-1]).to(audio.dtype)

    return transform


@hookimpl
def num_frames(num_samples, n_fft, hop_length):
    hop = n_fft // 2 if hop_length is None else hop_length
    return 1 + num_samples // hop


@hookimpl
def receptive_field_seconds(n_frames, n_fft, hop_length, sample_rate):
    return (n_fft + (n_frames - 1) * hop_length) / sample_rate
