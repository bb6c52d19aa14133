"""A lazily loaded ``torch._dynamo`` for student processes.

Every ``torch.optim`` step imports ``torch._dynamo`` (1.5-2 s here) only to call
``graph_break()`` and ``disable()``, which do nothing outside ``torch.compile``. Student
processes get a stand-in module that answers those calls directly and, on first use of
anything else, imports the real ``torch._dynamo`` in its place, so code that needs the real
module still gets it.
"""

from __future__ import annotations

import importlib.util
import sys
import types
from collections.abc import Callable
from typing import Any

NAME = "torch._dynamo"


class _LazyDynamo(types.ModuleType):
    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(_load_real_module(), name)


def _load_real_module() -> types.ModuleType:
    """Replace the stand-in with the real module everywhere it is looked up."""
    import torch

    if isinstance(sys.modules.get(NAME), _LazyDynamo):
        del sys.modules[NAME]
    real = importlib.import_module(NAME)
    torch._dynamo = real  # type: ignore[attr-defined]
    return real


class _RealOnSubmoduleImport:
    """Meta-path finder: importing ``torch._dynamo.<anything>`` first loads the real package."""

    @staticmethod
    def find_spec(fullname: str, path: Any = None, target: Any = None) -> Any:
        if not fullname.startswith(NAME + ".") or not isinstance(sys.modules.get(NAME), _LazyDynamo):
            return None
        _load_real_module()
        existing = sys.modules.get(fullname)
        if existing is None:
            return None  # not imported by the package itself: the normal finders take it from here
        return importlib.util.spec_from_loader(fullname, _Existing(existing))  # type: ignore[arg-type]  # a loader


class _Existing:
    """Loader that hands back a module the real package has already imported."""

    def __init__(self, module: types.ModuleType) -> None:
        self.module = module

    def create_module(self, spec: Any) -> types.ModuleType:
        return self.module

    def exec_module(self, module: types.ModuleType) -> None:
        pass


def _graph_break() -> None:
    """Outside torch.compile a graph break does nothing."""


def _disable(
    fn: Callable | None = None, recursive: bool = True, *, reason: str | None = None, wrapping: bool = True
) -> Any:
    """Outside torch.compile a dynamo-disabled function is the function itself."""
    if fn is None:
        return lambda f: f
    return fn


def install() -> None:
    """Put the stand-in in ``sys.modules`` unless the real module is already loaded."""
    if NAME in sys.modules:
        return
    spec = importlib.util.find_spec(NAME)
    if spec is None or spec.loader is None:
        return
    module = _LazyDynamo(NAME)
    module.__spec__ = spec
    module.__file__ = spec.origin
    module.__path__ = list(spec.submodule_search_locations or [])  # type: ignore[attr-defined]
    module.__package__ = NAME
    module.graph_break = _graph_break  # type: ignore[attr-defined]
    module.disable = _disable  # type: ignore[attr-defined]
    module.is_compiling = lambda: False  # type: ignore[attr-defined]
    sys.modules[NAME] = module
    sys.meta_path.insert(0, _RealOnSubmoduleImport)
    import torch

    torch._dynamo = module  # type: ignore[attr-defined]
