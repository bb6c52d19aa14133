"""Accepts top_db but never applies the floor."""

import torch

CAUGHT_BY = ["top_db_floors_a_spectrogram", "top_db_floors_each_spectrogram_of_a_batch"]
HINT = "top_db is ignored"


def amplitude_to_db(spec, amin=1e-10, top_db=None):
    return 10 * torch.log10(torch.clamp(spec, min=amin))
