"""Counts the frames of an uncentred STFT, (num_samples - n_fft) // hop + 1."""

CAUGHT_BY = ["num_frames_with_default_hop", "num_frames_with_hop_length"]
HINT = "the count without centring"


def num_frames(num_samples, n_fft, hop_length=None):
    hop = hop_length if hop_length is not None else n_fft // 2
    return (num_samples - n_fft) // hop + 1
