"""What the lesson gives students: working helpers from earlier exercises, and the model.

Student stubs import from here (``from grader.lesson.given import make_sine_wave``) so that
each exercise can be done and graded alone. A student who defines one of these functions in
their own file uses their own, and that earlier exercise is graded too. The checks of the
training exercise hand a :class:`LinearClassifier` to the student's functions.
"""

from __future__ import annotations

import math

import torch

PITCHES = [440.0, 466.2, 493.8, 523.3, 554.4, 587.3, 622.3, 659.3, 698.5, 740.0, 784.0, 830.6]
PITCH_NAMES = ["A", "Bb", "B", "C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab"]


def make_sine_wave(freq: float, amp: float, dur: float, sr: int = 16000) -> torch.Tensor:
    """``amp * sin(2π · freq · n / sr)`` for ``int(dur * sr)`` samples, float32."""
    n = torch.arange(int(dur * sr), dtype=torch.float64)
    return (amp * torch.sin(2 * math.pi * freq * n / sr)).to(torch.float32)


def make_white_noise(amp: float, dur: float, sr: int = 16000) -> torch.Tensor:
    """Gaussian noise with standard deviation ``amp`` for ``int(dur * sr)`` samples, float32."""
    return torch.randn(int(dur * sr)) * amp


class LinearClassifier(torch.nn.Module):
    """The model handed to a student's training function: one linear layer named ``layer``."""

    def __init__(self, n_inputs: int, n_outputs: int) -> None:
        super().__init__()
        self.layer = torch.nn.Linear(n_inputs, n_outputs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layer(x)

    @classmethod
    def from_weights(cls, weight: torch.Tensor, bias: torch.Tensor) -> LinearClassifier:
        """A classifier whose layer holds these weights ``[n_outputs, n_inputs]`` and bias."""
        model = cls(weight.shape[1], weight.shape[0])
        with torch.no_grad():
            model.layer.weight.copy_(weight)
            model.layer.bias.copy_(bias)
        return model
