"""Solutions: the reference (in the grader's process) and a student's (in the student process).

A check talks to both through the same interface::

    got = student.softmax(x, dim=1)            # the value only
    outcome = student.call("softmax", x, grad_wrt=[0], cotangent=w)   # value, gradients, ...

The reference modules are pluggy hook implementations of the specs, called through the
plugin manager. A student's function is called directly in the student process: its
arguments are arranged for its own parameters (:mod:`grader.arguments`) and sent there.

Where a check leaves an argument out, the reference uses the spec's default and the student's
function its own default, so a wrong default is caught.
"""

from __future__ import annotations

import copy
import inspect
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pluggy
import torch

from grader.arguments import OMITTED, arrange, renamed_note
from grader.exercise import PROJECT, CheckFailure, Exercise, Forbidden, forbidden_calls
from grader.reference_memo import ReferenceMemo, call_key
from grader.sandbox import wire
from grader.sandbox.construction import construction_of
from grader.sandbox.gradients import weighted_gradients
from grader.sandbox.student_process import StudentProcess, StudentProcessError


@dataclass
class Outcome:
    """What one call produced."""

    value: Any
    args_after: list = field(default_factory=list)
    grads: list | None = None
    instance: Any = None
    tensor_info: Callable[[torch.Tensor], wire.TensorInfo] = lambda tensor: wire.TensorInfo()


@dataclass(frozen=True)
class CallOptions:
    """How a check wants a function called, beyond its arguments."""

    seed: int = 0
    grad_wrt: tuple[int, ...] = ()
    cotangent: torch.Tensor | None = None
    method: str | None = None
    method_args: tuple[Any, ...] = ()


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
    """One implementation of the exercises' functions, called as ``solution.name(...)``."""

    def __init__(self, exercises: Sequence[Exercise]) -> None:
        self.specs: dict[str, Callable] = {spec.__name__: spec for e in exercises for spec in e.functions}

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
        spec = self.specs.get(function)
        if spec is None:
            raise AttributeError(f"no exercise function named {function!r}")
        bound = inspect.signature(spec).bind_partial(*args, **kwargs)
        options = CallOptions(seed, tuple(grad_wrt), cotangent, method, tuple(method_args))
        return self._invoke(function, bound, options)

    def _invoke(self, function: str, bound: inspect.BoundArguments, options: CallOptions) -> Outcome:
        raise NotImplementedError

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name.startswith("_") or name not in self.__dict__.get("specs", {}):
            raise AttributeError(name)
        return lambda *args, **kwargs: self.call(name, *args, **kwargs).value


class ReferenceSolution(Solution):
    """The reference solutions: hook implementations, called in the grader's own process."""

    def __init__(self, exercises: Sequence[Exercise], memo: ReferenceMemo | None = None) -> None:
        """``memo``, when given, keeps each outcome for the next call with the same arguments."""
        super().__init__(exercises)
        if memo is None:  # a student edition's reference answers from its recordings (grader.release)
            memo = next((e.recorded for e in exercises if e.recorded is not None), None)
        self.memo = memo
        self.pm = pluggy.PluginManager(PROJECT)
        for exercise in exercises:
            self.pm.add_hookspecs(exercise.hookspec_namespace())  # type: ignore[arg-type]  # any namespace will do
            if not self.pm.is_registered(exercise.reference):
                self.pm.register(exercise.reference, name=f"reference:{exercise.reference.__name__}")

    def _invoke(self, function: str, bound: inspect.BoundArguments, options: CallOptions) -> Outcome:
        bound.apply_defaults()
        key = call_key(function, bound.arguments, options) if self.memo is not None else None
        if key is not None and self.memo is not None:
            remembered = self.memo.get(key)
            if remembered is not None:
                return remembered
        outcome = self._compute(function, bound, options)
        if key is not None and self.memo is not None:
            self.memo.put(key, outcome)
        return outcome

    def _compute(self, function: str, bound: inspect.BoundArguments, options: CallOptions) -> Outcome:
        arguments = {name: _clone(value) for name, value in bound.arguments.items()}
        names = list(arguments)
        grad_inputs = []
        for index in options.grad_wrt:
            name = names[index]
            arguments[name] = arguments[name].detach().clone().requires_grad_(True)
            grad_inputs.append(arguments[name])
        random.seed(options.seed)
        torch.default_generator.manual_seed(options.seed)  # the CPU generator (see student_side._seed)
        value = getattr(self.pm.hook, function)(**arguments)
        instance = None
        if options.method is not None:
            instance = value
            value = getattr(instance, options.method)(*options.method_args)
        grads = (
            weighted_gradients(value, grad_inputs, options.cotangent)
            if grad_inputs and options.cotangent is not None
            else None
        )
        if isinstance(value, torch.Tensor):
            value = value.detach()
        return Outcome(value=value, args_after=list(arguments.values()), grads=grads, instance=instance)


