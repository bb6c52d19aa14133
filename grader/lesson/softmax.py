"""Exercise 03: softmax, written by hand."""

from __future__ import annotations

from pathlib import Path

import torch
from torch import Tensor

import reference.softmax
from grader.compare import expect_close, expect_tensor
from grader.exercise import CheckFailure, Exercise, check, exercise_function, mistakes_in
from grader.inputs import randn


@exercise_function
def softmax(x: Tensor, dim: int = -1) -> Tensor:
    """Return the softmax of ``x`` along ``dim``: ``exp(x) / sum(exp(x))``.

    The result has the same shape and dtype as ``x``, and the values along ``dim`` are
    positive and sum to 1. ``dim`` may be negative, as in torch.

    It must be numerically stable: logits as large as 1e4 must give the right answer, not
    NaN. (Hint: softmax(x) equals softmax(x - c) for any constant c along ``dim``.) It must
    be differentiable, so the loss of a model can be back-propagated through it.

    Write it with tensor operations (torch.exp, sum, max, ...). torch.softmax,
    torch.nn.functional.softmax, Tensor.softmax and the log-softmax functions are not
    allowed here.
    """


@check(2, function="softmax", public=True)
def matches_on_a_batch_with_default_dim(student, reference):
    """softmax(x) of a [4, 5] batch, with the default dim, matches the reference."""
    x = randn(4, 5, seed=1, scale=2.0)
    expect_close(student.softmax(x), reference.softmax(x), what="softmax(x) for x of shape [4, 5]", rtol=1e-4, atol=1e-6)


@check(2, function="softmax", public=True)
def matches_along_every_dim(student, reference):
    """softmax of a [3, 4, 5] tensor matches along dim 0, 1, 2 and -2."""
    x = randn(3, 4, 5, seed=2, scale=3.0)
    for dim in (0, 1, 2, -2):
        expect_close(student.softmax(x, dim), reference.softmax(x, dim),
                     what=f"softmax(x, dim={dim}) for x of shape [3, 4, 5]", rtol=1e-4, atol=1e-6)


@check(1, function="softmax")
def keeps_float64_precision(student, reference):
    """A float64 input gives a float64 result accurate to float64 precision."""
    x = randn(6, 7, seed=3, scale=4.0, dtype=torch.float64)
    expect_close(student.softmax(x, 1), reference.softmax(x, 1),
                 what="softmax(x, dim=1) for float64 x", rtol=1e-10, atol=1e-13)


@check(3, function="softmax")
def large_logits_stay_finite(student, reference):
    """Logits as large as 1e4 (and as small as -1e4) give the right probabilities, not NaN."""
    x = randn(4, 6, seed=4, scale=3000.0)
    x[0] = torch.tensor([1e4, 1e4 - 1.0, 0.0, -1e4, 9990.0, 5.0])
    # A relative error of ~5e-4 at logits of 1e4 is float32 rounding (EXERCISES.md).
    expect_close(student.softmax(x, -1), reference.softmax(x, -1),
                 what="softmax(x) with logits up to 1e4", rtol=1e-3, atol=1e-6)


@check(2, function="softmax")
def gradient_matches(student, reference):
    """The gradient of a weighted sum of softmax(x) with respect to x matches the reference."""
    x = randn(3, 5, seed=5, scale=2.0)
    weights = randn(3, 5, seed=6)
    got = student.call("softmax", x, 1, grad_wrt=[0], cotangent=weights)
    expected = reference.call("softmax", x, 1, grad_wrt=[0], cotangent=weights)
    expect_tensor(got.value, what="softmax(x, dim=1)", shape=tuple(x.shape))
    if got.grads is None or got.grads[0] is None:
        raise CheckFailure(
            "No gradient flows from softmax(x, dim=1) back to x.",
            hint="Keep the computation in torch operations on x: no .detach(), .item(), .numpy() or torch.tensor(...) of the result.",
        )
    expect_close(got.grads[0], expected.grads[0], what="the gradient of softmax(x, dim=1) with respect to x",
                 rtol=1e-3, atol=1e-6)


EXERCISE = Exercise(
    id="softmax",
    title="softmax",
    filename="03_softmax.py",
    functions=(softmax,),
    checks=(
        matches_on_a_batch_with_default_dim,
        matches_along_every_dim,
        keeps_float64_precision,
        large_logits_stay_finite,
        gradient_matches,
    ),
    stub_header="import torch\nfrom torch import Tensor\n",
    reference=reference.softmax,
    mistakes=mistakes_in(Path(__file__).parent / "mistakes" / "softmax"),
)
