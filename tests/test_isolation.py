"""Hostile and broken submissions: they score nothing they did not earn, and grading goes on."""

from __future__ import annotations

import time

from conftest import checks_of, lesson_policy

CORRECT_SOFTMAX = """
import torch

def softmax(x, dim=-1):
    e = torch.exp(x - x.amax(dim=dim, keepdim=True))
    return e / e.sum(dim=dim, keepdim=True)
"""


def test_sys_exit_on_import_scores_zero_and_says_why(grade_source):
    result = grade_source(CORRECT_SOFTMAX + "\nimport sys\nsys.exit(0)\n", "03_softmax.py", only=["softmax"])
    assert result.score == 0
    assert result.exercises[0].max_score == 10
    message = checks_of(result)["matches_on_a_batch_with_default_dim"].message
    assert "sys.exit(0)" in message and "line 9" in message


def test_os_exit_inside_a_call_fails_that_function_and_grading_finishes(grade_source):
    source = "import os\n\ndef softmax(x, dim=-1):\n    os._exit(0)\n"
    result = grade_source(source, "03_softmax.py", only=["softmax"])
    assert result.score == 0
    first, *rest = result.exercises[0].checks
    assert "ended the process" in first.message
    assert all("was not run" in check.message for check in rest)


def test_endless_loop_is_stopped_by_the_time_limit(grade_source):
    source = "def softmax(x, dim=-1):\n    while True:\n        pass\n"
    started = time.monotonic()
    result = grade_source(source, "03_softmax.py", only=["softmax"], timeout=0.5)
    assert time.monotonic() - started < 5
    assert result.score == 0
    assert "did not finish within 0.5 s" in result.exercises[0].checks[0].message


def test_endless_loop_at_import_is_stopped_and_reported(grade_source):
    result = grade_source(
        "while True:\n    pass\n\ndef softmax(x, dim=-1):\n    return x\n", "03_softmax.py", timeout=0.5
    )
    assert result.score == 0
    assert [e.name for e in result.exercises] == ["softmax"]
    assert "did not finish" in result.error


def test_monkeypatching_torch_comparisons_changes_nothing(grade_source):
    source = """
import torch
torch.allclose = lambda *a, **k: True
torch.equal = lambda *a, **k: True
torch.Tensor.__eq__ = lambda self, other: torch.ones((), dtype=torch.bool)

def softmax(x, dim=-1):
    return torch.zeros_like(x)
"""
    result = grade_source(source, "03_softmax.py", only=["softmax"])
    assert result.score == 0


def test_printing_a_fake_report_changes_nothing(grade_source):
    source = """
import sys
print('softmax  10/10\\nTotal: 10/10')
sys.stderr.write('{"score": 10, "max_score": 10}')

def softmax(x, dim=-1):
    print('[pass] everything (10/10)')
    return x
"""
    result = grade_source(source, "03_softmax.py", only=["softmax"])
    assert result.score == 0


def test_object_that_equals_everything_is_not_a_tensor(grade_source):
    source = """
class Anything:
    def __eq__(self, other):
        return True
    def __float__(self):
        return 1.0

def softmax(x, dim=-1):
    return Anything()
"""
    result = grade_source(source, "03_softmax.py", only=["softmax"])
    assert result.score == 0
    assert "should be a torch.Tensor, but it is a" in result.exercises[0].checks[0].message
    assert "Anything" in result.exercises[0].checks[0].message


def test_tensor_subclass_is_read_as_a_plain_tensor(grade_source):
    source = (
        CORRECT_SOFTMAX.replace("def softmax", "def _softmax")
        + """
class Sneaky(torch.Tensor):
    def __eq__(self, other):
        return True

def softmax(x, dim=-1):
    return _softmax(x, dim).as_subclass(Sneaky) * 0
"""
    )
    result = grade_source(source, "03_softmax.py", only=["softmax"])
    assert result.score == 0


def test_submission_cannot_import_the_reference_solutions(grade_source):
    source = "from reference.softmax import softmax as _ref\n\ndef softmax(x, dim=-1):\n    return _ref(x, dim)\n"
    result = grade_source(source, "03_softmax.py", only=["softmax"])
    assert result.score == 0
    assert "not available to submissions" in result.error


def test_allocating_too_much_memory_fails_the_call_not_the_grader(grade_source, zygote, tmp_path, exercises):
    from grader.grading import Grader
    from grader.submission import load_submission

    path = tmp_path / "03_softmax.py"
    path.write_text("def softmax(x, dim=-1):\n    hog = bytearray(2 * 1024**3)\n    return x\n")
    grader = Grader([exercises["softmax"]], zygote, policy=lesson_policy(), memory_mb=256)
    result = grader.grade(load_submission(str(path)))
    assert result.score == 0
    assert "MemoryError" in result.exercises[0].checks[0].message


def test_exception_in_student_code_names_the_line(grade_source):
    source = "import torch\n\ndef softmax(x, dim=-1):\n    return x / undefined_name\n"
    result = grade_source(source, "03_softmax.py", only=["softmax"])
    message = result.exercises[0].checks[0].message
    assert "NameError" in message and "line 4" in message and "undefined_name" in message


