"""The student process: loads a submission's files and calls its functions on request.

This module runs on the untrusted side of the boundary. It holds no expected values, no
comparison and no score: it receives the inputs of a call and sends back what came out. It
may be tampered with by the code it runs, which is why the grader validates every reply.
"""

from __future__ import annotations

import importlib
import inspect
import io
import os
import random
import resource
import signal
import socket
import sys
import traceback
import types
from typing import Any

import torch

from grader.sandbox import cells, confine, forbidden, wire
from grader.sandbox.construction import class_name
from grader.sandbox.gradients import weighted_gradients
from grader.sandbox.lifetime import die_with_parent
from grader.sandbox.policy import SandboxPolicy

# What the packs in use ask of student processes; set in the warm parent by configure().
_policy = SandboxPolicy()


def configure(policy: SandboxPolicy) -> None:
    """Apply the packs' policy where student processes are forked from (the warm parent).

    Puts the packs' folders on ``sys.path``, imports the modules they give students (so that
    a process running as "nobody" need not read them), and installs the forbidden-call guards
    (inert until a call that forbids them runs). Raises ImportError if a given module cannot
    be imported.
    """
    global _policy
    for path in reversed(policy.paths):
        if path not in sys.path:
            sys.path.insert(0, path)
    for name in policy.given:
        importlib.import_module(name)
    forbidden.install_all(list(policy.forbidden))
    _policy = _policy.merged(policy)


# What confined student processes hide, and whether Python is readable by other users (so
# that they may take a uid of their own): planned in the warm parent, not in each of them.
_plan: tuple[confine.View, bool] | None = None


def plan_confinement() -> None:
    """In the warm parent, after :func:`configure`: plan the confinement of the processes it forks."""
    global _plan
    _plan = (confine.plan_view(_policy.hidden, _policy.hidden_paths), _python_is_shared())
    confine.remove_stale_cgroups()


def _given_modules() -> list[types.ModuleType]:
    return [sys.modules[name] for name in _policy.given if name in sys.modules]


def _given_classes() -> dict[str, type]:
    return {
        class_name(value): value
        for module in _given_modules()
        for value in vars(module).values()
        if inspect.isclass(value) and issubclass(value, torch.nn.Module)
    }


class NotGiven(Exception):
    """A module snapshot the student process cannot rebuild (its class is not given)."""


def materialize(snapshot: wire.ModuleSnapshot) -> torch.nn.Module:
    """Rebuild a model the grader sent: its given class, called as it was, with its state dict."""
    cls = _given_classes().get(snapshot.origin)
    if cls is None or snapshot.init is None:
        raise NotGiven(
            f"the grader cannot hand a {snapshot.type_name} to a student's function: "
            "only models of classes a pack gives students can be passed"
        )
    args, kwargs = snapshot.init
    model = cls(*_prepare_arguments(args), **kwargs)
    model.load_state_dict(snapshot.state)
    model.train(snapshot.training)
    return model


def _prepare_arguments(values: list) -> list:
    return [materialize(v) if isinstance(v, wire.ModuleSnapshot) else v for v in values]


def _where(error: BaseException, files: set[str]) -> dict | None:
    """The innermost frame of the traceback that lies in the student's files."""
    frames = traceback.extract_tb(error.__traceback__)
    for frame in reversed(frames):
        if frame.filename in files:
            return {"file": frame.filename, "line": frame.lineno, "code": (frame.line or "")[:200]}
    if isinstance(error, SyntaxError) and error.filename in files:
        return {"file": error.filename, "line": error.lineno or 0, "code": (error.text or "").strip()[:200]}
    return None


def _describe_error(error: BaseException, files: set[str]) -> dict:
    if isinstance(error, SystemExit):
        message = f"it called sys.exit({error.code!r})" if error.code is not None else "it called sys.exit()"
    elif isinstance(error, KeyboardInterrupt):
        message = "it raised KeyboardInterrupt"
    else:
        try:
            message = str(error)
        except Exception:
            message = ""
    return {
        "type": type(error).__name__,
        "message": message[:2000],
        "where": _where(error, files),
    }


def parameters_of(function: Any) -> list | None:
    """The parameters of a function (or a class's constructor), as the grader arranges arguments for."""
    try:
        target = function.__init__ if inspect.isclass(function) else function
        parameters = list(inspect.signature(target).parameters.values())
    except (TypeError, ValueError):
        return None
    if inspect.isclass(function) and parameters:
        parameters = parameters[1:]
    return [
        {"name": p.name, "kind": p.kind.name, "has_default": p.default is not inspect.Parameter.empty}
        for p in parameters
    ]


