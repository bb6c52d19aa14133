"""Uses log10 instead of the natural log."""

import torch

CAUGHT_BY = ["matches_on_a_batch", "works_for_a_single_example", "keeps_float64_precision", "gradient_matches", "tiny_probabilities"]
HINT = "not log10"


def nll_loss(probs, target):
    picked = probs[torch.arange(len(probs)), target]
    return torch.mean(-torch.log10(picked))
