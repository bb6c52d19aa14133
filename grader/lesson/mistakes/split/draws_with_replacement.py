"""Draws random row indices with replacement (torch.randint), so rows repeat and others go missing."""

import torch

CAUGHT_BY = ["split_uses_every_row_once"]
HINT = "not with independent random draws"


def split_dataset(data, labels, train_ratio=0.8):
    picks = torch.randint(0, len(data), (len(data),))
    data, labels = data[picks], labels[picks]
    cut = int(len(data) * train_ratio)
    return data[:cut], data[cut:], labels[:cut], labels[cut:]
