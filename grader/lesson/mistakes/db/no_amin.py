"""Takes log10 of the raw powers without the amin floor, so a power of 0 gives -inf."""

import torch

CAUGHT_BY = ["amin_floors_small_powers", "amin_floors_a_zero_power"]
HINT = "log10(0) is -inf"


def amplitude_to_db(spec, amin=1e-10, top_db=None):
    db = 10 * torch.log10(spec)
    if top_db is not None:
        db = torch.maximum(db, db.amax(dim=(-2, -1), keepdim=True) - top_db)
    return db
