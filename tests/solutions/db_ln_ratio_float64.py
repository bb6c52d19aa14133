"""A correct dB conversion via the natural log (10·ln(x)/ln(10)) in float64, floor by a loop over spectrograms."""

import math

import torch


def amplitude_to_db(power, amin=1e-10, top_db=None):
    x = power.to(torch.float64)
    db = 10.0 * torch.log(torch.where(x < amin, torch.full_like(x, amin), x)) / math.log(10.0)
    if top_db is not None:
        flat = db.reshape(-1, *db.shape[-2:])
        floored = []
        for one in flat:
            floored.append(torch.clamp(one, min=float(one.max()) - top_db))
        db = torch.stack(floored).reshape(db.shape)
    return db.to(power.dtype)
