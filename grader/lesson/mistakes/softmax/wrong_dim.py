"""Softmax over the first dimension instead of the one asked for."""

import torch

CAUGHT_BY = ["matches_on_a_batch_with_default_dim", "matches_along_every_dim"]
HINT = "normalises along dim 0"


def softmax(x, dim=-1):
    shifted = x - x.max(dim=0, keepdim=True).values
    exp = torch.exp(shifted)
    return exp / exp.sum(dim=0, keepdim=True)
