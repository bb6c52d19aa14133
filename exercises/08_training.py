"""Exercise 08: the pitch classifier and its training loop.

Fill in the functions below, then run:

    grade exercises/08_training.py
"""
import torch
from torch import Tensor


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
        raise NotImplementedError

    def forward(self, x: Tensor) -> Tensor:
        """Map mel frames ``x`` of shape ``[..., n_mels]`` to logits ``[..., n_classes]``.

        Return the layer's raw output (logits): no softmax here, it belongs to the loss.
        """
        raise NotImplementedError


def train_classifier(model: torch.nn.Module, features: Tensor, labels: Tensor, n_steps: int = 300, lr: float = 0.001) -> list[float]:
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
    raise NotImplementedError


def accuracy(model: torch.nn.Module, features: Tensor, labels: Tensor) -> float:
    """Return the fraction of rows that ``model`` classifies correctly, as a Python float.

    A row is correct when the arg-max of its logits (over the classes, the last dimension)
    equals its label. The result lies between 0 and 1 (0.75 means 3 rows out of 4): a
    fraction, not a percentage or a count, and a float, not a tensor.
    """
    raise NotImplementedError
