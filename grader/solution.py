"""Solutions: the reference (in the grader's process) and a student's (in the student process).

A check talks to both through the same interface::

    got = student.softmax(x, dim=1)            # the value only
    outcome = student.call("softmax", x, grad_wrt=[0], cotangent=w)   # value, gradients, ...

Both route through pluggy: the reference modules are hook implementations, and a student's
submission is registered as a plugin whose functions (matched to the specs by name) forward
each call to the student process.

Where a check leaves an argument out, the reference uses the spec's default and the student's
function its own default, so a wrong default is caught.
"""

from __future__ import annotations

import inspect
import random
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import pluggy
import torch

from grader.exercise import (
    PROJECT,
    CheckFailure,
    Exercise,
    Forbidden,
    forbidden_calls,
    hookimpl,
    spec_signature,
    without_defaults,
)
from grader.sandbox import wire
from grader.sandbox.student_side import weighted_gradients
from grader.sandbox.student_process import StudentProcess, StudentProcessError


class _Omitted:
    def __repr__(self) -> str:
        return "<omitted>"


OMITTED: Any = _Omitted()


@dataclass
class Outcome:
    """What one call produced."""

    value: Any
    args_after: list = field(default_factory=list)
    grads: list | None = None
    instance: Any = None
    tensor_info: Callable[[torch.Tensor], wire.TensorInfo] = lambda tensor: wire.TensorInfo()


@dataclass
class CallOptions:
    seed: int = 0
    grad_wrt: Sequence[int] = ()
    cotangent: torch.Tensor | None = None
    method: str | None = None
    method_args: Sequence[Any] = ()


def describe_call(function: str, args: Sequence[Any], kwargs: dict[str, Any]) -> str:
    """``softmax(float32 tensor [4, 5], dim=1)``: a call as a student reads it in a message."""
    parts = [describe_argument(a) for a in args if a is not OMITTED]
    parts += [f"{k}={describe_argument(v)}" for k, v in kwargs.items() if v is not OMITTED]
    return f"{function}({', '.join(parts)})"


def describe_argument(value: Any) -> str:
    if isinstance(value, torch.Tensor):
        if value.dim() == 0:
            return f"tensor({value.item():g})"
        return f"<{str(value.dtype).removeprefix('torch.')} tensor {list(value.shape)}>"
    if isinstance(value, torch.nn.Module):
        return f"<{type(value).__name__}>"
    if isinstance(value, float):
        return f"{value:g}"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


class Solution:
    """One implementation of the exercises' functions."""

    def __init__(self, exercises: Sequence[Exercise]) -> None:
        self.specs: dict[str, Callable] = {}
        self.pm = pluggy.PluginManager(PROJECT)
        for exercise in exercises:
            self.pm.add_hookspecs(exercise.hookspec_namespace())
            for spec in exercise.functions:
                self.specs[spec.__name__] = spec
        self._options = CallOptions()
        # Successful calls since the last clear (when recording): the evidence a failed check leaves.
        self.recording = False
        self.calls: list = []

    def defines(self, function: str) -> bool:
        """Whether this solution implements ``function``."""
        caller = getattr(self.pm.hook, function, None)
        return caller is not None and bool(caller.get_hookimpls())

    def _bind(self, function: str, args: tuple, kwargs: dict) -> inspect.BoundArguments:
        try:
            return spec_signature(self.specs[function]).bind_partial(*args, **kwargs)
        except KeyError:
            raise AttributeError(f"no exercise function named {function!r}") from None

    def call(
        self,
        function: str,
        *args: Any,
        seed: int = 0,
        grad_wrt: Sequence[int] = (),
        cotangent: torch.Tensor | None = None,
        method: str | None = None,
        method_args: Sequence[Any] = (),
        **kwargs: Any,
    ) -> Outcome:
        """Call ``function`` with the globals ``random`` and ``torch`` seeded with ``seed``.

        ``grad_wrt`` lists positional arguments to differentiate with respect to, with
        ``cotangent`` as the gradient of the output; ``method`` calls that method of the
        returned object with ``method_args`` (for exercises that ask for a class).
        """
        bound = self._bind(function, args, kwargs)
        self._options = CallOptions(seed, tuple(grad_wrt), cotangent, method, tuple(method_args))
        arguments = self._complete(function, bound)
        try:
            outcome = getattr(self.pm.hook, function)(**arguments)
        finally:
            self._options = CallOptions()
        if outcome is None:
            raise CheckFailure(f"{function} is not defined in your submission.")
        if self.recording:
            from grader.diagnosis import Call

            bound.apply_defaults()
            self.calls.append(Call(function, dict(bound.arguments), outcome))
        return outcome

    def _complete(self, function: str, bound: inspect.BoundArguments) -> dict[str, Any]:
        raise NotImplementedError

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name.startswith("_") or name not in self.__dict__.get("specs", {}):
            raise AttributeError(name)
        return lambda *args, **kwargs: self.call(name, *args, **kwargs).value


