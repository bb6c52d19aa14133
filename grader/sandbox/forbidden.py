"""Refusing forbidden library calls in the student process, however they are spelled.

The guard does not ask the student's process whether it called something: it makes the call
fail. A forbidden Python function, method or class is replaced (everywhere the library binds
it) by a wrapper that raises :class:`ForbiddenCall` while a function that forbids it runs;
forbidden torch operators are refused by a dispatch mode, which sees ``torch.softmax``,
``x.softmax``, ``F.softmax`` under any alias and ``torch._C`` spellings alike, since they all
reach the same operator. A student's code can therefore only avoid the refusal by not using
the forbidden call (or by dismantling the guard on purpose).
"""

from __future__ import annotations

import functools
import importlib
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from torch.utils._python_dispatch import TorchDispatchMode


class ForbiddenCall(Exception):
    """Raised in the student's code when it makes a call its exercise forbids."""


# Display names of the forbidden calls refused right now (during one student call).
_active: set[str] = set()
_installed: set[str] = set()


def _resolve(path: str) -> tuple[Any, str, Any]:
    """``"torch.nn.functional.softmax"`` -> (owner object, attribute name, current value)."""
    parts = path.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        try:
            owner = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:-1]:
            owner = getattr(owner, name)
        return owner, parts[-1], getattr(owner, parts[-1])
    raise ImportError(path)


def _refusing(function: Callable, name: str) -> Callable:
    @functools.wraps(function)
    def refuse_while_forbidden(*args: Any, **kwargs: Any) -> Any:
        if name in _active:
            raise ForbiddenCall(name)
        return function(*args, **kwargs)

    return refuse_while_forbidden


def install(paths: dict[str, str]) -> None:
    """Guard the callables at ``paths`` (path -> name); each refuses to run while its name is active."""
    replaced: dict[int, Callable] = {}  # id of an original function -> its guard
    packages: set[str] = set()
    for path, name in paths.items():
        if path in _installed:
            continue
        try:
            owner, attribute, original = _resolve(path)
        except (ImportError, AttributeError):
            continue  # not in this version of the library: nothing to refuse
        _installed.add(path)
        if isinstance(original, type):
            original.__init__ = _refusing(original.__init__, name)  # type: ignore[misc]  # refusing the class
            continue
        guarded = _refusing(original, name)
        setattr(owner, attribute, guarded)
        replaced[id(original)] = guarded
        packages.add(path.split(".")[0] + ".")
    if not replaced:
        return
    # The library may bind the same functions under other modules too (re-exports): one pass.
    for module_name, module in list(sys.modules.items()):
        if module is None or not any((module_name + ".").startswith(p) for p in packages):
            continue
        namespace = getattr(module, "__dict__", {})
        for key, value in list(namespace.items()):
            guard = replaced.get(id(value))
            if guard is not None and guard.__wrapped__ is value:  # type: ignore[attr-defined]
                namespace[key] = guard


class _RefuseOperators(TorchDispatchMode):
    def __init__(self, operators: dict[str, str]) -> None:
        super().__init__()
        self.operators = operators

    def __torch_dispatch__(self, func: Any, types: Any, args: tuple = (), kwargs: dict | None = None) -> Any:
        name = self.operators.get(str(func.overloadpacket))
        if name is not None:
            raise ForbiddenCall(name)
        return func(*args, **(kwargs or {}))


@contextmanager
def refusing(rules: list[dict]) -> Iterator[None]:
    """Refuse the calls of ``rules`` (``{"name", "python", "aten"}``) inside the block."""
    if not rules:
        yield
        return
    install_all(rules)
    operators = {operator: rule["name"] for rule in rules for operator in rule.get("aten", ())}
    names = {rule["name"] for rule in rules}
    _active.update(names)
    try:
        if operators:
            with _RefuseOperators(operators):
                yield
        else:
            yield
    finally:
        _active.difference_update(names)


def install_all(rules: list[dict]) -> None:
    """Put every Python-level guard in place before the student's files are loaded.

    Guards installed later would miss functions a file bound at import
    (``from torch.nn.functional import softmax``).
    """
    install({path: rule["name"] for rule in rules for path in rule.get("python", ())})
