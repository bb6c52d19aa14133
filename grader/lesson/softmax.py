"""Exercise 03: softmax, written by hand."""

from __future__ import annotations

from pathlib import Path

import torch
from torch import Tensor

import reference.softmax
from grader.compare import expect_close, expect_tensor, no_gradient_message
from grader.exercise import CheckFailure, Exercise, Forbidden, check, exercise_function, mistakes_in, solution_helper
from grader.inputs import randn

_WRITE_IT = "exp(x - max) divided by its sum along dim, with torch.exp, max and sum (torch.logsumexp is allowed)."
FORBIDDEN = (
    Forbidden("torch.softmax", _WRITE_IT, python=("torch.softmax",)),
    Forbidden("torch.nn.functional.softmax", _WRITE_IT, python=("torch.nn.functional.softmax",)),
    Forbidden("Tensor.softmax", _WRITE_IT, python=("torch.Tensor.softmax",)),
    Forbidden("torch.special.softmax", _WRITE_IT, python=("torch.special.softmax",)),
    Forbidden("torch.nn.Softmax", _WRITE_IT, python=("torch.nn.Softmax",)),
    Forbidden(
        "a log-softmax function",
        _WRITE_IT,
        python=(
            "torch.log_softmax",
            "torch.nn.functional.log_softmax",
            "torch.Tensor.log_softmax",
            "torch.special.log_softmax",
            "torch.nn.LogSoftmax",
        ),
    ),
    # A fused attention computes softmax(q @ k.T * scale) @ v: with k and v the identity, a softmax.
    Forbidden(
        "torch.nn.functional.scaled_dot_product_attention",
        _WRITE_IT,
        python=("torch.nn.functional.scaled_dot_product_attention",),
        aten=(
            "aten._scaled_dot_product_flash_attention_for_cpu",
            "aten._scaled_dot_product_flash_attention",
            "aten._scaled_dot_product_efficient_attention",
            "aten._scaled_dot_product_cudnn_attention",
            "aten._scaled_dot_product_fused_attention_overrideable",
            "aten._flash_attention_forward",
            "aten._efficient_attention_forward",
            "aten._cudnn_attention_forward",
            "aten._native_multi_head_attention",
            "aten._transformer_encoder_layer_fwd",
            "aten._triton_multi_head_attention",
            "aten._triton_scaled_dot_attention",
        ),
    ),
    # torch's reference implementations and decompositions compute a softmax from plain
    # operators, so they never reach the operators below.
    Forbidden(
        "a softmax from torch._refs or torch._decomp",
        _WRITE_IT,
        python=(
            "torch._refs.softmax",
            "torch._refs.log_softmax",
            "torch._refs.special.softmax",
            "torch._refs.special.log_softmax",
            "torch._refs.nn.functional.softmax",
            "torch._refs.nn.functional.log_softmax",
            "torch._decomp.decompositions._softmax",
            "torch._decomp.decompositions._log_softmax",
            "torch._decomp.decompositions.safe_softmax",
        ),
    ),
    # Whatever the spelling (an alias, torch._C, a sparse, nested or mkldnn tensor, ...), every
    # other softmax reaches one of these operators.
    Forbidden(
        "a library softmax",
        _WRITE_IT,
        aten=(
            "aten._softmax",
            "aten.softmax",
            "aten._log_softmax",
            "aten.log_softmax",
            "aten._safe_softmax",
            "aten._masked_softmax",
            "aten._sparse_softmax",
            "aten._sparse_log_softmax",
            "aten._nested_tensor_softmax_with_shape",
        ),
    ),
)


@exercise_function(forbidden=FORBIDDEN)
def softmax(x: Tensor, dim: int = -1) -> Tensor:
    """Return the softmax of ``x`` along ``dim``: ``exp(x) / sum(exp(x))``.

    The result has the same shape and dtype as ``x``, and the values along ``dim`` are
    positive and sum to 1. ``dim`` may be negative, as in torch.

    It must be numerically stable: logits as large as 1e4 must give the right answer, not
    NaN. (Hint: softmax(x) equals softmax(x - c) for any constant c along ``dim``.) It must
    be differentiable, so the loss of a model can be back-propagated through it.

    Write it with tensor operations (torch.exp, sum, max, ...). torch.softmax,
    torch.nn.functional.softmax, Tensor.softmax and the log-softmax functions are not
    allowed here, nor is anything else of torch's that computes a softmax for you
    (scaled_dot_product_attention, torch.sparse.softmax, torch._refs, torch._decomp).
    """


