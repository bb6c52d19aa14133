"""Sums the per-example losses over the batch instead of averaging them."""

import torch

CAUGHT_BY = ["matches_on_a_batch", "keeps_float64_precision", "gradient_matches"]
HINT = "should be the mean over the batch, not the sum"


def nll_loss(probs, target):
    picked = probs[torch.arange(len(probs)), target]
    return torch.sum(-torch.log(picked))
