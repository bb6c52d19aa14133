"""Reports without noise, notebooks as students hand them in, and `grade watch` (issue 12).

What a student sees is tested through the real command in a subprocess (``run_grade``);
the rest grades in-process with the shared warm parent.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from conftest import REPO, run_grade

from grader.compare import expect_close
from grader.exercise import CheckFailure

CORRECT = "import torch\n\ndef softmax(x, dim=-1):\n    e = torch.exp(x - x.amax(dim, keepdim=True))\n    return e / e.sum(dim, keepdim=True)\n"
FORBIDDEN = "import torch\n\ndef softmax(x, dim=-1):\n    return torch.softmax(x, dim)\n"


def flat(text: str) -> str:
    return " ".join(text.split())


# --------------------------------------------------------------------------- reports without noise


def test_forbidden_call_is_told_in_full_once_per_exercise(tmp_path):
    (tmp_path / "03_softmax.py").write_text(FORBIDDEN)
    run = run_grade("03_softmax.py", cwd=tmp_path)
    assert run.returncode == 1
    text = flat(run.stdout)
    assert text.count("calls torch.softmax, which is not allowed in softmax") == 1
    assert text.count("Hint: Write it yourself") == 1
    failed = run.stdout.count("FAIL")
    assert failed > 1
    assert text.count("Failed for the same reason: softmax calls torch.softmax (see above).") == failed - 1


def test_a_stub_is_told_not_implemented_once(tmp_path):
    run = run_grade(str(REPO / "exercises" / "03_softmax.py"), cwd=tmp_path)
    assert run.returncode == 1
    text = flat(run.stdout)
    failed = run.stdout.count("FAIL")
    assert failed > 1
    assert text.count("softmax is not implemented yet: replace `raise NotImplementedError` with your code.") == 1
    assert text.count("Failed for the same reason (not implemented yet).") == failed - 1


def test_not_implemented_is_told_in_full_by_the_first_check_of_each_function(grade_source):
    stub = (REPO / "exercises" / "01_sine.py").read_text()
    result = grade_source(stub, filename="01_sine.py")
    (exercise,) = result.exercises
    messages = [c.message for c in exercise.checks]
    told = [m for m in messages if "is not implemented yet: replace `raise NotImplementedError`" in m]
    # Each function is told in full once; every other check says it in a line.
    assert sorted(m.split()[0] for m in told) == ["make_sine_wave", "make_white_noise"]
    rest = [m for m in messages if m not in told]
    assert rest and set(rest) == {"Failed for the same reason (not implemented yet)."}


def test_forbidden_call_json_keeps_every_failed_check_with_the_hint_on_the_first(grade_source):
    result = grade_source(FORBIDDEN, filename="03_softmax.py")
    (exercise,) = result.exercises
    failed = [c for c in exercise.checks if not c.passed]
    assert [c.hint is not None for c in failed] == [True] + [False] * (len(failed) - 1)
    assert all(c.score == 0 for c in failed)


def test_exercise_header_does_not_repeat_a_title_equal_to_its_id(tmp_path):
    (tmp_path / "03_softmax.py").write_text(CORRECT)
    run = run_grade("03_softmax.py", cwd=tmp_path)
    assert "softmax: softmax" not in run.stdout
    assert run.stdout.splitlines()[1].split() == ["softmax", "10/10"]


def test_exercise_header_keeps_a_title_that_says_more(tmp_path):
    (tmp_path / "04_nll.py").write_text(
        "import torch\n\ndef nll_loss(probs, target):\n    return -torch.log(probs[torch.arange(len(probs)), target]).mean()\n"
    )
    run = run_grade("04_nll.py", cwd=tmp_path)
    assert "nll: negative log-likelihood" in run.stdout


@pytest.mark.parametrize("written", ["soft_max", "Softmax", "sotfmax"], ids=["underscore", "wrong-case", "typo"])
def test_near_miss_name_is_answered_with_did_you_mean(tmp_path, written):
    (tmp_path / "homework.py").write_text(CORRECT.replace("def softmax", f"def {written}"))
    run = run_grade("homework.py", cwd=tmp_path)
    assert run.returncode == 2
    (line,) = run.stderr.splitlines()
    assert line.startswith("Error: homework.py: no exercise functions found (expected one of: ")
    assert line.endswith(f"Did you mean `softmax` (not `{written}`)?")


def test_near_miss_beside_a_graded_function_is_a_warning(grade_source):
    nll = "\ndef nll_los(probs, target):\n    return probs\n"
    result = grade_source(CORRECT + nll, filename="homework.py")
    assert [e.name for e in result.exercises] == ["softmax"]
    assert any("defines `nll_los`: did you mean `nll_loss`?" in w for w in result.warnings)


def test_folder_grades_only_the_exercises_the_student_started(tmp_path):
    folder = tmp_path / "exercises"
    shutil.copytree(REPO / "exercises", folder)
    (folder / "03_softmax.py").write_text(CORRECT)
    run = run_grade("exercises", "--format", "json", cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    (submission,) = json.loads(run.stdout)["submissions"]
    assert [e["name"] for e in submission["exercises"]] == ["softmax"]
    assert (submission["score"], submission["max_score"]) == (10, 10)


def test_folder_of_untouched_stubs_says_so_in_one_line_and_exits_2(tmp_path):
    shutil.copytree(REPO / "exercises", tmp_path / "exercises")
    run = run_grade("exercises", cwd=tmp_path)
    assert run.returncode == 2
    assert run.stdout == ""
    (line,) = run.stderr.splitlines()
    assert "no exercise started yet" in line
    assert "`grade exercises/01_sine.py` grades that stub as it is" in line


def test_untouched_stub_given_as_a_file_is_still_graded(tmp_path):
    run = run_grade(str(REPO / "exercises" / "03_softmax.py"), cwd=tmp_path)
    assert run.returncode == 1
    assert "is not implemented yet" in run.stdout


def test_folder_report_says_which_file_each_exercise_came_from(tmp_path):
    folder = tmp_path / "work"
    folder.mkdir()
    (folder / "03_softmax.py").write_text(CORRECT)
    (folder / "scratch.py").write_text(CORRECT)
    run = run_grade("work", cwd=tmp_path)
    lines = run.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.split()[:1] == ["softmax"])
    assert lines[header + 1].strip() == "from 03_softmax.py"
    assert "the one in work/03_softmax.py is graded" in flat(run.stdout)


def test_single_file_report_names_no_file_under_the_exercise(tmp_path):
    (tmp_path / "03_softmax.py").write_text(CORRECT)
    run = run_grade("03_softmax.py", cwd=tmp_path)
    assert "from 03_softmax.py" not in run.stdout


def test_scalar_result_is_described_as_a_scalar():
    with pytest.raises(CheckFailure) as caught:
        expect_close(torch.tensor(0.5), torch.tensor(0.25), what="nll_loss(p, t)", rtol=0, atol=1e-6)
    assert caught.value.message.startswith("nll_loss(p, t) is off: got 0.5, expected 0.25 (")
    assert "index" not in caught.value.message and "element" not in caught.value.message


def test_json_report_carries_the_warnings(tmp_path):
    (tmp_path / "homework.py").write_text(CORRECT + "\ndef nll_los(probs, target):\n    return probs\n")
    run = run_grade("homework.py", "--format", "json", cwd=tmp_path)
    (submission,) = json.loads(run.stdout)["submissions"]
    assert any("did you mean `nll_loss`" in warning for warning in submission["warnings"])


# --------------------------------------------------------------------------- check() in a notebook or script

CHECK_SCRIPT = """\
import torch
from grader import check

