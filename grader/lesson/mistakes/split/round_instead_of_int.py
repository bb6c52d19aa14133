"""Rounds N · train_ratio to the nearest integer instead of taking int() (9.6 → 10 instead of 9)."""

import torch

CAUGHT_BY = ["split_sizes"]
HINT = "int() rounds down"


def split_dataset(data, labels, train_ratio=0.8):
    permutation = torch.randperm(len(data))
    data, labels = data[permutation], labels[permutation]
    cut = round(len(data) * train_ratio)
    return data[:cut], data[cut:], labels[:cut], labels[cut:]
