"""How a check's arguments reach a student's function, whatever its parameters are called.

A check calls ``student.softmax(x, dim=1)`` in the spec's terms. The student's function may
have renamed a parameter, made it keyword-only, taken ``*args``, or given (or forgotten) a
default. :func:`arrange` turns the check's arguments into the positional and keyword
arguments that call the student's function the way its signature asks.

``params`` describes the student's parameters as the student process reports them: a list
of ``{"name": str, "kind": inspect.Parameter kind name, "has_default": bool}``.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any


class _Omitted:
    def __repr__(self) -> str:
        return "<omitted>"


OMITTED: Any = _Omitted()
"""Stands for an argument the check left out: the student's own default applies."""

_POSITIONAL_KINDS = ("POSITIONAL_ONLY", "POSITIONAL_OR_KEYWORD")


def arrange(
    spec: inspect.Signature, params: Sequence[dict] | None, named_args: Sequence[tuple[str, Any]]
) -> tuple[list[Any], dict[str, Any]]:
    """Positional and keyword arguments for the student's function.

    ``named_args`` holds every spec parameter in order, with :data:`OMITTED` for those the
    check left out. Arguments go by position up to the first one left out; after that by
    keyword where the student's function has that parameter name, and otherwise by
    position, filling the gap with the spec's defaults. Keyword-only parameters always go by
    keyword. An argument left out for a parameter the student gave no default (the lesson's
    ``softmax(x, dim)``) gets the spec's default: a missing default is not what such a check
    is about.
    """
    student_params = list(params or [])
    kinds = {p["name"]: p.get("kind") for p in student_params}
    keyword_only = {p["name"]: p for p in student_params if p.get("kind") == "KEYWORD_ONLY"}
    spec_parameters = spec.parameters
    filled = []
    for index, (name, value) in enumerate(named_args):
        student = keyword_only.get(name) or (student_params[index] if index < len(student_params) else None)
        if (
            value is OMITTED
            and student is not None
            and not student.get("has_default")
            and student.get("kind") in (*_POSITIONAL_KINDS, "KEYWORD_ONLY")
            and spec_parameters[name].default is not inspect.Parameter.empty
        ):
            value = spec_parameters[name].default
        filled.append((name, value))
    positional: list[Any] = []
    keywords: dict[str, Any] = {}
    gap = False
    for index, (name, value) in enumerate(filled):
        if value is OMITTED:
            gap = True
            continue
        if name in keyword_only:
            keywords[name] = value
        elif not gap:
            positional.append(value)
        elif kinds.get(name) == "POSITIONAL_OR_KEYWORD":
            keywords[name] = value
        else:  # renamed, or positional-only: fill the gap with the spec's defaults and go by position
            positional = [v if v is not OMITTED else spec_parameters[n].default for n, v in filled[: index + 1]]
            keywords = {}
            gap = False
    return positional, keywords


def renamed_note(function: str, spec: inspect.Signature, params: Sequence[dict] | None) -> str | None:
    """A note for a student whose parameters are not named as in the exercise, or None."""
    if not params:
        return None
    expected = list(spec.parameters)
    if any(p["kind"] in ("VAR_POSITIONAL", "VAR_KEYWORD") for p in params):
        return None  # *args or **kwargs: the names say nothing
    got = [p["name"] for p in params if p["kind"] in (*_POSITIONAL_KINDS, "KEYWORD_ONLY")]
    if got[: len(expected)] == expected:
        return None
    return (
        f"Note: your {function} takes ({', '.join(got)}) where the exercise names the "
        f"parameters ({', '.join(expected)}); the grader passed them by position."
    )