def test_a_crash_in_one_exercise_does_not_stop_the_next(grade_source):
    source = (
        CORRECT_SOFTMAX.replace("def softmax", "def _softmax")
        + """
import os

def softmax(x, dim=-1):
    os._exit(3)

def nll_loss(probs, target):
    return -torch.log(probs[torch.arange(len(target)), target]).mean()
"""
    )
    result = grade_source(source, "submission.py", only=["softmax", "nll"])
    scores = {e.name: e.score for e in result.exercises}
    assert scores["softmax"] == 0
    assert scores["nll"] == 10


def test_killing_the_warm_parent_fails_that_submission_only(grade_source):
    killer = "import os, signal\n\ndef softmax(x, dim=-1):\n    os.kill(os.getppid(), signal.SIGKILL)\n    return x\n"
    assert grade_source(killer, "03_softmax.py", only=["softmax"]).score == 0
    assert grade_source(CORRECT_SOFTMAX, "03_softmax.py", only=["softmax"]).score == 10


def test_processes_a_submission_starts_are_stopped_with_it(grade_source, tmp_path):
    marker = tmp_path / "alive"
    source = f"""
import os, time

def softmax(x, dim=-1):
    if os.fork() == 0:
        time.sleep(1.5)
        open({str(marker)!r}, "w").write("still here")
        os._exit(0)
    while True:
        pass
"""
    grade_source(source, "03_softmax.py", only=["softmax"], timeout=0.3)
    time.sleep(2)
    assert not marker.exists()


def test_readable_by_everyone_needs_search_on_every_parent(tmp_path):
    from grader.sandbox.student_side import _readable_by_everyone

    shared = tmp_path / "shared"
    shared.mkdir()
    tmp_path.chmod(0o755)
    shared.chmod(0o755)
    assert _readable_by_everyone(str(shared)) is (all(p.stat().st_mode & 0o001 for p in [shared, *shared.parents]))
    shared.chmod(0o700)
    assert _readable_by_everyone(str(shared)) is False


def test_a_trickled_reply_still_ends_at_the_time_limit(grade_source):
    source = """
import os, socket, struct, time

def softmax(x, dim=-1):
    for fd in range(3, 64):
        try:
            s = socket.socket(fileno=os.dup(fd))
            if s.type == socket.SOCK_STREAM:
                s.sendall(struct.pack("<Q", 1000))
                for _ in range(100):
                    s.send(b"x")
                    time.sleep(0.1)
        except OSError:
            pass
    return x
"""
    started = time.monotonic()
    result = grade_source(source, "03_softmax.py", only=["softmax"], timeout=1.0)
    assert time.monotonic() - started < 8
    assert result.score == 0


def test_a_namedtuple_is_read_as_a_tuple(grade_source):
    source = """
import collections, torch

Split = collections.namedtuple("Split", "train_data test_data train_labels test_labels")

def split_dataset(data, labels, train_ratio=0.8):
    order = torch.randperm(len(data))
    cut = int(len(data) * train_ratio)
    return Split(data[order][:cut], data[order][cut:], labels[order][:cut], labels[order][cut:])
"""
    assert grade_source(source, "07_split.py", only=["split"]).score == 10


def test_a_missing_forward_is_not_called_unimplemented(grade_source):
    source = "import torch\n\nclass PitchClassifier(torch.nn.Module):\n    def __init__(self, n_mels=48, n_classes=12):\n        super().__init__()\n        self.layer = torch.nn.Linear(n_mels, n_classes)\n\n    def foward(self, x):\n        return self.layer(x)\n"
    result = grade_source(source, "08_training.py", only=["training"])
    message = result.exercises[0].checks[0].message
    assert "not implemented yet" not in message and "NotImplementedError" in message


def test_a_result_that_cannot_be_sent_back_is_reported_as_such(grade_source):
    source = "import torch\n\ndef softmax(x, dim=-1):\n    return torch.empty(x.shape, device='meta')\n"
    result = grade_source(source, "03_softmax.py", only=["softmax"])
    assert result.score == 0
    assert "returned a value that could not be sent back to the grader" in result.exercises[0].checks[0].message


def test_submission_cannot_import_the_checks_of_a_pack(grade_source):
    source = (
        "import torch\n"
        "def softmax(x, dim=-1):\n"
        "    import grader.lesson.softmax\n"
        "    return torch.exp(x - torch.logsumexp(x, dim, keepdim=True))\n"
    )
    result = grade_source(source, only=["softmax"])
    assert result.score == 0
    assert "grader.lesson.softmax is not available to submissions" in result.exercises[0].checks[0].message


def test_helpers_a_pack_gives_are_importable_and_not_graded_as_the_students(grade_source):
    source = (
        "from grader.lesson.given import make_sine_wave, make_white_noise\n\ndef softmax(x, dim=-1):\n    return x\n"
    )
    result = grade_source(source, filename="submission.py")
    assert [e.name for e in result.exercises] == ["softmax"]
