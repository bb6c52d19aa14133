"""Picks probs[:, target], the target columns of every row ([N, N]), instead of one entry per row."""

import torch

CAUGHT_BY = ["matches_on_a_batch", "keeps_float64_precision", "gradient_matches", "tiny_probabilities"]
HINT = "probs[:, target] takes the target columns of EVERY row"


def nll_loss(probs, target):
    return torch.mean(-torch.log(probs[:, target]))
