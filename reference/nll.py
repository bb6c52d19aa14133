"""Reference for exercise 04: the negative log-likelihood of the target classes."""

import torch

from grader.exercise import hookimpl


@hookimpl
def nll_loss(probs: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    rows = torch.arange(probs.shape[0], device=probs.device)
    return -torch.log(probs[rows, target]).mean()
