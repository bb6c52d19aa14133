"""Seeds a generator of its own with a fixed seed: the same split whatever the grader's seed."""

import torch

CAUGHT_BY = ["split_is_reproducible", "split_follows_the_seed"]
HINT = "rather than a generator with a fixed seed of your own"


def split_dataset(data, labels, train_ratio=0.8):
    generator = torch.Generator().manual_seed(42)
    permutation = torch.randperm(len(data), generator=generator)
    data, labels = data[permutation], labels[permutation]
    cut = int(len(data) * train_ratio)
    return data[:cut], data[cut:], labels[:cut], labels[cut:]