class ReferenceSolution(Solution):
    """The reference solutions, called in the grader's own process."""

    def __init__(self, exercises: Sequence[Exercise]) -> None:
        super().__init__(exercises)
        for exercise in exercises:
            if exercise.reference is not None:
                self.pm.register(_ReferencePlugin(self, exercise.reference), name=f"reference:{exercise.id}")

    def _complete(self, function: str, bound: inspect.BoundArguments) -> dict[str, Any]:
        bound.apply_defaults()
        return dict(bound.arguments)


class _ReferencePlugin:
    """Wraps a reference module's hook implementations with seeding, gradients and cloning."""

    def __init__(self, solution: ReferenceSolution, module: Any) -> None:
        self._solution = solution
        for name in dir(module):
            implementation = getattr(module, name)
            if callable(implementation) and hasattr(implementation, f"{PROJECT}_impl") and name in solution.specs:
                setattr(self, name, self._wrap(implementation, solution.specs[name]))

    def _wrap(self, implementation: Callable, spec: Callable) -> Callable:
        solution = self._solution

        def call(*args: Any) -> Outcome:
            options = solution._options
            args_list = [_clone(a) for a in args]
            grad_inputs = []
            for index in options.grad_wrt:
                args_list[index] = args_list[index].detach().clone().requires_grad_(True)
                grad_inputs.append(args_list[index])
            random.seed(options.seed)
            torch.manual_seed(options.seed)
            value = implementation(*args_list)
            instance = None
            if options.method is not None:
                instance = value
                value = getattr(instance, options.method)(*options.method_args)
            grads = weighted_gradients(value, grad_inputs, options.cotangent) if grad_inputs else None
            if isinstance(value, torch.Tensor):
                value = value.detach()
            return Outcome(value=value, args_after=args_list, grads=grads, instance=instance)

        # pluggy reads the argument names through __wrapped__: every argument, in spec order.
        call.__wrapped__ = without_defaults(spec)  # type: ignore[attr-defined]
        return hookimpl(call)


