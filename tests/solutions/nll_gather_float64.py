"""A correct NLL: gather, float64 inside, sum divided by N, renamed parameters."""

import torch


def nll_loss(p, labels):
    chosen = p.double().gather(1, labels.unsqueeze(1)).squeeze(1)
    return (-chosen.log().sum() / p.shape[0]).to(p.dtype)
