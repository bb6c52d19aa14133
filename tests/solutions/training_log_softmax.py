"""A correct solution with F.log_softmax + F.nll_loss, a hand-written forward and a counting accuracy."""

import torch
import torch.nn.functional as F
from torch import nn


class PitchClassifier(nn.Module):
    def __init__(self, n_mels: int = 48, n_classes: int = 12) -> None:
        super(PitchClassifier, self).__init__()
        self.layer = nn.Linear(in_features=n_mels, out_features=n_classes)

    def forward(self, frames):
        return frames @ self.layer.weight.T + self.layer.bias


def train_classifier(net, x, y, steps=300, learning_rate=0.001):
    opt = torch.optim.Adam(net.parameters(), learning_rate)
    history = []
    step = 0
    while step < steps:
        opt.zero_grad(set_to_none=True)
        loss = F.nll_loss(F.log_softmax(net(x), dim=1), y)
        loss.backward()
        opt.step()
        history.append(float(loss))
        step += 1
    return history


def accuracy(net, x, y):
    right = 0
    for row, label in zip(net(x).detach(), y.tolist()):
        if int(torch.argmax(row)) == label:
            right += 1
    return right / len(y)
