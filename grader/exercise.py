"""The plain data of grading: an exercise, its function specs, its checks, and a check's failure.

An exercise pack declares each student function as a *spec*: a function with the exact
signature and the docstring students read, decorated with :func:`exercise_function`. The
same object is a pluggy hook specification (``firstresult``), so reference solutions are
ordinary hook implementations, and the exercise stubs are generated from it.

A check is a small decorated function (see :func:`check`) that calls the student's and the
reference's functions and raises :class:`CheckFailure` with a message, and where it can tell,
a hint for the student. The decorator is the registration: a check belongs to the spec it
names, and an exercise grades its specs' checks in the order they were declared.
"""

from __future__ import annotations

import ast
import inspect
import itertools
import types
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pluggy

PROJECT = "soundlab_grader"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

POINTS_PER_EXERCISE = 10


class HintUnavailable(Exception):
    """What a hint needs cannot be had here: in a student edition, a call of a reference or
    :func:`solution_helper` function that the release did not record. Raised while a hint is
    made (a ``hint=`` function, or code run while handling a :class:`CheckFailure`), it costs
    the failure its hint, never its verdict or message (see ``Grader._run_check``)."""


class CheckFailure(Exception):
    """Raised by a check: ``message`` says what went wrong, ``hint`` what to try.

    This is the one way a failure carries a hint: name the mistake the evidence shows (the
    comparison helpers take ``hint=`` too), or leave it None when the check cannot tell.
    ``hint`` may be a function of no arguments that returns it (or None); it is called here,
    and a :class:`HintUnavailable` inside it gives no hint.
    """

    def __init__(self, message: str, hint: str | Callable[[], str | None] | None = None) -> None:
        super().__init__(message)
        self.message = message
        if callable(hint):
            try:
                hint = hint()
            except HintUnavailable:
                hint = None
        self.hint: str | None = hint
        # "function:cause" when what failed it fails the function's every call, told in full once
        # per exercise (set by the grader, not by checks): "softmax:torch.softmax" for a forbidden
        # call, "softmax:NotImplementedError" for a function not implemented yet.
        self.repeated: str | None = None


@dataclass(frozen=True)
class Forbidden:
    """A library call that would do an exercise for the student, refused while it runs.

    ``python`` lists dotted paths of functions, methods or classes (a class is refused when
    constructed); ``aten`` lists torch operators (``"aten._softmax"``), refused however they
    are reached. ``name`` is what the student is told they called; ``instead`` what to do.
    """

    name: str
    instead: str
    python: tuple[str, ...] = ()
    aten: tuple[str, ...] = ()

    def to_rule(self) -> dict:
        """The rule as the student process's guard reads it."""
        return {"name": self.name, "python": list(self.python), "aten": list(self.aten)}


def exercise_function(function: Callable | None = None, *, forbidden: tuple[Forbidden, ...] = ()) -> Any:
    """Declare a student-facing function: its signature and docstring are the contract.

    Marks the function as a ``firstresult`` hook specification, so that a reference solution
    (or a student's file) implements it by defining a function of the same name.
    ``forbidden`` lists library calls the student's function may not make while it runs.
    Use as ``@exercise_function`` or ``@exercise_function(forbidden=(...))``.
    """

    def declare(spec: Callable) -> Callable:
        spec.forbidden = tuple(forbidden)  # type: ignore[attr-defined]
        return hookspec(firstresult=True)(spec)

    return declare(function) if function is not None else declare


def forbidden_calls(spec: Callable) -> tuple[Forbidden, ...]:
    """The calls a spec forbids (none for most)."""
    return tuple(getattr(spec, "forbidden", ()))


def exercise_class(cls: type) -> Callable[..., Any]:
    """Declare a student-facing class (such as a ``torch.nn.Module``) by its stub.

    The hook specification is the class's constructor: implementing the hook means returning
    an instance, which is what calling a student's class does.
    """
    init = cls.__init__  # type: ignore[misc]  # the class's own constructor, read for its signature
    parameters = list(inspect.signature(init).parameters.values())[1:]
    constructor = _function_with_signature(cls.__name__, inspect.Signature(parameters), cls.__doc__)
    constructor.stub_class = cls  # type: ignore[attr-defined]
    return hookspec(firstresult=True)(constructor)


def _function_with_signature(name: str, signature: inspect.Signature, doc: str | None) -> Callable:
    """A function object with the given name, parameters (and their defaults) and docstring."""
    arguments = ", ".join(p.name for p in signature.parameters.values())
    namespace: dict[str, Any] = {}
    exec(f"def {name}({arguments}):\n    pass\n", namespace)  # noqa: S102 - names come from our own specs
    function = namespace[name]
    defaults = tuple(p.default for p in signature.parameters.values() if p.default is not p.empty)
    function.__defaults__ = defaults or None
    function.__signature__ = signature
    function.__doc__ = doc
    return function


