"""The right value, rebuilt as a new tensor from .item(), so no gradient flows back to probs."""

import torch

CAUGHT_BY = ["gradient_matches", "gradient_for_a_single_example"]
HINT = "no .detach(), .item(), .numpy() or torch.tensor(...) of the result"


def nll_loss(probs, target):
    picked = probs[torch.arange(len(probs)), target]
    loss = torch.mean(-torch.log(picked))
    return torch.tensor(loss.item(), dtype=probs.dtype)
