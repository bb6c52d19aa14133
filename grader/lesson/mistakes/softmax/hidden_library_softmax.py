"""Reaches the library's softmax operator through torch._C, hoping to go unnoticed."""

import torch

CAUGHT_BY = [
    "matches_on_a_batch_with_default_dim", "matches_along_every_dim", "keeps_float64_precision",
    "large_logits_stay_finite", "gradient_matches",
]
HINT = "Write it yourself"

_ops = getattr(torch._C, "_VariableFunctions")


def softmax(x, dim=-1):
    return getattr(_ops, "soft" + "max")(x, dim)
