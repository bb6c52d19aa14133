"""Exercise 07: shuffle and split.

Fill in the function below, then run:

    grade exercises/07_split.py
"""
import torch
from torch import Tensor


def split_dataset(data: Tensor, labels: Tensor, train_ratio: float = 0.8) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Shuffle ``data`` and ``labels`` together and split them into a train and a test set.

    ``data`` has shape ``[N, ...]`` (N clips or spectrograms) and ``labels`` shape ``[N]``.
    Draw one random permutation of the N rows (``torch.randperm``) and apply that same
    permutation to ``data`` and to ``labels``, so that every label stays with its row. The
    first ``int(N * train_ratio)`` shuffled rows go to the train set, the rest to the test set.

    Return the tuple ``(train_data, test_data, train_labels, test_labels)``, in that order,
    with the dtypes of the inputs. Every row appears exactly once, in train or in test. Do not
    modify ``data`` or ``labels`` themselves. Draw the randomness from torch's (or Python's)
    global generator, so that ``torch.manual_seed`` makes the split reproducible; do not seed
    a generator of your own.
    """
    raise NotImplementedError
