"""Exercise 08: the pitch classifier, its training loop and its accuracy."""

from __future__ import annotations

import functools
import math
import weakref
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

import reference.training
from grader.compare import describe, expect_close, expect_tensor
from grader.exercise import (
    CheckFailure,
    Exercise,
    check,
    exercise_class,
    exercise_function,
    mistakes_in,
    solution_helper,
)
from grader.inputs import randn
from grader.lesson.given import PITCHES, LinearClassifier
from grader.sandbox.wire import ModuleSnapshot


@exercise_class
class PitchClassifier(torch.nn.Module):
    """The lesson's pitch classifier: one linear layer from a mel frame to pitch logits.

    The lesson feeds it one frame of each clip's dB mel spectrogram (48 mel bins) and reads
    the largest of its 12 outputs as the predicted pitch.
    """

    def __init__(self, n_mels: int = 48, n_classes: int = 12):
        """Build the model: one ``torch.nn.Linear(n_mels, n_classes)`` stored as ``self.layer``.

        Call ``super().__init__()`` first. Keep the attribute name ``layer``: the grader reads
        the weights from ``self.layer``.
        """

    def forward(self, x: Tensor) -> Tensor:
        """Map mel frames ``x`` of shape ``[..., n_mels]`` to logits ``[..., n_classes]``.

        Return the layer's raw output (logits): no softmax here, it belongs to the loss.
        """


@exercise_function
def train_classifier(
    model: torch.nn.Module, features: Tensor, labels: Tensor, n_steps: int = 300, lr: float = 1e-3
) -> list[float]:
    """Train ``model`` on the whole batch for ``n_steps`` steps; return the losses.

    ``features`` is float32 ``[N, n_mels]`` (one dB mel frame per clip), ``labels`` int64
    ``[N]`` (the pitch class of each row). Build ``torch.optim.Adam(model.parameters(),
    lr=lr)`` once, then at every step, as in the lesson:

    1. clear the gradients (``optimizer.zero_grad()``),
    2. compute the logits of all N rows, their softmax, and the mean negative log-likelihood
       of the labels (your ``softmax`` and ``nll_loss`` from exercises 03 and 04, defined in
       this file, or ``torch.nn.functional.log_softmax`` with ``nll_loss``),
    3. back-propagate (``loss.backward()``) and update (``optimizer.step()``).

    Return the n_steps losses, in order (the loss of each step, computed before its update), as
    a list of Python floats (``loss.item()``), not tensors. Train ``model`` itself, not a copy:
    the grader checks its accuracy afterwards.
    """


@exercise_function
def accuracy(model: torch.nn.Module, features: Tensor, labels: Tensor) -> float:
    """Return the fraction of rows that ``model`` classifies correctly, as a Python float.

    A row is correct when the arg-max of its logits (over the classes, the last dimension)
    equals its label. The result lies between 0 and 1 (0.75 means 3 rows out of 4): a
    fraction, not a percentage or a count, and a float, not a tensor.
    """


# --------------------------------------------------------------------------- data

N_MELS = 48
N_CLASSES = 12
TRAIN_ROWS_PER_PITCH = 8
HELD_OUT_ROWS_PER_PITCH = 5
INITIAL_WEIGHT_SEED = 7
ACCURACY_BAR = 0.9
OTHER_LR = 0.005
OTHER_N_STEPS = 30
SHORT_LR = 0.002
SHORT_N_STEPS = 10
DIAGNOSIS_STEPS = 8
# Two correct loss curves (softmax then log, log_softmax + nll_loss, cross_entropy, float64
# inside, the grader's closed-form reference) agree to about 1e-6 relative over 300 steps on
# this data: 0.5 % of this tolerance.
CURVE_RTOL = 1e-4
CURVE_ATOL = 1e-5


def _mel(freq: float) -> float:
    return 2595.0 * math.log10(1.0 + freq / 700.0)


