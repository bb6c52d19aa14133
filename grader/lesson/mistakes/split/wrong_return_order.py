"""Returns (train_data, train_labels, test_data, test_labels) instead of the asked order."""

import torch

CAUGHT_BY = [
    "split_sizes",
    "split_uses_every_row_once",
    "split_keeps_labels_with_their_rows",
    "split_shuffles",
    "split_leaves_inputs_unchanged",
    "split_is_reproducible",
]
HINT = "Return (train_data, test_data, train_labels, test_labels)"


def split_dataset(data, labels, train_ratio=0.8):
    permutation = torch.randperm(len(data))
    data, labels = data[permutation], labels[permutation]
    cut = int(len(data) * train_ratio)
    return data[:cut], labels[:cut], data[cut:], labels[cut:]
