"""The scale pack's reference solution: one hook implementation per exercise function."""

from grader.exercise import hookimpl


@hookimpl
def scale(x, factor):
    return x * factor
