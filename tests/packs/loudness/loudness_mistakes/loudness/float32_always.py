"""rms computes in float32 whatever the input, losing float64's dtype and precision."""

import torch

CAUGHT_BY = ["rms_keeps_float64"]
HINT = "keep x's dtype"


def rms(x, dim=-1):
    return torch.sqrt(torch.mean(x.float() ** 2, dim=dim))
