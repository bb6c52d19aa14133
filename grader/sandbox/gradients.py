"""Gradients through a result, computed the same way on both sides of the boundary."""

from __future__ import annotations

from typing import Any

import torch


def weighted_gradients(result: Any, inputs: list, cotangent: torch.Tensor) -> list | None:
    """Gradients of ``sum(result * cotangent)`` with respect to ``inputs``; None if none flows."""
    if not isinstance(result, torch.Tensor) or not result.requires_grad or result.shape != cotangent.shape:
        return None
    # A scalar objective: torch.autograd.grad with an explicit output gradient imports sympy (~0.5 s).
    objective = (result * cotangent.to(result.dtype)).sum()
    return list(torch.autograd.grad(objective, inputs, allow_unused=True))
