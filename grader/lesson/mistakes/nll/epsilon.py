"""Adds a small epsilon inside the log, which caps the loss when the target's probability nears 0."""

import torch

CAUGHT_BY = ["tiny_probabilities", "tiny_target_probability"]
HINT = "do not add an epsilon"


def nll_loss(probs, target):
    picked = probs[torch.arange(len(probs)), target]
    return torch.mean(-torch.log(picked + 1e-8))
