"""How a model made on the grader's side is rebuilt on the student's side.

Only plain values cross the boundary, so a ``torch.nn.Module`` that a check passes to a
student's function crosses as a snapshot: its class, the arguments its constructor was
called with, and its state dict. The classes a pack gives students remember their
constructor's arguments (:func:`remember_construction`); the student process rebuilds them
by calling the same class with the same arguments and loading the state dict.
"""

from __future__ import annotations

import functools
from typing import Any

_ATTRIBUTE = "_soundlab_construction"
_WRAPPED = "_soundlab_remembers_construction"


def class_name(cls: type) -> str:
    """``module:qualname``, the name a class crosses the boundary by."""
    return f"{cls.__module__}:{cls.__qualname__}"


def remember_construction(cls: type) -> None:
    """Make every new instance of ``cls`` remember its constructor's arguments (idempotent)."""
    if cls.__dict__.get(_WRAPPED):
        return
    original = cls.__init__  # type: ignore[misc]  # its own or the inherited one, wrapped for cls only

    @functools.wraps(original)
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        if type(self) is cls:  # a subclass's own constructor records its own arguments
            self.__dict__[_ATTRIBUTE] = (tuple(args), dict(kwargs))

    cls.__init__ = __init__  # type: ignore[misc]
    setattr(cls, _WRAPPED, True)


def construction_of(module: Any) -> tuple[str, tuple, dict] | None:
    """``(class name, args, kwargs)`` of a module built by a remembering class, or None."""
    recorded = getattr(module, "__dict__", {}).get(_ATTRIBUTE)
    if recorded is None or not type(module).__dict__.get(_WRAPPED):
        return None
    args, kwargs = recorded
    return class_name(type(module)), args, kwargs