@functools.cache
def pitch_frames(rows_per_pitch: int, seed: int) -> tuple[Tensor, Tensor]:
    """Synthetic dB mel frames of the lesson's 12 pitches: ``(features [12·n, 48], labels [12·n])``.

    Each row imitates one frame of the lesson's clips (a harmonic of random level plus white
    noise, 48 HTK mel bins from 400 to 3200 Hz, n_fft 4192, in dB): the fundamental and
    the second partial light the two mel filters around them, over a noise floor of random
    level. Returned tensors are shared: never modify them.
    """
    generator = torch.Generator().manual_seed(seed)
    n = rows_per_pitch * N_CLASSES

    def uniform(*shape: int) -> Tensor:
        return torch.rand(*shape, generator=generator, dtype=torch.float64)

    labels = torch.arange(N_CLASSES).repeat_interleave(rows_per_pitch)
    amp = 0.3 + uniform(n) / 2
    partial = amp * uniform(n) / 2 ** (1 + uniform(n))
    noise_std = 0.02 + 0.08 * uniform(n)
    low, high = _mel(400.0), _mel(3200.0)
    spacing = (high - low) / (N_MELS + 1)
    bins = torch.arange(N_MELS, dtype=torch.float64)
    pitch = torch.tensor(PITCHES, dtype=torch.float64)[labels]
    power = torch.zeros(n, N_MELS, dtype=torch.float64)
    for freq, level in ((pitch, amp), (2 * pitch, partial)):
        position = (2595.0 * torch.log10(1.0 + freq / 700.0) - low) / spacing - 1
        triangle = (1 - (bins - position[:, None]).abs()).clamp(min=0)
        power += (1048.0 * level[:, None]) ** 2 * triangle  # |amp · sum(hann) / 2|²
    filter_width = 8.0 * (1 + bins / 24)  # FFT bins under each mel filter
    noise = (
        1572.0
        * noise_std[:, None] ** 2
        * filter_width
        * torch.exp(0.5 * torch.randn(n, N_MELS, generator=generator, dtype=torch.float64))
    )
    features = 10 * torch.log10(power + noise)
    return features.to(torch.float32), labels


def training_set() -> tuple[Tensor, Tensor]:
    return pitch_frames(TRAIN_ROWS_PER_PITCH, 1)


def held_out_set() -> tuple[Tensor, Tensor]:
    return pitch_frames(HELD_OUT_ROWS_PER_PITCH, 2)


def initial_model() -> LinearClassifier:
    """Small seeded weights, for which the lesson's softmax-then-log stays finite all along."""
    generator = torch.Generator().manual_seed(INITIAL_WEIGHT_SEED)
    weight = (torch.rand(N_CLASSES, N_MELS, generator=generator, dtype=torch.float64) * 2 - 1) * 0.05
    bias = (torch.rand(N_CLASSES, generator=generator, dtype=torch.float64) * 2 - 1) * 0.05
    return LinearClassifier.from_weights(weight.float(), bias.float())


# --------------------------------------------------------------------------- PitchClassifier


def _expect_layer(model: Any, shown: str, n_mels: int, n_classes: int) -> tuple[Tensor, Tensor]:
    """The constructed model holds one Linear(n_mels, n_classes) as ``layer``: its (weight, bias)."""
    if not isinstance(model, ModuleSnapshot):
        raise CheckFailure(f"{shown} should build a torch.nn.Module, but it built {describe(model)}.")
    children = model.children
    if children.get("layer") != "Linear":
        found = ", ".join(f"{name} ({kind})" for name, kind in children.items()) or "no submodules"
        raise CheckFailure(
            f"{shown} should hold a torch.nn.Linear as self.layer, but its submodules are: {found}.",
            hint="Store the layer as self.layer = torch.nn.Linear(n_mels, n_classes).",
        )
    weight = model.state.get("layer.weight")
    bias = model.state.get("layer.bias")
    if not isinstance(weight, Tensor) or not isinstance(bias, Tensor):
        raise CheckFailure(f"{shown}: self.layer should have a weight and a bias.")
    if list(weight.shape) != [n_classes, n_mels]:
        hint = None
        if list(weight.shape) == [n_mels, n_classes]:
            hint = "torch.nn.Linear takes (in_features, out_features): Linear(n_mels, n_classes)."
        elif list(weight.shape) == [12, 48]:
            hint = "Use the n_mels and n_classes arguments instead of fixed sizes."
        raise CheckFailure(
            f"{shown}: self.layer.weight should have shape [{n_classes}, {n_mels}] "
            f"(Linear({n_mels}, {n_classes})), but it has shape {list(weight.shape)}.",
            hint=hint,
        )
    expect_tensor(bias, what=f"{shown}: self.layer.bias", shape=(n_classes,))
    return weight, bias


