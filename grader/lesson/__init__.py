"""The built-in lesson: eight exercises, one module each, contributed as a plugin pack.

This pack is registered through the ``soundlab_grader`` entry-point group, the same route a
third-party pack takes. To add an exercise, write a module like these (specs, checks, a
catalogue of known-wrong solutions under ``mistakes/<id>/``) and its reference under
``reference/``, then list it here, or ship it in a pack of your own.
"""

from __future__ import annotations

import importlib

from grader.exercise import Exercise, hookimpl

MODULES = ("sine", "harmonics", "softmax", "nll", "mel", "db", "split", "training")


@hookimpl
def soundlab_exercises() -> list[Exercise]:
    """The lesson's eight exercises, in the order students meet them."""
    return [importlib.import_module(f"grader.lesson.{name}").EXERCISE for name in MODULES]
