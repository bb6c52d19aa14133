"""Everything an exercise pack needs, in one import: ``from grader.authoring import ...``.

The public API for pack authors (see ``docs/authoring.md``), gathered from the modules that
define it, so that a pack never imports the framework's internals:

- declaring: :func:`exercise_function`, :func:`exercise_class`, :class:`Forbidden`,
  :func:`check`, :class:`Exercise`, :class:`Pack`, :func:`mistakes_in`, ``hookimpl``;
- failing with a message and a hint: :class:`CheckFailure` and the ``expect_*`` helpers;
  :func:`solution_helper` for a hint's helper that computes (part of) a solution;
- inputs made from a seed: :func:`randn`, :func:`rand`, :func:`randint`.
"""

from grader.compare import (
    describe,
    expect_close,
    expect_finite,
    expect_int,
    expect_number,
    expect_tensor,
    expect_tuple,
    no_gradient_message,
)
from grader.exercise import (
    CheckFailure,
    Exercise,
    Forbidden,
    Mistake,
    check,
    exercise_class,
    exercise_function,
    hookimpl,
    mistakes_in,
    solution_helper,
)
from grader.inputs import rand, randint, randn
from grader.pack import Pack

__all__ = [
    "CheckFailure",
    "Exercise",
    "Forbidden",
    "Mistake",
    "Pack",
    "check",
    "describe",
    "exercise_class",
    "exercise_function",
    "expect_close",
    "expect_finite",
    "expect_int",
    "expect_number",
    "expect_tensor",
    "expect_tuple",
    "hookimpl",
    "mistakes_in",
    "no_gradient_message",
    "rand",
    "randint",
    "randn",
    "solution_helper",
]