def _expect_classifier(student, args: tuple, method: str, x: Tensor, n_mels: int, n_classes: int) -> None:
    """``PitchClassifier(*args)`` holds one Linear as ``layer``, and its logits are ``x @ W.T + b``."""
    shown = f"PitchClassifier({', '.join(map(str, args))})"
    try:
        outcome = student.call("PitchClassifier", *args, method=method, method_args=[x])
    except CheckFailure as failure:
        # The model crashed on x: if its layer is the wrong one, say that (it is the cause).
        try:
            built = student.call("PitchClassifier", *args).value
        except CheckFailure:
            raise failure from None
        _expect_layer(built, shown, n_mels, n_classes)
        raise
    weight, bias = _expect_layer(outcome.instance, shown, n_mels, n_classes)
    logits64 = x.double() @ weight.double().T + bias.double()
    what = f"{shown}(x) for x of shape {list(x.shape)}"
    got = expect_tensor(outcome.value, what=what, shape=(*x.shape[:-1], n_classes), dtype=torch.float32)
    probabilities = logits64.softmax(dim=-1)
    if torch.allclose(got.double(), probabilities, rtol=1e-4, atol=1e-6):
        raise CheckFailure(
            f"{what} returned probabilities (its softmax), not the logits x @ W.T + b.",
            hint="forward returns the layer's raw output; the softmax belongs to the loss.",
        )
    expect_close(
        got, logits64.float(), what=f"{what}, compared with x @ layer.weight.T + layer.bias", rtol=1e-5, atol=1e-4
    )


@check(PitchClassifier, points=1, public=True)
def classifier_with_default_sizes(student, reference):
    """PitchClassifier() holds a Linear(48, 12) as self.layer; its forward gives the layer's logits."""
    x = randn(5, N_MELS, seed=80, scale=10.0) + 20.0
    _expect_classifier(student, (), "forward", x, N_MELS, N_CLASSES)


@check(PitchClassifier, points=1)
def classifier_on_batched_frames(student, reference):
    """The model maps frames of any leading shape, [2, 3, 48], to logits [2, 3, 12]."""
    x = randn(2, 3, N_MELS, seed=81, scale=10.0) + 20.0
    _expect_classifier(student, (N_MELS, N_CLASSES), "__call__", x, N_MELS, N_CLASSES)


@check(PitchClassifier, points=0.5, public=True)
def classifier_with_given_sizes(student, reference):
    """PitchClassifier(16, 4) holds a Linear(16, 4) and maps [3, 16] frames to [3, 4] logits."""
    x = randn(3, 16, seed=84, scale=10.0) + 20.0
    _expect_classifier(student, (16, 4), "forward", x, 16, 4)


@check(PitchClassifier, points=0.5)
def classifier_with_other_sizes(student, reference):
    """PitchClassifier(40, 5) holds a Linear(40, 5) and maps [4, 40] frames to [4, 5] logits."""
    x = randn(4, 40, seed=82, scale=10.0) + 20.0
    _expect_classifier(student, (40, 5), "forward", x, 40, 5)


# --------------------------------------------------------------------------- train_classifier

# The student's run with the default n_steps and lr serves two checks (its loss curve, and
# the accuracy of the model it trained): one call per submission, not two.
_DEFAULT_RUNS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _student_default_run(student) -> Any:
    cached = _DEFAULT_RUNS.get(student)
    if cached is None:
        features, labels = training_set()
        try:
            cached = student.call("train_classifier", initial_model(), features, labels)
        except CheckFailure as failure:
            cached = failure
        _DEFAULT_RUNS[student] = cached
    if isinstance(cached, CheckFailure):
        raise CheckFailure(cached.message, hint=cached.hint)
    return cached


