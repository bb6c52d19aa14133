"""A correct solution written exactly as the lesson does: naive softmax, get_nll_loss, loss_tracker.

Its helpers have names of their own, so only exercise 08 is graded. The lesson's softmax does
not subtract the maximum; on the grader's data its probabilities stay finite all along.
"""

import torch
import torch.nn as nn


class PitchClassifier(nn.Module):
    def __init__(self, n_mels=48, n_classes=12):
        super().__init__()
        self.layer = nn.Linear(in_features=n_mels, out_features=n_classes)

    def forward(self, x):
        return self.layer(x)


def lesson_softmax(x, dim):
    exp_v = torch.exp(x)
    sum_v = torch.sum(exp_v, dim=dim, keepdim=True)
    return exp_v / sum_v


def get_nll_loss(pred, target):
    prediction_for_target_class = pred[torch.arange(len(pred)), target]
    return torch.mean(-torch.log(prediction_for_target_class))


def train_classifier(model, features, labels, n_steps=300, lr=1e-3):
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    loss_tracker = []
    for i in range(n_steps):
        optimizer.zero_grad()
        pred = model(features)
        pred = lesson_softmax(pred, dim=-1)
        loss = get_nll_loss(pred, labels)
        loss.backward()
        optimizer.step()
        loss_tracker.append(loss.item())
    return loss_tracker


def accuracy(model, features, labels):
    pred = model(features).argmax(-1)
    return sum(1 for p, t in zip(pred.tolist(), labels.tolist()) if p == t) / len(labels)
