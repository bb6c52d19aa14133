"""Similar submissions: pairs of students whose code for an exercise is suspiciously alike.

Winnowing fingerprints, as MOSS computes them (Schleimer, Wilkerson and Aiken, 2003): the code
is reduced to tokens (names and literals normalised, comments and layout dropped), hashed in
k-grams, and each window of w consecutive hashes keeps its minimum. Fingerprints that also
occur in the exercise's stub are dropped, so the text every student started from counts for
nothing.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SimilarPair:
    """Two students' code for one exercise, and how much of it is shared.

    ``score`` is the share (0 to 1) of the smaller fingerprint set found in the other;
    ``first_spans`` / ``second_spans`` are the character ranges ``(start, end)`` of each source
    that are matched in the other, for highlighting side by side.
    """

    exercise: str
    first: str  # student id
    second: str  # student id
    score: float
    first_source: str
    second_source: str
    first_spans: tuple[tuple[int, int], ...] = ()
    second_spans: tuple[tuple[int, int], ...] = ()