class StudentServer:
    """Serves load and call requests on one socket until told to stop."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        # "module:name" -> the student's function (a name may be bound in several files).
        self.functions: dict[str, Any] = {}
        self.files: set[str] = set()

    def serve(self) -> None:
        while True:
            try:
                request = wire.decode(wire.receive(self.sock)).value
            except (EOFError, OSError):
                return
            op = request.get("op")
            if op == "stop":
                return
            handler = {"load": self.load, "call": self.call}.get(op)
            reply = (
                handler(request) if handler else {"ok": False, "error": {"type": "Protocol", "message": "unknown op"}}
            )
            wire.send(self.sock, reply if isinstance(reply, bytes) else _encode(reply))

    # -- loading ---------------------------------------------------------------------

    def load(self, request: dict) -> dict:
        """Execute one file of the submission and report which exercise names it binds."""
        path, module_name, source = request["path"], request["module"], request["source"]
        self.files.add(path)
        directory = request.get("directory")
        if directory and directory not in sys.path:
            sys.path.insert(0, directory)
        siblings = request.get("siblings")
        if isinstance(siblings, dict) and siblings:
            sys.meta_path.insert(1, _SubmissionFiles(siblings))
        forbidden.install_all(request.get("forbidden", []))
        module = types.ModuleType(module_name)
        module.__file__ = path
        sys.modules[module_name] = module
        _seed(0)
        warnings: list[str] = []
        if "cells" in request:
            warnings = self._run_cells(module, request["cells"], request.get("statement_seconds", 0.5))
        else:
            try:
                code = compile(source, path, "exec", dont_inherit=True)
                exec(code, module.__dict__)
            except BaseException as error:  # noqa: BLE001 - anything the student's file does is reported
                sys.modules.pop(module_name, None)
                return {"ok": False, "error": _describe_error(error, self.files)}
        provided = _provided_objects()
        found = {}
        for name in request["names"]:
            obj = module.__dict__.get(name)
            if obj is None or not callable(obj) or any(obj is p for p in provided):
                continue
            self.functions[f"{module_name}:{name}"] = obj
            found[name] = {"params": parameters_of(obj)}
        return {"ok": True, "functions": found, "warnings": warnings}

    def _run_cells(self, module: types.ModuleType, notebook_cells: list[dict], seconds: float) -> list[str]:
        """Run the chosen statements of a notebook's cells, each under its own guards."""
        import ast
        import linecache

        cells.install_display_stand_ins()
        warnings = []
        for cell_index, cell in enumerate(notebook_cells):
            name, source = cell["name"], cell["source"]
            self.files.add(name)
            lines = source.splitlines(keepends=True)
            linecache.cache[name] = (len(source), None, lines, name)
            tree = ast.parse(source, filename=name)
            for index in cell["run"]:
                # Told before each statement, the grader can stop one stuck in a long C call.
                wire.send(self.sock, wire.encode({"progress": [cell_index, index]}))
                node = tree.body[index]
                code = compile(ast.Module(body=[node], type_ignores=[]), name, "exec", dont_inherit=True)
                text = (lines[node.lineno - 1].strip() if node.lineno <= len(lines) else "")[:60]
                try:
                    with cells.time_limit(seconds):
                        exec(code, module.__dict__)
                except cells.StatementTimeout:
                    warnings.append(cells.stopped_statement(name, node.lineno, text, seconds))
                except BaseException as error:  # noqa: BLE001 - a failing cell costs a warning, not the grade
                    described = _describe_error(error, self.files)
                    warnings.append(
                        f"{name}, line {node.lineno}: `{text}` failed: {described['type']}: "
                        f"{described['message'][:160]}"
                    )
        return warnings

    # -- calling ---------------------------------------------------------------------

    def call(self, request: dict) -> dict | bytes:
        function = self.functions.get(f"{request.get('module', '')}:{request['function']}")
        if function is None:
            return {"ok": False, "error": {"type": "NameError", "message": "not defined", "where": None}}
        try:
            args = _prepare_arguments(request.get("args", []))
            kwargs = dict(
                zip(request.get("kwargs", {}).keys(), _prepare_arguments(list(request.get("kwargs", {}).values())))
            )
        except Exception as error:  # noqa: BLE001 - a model that cannot be rebuilt fails this call only
            return {"ok": False, "error": {"type": "GraderInput", "message": str(error)[:300], "where": None}}
        grad = request.get("grad")
        grad_inputs = []
        if grad:
            for index in grad["wrt"]:
                args[index] = args[index].detach().clone().requires_grad_(True)
                grad_inputs.append(args[index])
        _seed(request.get("seed", 0))
        method = request.get("method")
        instance = None
        try:
            # The reply is made and encoded under the same refusal as the call: a result that
            # computes when it is read (a tensor subclass, say) is refused there too.
            with forbidden.refusing(request.get("forbidden", [])):
                result = function(*args, **kwargs)
                if method is not None:
                    instance = result
                    bound = getattr(instance, method["name"], None)
                    if not callable(bound):
                        return {
                            "ok": False,
                            "error": {
                                "type": "NotCallable",
                                "message": f"it returned {_type_name(instance)}, which has no method {method['name']}",
                                "where": None,
                            },
                        }
                    result = bound(*_prepare_arguments(method["args"]))
                reply: dict = {"ok": True, "value": result, "args_after": args}
                if instance is not None:
                    reply["instance"] = instance
                if grad:
                    try:
                        reply["grads"] = weighted_gradients(result, grad_inputs, grad["cotangent"])
                    except forbidden.ForbiddenCall:
                        raise
                    except Exception as error:  # noqa: BLE001 - e.g. "modified by an inplace operation"
                        reply["grads"] = None
                        reply["grads_error"] = f"{type(error).__name__}: {str(error)[:300]}"
                return _encode(reply, refused=forbidden.ForbiddenCall)
        except BaseException as error:  # noqa: BLE001
            return {"ok": False, "error": _describe_error(error, self.files)}