def _expect_loss_list(got: Any, n_steps: int, shown: str, *, n_steps_given: bool) -> Tensor:
    """``got`` must be a list of n_steps Python numbers; returns them as a float64 tensor."""
    if isinstance(got, Tensor):
        raise CheckFailure(
            f"{shown} should return a list of Python floats, but it returned {describe(got)}.",
            hint="Collect loss.item() of every step in a list and return the list.",
        )
    if not isinstance(got, list):
        raise CheckFailure(f"{shown} should return a list of {n_steps} Python floats, but it returned {describe(got)}.")
    wrong = [item for item in got if isinstance(item, bool) or not isinstance(item, (int, float))]
    if wrong:
        hint = None
        if any(isinstance(item, Tensor) for item in wrong):
            hint = "Append loss.item() (a Python float), not the loss tensor itself."
        raise CheckFailure(
            f"{shown} should return a list of Python floats, but it returned {describe(got)} "
            f"(the first that is not a float is {describe(wrong[0])}).",
            hint=hint,
        )
    if len(got) != n_steps:
        hint = None
        if abs(len(got) - n_steps) == 1:
            hint = "One loss per step: for each of the n_steps steps, append the loss of that step."
        elif not n_steps_given:
            hint = f"The default number of steps is n_steps={n_steps}."
        elif len(got) == 300:
            hint = "Loop for n_steps steps: use the n_steps argument, not a fixed 300."
        raise CheckFailure(
            f"{shown} should return {n_steps} losses (one per step), but it returned {len(got)}.", hint=hint
        )
    return torch.tensor([float(item) for item in got], dtype=torch.float64)


def _loss_values(got: Any) -> Tensor | None:
    """The student's losses as a float64 tensor when they are a list of at least 2 finite numbers, else None."""
    if not isinstance(got, list) or len(got) < 2:
        return None
    if any(isinstance(item, bool) or not isinstance(item, (int, float)) or not math.isfinite(item) for item in got):
        return None
    return torch.tensor([float(item) for item in got], dtype=torch.float64)


def _off(curve: Tensor, expected: Tensor) -> Tensor:
    """Where the losses disagree beyond float rounding (NaN counts as a disagreement)."""
    return ~((curve - expected).abs() <= CURVE_ATOL + CURVE_RTOL * expected.abs())


def _matches(curve: Tensor, expected: list[float]) -> bool:
    return not bool(_off(curve, torch.tensor(expected, dtype=torch.float64)).any())


def _simulated_curve(n_steps: int, lr: float, **mistake: Any) -> list[float]:
    """The first losses of a training that makes a classic mistake (only run to explain a failure)."""
    features, labels = training_set()
    return reference.training.run_training(initial_model(), features, labels, n_steps, lr, **mistake)


@solution_helper
def _row_losses() -> Tensor:
    """-log softmax(model(features))[i, labels[i]] of the untrained model, row by row."""
    features, labels = training_set()
    layer = initial_model().layer
    logits = features.double() @ layer.weight.detach().double().T + layer.bias.detach().double()
    return -logits.log_softmax(dim=1)[torch.arange(len(labels)), labels]


NO_GRADIENT_HINT = (
    "No gradient reaches the model's weights: keep the loss connected to the model "
    "(no .detach(), .item() or torch.tensor(...) before loss.backward()), and step an "
    "optimiser built on model.parameters()."
)


NO_ZERO_GRAD_HINT = (
    "Your losses match training without clearing the gradients: call "
    "optimizer.zero_grad() at the start of every step, otherwise loss.backward() adds "
    "each step's gradients to the previous ones."
)


