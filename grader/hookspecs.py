"""Framework hook specifications: how a plugin extends the grader.

Specs only. Each function's docstring is its documentation. A plugin is a module or object
with functions of these names marked ``@grader.hookimpl``; installed packs are found through
the ``soundlab_grader`` entry-point group, exactly as the built-in lesson is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from grader.exercise import hookspec

if TYPE_CHECKING:
    from grader.pack import Pack


@hookspec
def soundlab_pack() -> Pack:
    """Return the exercise pack this plugin contributes.

    A :class:`~grader.pack.Pack` declares, in one place, its exercises (each with its function
    specs, the checks registered against them, its reference module and its catalogue of
    known-wrong solutions) and the modules it gives students. Exercise ids and function names
    must be unique across all packs.
    """
