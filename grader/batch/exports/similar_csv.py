"""``similar.csv``: every pair of similar submissions, for an instructor to sort and follow up
(the class report shows the closest pairs side by side)."""

from __future__ import annotations

from pathlib import Path

from grader.batch.exports._common import cell, csv_bytes
from grader.batch.files import write_atomic
from grader.batch.similarity import SimilarPair

FILE_NAME = "similar.csv"


def write_similar_csv(pairs: list[SimilarPair], out_dir: Path) -> Path:
    """One row per pair, closest first: exercise, the two student ids, the share in common."""
    rows = [["exercise", "first", "second", "similarity"]]
    rows += [[cell(p.exercise), cell(p.first), cell(p.second), f"{p.score:.3f}"] for p in pairs]
    return write_atomic(out_dir / FILE_NAME, csv_bytes(rows))
