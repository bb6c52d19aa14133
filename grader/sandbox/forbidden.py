"""Refusing forbidden library calls in the student process, however they are spelled.

The guard does not ask the student's process whether it called something: it makes the call
fail, with :class:`ForbiddenCall`, while a student function whose spec forbids it runs
(:func:`refusing`). Every guard is put in place once, in the warm parent
(:func:`install_all`), and is inert until then. Four layers:

1. **Operators** (a rule's ``aten``). The kernels of every backend that computes a listed
   operator (CPU, MkldnnCPU, sparse, nested, quantized, CUDA, ... and a custom op's composite
   kernel) are replaced, through ``torch.library``, by one that refuses while the rule is
   active and otherwise calls the original kernel. This is process-wide: it holds in every
   thread, there is no mode to pop, and every spelling (``torch.softmax``, ``x.softmax``,
   ``torch._C._VariableFunctions._softmax``, ``torch.ops.aten._softmax.out``, an mkldnn or
   sparse tensor, a fused op whose own kernel is listed) reaches a refusing kernel.
2. **Python functions** (a rule's ``python`` paths that are Python functions). The function
   object itself changes: its code is recompiled from its source with one statement in front
   that refuses while the rule is active. There is no wrapper to unwrap; aliases,
   ``__wrapped__`` chains, decorator wrappers, dispatch tables (``torch._decomp``) and
   ``functools.partial`` objects all hold the refusing function. Its ``__wrapped__`` is a
   refusing stand-in and its ``__signature__`` is set, so ``inspect.signature`` still works.
3. **Built-ins and constructors** (``torch.softmax``, ``Tensor.softmax``, the ``__init__`` of a
   listed class) are replaced, wherever torch or torchaudio bind them, by a C-implemented
   callable (an uncached ``functools`` LRU wrapper) around the refusing closure: it has no
   ``__closure__``, ``__code__``, ``__defaults__`` or ``__globals__``, and its
   ``__wrapped__`` refuses too. An original built-in stays reachable in ``torch._C``, where
   layer 1 refuses its operator.
4. **An audit hook** (``sys.addaudithook``; Python code cannot remove it) refuses, from the
   moment a student process starts loading files: ``gc.get_objects`` / ``get_referrers`` /
   ``get_referents``, ``sys._current_frames`` / ``_current_exceptions``, ``sys.settrace`` /
   ``setprofile``, every ``ctypes`` operation, reading or replacing the ``__code__`` of a
   guarded function, running a guarded library module's code again (a re-import,
   ``importlib.reload``, ``runpy``) and opening its source or bytecode file
   (``PermissionError``, so that tracebacks still format). While a function with forbidden
   calls runs it also refuses starting a process (``subprocess``, ``os.system``,
   ``os.fork``, ``os.exec*``, ...) and importing a module a rule names that was not imported
   yet (its guards are installed when the next call starts).

The state (which rules are active) is process-wide, so threads the student starts are refused
too. It is held only in closures behind C-implemented callables; no frame of this module that
student code can reach (through a traceback that passed through a refusing kernel, say)
holds it or an original kernel. Each call of :func:`refusing` makes a fresh context-manager
class, so no shared class can be patched, and counts what it activated, so another
``refusing`` cannot switch off the rules of the one around the student's call. This module's
attributes cannot be set or deleted, and reading them always gives the genuine functions.

What one Python process cannot close against its own code, and ``grader.source_flags``
flags for the instructor instead: a submission that pastes the library's source (or has a
helper process read it); that takes bytecode from a frame it reached while loading and
rewrites it; that takes over the student process's server (``grader.sandbox.student_side``:
its module globals and classes are as writable as any); that patches a class with
``type.__setattr__`` (not audited in Python 3.11); that computes in a process it started
while loading; or that runs ``torch.compile``'d code (Inductor's generated kernels call none
of the listed operators).
"""

from __future__ import annotations
import __future__

import ast
import functools
import inspect
import linecache
import os
import re
import sys
import textwrap
import types
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


class ForbiddenCall(Exception):
    """Raised in the student's code when it makes a call its exercise forbids.

    The message is the rule's name (what the grader reports), or, for a refused inspection of
    the grader's own machinery, a sentence saying what was refused.
    """


