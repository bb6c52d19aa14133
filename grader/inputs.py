"""Inputs for checks, made from a seed so that every run grades the same calls."""

from __future__ import annotations

import torch


def randn(*shape: int, seed: int, scale: float = 1.0, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """Standard normal values times ``scale``, reproducible from ``seed``."""
    generator = torch.Generator().manual_seed(seed)
    return (torch.randn(*shape, generator=generator, dtype=torch.float64) * scale).to(dtype)


def rand(
    *shape: int, seed: int, low: float = 0.0, high: float = 1.0, dtype: torch.dtype = torch.float32
) -> torch.Tensor:
    """Uniform values in ``[low, high)``, reproducible from ``seed``."""
    generator = torch.Generator().manual_seed(seed)
    return (low + (high - low) * torch.rand(*shape, generator=generator, dtype=torch.float64)).to(dtype)


def randint(low: int, high: int, *shape: int, seed: int) -> torch.Tensor:
    """Integers in ``[low, high)`` as int64, reproducible from ``seed``."""
    generator = torch.Generator().manual_seed(seed)
    return torch.randint(low, high, shape, generator=generator)
