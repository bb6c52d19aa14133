"""Shuffles data but not labels, so the labels stay in their original order and leave their rows."""

import torch

CAUGHT_BY = ["split_keeps_labels_with_their_rows", "split_keeps_labels_of_ten_rows"]
HINT = "labels were not shuffled with the data"


def split_dataset(data, labels, train_ratio=0.8):
    data = data[torch.randperm(len(data))]
    cut = int(len(data) * train_ratio)
    return data[:cut], data[cut:], labels[:cut], labels[cut:]
