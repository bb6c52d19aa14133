"""The `grade` command as users meet it: exit codes, the JSON schema, one-line errors."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import REPO, run_grade

from grader.cli import cli
from grader.plugins import load_exercises

CORRECT = "import torch\n\ndef softmax(x, dim=-1):\n    e = torch.exp(x - x.amax(dim, keepdim=True))\n    return e / e.sum(dim, keepdim=True)\n"


def total_line(stdout: str) -> str:
    """The submission's total, as "Total 7/10"."""
    (line,) = [line.split() for line in stdout.splitlines() if line.strip().startswith("Total")]
    return " ".join(line)


grade = run_grade


def test_readme_usage_block_lists_every_command_of_grade_help(tmp_path):
    run = grade("--help", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    listing = run.stdout.split("Commands:")[1].splitlines()
    commands = [line.split()[0] for line in listing if line.startswith("  ") and not line.startswith("   ")]
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme.split("## The `grade` command\n\n```\n")[1].split("```")[0]
    shown = {line.split()[1] for line in block.splitlines() if line.startswith("grade ")}
    assert len(commands) >= 11
    assert set(commands) <= shown, sorted(set(commands) - shown)


def test_correct_file_exits_0_with_full_marks(tmp_path):
    (tmp_path / "03_softmax.py").write_text(CORRECT)
    run = grade("03_softmax.py", cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert total_line(run.stdout) == "Total 10/10"
    assert run.stderr == ""


def test_untouched_stub_prints_zero_and_exits_1(tmp_path):
    run = grade(str(REPO / "exercises" / "03_softmax.py"), cwd=tmp_path)
    assert run.returncode == 1
    assert total_line(run.stdout) == "Total 0/10"
    assert "not implemented yet" in run.stdout


def test_json_report_has_exactly_the_documented_schema(tmp_path):
    (tmp_path / "03_softmax.py").write_text(CORRECT.replace("e / e.sum", "2 * e / e.sum"))
    run = grade("03_softmax.py", "--format", "json", cwd=tmp_path)
    assert run.returncode == 1
    report = json.loads(run.stdout)
    assert set(report) == {"score", "max_score", "submissions", "sandbox"}
    assert set(report["sandbox"]) == {"mode", "protections", "missing"}
    assert report["sandbox"]["mode"] in ("namespaces", "fallback")
    (submission,) = report["submissions"]
    assert set(submission) == {"path", "score", "max_score", "error", "exercises", "flags", "warnings"}
    (exercise,) = submission["exercises"]
    assert set(exercise) == {"name", "score", "max_score", "checks"}
    for check in exercise["checks"]:
        assert set(check) == {"name", "passed", "score", "max_score", "message", "hint"}
        assert isinstance(check["passed"], bool)
    assert exercise["name"] == "softmax"
    assert report["max_score"] == submission["max_score"] == exercise["max_score"] == 10
    assert report["score"] == sum(c["score"] for c in exercise["checks"]) < 10


def test_fake_report_printed_by_the_student_never_reaches_stdout(tmp_path):
    (tmp_path / "03_softmax.py").write_text(
        "print('Total: 10/10')\n\ndef softmax(x, dim=-1):\n    print('FAKE')\n    return x\n"
    )
    run = grade("03_softmax.py", cwd=tmp_path)
    assert run.returncode == 1
    assert "FAKE" not in run.stdout + run.stderr
    assert total_line(run.stdout) == "Total 0/10"


def test_several_submissions_and_one_json_document(tmp_path):
    (tmp_path / "a.py").write_text(CORRECT)
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "03_softmax.py").write_text(CORRECT.replace("e / e.sum", "e / 2 / e.sum"))
    run = grade("a.py", "b", "--format", "json", cwd=tmp_path)
    report = json.loads(run.stdout)
    assert [s["path"] for s in report["submissions"]] == ["a.py", "b"]
    assert [s["score"] for s in report["submissions"]][0] == 10
    assert report["submissions"][1]["score"] < 10
    assert run.returncode == 1


@pytest.mark.parametrize(
    ("setup", "argument", "expected"),
    [
        (lambda p: None, "missing.py", "missing.py: no such file or directory."),
        (
            lambda p: (p / "notes.txt").write_text("hi"),
            "notes.txt",
            "notes.txt: not a Python file (.py), a notebook (.ipynb) or a directory.",
        ),
        (lambda p: (p / "empty").mkdir(), "empty", "empty: the directory holds no .py files or notebooks."),
    ],
    ids=["missing", "not-python", "empty-directory"],
)
def test_bad_paths_exit_2_with_one_line(tmp_path, monkeypatch, setup, argument, expected):
    setup(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, [argument])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [f"Error: {expected}"]


def test_syntax_error_is_reported_with_file_and_line(tmp_path):
    (tmp_path / "03_softmax.py").write_text("import torch\n\ndef softmax(x, dim=-1)\n    return x\n")
    run = grade("03_softmax.py", cwd=tmp_path)
    assert run.returncode == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "03_softmax.py, line 3: SyntaxError" in lines[0]
    assert "Traceback" not in run.stderr


def test_undecodable_bytes_are_reported_with_file_and_line(tmp_path):
    (tmp_path / "03_softmax.py").write_bytes(b"# ok\n# \xff\xfe broken\ndef softmax(x, dim=-1):\n    return x\n")
    run = grade("03_softmax.py", "--format", "json", cwd=tmp_path)
    assert run.returncode == 2
    assert "03_softmax.py, line 2: the file is not valid UTF-8" in run.stderr
    assert json.loads(run.stdout)["submissions"][0]["error"].startswith("03_softmax.py, line 2")


def test_file_without_exercise_functions_exits_2_and_names_what_was_expected(tmp_path):
    (tmp_path / "03_softmax.py").write_text("def soft_max(x, dim=-1):\n    return x\n")
    run = grade("03_softmax.py", cwd=tmp_path)
    assert run.returncode == 2
    assert run.stderr.strip() == (
        "Error: 03_softmax.py: no exercise functions found (expected one of: softmax)."
        " Did you mean `softmax` (not `soft_max`)?"
    )
    assert run.stdout == ""


def test_unknown_exercise_option_exits_2(tmp_path):
    (tmp_path / "03_softmax.py").write_text(CORRECT)
    run = grade("03_softmax.py", "--exercise", "nope", cwd=tmp_path)
    assert run.returncode == 2
    assert run.stderr.startswith("Error: unknown exercise 'nope'")


def test_list_shows_every_exercise(monkeypatch):
    result = CliRunner().invoke(cli, ["list"])
    assert result.exit_code == 0
    for exercise_id in ("sine", "harmonics", "softmax", "nll", "mel", "db", "split", "training"):
        assert exercise_id in result.output


def test_text_report_fits_80_columns_and_folds_passes(tmp_path):
    (tmp_path / "03_softmax.py").write_text((REPO / "grader/lesson/mistakes/softmax/naive_overflow.py").read_text())
    run = grade("03_softmax.py", cwd=tmp_path)
    lines = run.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "\x1b[" not in run.stdout  # piped: no colour
    softmax = load_exercises()["softmax"]
    caught = next(m for m in softmax.mistakes if m.name == "naive_overflow").caught_by
    assert sum(line.lstrip().startswith("FAIL") for line in lines) == len(caught)
    assert any(line.lstrip().startswith(f"pass  {len(softmax.checks) - len(caught)} other checks") for line in lines)
    assert any(line.lstrip().startswith("Hint: exp(x) overflows") for line in lines)


def test_verbose_lists_every_check(tmp_path):
    (tmp_path / "03_softmax.py").write_text(CORRECT)
    run = grade("03_softmax.py", "-v", cwd=tmp_path)
    checks = len(load_exercises()["softmax"].checks)
    assert sum(line.lstrip().startswith("pass ") for line in run.stdout.splitlines()) == checks


def test_colour_only_on_a_terminal_and_never_with_no_color(tmp_path, monkeypatch):
    from grader.cli_common import colour as _colour

    monkeypatch.setenv("NO_COLOR", "1")
    assert _colour() is False
    monkeypatch.delenv("NO_COLOR")
    assert _colour() is None  # click then colours a terminal and strips styles from a pipe


def test_a_directory_grades_the_file_named_after_the_exercise_when_several_define_it(tmp_path):
    (tmp_path / "03_softmax.py").write_text(CORRECT)
    (tmp_path / "scratch.py").write_text("def softmax(x, dim=-1):\n    raise NotImplementedError\n")
    (tmp_path / "a_first.py").write_text("def softmax(x, dim=-1):\n    return x\n")
    run = grade(".", "--format", "json", cwd=tmp_path)
    assert json.loads(run.stdout)["score"] == 10


def test_exercises_asked_for_by_id_are_graded_even_when_missing(tmp_path):
    (tmp_path / "03_softmax.py").write_text(CORRECT)
    run = grade("03_softmax.py", "-e", "softmax", "-e", "nll", "--format", "json", cwd=tmp_path)
    report = json.loads(run.stdout)
    assert (report["score"], report["max_score"]) == (10, 20)
    assert run.returncode == 1


def test_one_unreadable_path_among_several_is_that_submissions_error(tmp_path):
    (tmp_path / "alice").mkdir()
    (tmp_path / "alice" / "03_softmax.py").write_text(CORRECT)
    (tmp_path / "carol").mkdir()
    (tmp_path / "carol" / "README.txt").write_text("hi")
    run = grade("alice", "carol", "--format", "json", cwd=tmp_path)
    report = json.loads(run.stdout)
    assert [s["path"] for s in report["submissions"]] == ["alice", "carol"]
    assert report["submissions"][1]["error"] == "carol: the directory holds no .py files or notebooks."
    assert report["submissions"][0]["score"] == 10
