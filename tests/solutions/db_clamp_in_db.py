"""A correct dB conversion that floors in the dB domain: max(10·log10(x), 10·log10(amin)), and a flattened max."""

import math

import torch


def amplitude_to_db(spec, amin=1e-10, top_db=None):
    db = torch.maximum(10 * spec.log10(), torch.tensor(10 * math.log10(amin), dtype=spec.dtype))
    if top_db is None:
        return db
    peak = db.flatten(start_dim=-2).max(dim=-1).values
    return torch.max(db, (peak - top_db)[..., None, None])