def _hide(function: Callable, like: Any = None) -> Callable:
    """A C-implemented callable that calls ``function`` and exposes nothing of it.

    CPython's uncached LRU wrapper holds its function in a C field: no attribute, closure or
    code object leads to it (only ``gc.get_referents``, which the audit hook refuses in a
    student process). It binds like a function when set on a class. ``like`` lends it a name
    and docstring.
    """
    wrapper: Any = functools._lru_cache_wrapper  # type: ignore[attr-defined]
    hidden = wrapper(function, 0, False, functools._CacheInfo)  # type: ignore[attr-defined]
    source = like if like is not None else function
    for attribute in ("__module__", "__name__", "__qualname__", "__doc__"):
        try:
            value = getattr(source, attribute)
        except AttributeError:
            continue
        try:
            setattr(hidden, attribute, value)
        except (AttributeError, TypeError):
            pass
    return hidden


_FUTURE_FLAGS = 0
for _feature in __future__.all_feature_names:
    _FUTURE_FLAGS |= getattr(__future__, _feature).compiler_flag
_MARK = "\x00grader: refuse while forbidden\x00"
# Varargs, varkeywords, generator, coroutine, iterable coroutine, async generator.
_KIND_FLAGS = 0x04 | 0x08 | 0x20 | 0x80 | 0x100 | 0x200
_INTROSPECTION = frozenset(
    {
        "gc.get_objects",
        "gc.get_referrers",
        "gc.get_referents",
        "sys._current_frames",
        "sys._current_exceptions",
        "sys.settrace",
        "sys.setprofile",
    }
)
_PROCESSES = frozenset(
    {"subprocess.Popen", "os.exec", "os.posix_spawn", "os.spawn", "os.system", "os.fork", "os.forkpty", "pty.spawn"}
)
_WATCHED = frozenset(
    {"object.__getattr__", "object.__setattr__", "object.__delattr__", "exec", "open", "os.link"}
    | _INTROSPECTION
    | _PROCESSES
)
# Runtime dispatch keys whose kernels compute values (not Meta, autograd, tracing, ...).
_BACKEND_KEY = re.compile(
    r"^(CPU|CUDA|HIP|XPU|MPS|HPU|MTIA|MAIA|XLA|IPU|VE|Lazy|PrivateUse[123]|Mkldnn\w+|"
    r"Sparse(?!\w*Meta)\w+|SparseCsr(?!\w*Meta)\w+|Quantized(?!\w*Meta)\w+|NestedTensor(?!\w*Meta)\w+)$"
)
_DUMP_LINE = re.compile(r"^(\w+)(\[alias\])?( \(inactive\))?: registered")


