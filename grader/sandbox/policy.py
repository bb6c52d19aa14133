"""What the grader tells the sandbox about the packs in use: plain data, learnt from the packs.

The sandbox names no exercise, model or module of its own: the grader builds a
:class:`SandboxPolicy` from the registered packs and hands it to the warm parent (or to the
kernel's fork, for ``check()``), which applies it to every student process.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class SandboxPolicy:
    """The packs' part in confining student code.

    ``hidden``: modules a student process may not import (and their submodules): where
    specs, checks and references are defined. ``given``: modules whose objects are given to
    students (helpers not graded as theirs, models rebuilt from snapshots); the warm parent
    imports them once. ``paths``: folders to put on ``sys.path`` first (where packs loaded
    from a path live). ``forbidden``: the forbidden-call rules of every spec, as
    ``sandbox.forbidden`` reads them. ``hidden_paths``: files and folders student processes
    may not see (the run's submissions).
    """

    hidden: tuple[str, ...] = ()
    given: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()
    forbidden: tuple[dict, ...] = field(default=())
    hidden_paths: tuple[str, ...] = ()

    def to_message(self) -> dict[str, Any]:
        return {
            "hidden": list(self.hidden),
            "given": list(self.given),
            "paths": list(self.paths),
            "forbidden": list(self.forbidden),
            "hidden_paths": list(self.hidden_paths),
        }

    @classmethod
    def from_message(cls, message: dict[str, Any]) -> SandboxPolicy:
        return cls(
            hidden=tuple(str(n) for n in message.get("hidden", ())),
            given=tuple(str(n) for n in message.get("given", ())),
            paths=tuple(str(p) for p in message.get("paths", ())),
            forbidden=tuple(message.get("forbidden", ())),
            hidden_paths=tuple(str(p) for p in message.get("hidden_paths", ())),
        )

    def merged(self, other: SandboxPolicy) -> SandboxPolicy:
        """This policy with ``other``'s entries added (first occurrence kept)."""

        def union(a: tuple, b: tuple) -> tuple:
            return tuple(a) + tuple(x for x in b if x not in a)

        return SandboxPolicy(
            union(self.hidden, other.hidden),
            union(self.given, other.given),
            union(self.paths, other.paths),
            union(self.forbidden, other.forbidden),
            union(self.hidden_paths, other.hidden_paths),
        )
