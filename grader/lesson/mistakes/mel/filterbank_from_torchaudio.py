"""Takes the filter bank from torchaudio instead of building it by hand."""

import torch
import torchaudio

CAUGHT_BY = ["filterbank_matches_lesson_settings", "filterbank_matches_other_settings"]
HINT = "Write it yourself"


def mel_filterbank(n_freqs, f_min, f_max, n_mels, sample_rate):
    return torchaudio.transforms.MelScale(n_mels, sample_rate, f_min, f_max, n_freqs, mel_scale="htk").fb
