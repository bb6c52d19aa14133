"""A correct solution that shuffles (row, label) pairs as a list and stacks them back."""

import torch


def split_dataset(data, labels, train_ratio=0.8):
    pairs = list(zip(data, labels))
    shuffled = [pairs[i] for i in torch.randperm(len(pairs)).tolist()]
    cut = int(len(pairs) * train_ratio)
    train, test = shuffled[:cut], shuffled[cut:]
    return (
        torch.stack([row for row, _ in train]),
        torch.stack([row for row, _ in test]),
        torch.stack([label for _, label in train]),
        torch.stack([label for _, label in test]),
    )
