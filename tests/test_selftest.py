"""`grade selftest`: the checks must tell right from wrong, and say so when they cannot."""

from __future__ import annotations

from dataclasses import replace

from conftest import lesson_policy, run_grade

from grader.exercise import Mistake
from grader.grading import Grader
from grader.selftest import run_selftest


def test_selftest_command_passes_and_prints_the_table(tmp_path):
    run = run_grade("selftest", "-e", "softmax", cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    lines = run.stdout.splitlines()
    assert lines[0].split()[:3] == ["exercise", "solution", "lost"]
    assert any(line.split()[:2] == ["softmax", "naive_overflow"] and "exp(x) overflows" in line for line in lines)
    assert lines[-1] == "Every expectation holds."


def test_selftest_flags_a_mistake_that_no_check_catches(zygote, exercises):
    correct = (
        "import torch\n\ndef softmax(x, dim=-1):\n    return torch.exp(x - torch.logsumexp(x, dim, keepdim=True))\n"
    )
    uncaught = Mistake(
        "not_a_mistake", "a correct softmax filed as wrong", correct, ("large_logits_stay_finite",), "overflow"
    )
    exercise = replace(exercises["softmax"], mistakes=(uncaught,))
    rows = list(run_selftest(Grader([exercise], zygote, policy=lesson_policy()), [exercise], [exercise]))
    assert [(row.solution, row.ok) for row in rows] == [("reference", True), ("not_a_mistake", False)]
    assert "lost no points" in rows[1].problem and "passed large_logits_stay_finite" in rows[1].problem


def test_selftest_flags_a_mistake_that_gets_the_wrong_hint(zygote, exercises):
    softmax = exercises["softmax"]
    overflow = next(m for m in softmax.mistakes if m.name == "naive_overflow")
    mislabelled = replace(overflow, hint="mean over the batch")
    exercise = replace(softmax, mistakes=(mislabelled,))
    rows = list(run_selftest(Grader([exercise], zygote, policy=lesson_policy()), [exercise], [exercise]))
    assert rows[1].ok is False
    assert "no hint says 'mean over the batch'" in rows[1].problem
