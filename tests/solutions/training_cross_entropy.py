"""A correct solution with F.cross_entropy, losses stacked into a tensor and converted with tolist()."""

import torch
from torch.nn import functional as F


class PitchClassifier(torch.nn.Module):
    def __init__(self, n_mels=48, n_classes=12):
        super().__init__()
        self.layer = torch.nn.Linear(n_mels, n_classes)

    def forward(self, x):
        return self.layer(x)


def train_classifier(model, features, labels, n_steps=300, lr=1e-3):
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses = torch.zeros(n_steps)
    for i in range(n_steps):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(features), labels, reduction="mean")
        loss.backward()
        optimizer.step()
        losses[i] = loss.detach()
    return losses.tolist()


def accuracy(model, features, labels):
    with torch.inference_mode():
        predictions = torch.argmax(model(features), dim=-1)
    return (predictions == labels).sum().item() / labels.numel()
