"""Attacks on the protocol: nothing a student process sends may hold the grader longer than allowed."""

from __future__ import annotations

import time

import nbformat
from conftest import lesson_policy

SLOW_SPLIT = """
import time, torch

def split_dataset(data, labels, train_ratio=0.8):
    time.sleep(0.6)
    permutation = torch.randperm(len(data))
    cut = int(len(data) * train_ratio)
    return data[permutation][:cut], data[permutation][cut:], labels[permutation][:cut], labels[permutation][cut:]
"""

# A notebook statement (an assignment, so it runs) that stops its own alarm, then tells the
# grader forever that it is still going: progress frames used to give it more time.
ENDLESS_PROGRESS = """\
_ = (lambda signal, os, struct, time, body: (signal.setitimer(signal.ITIMER_REAL, 0), [
    (os.write(fd, struct.pack("<Q", len(body) + 8) + struct.pack("<I", len(body)) + body + struct.pack("<I", 0)),
     time.sleep(0.1))
    for fd in [max(n for n in map(int, os.listdir("/proc/self/fd")) if os.path.exists(f"/proc/self/fd/{n}")
                   and os.readlink(f"/proc/self/fd/{n}").startswith("socket:"))]
    for _ in iter(int, 1)
]))(*map(__import__, ("signal", "os", "struct", "time")), b'{"progress": [0, 0]}')
"""


def _grader(zygote, exercises, ids, **options):
    from grader.grading import Grader

    return Grader([exercises[i] for i in ids], zygote, policy=lesson_policy(), **options)


def test_the_whole_submission_has_a_time_budget_that_calls_cannot_extend(tmp_path, zygote, exercises):
    from grader.submission import load_submission

    path = tmp_path / "07_split.py"
    path.write_text(SLOW_SPLIT)
    started = time.monotonic()
    result = _grader(zygote, exercises, ["split"], submission_seconds=2.0).grade(load_submission(str(path)))
    assert time.monotonic() - started < 15
    messages = [c.message for e in result.exercises for c in e.checks]
    assert any("used up the 2 s it may take in all" in m for m in messages), messages


def test_progress_frames_do_not_extend_a_notebook_load(tmp_path, zygote, exercises, monkeypatch):
    from grader import grading
    from grader.submission import load_submission

    monkeypatch.setattr(grading, "NOTEBOOK_LOAD_SECONDS", 3.0)
    notebook = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(ENDLESS_PROGRESS),
            nbformat.v4.new_code_cell("def softmax(x, dim=-1):\n    return x.exp() / x.exp().sum(dim, keepdim=True)\n"),
        ]
    )
    path = tmp_path / "homework.ipynb"
    nbformat.write(notebook, str(path))
    started = time.monotonic()
    result = _grader(zygote, exercises, ["softmax"]).grade(load_submission(str(path)))
    elapsed = time.monotonic() - started
    assert elapsed < 30, elapsed
    warnings = " ".join(result.warnings)
    assert "cell 1, line 1" in warnings and "was stopped" in warnings, (warnings, result.error)
    assert result.exercises and result.exercises[0].name == "softmax"  # the rest of the notebook was graded
