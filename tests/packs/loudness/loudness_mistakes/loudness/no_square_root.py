"""rms without the square root: the mean square."""

import torch

CAUGHT_BY = [
    "rms_along_the_last_dim",
    "rms_along_every_dim",
    "rms_keeps_float64",
    "rms_of_a_sine_is_its_amplitude_over_root_two",
]
HINT = "square root"


def rms(x, dim=-1):
    return torch.mean(x**2, dim=dim)
