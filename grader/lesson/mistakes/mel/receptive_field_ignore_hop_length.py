"""Always uses a hop of n_fft // 2 (right for the lesson's figure), ignoring hop_length."""

CAUGHT_BY = ["receptive_field_other_settings", "receptive_field_with_a_shorter_hop"]
HINT = "That uses a hop of n_fft // 2: use hop_length"


def receptive_field_seconds(n_frames, n_fft, hop_length, sample_rate):
    return (n_fft + (n_frames - 1) * (n_fft // 2)) / sample_rate