def _trained_weights(model: Any) -> tuple[Tensor, Tensor] | None:
    """The (weight, bias) of a model that came back from the student as a [12, 48] Linear, else None."""
    if not isinstance(model, ModuleSnapshot):
        return None
    weight, bias = model.state.get("layer.weight"), model.state.get("layer.bias")
    if not (
        isinstance(weight, Tensor)
        and list(weight.shape) == [N_CLASSES, N_MELS]
        and isinstance(bias, Tensor)
        and list(bias.shape) == [N_CLASSES]
    ):
        return None
    return weight, bias


def _weights_unchanged(weight: Tensor, bias: Tensor) -> bool:
    initial = initial_model().layer
    return torch.equal(weight, initial.weight.detach()) and torch.equal(bias, initial.bias.detach())


def _after_one_step(weight: Tensor, bias: Tensor, lr: float) -> bool:
    """Whether the weights are those of a single Adam step from the initial model.

    An Adam first step moves each weight by about lr; 1 % of that is far above float rounding.
    """
    features, labels = training_set()
    model = initial_model()
    reference.training.run_training(model, features, labels, 1, lr)
    tolerance = 0.01 * lr
    return bool(
        ((weight.double() - model.layer.weight.detach().double()).abs() <= tolerance).all()
        and ((bias.double() - model.layer.bias.detach().double()).abs() <= tolerance).all()
    )


def _stuck_hint(model_after: Any, lr: float) -> str:
    """A hint for losses that never change, from the model the student's training left behind."""
    trained = _trained_weights(model_after)
    if trained is not None and _weights_unchanged(*trained):
        return "Your loss and the model's weights never change. " + NO_GRADIENT_HINT
    if trained is not None and _after_one_step(*trained, lr):
        return (
            "Your loss never changes, but the model took one step after your loop: call "
            "optimizer.step() inside the loop, at every step, after loss.backward()."
        )
    return (
        "Your loss never changes, so the model does not learn: build the optimiser on "
        "model.parameters(), call loss.backward() and optimizer.step() at every step, and "
        "keep the loss connected to the model (no .detach() before backward)."
    )


def _diagnose(curve: Tensor, expected: Tensor, first_bad: int, lr: float, lr_given: bool, model_after: Any) -> str:
    """A hint naming the classic mistake that the student's curve looks like."""
    n_rows = len(training_set()[1])
    if first_bad == 0:
        first = curve[0].item()
        ratio = first / expected[0].item()
        if abs(ratio - n_rows) < 1e-3 * n_rows:
            return (
                f"Your losses are {n_rows} times too large, {n_rows} being the number of rows: "
                "the NLL is the mean of -log p[target] over the rows, not the sum."
            )
        if abs(ratio + 1) < 1e-3:
            return "Your losses have the wrong sign: the NLL is -log p[target]."
        if len(curve) > 1 and not bool(_off(curve[:-1], expected[1:]).any()):
            return (
                "Your losses are one step late: record the loss that you back-propagate, "
                "computed before optimizer.step(), not the loss after the update."
            )
        if bool(((_row_losses() - first).abs() <= CURVE_ATOL + CURVE_RTOL * abs(first)).any()):
            return (
                "Your first loss is that of a single row: every step computes the loss of the "
                "whole batch, all N rows of features at once."
            )
        return (
            "The first loss is that of the untrained model: the mean over all N rows of "
            "-log softmax(model(features))[i, labels[i]]."
        )
    if not bool(_off(curve, curve[:1].expand_as(curve)).any()):
        return _stuck_hint(model_after, lr)
    steps = min(len(curve), DIAGNOSIS_STEPS)
    prefix = curve[:steps]
    if _matches(prefix, _simulated_curve(steps, lr, zero_grad=False)):
        return NO_ZERO_GRAD_HINT
    if _matches(prefix, _simulated_curve(steps, lr, optimiser="sgd")):
        return "Your losses match plain gradient descent (SGD): the lesson trains with torch.optim.Adam."
    if lr != 1e-3 and _matches(prefix, _simulated_curve(steps, 1e-3)):
        return (
            f"Your losses match training with lr=0.001 although lr={lr:g} was "
            "passed: give the optimiser the lr argument."
        )
    if not lr_given:
        return (
            "Check the default learning rate (lr=1e-3), and that every step clears the "
            "gradients, computes the loss of the whole batch, back-propagates and steps Adam."
        )
    return (
        "Every step should clear the gradients, compute softmax and mean NLL of the whole "
        "batch, back-propagate, and step torch.optim.Adam(model.parameters(), lr=lr)."
    )


