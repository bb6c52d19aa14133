"""Cuts first and shuffles each part afterwards, so the test set is always the last rows of data."""

import torch

CAUGHT_BY = ["split_shuffles", "split_shuffles_forty_rows"]
HINT = "Shuffle the whole data set first, then cut it"


def split_dataset(data, labels, train_ratio=0.8):
    cut = int(len(data) * train_ratio)
    train = torch.randperm(cut)
    test = cut + torch.randperm(len(data) - cut)
    return data[train], data[test], labels[train], labels[test]
