"""Similar submissions: honest variants of one exercise are not paired, disguised copies are."""

from __future__ import annotations

import ast
import builtins
import io
import itertools
import random
import subprocess
import sys
import tokenize
from pathlib import Path

import pytest

from grader.batch.model import ClassResult, Student, StudentResult
from grader.batch.similarity import DEFAULT_THRESHOLD, similar_pairs
from grader.plugins import load_exercises
from grader.results import SubmissionResult
from grader.stubs import render_stub

REPO = Path(__file__).resolve().parents[1]
EXERCISES = ("sine", "harmonics", "softmax", "nll", "mel", "db", "split", "training")
# How far above the threshold a disguised copy must score: a copy that only just passes would
# be lost to the next small edit.
MARGIN = 0.1


def _variants() -> dict[str, dict[str, str]]:
    """Exercise id -> variant name -> source: tests/solutions/<exercise>_<variant>.py and the reference."""
    variants: dict[str, dict[str, str]] = {exercise: {} for exercise in EXERCISES}
    for path in sorted((REPO / "tests" / "solutions").glob("*.py")):
        exercise, variant = path.stem.split("_", 1)
        variants[exercise][variant] = path.read_text()
    for exercise in EXERCISES:
        variants[exercise]["reference"] = (REPO / "reference" / f"{exercise}.py").read_text()
    return variants


VARIANTS = _variants()
STUBS = {name: render_stub(exercise) for name, exercise in load_exercises().items()}


def _student(student_id: str, sources: dict[str, str], *, submitted: bool = True) -> StudentResult:
    return StudentResult(
        student=Student(id=student_id),
        entry=f"{student_id}.py" if submitted else None,
        result=SubmissionResult(path=f"{student_id}.py"),
        sources=sources,
    )


def _class(students: list[StudentResult]) -> ClassResult:
    return ClassResult(exercises=[], students=students, stubs=dict(STUBS))


