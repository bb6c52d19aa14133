"""score_frames squeezes every dimension of size 1: one frame gives a 0-d tensor."""

from loudness_given import frames

CAUGHT_BY = ["one_frame_gives_one_score"]
HINT = "use .squeeze(-1)"


def score_frames(model, x, size=400):
    return model(frames(x, size)).squeeze()
