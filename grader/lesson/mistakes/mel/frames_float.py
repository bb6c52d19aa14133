"""Uses n_fft / 2 for the hop, so the frame count comes back as a float (23.0)."""

CAUGHT_BY = ["num_frames_with_default_hop"]
HINT = "it is a float: use integer division"


def num_frames(num_samples, n_fft, hop_length=None):
    hop = hop_length if hop_length is not None else n_fft / 2
    return 1 + num_samples // hop
