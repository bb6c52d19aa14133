"""Indexes probs[target], which picks whole rows numbered by the labels, not each row's target entry."""

import torch

CAUGHT_BY = ["matches_on_a_batch", "works_for_a_single_example", "keeps_float64_precision", "gradient_matches"]
HINT = "probs[target] picks whole rows numbered by the labels"


def nll_loss(probs, target):
    picked = probs[target]
    return torch.mean(-torch.log(picked))
