"""Returns exp(x - max) without dividing by the sum."""

import torch

CAUGHT_BY = ["matches_on_a_batch_with_default_dim", "matches_along_every_dim", "large_logits_stay_finite"]
HINT = "do not sum to 1"


def softmax(x, dim=-1):
    return torch.exp(x - x.amax(dim=dim, keepdim=True))
