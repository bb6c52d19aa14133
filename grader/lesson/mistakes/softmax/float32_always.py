"""Computes in float32 whatever the input, losing float64 precision and dtype."""

import torch

CAUGHT_BY = ["keeps_float64_precision", "keeps_float64_on_a_small_input"]
HINT = "computes in float32"


def softmax(x, dim=-1):
    x = x.float()
    exp = torch.exp(x - x.amax(dim=dim, keepdim=True))
    return exp / exp.sum(dim=dim, keepdim=True)
