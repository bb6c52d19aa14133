"""Rewriting a pack module's source for a student edition: its public checks and nothing hidden.

A check module mixes specs, public checks, hidden checks and the helpers they share. The
rewrite keeps what the public checks (and the specs, and the ``Exercise``) need:

1. every ``@check(...)`` function that is not a public check is dropped;
2. the imports of reference modules become stand-ins that replay recordings
   (``import reference.softmax`` binds ``reference = _soundlab_replay.namespace("reference")``);
3. the body of each ``@solution_helper`` function (a helper computing part of a solution)
   becomes ``return _soundlab_replay.helper("module.name", locals())``: what the release
   recorded for those arguments;
4. in each ``Exercise(...)`` call, ``mistakes=`` is dropped (the catalogue stays home) and
   ``withheld=`` added: what the final grading adds, read from the edition's manifest;
5. module-level functions, classes and constants that nothing left refers to are dropped,
   again and again until nothing more goes (a helper of hidden checks only, its constants).

:func:`verify` then proves that the result compiles and holds none of the hidden checks'
names, docstrings or literal inputs. Comments do not survive (``ast.unparse``): they may speak
of what is hidden.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from dataclasses import dataclass

REPLAY = "_soundlab_replay"
SOLUTION_HELPER = "solution_helper"
_KEEP = {"__all__", "__doc__", "__version__"}
_DECORATORS_KEPT = {"check", "exercise_function", "exercise_class", "hookimpl", "hookspec"}


class RewriteError(Exception):
    """A module that cannot be rewritten safely: one line says why."""


@dataclass(frozen=True)
class Plan:
    """What to do to one module: keep these checks, drop those, replay these reference modules."""

    name: str
    public: frozenset[str]
    hidden: frozenset[str]
    references: frozenset[str]
    # Exercise ids defined in this module (by their ``id=`` literal).
    exercises: frozenset[str] = frozenset()


def _decorator_name(node: ast.expr) -> str:
    target = node.func if isinstance(node, ast.Call) else node
    if isinstance(target, ast.Attribute):
        return target.attr
    return target.id if isinstance(target, ast.Name) else ""


def _is_check(node: ast.stmt) -> bool:
    return isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(
        _decorator_name(d) == "check" for d in node.decorator_list
    )


def _defined(node: ast.stmt) -> set[str]:
    """The names a module-level statement that may be dropped defines (empty: never dropped)."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        if any(_decorator_name(d) in _DECORATORS_KEPT for d in node.decorator_list):
            return set()
        return {node.name}
    targets: list[ast.expr] = []
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, ast.AnnAssign) and node.value is not None:
        targets = [node.target]
    names: set[str] = set()
    for target in targets:
        for sub in ast.walk(target):
            if isinstance(sub, ast.Name):
                names.add(sub.id)
            elif not isinstance(sub, (ast.Tuple, ast.List, ast.Starred, ast.Store)):
                return set()  # a subscript or attribute assignment: a side effect, kept
    if names & _KEEP or any(n.isupper() and n in ("EXERCISE", "PACK") for n in names):
        return set()
    return names


def _used(nodes: Iterable[ast.AST]) -> set[str]:
    used: set[str] = set()
    for node in nodes:
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name) and not isinstance(sub.ctx, ast.Store):
                used.add(sub.id)
            elif isinstance(sub, ast.Constant) and isinstance(sub.value, str) and sub.value.isidentifier():
                used.add(sub.value)  # __all__ entries, getattr(module, "name")
    return used


