"""Takes the arg-max over the rows (dim=0) instead of over the classes."""

import torch

CAUGHT_BY = ["accuracy_of_known_predictions", "accuracy_of_four_rows_of_four_classes", "accuracy_of_a_pitch_classifier"]
HINT = 'arg-max over the classes'


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
    for _ in range(n_steps):
        optimizer.zero_grad()
        loss = nll_loss(softmax(model(features), dim=-1), labels)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def accuracy(model, features, labels):
    with torch.no_grad():
        predictions = model(features).argmax(dim=0)
    return (predictions == labels).float().mean().item()
