"""Comparisons that explain themselves.

Each ``expect_*`` function returns quietly when the student's value is right and otherwise
raises :class:`~grader.exercise.CheckFailure` whose message says what was expected and what
came back, in two or three short lines: the type, the shape or dtype, NaN or Inf and where,
or the worst element with its absolute and relative error.

Every ``expect_*`` function also takes ``hint=``: the hint its failure carries, as text or
as a function of no arguments called only when the check fails (it may return None when the
values do not show which mistake it is).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any, TypeVar, Union

import torch

from grader.exercise import CheckFailure
from grader.sandbox.wire import ModuleSnapshot, Opaque

Hint = Union[str, Callable[[], Union[str, None]], None]
_Result = TypeVar("_Result")


def _resolve(hint: Hint) -> str | None:
    if not callable(hint):
        return hint
    try:
        return hint()
    except Exception:  # noqa: BLE001 - a hint that cannot tell gives none; the failure stands
        return None


def _hintable(function: Callable[..., _Result]) -> Callable[..., _Result]:
    """Give an ``expect_*`` function the ``hint=`` keyword (see the module's docstring)."""

    @functools.wraps(function)
    def expect(*args: Any, hint: Hint = None, **kwargs: Any) -> _Result:
        try:
            return function(*args, **kwargs)
        except CheckFailure as failure:
            if failure.hint is None and hint is not None:
                failure.hint = _resolve(hint)
            raise

    return expect


def dtype_name(dtype: torch.dtype) -> str:
    return str(dtype).removeprefix("torch.")


def _a(word: str) -> str:
    return f"an {word}" if word[:1].lower() in "aeiou" else f"a {word}"


def shape_text(shape: Any, most: int = 8) -> str:
    """A shape as a student reads it, ``[4, 5]``; past ``most`` dimensions, ``[1, 1, …] (4000000 dims)``."""
    dims = list(shape)
    if len(dims) <= most:
        return str(dims)
    return "[" + ", ".join(str(n) for n in dims[:most]) + f", …] ({len(dims)} dims)"


def describe(value: Any) -> str:
    """A short description of any value that crossed the wire: what a student reads."""
    if isinstance(value, torch.Tensor):
        return f"{_a(dtype_name(value.dtype))} tensor of shape {list(value.shape)}"
    if isinstance(value, Opaque):
        shape = f" of shape {shape_text(value.shape)}" if value.shape is not None else ""
        return f"{_a(value.type_name)}{shape}"
    if isinstance(value, ModuleSnapshot):
        return f"{_a(value.type_name)} module"
    if value is None:
        return "None"
    if isinstance(value, bool):
        return f"the bool {value}"
    if isinstance(value, (int, float)):
        return f"the {type(value).__name__} {value:g}" if isinstance(value, float) else f"the int {value}"
    if isinstance(value, (list, tuple)):
        kinds = sorted({type(v).__name__ for v in value})
        inner = f" of {'/'.join(kinds)}" if kinds else ""
        return f"a {type(value).__name__} of {len(value)} item{'s' if len(value) != 1 else ''}{inner}"
    return _a(type(value).__name__)


def _index(flat_index: int, shape: torch.Size) -> list[int]:
    index = []
    for size in reversed(shape):
        index.append(flat_index % size)
        flat_index //= size
    return list(reversed(index))


@_hintable
def expect_tensor(
    got: Any, *, what: str, shape: tuple[int, ...] | list[int] | None = None, dtype: torch.dtype | None = None
) -> torch.Tensor:
    """``got`` must be a tensor (of ``shape`` and ``dtype`` where given); returns it."""
    if not isinstance(got, torch.Tensor):
        raise CheckFailure(f"{what} should be a torch.Tensor, but it is {describe(got)}.")
    if shape is not None and list(got.shape) != list(shape):
        message = f"{what} should have shape {list(shape)}, but it has shape {list(got.shape)}."
        if got.dim() == len(shape) >= 2 and list(got.shape) == list(reversed(list(shape))):
            message += " It looks transposed."
        raise CheckFailure(message)
    if dtype is not None and got.dtype != dtype:
        raise CheckFailure(f"{what} should be {dtype_name(dtype)}, but it is {dtype_name(got.dtype)}.")
    return got


@_hintable
def expect_finite(got: torch.Tensor, *, what: str) -> None:
    """Every element of ``got`` must be finite."""
    finite = torch.isfinite(got)
    if bool(finite.all()):
        return
    bad = int((~finite).reshape(-1).nonzero()[0].item())
    value = got.reshape(-1)[bad].item()
    count = int((~finite).sum())
    raise CheckFailure(
        f"{what} contains {count} non-finite value{'s' if count != 1 else ''}: "
        f"the first is {value} at index {_index(bad, got.shape)}."
    )


@_hintable
def expect_close(
    got: Any,
    expected: torch.Tensor,
    *,
    what: str,
    rtol: float,
    atol: float,
    check_dtype: bool = True,
) -> torch.Tensor:
    """``got`` must be a tensor like ``expected`` (shape, dtype) and close to it element-wise.

    Closeness is ``|got - expected| <= atol + rtol * |expected|``, computed in float64.
    """
    got = expect_tensor(got, what=what, shape=tuple(expected.shape), dtype=expected.dtype if check_dtype else None)
    got64 = got.detach().to(torch.float64)
    expected64 = expected.detach().to(torch.float64)
    expected_finite = torch.isfinite(expected64)
    got_bad = ~torch.isfinite(got64) & expected_finite
    if bool(got_bad.any()):
        bad = int(got_bad.reshape(-1).nonzero()[0].item())
        count = int(got_bad.sum())
        if got.dim() == 0:
            raise CheckFailure(f"{what} is not finite: got {got64.item()}, expected {expected64.item():.6g}.")
        raise CheckFailure(
            f"{what} contains {count} non-finite value{'s' if count != 1 else ''} where finite ones are expected: "
            f"at index {_index(bad, got.shape)} it gave {got64.reshape(-1)[bad].item()} instead of "
            f"{expected64.reshape(-1)[bad].item():.6g}."
        )
    # Where the expectation itself is infinite, the student's value must be the same infinity.
    mismatch_inf = ~expected_finite & (got64 != expected64)
    error = torch.where(expected_finite, (got64 - expected64).abs(), torch.zeros_like(got64))
    allowed = atol + rtol * expected64.abs().nan_to_num(posinf=0.0, neginf=0.0)
    excess = torch.where(mismatch_inf, torch.full_like(error, math.inf), error - allowed)
    if got64.numel() == 0 or bool((excess <= 0).all()):
        return got
    worst = int(excess.reshape(-1).argmax())
    g = got64.reshape(-1)[worst].item()
    e = expected64.reshape(-1)[worst].item()
    abs_error = abs(g - e) if math.isfinite(e) else math.inf
    rel_error = abs_error / abs(e) if e not in (0.0,) and math.isfinite(e) else math.inf
    count = int((excess > 0).sum())
    tolerance = f"error {abs_error:.3g}, relative {rel_error:.3g}; allowed {atol:g} + {rtol:g}·|expected|"
    if got.dim() == 0:  # a scalar has no elements or indices to speak of
        raise CheckFailure(f"{what} is off: got {g:.6g}, expected {e:.6g} ({tolerance}).")
    message = (
        f"{what} is off at {count} of {got64.numel()} element{'s' if got64.numel() != 1 else ''}. "
        f"Worst at index {_index(worst, got.shape)}: got {g:.6g}, expected {e:.6g} ({tolerance})."
    )
    relation = _relation(got64, expected64)
    if relation:
        message += f" Your values look like the expected ones {relation}."
    raise CheckFailure(message)


def _relation(got: torch.Tensor, expected: torch.Tensor) -> str | None:
    """A constant factor or offset between got and expected, when every element shows it."""
    finite = torch.isfinite(got) & torch.isfinite(expected)
    if int(finite.sum()) < 2 or not bool(finite.all()):
        return None
    g, e = got.reshape(-1), expected.reshape(-1)
    scale = float(e.abs().max())
    if scale == 0 or float(g.std()) <= 1e-6 * max(scale, float(g.abs().max())):
        return None  # constant results say nothing about a relation
    ratio = float((g @ e) / (e @ e))
    if 1e-3 <= abs(ratio) <= 1e3 and abs(ratio - 1) > 1e-3:
        if bool(((g - ratio * e).abs() <= 1e-3 * abs(ratio) * scale).all()):
            return f"times {ratio:.4g}"
    offset = float((g - e).mean())
    if abs(offset) > 1e-6 * scale and bool(((g - e - offset).abs() <= 1e-4 * max(scale, abs(offset))).all()):
        return f"plus {offset:.4g}"
    return None


@_hintable
def expect_int(got: Any, expected: int, *, what: str) -> int:
    """``got`` must be a plain int equal to ``expected`` (a bool does not count)."""
    if isinstance(got, bool) or not isinstance(got, int):
        raise CheckFailure(f"{what} should return an int, but it returned {describe(got)}.")
    if got != expected:
        raise CheckFailure(f"{what} should be {expected}, but it returned {got}.")
    return got


@_hintable
def expect_number(got: Any, expected: float, *, what: str, rtol: float = 1e-6, atol: float = 0.0) -> float:
    """``got`` must be a real number (int or float) close to ``expected``."""
    if isinstance(got, bool) or not isinstance(got, (int, float)):
        raise CheckFailure(f"{what} should return a float, but it returned {describe(got)}.")
    if not math.isfinite(got) or abs(got - expected) > atol + rtol * abs(expected):
        raise CheckFailure(f"{what} should be {expected:.6g}, but it returned {got:.6g}.")
    return float(got)


@_hintable
def expect_tuple(got: Any, length: int, *, what: str) -> tuple:
    """``got`` must be a tuple (or list) of ``length`` items; returns it as a tuple."""
    if not isinstance(got, (tuple, list)) or len(got) != length:
        raise CheckFailure(f"{what} should return a tuple of {length} items, but it returned {describe(got)}.")
    return tuple(got)


def no_gradient_message(got: Any, expected: torch.Tensor, *, what: str, wrt: str, rtol: float, atol: float) -> str:
    """Say that no gradient flows back, and whether the values themselves were right."""
    right_values = (
        isinstance(got, torch.Tensor)
        and got.shape == expected.shape
        and bool(torch.isclose(got.detach().double(), expected.detach().double(), rtol=rtol, atol=atol).all())
    )
    if right_values:
        return f"{what} gives the right values, but no gradient flows back to {wrt}."
    return f"No gradient flows from {what} back to {wrt}."