def _bound_names(tree: ast.Module, keep: set[str]) -> set[str]:
    """The names the module binds itself (parameters, variables, functions), less ``keep``."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    return names - keep - {"self"}


def _reorder_definitions(source: str) -> str:
    """The module with its top-level functions and classes in reverse order (each with its
    decorators, and the comments and blank lines before it)."""
    lines = source.splitlines(keepends=True)
    tree = ast.parse(source)
    blocks, start = [], 0
    for node in tree.body:
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])]) - 1
        if first > start:
            blocks.append(("other", "".join(lines[start:first])))
        assert node.end_lineno is not None
        kind = "definition" if isinstance(node, (ast.FunctionDef, ast.ClassDef)) else "other"
        blocks.append((kind, "".join(lines[first : node.end_lineno])))
        start = node.end_lineno
    blocks.append(("other", "".join(lines[start:])))
    definitions = [text for kind, text in blocks if kind == "definition"][::-1]
    texts = [definitions.pop(0) if kind == "definition" else text for kind, text in blocks]
    return "".join(text if text.endswith("\n") else text + "\n" for text in texts if text)


def disguise(source: str, stub: str, seed: int = 0) -> str:
    """``source`` as a copier would hide it: top-level functions and classes in reverse order,
    every name it binds renamed (parameters, variables, helpers; not the imports, nor the
    functions the stub asks for), its comments replaced by others, comment and blank lines
    added, and the spacing inside lines rewritten (``tokenize.untokenize``)."""
    tree = ast.parse(source)
    required = {node.name for node in ast.parse(stub).body if isinstance(node, (ast.FunctionDef, ast.ClassDef))}
    renamed = _bound_names(tree, required | set(dir(builtins)))
    names = {name: f"my_{number}_{name[::-1]}" for number, name in enumerate(sorted(renamed))}
    rng = random.Random(seed)
    tokens = []
    for token in tokenize.generate_tokens(io.StringIO(_reorder_definitions(source)).readline):
        kind, text = token.type, token.string
        if kind == tokenize.NAME:
            text = names.get(text, text)
        elif kind == tokenize.COMMENT:
            text = f"# note {rng.randint(1, 99)}"
        tokens.append((kind, text))
        if kind == tokenize.NEWLINE and rng.random() < 0.3:
            tokens += [(tokenize.COMMENT, f"# my own working, step {rng.randint(1, 99)}"), (tokenize.NL, "\n")]
        if kind == tokenize.NEWLINE and rng.random() < 0.2:
            tokens.append((tokenize.NL, "\n"))
    disguised = tokenize.untokenize(tokens)
    compile(disguised, "disguised.py", "exec")
    return disguised


def _honest_scores(exercise: str) -> list[tuple[float, str, str]]:
    students = [_student(variant, {exercise: source}) for variant, source in VARIANTS[exercise].items()]
    return [(pair.score, pair.first, pair.second) for pair in similar_pairs(_class(students), threshold=0.0)]


@pytest.mark.parametrize("exercise", EXERCISES)
def test_honest_variants_of_the_same_exercise_are_not_flagged(exercise: str) -> None:
    students = [_student(variant, {exercise: source}) for variant, source in VARIANTS[exercise].items()]
    assert len(students) >= 3
    assert similar_pairs(_class(students)) == []


def test_honest_variants_score_well_below_the_threshold() -> None:
    highest = max(score for exercise in EXERCISES for score, _, _ in _honest_scores(exercise))
    assert highest <= DEFAULT_THRESHOLD - MARGIN


@pytest.mark.parametrize(
    ("exercise", "variant"), [(exercise, variant) for exercise in EXERCISES for variant in VARIANTS[exercise]]
)
def test_disguised_copy_of_each_variant_is_flagged_well_above_the_threshold(exercise: str, variant: str) -> None:
    original = VARIANTS[exercise][variant]
    copy = disguise(original, STUBS[exercise])
    assert copy != original
    pairs = similar_pairs(_class([_student("original", {exercise: original}), _student("copier", {exercise: copy})]))
    assert [(pair.exercise, pair.first, pair.second) for pair in pairs] == [(exercise, "copier", "original")]
    assert pairs[0].score >= DEFAULT_THRESHOLD + MARGIN


def test_copy_is_flagged_among_the_honest_variants_and_only_it() -> None:
    students = [_student(variant, {"mel": source}) for variant, source in VARIANTS["mel"].items()]
    students.append(_student("zz_copier", {"mel": disguise(VARIANTS["mel"]["by_hand"], STUBS["mel"], seed=3)}))
    pairs = similar_pairs(_class(students))
    assert [(pair.first, pair.second) for pair in pairs] == [("by_hand", "zz_copier")]


def test_stub_only_submissions_are_not_flagged() -> None:
    students = [_student(f"s{i}", dict(STUBS)) for i in range(3)]
    assert similar_pairs(_class(students), threshold=0.0) == []


def test_stub_with_one_line_of_own_code_is_not_flagged() -> None:
    # Both wrote the same obvious one-liner into the stub: too little to tell a copy from chance.
    line = "    raise NotImplementedError\n"
    body = "    return torch.exp(x) / torch.exp(x).sum(dim, keepdim=True)\n"
    stub = STUBS["softmax"]
    students = [
        _student("a", {"softmax": stub.replace(line, body)}),
        _student("b", {"softmax": stub.replace(line, body)}),
    ]
    assert similar_pairs(_class(students), threshold=0.0) == []


def test_code_from_the_stub_does_not_count_towards_the_score() -> None:
    # Two honest softmaxes, each handed in inside the full stub (its long docstring and signature).
    line = "    raise NotImplementedError\n"
    stub = STUBS["softmax"]
    first = stub.replace(line, "    shifted = x - x.max(dim=dim, keepdim=True).values\n" + line.replace("raise", "#"))
    first = first.replace(
        line.replace("raise", "#"), "    return shifted.exp() / shifted.exp().sum(dim, keepdim=True)\n"
    )
    second = stub.replace(line, VARIANTS["softmax"]["logsumexp"].split("):\n", 1)[1])
    students = [_student("a", {"softmax": first}), _student("b", {"softmax": second})]
    assert all(pair.score < DEFAULT_THRESHOLD for pair in similar_pairs(_class(students), threshold=0.0))


def test_students_without_a_submission_or_with_empty_sources_are_skipped() -> None:
    source = VARIANTS["split"]["argsort"]
    students = [
        _student("a", {"split": source}),
        _student("b", {"split": source}, submitted=False),
        _student("c", {"split": "   \n"}),
        _student("d", {}),
    ]
    assert similar_pairs(_class(students)) == []


def test_spans_point_at_the_copied_code() -> None:
    stub = STUBS["db"]
    copied = VARIANTS["db"]["ln_ratio_float64"].split("import torch\n", 1)[1]
    own = (
        '\n\ndef describe(levels, unit="dB"):\n    """Not copied."""\n'
        '    return {k: f"{v:.2f} {unit}" for k, v in levels.items()}\n'
    )
    first = stub.split("\n\ndef ", 1)[0] + own + copied
    second = disguise(VARIANTS["db"]["ln_ratio_float64"], stub, seed=5)
    [pair] = similar_pairs(_class([_student("a", {"db": first}), _student("b", {"db": second})]))
    assert pair.first == "a"
    assert pair.first_spans == tuple(sorted(pair.first_spans))
    assert all(end1 < start2 for (_, end1), (start2, _) in itertools.pairwise(pair.first_spans))
    highlighted = "".join(first[start:end] for start, end in pair.first_spans)
    # The copied function is highlighted from its signature to its last line, and nothing of
    # the student's own function is.
    function_start = first.index("def amplitude_to_db")
    assert any(start <= function_start + 20 for start, _ in pair.first_spans)
    assert max(end for _, end in pair.first_spans) == len(first.rstrip())
    assert all(start >= first.index(own) + len(own) - 1 for start, _ in pair.first_spans)
    assert "torch.stack(floored)" in highlighted
    assert "describe" not in highlighted
    # In the copy too: from its signature to the end of its last line (not the comment after it).
    assert pair.second_spans[0][0] <= second.index("def amplitude_to_db") + 20
    assert second[: pair.second_spans[-1][1]].endswith(".dtype )")


def test_pairs_are_sorted_by_score_then_exercise_then_students() -> None:
    sine, split = VARIANTS["sine"]["phase_increment"], VARIANTS["split"]["argsort"]
    # A copy with its last line written another way: flagged, but below a whole copy.
    edited = split.replace("return x_train, x_test, y_train, y_test", "return (x_train, x_test) + (y_train, y_test)")
    students = [
        _student("b", {"split": split, "sine": sine}),
        _student("a", {"split": disguise(edited, STUBS["split"]), "sine": sine}),
        _student("c", {"sine": sine}),
    ]
    pairs = similar_pairs(_class(students))
    keys = [(pair.exercise, pair.first, pair.second) for pair in pairs]
    assert keys == [("sine", "a", "b"), ("sine", "a", "c"), ("sine", "b", "c"), ("split", "a", "b")]
    assert [pair.score for pair in pairs] == sorted((pair.score for pair in pairs), reverse=True)
    assert pairs[0].score == 1.0 and DEFAULT_THRESHOLD <= pairs[-1].score < 1.0


def test_scores_do_not_depend_on_the_process_hash_seed() -> None:
    # Python's str hash is salted per process; a class must score the same on every run.
    code = (
        "from tests.test_batch_similarity import VARIANTS, STUBS, _class, _student, disguise\n"
        "from grader.batch.similarity import similar_pairs\n"
        "v = VARIANTS['training']\n"
        "students = [_student(n, {'training': s}) for n, s in v.items()]\n"
        "students.append(_student('copy', {'training': disguise(v['lesson_loop'], STUBS['training'])}))\n"
        "print([(p.first, p.second, p.score, p.first_spans) for p in similar_pairs(_class(students), threshold=0.0)])\n"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code],
            cwd=REPO,
            env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin"},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    }
    assert len(outputs) == 1 and "copy" in outputs.pop()
