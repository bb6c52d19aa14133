"""soundlab-grader: an autograder for the soundlab audio machine-learning lesson."""

from grader.exercise import hookimpl, hookspec

__all__ = ["hookimpl", "hookspec"]