def softmax(x, dim=-1):
    raise NotImplementedError

report = check(softmax)
print("HTML:" + report._repr_html_())
"""


@pytest.fixture(scope="module")
def check_script_output(tmp_path_factory) -> str:
    directory = tmp_path_factory.mktemp("script")
    (directory / "mine.py").write_text(CHECK_SCRIPT)
    run = subprocess.run(
        [sys.executable, "mine.py"],
        cwd=directory,
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(REPO)),
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    return run.stdout


def test_check_in_a_script_prints_its_report_without_being_printed(check_script_output):
    text = check_script_output.split("HTML:")[0]
    assert text.lstrip().startswith("softmax")
    assert "Final grading adds" in text


def test_check_says_not_implemented_yet_as_grade_does(check_script_output):
    text = flat(check_script_output.split("HTML:")[0])
    assert "softmax is not implemented yet: replace `raise NotImplementedError` with your code." in text
    assert "raised NotImplementedError" not in text


def test_check_html_left_aligns_every_cell(check_script_output):
    html = check_script_output.split("HTML:")[1]
    cells = html.count("<td ") + html.count("<th ")
    assert cells > 0
    assert html.count("text-align:left") == cells


# --------------------------------------------------------------------------- notebooks as students hand them in

SOFTMAX_CELL = CORRECT


def _code(source: str, cell_id: str | None = None, metadata: dict | None = None) -> dict:
    cell = {"cell_type": "code", "metadata": metadata or {}, "source": source, "outputs": [], "execution_count": None}
    if cell_id is not None:
        cell["id"] = cell_id
    return cell


def _write(path: Path, cells: list, minor: int, metadata: dict | None = None) -> None:
    notebook = {"nbformat": 4, "nbformat_minor": minor, "metadata": metadata or {}, "cells": cells}
    path.write_text(json.dumps(notebook), encoding="utf-8")


def _graded_with_warning(tmp_path: Path, words: str) -> None:
    run = run_grade("homework.ipynb", "--format", "json", cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    (submission,) = json.loads(run.stdout)["submissions"]
    assert submission["score"] == 10
    (warning,) = [w for w in submission["warnings"] if "the notebook was repaired" in w]
    assert words in warning
    assert run.stderr == ""


def test_notebook_4_0_with_cell_ids_is_read_as_4_5_with_a_warning(tmp_path):
    _write(tmp_path / "homework.ipynb", [_code("import torch", "a1"), _code(SOFTMAX_CELL, "b2")], minor=0)
    _graded_with_warning(tmp_path, "its format is 4.0 but its cells have ids")


def test_notebook_with_duplicate_cell_ids_is_repaired_with_a_warning(tmp_path):
    _write(tmp_path / "homework.ipynb", [_code("import torch", "same"), _code(SOFTMAX_CELL, "same")], minor=5)
    _graded_with_warning(tmp_path, "1 duplicate cell id was renumbered")


def test_notebook_with_the_metadata_colab_writes_is_repaired_with_a_warning(tmp_path):
    # Colab's kernelspec without display_name, and a cell's "collapsed" that is not a bool.
    _write(
        tmp_path / "homework.ipynb",
        [_code("import torch", metadata={"id": "x1", "collapsed": "false"}), _code(SOFTMAX_CELL)],
        minor=0,
        metadata={"colab": {"provenance": []}, "kernelspec": {"name": "python3"}},
    )
    _graded_with_warning(
        tmp_path, "metadata the notebook format does not allow was dropped (notebook: kernelspec, cell 1: collapsed)"
    )


def test_valid_notebook_gets_no_repair_warning(tmp_path):
    _write(tmp_path / "homework.ipynb", [_code("import torch", "a"), _code(SOFTMAX_CELL, "b")], minor=5)
    run = run_grade("homework.ipynb", "--format", "json", cwd=tmp_path)
    (submission,) = json.loads(run.stdout)["submissions"]
    assert not any("repaired" in w for w in submission["warnings"])


# --------------------------------------------------------------------------- grade watch


def _read_until(process: subprocess.Popen, needle: str, deadline: float) -> str:
    """What the process printed up to and including the first line holding ``needle``."""
    assert process.stdout is not None
    seen = ""
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        seen += line
        if needle in line:
            return seen
    raise AssertionError(f"{needle!r} never came; the output was:\n{seen}")


@pytest.fixture
def watching(tmp_path):
    """Start `grade watch ARGS` on 03_softmax.py; yields (process, path); always ends it."""
    started: list[subprocess.Popen] = []

    def start(*args: str) -> subprocess.Popen:
        environment = dict(os.environ, PYTHONPATH=str(REPO))
        process = subprocess.Popen(
            [sys.executable, "-m", "grader", "watch", "03_softmax.py", "--debounce", "100", *args],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=environment,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)


def test_watch_grades_again_after_a_save(tmp_path, watching):
    source = tmp_path / "03_softmax.py"
    source.write_text(FORBIDDEN)
    process = watching("--reports", "2")
    deadline = time.monotonic() + 120
    first = _read_until(process, "Watching 03_softmax.py", deadline)
    assert "Total" in first and "0/10" in first
    time.sleep(0.5)  # the watcher is set up before the first report; let the save be clearly later
    source.write_text(CORRECT)
    second = _read_until(process, "Watching 03_softmax.py", deadline)
    assert "10/10" in second and "FAIL" not in second
    assert process.wait(timeout=30) == 0


def test_watch_stops_cleanly_with_status_0_on_ctrl_c(tmp_path, watching):
    (tmp_path / "03_softmax.py").write_text(CORRECT)
    process = watching()
    _read_until(process, "Watching 03_softmax.py", time.monotonic() + 120)
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=30) == 0
    assert process.stderr is not None and "Traceback" not in process.stderr.read()
