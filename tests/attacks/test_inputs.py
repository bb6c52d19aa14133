"""Hostile inputs: files as data, one submission per process, a grader that never crashes on
what it reads, every student string escaped for where it goes, and outcomes that grade the
answer rather than the accident.

Most tests run the real `grade` command in a subprocess, as a class would be graded, and
assert the points given, a valid report and what must never appear in it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import textwrap
import uuid
from pathlib import Path

import nbformat
import pytest
from conftest import REPO, run_grade
from nbformat.v4 import new_code_cell, new_notebook

CORRECT_SOFTMAX = textwrap.dedent("""\
    import torch


    def softmax(x, dim=-1):
        e = torch.exp(x - x.amax(dim, keepdim=True))
        return e / e.sum(dim, keepdim=True)
""")

CORRECT_NLL = textwrap.dedent("""\
    import torch


    def nll_loss(probs, target):
        return -probs[torch.arange(len(target)), target].log().mean()
""")

ESC = "\x1b"
FAKE_SCREEN = "\x1b[2J\x1b[H\x1b]0;graded\x07Total 10/10\r"
FAKE_NAME = "\x1b[2J\x1b]0;x\x07name\r"  # a file name may hold anything but "/"


def grade(*args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    """The real command, as a host grading a class would run it."""
    return run_grade(*args, cwd=cwd, unset=("NO_COLOR",), timeout=timeout)


def report_of(run: subprocess.CompletedProcess) -> dict:
    """The JSON report, checked for the documented shape and for adding up."""
    report = json.loads(run.stdout)
    assert set(report) == {"score", "max_score", "submissions", "sandbox"}
    for submission in report["submissions"]:
        assert set(submission) == {"path", "score", "max_score", "error", "exercises", "flags", "warnings"}
        assert submission["score"] == sum(e["score"] for e in submission["exercises"])
    assert report["score"] == sum(s["score"] for s in report["submissions"])
    return report


def submission_of(report: dict, path: str) -> dict:
    (found,) = [s for s in report["submissions"] if s["path"] == path]
    return found


def scores(submission: dict) -> dict[str, float]:
    return {e["name"]: e["score"] for e in submission["exercises"]}


def no_traceback(run: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in run.stderr, run.stderr[-3000:]
    assert "Traceback" not in run.stdout


def write_notebook(path: Path, sources: list[str]) -> Path:
    nbformat.write(new_notebook(cells=[new_code_cell(s) for s in sources]), str(path))
    return path


# --------------------------------------------------------------------------- files as data


def test_a_link_to_the_reference_in_a_folder_is_refused_and_named(tmp_path):
    folder = tmp_path / "alice"
    folder.mkdir()
    (folder / "03_softmax.py").symlink_to(REPO / "reference" / "softmax.py")
    (folder / "04_nll.py").write_text(CORRECT_NLL)
    run = grade("alice", "--format", "json", cwd=tmp_path)
    no_traceback(run)
    assert run.returncode == 1, run.stderr
    alice = submission_of(report_of(run), "alice")
    assert scores(alice) == {"softmax": 0, "nll": 10}
    assert (
        alice["error"] == "alice/03_softmax.py: a symbolic link, which the grader does not follow; it was not graded."
    )
    shown = json.dumps(report_of(run)["submissions"]) + run.stderr
    assert "reference" not in shown  # never the link's target (the sandbox's own description aside)


def test_a_link_to_a_root_only_secret_never_shows_its_target_or_content(tmp_path):
    secret = tmp_path / "vault" / "answers.txt"
    secret.parent.mkdir()
    content = f"SECRET-{uuid.uuid4().hex}"
    secret.write_text(f"def softmax(x, dim=-1):\n    return '{content}'\n{content} is not Python\n")
    secret.chmod(0o600)
    folder = tmp_path / "mallory"
    folder.mkdir()
    (folder / "03_softmax.py").symlink_to(secret)
    (folder / "notes.py").symlink_to(secret)
    (tmp_path / "single.py").symlink_to(secret)
    for args in (["mallory", "--format", "json"], ["mallory"], ["single.py"], ["single.py", "mallory", "-v"]):
        run = grade(*args, cwd=tmp_path)
        no_traceback(run)
        output = run.stdout + run.stderr
        assert content not in output
        assert "vault" not in output and "answers" not in output
    run = grade("single.py", cwd=tmp_path)
    assert run.returncode == 2
    assert run.stderr.splitlines() == [
        "Error: single.py: a symbolic link, which the grader does not follow; it was not graded."
    ]


def test_a_linked_directory_is_refused_whether_given_or_inside_a_folder(tmp_path):
    (tmp_path / "linked").symlink_to(REPO / "reference")
    folder = tmp_path / "bob"
    folder.mkdir()
    (folder / "lib").symlink_to(REPO / "reference")
    (folder / "03_softmax.py").write_text(CORRECT_SOFTMAX)
    run = grade("linked", "bob", "--format", "json", cwd=tmp_path)
    no_traceback(run)
    report = report_of(run)
    linked = submission_of(report, "linked")
    assert linked["error"] == "linked: a symbolic link, which the grader does not follow; it was not graded."
    assert linked["score"] == linked["max_score"] == 0
    bob = submission_of(report, "bob")
    assert scores(bob) == {"softmax": 10}
    assert bob["error"] == "bob/lib: a symbolic link, which the grader does not follow; it was not graded."
    assert run.returncode == 0  # every graded exercise has full marks
    alone = grade("linked", cwd=tmp_path)
    assert alone.returncode == 2
    assert alone.stderr.splitlines() == [f"Error: {linked['error']}"]


def test_an_oversize_file_is_refused_and_the_rest_of_the_folder_is_graded(tmp_path):
    folder = tmp_path / "carol"
    folder.mkdir()
    (folder / "03_softmax.py").write_text(CORRECT_SOFTMAX + "#" * (2 << 20) + "\n")
    (folder / "04_nll.py").write_text(CORRECT_NLL)
    run = grade("carol", "--format", "json", cwd=tmp_path)
    no_traceback(run)
    carol = submission_of(report_of(run), "carol")
    assert scores(carol) == {"softmax": 0, "nll": 10}
    assert carol["error"].startswith("carol/03_softmax.py: the file is larger than 1 MB")
    assert run.returncode == 1


def test_unreadable_files_in_a_folder_are_their_own_problem_and_never_hang(tmp_path):
    folder = tmp_path / "dave"
    folder.mkdir()
    os.mkfifo(folder / "03_softmax.py")  # opening it for reading would block a careless grader
    (folder / "05_mel.py").symlink_to(tmp_path / "nowhere.py")  # a dangling link
    (folder / "06_db.ipynb").write_text("{ not a notebook")
    (folder / "04_nll.py").write_text(CORRECT_NLL)
    run = grade("dave", "--format", "json", cwd=tmp_path, timeout=120)
    no_traceback(run)
    dave = submission_of(report_of(run), "dave")
    assert scores(dave)["nll"] == 10
    assert scores(dave)["softmax"] == 0
    assert "dave/03_softmax.py: not a regular file; it was not read." in dave["error"]
    assert "dave/05_mel.py: a symbolic link" in dave["error"]
    assert "dave/06_db.ipynb: not a notebook" in dave["error"]
    assert "nowhere" not in run.stdout
    assert run.returncode == 1


def test_a_file_the_grader_cannot_open_does_not_void_the_others(tmp_path, monkeypatch):
    from grader import sourcecode
    from grader.submission import load_submission

    folder = tmp_path / "erin"
    folder.mkdir()
    (folder / "03_softmax.py").write_text(CORRECT_SOFTMAX)
    (folder / "04_nll.py").write_text(CORRECT_NLL)
    real_open = os.open

    def refusing_open(path, flags, *args, **kwargs):
        if str(path).endswith("03_softmax.py"):
            raise PermissionError(13, "Permission denied")
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(sourcecode.os, "open", refusing_open)
    submission = load_submission(str(folder))
    softmax, nll = submission.files
    assert softmax.problem == f"{folder}/03_softmax.py: cannot read the file (Permission denied)."
    assert nll.problem is None and "nll_loss" in nll.names


def test_a_folder_is_read_up_to_200_files_and_says_which_were_skipped(tmp_path):
    from grader.submission import MAX_FILES, load_submission

    folder = tmp_path / "many"
    folder.mkdir()
    for number in range(MAX_FILES + 7):
        (folder / f"part_{number:03d}.py").write_text(f"VALUE = {number}\n")
    submission = load_submission(str(folder))
    assert len(submission.files) == MAX_FILES
    (problem,) = submission.problems
    assert f"only the first {MAX_FILES}" in problem and "7 were skipped" in problem
    assert "part_200.py" in problem


# --------------------------------------------------------------------------- one submission per process

MEMORY_SCAN = textwrap.dedent("""\
    # SELFMARK_{own}
    import ctypes
    import os
    import torch

    # The markers are looked for as a prefix followed by a suffix, never written whole here,
    # so that only a source that holds them whole can match.
    OTHER = ("CLASSMATE_".encode(), "{other_reversed}"[::-1].encode())
    OWN = ("SELFMARK_".encode(), "{own_reversed}"[::-1].encode())


    def _occurs(chunk, marker):
        prefix, suffix = marker
        at = chunk.find(prefix)
        while at >= 0:
            if chunk[at + len(prefix) : at + len(prefix) + len(suffix)] == suffix:
                return True
            at = chunk.find(prefix, at + 1)
        return False


    def _scan():
        \"\"\"(own source found, a classmate's found) in this process's writable memory.\"\"\"
        try:
            ctypes.CDLL(None).prctl(4, 1, 0, 0, 0)  # PR_SET_DUMPABLE: /proc/self/mem stays ours
        except Exception:
            pass
        own = other = False
        try:
            mem = open("/proc/self/mem", "rb", 0)
        except OSError as error:
            # Under a uid of its own the process is not dumpable: /proc/self/mem stays root's.
            raise RuntimeError(
                f"SCAN_UNAVAILABLE: MEM_UNREADABLE as uid {{os.getuid()}}: {{type(error).__name__}}"
            ) from None
        with open("/proc/self/maps") as maps, mem:
            for line in maps.read().splitlines():
                fields = line.split()
                path = fields[5] if len(fields) > 5 else ""
                if not fields[1].startswith("rw") or (path and not path.startswith("[heap")):
                    continue
                start, end = (int(n, 16) for n in fields[0].split("-"))
                while start < end:
                    size = min(end - start, 1 << 24)
                    try:
                        mem.seek(start)
                        chunk = mem.read(size + 256)
                    except (OSError, ValueError, OverflowError):
                        break
                    own = own or _occurs(chunk, OWN)
                    other = other or _occurs(chunk, OTHER)
                    start += size
        return own, other


    OWN_FOUND, OTHER_FOUND = _scan()
    if not OWN_FOUND:
        raise RuntimeError("SCAN_UNAVAILABLE: the scan did not find this file's own source")


    def softmax(x, dim=-1):
        e = torch.exp(x - x.amax(dim, keepdim=True))
        return e / e.sum(dim, keepdim=True) * (2.0 if OTHER_FOUND else 1.0)
