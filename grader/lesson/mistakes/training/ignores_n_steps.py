"""Always trains for 300 steps, ignoring n_steps."""

import torch

CAUGHT_BY = ["loss_curve_with_another_learning_rate", "loss_curve_of_a_short_run"]
HINT = 'use the n_steps argument'


class PitchClassifier(torch.nn.Module):
    def __init__(self, n_mels=48, n_classes=12):
        super().__init__()
        self.layer = torch.nn.Linear(n_mels, n_classes)

    def forward(self, x):
        return self.layer(x)


def softmax(x, dim=-1):
    exp_v = torch.exp(x - x.amax(dim=dim, keepdim=True))
    return exp_v / torch.sum(exp_v, dim=dim, keepdim=True)


def nll_loss(probs, target):
    prediction_for_target_class = probs[torch.arange(len(probs)), target]
    return torch.mean(-torch.log(prediction_for_target_class))


def train_classifier(model, features, labels, n_steps=300, lr=1e-3):
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(300):
        optimizer.zero_grad()
        loss = nll_loss(softmax(model(features), dim=-1), labels)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def accuracy(model, features, labels):
    with torch.no_grad():
        predictions = model(features).argmax(dim=-1)
    return (predictions == labels).float().mean().item()
