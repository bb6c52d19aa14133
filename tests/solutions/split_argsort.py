"""A correct solution with renamed parameters: a permutation from argsort of uniform noise,
index_select, and torch.split at the cut."""

import torch


def split_dataset(x, y, ratio=0.8):
    n = x.size(0)
    permutation = torch.argsort(torch.rand(n))
    n_train = int(n * ratio)
    x_train, x_test = torch.split(x.index_select(0, permutation), [n_train, n - n_train])
    y_train, y_test = torch.split(y.index_select(0, permutation), [n_train, n - n_train])
    return x_train, x_test, y_train, y_test
