"""Reference for exercise 03: a numerically stable softmax."""

import torch

from grader.exercise import hookimpl


@hookimpl
def softmax(x: torch.Tensor, dim: int) -> torch.Tensor:
    shifted = x - x.amax(dim=dim, keepdim=True).detach()
    exp = torch.exp(shifted)
    return exp / exp.sum(dim=dim, keepdim=True)