def _encode(reply: dict, refused: type[BaseException] | None = None) -> bytes:
    """The reply on the wire; a result that cannot be sent is reported as such (``refused``
    exceptions, a forbidden call made while the result is read, propagate)."""
    try:
        return wire.encode(reply)
    except BaseException as error:  # noqa: BLE001 - e.g. a result too big to copy, or a meta tensor
        if refused is not None and isinstance(error, refused):
            raise
        message = f"the result could not be sent back to the grader ({type(error).__name__}: {str(error)[:200]})"
        return wire.encode({"ok": False, "error": {"type": "Unsendable", "message": message, "where": None}})


def _type_name(value: Any) -> str:
    kind = type(value)
    module = getattr(kind, "__module__", "")
    name = getattr(kind, "__qualname__", "object")
    return f"a {name}" if module in ("builtins", "") else f"a {module}.{name}"


def _seed(seed: int) -> None:
    random.seed(seed)
    torch.default_generator.manual_seed(
        seed
    )  # the CPU generator; torch.manual_seed also queues a CUDA seeding per call


def _provided_objects() -> list:
    """Objects the packs give students (imported, not written by them)."""
    return [value for module in _given_modules() for value in vars(module).values()]


def _vm_size_bytes() -> int:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def limit_memory(extra_bytes: int) -> None:
    """Cap the address space at what torch already mapped plus ``extra_bytes``."""
    if extra_bytes <= 0:
        return
    limit = _vm_size_bytes() + extra_bytes
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ValueError, OSError):
        pass


class _HiddenFromStudents:
    """Meta-path finder that refuses to import the packs' checks and references here.

    A courtesy, not a wall: code that removes it, or reads the files, gets what its user may
    read. File permissions are the wall (see the README).
    """

    def __init__(self, hidden: tuple[str, ...]) -> None:
        self.hidden = hidden

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if any(fullname == hidden or fullname.startswith(hidden + ".") for hidden in self.hidden):
            raise ImportError(f"{fullname} is not available to submissions")
        return None


def _readable_by_everyone(path: str) -> bool:
    """Whether any user can reach and read ``path`` (o+x on every parent, o+r on it)."""
    import stat

    current = os.path.abspath(path)
    try:
        if not os.stat(current).st_mode & stat.S_IROTH:
            return False
        while True:
            if not os.stat(current).st_mode & stat.S_IXOTH:
                return False
            parent = os.path.dirname(current)
            if parent == current:
                return True
            current = parent
    except OSError:
        return False


def _python_is_shared() -> bool:
    """Whether "nobody" could still import the standard library, torch and the grader."""
    import sysconfig

    framework = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # grader/
    paths = {sysconfig.get_paths()[key] for key in ("stdlib", "platstdlib", "purelib", "platlib")}
    paths |= {os.path.dirname(torch.__file__), framework}
    return all(_readable_by_everyone(p) for p in paths if os.path.exists(p))


