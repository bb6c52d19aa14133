"""score_frames returns the model's column [n_frames, 1] instead of one score per frame."""

from loudness_given import frames

CAUGHT_BY = ["scores_every_frame", "uses_the_frame_size", "one_frame_gives_one_score"]
HINT = "one score per frame"


def score_frames(model, x, size=400):
    return model(frames(x, size))
