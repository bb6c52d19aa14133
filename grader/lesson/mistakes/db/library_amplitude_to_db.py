"""Calls torchaudio's AmplitudeToDB instead of writing the conversion."""

import torchaudio

CAUGHT_BY = ["matches_the_lesson_figure", "keeps_shape_and_dtype", "amin_floors_small_powers", "no_floor_without_top_db"]
HINT = "Write it yourself"


def amplitude_to_db(spec, amin=1e-10, top_db=None):
    return torchaudio.transforms.AmplitudeToDB(stype="power", top_db=top_db)(spec)
