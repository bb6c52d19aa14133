"""What a student wrote for each exercise, as text: the code the similarity check compares."""

from __future__ import annotations

from grader.exercise import Exercise
from grader.grading import named_after
from grader.submission import Submission

# The most of one exercise's code kept for comparison; more is cut (and no honest submission
# of these exercises comes near it).
MAX_SOURCE_CHARS = 200_000


def exercise_sources(submission: Submission, exercises: list[Exercise]) -> dict[str, str]:
    """For each exercise the submission has code for, that code: the files named after it or
    defining its functions, or in a notebook the cells that define them. Untouched stubs are
    left out: they are nobody's work."""
    sources: dict[str, str] = {}
    for exercise in exercises:
        wanted = set(exercise.function_names)
        parts: list[str] = []
        for file in submission.files:
            if file.problem:
                continue
            if file.cells is not None:
                parts += [cell.source for cell in file.cells if wanted & (set(cell.defines) - cell.stubs)]
            elif (wanted & (file.defined - file.stubs)) or (named_after(file.stem, exercise) and file.source):
                if not wanted <= file.stubs:
                    parts.append(file.source)
        text = "\n\n".join(parts)
        if text.strip():
            sources[exercise.id] = text[:MAX_SOURCE_CHARS]
    return sources
