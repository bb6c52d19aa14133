"""Gives train_ratio a default of 0.75 instead of 0.8 (right whenever the ratio is passed)."""

import torch

CAUGHT_BY = ["split_sizes"]
HINT = "train_ratio defaults to 0.8"


def split_dataset(data, labels, train_ratio=0.75):
    permutation = torch.randperm(len(data))
    cut = int(len(data) * train_ratio)
    shuffled_data, shuffled_labels = data[permutation], labels[permutation]
    return shuffled_data[:cut], shuffled_data[cut:], shuffled_labels[:cut], shuffled_labels[cut:]
