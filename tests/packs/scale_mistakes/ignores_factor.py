"""Doubles whatever the factor: the parameter is ignored."""

CAUGHT_BY = ["scales_by_a_given_factor"]
HINT = "use the factor you are given"


def scale(x, factor=2.0):
    return x * 2