def _expect_curve(outcome: Any, expected: list[float], *, shown: str, lr: float, given: bool) -> None:
    """The student's losses must match the reference's, step by step, to float rounding."""
    curve = _expect_loss_list(outcome.value, len(expected), shown, n_steps_given=given)
    target = torch.tensor(expected, dtype=torch.float64)
    off = _off(curve, target)
    if not bool(off.any()):
        return
    first = int(off.nonzero()[0])
    if first == 0:
        where = "the first loss (the untrained model's) is off"
    elif first == 1:
        where = "the first loss matches, but the second is off"
    else:
        where = f"the first {first} losses match, but loss {first + 1} is off"
    message = (
        f"{shown}: {where}: got {curve[first].item():.6g}, expected {target[first].item():.6g} "
        f"(allowed {CURVE_ATOL:g} + {CURVE_RTOL:g}·|expected|); {int(off.sum())} of {len(expected)} losses are off."
    )
    not_finite = (~torch.isfinite(curve)).nonzero()
    if len(not_finite):
        message += f" From loss {int(not_finite[0]) + 1} on, yours are not finite ({curve[int(not_finite[0])].item()})."
    model_after = outcome.args_after[0] if outcome.args_after else None
    raise CheckFailure(message, hint=lambda: _diagnose(curve, target, first, lr, given, model_after))


@check(train_classifier, points=1.5, public=True)
def loss_curve_with_default_settings(student, reference):
    """With the default n_steps and lr, the 300 losses match Adam's from the same initial weights."""
    features, labels = training_set()
    outcome = _student_default_run(student)
    expected = reference.train_classifier(initial_model(), features, labels)
    _expect_curve(outcome, expected, shown="train_classifier(model, features, labels)", lr=1e-3, given=False)


def _student_short_run(student) -> Any:
    """The student's training of the initial model for SHORT_N_STEPS steps at SHORT_LR."""
    features, labels = training_set()
    return student.call("train_classifier", initial_model(), features, labels, SHORT_N_STEPS, SHORT_LR)


@check(train_classifier, points=1, public=True)
def loss_curve_of_a_short_run(student, reference):
    """With n_steps=10 and lr=0.002, the 10 losses match Adam's at that rate."""
    features, labels = training_set()
    outcome = _student_short_run(student)
    expected = reference.train_classifier(initial_model(), features, labels, SHORT_N_STEPS, SHORT_LR)
    _expect_curve(
        outcome,
        expected,
        shown=f"train_classifier(model, features, labels, {SHORT_N_STEPS}, {SHORT_LR:g})",
        lr=SHORT_LR,
        given=True,
    )


@check(train_classifier, points=0.5, public=True)
def short_run_trains_the_model_given(student, reference):
    """After train_classifier(model, features, labels, 10, 0.002), the model passed in has new weights."""
    outcome = _student_short_run(student)
    _expect_model_trained(outcome, f"train_classifier(model, features, labels, {SHORT_N_STEPS}, {SHORT_LR:g})")


@check(train_classifier, points=1)
def loss_curve_with_another_learning_rate(student, reference):
    """With n_steps=30 and lr=0.005, the 30 losses match Adam's at that rate."""
    features, labels = training_set()
    outcome = student.call("train_classifier", initial_model(), features, labels, OTHER_N_STEPS, OTHER_LR)
    expected = reference.train_classifier(initial_model(), features, labels, OTHER_N_STEPS, OTHER_LR)
    _expect_curve(
        outcome,
        expected,
        shown=f"train_classifier(model, features, labels, {OTHER_N_STEPS}, {OTHER_LR:g})",
        lr=OTHER_LR,
        given=True,
    )