def _build() -> tuple[Callable, Callable, Callable]:
    """Make the guard's machinery; returns the hidden ``install_all``, ``refusing`` and ``seal``."""
    import torch

    counts: dict[str, int] = {}  # rule name -> how many refusing() blocks activate it now
    total = [0]  # how many names are active, counted with multiplicity
    started = [False]
    armed = [False]  # a student process has started loading or calling: refuse inspection
    forked = [False]  # this process was forked from one that installed the guards
    guarded_ids: set[int] = set()  # id() of every function whose code refuses
    guarded_objects: list[Any] = []  # keeps those alive, so an id is never reused
    # The files (device, inode: links and other spellings of the path match too) of the modules
    # that define them, and their bytecode.
    guarded_files: set[tuple[int, int]] = set()
    seen_files: set[str] = set()
    # Guards of modules not imported yet: installed by the first install() after they are, and
    # their modules cannot be imported while a function with forbidden calls runs.
    pending_paths: dict[str, str] = {}
    pending_operators: dict[str, str] = {}
    pending_files: set[tuple[int, int]] = set()
    modules_seen = [0]
    sealed_ids: set[int] = set()
    installed_paths: set[str] = set()
    installed_operators: set[str] = set()
    libraries: dict[str, Any] = {}  # namespace -> torch.library.Library holding our kernels
    operator_mode: list[Any] = []  # fallback (torch without computed-kernel access): a dispatch mode
    raise_forbidden = ForbiddenCall

    # -- the state, read through callables that hold it where no frame of ours shows it ----------

    # Whatever goes wrong in them (a RecursionError near the limit), they return a value: an
    # exception leaving such a frame would carry its variables to the student in a traceback.
    def active(name: str) -> bool:
        try:
            return counts.get(name, 0) > 0
        except BaseException:  # noqa: BLE001
            return True

    is_active = _hide(active)

    def any_active() -> bool:
        try:
            return total[0] > 0
        except BaseException:  # noqa: BLE001
            return True

    anything_active = _hide(any_active)

    def refusal_checker(name: str) -> Callable:
        def check() -> None:
            if is_active(name):
                raise raise_forbidden(name)

        return _hide(check)

    # -- layer 2: Python functions refuse in their own code --------------------------------------

    def recompiled(function: types.FunctionType, checker: Callable) -> types.CodeType | None:
        """The function's code, recompiled from its source with ``checker()`` called first."""
        code = function.__code__
        if code.co_freevars not in ((), ("__class__",)):
            return None
        tree = parsed_source(function)
        if tree is None:
            return None
        definition = tree.body[0] if tree.body else None
        if not isinstance(definition, (ast.FunctionDef, ast.AsyncFunctionDef)) or definition.name != code.co_name:
            return None
        body = definition.body
        docstring = body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
        at = 1 if docstring and isinstance(body[0].value.value, str) else 0  # type: ignore[attr-defined]
        statement = ast.Expr(ast.Call(ast.Constant(_MARK), [], []))
        ast.copy_location(statement, definition)
        ast.copy_location(statement.value, definition)
        ast.copy_location(statement.value.func, definition)  # type: ignore[attr-defined]
        body.insert(at, statement)
        if code.co_freevars == ("__class__",):  # a method that calls super(): compile it in a class
            tree.body = [ast.ClassDef("_", [], [], [definition], [])]
            ast.copy_location(tree.body[0], definition)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "'str' object is not callable": the mark is swapped below
            try:
                module_code = compile(
                    tree, code.co_filename, "exec", flags=code.co_flags & _FUTURE_FLAGS, dont_inherit=True
                )
            except (SyntaxError, ValueError, TypeError):
                return None
        found = find_code(module_code, code.co_name)
        if found is None:
            return None
        new = found.replace(co_consts=tuple(checker if type(c) is str and c == _MARK else c for c in found.co_consts))
        if hasattr(code, "co_qualname"):  # Python 3.11
            new = new.replace(co_qualname=code.co_qualname)
        same = (
            new.co_freevars == code.co_freevars
            and new.co_argcount == code.co_argcount
            and new.co_posonlyargcount == code.co_posonlyargcount
            and new.co_kwonlyargcount == code.co_kwonlyargcount
            and new.co_varnames[: code.co_argcount + code.co_kwonlyargcount]
            == code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]
            and (new.co_flags & _KIND_FLAGS) == (code.co_flags & _KIND_FLAGS)
            and any(c is checker for c in new.co_consts)
        )
        return new if same else None

    def parsed_source(function: types.FunctionType) -> ast.Module | None:
        """The function's source (with its decorators), parsed with its line numbers in the file.

        Its last line is the last one its code (or a nested code object) covers, which is
        quicker to find than letting ``inspect`` tokenize the file; ``inspect`` is the fallback.
        """
        code = function.__code__
        first, last, pending = code.co_firstlineno, code.co_firstlineno, [code]
        while pending and hasattr(code, "co_positions"):
            current = pending.pop()
            last = max([last] + [end for _, end, _, _ in current.co_positions() if end is not None])
            pending.extend(c for c in current.co_consts if isinstance(c, types.CodeType))
        lines = linecache.getlines(code.co_filename)
        attempts = [(first, lines[first - 1 : last])] if pending == [] and 0 < first <= last <= len(lines) else []
        for attempt in range(2):
            if attempt == len(attempts):
                try:
                    source_lines, start = inspect.getsourcelines(function)
                except (OSError, TypeError):
                    return None
                attempts.append((start, source_lines))
            start, text = attempts[attempt]
            try:  # blank lines in front keep the line numbers of the file
                return ast.parse("\n" * (start - 1) + textwrap.dedent("".join(text)))
            except (SyntaxError, ValueError):
                continue
        return None

    def find_code(code: types.CodeType, name: str) -> types.CodeType | None:
        for constant in code.co_consts:
            if isinstance(constant, types.CodeType):
                if constant.co_name == name and any(type(c) is str and c == _MARK for c in constant.co_consts):
                    return constant
                inner = find_code(constant, name)
                if inner is not None:
                    return inner
        return None

    def guard_in_place(function: types.FunctionType, name: str) -> bool:
        """Make ``function`` itself refuse while ``name`` is active; False if it cannot be."""
        if id(function) in guarded_ids:
            return True
        checker = refusal_checker(name)
        code = recompiled(function, checker)
        if code is None:
            return False
        try:
            signature = inspect.signature(function)
        except (TypeError, ValueError):
            signature = None
        function.__code__ = code
        if signature is not None:
            function.__signature__ = signature  # type: ignore[attr-defined]  # inspect needs no __code__
        if "__wrapped__" not in function.__dict__:
            function.__wrapped__ = _hide(lambda *args, **kwargs: function(*args, **kwargs), like=function)  # type: ignore[attr-defined]
        guarded_ids.add(id(function))
        guarded_objects.append(function)
        module = sys.modules.get(getattr(function, "__module__", "") or "")
        for path in (getattr(module, "__file__", None), getattr(module, "__cached__", None), code.co_filename):
            if isinstance(path, str) and path not in seen_files:
                seen_files.add(path)
                identity = file_identity(path)
                if identity is not None:
                    guarded_files.add(identity)
        return True

    def guard_function(function: Any, name: str) -> bool:
        """Guard a Python function and every function of its ``__wrapped__`` chain that can be."""
        chain = []
        seen: set[int] = set()
        while isinstance(function, types.FunctionType) and id(function) not in seen:
            seen.add(id(function))
            chain.append(function)
            function = function.__dict__.get("__wrapped__")
        innermost_guarded = bool(chain) and guard_in_place(chain[-1], name)
        for outer in chain[:-1]:
            guard_in_place(outer, name)
        return innermost_guarded

    # -- layer 3: built-ins, replaced where the library binds them ---------------------------------

    def refusing_builtin(original: Callable, name: str) -> Callable:
        def call(*args: Any, **kwargs: Any) -> Any:
            if is_active(name):
                raise raise_forbidden(name)
            return original(*args, **kwargs)

        guard = _hide(call, like=original)
        try:
            guard.__wrapped__ = _hide(lambda *args, **kwargs: guard(*args, **kwargs), like=original)  # type: ignore[attr-defined]
            guard.__signature__ = inspect.signature(original)  # type: ignore[attr-defined]
        except (AttributeError, TypeError, ValueError):
            pass
        return guard

    def resolve(path: str) -> tuple[Any, str, Any] | None:
        """``"torch.nn.functional.softmax"`` -> (owner object, attribute name, current value).

        Imports nothing: a path in a module not imported yet is pending (None) if the module
        exists, and its file is noted; otherwise it is not in this version of the library.
        """
        import importlib.util

        parts = path.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            owner = sys.modules.get(".".join(parts[:cut]))
            if owner is None:
                continue
            try:
                for part in parts[cut:-1]:
                    owner = getattr(owner, part)
                return owner, parts[-1], getattr(owner, parts[-1])
            except AttributeError:
                pass
            for longer in range(len(parts) - 1, cut, -1):
                try:
                    spec = importlib.util.find_spec(".".join(parts[:longer]))
                except (ImportError, ValueError, AttributeError):
                    spec = None
                if spec is not None and isinstance(spec.origin, str):
                    identity = file_identity(spec.origin)
                    if identity is not None:
                        pending_files.add(identity)
                    return None
            break
        raise LookupError(path)

    def install_python(paths: dict[str, str]) -> None:
        replaced: dict[int, tuple[Any, Callable]] = {}  # id of an original built-in -> (it, its guard)
        for path, name in paths.items():
            if path in installed_paths:
                continue
            try:
                found = resolve(path)
            except LookupError:
                installed_paths.add(path)  # not in this version of the library: nothing to refuse
                continue
            if found is None:
                pending_paths[path] = name  # guarded once its module is imported
                continue
            pending_paths.pop(path, None)
            installed_paths.add(path)
            owner, attribute, original = found
            if isinstance(original, type):  # a class is refused when constructed
                original.__init__ = refusing_builtin(original.__init__, name)  # type: ignore[misc]
                continue
            if isinstance(original, types.FunctionType) and guard_function(original, name):
                continue
            guard = refusing_builtin(original, name)
            setattr(owner, attribute, guard)
            replaced[id(original)] = (original, guard)
        if not replaced:
            return
        # The library binds the same built-ins under other names too (re-exports): one pass.
        for module_name, module in list(sys.modules.items()):
            if module is None or not module_name.startswith(("torch", "torchaudio")):
                continue
            namespace = getattr(module, "__dict__", None)
            if not isinstance(namespace, dict):
                continue
            for key, value in list(namespace.items()):
                entry = replaced.get(id(value))
                if entry is not None and entry[0] is value:
                    namespace[key] = entry[1]

    # -- layer 1: operator kernels -------------------------------------------------------------------

    def refusing_kernel(kernel: Any, name: str) -> Callable:
        def run_unless_refused(keyset: Any, args: tuple, kwargs: dict) -> tuple[int, Any]:
            # Never lets an exception out with this frame (which holds the kernel) in its traceback.
            if is_active(name):
                return 1, None
            try:
                return 0, kernel.call_boxed(keyset, *args, **kwargs)
            except BaseException as error:  # noqa: BLE001 - re-raised by the caller, without this frame
                return 2, error.with_traceback(None)

        run = _hide(run_unless_refused)

        def refuse_or_run(keyset: Any, *args: Any, **kwargs: Any) -> Any:
            status, value = run(keyset, args, kwargs)
            if status == 1:
                raise raise_forbidden(name)
            if status == 2:
                raise value
            return value

        return refuse_or_run

    def install_operators(operators: dict[str, str]) -> None:
        get_kernel = getattr(torch._C, "_dispatch_get_computed_kernel_for_dispatch_key", None)
        parse_key = getattr(torch._C, "_parse_dispatch_key", None)
        for operator, name in operators.items():
            if operator in installed_operators:
                continue
            namespace, _, op_name = operator.partition(".")
            try:
                packet = getattr(getattr(torch.ops, namespace), op_name)
                overloads = packet.overloads()
            except (AttributeError, RuntimeError):
                # Not in this version of torch, or registered by a module not imported yet.
                pending_operators[operator] = name
                continue
            pending_operators.pop(operator, None)
            installed_operators.add(operator)
            if get_kernel is None or parse_key is None:
                operator_mode.append((f"{namespace}.{op_name}", name))
                continue
            for overload in overloads:
                qualified = f"{namespace}::{op_name}" + ("" if overload == "default" else f".{overload}")
                for key in kernel_keys(qualified):
                    try:
                        kernel = get_kernel(qualified, parse_key(key))
                    except (RuntimeError, ValueError, TypeError):
                        continue
                    library = libraries.get(namespace)
                    if library is None:
                        library = libraries[namespace] = torch.library.Library(namespace, "IMPL")
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        library.impl(
                            op_name if overload == "default" else f"{op_name}.{overload}",
                            refusing_kernel(kernel, name),
                            key,
                            with_keyset=True,
                        )

    def kernel_keys(qualified: str) -> list[str]:
        """The runtime keys whose kernels compute ``qualified`` (not Meta, autograd, tracing)."""
        try:
            dump = torch._C._dispatch_dump(qualified)
        except RuntimeError:
            return []
        direct, explicit_composite = [], False
        for line in dump.splitlines():
            match = _DUMP_LINE.match(line)
            if match is None or match.group(3):
                continue
            key, alias = match.group(1), match.group(2)
            if alias:
                explicit_composite |= key in ("CompositeExplicitAutograd", "CompositeExplicitAutogradNonFunctional")
            elif _BACKEND_KEY.match(key):
                direct.append(key)
        if explicit_composite:  # its composite kernel runs for the dense backends without their own
            direct += [key for key in ("CPU", "CUDA") if key not in direct]
        return direct

    # -- layer 4: the audit hook ----------------------------------------------------------------------

    def verdict(event: str, args: tuple) -> str | None:
        """Why an audited event is refused (None: it is not). Calls no code of the student's."""
        if event not in _WATCHED and not event.startswith("ctypes."):
            return None
        if event == "object.__getattr__":
            if len(args) < 2:
                return None
            if args[1] == "__code__" and armed[0] and id(args[0]) in guarded_ids:
                return "reading the code of a library function that is forbidden here"
            return None
        if event in ("object.__setattr__", "object.__delattr__"):
            if len(args) < 2:
                return None
            if args[1] == "__code__" and id(args[0]) in guarded_ids:
                return "replacing the code of a library function that is forbidden here"
            if args[1] == "__class__" and id(args[0]) in sealed_ids:
                return "changing the class of the grader's modules"
            return None
        if not armed[0]:
            return None
        if event in _INTROSPECTION or event.startswith("ctypes."):
            return f"{event} (inspecting or changing the grader's process)"
        if event == "exec":
            code = args[0] if args else None
            if type(code) is not types.CodeType:
                return None
            identity = file_identity(code.co_filename)
            if identity is None:
                return None
            if identity in guarded_files:
                return "running a forbidden library module's code again"
            if identity in pending_files and anything_active():
                return "importing a module with forbidden functions while a function with forbidden calls runs"
            return None
        if event in ("open", "os.link"):
            if args and file_identity(args[0]) in guarded_files:
                return "open"
            return None
        if event in _PROCESSES and anything_active():
            return f"{event} (starting a process) while a function with forbidden calls runs"
        return None

    def file_identity(path: Any) -> tuple[int, int] | None:
        """(device, inode) of the file at ``path`` (a str or bytes), None if there is none."""
        if type(path) is not str and type(path) is not bytes:
            return None
        try:
            status = os.stat(path)
        except (OSError, ValueError):
            return None
        return status.st_dev, status.st_ino

    decide = _hide(verdict)

    watched = _WATCHED

    def audit(event: str, args: tuple) -> None:
        if event not in watched and not event.startswith("ctypes."):
            return  # most events (builtins.id, import, compile, ...) cost one frame
        if event == "object.__getattr__" and (len(args) < 2 or args[1] != "__code__"):
            return  # __defaults__, tb_frame, ... (the interpreter gives the name as a str)
        try:
            reason = decide(event, args)
        except BaseException:  # noqa: BLE001 - dropped: its traceback would show the hook's state
            reason = "an audited operation the grader could not check"
        if reason is None:
            return
        if reason == "open":
            raise PermissionError(f"{event}: the source of a library function that is forbidden here is not readable")
        raise raise_forbidden(reason)

    # -- sealing modules ---------------------------------------------------------------------------

    def seal(module: types.ModuleType, genuine: dict[str, Any]) -> None:
        """Refuse setting and deleting ``module``'s attributes; reading a name of ``genuine``
        gives the genuine object, whatever the module's dictionary now holds."""
        if id(module) in sealed_ids or type(module) is not types.ModuleType:
            return
        originals = dict(genuine)
        module_name = module.__name__

        def set_attribute(self: Any, attribute: str, value: Any) -> None:
            raise AttributeError(f"{module_name}.{attribute} cannot be changed")

        def delete_attribute(self: Any, attribute: str) -> None:
            raise AttributeError(f"{module_name}.{attribute} cannot be deleted")

        def lookup(attribute: str) -> tuple[bool, Any]:
            try:
                value = originals.get(attribute, originals)
            except BaseException:  # noqa: BLE001 - never leaves with this frame (it holds originals)
                return False, None
            return (True, value) if value is not originals else (False, None)

        find = _hide(lookup)

        def get_attribute(self: Any, attribute: str) -> Any:
            found, value = find(attribute)
            if found:
                return value
            return types.ModuleType.__getattribute__(self, attribute)

        namespace = {
            "__slots__": (),
            "__setattr__": _hide(set_attribute),
            "__delattr__": _hide(delete_attribute),
            "__getattribute__": _hide(get_attribute),
        }
        module.__class__ = type("module", (types.ModuleType,), namespace)
        sealed_ids.add(id(module))

    # -- arming, installing, refusing ---------------------------------------------------------------

    def mark_forked() -> None:
        forked[0] = True

    def first_install() -> None:
        sys.addaudithook(_hide(audit))
        os.register_at_fork(after_in_child=_hide(mark_forked))

    def install(rules: list[dict]) -> None:
        if forked[0]:
            armed[0] = True  # a student process, about to load a submission's files
        install_python({path: rule["name"] for rule in rules for path in rule.get("python", ())})
        install_operators({operator: rule["name"] for rule in rules for operator in rule.get("aten", ())})
        if not started[0]:  # after the guards: installing them calls id() and opens files a lot
            started[0] = True
            first_install()
        if (pending_paths or pending_operators) and len(sys.modules) != modules_seen[0]:
            modules_seen[0] = len(sys.modules)  # something was imported since: try them again
            install_python(dict(pending_paths))
            install_operators(dict(pending_operators))

    def refusing_block(rules: list[dict]) -> Any:
        install(rules or [])
        armed[0] = True  # only a student process calls a student's function
        names = [rule["name"] for rule in rules or []]
        fallback = {op: n for op, n in operator_mode if n in names}
        state = {"entered": False, "exited": False}

        def enter(self: Any) -> Any:
            if state["entered"]:
                return self
            state["entered"] = True
            for name in names:
                counts[name] = counts.get(name, 0) + 1
                total[0] += 1
            return self

        def leave(self: Any, *exc_info: Any) -> bool:
            if state["entered"] and not state["exited"]:
                state["exited"] = True
                for name in names:
                    counts[name] = max(counts.get(name, 0) - 1, 0)
                    total[0] = max(total[0] - 1, 0)
            return False

        # A fresh class for every call: no class shared by later calls can be patched.
        block = type("refusing", (), {"__slots__": (), "__enter__": _hide(enter), "__exit__": _hide(leave)})()
        if fallback:
            return _with_mode(block, fallback)
        return block

    return _hide(install), _hide(refusing_block), _hide(seal)


