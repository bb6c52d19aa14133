"""Defaults top_db to 80 dB (librosa's power_to_db default), so spectrograms are floored when no top_db is given."""

import torch

CAUGHT_BY = ["no_floor_without_top_db"]
HINT = "By default (top_db=None) nothing is floored"


def amplitude_to_db(spec, amin=1e-10, top_db=80.0):
    db = 10 * torch.log10(torch.clamp(spec, min=amin))
    if top_db is not None:
        db = torch.maximum(db, db.amax(dim=(-2, -1), keepdim=True) - top_db)
    return db
