"""Exercise 06: amplitude to decibels.

Fill in the function below, then run:

    grade exercises/06_db.py
"""
import torch
from torch import Tensor


def amplitude_to_db(spec: Tensor, amin: float = 1e-10, top_db: float | None = None) -> Tensor:
    """Convert a power spectrogram to decibels: ``10 * log10(max(spec, amin))``.

    ``spec`` holds powers (a mel spectrogram: [..., n_mels, frames], any number of leading
    batch dims). Every value below ``amin`` is first raised to ``amin``, so that a power
    of 0 gives 10·log10(1e-10) = -100 dB with the default amin, never -inf. Powers use
    10·log10 (20·log10 is for amplitudes). Example: a power of 142881.5469 is 51.5498 dB.

    With ``top_db`` (a number of decibels), each spectrogram, that is each [n_mels, frames]
    matrix of the last two dims, is then floored at ITS OWN maximum minus top_db: in a
    batch, a quiet spectrogram keeps its own range and is not floored at the loudest
    one's maximum. With ``top_db=None`` (the default) nothing is floored.

    Return a tensor of the same shape and dtype as ``spec``.

    Write it with tensor operations (torch.clamp, torch.log10, amax, ...).
    torchaudio.transforms.AmplitudeToDB and torchaudio.functional.amplitude_to_DB are not
    allowed here.
    """
    raise NotImplementedError