def _with_mode(block: Any, operators: dict[str, str]) -> Any:
    """Torch without access to computed kernels: refuse operators by a dispatch mode too.

    Thread-local and poppable, so weaker than kernels; only used where torch lacks
    ``_dispatch_get_computed_kernel_for_dispatch_key``.
    """
    from torch.utils._python_dispatch import TorchDispatchMode

    def dispatch(self: Any, func: Any, types_: Any, args: tuple = (), kwargs: dict | None = None) -> Any:
        name = operators.get(str(func.overloadpacket))
        if name is not None:
            raise ForbiddenCall(name)
        return func(*args, **(kwargs or {}))

    mode_class = type("RefuseOperators", (TorchDispatchMode,), {"__torch_dispatch__": _hide(dispatch)})

    @contextmanager
    def both() -> Iterator[None]:
        with block, mode_class():
            yield

    return both()


def _expose(install: Callable, refusing_block: Callable, seal: Callable) -> tuple[Callable, Callable]:
    def install_all(rules: list[dict]) -> None:
        """Put every guard of ``rules`` (``{"name", "python", "aten"}``) in place, inert until refused.

        Called in the warm parent, before any student file is loaded: guards installed later
        would miss functions a file bound at import (``from torch.nn.functional import softmax``).
        Called again in a student process (when it loads a file) it also arms the audit hook.
        """
        install(rules)
        this = sys.modules.get(__name__)
        if this is None:
            return
        seal(this, {"ForbiddenCall": ForbiddenCall, "install_all": public_install, "refusing": public_refusing})

    def refusing(rules: list[dict]) -> Any:
        """A context manager: inside it, the calls of ``rules`` raise :class:`ForbiddenCall`.

        Only for a student process: it arms the audit hook's refusals for the rest of its life.
        """
        return refusing_block(rules)

    public_install = _hide(install_all)
    public_refusing = _hide(refusing)
    for public, name in ((public_install, "install_all"), (public_refusing, "refusing")):
        public.__qualname__ = name  # type: ignore[attr-defined]
    return public_install, public_refusing


# The module's interface: C-implemented callables whose machinery no attribute reaches.
install_all, refusing = _expose(*_build())
