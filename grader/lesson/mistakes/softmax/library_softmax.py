"""Calls the library's softmax through an alias instead of writing it."""

from torch.nn.functional import softmax as normalise

CAUGHT_BY = [
    "matches_on_a_batch_with_default_dim", "matches_along_every_dim", "keeps_float64_precision",
    "large_logits_stay_finite", "gradient_matches",
]
HINT = "Write it yourself"


def softmax(x, dim=-1):
    return normalise(x, dim=dim)
