"""A correct solution that defines its own softmax and NLL and computes the loss in float64."""

import torch


def softmax(x, dim=-1):
    shifted = x - torch.logsumexp(x, dim=dim, keepdim=True)
    return torch.exp(shifted)


def nll_loss(probs, target):
    picked = probs.gather(1, target.unsqueeze(1)).squeeze(1)
    return -(picked.log().sum() / probs.shape[0])


class PitchClassifier(torch.nn.Module):
    def __init__(self, n_mels=48, n_classes=12):
        torch.nn.Module.__init__(self)
        self.layer = torch.nn.Linear(n_mels, n_classes, bias=True)

    def forward(self, x):
        return torch.nn.functional.linear(x, self.layer.weight, self.layer.bias)


def train_classifier(model, features, labels, n_steps=300, lr=1e-3):
    optimizer = torch.optim.Adam(params=list(model.parameters()), lr=lr, betas=(0.9, 0.999))
    model.train()

    def one_step():
        for p in model.parameters():
            p.grad = None
        logits = model(features).double()
        loss = nll_loss(softmax(logits, dim=-1), labels)
        loss.backward()
        optimizer.step()
        return loss.item()

    return [one_step() for _ in range(n_steps)]


@torch.no_grad()
def accuracy(model, features, labels):
    model.eval()
    guesses = model(features).max(dim=-1).indices
    return float(torch.eq(guesses, labels).double().mean())
