"""Always uses a hop of n_fft // 2, ignoring hop_length."""

CAUGHT_BY = ["num_frames_with_hop_length", "num_frames_with_a_given_hop"]
HINT = "use hop_length when it is given"


def num_frames(num_samples, n_fft, hop_length=None):
    return 1 + num_samples // (n_fft // 2)