def _replay_binding(node: ast.stmt, references: frozenset[str]) -> list[ast.stmt] | None:
    """The statements that replace an import of reference modules (None: not such an import)."""

    def assign(name: str, call: str, argument: str, attribute: str | None = None) -> ast.stmt:
        value: ast.expr = ast.Call(
            ast.Attribute(ast.Name(REPLAY, ast.Load()), call, ast.Load()), [ast.Constant(argument)], []
        )
        if attribute is not None:
            value = ast.Attribute(value, attribute, ast.Load())
        return ast.Assign([ast.Name(name, ast.Store())], value, lineno=0)

    def inside(name: str) -> bool:
        return any(r == name or r.startswith(name + ".") for r in references)

    if isinstance(node, ast.Import):
        if not any(inside(alias.name) for alias in node.names):
            return None
        kept, replaced = [], []
        for alias in node.names:
            if alias.name in references and alias.asname:
                replaced.append(assign(alias.asname, "module", alias.name))
            elif alias.name in references and "." not in alias.name:
                replaced.append(assign(alias.name, "module", alias.name))
            elif inside(alias.name) and alias.asname is None:
                top = alias.name.split(".")[0]
                replaced.append(assign(top, "namespace", top))
            elif inside(alias.name):
                raise RewriteError(f"cannot replay `import {alias.name} as {alias.asname}`")
            else:
                kept.append(alias)
        return ([ast.Import(kept)] if kept else []) + replaced
    if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
        if node.module in references:
            return [assign(a.asname or a.name, "module", node.module, a.name) for a in node.names]
        if any(f"{node.module}.{a.name}" in references for a in node.names):
            kept = [a for a in node.names if f"{node.module}.{a.name}" not in references]
            replaced = [
                assign(a.asname or a.name, "module", f"{node.module}.{a.name}")
                for a in node.names
                if f"{node.module}.{a.name}" in references
            ]
            return ([ast.ImportFrom(node.module, kept, 0)] if kept else []) + replaced
        if inside(node.module):
            raise RewriteError(f"cannot replay `from {node.module} import ...`")
    return None


def is_solution_helper_def(node: ast.AST) -> bool:
    """A module-level function decorated with ``@solution_helper`` (its body is a solution's)."""
    return isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(
        _decorator_name(d) == SOLUTION_HELPER for d in node.decorator_list
    )


def _replace_body(node: ast.FunctionDef | ast.AsyncFunctionDef, qualified: str) -> None:
    """Its docstring, then ``return _soundlab_replay.helper(qualified, locals())``: same signature, no body."""
    docstring = node.body[:1] if ast.get_docstring(node) else []
    call = ast.Call(
        ast.Attribute(ast.Name(REPLAY, ast.Load()), "helper", ast.Load()),
        [ast.Constant(qualified), ast.Call(ast.Name("locals", ast.Load()), [], [])],
        [],
    )
    node.body = [*docstring, ast.Return(call)]


def _exercise_calls(tree: ast.Module) -> list[ast.Call]:
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and (
            (isinstance(node.func, ast.Name) and node.func.id == "Exercise")
            or (isinstance(node.func, ast.Attribute) and node.func.attr == "Exercise")
        )
    ]


