"""What the ``grade`` commands share: exit statuses, the plugin and memory options, and
building a grader for the chosen exercises. Each command group's module imports from here.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

EXIT_FULL_MARKS = 0
EXIT_POINTS_LOST = 1
EXIT_NOTHING_GRADED = 2


class NothingGraded(click.ClickException):
    """Nothing could be graded: one line on stderr, exit status 2."""

    exit_code = EXIT_NOTHING_GRADED


PLUGIN_HELP = (
    "Also load exercises from this pack: an importable module, a module in the current folder, "
    "or the path of a .py file or package folder (repeatable)."
)
plugin_option = click.option("--plugin", "-p", "plugins", multiple=True, metavar="PACK", help=PLUGIN_HELP)


def colour() -> bool | None:
    """No colour when NO_COLOR is set (https://no-color.org); otherwise click decides (a terminal)."""
    return False if os.environ.get("NO_COLOR") else None


def with_group_plugins(plugins: tuple[str, ...]) -> tuple[str, ...]:
    """The group's ``--plugin`` values (``grade -p X list``), then the command's own."""
    parent = click.get_current_context().parent
    given = tuple(parent.params.get("plugins") or ()) if parent is not None else ()
    return given + tuple(plugins)


def load_plugins(modules: tuple[str, ...]):
    """The registry of the loaded packs and their exercises by id (the group's plugins first)."""
    from grader.plugins import PluginError, load_registry

    modules = with_group_plugins(modules)
    try:
        registry = load_registry(modules)
        return registry, registry.exercises
    except PluginError as error:
        raise NothingGraded(str(error)) from None


def memory_limit_option(help_text: str) -> Callable[[Callable], Callable]:
    """``--memory-limit MB``, the same for grading and for `grade doctor`."""
    return click.option(
        "--memory-limit",
        type=click.IntRange(min=64),
        default=4096,
        show_default=True,
        metavar="MB",
        help=help_text,
    )


def chosen_exercises(plugins: tuple[str, ...], only: tuple[str, ...]):
    """The plugin manager, every exercise by id, and those ``--exercise`` chose (all by default)."""
    pm, exercises = load_plugins(plugins)
    unknown = [name for name in only if name not in exercises]
    if unknown:
        raise NothingGraded(f"unknown exercise {unknown[0]!r}; known: {', '.join(exercises)}.")
    return pm, exercises, [e for e in exercises.values() if not only or e.id in only]


def make_grader(
    exercises: list,
    zygote: Any,
    timeout: float,
    memory_limit: int,
    registry: Any,
    *,
    required: bool = False,
    hidden_paths: tuple[str, ...] = (),
):
    import dataclasses

    from grader.grading import Grader

    policy = dataclasses.replace(registry.policy, hidden_paths=registry.policy.hidden_paths + hidden_paths)
    return Grader(exercises, zygote, policy=policy, timeout=timeout, memory_mb=memory_limit, required=required)


def exercise_option(help_text: str) -> Callable[[Callable], Callable]:
    """``--exercise/-e ID`` (repeatable): the exercises to grade, as each command means it."""
    return click.option("--exercise", "-e", "only", multiple=True, metavar="ID", help=help_text)


timeout_option = click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    default=5.0,
    show_default=True,
    help="Seconds each call of a student function may take.",
)
verbose_option = click.option("--verbose", "-v", is_flag=True, help="List every check, not only the failed ones.")
roster_option = click.option(
    "--roster", type=click.Path(dir_okay=False, path_type=Path), help="CSV with an id column (and name, email)."
)
html_option = click.option(
    "--html",
    "html_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the class report.  [default: OUT/report.html]",
)
