"""The plain data of grading: an exercise, its function specs, its checks, and a check's failure.

An exercise pack declares each student function as a *spec*: a function with the exact
signature and the docstring students read, decorated with :func:`exercise_function`. The
same object is a pluggy hook specification (``firstresult``), so reference solutions are
ordinary hook implementations, and the exercise stubs are generated from it.

A check is a small decorated function (see :func:`check`) that calls the student's and the
reference's functions and raises :class:`CheckFailure` with a message, and where it can tell,
a hint for the student.
"""

from __future__ import annotations

import ast
import inspect
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import pluggy

if TYPE_CHECKING:
    from grader.solution import Solution

PROJECT = "soundlab_grader"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

POINTS_PER_EXERCISE = 10


class CheckFailure(Exception):
    """Raised by a check: ``message`` says what went wrong, ``hint`` what to try."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


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


def exercise_class(cls: type) -> type:
    """Declare a student-facing class (such as a ``torch.nn.Module``) by its stub.

    The hook specification is the class's constructor: implementing the hook means returning
    an instance, which is what calling a student's class does.
    """
    init = cls.__init__
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
    """One graded behaviour of one exercise.

    ``run(student, reference)`` calls functions on both solutions and raises
    :class:`CheckFailure` when the student's behaviour is wrong. ``function`` names the
    student function the check is about: when the submission does not define it, the check
    fails without running. Public checks can be shown to students before final grading.
    """

    name: str
    description: str
    points: float
    function: str
    run: Callable[[Solution, Solution], None]
    public: bool = False


def check(points: float, *, function: str, public: bool = False) -> Callable[[Callable], Check]:
    """Decorator: turn ``def some_behaviour(student, reference)`` into a :class:`Check`.

    The function's name is the check's name; the first line of its docstring describes it.
    """

    def decorate(run: Callable[[Solution, Solution], None]) -> Check:
        doc = inspect.getdoc(run) or run.__name__.replace("_", " ")
        return Check(
            name=run.__name__,
            description=doc.splitlines()[0],
            points=points,
            function=function,
            run=run,
            public=public,
        )

    return decorate


@dataclass(frozen=True)
class Exercise:
    """An exercise: its id, its stub file, the functions it asks for, and its checks.

    ``specs`` is the module or namespace holding the :func:`exercise_function` specs (it is
    what pluggy reads); ``functions`` lists their names in the order students meet them.
    ``stub_header`` is the text at the top of the student's stub (its imports and givens).
    """

    id: str
    title: str
    filename: str
    functions: tuple[Callable, ...]
    checks: tuple[Check, ...]
    stub_header: str = ""
    # Markdown introducing the exercise in the lesson notebook (drawn from the lesson).
    intro: str = ""
    reference: Any = None
    mistakes: tuple[Mistake, ...] = ()
    # Functions (Evidence) -> hint | None, tried on checks that failed without a hint.
    detectors: tuple[Callable, ...] = ()
    max_score: float = field(default=POINTS_PER_EXERCISE)

    def __post_init__(self) -> None:
        total = sum(c.points for c in self.checks)
        if abs(total - self.max_score) > 1e-9:
            raise ValueError(f"exercise {self.id!r}: checks are worth {total} points, not {self.max_score}")
        names = {f.__name__ for f in self.functions}
        for c in self.checks:
            if c.function not in names:
                raise ValueError(f"exercise {self.id!r}: check {c.name!r} is about unknown function {c.function!r}")
        check_names = {c.name for c in self.checks}
        for mistake in self.mistakes:
            unknown = set(mistake.caught_by) - check_names
            if unknown:
                raise ValueError(f"exercise {self.id!r}: mistake {mistake.name!r} names unknown checks {sorted(unknown)}")

    @property
    def function_names(self) -> tuple[str, ...]:
        return tuple(f.__name__ for f in self.functions)

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


def mistakes_in(directory: str | Path) -> tuple[Mistake, ...]:
    """Load a catalogue: every ``*.py`` in ``directory`` is one known-wrong solution.

    The module docstring's first line describes the mistake; a top-level
    ``CAUGHT_BY = ["check_name", ...]`` names the checks that must fail on it, and
    ``HINT = "words"`` what the hint given for it must say.
    """
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
        mistakes.append(Mistake(path.stem, doc, source, caught_by, constants.get("HINT")))
    return tuple(mistakes)
