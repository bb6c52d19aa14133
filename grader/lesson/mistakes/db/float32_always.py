"""Converts to float32 whatever the input, so a float64 spectrogram comes back float32."""

import torch

CAUGHT_BY = ["keeps_shape_and_dtype", "keeps_float64"]
HINT = "a float64 spectrogram stays float64"


def amplitude_to_db(spec, amin=1e-10, top_db=None):
    db = 10 * torch.log10(torch.clamp(spec.float(), min=amin))
    if top_db is not None:
        db = torch.maximum(db, db.amax(dim=(-2, -1), keepdim=True) - top_db)
    return db
