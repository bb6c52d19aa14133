"""Trains a deep copy of the model, so the model passed in stays untrained."""

import copy

import torch

CAUGHT_BY = ["trained_model_classifies_held_out_frames", "short_run_trains_the_model_given"]
HINT = 'you trained another model'


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
    model = copy.deepcopy(model)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(n_steps):
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
