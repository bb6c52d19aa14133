"""A student edition's reference: recorded outcomes served by key, never computed.

The edition's check modules import this module instead of their reference modules
(``reference = replay.namespace("reference")``): :func:`module` builds a stand-in for each
reference module, whose functions are hook implementations (so an ``Exercise`` accepts it)
that answer a check's direct call (``reference.softmax.softmax(x, dim)``, in a hint) from the
recordings. Calls through the grader's ``ReferenceSolution`` are answered by the stand-in's
``soundlab_memo``, a :class:`ReplayStore`. A call without a recording is a bug in the release:
:class:`MissingRecording` says so, in the report of the check that made it.

The recordings are ``recordings/*.wire`` files in the project's wire format (JSON and raw
tensor bytes, never unpickled) and ``recordings/manifest.json``.
"""

from __future__ import annotations

import copy
import inspect
import json
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from grader.exercise import HintUnavailable, Withheld, hookimpl
from grader.reference_memo import call_key
from grader.sandbox import wire
from grader.sandbox.wire import ModuleSnapshot
from grader.solution import CallOptions, Outcome

RECORDINGS = Path(__file__).with_name("recordings")
MANIFEST = "manifest.json"
FORMAT = 1
_DIRECT_OPTIONS = CallOptions()


class MissingRecording(HintUnavailable):
    """A reference call the release did not record: a gap in the release, not in the student's code.

    Made while a hint was being made, it only leaves the hint out (see HintUnavailable)."""


def direct_key(qualified: str, args: tuple, kwargs: dict) -> str | None:
    """The key of a direct call of a reference module's function (``reference.softmax.softmax``)."""
    return call_key(qualified, {"args": list(args), "kwargs": dict(kwargs)}, _DIRECT_OPTIONS)


def helper_parameters(function: Callable[..., Any], args: tuple, kwargs: dict) -> dict[str, Any]:
    """A :func:`~grader.exercise.solution_helper`'s call as ``{parameter: value}`` (defaults filled in,
    sorted by name): what its stand-in in an edition, given ``locals()``, keys it by too."""
    bound = inspect.signature(function).bind(*args, **kwargs)
    bound.apply_defaults()
    return dict(sorted(bound.arguments.items()))


def helper_key(qualified: str, parameters: dict[str, Any]) -> str | None:
    """The key of a call of the solution helper ``qualified`` (``grader.lesson.mel._bank``)."""
    return direct_key(qualified, (), dict(sorted(parameters.items())))


def encode_outcome(outcome: Outcome) -> dict:
    return {
        "value": outcome.value,
        "args_after": list(outcome.args_after),
        "grads": outcome.grads,
        "instance": outcome.instance,
    }


class ReplayStore:
    """Every recording of an edition, loaded on first use; ``get``/``put`` as a reference memo."""

    def __init__(self, folder: Path = RECORDINGS) -> None:
        self.folder = folder
        self._manifest: dict | None = None
        self._calls: dict[str, Any] = {}
        self._direct: dict[str, Any] = {}
        self._loaded = False

    @property
    def manifest(self) -> dict:
        if self._manifest is None:
            path = self.folder / MANIFEST
            try:
                manifest = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as error:
                raise MissingRecording(f"this student edition's recordings cannot be read ({path}: {error})") from None
            if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
                raise MissingRecording(f"{path} is not a recording manifest this grader reads (format {FORMAT})")
            self._manifest = manifest
        return self._manifest

    def _load(self) -> None:
        if self._loaded:
            return
        for name in self.manifest.get("files", []):
            document = wire.decode((self.folder / Path(name).name).read_bytes()).value
            if not isinstance(document, dict):
                raise MissingRecording(f"{name} is not a recording")
            self._calls.update(document.get("calls") or {})
            self._direct.update(document.get("direct") or {})
        self._loaded = True

    def _missing(self, what: str) -> MissingRecording:
        recorded = self.manifest.get("torch", "")
        note = ""
        if recorded and recorded.split("+")[0] != torch.__version__.split("+")[0]:
            note = (
                f" It was released with torch {recorded}, and this is torch {torch.__version__}: install that version."
            )
        return MissingRecording(
            f"this student edition holds no recorded reference result for {what}: a gap in the release, "
            f"not a fault of your code (the final grading computes it).{note}"
        )

    # The reference memo's interface (see grader.reference_memo.ReferenceMemo).
    def get(self, key: str) -> Outcome:
        self._load()
        recorded = self._calls.get(key)
        if not isinstance(recorded, dict):
            raise self._missing(f"a reference call (key {key[:12]})")
        recorded = copy.deepcopy(recorded)
        grads = recorded.get("grads")
        return Outcome(
            value=recorded.get("value"),
            args_after=list(recorded.get("args_after") or []),
            grads=list(grads) if isinstance(grads, list) else None,
            instance=recorded.get("instance"),
        )

    def put(self, key: str, outcome: Any) -> None:
        """Nothing to remember: every outcome is recorded already."""

    def direct(self, qualified: str, args: tuple, kwargs: dict) -> Any:
        """The recorded result of ``qualified(*args, **kwargs)``; arguments it changed are changed alike."""
        self._load()
        key = direct_key(qualified, args, kwargs)
        recorded = self._direct.get(key) if key is not None else None
        if not isinstance(recorded, dict):
            raise self._missing(f"{qualified}(...)")
        recorded = copy.deepcopy(recorded)
        for where, after in recorded.get("mutated") or []:
            target = args[where] if isinstance(where, int) and where < len(args) else kwargs.get(str(where))
            _apply(target, after)
        return recorded.get("value")

    def withheld(self, exercise: str) -> tuple[Withheld, ...]:
        entries = self.manifest.get("withheld", {}).get(exercise, [])
        return tuple(Withheld(str(e["function"]), float(e["points"]), str(e.get("description", ""))) for e in entries)

    def reference(self, name: str) -> dict | None:
        entry = self.manifest.get("references", {}).get(name)
        return entry if isinstance(entry, dict) else None