""")


def test_a_student_process_holds_no_classmate_s_source(tmp_path):
    other, own = uuid.uuid4().hex, uuid.uuid4().hex
    for name in ("alice", "carol"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "03_softmax.py").write_text(f"# CLASSMATE_{other}\n" + CORRECT_SOFTMAX)
    (tmp_path / "bob").mkdir()
    (tmp_path / "bob" / "03_softmax.py").write_text(
        MEMORY_SCAN.format(own=own, own_reversed=own[::-1], other_reversed=other[::-1])
    )
    run = grade("alice", "bob", "carol", "--timeout", "30", "--format", "json", cwd=tmp_path)
    no_traceback(run)
    unreadable = re.search(r"MEM_UNREADABLE as uid (\d+)", run.stdout)
    if unreadable and unreadable[1] != "0":
        # A student process with a uid of its own cannot open its /proc/self/mem (it is not
        # dumpable), so a classmate's source could not be read this way either: nothing to scan.
        pytest.skip(f"/proc/self/mem cannot be opened by a student process under uid {unreadable[1]}")
    assert "SCAN_UNAVAILABLE" not in run.stdout, "the memory scan cannot run in a student process any more"
    report = report_of(run)
    assert [s["path"] for s in report["submissions"]] == ["alice", "bob", "carol"]
    # A classmate's source anywhere in bob's memory (inherited from the warm parent, or sent
    # to his process) would double his answer; his own source is found, so the scan works.
    assert [s["score"] for s in report["submissions"]] == [10, 10, 10], submission_of(report, "bob")["error"]
    assert run.returncode == 0


# --------------------------------------------------------------------------- never crashes on input

DEEP_SOURCES = {
    "parens.py": "def softmax(x, dim=-1):\n    return " + "(" * 100_000 + "x" + ")" * 100_000 + "\n",
    "minus.py": "def softmax(x, dim=-1):\n    return " + "-" * 10**6 + "1\n",
    # Parsed, but too deep for ast.unparse (the stub test) and for the compiler.
    "stub.py": "def softmax(x, dim=-1):\n    raise NotImplementedError(" + "-" * 600 + "1)\n",
    "compile.py": "def softmax(x, dim=-1):\n    return " + "-" * 1500 + "1\n",
}


def test_deeply_nested_files_are_one_line_problems_and_the_class_is_still_graded(tmp_path):
    for name, source in DEEP_SOURCES.items():
        (tmp_path / name).write_text(source)
    (tmp_path / "good.py").write_text(CORRECT_SOFTMAX)
    paths = [*DEEP_SOURCES, "good.py"]
    run = grade(*paths, "--format", "json", cwd=tmp_path)
    no_traceback(run)
    report = report_of(run)
    assert [s["path"] for s in report["submissions"]] == paths
    assert submission_of(report, "good.py")["score"] == 10
    assert submission_of(report, "minus.py")["error"] == "minus.py: too deeply nested to read."
    assert submission_of(report, "compile.py")["error"] == "compile.py: too deeply nested to read."
    assert submission_of(report, "parens.py")["error"].startswith("parens.py, line 2: SyntaxError: too many nested")
    assert len(submission_of(report, "parens.py")["error"]) < 300
    # The untouched-stub test no longer unparses: the stub is graded as one.
    assert "not implemented yet" in submission_of(report, "stub.py")["exercises"][0]["checks"][0]["message"]
    assert run.returncode == 1
    text = grade(*paths, cwd=tmp_path)
    no_traceback(text)
    assert "minus.py: too deeply nested to read." in text.stdout
    alone = grade("minus.py", cwd=tmp_path)
    assert (alone.returncode, alone.stderr) == (2, "Error: minus.py: too deeply nested to read.\n")


def test_a_deeply_nested_notebook_cell_is_that_cell_s_problem(tmp_path):
    write_notebook(
        tmp_path / "deep.ipynb",
        [
            "import torch",
            "def softmax(x, dim=-1):\n    return " + "-" * 10**6 + "1\n",
            "def make_sine_wave(freq, amp, dur, sr=16000):\n    return " + "-" * 1500 + "1\n",
            CORRECT_NLL,
        ],
    )
    (tmp_path / "json.ipynb").write_text(
        '{"nbformat": 4, "nbformat_minor": 5, "cells": [], "metadata": {"x": ' + "[" * 50_000 + "]" * 50_000 + "}}"
    )
    (tmp_path / "good.py").write_text(CORRECT_SOFTMAX)
    run = grade("deep.ipynb", "json.ipynb", "good.py", "--format", "json", cwd=tmp_path)
    no_traceback(run)
    report = report_of(run)
    deep = submission_of(report, "deep.ipynb")
    assert scores(deep) == {"sine": 0, "softmax": 0, "nll": 10}
    assert "deep.ipynb, cell 2: too deeply nested to read." in deep["error"]
    assert "deep.ipynb, cell 3: too deeply nested to read." in deep["error"]
    assert submission_of(report, "json.ipynb")["error"].startswith("json.ipynb: not a notebook")
    assert submission_of(report, "good.py")["score"] == 10
    assert run.returncode == 1


# --------------------------------------------------------------------------- escaped for where it goes


def test_escape_sequences_in_a_syntax_error_line_and_a_file_name_never_reach_the_terminal(tmp_path):
    (tmp_path / "03_softmax.py").write_text(f'def softmax(x, dim=-1):\n    return "{FAKE_SCREEN}" +\n')
    folder = tmp_path / "eve"
    folder.mkdir()
    (folder / f"{FAKE_NAME}.py").write_text("def softmax(x, dim=-1)\n")
    (folder / "04_nll.py").write_text(CORRECT_NLL)
    for args in (["03_softmax.py"], ["03_softmax.py", "eve"], ["eve", "-v"], ["eve", "--format", "json"]):
        run = grade(*args, cwd=tmp_path)
        no_traceback(run)
        assert ESC not in run.stdout + run.stderr and "\r" not in run.stdout + run.stderr, args
        assert "\x07" not in run.stdout + run.stderr
    run = grade("03_softmax.py", cwd=tmp_path)
    assert run.returncode == 2
    assert len(run.stderr.splitlines()) == 1
    assert "03_softmax.py, line 2: SyntaxError" in run.stderr and "\\x1b[2J" in run.stderr


def test_a_system_exit_message_with_escape_sequences_is_shown_inert_and_graded_0(tmp_path):
    (tmp_path / "03_softmax.py").write_text(
        textwrap.dedent(f"""\
            class Message:
                def __repr__(self):
                    return {FAKE_SCREEN!r} * 1000

            raise SystemExit(Message())
        """)
        + CORRECT_SOFTMAX
    )
    run = grade("03_softmax.py", cwd=tmp_path)
    no_traceback(run)
    assert run.returncode == 1, run.stdout + run.stderr
    assert ESC not in run.stdout + run.stderr
    assert "03_softmax.py stopped while being imported" in run.stdout
    assert "Total 0/10" in " ".join(run.stdout.split())


def test_forged_parameter_names_never_reach_the_terminal(tmp_path):
    (tmp_path / "03_softmax.py").write_text(
        CORRECT_SOFTMAX
        + textwrap.dedent(f"""\

            import inspect

            _x = inspect.Parameter("x", inspect.Parameter.POSITIONAL_OR_KEYWORD)
            _x._name = {FAKE_SCREEN!r}
            _dim = inspect.Parameter("dim", inspect.Parameter.POSITIONAL_OR_KEYWORD, default=-1)
            _dim._name = "\\x1b[31mdim"
            softmax.__signature__ = inspect.Signature([_x, _dim], __validate_parameters__=False)
        """)
    )
    run = grade("03_softmax.py", "-v", cwd=tmp_path)
    no_traceback(run)
    assert ESC not in run.stdout + run.stderr
    assert "Total 10/10" in " ".join(run.stdout.split())


def test_magic_names_and_failing_statements_in_a_notebook_are_shown_inert(tmp_path):
    write_notebook(
        tmp_path / "homework.ipynb",
        [
            f"%%{FAKE_SCREEN}bash\nls",
            f"%{FAKE_SCREEN}\nimport torch",
            f"VALUE = 1 / 0  # {FAKE_SCREEN}",
            f"raise ValueError({FAKE_SCREEN!r})\nX = int({FAKE_SCREEN!r})",
            CORRECT_SOFTMAX,
        ],
    )
    run = grade("homework.ipynb", "-v", cwd=tmp_path)
    no_traceback(run)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Warning:" in run.stdout
    assert ESC not in run.stdout + run.stderr and "\x07" not in run.stdout


def test_the_text_renderer_escapes_and_bounds_every_text():
    import click

    from grader.report import render_text, terminal_text
    from grader.results import CheckResult, ExerciseResult, Report, SubmissionResult

    assert terminal_text(f"a{FAKE_SCREEN}b\u202eevil") == "a\\x1b[2J\\x1b[H\\x1b]0;graded\\x07Total 10/10 b\\u202eevil"
    hostile = FAKE_SCREEN * 10_000
    check = CheckResult(hostile, hostile, False, 0, 1, hostile, hostile)
    exercise = ExerciseResult(hostile, hostile, [check], [hostile])
    submission = SubmissionResult(f"{FAKE_NAME}.py", [exercise], error=hostile, warnings=[hostile] * 1000)
    report = Report([submission])
    for verbose in (False, True):
        text = click.unstyle(render_text(report, verbose=verbose))  # as click.echo prints it, piped
        assert ESC not in text and "\r" not in text and "\x07" not in text
        assert len(text) < 150_000
    assert len(json.dumps(report.to_json())) < 100_000  # JSON shows each control character as 6


def test_annotate_escapes_markdown_and_html_from_the_submission(tmp_path):
    payload = "<img src=x onerror=alert(1)> [full marks](http://evil.example) **10/10** `x` <script>alert(2)</script>"
    write_notebook(
        tmp_path / "homework.ipynb",
        ["import torch", f"def softmax(x, dim=-1):\n    raise ValueError({payload!r})\n", CORRECT_NLL],
    )
    run = grade("homework.ipynb", "--annotate", "feedback.ipynb", cwd=tmp_path)
    no_traceback(run)
    assert run.returncode == 1, run.stdout + run.stderr
    copy = nbformat.read(str(tmp_path / "feedback.ipynb"), as_version=4)
    nbformat.validate(copy)
    feedback = [c.source for c in copy.cells if c.metadata.get("soundlab_feedback")]
    (softmax,) = [text for text in feedback if "`softmax`" in text]
    assert "ValueError" in softmax
    for raw in ("<img", "<script", "**10/10**", "`x`"):
        assert raw not in softmax, raw
    assert not re.search(r"(?<!\\)\]\(", softmax)  # no link: every ] of the student's text is escaped
    assert "&lt;img src=x onerror=alert(1)&gt;" in softmax
    assert "\\[full marks\\](http:\\/\\/evil.example)" in softmax


def test_check_repr_html_escapes_what_the_check_says():
    from grader.notebook_check import CheckReport
    from grader.results import CheckResult, ExerciseResult

    payload = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    result = ExerciseResult("softmax", "softmax", [CheckResult("c", payload, False, 0, 1, payload, payload)])
    html = CheckReport(payload, result, hidden=1)._repr_html_()
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;" in html
    assert ESC not in str(
        CheckReport("softmax", ExerciseResult("softmax", "", [CheckResult("c", "d", False, 0, 1, FAKE_SCREEN)]), 0)
    )


def test_a_fake_shape_of_four_million_dimensions_gives_a_bounded_report(tmp_path):
    (tmp_path / "03_softmax.py").write_text(
        "class Huge:\n    shape = (1,) * 4_000_000\n\n\ndef softmax(x, dim=-1):\n    return Huge()\n"
    )
    for args in (["--format", "json"], ["-v"]):
        run = grade("03_softmax.py", *args, cwd=tmp_path)
        no_traceback(run)
        assert run.returncode == 1
        assert len(run.stdout) < 50_000, len(run.stdout)
        if "json" in args:
            assert report_of(run)["score"] == 0


# --------------------------------------------------------------------------- outcomes


def test_a_function_written_in_two_files_is_an_error_naming_both(tmp_path):
    folder = tmp_path / "frank"
    folder.mkdir()
    (folder / "03_softmax.py").write_text(CORRECT_SOFTMAX)
    (folder / "scratch.py").write_text("def softmax(x, dim=-1):\n    return x\n")
    (folder / "stub.py").write_text("def softmax(x, dim=-1):\n    raise NotImplementedError\n")
    (folder / "reuse.py").write_text("from helpers import nll_loss\n")  # imported: not a second definition
    (folder / "helpers.py").write_text(CORRECT_NLL)
    run = grade("frank", "--format", "json", cwd=tmp_path)
    no_traceback(run)
    frank = submission_of(report_of(run), "frank")
    assert scores(frank) == {"softmax": 10, "nll": 10}
    assert frank["error"] == (
        "softmax is defined in 2 files, frank/03_softmax.py and frank/scratch.py; "
        "the one in frank/03_softmax.py is graded. Keep one definition."
    )


@pytest.mark.parametrize(
    ("top", "reason"),
    [
        ("import sys\nsys.exit(3)\n", "03_softmax.py stopped while being imported: it called sys.exit(3) at line 2"),
        ("import os\nos._exit(0)\n", "03_softmax.py could not be loaded: it ended the process"),
        ("raise RuntimeError('no GPU here')\n", "RuntimeError: no GPU here"),
        ("import torchvision_that_is_not_installed\n", "ModuleNotFoundError"),
        ("while True:\n    pass\n", "03_softmax.py could not be loaded: it did not finish within 1 s"),
    ],
    ids=["sys-exit", "os-exit", "raises", "missing-import", "hangs"],
)
def test_a_file_that_fails_at_import_is_graded_0_with_the_reason_and_exits_1(tmp_path, top, reason):
    (tmp_path / "03_softmax.py").write_text(top + CORRECT_SOFTMAX)
    run = grade("03_softmax.py", "--timeout", "1", "--format", "json", cwd=tmp_path)
    no_traceback(run)
    assert run.returncode == 1, run.stdout + run.stderr
    (submission,) = report_of(run)["submissions"]
    assert scores(submission) == {"softmax": 0}
    assert reason in submission["error"]
    assert reason in submission["exercises"][0]["checks"][0]["message"]
    text = grade("03_softmax.py", "--timeout", "1", cwd=tmp_path)
    assert text.returncode == 1 and "Total 0/10" in " ".join(text.stdout.split())


def test_what_exits_2_still_exits_2(tmp_path):
    (tmp_path / "helpers.py").write_text("raise RuntimeError('not an exercise')\n")
    (tmp_path / "nothing.py").write_text("X = 1\n")
    for path, line in [
        ("helpers.py", "Error: importing helpers.py raised RuntimeError: not an exercise"),
        ("nothing.py", "Error: nothing.py: no exercise functions found"),
    ]:
        run = grade(path, cwd=tmp_path)
        assert run.returncode == 2, run.stdout + run.stderr
        assert run.stderr.startswith(line), run.stderr
    run = grade("nothing.py", "-e", "softmax", cwd=tmp_path)
    assert run.returncode == 2
    assert run.stderr.startswith("Error: nothing.py: no exercise functions found")


def test_a_correct_answer_that_prints_50_mb_keeps_its_points(tmp_path):
    (tmp_path / "03_softmax.py").write_text(
        CORRECT_SOFTMAX.replace("    e = torch.exp", "    print('x' * 50_000_000)\n    e = torch.exp")
    )
    run = grade("03_softmax.py", "-v", cwd=tmp_path)
    no_traceback(run)
    assert "Total 10/10" in " ".join(run.stdout.split()), run.stdout
    assert "printed more than 64 MB" in run.stdout
    assert run.returncode == 0