def spec_signature(spec: Callable) -> inspect.Signature:
    """The student-facing signature of a spec (with its defaults)."""
    return inspect.signature(spec)


def without_defaults(spec: Callable) -> Callable:
    """A copy of a spec whose parameters have no defaults.

    pluggy passes a hook implementation only the arguments the spec declares without a
    default (on older pluggy releases); the grader always passes every argument, so the copy
    registered with pluggy must declare all of them.
    """
    code = spec.__code__
    copy = types.FunctionType(code, spec.__globals__, spec.__name__, None, spec.__closure__)
    copy.__doc__ = spec.__doc__
    copy.__dict__.update(spec.__dict__)
    copy.__dict__.pop("__signature__", None)
    return copy


@dataclass(frozen=True)
class Check:
    """One graded behaviour of one exercise function.

    ``run(student, reference)`` calls functions on both solutions and raises
    :class:`CheckFailure` when the student's behaviour is wrong. ``function`` names the
    student function the check is about: when the submission does not define it, the check
    fails without running. Public checks can be shown to students before final grading.
    """

    name: str
    description: str
    points: float
    function: str
    run: Callable[[Any, Any], None]
    public: bool = False
    order: int = 0  # declaration order across every pack

    @property
    def module(self) -> str:
        """The module that defines the check (hidden from student processes)."""
        return str(getattr(self.run, "__module__", ""))


_declared = itertools.count()
_CHECKS_ATTRIBUTE = "soundlab_checks"
SOLUTION_HELPER = "soundlab_solution_helper"
_Function = TypeVar("_Function", bound=Callable[..., Any])


def solution_helper(function: _Function) -> _Function:
    """Decorator: mark a module-level helper of a check module as computing (part of) a solution.

    The grader calls it as it is. A student edition (``grade release``) never holds its body:
    the release records what it returns for the calls the public checks make on the reference
    and on every catalogued mistake, and the edition's copy answers those from the recordings.
    A call not recorded raises :class:`HintUnavailable`, so a hint that needs it is left out.
    """
    setattr(function, SOLUTION_HELPER, True)
    return function


def is_solution_helper(value: object) -> bool:
    return callable(value) and getattr(value, SOLUTION_HELPER, False) is True


def check(spec: Callable, *, points: float, public: bool = False) -> Callable[[Callable], Check]:
    """Decorator: register ``def some_behaviour(student, reference)`` as a check of ``spec``.

    ``spec`` is the :func:`exercise_function` (or :func:`exercise_class`) the check
    exercises; the decorator is the registration, so there is no list of checks to keep.
    The function's name is the check's name; the first line of its docstring describes it
    to students. ``points`` is what the check is worth; ``public`` checks also run in the
    student's own ``check()``.
    """
    if not callable(spec) or not hasattr(spec, f"{PROJECT}_spec"):
        raise TypeError(
            f"@check needs the exercise function it checks (declared with @exercise_function), not {spec!r}"
        )

    def register(run: Callable[[Any, Any], None]) -> Check:
        doc = inspect.getdoc(run) or run.__name__.replace("_", " ")
        declared = Check(
            name=run.__name__,
            description=doc.splitlines()[0],
            points=points,
            function=spec.__name__,
            run=run,
            public=public,
            order=next(_declared),
        )
        checks = spec.__dict__.setdefault(_CHECKS_ATTRIBUTE, [])
        if any(c.name == declared.name for c in checks):
            raise ValueError(f"{spec.__name__} already has a check named {declared.name!r}")
        checks.append(declared)
        return declared

    return register


def checks_of(spec: Callable) -> tuple[Check, ...]:
    """The checks registered against ``spec``, in declaration order."""
    return tuple(spec.__dict__.get(_CHECKS_ATTRIBUTE, ()))


@dataclass(frozen=True)
class Withheld:
    """A check a student edition leaves out (``grade release``): only the final grading runs it.

    The edition knows of it what it is worth and which function it checks, and, where the
    instructor chose to say (``--describe-hidden``), what it covers: never its name or inputs.
    """

    function: str
    points: float
    description: str = ""


def final_grading_note(withheld: Sequence[Withheld]) -> str:
    """What the final grading adds ("The final grading adds 6 more checks (14 points)"), and what each covers."""
    if not withheld:
        return ""
    count, points = len(withheld), sum(w.points for w in withheld)
    text = f"The final grading adds {count} more check{'s' if count != 1 else ''} ({points:g} point{'s' if points != 1 else ''})"
    described = [w.description for w in withheld if w.description]
    return text + (": " + "; ".join(described) + "." if described else ".")