def _clone(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        return value.clone()
    if isinstance(value, torch.nn.Module):
        import copy

        return copy.deepcopy(value)
    return value


# --------------------------------------------------------------------------- the student


@dataclass
class FunctionInfo:
    """A student function found in the submission: where it is and its parameters."""

    name: str
    path: str
    params: list[dict] | None
    module: str = ""
    stub: bool = False  # its body is still the stub's `raise NotImplementedError`


class StudentSolution(Solution):
    """A student's submission: its functions run in the student process."""

    def __init__(self, exercises: Sequence[Exercise], process: StudentProcess, functions: dict[str, FunctionInfo]) -> None:
        super().__init__(exercises)
        self.process = process
        self.functions = functions
        self.broken: dict[str, str] = {}
        self.notes: dict[str, str] = {}
        self.recording = True
        plugin = _StudentPlugin(self)
        for name, info in functions.items():
            if name in self.specs:
                setattr(plugin, name, self._forwarder(name))
                note = _renamed_note(self.specs[name], info.params)
                if note:
                    self.notes[name] = note
        self.pm.register(plugin, name="student")

    def _complete(self, function: str, bound: inspect.BoundArguments) -> dict[str, Any]:
        parameters = spec_signature(self.specs[function]).parameters
        return {name: bound.arguments.get(name, OMITTED) for name in parameters}

    def _forwarder(self, name: str) -> Callable:
        spec = self.specs[name]

        def forward(*args: Any) -> Outcome:
            return self._call_in_process(name, list(zip(spec_signature(spec).parameters, args)))

        forward.__wrapped__ = without_defaults(spec)  # type: ignore[attr-defined]
        return hookimpl(forward)

    def _arrange(self, function: str, named_args: list[tuple[str, Any]]) -> tuple[list, dict]:
        """Positional and keyword arguments for the student's function.

        Arguments go by position up to the first one the check left out; after that by
        keyword where the student's function has that parameter name, and otherwise by
        position, filling the gap with the spec's defaults. An argument left out for a
        parameter the student gave no default (the lesson's ``softmax(x, dim)``) gets the
        spec's default: a missing default is not what such a check is about.
        """
        info = self.functions[function]
        student_params = info.params or []
        student_names = {p["name"] for p in student_params}
        spec_parameters = spec_signature(self.specs[function]).parameters
        named_args = [
            (name, spec_parameters[name].default)
            if value is OMITTED and index < len(student_params) and not student_params[index].get("has_default")
            and student_params[index].get("kind") in ("POSITIONAL_ONLY", "POSITIONAL_OR_KEYWORD")
            and spec_parameters[name].default is not inspect.Parameter.empty
            else (name, value)
            for index, (name, value) in enumerate(named_args)
        ]
        positional: list = []
        keywords: dict = {}
        gap = False
        keyword_only = {p["name"] for p in student_params if p.get("kind") == "KEYWORD_ONLY"}
        for index, (name, value) in enumerate(named_args):
            if value is OMITTED:
                gap = True
                continue
            if name in keyword_only:
                keywords[name] = value
            elif not gap:
                positional.append(value)
            elif name in student_names:
                keywords[name] = value
            else:
                positional = [
                    v if v is not OMITTED else spec_parameters[n].default
                    for n, v in named_args[: index + 1]
                ]
                keywords = {}
                gap = False
        return positional, keywords

    def _call_in_process(self, function: str, named_args: list[tuple[str, Any]]) -> Outcome:
        options = self._options
        positional, keywords = self._arrange(function, named_args)
        shown = describe_call(function, positional, keywords)
        if function in self.broken:
            raise CheckFailure(f"{shown} was not run: {self.broken[function]}")
        request: dict[str, Any] = {
            "op": "call",
            "function": function,
            "module": self.functions[function].module,
            "args": positional,
            "kwargs": keywords,
            "seed": options.seed,
        }
        rules = forbidden_calls(self.specs[function])
        if rules:
            request["forbidden"] = [forbidden_rule(rule) for rule in rules]
        if options.grad_wrt:
            request["grad"] = {"wrt": list(options.grad_wrt), "cotangent": options.cotangent}
        if options.method is not None:
            request["method"] = {"name": options.method, "args": list(options.method_args)}
        try:
            reply = self.process.request(request)
        except StudentProcessError as error:
            self.broken[function] = f"an earlier call of {function} failed ({error.message})"
            raise CheckFailure(f"{shown} failed: {error.message}.") from None
        document = reply.document
        if not document["ok"]:
            error = document.get("error")
            refused = _refused(rules, error)
            if refused is not None:
                raise CheckFailure(
                    f"{shown} calls {refused.name}, which is not allowed in {function}.",
                    hint=f"Write it yourself: {refused.instead}",
                )
            raise CheckFailure(student_error_message(function, shown, error))
        grads = document.get("grads")
        if options.grad_wrt and isinstance(document.get("grads_error"), str):
            raise CheckFailure(f"Back-propagating through the result of {shown} failed: "
                               f"{wire.clean_text(document['grads_error'], 300)}")
        return Outcome(
            value=document.get("value"),
            args_after=list(document.get("args_after") or []),
            grads=list(grads) if isinstance(grads, (list, tuple)) else None,
            instance=document.get("instance"),
            tensor_info=reply.message.info,
        )


def forbidden_rule(rule: Forbidden) -> dict:
    """A forbidden call as the student process's guard reads it."""
    return {"name": rule.name, "python": list(rule.python), "aten": list(rule.aten)}


def _refused(rules: Sequence[Forbidden], error: Any) -> Forbidden | None:
    """The forbidden call an error reports, if it is one of ``rules``."""
    if not isinstance(error, dict) or error.get("type") != "ForbiddenCall":
        return None
    return next((rule for rule in rules if rule.name == error.get("message")), None)


class _StudentPlugin:
    """The submission as a pluggy plugin: one forwarding hook per function it defines."""

    def __init__(self, solution: StudentSolution) -> None:
        self._solution = solution


def student_error_message(function: str, shown: str, error: Any) -> str:
    """Say, for a student, what their function raised and where."""
    if not isinstance(error, dict):
        return f"{shown} failed in a way the grader could not read."
    kind = wire.clean_text(error.get("type", "Exception"), 60)
    text = wire.clean_text(error.get("message", ""), 300)
    where = error.get("where")
    if kind == "NotImplementedError" and isinstance(where, dict):  # raised in the student's own file
        return f"{function} is not implemented yet: replace `raise NotImplementedError` with your code."
    if kind == "NotCallable":
        return f"{shown} should return something callable, but {text}."
    if kind == "Unsendable":
        return f"{shown} returned a value that {text.removeprefix('the result ')}."
    location = ""
    if isinstance(where, dict):
        file = wire.clean_text(where.get("file", "?"), 120)
        line = where.get("line") if type(where.get("line")) is int else "?"
        code = wire.clean_text(where.get("code", ""), 120).strip()
        location = f" (at {file}, line {line}" + (f": `{code}`" if code else "") + ")"
    return f"{shown} raised {kind}: {text}{location}" if text else f"{shown} raised {kind}{location}"


def _renamed_note(spec: Callable, params: list[dict] | None) -> str | None:
    if not params:
        return None
    expected = list(spec_signature(spec).parameters)
    if any(p["kind"] in ("VAR_POSITIONAL", "VAR_KEYWORD") for p in params):
        return None  # *args or **kwargs: the names say nothing
    got = [p["name"] for p in params if p["kind"] in ("POSITIONAL_ONLY", "POSITIONAL_OR_KEYWORD", "KEYWORD_ONLY")]
    if got[: len(expected)] == expected:
        return None
    return (
        f"Note: your {spec.__name__} takes ({', '.join(got)}) where the exercise names the "
        f"parameters ({', '.join(expected)}); the grader passed them by position."
    )
