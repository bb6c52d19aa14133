"""A filter bank of shape [n_mels, n_freqs]: one row per filter instead of one column."""

import torch

CAUGHT_BY = ["filterbank_matches_lesson_settings", "filterbank_matches_other_settings"]
HINT = "Rows are frequency bins and columns are filters"


def mel_filterbank(n_freqs, f_min, f_max, n_mels, sample_rate):
    freqs = torch.linspace(0, sample_rate / 2, n_freqs)
    m_min = 2595 * torch.log10(torch.tensor(1 + f_min / 700))
    m_max = 2595 * torch.log10(torch.tensor(1 + f_max / 700))
    hz = 700 * (10 ** (torch.linspace(m_min, m_max, n_mels + 2) / 2595) - 1)
    bank = torch.zeros(n_mels, n_freqs)
    for m in range(n_mels):
        up = (freqs - hz[m]) / (hz[m + 1] - hz[m])
        down = (hz[m + 2] - freqs) / (hz[m + 2] - hz[m + 1])
        bank[m] = torch.clamp(torch.minimum(up, down), min=0)
    return bank
