"""Correct solutions written in unexpected ways get full marks.

Each file in ``tests/solutions/`` is named ``<exercise id>_<variant>.py`` and must score 10/10
on that exercise.
"""

from __future__ import annotations

import pytest
from conftest import REPO, checks_of

SOLUTIONS = sorted((REPO / "tests" / "solutions").glob("*.py"))


@pytest.mark.parametrize("path", SOLUTIONS, ids=[p.stem for p in SOLUTIONS])
def test_correct_solution_gets_full_marks(path, grade_source, exercises):
    exercise_id = next(e for e in exercises if path.stem.startswith(e + "_"))
    result = grade_source(path.read_text(), exercises[exercise_id].filename, only=[exercise_id])
    failed = {c.name: c.message for c in checks_of(result).values() if not c.passed}
    assert failed == {}
    assert result.score == 10
    assert [c.hint for c in checks_of(result).values() if c.hint] == []  # a correct solution gets no hint