def _clone(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        return value.clone()
    if isinstance(value, torch.nn.Module):
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

    def __init__(
        self, exercises: Sequence[Exercise], process: StudentProcess, functions: dict[str, FunctionInfo]
    ) -> None:
        super().__init__(exercises)
        self.process = process
        self.functions = {name: info for name, info in functions.items() if name in self.specs}
        # Functions whose student process broke during an earlier call: not called again.
        self.broken: dict[str, str] = {}
        self.notes: dict[str, str] = {}
        for name, info in self.functions.items():
            note = renamed_note(name, inspect.signature(self.specs[name]), info.params)
            if note:
                self.notes[name] = note

    def _invoke(self, function: str, bound: inspect.BoundArguments, options: CallOptions) -> Outcome:
        if function not in self.functions:
            raise CheckFailure(f"{function} is not defined in your submission.")
        spec_signature = inspect.signature(self.specs[function])
        named_args = [(name, bound.arguments.get(name, OMITTED)) for name in spec_signature.parameters]
        _only_given_models(function, [value for _name, value in named_args])
        positional, keywords = arrange(spec_signature, self.functions[function].params, named_args)
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
            request["forbidden"] = [rule.to_rule() for rule in rules]
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
            reported = document.get("error")
            refused = _refused(rules, reported)
            if refused is not None:
                failure = CheckFailure(
                    f"{shown} calls {refused.name}, which is not allowed in {function}.",
                    hint=f"Write it yourself: {refused.instead}",
                )
                failure.repeated = f"{function}:{refused.name}"  # reported in full once per exercise
                raise failure
            failure = CheckFailure(student_error_message(function, shown, reported))
            if _not_implemented(reported):
                failure.repeated = f"{function}:{NOT_IMPLEMENTED}"  # likewise
            raise failure
        grads = document.get("grads")
        if options.grad_wrt and isinstance(document.get("grads_error"), str):
            raise CheckFailure(
                f"Back-propagating through the result of {shown} failed: "
                f"{wire.clean_text(document['grads_error'], 300)}"
            )
        return Outcome(
            value=document.get("value"),
            args_after=list(document.get("args_after") or []),
            grads=list(grads) if isinstance(grads, (list, tuple)) else None,
            instance=document.get("instance"),
            tensor_info=reply.message.info,
        )


def _only_given_models(function: str, values: Sequence[Any]) -> None:
    """Refuse (as a bug in the check) a model the student process could not rebuild."""
    for value in values:
        if isinstance(value, torch.nn.Module) and construction_of(value) is None:
            raise TypeError(
                f"a check passed a {type(value).__qualname__} to {function}; only models of classes a pack "
                "gives students (the torch.nn.Module classes of its given modules) can be passed"
            )


def _refused(rules: Sequence[Forbidden], error: Any) -> Forbidden | None:
    """The forbidden call an error reports, if it is one of ``rules``."""
    if not isinstance(error, dict) or error.get("type") != "ForbiddenCall":
        return None
    return next((rule for rule in rules if rule.name == error.get("message")), None)


NOT_IMPLEMENTED = "NotImplementedError"


def _not_implemented(error: Any) -> bool:
    """Whether an error is a NotImplementedError raised in the student's own file (a stub's)."""
    return isinstance(error, dict) and error.get("type") == NOT_IMPLEMENTED and isinstance(error.get("where"), dict)


def not_implemented_message(function: str) -> str:
    return f"{function} is not implemented yet: replace `raise NotImplementedError` with your code."


def student_error_message(function: str, shown: str, error: Any) -> str:
    """Say, for a student, what their function raised and where."""
    if not isinstance(error, dict):
        return f"{shown} failed in a way the grader could not read."
    kind = wire.clean_text(error.get("type", "Exception"), 60)
    text = wire.clean_text(error.get("message", ""), 300)
    where = error.get("where")
    if _not_implemented(error):  # raised in the student's own file
        return not_implemented_message(function)
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
