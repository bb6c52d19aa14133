"""Uses the natural log instead of log10: 10·ln(power)."""

import torch

CAUGHT_BY = ["matches_the_lesson_figure", "keeps_shape_and_dtype", "amin_floors_small_powers",
             "top_db_floors_a_spectrogram", "top_db_floors_each_spectrogram_of_a_batch", "no_floor_without_top_db"]
HINT = "log10, not the natural log"


def amplitude_to_db(spec, amin=1e-10, top_db=None):
    db = 10 * torch.log(torch.clamp(spec, min=amin))
    if top_db is not None:
        db = torch.maximum(db, db.amax(dim=(-2, -1), keepdim=True) - top_db)
    return db
