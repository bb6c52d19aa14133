"""Exercise 04: the negative log-likelihood loss, written by hand."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

import reference.nll
from grader.compare import describe, expect_close
from grader.exercise import CheckFailure, Exercise, Forbidden, check, exercise_function, mistakes_in
from grader.inputs import randn

_WRITE_IT = "pick each row's target probability (probs[torch.arange(N), target]) and take the mean of -log."
FORBIDDEN = (
    Forbidden("torch.nn.functional.nll_loss", _WRITE_IT, python=("torch.nn.functional.nll_loss",)),
    Forbidden("torch.nn.functional.cross_entropy", _WRITE_IT, python=("torch.nn.functional.cross_entropy",)),
    Forbidden("torch.nn.NLLLoss", _WRITE_IT, python=("torch.nn.NLLLoss",)),
    Forbidden("torch.nn.CrossEntropyLoss", _WRITE_IT, python=("torch.nn.CrossEntropyLoss",)),
    # The KL divergence to a one-hot target is the NLL; the chunked linear cross-entropy (torch
    # 2.14) has its own operators.
    Forbidden(
        "torch.nn.functional.kl_div",
        _WRITE_IT,
        python=("torch.nn.functional.kl_div", "torch.nn.KLDivLoss", "torch.kl_div"),
        aten=("aten.kl_div",),
    ),
    Forbidden(
        "torch.nn.functional.linear_cross_entropy",
        _WRITE_IT,
        python=(
            "torch.nn.functional.linear_cross_entropy",
            "torch.nn.LinearCrossEntropyLoss",
            "torch.nn.modules.linear_cross_entropy._linear_cross_entropy_batch_chunked",
        ),
        aten=(
            "torch_nn._linear_cross_entropy_batch_chunked",
            "torch_nn._linear_cross_entropy_batch_chunked_no_reduction",
        ),
    ),
    # torch's reference implementations and decompositions compute the loss from plain
    # operators, so they never reach the operators below.
    Forbidden(
        "an NLL loss from torch._refs or torch._decomp",
        _WRITE_IT,
        python=(
            "torch._refs.nn.functional.nll_loss",
            "torch._refs.nn.functional._nll_loss_nd",
            "torch._decomp.decompositions.nll_loss_forward",
            "torch._decomp.decompositions._nll_loss_forward",
            "torch._decomp.decompositions.nll_loss2d_forward",
        ),
    ),
    # Any other spelling of the library's loss reaches one of these operators.
    Forbidden(
        "the library's NLL loss",
        _WRITE_IT,
        aten=(
            "aten.nll_loss_forward",
            "aten.nll_loss2d_forward",
            "aten.nll_loss",
            "aten.nll_loss_nd",
            "aten.cross_entropy_loss",
        ),
    ),
)


@exercise_function(forbidden=FORBIDDEN)
def nll_loss(probs: Tensor, target: Tensor) -> Tensor:
    """Return the mean negative log-likelihood of the target classes.

    ``probs`` has shape [N, C]: row i is a probability distribution over C classes (the
    output of a softmax). ``target`` is an int64 tensor of shape [N]: target[i] is the
    class of example i. The loss is

        mean over i of  -log(probs[i, target[i]])

    with the natural log: pick ONE probability per row (the target's), take -log of it,
    and average over the batch (the mean, not the sum).

    Return a 0-d tensor (shape [], what ``.mean()`` of a vector gives), not a Python
    float and not a tensor of shape [1], in the dtype of ``probs`` (float64 stays
    float64). It must work for N = 1 and be differentiable with respect to ``probs`` (no
    ``.item()``, ``.detach()`` or ``torch.tensor(...)`` of the result). The loss grows
    without bound as the target's probability nears 0: do not clamp the probabilities or
    add an epsilon; the other classes' probabilities must not matter, however small.

    Write it with tensor operations (indexing, torch.log, mean, ...).
    torch.nn.functional.nll_loss, torch.nn.functional.cross_entropy, torch.nn.NLLLoss and
    torch.nn.CrossEntropyLoss are not allowed here, nor are other library losses that
    compute it (kl_div, linear_cross_entropy, torch._refs, torch._decomp).
    """


# --------------------------------------------------------------------------- helpers

PICK_ONE_PER_ROW = "pick one entry per row with probs[torch.arange(N), target] (or probs.gather(1, target[:, None]))"


def _picked(probs: Tensor, target: Tensor) -> Tensor:
    return probs[torch.arange(probs.shape[0]), target]


def _known_mistakes(probs: Tensor, target: Tensor) -> list[tuple[Callable[[Tensor], Tensor], str]]:
    """Wrong losses a student may have written, as functions of probs, with their hints."""
    n = probs.shape[0]
    log_hint = "Take the natural log of the target's probability: the loss is -log p, not -p."
    mistakes: list[tuple[Callable[[Tensor], Tensor], str]] = [
        (
            lambda p: -torch.log(_picked(p, target)).sum(),
            f"The loss should be the mean over the batch, not the sum (yours is {n} times too large here): use .mean().",
        ),
        (lambda p: -_picked(p, target).mean(), log_hint),
        (lambda p: _picked(p, target).mean(), log_hint),
        (
            lambda p: torch.log(_picked(p, target)).mean(),
            "You forgot the minus sign: the loss is the NEGATIVE log-likelihood, -log p, which is never negative.",
        ),
        (
            lambda p: -torch.log10(_picked(p, target)).mean(),
            "Use the natural log (torch.log), not log10: your loss is 1/ln(10) = 0.434 times the right one.",
        ),
        (lambda p: -torch.log2(_picked(p, target)).mean(), "Use the natural log (torch.log), not log2."),
        (
            lambda p: -torch.log(p[:, target]).mean(),
            f"probs[:, target] takes the target columns of EVERY row, an [N, N] block; {PICK_ONE_PER_ROW}.",
        ),
        (
            lambda p: -torch.log(p).mean(),
            f"Only the target's probability enters the loss, not every class's: {PICK_ONE_PER_ROW}.",
        ),
    ]
    if int(target.max()) < n:
        mistakes.append(
            (
                lambda p: -torch.log(p[target]).mean(),
                f"probs[target] picks whole rows numbered by the labels; {PICK_ONE_PER_ROW}.",
            )
        )
    return mistakes


def _close(got: Tensor, expected: Tensor) -> bool:
    if got.shape != expected.shape:
        return False
    return bool(torch.allclose(got.detach().double(), expected.detach().double(), rtol=1e-4, atol=1e-6))


def _expect_loss_tensor(got: Any, probs: Tensor, *, what: str) -> Tensor:
    """The student's loss must be a 0-d tensor of probs' dtype (a precondition of each check)."""
    n = probs.shape[0]
    if isinstance(got, (int, float)) and not isinstance(got, bool):
        raise CheckFailure(
            f"{what} should return a 0-d torch.Tensor, but it returned {describe(got)}.",
            hint="Return the tensor itself, not loss.item() or float(loss): a Python number cannot be back-propagated.",
        )
    if not isinstance(got, torch.Tensor):
        raise CheckFailure(f"{what} should return a 0-d torch.Tensor, but it returned {describe(got)}.")
    if got.dim() != 0:
        message = f"{what} should be a 0-d tensor (shape []), but it has shape {list(got.shape)}."
        hint = None
        if list(got.shape) == [1]:
            hint = (
                "The loss must be 0-d: the .mean() of the per-example losses as it comes, "
                "with no keepdim=True, reshape, unsqueeze or torch.tensor([...])."
            )
        elif list(got.shape) == [n]:
            hint = "These look like the per-example losses: the loss is their mean over the batch, one number."
        elif n > 1 and list(got.shape) == [n, n]:
            hint = f"probs[:, target] takes the target columns of EVERY row, an [N, N] block; {PICK_ONE_PER_ROW}."
        raise CheckFailure(message, hint=hint)
    if got.dtype != probs.dtype:
        raise CheckFailure(
            f"{what} should be {str(probs.dtype).removeprefix('torch.')} like probs, "
            f"but it is {str(got.dtype).removeprefix('torch.')}.",
            hint="Keep the computation in the dtype of probs: no .float(), .double() or torch.tensor(...) at the end.",
        )
    return got


def _expect_loss(
    got: Any, probs: Tensor, target: Tensor, expected: Tensor, *, what: str, rtol: float, atol: float
) -> None:
    """The student's loss must be a 0-d tensor close to ``expected``; names a known mistake if it matches one."""
    got = _expect_loss_tensor(got, probs, what=what)
    try:
        expect_close(got, expected, what=what, rtol=rtol, atol=atol)
    except CheckFailure as failure:
        for wrong, hint in _known_mistakes(probs, target):
            with torch.no_grad():
                candidate = wrong(probs)
            # A candidate that agrees with the right answer (the sum when N = 1) says nothing.
            if torch.isfinite(candidate).all() and _close(got, candidate) and not _close(expected, candidate):
                raise CheckFailure(failure.message, hint=hint) from None
        raise


def _call_shown(probs: Tensor, target: Tensor) -> str:
    return f"nll_loss(probs of shape {list(probs.shape)}, target {target.tolist()})"


# --------------------------------------------------------------------------- inputs


def _batch() -> tuple[Tensor, Tensor]:
    probs = torch.softmax(randn(6, 5, seed=41, scale=1.5), dim=1)
    target = torch.tensor([3, 0, 4, 1, 1, 2])
    return probs, target


# --------------------------------------------------------------------------- checks


def _expect_same_loss(student, reference, probs: Tensor, target: Tensor) -> None:
    """The student's loss for (probs, target) is the reference's, to float32 precision."""
    _expect_loss(
        student.nll_loss(probs, target),
        probs,
        target,
        reference.nll_loss(probs, target),
        what=_call_shown(probs, target),
        rtol=1e-5,
        atol=1e-6,
    )


@check(nll_loss, points=3, public=True)
def matches_on_a_batch(student, reference):
    """The loss of a batch of 6 examples over 5 classes is a 0-d tensor equal to mean(-log p[target])."""
    probs, target = _batch()
    _expect_same_loss(student, reference, probs, target)


@check(nll_loss, points=1, public=True)
def works_for_a_single_example(student, reference):
    """A batch of one example (N = 1) gives the 0-d loss -log p[target]."""
    probs = torch.tensor([[0.1, 0.6, 0.2, 0.1]])
    target = torch.tensor([2])
    _expect_same_loss(student, reference, probs, target)


@check(nll_loss, points=1)
def keeps_float64_precision(student, reference):
    """float64 probabilities give a float64 loss accurate to float64 precision."""
    probs = torch.softmax(randn(5, 7, seed=42, scale=2.0, dtype=torch.float64), dim=1)
    target = torch.tensor([6, 0, 3, 3, 5])
    _expect_loss(
        student.nll_loss(probs, target),
        probs,
        target,
        reference.nll_loss(probs, target),
        what=f"{_call_shown(probs, target)} with float64 probs",
        rtol=1e-10,
        atol=1e-12,
    )


@check(nll_loss, points=1, public=True)
def gradient_for_a_single_example(student, reference):
    """For one example (N = 1), the gradient of the loss with respect to probs is -1 / p at the target."""
    _expect_gradient(student, reference, torch.tensor([[0.1, 0.6, 0.2, 0.1]]), torch.tensor([1]))


@check(nll_loss, points=2)
def gradient_matches(student, reference):
    """The gradient of the loss with respect to probs matches the reference (-1 / (N p) at each target)."""
    probs, target = _batch()
    _expect_gradient(student, reference, probs, target)


def _expect_gradient(student, reference, probs: Tensor, target: Tensor) -> None:
    """The gradient of nll_loss(probs, target) with respect to probs matches the reference's."""
    shown = _call_shown(probs, target)
    # The value first: a wrong shape would otherwise surface as an error of the gradient machinery.
    _expect_loss_tensor(student.nll_loss(probs, target), probs, what=shown)
    one = torch.tensor(1.0)
    got = student.call("nll_loss", probs, target, grad_wrt=[0], cotangent=one)
    expected = reference.call("nll_loss", probs, target, grad_wrt=[0], cotangent=one)
    _expect_loss_tensor(got.value, probs, what=shown)
    if got.grads is None or got.grads[0] is None:
        raise CheckFailure(
            f"No gradient flows from {shown} back to probs.",
            hint="Keep the computation in torch operations on probs: no .detach(), .item(), .numpy() or torch.tensor(...) of the result.",
        )
    what = "the gradient of nll_loss with respect to probs"
    try:
        expect_close(got.grads[0], expected.grads[0], what=what, rtol=1e-4, atol=1e-6)
    except CheckFailure as failure:
        grad = got.grads[0]
        for wrong, hint in _known_mistakes(probs, target):
            leaf = probs.detach().clone().requires_grad_(True)
            value = wrong(leaf)
            (candidate,) = torch.autograd.grad(value, [leaf])
            if (
                isinstance(grad, torch.Tensor)
                and torch.isfinite(candidate).all()
                and _close(grad, candidate)
                and not _close(expected.grads[0], candidate)
            ):
                raise CheckFailure(failure.message, hint=hint) from None
        raise


@check(nll_loss, points=1, public=True)
def tiny_target_probability(student, reference):
    """A single example whose target probability is 1e-20 has the loss -log(1e-20) = 46.05."""
    _expect_tiny_target(student, reference, torch.tensor([[0.5, 1e-20, 0.5]]), torch.tensor([1]), tiny_row=0)


@check(nll_loss, points=1)
def tiny_probabilities(student, reference):
    """A target probability of 1e-30 gives a large finite loss (69.08 for that row); a tiny non-target one does not matter."""
    tiny = 1e-30
    probs = torch.tensor(
        [
            [tiny, 0.7, 0.2, 0.1],  # target 1: a tiny probability in another class must not matter
            [0.5, tiny, 0.25, 0.25],  # target 1: -log(1e-30) = 69.08
            [0.25, 0.25, 0.25, 0.25],  # target 3
        ]
    )
    _expect_tiny_target(student, reference, probs, torch.tensor([1, 1, 3]), tiny_row=1)


def _expect_tiny_target(student, reference, probs: Tensor, target: Tensor, *, tiny_row: int) -> None:
    """The loss is right although row ``tiny_row``'s target probability is tiny; names an epsilon if one shows."""
    tiny = float(probs[tiny_row, target[tiny_row]])
    shown = _call_shown(probs, target)
    got = _expect_loss_tensor(student.nll_loss(probs, target), probs, what=shown)
    expected = reference.nll_loss(probs, target)
    try:
        _expect_loss(got, probs, target, expected, what=shown, rtol=1e-5, atol=1e-5)
    except CheckFailure as failure:
        if failure.hint is not None or not bool(torch.isfinite(got)):
            raise
        # What the student's loss implies for the row whose target probability is tiny.
        rows = [row for row in range(probs.shape[0]) if row != tiny_row]
        others = -sum(torch.log(probs[row, target[row]]).item() for row in rows)
        implied = probs.shape[0] * got.item() - others
        if 5.0 < implied < -math.log(tiny) - 0.05:
            raise CheckFailure(
                failure.message,
                hint=(
                    f"Your loss for the row whose target probability is {tiny:.3g} looks like {implied:.4g} instead of "
                    f"{-math.log(tiny):.4g}: do not add an epsilon to the probabilities or clamp them; "
                    "-log p must keep growing as p nears 0."
                ),
            ) from None
        raise


EXERCISE = Exercise(
    id="nll",
    title="negative log-likelihood",
    intro=(
        "The negative log-likelihood of a batch is the mean, over rows, of `−log p[target]`: "
        "the probability the model gave to the right class. It grows without bound as that "
        "probability nears 0, and it is the mean (not the sum) so that it does not depend on "
        "the batch size."
    ),
    filename="04_nll.py",
    functions=(nll_loss,),
    stub_header="import torch\nfrom torch import Tensor\n",
    reference=reference.nll,
    mistakes=mistakes_in(Path(__file__).parent / "mistakes" / "nll"),
)
