"""Shuffles data into a new tensor but copies the shuffled labels back into the caller's labels."""

import torch

CAUGHT_BY = ["split_leaves_inputs_unchanged", "split_leaves_ten_rows_unchanged"]
HINT = "instead of writing the shuffled rows back into labels"


def split_dataset(data, labels, train_ratio=0.8):
    permutation = torch.randperm(len(data))
    data = data[permutation]
    labels.copy_(labels[permutation])
    cut = int(len(data) * train_ratio)
    return data[:cut], data[cut:], labels[:cut], labels[cut:]
