"""The loudness pack's reference solution: one hook implementation per exercise function."""

from __future__ import annotations

import torch
from loudness_given import frames

from grader.authoring import hookimpl


@hookimpl
def rms(x: torch.Tensor, dim: int) -> torch.Tensor:
    return x.pow(2).mean(dim=dim).sqrt()


@hookimpl
def score_frames(model: torch.nn.Module, x: torch.Tensor, size: int) -> torch.Tensor:
    return model(frames(x, size)).squeeze(-1)
