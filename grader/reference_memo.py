"""Remembering the reference's results, so a class pays for each of them once.

The reference is deterministic: called with the same arguments under the same seed, it gives
the same outcome. A batch grades hundreds of submissions whose checks ask the reference the
same questions, so :class:`ReferenceMemo` keeps each answer under a key made from the call
(the function, its arguments' exact contents and the call's options) and hands out copies.
Calls whose arguments it cannot key exactly (an object it does not know) are not remembered.
"""

from __future__ import annotations

import copy
import hashlib
from collections import OrderedDict
from typing import Any

import torch

# Enough for every call of every check of a pack many times over; a check that asks the
# reference about a student's own output makes a key per student, which this bounds.
DEFAULT_ENTRIES = 4096


class Unkeyable(Exception):
    """An argument whose contents cannot be keyed exactly."""


def _feed(digest: Any, value: Any, depth: int = 0) -> None:
    if depth > 20:
        raise Unkeyable("nested too deeply")
    if value is None or isinstance(value, (bool, int, float, complex, str, bytes)):
        digest.update(f"{type(value).__name__}:{value!r};".encode())
    elif isinstance(value, torch.Tensor):
        if value.layout != torch.strided or value.requires_grad or value.is_quantized:
            raise Unkeyable("a tensor that is not plain")
        data = value.detach().contiguous().cpu()
        digest.update(f"tensor:{data.dtype}:{tuple(data.shape)};".encode())
        digest.update(data.reshape(-1).view(torch.uint8).numpy().tobytes() if data.numel() else b"")
    elif isinstance(value, (list, tuple)):
        digest.update(f"{type(value).__name__}:{len(value)}[".encode())
        for item in value:
            _feed(digest, item, depth + 1)
        digest.update(b"]")
    elif isinstance(value, dict):
        digest.update(f"dict:{len(value)}{{".encode())
        for key in sorted(value, key=repr):
            _feed(digest, key, depth + 1)
            _feed(digest, value[key], depth + 1)
        digest.update(b"}")
    elif isinstance(value, torch.dtype):
        digest.update(f"dtype:{value};".encode())
    elif isinstance(value, torch.nn.Module):
        # The class, its printed structure (layer sizes), its mode and every parameter and buffer.
        kind = type(value)
        digest.update(f"module:{kind.__module__}.{kind.__qualname__}:{value!r}:{value.training};".encode())
        _feed(digest, dict(value.state_dict()), depth + 1)
    else:
        raise Unkeyable(type(value).__qualname__)


def call_key(function: str, arguments: dict[str, Any], options: Any) -> str | None:
    """A key for one reference call, or None when an argument cannot be keyed exactly."""
    digest = hashlib.sha256(function.encode() + b"\0")
    try:
        _feed(digest, arguments)
        _feed(digest, [options.seed, list(options.grad_wrt), options.cotangent, options.method])
        _feed(digest, list(options.method_args))
    except Unkeyable:
        return None
    return digest.hexdigest()


class ReferenceMemo:
    """The reference's outcomes by call, least recently used dropped past ``entries``."""

    def __init__(self, entries: int = DEFAULT_ENTRIES) -> None:
        self.entries = entries
        self._outcomes: OrderedDict[str, Any] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> Any | None:
        """A copy of the outcome kept under ``key`` (a check may change what it is given)."""
        outcome = self._outcomes.get(key)
        if outcome is None:
            self.misses += 1
            return None
        self.hits += 1
        self._outcomes.move_to_end(key)
        return copy.deepcopy(outcome)

    def put(self, key: str, outcome: Any) -> None:
        self._outcomes[key] = copy.deepcopy(outcome)
        self._outcomes.move_to_end(key)
        while len(self._outcomes) > self.entries:
            self._outcomes.popitem(last=False)
