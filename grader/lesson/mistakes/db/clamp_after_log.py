"""Clamps the decibels at amin after the log instead of the powers before it."""

import torch

CAUGHT_BY = ["matches_the_lesson_figure", "amin_floors_small_powers"]
HINT = "clamping the decibels afterwards"


def amplitude_to_db(spec, amin=1e-10, top_db=None):
    db = torch.clamp(10 * torch.log10(spec), min=amin)
    if top_db is not None:
        db = torch.maximum(db, db.amax(dim=(-2, -1), keepdim=True) - top_db)
    return db
