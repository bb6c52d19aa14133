"""A stable softmax whose result is detached, so no gradient flows back."""

import torch

CAUGHT_BY = ["gradient_matches", "gradient_of_a_small_input"]
HINT = "detached from x"


def softmax(x, dim=-1):
    x = x.detach()
    exp = torch.exp(x - x.amax(dim=dim, keepdim=True))
    return exp / exp.sum(dim=dim, keepdim=True)
