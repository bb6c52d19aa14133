"""A correct solution written by hand: a closure over torch.stft and its own float32 filter
bank (renamed parameters), tensor maths for the filters, and integer arithmetic."""

import torch


def mel_filterbank(n_bins, lowest, highest, bands, sr):
    hz = torch.linspace(0.0, sr / 2, n_bins)
    lo = 2595 * torch.log10(torch.tensor(1 + lowest / 700))
    hi = 2595 * torch.log10(torch.tensor(1 + highest / 700))
    edges = 700 * (torch.pow(10.0, torch.linspace(lo.item(), hi.item(), bands + 2) / 2595) - 1)
    slopes = edges[None, :] - hz[:, None]  # [n_bins, bands + 2]: edge minus bin
    widths = edges[1:] - edges[:-1]
    rising = -slopes[:, :-2] / widths[:-1]
    falling = slopes[:, 2:] / widths[1:]
    return torch.zeros(1).maximum(torch.minimum(rising, falling))


def make_mel_spectrogram(sample_rate=16000, n_fft=4192, f_min=400.0, f_max=3200.0, n_mels=48):
    bank = mel_filterbank(n_fft // 2 + 1, f_min, f_max, n_mels, sample_rate)
    window = torch.hann_window(n_fft)

    def spectrogram(audio):
        flat = audio.reshape(-1, audio.shape[-1])
        stft = torch.stft(flat, n_fft=n_fft, hop_length=n_fft // 2, window=window, return_complex=True)
        power = stft.real ** 2 + stft.imag ** 2
        mel = bank.T @ power
        return mel.reshape(audio.shape[:-1] + mel.shape[-2:])

    return spectrogram


def num_frames(num_samples, n_fft, hop_length=None):
    hop = hop_length or n_fft // 2
    return num_samples // hop + 1


def receptive_field_seconds(n_frames, n_fft, hop_length, sample_rate):
    return n_fft / sample_rate + (n_frames - 1) * hop_length / sample_rate
