"""A transform of the STFT magnitude (power=1) instead of its power."""

import torchaudio

CAUGHT_BY = [
    "mel_spectrogram_matches_lesson_defaults",
    "mel_spectrogram_handles_a_batch",
    "mel_spectrogram_honours_its_arguments",
]
HINT = "These look like magnitudes (power=1)"


def make_mel_spectrogram(sample_rate=16000, n_fft=4192, f_min=400.0, f_max=3200.0, n_mels=48):
    return torchaudio.transforms.MelSpectrogram(
        sample_rate=sample_rate, n_fft=n_fft, f_min=f_min, f_max=f_max, n_mels=n_mels, power=1.0
    )