@dataclass(frozen=True)
class Exercise:
    """An exercise: its id, its stub file, the functions it asks for, and their reference.

    ``functions`` are the :func:`exercise_function` specs in the order students meet them;
    the exercise grades every check registered against them, in declaration order.
    ``reference`` is the module holding the reference solution: one ``@hookimpl`` function
    per spec, of the same name. ``stub_header`` is the text at the top of the student's stub
    (its imports and givens); ``intro`` is markdown introducing it in the lesson notebook.
    """

    id: str
    title: str
    filename: str
    functions: tuple[Callable, ...]
    reference: types.ModuleType
    mistakes: tuple[Mistake, ...] = ()
    stub_header: str = ""
    intro: str = ""
    max_score: float = field(default=POINTS_PER_EXERCISE)
    # In a student edition: the checks left out, which the final grading adds (see Withheld).
    withheld: tuple[Withheld, ...] = ()
    checks: tuple[Check, ...] = field(init=False)

    def __post_init__(self) -> None:
        where = f"exercise {self.id!r}"
        for function in self.functions:
            if not hasattr(function, f"{PROJECT}_spec"):
                raise ValueError(f"{where}: {function!r} is not declared with @exercise_function or @exercise_class")
        checks = sorted((c for f in self.functions for c in checks_of(f)), key=lambda c: c.order)
        object.__setattr__(self, "checks", tuple(checks))
        if not checks and not self.withheld:
            raise ValueError(f"{where}: no checks are registered against its functions (use @check(function, ...))")
        total = sum(c.points for c in checks) + sum(w.points for w in self.withheld)
        if abs(total - self.max_score) > 1e-9:
            raise ValueError(f"{where}: its checks are worth {total:g} points, not {self.max_score:g}")
        if not isinstance(self.reference, types.ModuleType):
            raise ValueError(
                f"{where}: reference must be the module holding the reference solution, not {self.reference!r}"
            )
        for name in self.function_names:
            implementation = getattr(self.reference, name, None)
            if not callable(implementation) or not hasattr(implementation, f"{PROJECT}_impl"):
                raise ValueError(
                    f"{where}: the reference module {self.reference.__name__} has no @hookimpl function {name!r}"
                )
        check_names = {c.name for c in checks}
        for mistake in self.mistakes:
            unknown = set(mistake.caught_by) - check_names
            if unknown:
                raise ValueError(f"{where}: mistake {mistake.name!r} names unknown checks {sorted(unknown)}")

    @property
    def function_names(self) -> tuple[str, ...]:
        return tuple(f.__name__ for f in self.functions)

    @property
    def recorded(self) -> Any:
        """A student edition's recorded reference outcomes (its reference module's
        ``soundlab_memo``, see ``grader.release``), or None for a real reference."""
        return getattr(self.reference, "soundlab_memo", None)

    @property
    def modules(self) -> frozenset[str]:
        """The modules that define its specs, checks and reference: kept from students."""
        names = {f.__module__ for f in self.functions} | {c.module for c in self.checks}
        names.add(self.reference.__name__)
        return frozenset(n for n in names if n)

    def spec(self, name: str) -> Callable:
        for function in self.functions:
            if function.__name__ == name:
                return function
        raise KeyError(name)

    def hookspec_namespace(self) -> types.SimpleNamespace:
        """The object handed to ``PluginManager.add_hookspecs``."""
        return types.SimpleNamespace(**{f.__name__: without_defaults(f) for f in self.functions})


@dataclass(frozen=True)
class Mistake:
    """A known-wrong solution from an exercise's catalogue, and the checks that must catch it.

    ``source`` is a whole student file. Every check named in ``caught_by`` must fail on it,
    and the hint of at least one failed check must contain ``hint`` (case-insensitive): the
    words that name this mistake to the student.
    """

    name: str
    description: str
    source: str
    caught_by: tuple[str, ...]
    hint: str | None = None
    path: str = ""  # the file, hidden from student processes with its catalogue


def mistakes_in(directory: str | Path) -> tuple[Mistake, ...]:
    """Load a catalogue: every ``*.py`` in ``directory`` is one known-wrong solution.

    The module docstring's first line describes the mistake; a top-level
    ``CAUGHT_BY = ["check_name", ...]`` names the checks that must fail on it, and
    ``HINT = "words"`` what the hint given for it must say.
    """
    if not Path(directory).is_dir():
        raise ValueError(f"the catalogue of known-wrong solutions {directory} is not a folder")
    mistakes = []
    for path in sorted(Path(directory).glob("*.py")):
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source, filename=str(path))
        doc = (ast.get_docstring(tree) or path.stem).strip().splitlines()[0]
        constants = {
            target.id: ast.literal_eval(node.value)
            for node in tree.body
            if isinstance(node, ast.Assign)
            for target in node.targets
            if isinstance(target, ast.Name) and target.id in ("CAUGHT_BY", "HINT")
        }
        caught_by = tuple(constants.get("CAUGHT_BY", ()))
        if not caught_by:
            raise ValueError(f"{path}: a known-wrong solution must say CAUGHT_BY = [...]")
        mistakes.append(Mistake(path.stem, doc, source, caught_by, constants.get("HINT"), str(path.resolve())))
    return tuple(mistakes)
