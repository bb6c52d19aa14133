"""Shuffles data and labels with two different permutations, so labels leave their rows."""

import torch

CAUGHT_BY = ["split_keeps_labels_with_their_rows", "split_keeps_labels_of_ten_rows"]
HINT = "shuffled with different permutations"


def split_dataset(data, labels, train_ratio=0.8):
    data = data[torch.randperm(len(data))]
    labels = labels[torch.randperm(len(labels))]
    cut = int(len(data) * train_ratio)
    return data[:cut], data[cut:], labels[:cut], labels[cut:]
