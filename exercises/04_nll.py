"""Exercise 04: negative log-likelihood.

Fill in the function below, then run:

    grade exercises/04_nll.py
"""
import torch
from torch import Tensor


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
    raise NotImplementedError
