"""Forgets the log: averages -p of the target class instead of -log p."""

import torch

CAUGHT_BY = ["matches_on_a_batch", "works_for_a_single_example", "keeps_float64_precision", "gradient_matches", "tiny_probabilities"]
HINT = "the loss is -log p, not -p"


def nll_loss(probs, target):
    picked = probs[torch.arange(len(probs)), target]
    return torch.mean(-picked)
