"""Draws the permutation from numpy's global generator, which torch.manual_seed does not seed."""

import numpy as np
import torch

CAUGHT_BY = ["split_is_reproducible", "split_follows_the_seed"]
HINT = "numpy's generator is not seeded"


def split_dataset(data, labels, train_ratio=0.8):
    permutation = torch.from_numpy(np.random.permutation(len(data)))
    data, labels = data[permutation], labels[permutation]
    cut = int(len(data) * train_ratio)
    return data[:cut], data[cut:], labels[:cut], labels[cut:]
