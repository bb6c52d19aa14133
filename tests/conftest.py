"""Shared fixtures: one warm parent for the whole run, and helpers to grade a source text."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from grader.sandbox.zygote import Zygote

# Forked before this process runs any torch operation, as the `grade` command does.
_ZYGOTE = Zygote.start()

REPO = Path(__file__).resolve().parents[1]


def pytest_unconfigure(config: pytest.Config) -> None:
    _ZYGOTE.close()


def run_grade(
    *args: str,
    cwd: Path | str,
    env: dict | None = None,
    unset: tuple[str, ...] = (),
    python: str = sys.executable,
    timeout: float = 300,
) -> subprocess.CompletedProcess:
    """The real `grade` command (``python -m grader ARGS``) in a subprocess, as a user runs it.

    The repository comes first on ``PYTHONPATH``; ``env`` adds variables, ``unset`` removes them.
    """
    environment = dict(os.environ, **(env or {}))
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    for name in unset:
        environment.pop(name, None)
    return subprocess.run(
        [python, "-m", "grader", *args], capture_output=True, text=True, cwd=cwd, env=environment, timeout=timeout
    )


@pytest.fixture(scope="session")
def zygote() -> Zygote:
    return _ZYGOTE


def lesson_policy():
    """The sandbox policy of the installed packs (the lesson), as `grade` builds it."""
    from grader.plugins import load_registry

    return load_registry().policy


@pytest.fixture(scope="session")
def exercises():
    from grader.plugins import load_exercises

    return load_exercises()


@pytest.fixture
def grade_source(tmp_path, zygote, exercises):
    """grade_source(text, filename=..., only=[ids], timeout=...) -> SubmissionResult."""
    from grader.grading import Grader
    from grader.submission import load_submission

    def grade(source: str, filename: str = "submission.py", only=None, timeout: float = 5.0):
        path = tmp_path / filename
        path.write_text(source, encoding="utf-8")
        chosen = [e for e in exercises.values() if not only or e.id in only]
        return Grader(chosen, zygote, policy=lesson_policy(), timeout=timeout).grade(load_submission(str(path)))

    return grade


def checks_of(result) -> dict:
    """{check name: CheckResult} over every exercise of a SubmissionResult."""
    return {c.name: c for e in result.exercises for c in e.checks}
