"""Hands the log-probabilities to the library's nll_loss instead of writing the loss."""

import torch
import torch.nn.functional as F

CAUGHT_BY = ["matches_on_a_batch", "works_for_a_single_example", "keeps_float64_precision", "gradient_matches", "tiny_probabilities"]
HINT = "Write it yourself"


def nll_loss(probs, target):
    return F.nll_loss(torch.log(probs), target)
