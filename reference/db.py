"""Reference for exercise 06: power to decibels, with an optional floor per spectrogram."""

import torch

from grader.exercise import hookimpl


@hookimpl
def amplitude_to_db(spec: torch.Tensor, amin: float, top_db: float | None) -> torch.Tensor:
    db = 10.0 * torch.log10(torch.clamp(spec, min=amin))
    if top_db is not None:
        # Each spectrogram (the last two dims) is floored at its own maximum minus top_db.
        dims = tuple(range(-min(2, db.dim()), 0)) if db.dim() > 0 else ()
        peak = db.amax(dim=dims, keepdim=True) if dims else db
        db = torch.maximum(db, peak - top_db)
    return db
