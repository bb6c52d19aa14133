"""Takes n_frames · hop samples, as if frames did not overlap (0.16 s instead of 0.176 s)."""

CAUGHT_BY = ["receptive_field_matches_lesson", "receptive_field_other_settings"]
HINT = "Frames overlap"


def receptive_field_seconds(n_frames, n_fft, hop_length, sample_rate):
    return n_frames * hop_length / sample_rate
