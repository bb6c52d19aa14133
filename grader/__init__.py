"""soundlab-grader: an autograder for the soundlab audio machine-learning lesson.

In a notebook: ``from grader import check; check(softmax)``.
"""

from typing import Any

from grader.exercise import hookimpl, hookspec

__all__ = ["check", "hookimpl", "hookspec"]


def check(*args: Any, **kwargs: Any) -> Any:
    """Run the public checks of an exercise function (see :func:`grader.notebook_check.check`)."""
    from grader.notebook_check import check as run_check

    return run_check(*args, **kwargs)
