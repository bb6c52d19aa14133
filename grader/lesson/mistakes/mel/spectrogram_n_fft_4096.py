"""A transform with n_fft = 4096 written in, the power of two the lesson's 4192 probably meant."""

import torchaudio

CAUGHT_BY = ["mel_spectrogram_matches_lesson_defaults", "mel_spectrogram_honours_its_arguments"]
HINT = "the lesson uses n_fft = 4192"


def make_mel_spectrogram(sample_rate=16000, n_fft=4192, f_min=400.0, f_max=3200.0, n_mels=48):
    return torchaudio.transforms.MelSpectrogram(sample_rate=sample_rate, n_fft=4096, f_min=f_min, f_max=f_max, n_mels=n_mels)
