"""A transform that keeps the lesson's f_min, f_max and n_mels whatever the arguments say."""

import torchaudio

CAUGHT_BY = ["mel_spectrogram_honours_its_arguments", "mel_spectrogram_follows_n_fft_and_n_mels"]
HINT = "pass n_mels on instead of a fixed value"


def make_mel_spectrogram(sample_rate=16000, n_fft=4192, f_min=400.0, f_max=3200.0, n_mels=48):
    return torchaudio.transforms.MelSpectrogram(sample_rate=sample_rate, n_fft=n_fft, f_min=400, f_max=3200, n_mels=48)