@check(softmax, points=2, public=True)
def matches_on_a_batch_with_default_dim(student, reference):
    """softmax(x) of a [4, 5] batch, with the default dim, matches the reference."""
    x = randn(4, 5, seed=1, scale=2.0)
    got = student.softmax(x)
    expect_close(
        got,
        reference.softmax(x),
        what="softmax(x) for x of shape [4, 5]",
        rtol=1e-4,
        atol=1e-6,
        hint=lambda: name_the_mistake(x, -1, got),
    )


@check(softmax, points=2, public=True)
def matches_along_every_dim(student, reference):
    """softmax of a [3, 4, 5] tensor matches along dim 0, 1, 2 and -2."""
    x = randn(3, 4, 5, seed=2, scale=3.0)
    for dim in (0, 1, 2, -2):
        got = student.softmax(x, dim)
        expect_close(
            got,
            reference.softmax(x, dim),
            what=f"softmax(x, dim={dim}) for x of shape [3, 4, 5]",
            rtol=1e-4,
            atol=1e-6,
            hint=lambda dim=dim, got=got: name_the_mistake(x, dim, got),
        )


@check(softmax, points=0.5, public=True)
def keeps_float64_on_a_small_input(student, reference):
    """A float64 [2, 3] input gives a float64 result accurate to float64 precision."""
    x = torch.tensor([[0.5, -1.25, 2.0], [3.0, 3.0, -0.75]], dtype=torch.float64)
    got = student.softmax(x, -1)
    expect_close(
        got,
        reference.softmax(x, -1),
        what="softmax(x) for float64 x of shape [2, 3]",
        rtol=1e-10,
        atol=1e-13,
        hint=lambda: name_the_mistake(x, -1, got),
    )


@check(softmax, points=0.5)
def keeps_float64_precision(student, reference):
    """A float64 input gives a float64 result accurate to float64 precision."""
    x = randn(6, 7, seed=3, scale=4.0, dtype=torch.float64)
    got = student.softmax(x, 1)
    expect_close(
        got,
        reference.softmax(x, 1),
        what="softmax(x, dim=1) for float64 x",
        rtol=1e-10,
        atol=1e-13,
        hint=lambda: name_the_mistake(x, 1, got),
    )


@check(softmax, points=1, public=True)
def large_logits_of_one_row(student, reference):
    """softmax of the logits [1000, 999, 0] is about [0.731, 0.269, 0], not NaN."""
    x = torch.tensor([[1000.0, 999.0, 0.0]])
    got = student.softmax(x, -1)
    expect_close(
        got,
        reference.softmax(x, -1),
        what="softmax(x) for x = [[1000, 999, 0]]",
        rtol=1e-3,
        atol=1e-6,
        hint=lambda: name_the_mistake(x, -1, got),
    )


@check(softmax, points=2)
def large_logits_stay_finite(student, reference):
    """Logits as large as 1e4 (and as small as -1e4) give the right probabilities, not NaN."""
    x = randn(4, 6, seed=4, scale=3000.0)
    x[0] = torch.tensor([1e4, 1e4 - 1.0, 0.0, -1e4, 9990.0, 5.0])
    # A relative error of ~5e-4 at logits of 1e4 is float32 rounding (EXERCISES.md).
    got = student.softmax(x, -1)
    expect_close(
        got,
        reference.softmax(x, -1),
        what="softmax(x) with logits up to 1e4",
        rtol=1e-3,
        atol=1e-6,
        hint=lambda: name_the_mistake(x, -1, got),
    )


DETACHED_HINT = (
    "Your result is detached from x: keep the computation in torch operations on x, "
    "with no .detach(), .item(), .numpy() or torch.tensor(...) on the way."
)


@check(softmax, points=1, public=True)
def gradient_of_a_small_input(student, reference):
    """The gradient of a weighted sum of softmax(x) for x of shape [2, 3] matches the reference."""
    x = torch.tensor([[1.0, 2.0, 0.5], [-1.0, 0.0, 1.5]])
    _expect_gradient(student, reference, x, torch.tensor([[1.0, -2.0, 0.5], [0.25, 1.0, -1.0]]))


@check(softmax, points=1)
def gradient_matches(student, reference):
    """The gradient of a weighted sum of softmax(x) with respect to x matches the reference."""
    _expect_gradient(student, reference, randn(3, 5, seed=5, scale=2.0), randn(3, 5, seed=6))


