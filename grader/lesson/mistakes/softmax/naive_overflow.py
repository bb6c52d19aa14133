"""The lesson's naive softmax: exp(x) overflows for large logits and gives NaN."""

import torch

CAUGHT_BY = ["large_logits_stay_finite", "large_logits_of_one_row"]
HINT = "subtract the maximum along dim"


def softmax(x, dim=-1):
    exp_v = torch.exp(x)
    return exp_v / torch.sum(exp_v, dim=dim, keepdim=True)