def _expect_model_trained(outcome: Any, shown: str) -> tuple[Tensor, Tensor]:
    """The model passed to the student's training came back trained: its (weight, bias)."""
    model = outcome.args_after[0] if outcome.args_after else None
    if not isinstance(model, ModuleSnapshot):
        raise CheckFailure(f"After {shown} the model argument is {describe(model)}, not the trained module.")
    trained = _trained_weights(model)
    if trained is None:
        raise CheckFailure(f"After {shown} the model's layer no longer has a [12, 48] weight and a [12] bias.")
    weight, bias = trained
    if _weights_unchanged(weight, bias):
        losses = _loss_values(outcome.value)
        if losses is not None and bool(_off(losses, losses[:1].expand_as(losses)).any()):
            hint = (
                "Your losses change, but the model you were given does not: you trained another "
                "model (a copy?). Build the optimiser on model.parameters() of the model passed in."
            )
        elif losses is not None:
            hint = NO_GRADIENT_HINT
        else:
            hint = (
                "Train the model you were given: build the optimiser on its parameters and call "
                "loss.backward() and optimizer.step() at every step."
            )
        raise CheckFailure(
            f"After {shown} the model's weights are unchanged: the model passed in was not trained.", hint=hint
        )
    return weight, bias


@check(train_classifier, points=1)
def trained_model_classifies_held_out_frames(student, reference):
    """After training with the defaults, the model itself classifies >= 90 % of held-out frames."""
    outcome = _student_default_run(student)
    shown = "train_classifier(model, features, labels)"
    weight, bias = _expect_model_trained(outcome, shown)
    features, labels = held_out_set()
    logits = features.double() @ weight.double().T + bias.double()
    if not bool(torch.isfinite(logits).all()):
        hint = None
        losses = outcome.value
        if (
            isinstance(losses, list)
            and len(losses) >= DIAGNOSIS_STEPS
            and all(isinstance(item, float) for item in losses[:DIAGNOSIS_STEPS])
            and _matches(
                torch.tensor(losses[:DIAGNOSIS_STEPS], dtype=torch.float64),
                _simulated_curve(DIAGNOSIS_STEPS, 1e-3, zero_grad=False),
            )
        ):
            hint = NO_ZERO_GRAD_HINT
        raise CheckFailure(f"After {shown} the model's weights contain NaN or Inf.", hint=hint)
    correct = int((logits.argmax(dim=1) == labels).sum())
    fraction = correct / len(labels)
    if fraction < ACCURACY_BAR:
        hint = "Train the model you were given, on the whole batch, for all n_steps steps."
        if _after_one_step(weight, bias, 1e-3):
            hint = "The model took a single step: call optimizer.step() inside the loop, at every step."
        raise CheckFailure(
            f"After {shown} the model classifies {correct} of {len(labels)} held-out frames correctly "
            f"({100 * fraction:.1f} %); it should reach at least {100 * ACCURACY_BAR:.0f} %.",
            hint=hint,
        )


# --------------------------------------------------------------------------- accuracy


def _known_model_and_frames() -> tuple[LinearClassifier, Tensor, Tensor]:
    """A 4-class model that predicts the row's largest feature; 7 of 10 labels agree."""
    model = LinearClassifier.from_weights(torch.eye(4) * 2.0, torch.tensor([0.1, -0.1, 0.2, 0.0]))
    predicted = torch.tensor([0, 1, 2, 3, 2, 1, 0, 3, 3, 1])
    features = randn(10, 4, seed=83, scale=0.3)
    features[torch.arange(10), predicted] += 3.0
    labels = predicted.clone()
    labels[[1, 4, 8]] = torch.tensor([2, 0, 1])
    return model, features, labels


