"""The built-in lesson: eight exercises, one module each, contributed as a plugin pack.

This pack is registered through the ``soundlab_grader`` entry-point group, the same route a
third-party pack takes. Each exercise module holds its specs, its checks and its catalogue of
known-wrong solutions (``mistakes/<id>/``); its reference lives in ``reference/``. What the
lesson gives students lives in :mod:`grader.lesson.given`.

The exercise modules are imported inside the hook, not at the top of this file: a student
process imports ``grader.lesson.given`` (and so this package) but may not import the checks.
"""

from __future__ import annotations

import importlib

from grader.exercise import hookimpl
from grader.pack import Pack

MODULES = ("sine", "harmonics", "softmax", "nll", "mel", "db", "split", "training")


@hookimpl
def soundlab_pack() -> Pack:
    """The lesson's eight exercises, in the order students meet them."""
    from grader.lesson import given

    exercises = tuple(importlib.import_module(f"grader.lesson.{name}").EXERCISE for name in MODULES)
    return Pack(name="lesson", exercises=exercises, gives=(given,))
