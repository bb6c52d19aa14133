"""Floors the powers at a fixed 1e-10 and ignores the amin argument."""

import torch

CAUGHT_BY = ["amin_floors_small_powers", "amin_floors_a_zero_power"]
HINT = "The amin argument is ignored"


def amplitude_to_db(spec, amin=1e-10, top_db=None):
    db = 10 * torch.log10(spec.clamp(min=1e-10))
    if top_db is not None:
        db = torch.maximum(db, db.amax(dim=(-2, -1), keepdim=True) - top_db)
    return db
