"""`grade batch` end to end: a class of good, wrong, hostile, endless, broken and missing
submissions, a run killed with SIGKILL and resumed, and a fixed check regraded alone."""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO, run_grade

SOLUTIONS = REPO / "tests" / "solutions"
MISTAKES = REPO / "grader" / "lesson" / "mistakes"
ENDLESS = "def softmax(x, dim):\n    while True:\n        pass\n"
BROKEN = "def softmax(x, dim:\n"
# Reads another student's submission and the stored results, and starts a shell.
HOSTILE = """\
import glob, os

def softmax(x, dim):
    seen = glob.glob("{folder}/*") + glob.glob("{out}/*/*")
    os.system("echo pwned > {folder}/pwned")
    raise RuntimeError("saw: " + repr(seen))
"""


def _class(tmp_path: Path) -> tuple[Path, Path]:
    folder = tmp_path / "class"
    folder.mkdir()
    shutil.copy(SOLUTIONS / "softmax_logsumexp.py", folder / "alice.py")
    (folder / "bob").mkdir()
    shutil.copy(SOLUTIONS / "softmax_builtin_max.py", folder / "bob" / "03_softmax.py")
    shutil.copy(MISTAKES / "softmax" / "naive_overflow.py", folder / "carol.py")
    (folder / "dave.py").write_text(ENDLESS)
    (folder / "erin.py").write_text(BROKEN)
    out = tmp_path / "grades"
    (folder / "mallory.py").write_text(HOSTILE.format(folder=folder, out=out))
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "id,name,email,section\n"
        "alice,Alice A,alice@example.edu,S1\n"
        "bob,Bob B,bob@example.edu,S1\n"
        "carol,Carol C,carol@example.edu,S2\n"
        "dave,Dave D,dave@example.edu,S2\n"
        "erin,Erin E,erin@example.edu,S1\n"
        "frank,Frank F,frank@example.edu,S2\n"
    )
    return folder, roster


