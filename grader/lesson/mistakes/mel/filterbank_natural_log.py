"""mel = 2595 · ln(1 + f / 700) (natural log) on the way in, 10 ** (mel / 2595) on the way back."""

import torch

CAUGHT_BY = ["filterbank_matches_lesson_settings", "filterbank_matches_other_settings"]
HINT = "the HTK formula uses log10"


def mel_filterbank(n_freqs, f_min, f_max, n_mels, sample_rate):
    freqs = torch.linspace(0, sample_rate / 2, n_freqs)
    edges = 2595 * torch.log(1 + torch.tensor([f_min, f_max]) / 700)
    hz = 700 * (10 ** (torch.linspace(float(edges[0]), float(edges[1]), n_mels + 2) / 2595) - 1)
    up = (freqs[:, None] - hz[None, :-2]) / (hz[1:-1] - hz[:-2])
    down = (hz[None, 2:] - freqs[:, None]) / (hz[2:] - hz[1:-1])
    return torch.clamp(torch.minimum(up, down), min=0)
