"""Floors the whole batch at the batch's global maximum minus top_db, as torchaudio does for a 3-D input."""

import torch

CAUGHT_BY = ["top_db_floors_each_spectrogram_of_a_batch", "top_db_floors_each_of_three_spectrograms"]
HINT = "not at the maximum of the whole batch"


def amplitude_to_db(spec, amin=1e-10, top_db=None):
    db = 10 * torch.log10(torch.clamp(spec, min=amin))
    if top_db is not None:
        db = torch.clamp(db, min=db.max().item() - top_db)
    return db
