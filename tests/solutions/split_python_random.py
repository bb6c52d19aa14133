"""A correct solution with Python's random.shuffle on a list of indices (the global generator,
which the grader seeds too) and math.floor for the cut."""

import math
import random

import torch


def split_dataset(data, labels, train_ratio=0.8):
    order = list(range(data.shape[0]))
    random.shuffle(order)
    index = torch.tensor(order)
    cut = math.floor(data.shape[0] * train_ratio)
    train, test = index[:cut], index[cut:]
    return data[train], data[test], labels[train], labels[test]