def _batch(tmp_path: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return run_grade(
        "batch", "class", "--out", "grades", "-e", "softmax", "--timeout", "1", *args, cwd=tmp_path, timeout=timeout
    )


def _gradebook(tmp_path: Path) -> dict[str, dict[str, str]]:
    with open(tmp_path / "grades" / "gradebook.csv", newline="", encoding="utf-8") as rows:
        return {row["id"]: row for row in csv.DictReader(rows)}


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("batch")
    _class(tmp_path)
    done = _batch(tmp_path, "--roster", "roster.csv", "--workers", "2")
    return tmp_path, done


def test_a_class_is_graded_into_a_gradebook_row_per_student(graded_class):
    tmp_path, done = graded_class
    assert done.returncode == 0, done.stderr
    book = _gradebook(tmp_path)
    assert list(book) == ["alice", "bob", "carol", "dave", "erin", "frank", "mallory"]
    assert book["alice"]["softmax"] == "10" and book["bob"]["softmax"] == "10"
    assert 0 < float(book["carol"]["softmax"]) < 10
    assert book["alice"]["section"] == "S1"


def test_an_endless_submission_scores_zero_and_says_why(graded_class):
    tmp_path, _done = graded_class
    report = json.loads((tmp_path / "grades" / "report.json").read_text())
    dave = next(s for s in report["submissions"] if s["student"] == "dave")
    assert dave["score"] == 0
    assert "did not finish within 1 s" in dave["exercises"][0]["checks"][0]["message"]
    assert any("was stopped" in warning for warning in dave["warnings"])


def test_the_gradebook_says_a_time_limit_stopped_a_submission(graded_class):
    tmp_path, done = graded_class
    book = _gradebook(tmp_path)
    assert book["dave"]["status"] == "graded; a call was stopped by the time limit"
    assert book["alice"]["status"] == "graded"
    assert "(1 stopped by a time limit)" in done.stdout


def test_a_broken_file_is_that_students_error_only(graded_class):
    tmp_path, _done = graded_class
    book = _gradebook(tmp_path)
    assert book["erin"]["status"].startswith("error:") and "SyntaxError" in book["erin"]["status"]
    assert book["alice"]["status"] == "graded"


def test_a_student_without_a_submission_gets_zero_and_no_submission(graded_class):
    tmp_path, _done = graded_class
    frank = _gradebook(tmp_path)["frank"]
    assert (frank["total"], frank["status"], frank["entry"]) == ("0", "no submission", "")


def test_entries_not_in_the_roster_are_graded_and_listed(graded_class):
    tmp_path, done = graded_class
    assert "Not in the roster (graded, listed last): mallory.py." in done.stdout
    assert _gradebook(tmp_path)["mallory"]["name"] == ""


def test_a_hostile_submission_sees_no_other_submission_and_starts_nothing(graded_class):
    tmp_path, _done = graded_class
    report = json.loads((tmp_path / "grades" / "report.json").read_text())
    mallory = next(s for s in report["submissions"] if s["student"] == "mallory")
    messages = " ".join(c["message"] for e in mallory["exercises"] for c in e["checks"])
    assert "alice" not in messages and "results" not in messages
    assert not (tmp_path / "class" / "pwned").exists()


def test_every_export_and_the_report_are_written(graded_class):
    tmp_path, done = graded_class
    out = tmp_path / "grades"
    for name in ("gradebook.csv", "report.json", "junit.xml", "canvas.csv", "report.html"):
        assert (out / name).stat().st_size > 0, name
    assert len(list((out / "gradescope").glob("*/results.json"))) == 7
    assert "Written to" in done.stdout


def test_the_summary_counts_graded_errors_and_missing(graded_class):
    _tmp_path, done = graded_class
    assert "7 students: 5 graded (1 stopped by a time limit), 1 with errors, 1 no submission." in done.stdout
    assert "Slowest: dave" in done.stdout


def test_a_second_run_regrades_nothing(graded_class, tmp_path):
    source, _done = graded_class
    shutil.copytree(source, tmp_path, dirs_exist_ok=True)
    again = _batch(tmp_path, "--roster", "roster.csv")
    assert again.returncode == 0, again.stderr
    assert "Nothing to grade: all 6 results were kept from an earlier run." in again.stdout
    assert (tmp_path / "grades" / "gradebook.csv").read_bytes() == (source / "grades" / "gradebook.csv").read_bytes()


def test_a_changed_submission_is_regraded_and_the_others_kept(graded_class, tmp_path):
    source, _done = graded_class
    shutil.copytree(source, tmp_path, dirs_exist_ok=True)
    shutil.copy(SOLUTIONS / "softmax_logsumexp.py", tmp_path / "class" / "carol.py")
    again = _batch(tmp_path, "--roster", "roster.csv")
    assert "Graded 1 now" in again.stdout and "5 kept from an earlier run" in again.stdout
    assert _gradebook(tmp_path)["carol"]["softmax"] == "10"


def test_force_regrades_everything(graded_class, tmp_path):
    source, _done = graded_class
    shutil.copytree(source, tmp_path, dirs_exist_ok=True)
    again = _batch(tmp_path, "--roster", "roster.csv", "--force")
    assert "Graded 6 now" in again.stdout and "0 kept from an earlier run" in again.stdout


def test_a_run_killed_with_sigkill_resumes_without_regrading_finished_work(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    for index in range(8):
        shutil.copy(SOLUTIONS / "softmax_logsumexp.py", folder / f"s{index}.py")
    (folder / "s9.py").write_text(ENDLESS)  # keeps the run busy for a while
    command = [
        sys.executable,
        "-m",
        "grader",
        "batch",
        "class",
        "--out",
        "grades",
        "-e",
        "softmax",
        "--timeout",
        "1",
        "-j",
        "1",
    ]
    env = dict(os.environ, PYTHONPATH=str(REPO))
    run = subprocess.Popen(command, cwd=tmp_path, env=env, start_new_session=True, stdout=subprocess.PIPE)
    results = tmp_path / "grades" / "results"
    deadline = time.monotonic() + 120
    while len(list(results.glob("*.json"))) < 3 and time.monotonic() < deadline and run.poll() is None:
        time.sleep(0.05)
    os.killpg(run.pid, signal.SIGKILL)
    run.wait()
    finished = {path.name: path.read_bytes() for path in results.glob("*.json")}
    assert len(finished) >= 3
    for text in finished.values():
        json.loads(text)  # whole, never half-written

    again = _batch(tmp_path)
    assert again.returncode == 0, again.stderr
    assert f"{len(finished)} kept from an earlier run" in again.stdout
    for name, text in finished.items():
        assert (results / name).read_bytes() == text
    assert not list(results.glob(".*.tmp"))
    book = _gradebook(tmp_path)
    assert len(book) == 9 and all(book[f"s{i}"]["softmax"] == "10" for i in range(8))


TWO_PACK = """\
import two_first, two_second, two_reference
from grader.authoring import Exercise, Pack, hookimpl

PACK = Pack(
    name="two",
    exercises=[
        Exercise(id="first", title="first", filename="91_first.py", functions=(two_first.first,),
                 reference=two_reference),
        Exercise(id="second", title="second", filename="92_second.py", functions=(two_second.second,),
                 reference=two_reference),
    ],
)


@hookimpl
def soundlab_pack():
    return PACK
"""
# Each exercise's spec and check in a module of its own, as the lesson's are.
EXERCISE = """\
from grader.authoring import CheckFailure, check, exercise_function


@exercise_function
def NAME(x: float):
    \"\"\"Return x OPERATION.\"\"\"


@check(NAME, points=10, public=True)
def computes_NAME(student, reference):
    \"\"\"NAME(1.5) is right.\"\"\"
    if student.NAME(1.5) != reference.NAME(1.5):
        raise CheckFailure("NAME(1.5) is wrong: MESSAGE_VERSION")
"""
TWO_REFERENCE = """\
from grader.authoring import hookimpl


@hookimpl
def first(x):
    return x + 1


@hookimpl
def second(x):
    return x * 2
"""


def _exercise_module(name: str, operation: str, version: str) -> str:
    return EXERCISE.replace("NAME", name).replace("OPERATION", operation).replace("MESSAGE_VERSION", version)


def test_a_fixed_check_regrades_only_its_exercise_for_every_student(tmp_path):
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "two_pack.py").write_text(TWO_PACK)
    (pack / "two_first.py").write_text(_exercise_module("first", "+ 1", "v1"))
    (pack / "two_second.py").write_text(_exercise_module("second", "* 2", "v1"))
    (pack / "two_reference.py").write_text(TWO_REFERENCE)
    folder = tmp_path / "class"
    folder.mkdir()
    for name in ("ann", "ben", "cat"):
        (folder / f"{name}.py").write_text("def first(x):\n    return x + 1\n\ndef second(x):\n    return x * 3\n")
    args = ("batch", "class", "--out", "grades", "-p", str(pack / "two_pack.py"), "-e", "first", "-e", "second")
    assert run_grade(*args, cwd=tmp_path).returncode == 0

    def stored() -> dict[str, dict[str, list]]:
        records = [json.loads(p.read_text()) for p in (tmp_path / "grades" / "results").glob("*.json")]
        return {r["entry"]: {e["name"]: e["checks"] for e in r["exercises"]} for r in records}

    before = stored()
    assert all("v1" in checks["second"][0]["message"] for checks in before.values())
    (pack / "two_second.py").write_text(_exercise_module("second", "* 2", "v2"))
    again = run_grade(*args, cwd=tmp_path)
    assert "Graded 3 now (3 of them only for changed checks)" in again.stdout, again.stdout + again.stderr
    after = stored()
    for entry, checks in after.items():
        assert checks["first"] == before[entry]["first"]  # not regraded: the very same record, timing included
        assert "v2" in checks["second"][0]["message"]


def test_the_class_report_flags_a_disguised_copy_and_no_honest_pair(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    honest = sorted(SOLUTIONS.glob("split_*.py"))
    for student, solution in zip(("alice", "bob", "carol"), honest):
        shutil.copy(solution, folder / f"{student}.py")
    # Renamed variables, another comment, other blank lines: still alice's code.
    original = honest[0].read_text()
    disguised = original.replace("permutation", "order").replace("n_train", "cut").replace("\n\n", "\n\n\n")
    (folder / "dan.py").write_text("# my own work\n" + disguised)
    done = run_grade("batch", "class", "--out", "grades", "-e", "split", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    with open(tmp_path / "grades" / "similar.csv", newline="", encoding="utf-8") as rows:
        pairs = [(row["exercise"], row["first"], row["second"]) for row in csv.DictReader(rows)]
    assert pairs == [("split", "alice", "dan")]
    page = (tmp_path / "grades" / "report.html").read_text()
    assert "<mark>" in page
