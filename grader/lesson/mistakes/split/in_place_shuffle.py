"""Shuffles the caller's tensors in place (data[:] = data[perm]), changing the data set it was given."""

import torch

CAUGHT_BY = ["split_leaves_inputs_unchanged", "split_leaves_ten_rows_unchanged"]
HINT = "instead of writing the shuffled rows back into data"


def split_dataset(data, labels, train_ratio=0.8):
    permutation = torch.randperm(len(data))
    data[:] = data[permutation]
    labels[:] = labels[permutation]
    cut = int(len(data) * train_ratio)
    return data[:cut], data[cut:], labels[:cut], labels[cut:]
