"""Uses 20·log10, the amplitude formula, on a power spectrogram."""

import torch

CAUGHT_BY = ["matches_the_lesson_figure", "keeps_shape_and_dtype", "amin_floors_small_powers",
             "top_db_floors_a_spectrogram", "top_db_floors_each_spectrogram_of_a_batch", "no_floor_without_top_db"]
HINT = "20·log10 is for amplitudes"


def amplitude_to_db(spec, amin=1e-10, top_db=None):
    db = 20 * torch.log10(torch.clamp(spec, min=amin))
    if top_db is not None:
        db = torch.maximum(db, db.amax(dim=(-2, -1), keepdim=True) - top_db)
    return db