def rewrite(source: str, plan: Plan, *, filename: str = "<pack module>") -> str:
    """The source of ``plan.name`` for a student edition (see the module's docstring)."""
    tree = ast.parse(source, filename=filename)
    top_checks = {node.name for node in tree.body if _is_check(node)}  # type: ignore[attr-defined]
    missing = (plan.public | plan.hidden) - top_checks
    if missing:
        raise RewriteError(
            f"{filename}: the checks {sorted(missing)} are not module-level functions decorated with @check, "
            "so they cannot be told apart in the source"
        )
    body: list[ast.stmt] = []
    replayed = False
    for node in tree.body:
        if _is_check(node) and node.name not in plan.public:  # type: ignore[attr-defined]
            continue  # a hidden check (or one not registered): dropped
        if is_solution_helper_def(node):
            _replace_body(node, f"{plan.name}.{node.name}")  # type: ignore[arg-type, attr-defined]
            replayed = True
        binding = _replay_binding(node, plan.references)
        if binding is not None:
            body.extend(binding)
            replayed = True
            continue
        body.append(node)
    tree.body = body
    for call in _exercise_calls(tree):
        ids = [k.value for k in call.keywords if k.arg == "id"]
        exercise = ast.literal_eval(ids[0]) if ids else None
        if not isinstance(exercise, str):
            raise RewriteError(f"{filename}: an Exercise(...) whose id= is not a literal string")
        call.keywords = [k for k in call.keywords if k.arg not in ("mistakes", "withheld")]
        call.keywords.append(
            ast.keyword(
                "withheld",
                ast.Call(
                    ast.Attribute(ast.Name(REPLAY, ast.Load()), "withheld", ast.Load()), [ast.Constant(exercise)], []
                ),
            )
        )
        replayed = True
    _drop_unused(tree)
    if replayed:
        position = 0
        while position < len(tree.body) and (
            (isinstance(tree.body[position], ast.ImportFrom) and tree.body[position].module == "__future__")  # type: ignore[attr-defined]
            or (position == 0 and ast.get_docstring(tree) is not None)
        ):
            position += 1
        tree.body.insert(
            position,
            ast.ImportFrom("grader.release", [ast.alias("replay", REPLAY)], 0),
        )
    ast.fix_missing_locations(tree)
    return ast.unparse(tree) + "\n"


def _drop_unused(tree: ast.Module) -> None:
    """Drop module-level definitions nothing else refers to, until none is left to drop."""
    while True:
        dropped = False
        for index, node in enumerate(tree.body):
            names = _defined(node)
            if not names:
                continue
            others = tree.body[:index] + tree.body[index + 1 :]
            if not names & _used(others):
                del tree.body[index]
                dropped = True
                break
        if not dropped:
            return


def hidden_literals(source: str, hidden: Iterable[str]) -> set[object]:
    """Literal constants that only the hidden checks of ``source`` use (their docstrings aside)."""
    tree = ast.parse(source)
    hidden = set(hidden)
    inside: set[object] = set()
    outside: set[object] = set()
    for node in tree.body:
        is_hidden = _is_check(node) and node.name in hidden  # type: ignore[attr-defined]
        doc = ast.get_docstring(node, clean=False) if is_hidden else None  # type: ignore[arg-type]
        for sub in ast.walk(node):
            if isinstance(sub, ast.Constant) and not isinstance(sub.value, (bool, type(None), type(...))):
                if is_hidden and sub.value == doc:
                    continue
                (inside if is_hidden else outside).add((type(sub.value).__name__, sub.value))
    return inside - outside


def literals(source: str) -> set[object]:
    return {
        (type(n.value).__name__, n.value)
        for n in ast.walk(ast.parse(source))
        if isinstance(n, ast.Constant) and not isinstance(n.value, (bool, type(None), type(...)))
    }


def verify(original: str, rewritten: str, plan: Plan, *, filename: str) -> None:
    """The rewritten module compiles and holds no hidden check's name, docstring or literal input."""
    try:
        compile(rewritten, filename, "exec")
    except SyntaxError as error:
        raise RewriteError(f"{filename}: the rewritten module does not compile ({error})") from None
    tree = ast.parse(original)
    for node in tree.body:
        if not (_is_check(node) and node.name in plan.hidden):  # type: ignore[attr-defined]
            continue
        name = node.name  # type: ignore[attr-defined]
        if re.search(rf"\b{re.escape(name)}\b", rewritten):
            raise RewriteError(f"{filename}: the hidden check {name} is still named in the rewritten module")
        doc = ast.get_docstring(node)  # type: ignore[arg-type]
        if doc and doc.splitlines()[0] in rewritten:
            raise RewriteError(f"{filename}: the docstring of the hidden check {name} is still in the rewritten module")
    leaked = hidden_literals(original, plan.hidden) & literals(rewritten)
    if leaked:
        raise RewriteError(f"{filename}: literals only hidden checks use remain: {sorted(map(str, leaked))[:5]}")