def _expect_gradient(student, reference, x: Tensor, weights: Tensor) -> None:
    """The gradient of sum(weights · softmax(x, dim=1)) with respect to x matches the reference's."""
    got = student.call("softmax", x, 1, grad_wrt=[0], cotangent=weights)
    expected = reference.call("softmax", x, 1, grad_wrt=[0], cotangent=weights)
    expect_tensor(got.value, what="softmax(x, dim=1)", shape=tuple(x.shape))
    if got.grads is None or got.grads[0] is None:
        raise CheckFailure(
            no_gradient_message(got.value, expected.value, what="softmax(x, dim=1)", wrt="x", rtol=1e-4, atol=1e-6),
            hint=DETACHED_HINT,
        )
    expect_close(
        got.grads[0],
        expected.grads[0],
        what="the gradient of softmax(x, dim=1) with respect to x",
        rtol=1e-3,
        atol=1e-6,
    )


# --------------------------------------------------------------------------- naming the mistake
# Each takes the input, the dim and what the student's softmax returned, and names the
# mistake when the values show it (None otherwise).


def _close(got: object, expected: Tensor) -> bool:
    return (
        isinstance(got, Tensor)
        and got.shape == expected.shape
        and bool(torch.isclose(got.double(), expected.double(), rtol=1e-3, atol=1e-6).all())
    )


def overflowing_exp(x: Tensor, dim: int, got: Tensor) -> str | None:
    """Non-finite values from large logits: exp(x) overflowed for want of subtracting the max."""
    if bool(torch.isfinite(got).all()) or float(x.abs().max()) < 80:
        return None
    if not bool(torch.isfinite(reference.softmax.softmax(x, dim)).all()):
        return None
    return (
        "exp(x) overflows for large logits (exp(89) is already inf in float32), and inf / inf is NaN: "
        "subtract the maximum along dim first, since softmax(x) equals softmax(x - max)."
    )


@solution_helper
def _softmax_of_everything(x: Tensor) -> Tensor:
    """The softmax of all of x's elements at once, in float64."""
    whole = torch.exp(x.double() - x.double().max())
    return whole / whole.sum()


@solution_helper
def _exponentials(x: Tensor, dim: int) -> list[Tensor]:
    """exp(x) and exp(x - max along dim), in float64: a softmax's numerators."""
    return [torch.exp(x.double()), torch.exp(x.double() - x.double().amax(dim=dim, keepdim=True))]


def normalised_along_another_dim(x: Tensor, dim: int, got: Tensor) -> str | None:
    """The values are a softmax, but along a different dim (or over the whole tensor)."""
    if x.dim() < 2:
        return None
    asked = dim % x.dim()
    for other in range(x.dim()):
        if other != asked and _close(got, reference.softmax.softmax(x, other)):
            return (
                f"Your softmax normalises along dim {other}, not along the dim it is given ({asked}): "
                "use dim in both the max and the sum (with keepdim=True)."
            )
    if _close(got, _softmax_of_everything(x)):
        return "Your softmax normalises over the whole tensor: sum along dim only (with keepdim=True)."
    return None


def not_normalised(x: Tensor, dim: int, got: Tensor) -> str | None:
    """exp(x) or exp(x - max) without the division by its sum."""
    for unnormalised in _exponentials(x, dim):
        if _close(got, unnormalised):
            return "These are exponentials that do not sum to 1: divide exp(x - max) by its sum along dim."
    return None


def float32_arithmetic(x: Tensor, dim: int, got: Tensor) -> str | None:
    """A float64 input answered in float32, or with float32 precision."""
    if x.dtype != torch.float64:
        return None
    as_float32 = reference.softmax.softmax(x.float(), dim).double()
    if got.dtype != torch.float64 or _close(got, as_float32):
        return (
            "Your softmax computes in float32 (.float() or a float32 constant tensor): keep x's dtype, "
            "so a float64 input gets a float64 answer."
        )
    return None


def name_the_mistake(x: Tensor, dim: int, got: object) -> str | None:
    """The hint for a softmax that gave ``got`` for ``softmax(x, dim)``, if its values show the mistake."""
    if not isinstance(got, Tensor):
        return None
    for mistake in (overflowing_exp, normalised_along_another_dim, not_normalised, float32_arithmetic):
        hint = mistake(x, dim, got)
        if hint:
            return hint
    return None


EXERCISE = Exercise(
    id="softmax",
    title="softmax",
    intro=(
        "A classifier outputs one logit per class; softmax turns them into probabilities: "
        "`exp(x) / sum(exp(x))`. Written naively it overflows: `exp(89)` is already infinite "
        "in float32, and `inf / inf` is NaN. Since softmax(x) equals softmax(x − c) for any "
        "constant c, subtract the maximum first."
    ),
    filename="03_softmax.py",
    functions=(softmax,),
    stub_header="import torch\nfrom torch import Tensor\n",
    reference=reference.softmax,
    mistakes=mistakes_in(Path(__file__).parent / "mistakes" / "softmax"),
)
