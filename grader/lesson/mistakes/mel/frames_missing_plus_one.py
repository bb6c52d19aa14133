"""Counts num_samples // hop frames, forgetting the extra frame of a centred STFT."""

CAUGHT_BY = ["num_frames_with_default_hop", "num_frames_with_hop_length"]
HINT = "which makes one more frame"


def num_frames(num_samples, n_fft, hop_length=None):
    hop = hop_length if hop_length is not None else n_fft // 2
    return num_samples // hop
