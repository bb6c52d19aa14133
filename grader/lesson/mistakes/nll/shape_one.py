"""Returns the mean with keepdim=True: a tensor of shape [1], not a 0-d tensor."""

import torch

CAUGHT_BY = ["matches_on_a_batch", "works_for_a_single_example", "keeps_float64_precision", "gradient_matches", "tiny_probabilities"]
HINT = "no keepdim=True"


def nll_loss(probs, target):
    picked = probs[torch.arange(len(probs)), target]
    return torch.mean(-torch.log(picked), dim=0, keepdim=True)