def _apply(target: Any, after: Any) -> None:
    """Make ``target`` what the reference left it as (a model it trained, a tensor it changed)."""
    with torch.no_grad():
        if isinstance(target, torch.Tensor) and isinstance(after, torch.Tensor):
            target.copy_(after)
        elif isinstance(target, torch.nn.Module) and isinstance(after, ModuleSnapshot):
            target.load_state_dict(after.state)


STORE = ReplayStore()
_MODULES: dict[str, types.ModuleType] = {}


def _replayed_function(store: ReplayStore, qualified: str) -> Callable[..., Any]:
    def replayed(*args: Any, **kwargs: Any) -> Any:
        return store.direct(qualified, args, kwargs)

    replayed.__name__ = replayed.__qualname__ = qualified.rpartition(".")[2]
    replayed.__doc__ = f"{qualified}, answered from this edition's recordings."
    return replayed


def module(name: str, store: ReplayStore = STORE) -> types.ModuleType:
    """The stand-in for the reference module ``name``."""
    if name in _MODULES and store is STORE:
        return _MODULES[name]
    entry = store.reference(name)
    if entry is None:
        raise ImportError(f"this student edition has no recordings of the reference module {name}")
    stand_in = types.ModuleType(name, f"The reference {name}, replayed from a student edition's recordings.")
    stand_in.soundlab_memo = store  # type: ignore[attr-defined]  # read by ReferenceSolution
    for function in entry.get("functions", []):
        setattr(stand_in, function, hookimpl(_replayed_function(store, f"{name}.{function}")))
    direct = set(entry.get("direct", []))

    def __getattr__(attribute: str) -> Any:  # noqa: N807 - a module's __getattr__ (PEP 562)
        if attribute in direct:
            return _replayed_function(store, f"{name}.{attribute}")
        raise AttributeError(f"the student edition's stand-in for {name} has no recordings of {attribute!r}")

    stand_in.__getattr__ = __getattr__  # type: ignore[method-assign]
    if store is STORE:
        _MODULES[name] = stand_in
    return stand_in


class Namespace:
    """What ``import a.b`` binds to ``a`` when ``a.b`` is a reference module: its stand-ins by attribute."""

    def __init__(self, prefix: str, store: ReplayStore = STORE) -> None:
        self._prefix = prefix
        self._store = store

    def __getattr__(self, attribute: str) -> Any:
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        qualified = f"{self._prefix}.{attribute}"
        if self._store.reference(qualified) is not None:
            return module(qualified, self._store)
        return Namespace(qualified, self._store)


def namespace(prefix: str) -> Namespace:
    return Namespace(prefix)


def helper(qualified: str, parameters: dict[str, Any]) -> Any:
    """What the solution helper ``qualified`` returned for ``parameters`` (its ``locals()``), as recorded.

    In an edition, each :func:`~grader.exercise.solution_helper`'s body is this call."""
    return STORE.direct(qualified, (), dict(sorted(parameters.items())))


def withheld(exercise: str) -> tuple[Withheld, ...]:
    """The checks of ``exercise`` this edition leaves out (see grader.exercise.Withheld)."""
    return STORE.withheld(exercise)
