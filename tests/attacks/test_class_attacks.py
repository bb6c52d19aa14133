"""Attacks on grading a class: hostile entry names in the class folder, ids that collide, and
stored sources that trip the similarity check. Each must leave every student graded and listed
once, and every export and the class report written.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import sys
from pathlib import Path

import pytest
from conftest import REPO, run_grade
from rich.console import Console

from grader.batch.class_report import write_class_report
from grader.batch.entries import list_entries
from grader.batch.exports.gradescope import write_gradescope
from grader.batch.model import CheckInfo, ClassResult, ExerciseInfo, Student, StudentResult
from grader.batch.similarity import similar_pairs
from grader.results import CheckResult, ExerciseResult, SubmissionResult

SOFTMAX = REPO / "tests" / "solutions" / "softmax_builtin_max.py"
WRONG = "def softmax(x, dim=-1):\n    return x\n"
EXERCISE = ExerciseInfo("softmax", "Softmax", (CheckInfo("matches", "It matches.", 10.0, True),))


def _graded(student_id: str, score: float, entry: str | None = None, sources: dict | None = None) -> StudentResult:
    check = CheckResult(
        name="matches", description="It matches.", passed=score > 0, score=score, max_score=10.0, public=True
    )
    result = SubmissionResult(path=entry or student_id, exercises=[ExerciseResult("softmax", "Softmax", [check])])
    return StudentResult(Student(student_id), entry or f"{student_id}.py", result, 0.1, sources or {})


@pytest.mark.skipif(sys.platform == "darwin", reason="macOS file systems refuse names that are not UTF-8")
def test_an_entry_name_that_is_not_utf8_still_gets_a_class_report(tmp_path: Path) -> None:
    folder = tmp_path / "class"
    folder.mkdir()
    shutil.copy(SOFTMAX, folder / "alice.py")
    shutil.copy(SOFTMAX, os.fsencode(folder) + b"/bad\xff\xfe.py")
    run = run_grade("batch", "class", "--out", "grades", "-e", "softmax", "-j", "1", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    page = (tmp_path / "grades" / "report.html").read_text(encoding="utf-8")
    assert "bad\ufffd\ufffd" in page
    rows = list(csv.DictReader(io.StringIO((tmp_path / "grades" / "gradebook.csv").read_text(encoding="utf-8"))))
    assert {row["id"]: row["total"] for row in rows} == {"alice": "10", "bad\ufffd\ufffd": "10"}


def test_the_class_report_replaces_lone_surrogates(tmp_path: Path) -> None:
    result = ClassResult([EXERCISE], [_graded("bad\udcff", 10.0)])
    write_class_report(result, [], tmp_path / "report.html")
    assert "bad\ufffd" in (tmp_path / "report.html").read_text(encoding="utf-8")


def test_entries_whose_full_names_are_other_entries_ids_keep_distinct_ids(tmp_path: Path) -> None:
    # bob.py and bob.ipynb both give "bob", so they are named in full; bob.py.py gives "bob.py".
    for name in ("bob.py", "bob.ipynb", "bob.py.py", "bob.ipynb.py"):
        (tmp_path / name).write_text(WRONG)
    ids = {entry.name: entry.student_id for entry in list_entries(tmp_path)}
    assert ids == {name: name for name in ("bob.py", "bob.ipynb", "bob.py.py", "bob.ipynb.py")}


def test_entries_that_give_the_same_id_are_each_graded_and_listed(tmp_path: Path) -> None:
    folder = tmp_path / "class"
    folder.mkdir()
    shutil.copy(SOFTMAX, folder / "bob.py")
    (folder / "bob.py.py").write_text(WRONG)
    (folder / "bob").mkdir()
    shutil.copy(SOFTMAX, folder / "bob" / "03_softmax.py")
    run = run_grade("batch", "class", "--out", "grades", "-e", "softmax", "-j", "1", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    rows = list(csv.DictReader(io.StringIO((tmp_path / "grades" / "gradebook.csv").read_text(encoding="utf-8"))))
    assert sorted((row["entry"], row["total"]) for row in rows) == [("bob", "10"), ("bob.py", "10"), ("bob.py.py", "0")]


def test_an_id_named_like_another_ids_safe_folder_gets_its_own_gradescope_folder(tmp_path: Path) -> None:
    from grader.batch.exports._common import path_component

    victim = "alice b"
    impostor = path_component(victim)  # "alice_b-<hash>": a safe name, which an entry can be given
    result = ClassResult([EXERCISE], [_graded(victim, 10.0), _graded(impostor, 0.0)])
    paths = write_gradescope(result, tmp_path)
    assert len(set(paths)) == 2
    scores = sorted(json.loads(path.read_text())["score"] for path in paths)
    assert scores == [0, 10]


def test_ids_differing_only_in_case_get_two_gradescope_folders(tmp_path: Path) -> None:
    result = ClassResult([EXERCISE], [_graded("Alice", 10.0), _graded("alice", 0.0)])
    paths = write_gradescope(result, tmp_path)
    assert len({str(path.parent).lower() for path in paths}) == 2


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_an_entry_name_is_neither_markup_nor_escape_sequences_in_the_progress_bar(monkeypatch) -> None:
    import grader.batch.command as command

    screen = io.StringIO()
    monkeypatch.setattr(sys, "stderr", _Terminal())
    monkeypatch.setattr("rich.console.Console", lambda **kwargs: Console(file=screen, force_terminal=True))
    progress = command._progress(2)
    with progress as advance:
        advance("[link=https:\\\\evil]x\x1b]0;pwned\x07.py")
        progress.bar.refresh()
    shown = screen.getvalue()
    assert "\x1b]0;pwned" not in shown
    assert "\x1b]8;" not in shown  # no hyperlink
    assert "[link=" in shown


def test_a_stored_source_nested_too_deeply_to_parse_does_not_stop_the_similarity_check() -> None:
    deep = "def softmax(x, dim=-1):\n    return x" + ".a" * 100_000 + "\n"
    honest = SOFTMAX.read_text()
    students = [
        _graded("alice", 10.0, sources={"softmax": deep}),
        _graded("bob", 10.0, sources={"softmax": deep}),
        _graded("carol", 10.0, sources={"softmax": honest}),
    ]
    pairs = similar_pairs(ClassResult([EXERCISE], students))
    assert [(pair.first, pair.second) for pair in pairs] == [("alice", "bob")]
