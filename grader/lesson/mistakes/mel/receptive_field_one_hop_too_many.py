"""Counts n_frames hops after the first frame instead of n_frames - 1 (0.192 s instead of 0.176 s)."""

CAUGHT_BY = ["receptive_field_matches_lesson", "receptive_field_other_settings"]
HINT = "n_frames - 1 hops between them"


def receptive_field_seconds(n_frames, n_fft, hop_length, sample_rate):
    return (n_fft + n_frames * hop_length) / sample_rate
