"""How long does the similarity check take on a large class?

Builds a synthetic class of 400 students x 8 exercises: each student's code for an exercise is
one of the honest variants (``tests/solutions/`` and ``reference/``), pasted into the exercise's
stub, with random mutations: about half its lines replaced by lines of other variants (so that
students are not all copies of four programs), names renamed, comment and blank lines added, a
line dropped or doubled, the top-level functions in another order. About one student in ten
copies another student's code instead, with the same mutations but no lines replaced. Prints
the seconds ``similar_pairs`` takes (the median of a few runs) and how many pairs it flags.

Usage: python bench/similarity_speed.py [--students N] [--runs N] [--seed N]
"""

from __future__ import annotations

import argparse
import ast
import io
import random
import statistics
import sys
import time
import tokenize
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from grader.batch.model import ClassResult, Student, StudentResult  # noqa: E402
from grader.batch.similarity import similar_pairs  # noqa: E402
from grader.plugins import load_exercises  # noqa: E402
from grader.results import SubmissionResult  # noqa: E402
from grader.stubs import render_stub  # noqa: E402


def _variants() -> dict[str, list[str]]:
    """Exercise id -> its honest variants' sources."""
    variants: dict[str, list[str]] = {}
    for path in sorted((REPO / "tests" / "solutions").glob("*.py")):
        variants.setdefault(path.stem.split("_", 1)[0], []).append(path.read_text())
    for exercise in variants:
        variants[exercise].append((REPO / "reference" / f"{exercise}.py").read_text())
    return variants


def _mix(source: str, pool: list[str], rng: random.Random) -> str:
    """``source`` with about half the simple statements of its functions replaced by a statement
    of the ``pool``, or ``source`` itself if that no longer parses."""
    lines = source.splitlines(keepends=True)
    statements = [
        node
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.stmt) and not hasattr(node, "body") and node.col_offset > 0
    ]
    for node in sorted(statements, key=lambda node: node.lineno, reverse=True):
        if rng.random() < 0.5 and node.end_lineno is not None:
            lines[node.lineno - 1 : node.end_lineno] = [" " * node.col_offset + rng.choice(pool).lstrip()]
    mixed = "".join(lines)
    return mixed if _parses(mixed) is not None else source


def _mutate(source: str, rng: random.Random) -> str:
    """``source`` with names renamed, comments and blank lines added, perhaps a line dropped or
    doubled and the top-level definitions shuffled; returned as written if that no longer parses."""
    tree = ast.parse(source)
    bound = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)}
    bound |= {node.arg for node in ast.walk(tree) if isinstance(node, ast.arg)} - {"self"}
    names = {name: f"{name}_{rng.randint(0, 999)}" for name in bound if rng.random() < 0.7}
    lines = []
    for kind, text, *_ in tokenize.generate_tokens(io.StringIO(source).readline):
        lines.append((kind, names.get(text, text) if kind == tokenize.NAME else text))
        if kind == tokenize.NEWLINE and rng.random() < 0.15:
            lines += [(tokenize.COMMENT, f"# step {rng.randint(0, 99)}"), (tokenize.NL, "\n")]
    mutated = tokenize.untokenize(lines).splitlines(keepends=True)
    if rng.random() < 0.3:
        index = rng.randrange(len(mutated))
        if rng.random() < 0.5:
            del mutated[index]
        else:
            mutated.insert(index, mutated[index])
    text = "".join(mutated)
    tree = _parses(text)
    if tree is None:
        return source
    definitions = [i for i, node in enumerate(tree.body) if isinstance(node, (ast.FunctionDef, ast.ClassDef))]
    if len(definitions) > 1 and rng.random() < 0.5:
        blocks = [ast.get_source_segment(text, tree.body[i]) or "" for i in definitions]
        rng.shuffle(blocks)
        head = "".join(text.splitlines(keepends=True)[: tree.body[definitions[0]].lineno - 1])
        text = head + "\n\n".join(blocks) + "\n"
    return text if _parses(text) is not None else source


def _parses(text: str) -> ast.Module | None:
    try:
        return ast.parse(text)
    except SyntaxError:
        return None


def build_class(students: int, seed: int) -> ClassResult:
    """A synthetic graded class of ``students`` students, every one with all eight exercises."""
    rng = random.Random(seed)
    stubs = {name: render_stub(exercise) for name, exercise in load_exercises().items()}
    variants = _variants()
    # Simple statements of every variant: what an honest student's own lines are drawn from.
    pool = [
        line
        for sources in variants.values()
        for source in sources
        for line in source.splitlines(keepends=True)
        if line.startswith("    ") and not line.rstrip().endswith((":", ",", "(", "[")) and _parses(line.strip())
    ]
    results: list[StudentResult] = []
    for number in range(students):
        sources = {}
        for exercise, options in variants.items():
            if results and rng.random() < 0.1:
                original = rng.choice(results).sources[exercise]
            else:
                own = _mix(rng.choice(options), pool, rng)
                original = stubs[exercise].split("\n\n\n", 1)[0] + "\n\n\n" + own
            sources[exercise] = _mutate(original, rng)
        student_id = f"s{number:04d}"
        results.append(
            StudentResult(
                student=Student(id=student_id),
                entry=f"{student_id}.py",
                result=SubmissionResult(path=f"{student_id}.py"),
                sources=sources,
            )
        )
    return ClassResult(exercises=[], students=results, stubs=stubs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=400)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    arguments = parser.parse_args()
    result = build_class(arguments.students, arguments.seed)
    times = []
    pairs = []
    for _ in range(arguments.runs):
        started = time.perf_counter()
        pairs = similar_pairs(result)
        times.append(time.perf_counter() - started)
    exercises = len(result.stubs)
    print(f"{arguments.students} students x {exercises} exercises: similar_pairs took {statistics.median(times):.2f} s")
    print(f"(median of {arguments.runs} runs, min {min(times):.2f} s); {len(pairs)} pairs flagged")


if __name__ == "__main__":
    main()
