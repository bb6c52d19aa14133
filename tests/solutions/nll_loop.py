"""A correct NLL with a Python loop over the rows and torch.stack."""

import torch


def nll_loss(probs, target):
    losses = []
    for row, label in zip(probs, target):
        losses.append(-torch.log(row[label]))
    return torch.stack(losses).mean()
