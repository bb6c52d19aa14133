"""Returns the span in samples (2816) instead of seconds."""

CAUGHT_BY = ["receptive_field_matches_lesson", "receptive_field_other_settings"]
HINT = "divide by sample_rate to get seconds"


def receptive_field_seconds(n_frames, n_fft, hop_length, sample_rate):
    return n_fft + (n_frames - 1) * hop_length
