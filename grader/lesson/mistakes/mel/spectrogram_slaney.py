"""A transform on the Slaney mel scale with Slaney (area) normalisation instead of plain HTK filters."""

import torchaudio

CAUGHT_BY = [
    "mel_spectrogram_matches_lesson_defaults",
    "mel_spectrogram_handles_a_batch",
    "mel_spectrogram_honours_its_arguments",
]
HINT = "Slaney mel scale with Slaney normalisation"


def make_mel_spectrogram(sample_rate=16000, n_fft=4192, f_min=400.0, f_max=3200.0, n_mels=48):
    return torchaudio.transforms.MelSpectrogram(
        sample_rate=sample_rate, n_fft=n_fft, f_min=f_min, f_max=f_max, n_mels=n_mels,
        norm="slaney", mel_scale="slaney",
    )
