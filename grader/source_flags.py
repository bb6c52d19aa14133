"""Notes for the instructor on what a submission's source does that grading cannot fully police.

The student process refuses forbidden library calls (``grader.sandbox.forbidden``), but one
Python process cannot stop its own code from every trick: pasting or re-reading a library's
source, taking the student process's server over, computing in a helper process started while
loading, running ``torch.compile``'d kernels, a tensor subclass that computes when the grader
reads its result. :func:`flags_in_source` reads the source as a syntax tree (it never runs
it) and returns short notes ("uses torch._decomp", "starts threads") on the constructs such
tricks need, so that an instructor can look. A note is not a verdict: it costs no points, and
a correct solution may well start a thread. Aliases (``import torch as t``, ``from torch
import _decomp as d``) and names written as strings (``getattr(torch, "_refs")``) count too.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable

# Modules and names, matched as dotted prefixes of what the source refers to, in report order.
_MODULES: tuple[tuple[str, str], ...] = (
    ("torch._decomp", "uses torch._decomp"),
    ("torch._refs", "uses torch._refs"),
    ("torch._prims", "uses torch._prims"),
    ("torch._prims_common", "uses torch._prims"),
    ("torch._meta_registrations", "uses torch._meta_registrations"),
    ("torch.library", "uses torch.library"),
    ("torch.ops", "calls operators through torch.ops"),
    ("torch.compile", "uses torch.compile"),
    ("torch._dynamo", "uses torch.compile"),
    ("torch._inductor", "uses torch.compile"),
    ("torch.jit", "uses torch.jit"),
    ("torch.overrides", "uses torch.overrides"),
    ("torch.utils._python_dispatch", "uses torch.utils._python_dispatch"),
    ("torch._C", "uses torch._C"),
    ("torchaudio.functional.functional", "uses torchaudio.functional.functional"),
    ("gc.get_objects", "uses gc.get_objects"),
    ("gc.get_referents", "uses gc.get_referents"),
    ("gc.get_referrers", "uses gc.get_referrers"),
    ("ctypes", "uses ctypes"),
    ("sys.modules", "uses sys.modules"),
    ("sys._getframe", "inspects stack frames"),
    ("sys._current_frames", "inspects stack frames"),
    ("inspect.currentframe", "inspects stack frames"),
    ("inspect.stack", "inspects stack frames"),
    ("inspect.trace", "inspects stack frames"),
    ("traceback.walk_tb", "inspects stack frames"),
    ("traceback.walk_stack", "inspects stack frames"),
    ("sys.settrace", "sets a trace or profile function"),
    ("sys.setprofile", "sets a trace or profile function"),
    ("threading.settrace", "sets a trace or profile function"),
    ("threading.setprofile", "sets a trace or profile function"),
    ("sys.addaudithook", "adds an audit hook"),
    ("importlib", "imports modules dynamically"),
    ("runpy", "imports modules dynamically"),
    ("builtins.__import__", "imports modules dynamically"),
    ("__import__", "imports modules dynamically"),
    ("inspect.getsource", "reads source or bytecode"),
    ("inspect.getsourcelines", "reads source or bytecode"),
    ("inspect.getsourcefile", "reads source or bytecode"),
    ("linecache", "reads source or bytecode"),
    ("marshal", "reads source or bytecode"),
    ("dis", "reads source or bytecode"),
    ("types.CodeType", "builds code objects"),
    ("types.FunctionType", "builds code objects"),
    ("exec", "uses exec, eval or compile"),
    ("eval", "uses exec, eval or compile"),
    ("compile", "uses exec, eval or compile"),
    ("builtins.exec", "uses exec, eval or compile"),
    ("builtins.eval", "uses exec, eval or compile"),
    ("builtins.compile", "uses exec, eval or compile"),
    ("object.__setattr__", "uses object.__setattr__ or type.__setattr__"),
    ("type.__setattr__", "uses object.__setattr__ or type.__setattr__"),
    ("threading", "starts threads"),
    ("_thread", "starts threads"),
    ("concurrent.futures.ThreadPoolExecutor", "starts threads"),
    ("asyncio.to_thread", "starts threads"),
    ("subprocess", "starts processes"),
    ("multiprocessing", "starts processes"),
    ("concurrent.futures.ProcessPoolExecutor", "starts processes"),
    ("os.fork", "starts processes"),
    ("os.forkpty", "starts processes"),
    ("os.system", "starts processes"),
    ("os.popen", "starts processes"),
    ("os.posix_spawn", "starts processes"),
    ("os.posix_spawnp", "starts processes"),
    ("pty.spawn", "starts processes"),
)
_PROCESS_PREFIXES = ("os.exec", "os.spawn")  # os.execv, os.execlp, os.spawnv, ...

# Names that matter whatever they are reached through (an attribute, a parameter, a string).
_ATTRIBUTES: dict[str, str] = {
    "__wrapped__": "uses __wrapped__",
    "__closure__": "uses __closure__",
    "cell_contents": "uses __closure__",
    "__code__": "uses __code__",
    "co_consts": "uses __code__",
    "co_code": "uses __code__",
    "__globals__": "uses __globals__",
    "__traceback__": "inspects stack frames",
    "tb_frame": "inspects stack frames",
    "tb_next": "inspects stack frames",
    "f_back": "inspects stack frames",
    "f_locals": "inspects stack frames",
    "f_globals": "inspects stack frames",
    "f_code": "inspects stack frames",
    "gi_frame": "inspects stack frames",
    "cr_frame": "inspects stack frames",
    "_refs": "uses torch._refs",
    "_decomp": "uses torch._decomp",
    "_prims": "uses torch._prims",
    "__torch_function__": "defines __torch_function__ or __torch_dispatch__",
    "__torch_dispatch__": "defines __torch_function__ or __torch_dispatch__",
    "TorchDispatchMode": "defines __torch_function__ or __torch_dispatch__",
    "TorchFunctionMode": "defines __torch_function__ or __torch_dispatch__",
    "student_side": "uses the grader's internals (grader.sandbox)",
    "StudentServer": "uses the grader's internals (grader.sandbox)",
    "_create_triangular_filterbank": "uses torchaudio's private _create_triangular_filterbank",
}
# Ways to pop or bypass torch's dispatch and function modes: "uses torch._C._disable_current_modes".
_MODE_NAMES = frozenset(
    {
        "_disable_current_modes",
        "_pop_mode",
        "_pop_mode_temporarily",
        "_pop_torch_dispatch_stack",
        "_pop_torch_function_stack",
        "_set_dispatch_mode",
        "_unset_dispatch_mode",
        "_DisableTorchDispatch",
        "_ExcludeDispatchKeyGuard",
        "_dispatch_tls_set_dispatch_key_excluded",
        "_dispatch_tls_set_dispatch_key_included",
        "DisableTorchFunction",
        "DisableTorchFunctionSubclass",
    }
)
# What a submission may use of the grader: the helpers a pack gives, and check() in a notebook.
_GIVEN = ("grader.lesson.given", "grader.check")
_ORDER = [note for _, note in _MODULES] + list(_ATTRIBUTES.values())


def flags_in_source(source: str) -> list[str]:
    """Short notes for the instructor on suspicious constructs in ``source``, each once.

    Never runs the source. Any input is accepted: text that does not parse, or whose tree is
    too deep or too big to read (RecursionError, MemoryError), gives no notes.
    """
    if not isinstance(source, str):
        return []
    try:
        return _Scan(ast.parse(source)).notes()
    except (SyntaxError, ValueError, TypeError, OverflowError, RecursionError, MemoryError):
        return []
    except Exception:  # noqa: BLE001 - a scan that fails says nothing rather than break the report
        return []


class _Scan:
    def __init__(self, tree: ast.AST) -> None:
        self.tree = tree
        self.aliases: dict[str, str] = {}
        self.found: set[str] = set()
        self.extra: list[str] = []  # "uses <dotted>" notes, in the order found

    def notes(self) -> list[str]:
        nodes = list(ast.walk(self.tree))
        for node in nodes:
            self._learn_alias(node)
        for node in nodes:
            for name in self._names(node):
                self._match(name)
        ordered = sorted(self.found, key=_ORDER.index)
        return ordered + [note for note in self.extra if note not in self.found]

    def _learn_alias(self, node: ast.AST) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    self.aliases[alias.asname] = alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                self.aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"

    def _names(self, node: ast.AST) -> Iterable[str]:
        """The dotted names ``node`` refers to (and, for attributes and strings, its own name)."""
        if isinstance(node, ast.Import):
            return [alias.name for alias in node.names]
        if isinstance(node, ast.ImportFrom):
            if not node.module or node.level:
                return [alias.name for alias in node.names]
            return [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        if isinstance(node, ast.Name):
            return [self.aliases.get(node.id, node.id)]
        if isinstance(node, ast.Attribute):
            dotted = self._dotted(node)
            if dotted is None:  # reached through a call or a subscript: its own name is all we know
                return [node.attr]
            return [dotted] + ([node.attr] if node.attr in _ATTRIBUTES else [])
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            return [node.name]
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and len(node.value) <= 200:
            text = node.value.strip()
            return [text] if text.replace(".", "").replace("_", "").isalnum() else []
        return []

    def _dotted(self, node: ast.Attribute) -> str | None:
        parts = []
        current: ast.AST = node
        while isinstance(current, ast.Attribute):
            parts.append(current.attr)
            current = current.value
        if isinstance(current, ast.Name):
            parts.append(self.aliases.get(current.id, current.id))
        elif isinstance(current, ast.Call) and current.args and isinstance(current.args[0], ast.Constant):
            module = current.args[0].value  # __import__("torch")._refs, importlib.import_module(...)
            if not isinstance(module, str):
                return None
            parts.append(module)
        else:
            return None
        return ".".join(reversed(parts))

    def _match(self, name: str) -> None:
        components = name.split(".")
        for index, component in enumerate(components):
            note = _ATTRIBUTES.get(component)
            if note:
                self.found.add(note)
            if component in _MODE_NAMES:
                self._extra(f"uses {'.'.join(components[: index + 1])}")
        for prefix, note in _MODULES:
            if name == prefix or name.startswith(prefix + "."):
                self.found.add(note)
        if name.startswith(_PROCESS_PREFIXES):
            self.found.add("starts processes")
        if name.startswith("grader.") and not name.startswith(_GIVEN):
            self._extra(f"uses the grader's internals ({'.'.join(components[:2])})")

    def _extra(self, note: str) -> None:
        if note not in self.extra:
            self.extra.append(note)
