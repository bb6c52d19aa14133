"""Floors each frame (the last dim only) at its own maximum instead of each whole spectrogram."""

import torch

CAUGHT_BY = ["top_db_floors_a_spectrogram", "top_db_floors_each_spectrogram_of_a_batch"]
HINT = "not over each row or frame"


def amplitude_to_db(spec, amin=1e-10, top_db=None):
    db = 10 * torch.log10(torch.clamp(spec, min=amin))
    if top_db is not None:
        db = torch.maximum(db, db.amax(dim=-1, keepdim=True) - top_db)
    return db