def _expect_fraction(got: Any, correct: int, n_rows: int, *, shown: str, wrong_dim: float | None = None) -> None:
    expected = correct / n_rows
    if isinstance(got, Tensor):
        raise CheckFailure(
            f"{shown} should return a Python float, but it returned {describe(got)}.",
            hint="Turn the result into a Python float with .item() (or float(...)).",
        )
    if isinstance(got, bool) or not isinstance(got, (int, float)):
        raise CheckFailure(f"{shown} should return a Python float, but it returned {describe(got)}.")
    if math.isfinite(got) and abs(got - expected) <= 1e-6 * expected:
        return
    hint = None
    if got == correct:
        hint = f"That is the number of correct rows: divide by the number of rows ({n_rows})."
    elif math.isfinite(got) and abs(got - 100 * expected) <= 1e-4 * expected:
        hint = "Return a fraction between 0 and 1, not a percentage."
    elif wrong_dim is not None and math.isfinite(got) and abs(got - wrong_dim) <= 1e-6:
        hint = "Take the arg-max over the classes (the last dimension, dim=-1), one prediction per row."
    raise CheckFailure(
        f"{shown} should be {expected:.6g} ({correct} of {n_rows} rows right), but it returned {got:.6g}.", hint=hint
    )


@check(accuracy, points=1, public=True)
def accuracy_of_known_predictions(student, reference):
    """A model whose predictions are right on 7 of 10 rows has accuracy 0.7, a Python float."""
    model, features, labels = _known_model_and_frames()
    got = student.accuracy(model, features, labels)
    _expect_fraction(got, 7, 10, shown="accuracy(model, features, labels)")


@check(accuracy, points=0.5, public=True)
def accuracy_of_four_rows_of_four_classes(student, reference):
    """A 4-class model right on 2 of 4 rows has accuracy 0.5: the arg-max is taken over the classes."""
    model = LinearClassifier.from_weights(torch.eye(4) * 2.0, torch.zeros(4))
    features = torch.tensor(
        [[0.1, 3.0, 0.2, 0.0], [0.0, 0.3, 0.1, 3.0], [3.0, 0.2, 0.0, 0.1], [0.2, 0.0, 3.0, 0.3]]
    )  # predicted classes 1, 3, 0, 2
    labels = torch.tensor([1, 3, 2, 0])
    with torch.no_grad():
        logits = model(features)
    wrong_dim = float((logits.argmax(dim=0) == labels).double().mean())
    got = student.accuracy(model, features, labels)
    _expect_fraction(got, 2, 4, shown="accuracy(model, features, labels) for 4 rows of 4 classes", wrong_dim=wrong_dim)


@check(accuracy, points=0.5)
def accuracy_of_a_pitch_classifier(student, reference):
    """The accuracy of a 12-class model on 12 mel frames counts the arg-max over the classes."""
    model = initial_model()
    features = held_out_set()[0][::HELD_OUT_ROWS_PER_PITCH][:N_CLASSES]
    with torch.no_grad():
        logits = model(features)
    predicted = logits.argmax(dim=1)
    labels = (predicted + (torch.arange(N_CLASSES) % 3 != 0)) % N_CLASSES  # rows 0, 3, 6, 9 right
    correct = int((predicted == labels).sum())
    wrong_dim = float((logits.argmax(dim=0) == labels).double().mean())
    got = student.accuracy(model, features, labels)
    _expect_fraction(
        got,
        correct,
        N_CLASSES,
        shown="accuracy(model, features, labels) for 12 rows of 12 classes",
        wrong_dim=wrong_dim,
    )


EXERCISE = Exercise(
    id="training",
    title="the pitch classifier and its training loop",
    intro=(
        "The lesson's model is one `nn.Linear(48, 12)` applied to a single spectrogram frame "
        "(frame 5 of each clip). Each training step clears the gradients "
        "(`optimizer.zero_grad()`, or they accumulate), computes softmax and NLL over the "
        "whole batch, back-propagates and takes an Adam step (`lr = 0.001`). After 300 steps "
        "the lesson's model reaches about 98 % accuracy on the test clips."
    ),
    filename="08_training.py",
    functions=(PitchClassifier, train_classifier, accuracy),
    stub_header="import torch\nfrom torch import Tensor\n",
    reference=reference.training,
    mistakes=mistakes_in(Path(__file__).parent / "mistakes" / "training"),
)