class _SubmissionFiles:
    """Meta-path finder: ``import helpers`` finds the submission's own ``helpers.py``.

    The sources come from the grader, so sibling imports work without the student process
    reading the submission's directory (which it may not be allowed to).
    """

    def __init__(self, sources: dict[str, list[str]]) -> None:
        self.sources = sources

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname not in self.sources:
            return None
        import importlib.util

        return importlib.util.spec_from_loader(fullname, self)  # type: ignore[arg-type]  # a loader

    def create_module(self, spec: Any) -> None:
        return None

    def exec_module(self, module: types.ModuleType) -> None:
        file, source = self.sources[module.__name__]
        module.__file__ = file
        exec(compile(source, file, "exec", dont_inherit=True), module.__dict__)


OUTPUT_LIMIT_BYTES = 64 * 1024 * 1024  # what a student process may print, in all


class _DroppingWriter(io.RawIOBase):
    """The descriptor under the student's stdout or stderr: a write that fails (past the
    output cap, RLIMIT_FSIZE's EFBIG) is dropped, never raised into the student's code."""

    def __init__(self, fd: int) -> None:
        super().__init__()
        self._fd = fd

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._fd

    def write(self, data: Any) -> int:
        view = memoryview(data).cast("B")
        written = 0
        try:
            while written < len(view):
                written += os.write(self._fd, view[written:])
        except OSError:
            pass  # past the cap (or a closed descriptor): the rest is dropped
        return len(view)


def _dropping_streams() -> None:
    """Replace stdout and stderr (and ``sys.__stdout__``/``sys.__stderr__``) by streams that never
    fail, buffered as before; the grader notes when the output reached the cap."""
    for fd, name in ((1, "stdout"), (2, "stderr")):
        stream = io.TextIOWrapper(
            io.BufferedWriter(_DroppingWriter(fd)),
            encoding="utf-8",
            errors="backslashreplace",
            line_buffering=name == "stderr",
        )
        setattr(sys, name, stream)
        setattr(sys, f"__{name}__", stream)


def run(
    sock: socket.socket,
    output_fd: int,
    memory_bytes: int,
    functions: dict[str, Any] | None = None,
    *,
    confinement: confine.Confinement | None = None,
) -> None:
    """Entry point of a freshly forked student process (after :func:`configure`).

    ``confinement`` is what the keeper set up for a submission's process (see
    ``sandbox.confine``): this process then hides what it must not see and gives up its
    privileges before any student code runs. Without it (a notebook's ``check()`` forks the
    kernel, which already holds the student's ``functions``), the process stays the
    student's own. Its first message tells the grader what confines it.
    """
    os.dup2(output_fd, 1)
    os.dup2(output_fd, 2)
    os.close(output_fd)
    sys.stdin = open(os.devnull)
    torch.set_num_threads(1)
    sys.meta_path.insert(0, _HiddenFromStudents(_policy.hidden))
    limit_memory(memory_bytes)
    # Captured output may not fill the disk: writes past 64 MB fail instead (no SIGXFSZ kill),
    # and the streams the student prints to drop what fails, so that a print never raises.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (OUTPUT_LIMIT_BYTES, OUTPUT_LIMIT_BYTES))
    _dropping_streams()
    if confinement is not None:
        if _plan is None:
            plan_confinement()  # a warm parent never configured: plan with the default policy
        assert _plan is not None
        view, shared = _plan
        if confinement.mode == "namespaces":
            confine.private_view(view, confinement)
        confine.become_unprivileged(confine.UID_BASE + confinement.key, shared, confinement)
        die_with_parent()  # a change of user clears the parent-death signal: set it again
        confine.close_descriptors((sock.fileno(),))
        confine.deny_system_calls(confinement)
        confinement.protections.append("no descriptor but its socket and its captured output; stdin empty")
    told = confinement.to_message() if confinement is not None else {"mode": "kernel", "protections": [], "missing": []}
    wire.send(sock, wire.encode({"hello": told}))
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 3000))
    server = StudentServer(sock)
    server.functions.update(functions or {})
    # Where the kernel's functions were written (a notebook cell, a script): errors raised there
    # are the student's own, located and worded as a submission's are ("not implemented yet").
    server.files.update(
        code.co_filename for code in (getattr(fn, "__code__", None) for fn in (functions or {}).values()) if code
    )
    server.serve()
