"""Notebooks as submissions (issue 5): `grade homework.ipynb`, `check(softmax)`, `--annotate`.

Every notebook is built here with nbformat.v4, in a temporary directory. Tests that are about
what a student sees (exit status, stderr, the text report, a plain Python session) run the
real command or interpreter in a subprocess; the others grade in-process with the shared
warm parent (the ``zygote`` fixture), as tests/conftest.py does for ``.py`` files.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest
from conftest import REPO, checks_of, lesson_policy, run_grade
from nbformat.v4 import new_code_cell as code
from nbformat.v4 import new_markdown_cell as markdown
from nbformat.v4 import new_notebook

LESSON_CODE = Path(__file__).parent / "notebooks" / "lesson_code_cells.txt"

IMPORTS = "import math\nimport random\n\nimport torch"
SOFTMAX = textwrap.dedent("""\
    def softmax(x, dim=-1):
        shifted = x - x.amax(dim=dim, keepdim=True)
        e = torch.exp(shifted)
        return e / e.sum(dim=dim, keepdim=True)""")
# The lesson's own softmax, exactly as the blog post writes it: no default for dim, no max.
NAIVE_SOFTMAX = textwrap.dedent("""\
    def softmax(x, dim):
      exp_v = torch.exp(x)
      sum_v = torch.sum(exp_v, dim=dim, keepdim=True)
      return exp_v / sum_v""")
NLL = textwrap.dedent("""\
    def nll_loss(probs, target):
        rows = torch.arange(len(probs))
        return -torch.log(probs[rows, target]).mean()""")


# --------------------------------------------------------------------------- helpers


def write_notebook(path: Path, cells: list) -> Path:
    nbformat.write(new_notebook(cells=list(cells)), str(path))
    return path


grade = run_grade


def flat(text: str) -> str:
    """Text with its line wrapping undone, so that wrapped warnings can be searched."""
    return " ".join(text.split())


def without_scores(text: str) -> str:
    """Report text without the right-aligned scores, which sit in the middle of wrapped text."""
    return flat(re.sub(r" +\d+(\.\d+)?/\d+(\.\d+)?$", "", text, flags=re.M))


def total_line(stdout: str) -> str:
    (line,) = [line.split() for line in stdout.splitlines() if line.strip().startswith("Total")]
    return " ".join(line)


def failed_checks(exercise_result) -> list[str]:
    return [c.name for c in exercise_result.checks if not c.passed]


def exercise_of(result, exercise_id: str):
    (found,) = [e for e in result.exercises if e.name == exercise_id]
    return found


@pytest.fixture
def grade_notebook(tmp_path, monkeypatch, zygote, exercises):
    """grade_notebook(cells, name=..., only=[ids], timeout=...) -> SubmissionResult, in-process.

    The notebook is graded by its name relative to the working directory, as a student types it.
    """
    from grader.grading import Grader
    from grader.submission import load_submission

    monkeypatch.chdir(tmp_path)

    def run(cells: list, name: str = "homework.ipynb", only=None, timeout: float = 5.0):
        write_notebook(tmp_path / name, cells)
        chosen = [e for e in exercises.values() if not only or e.id in only]
        return Grader(chosen, zygote, policy=lesson_policy(), timeout=timeout).grade(load_submission(name))

    return run


def lesson_code_cells() -> list:
    """The lesson's code, one code cell per block of the blog post (tests/notebooks/)."""
    text = LESSON_CODE.read_text(encoding="utf-8")
    blocks = re.split(r"^# %%\n", text, flags=re.M)[1:]
    return [code(block.strip("\n")) for block in blocks]


# --------------------------------------------------------------------------- grading a notebook


def test_correct_solutions_among_magics_plots_training_and_a_failing_load_get_full_marks(tmp_path):
    write_notebook(
        tmp_path / "homework.ipynb",
        [
            markdown("# Homework 3: softmax and NLL"),
            code(
                "!pip install torchaudio\n%matplotlib inline\nimport torch\nimport torchaudio\n"
                "import matplotlib.pyplot as plt\nimport IPython.display as ipd\nfrom IPython.display import Audio, display"
            ),
            code("y, sr = torchaudio.load('piano_scale.wav')\nplt.plot(y[0])\nipd.Audio(y[0], rate=sr)"),
            code(SOFTMAX + "\n\nplt.imshow(softmax(torch.randn(4, 12), -1))\nplt.show()"),
            code(NLL),
            code("%%bash\nls -la\nwget https://example.com/piano_scale.wav"),
            code("def oops(x:\n    return x"),
            code(
                textwrap.dedent("""\
            model = torch.nn.Linear(48, 12)
            optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
            frames = torch.randn(64, 48)
            labels = torch.randint(0, 12, (64,))
            loss_tracker = []
            for step in range(300):
                optimizer.zero_grad()
                loss = nll_loss(softmax(model(frames), dim=-1), labels)
                loss.backward()
                optimizer.step()
                loss_tracker.append(loss.item())
            fig, ax = plt.subplots()
            ax.plot(loss_tracker)
            player = ipd.Audio(torch.randn(16000), rate=16000)
            display(player)""")
            ),
        ],
    )
    run = grade("homework.ipynb", cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert total_line(run.stdout) == "Total 20/20"
    assert run.stderr == ""
    report = flat(run.stdout)
    assert "Warning: homework.ipynb, cell 6: skipped (a %%bash cell is not Python)." in report
    assert "Warning: homework.ipynb, cell 7, line 1: SyntaxError" in report
    assert "Warning: homework.ipynb, cell 3, line 1: `y, sr = torchaudio.load('piano_scale.wav')` failed" in report
    assert re.search(r"Warning: Top-level statements .* were skipped in cells 3, 4, 8\.", report), report
    # Magics, shell lines, display imports, plots and audio players cost no warning of their own.
    assert report.count("Warning:") == 4, run.stdout


def test_function_using_globals_the_notebook_assigns_finds_them(grade_notebook):
    result = grade_notebook(
        [
            code(IMPORTS),
            code("SR = 16000\nTWO_PI = 2 * math.pi"),
            code(
                textwrap.dedent("""\
            def make_sine_wave(freq, amp, dur, sr=SR):
                n = torch.arange(int(dur * sr), dtype=torch.float64)
                return (amp * torch.sin(TWO_PI * freq * n / sr)).float()

            def make_white_noise(amp, dur, sr=SR):
                return torch.randn(int(dur * sr)) * amp""")
            ),
        ],
        only=["sine"],
    )
    assert result.error is None
    assert {c.name: c.message for c in checks_of(result).values() if not c.passed} == {}
    assert result.score == result.max_score == 10


def test_notebook_grades_exactly_like_the_same_code_in_a_py_file(grade_notebook, grade_source):
    as_notebook = grade_notebook([code("import torch"), code(NAIVE_SOFTMAX)], only=["softmax"])
    as_file = grade_source("import torch\n\n" + NAIVE_SOFTMAX + "\n", "03_softmax.py", only=["softmax"])
    outcome = lambda result: [(c.name, c.passed, c.score) for c in checks_of(result).values()]  # noqa: E731
    assert outcome(as_notebook) == outcome(as_file)
    assert as_notebook.score == as_file.score == 7


def test_code_line_with_a_trailing_comment_ending_in_a_question_mark_still_runs(grade_notebook):
    # BUG: a line whose text ends in "?" is taken for a help line (`torch.stft?`) and replaced
    # by `pass`, even when the "?" closes a comment: here the return line, so softmax returns
    # None and a correct solution scores 0/10 without a word of warning.
    result = grade_notebook(
        [
            code("import torch"),
            code(
                "def softmax(x, dim=-1):\n    e = torch.exp(x - x.amax(dim, keepdim=True))\n"
                "    return e / e.sum(dim, keepdim=True)  # is this stable?"
            ),
        ],
        only=["softmax"],
    )
    assert {c.name: c.message for c in checks_of(result).values() if not c.passed} == {}
    assert result.score == result.max_score == 10


def test_error_inside_a_notebook_function_points_to_its_cell_and_line(grade_notebook):
    result = grade_notebook(
        [
            markdown("# Homework"),
            code("import torch"),
            markdown("## Softmax"),
            code(
                "def softmax(x, dim=-1):\n    e = torch.exp(x - x.amax(dim, keepdim=True))\n"
                "    return e / e.summ(dim, keepdim=True)"
            ),
        ],
        only=["softmax"],
    )
    messages = [c.message for c in checks_of(result).values() if not c.passed]
    assert messages and all("AttributeError" in m for m in messages), messages
    assert "homework.ipynb, cell 4, line 3" in messages[0]
    assert "e.summ(dim, keepdim=True)" in messages[0]


@pytest.fixture(scope="module")
def lesson_code_result(tmp_path_factory, zygote, exercises):
    """The lesson's own code, pasted cell by cell into a notebook, graded on every exercise."""
    from grader.grading import Grader
    from grader.submission import load_submission

    path = write_notebook(tmp_path_factory.mktemp("lesson_code") / "lesson_code.ipynb", lesson_code_cells())
    return Grader(list(exercises.values()), zygote, policy=lesson_policy()).grade(load_submission(str(path)))


def test_lesson_code_pasted_into_a_notebook_loses_only_the_large_logit_checks_on_softmax(lesson_code_result):
    softmax = exercise_of(lesson_code_result, "softmax")
    assert failed_checks(softmax) == ["large_logits_of_one_row", "large_logits_stay_finite"]
    assert (softmax.score, softmax.max_score) == (7, 10)


def test_lesson_code_typos_and_failing_statements_are_warnings_not_a_load_error(lesson_code_result):
    assert lesson_code_result.error is None
    warnings = " ".join(lesson_code_result.warnings)
    # The post's unclosed parentheses, and its use of names it never defined (dataset, ...).
    assert "lesson_code.ipynb, cell 1, line 7: SyntaxError" in warnings
    assert (
        "lesson_code.ipynb, cell 7, line 1: `rand_ids = torch.randperm(dataset.shape[0])` failed: NameError" in warnings
    )
    # Its other exercise functions are graded too, as they would be in a .py file.
    assert [e.name for e in lesson_code_result.exercises] == ["sine", "harmonics", "softmax", "training"]


def test_long_running_top_level_assignment_is_stopped_with_a_warning_and_functions_still_grade(grade_notebook):
    result = grade_notebook(
        [
            code("import torch"),
            code("def train():\n    while True:\n        pass\n\nlosses = train()"),
            code(SOFTMAX),
        ],
        only=["softmax"],
    )
    assert result.error is None
    assert (
        "homework.ipynb, cell 2, line 5: `losses = train()` took longer than 0.5 s and was stopped." in result.warnings
    )
    assert result.score == result.max_score == 10


def test_top_level_assignment_stuck_in_one_long_c_call_is_stopped_and_functions_still_grade(grade_notebook):
    # The student process's own alarm cannot interrupt one long C call (here sum over a range,
    # in the wild a huge torch op): the grader stops the process and loads the notebook again
    # without that statement.
    result = grade_notebook(
        [
            code("import torch"),
            code("total = sum(range(10**12))"),
            code(SOFTMAX),
        ],
        only=["softmax"],
        timeout=1.0,
    )
    assert result.error is None, result.error
    assert any("cell 2, line 1: `total = sum(range(10**12))` took longer" in w for w in result.warnings), (
        result.warnings
    )
    assert result.score == result.max_score == 10


# --------------------------------------------------------------------------- what cannot be graded


def _truncated(path: Path) -> None:
    text = nbformat.writes(new_notebook(cells=[code("import torch"), code(SOFTMAX)]))
    path.write_text(text[: len(text) // 2], encoding="utf-8")


def _v4_with_cell(path: Path, cell: dict) -> None:
    notebook = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [cell]}
    path.write_text(json.dumps(notebook), encoding="utf-8")


@pytest.mark.parametrize(
    ("write", "reason"),
    [
        (_truncated, "not a notebook (the file is not valid JSON; is it truncated?)."),
        (
            lambda p: p.write_text("", encoding="utf-8"),
            "not a notebook (the file is not valid JSON; is it truncated?).",
        ),
        (
            lambda p: p.write_text("import torch\nprint('hello')\n", encoding="utf-8"),
            "not a notebook (the file is not valid JSON",
        ),
        (lambda p: p.write_text('{"a": 1}', encoding="utf-8"), "not a notebook ("),
        (lambda p: p.write_text("[1, 2, 3]", encoding="utf-8"), "not a notebook ("),
        (lambda p: p.write_bytes(b"\xff\xfe\x00\x01 not text"), "not a notebook (the file is not UTF-8 text)."),
        (lambda p: _v4_with_cell(p, {"cell_type": "code", "id": "a"}), "not a notebook ("),
        (
            lambda p: _v4_with_cell(
                p, {"cell_type": "code", "id": "a", "metadata": {}, "source": 3, "outputs": [], "execution_count": None}
            ),
            "not a valid notebook (",
        ),
    ],
    ids=[
        "truncated",
        "empty",
        "not-json",
        "json-object-not-a-notebook",
        "json-list",
        "not-utf8",
        "v4-cell-missing-keys",
        "v4-cell-source-not-text",
    ],
)
def test_corrupted_notebook_exits_2_with_one_line(tmp_path, write, reason):
    write(tmp_path / "homework.ipynb")
    run = grade("homework.ipynb", cwd=tmp_path)
    assert run.returncode == 2
    assert run.stdout == ""
    lines = run.stderr.splitlines()
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith(f"Error: homework.ipynb: {reason}"), lines[0]


def test_notebook_without_exercise_functions_exits_2_with_one_line(tmp_path):
    write_notebook(
        tmp_path / "homework.ipynb",
        [
            code("import torch\nimport matplotlib.pyplot as plt"),
            code("def soft_max(x, dim=-1):\n    return x\n\nplt.plot([1, 2, 3])"),
        ],
    )
    run = grade("homework.ipynb", cwd=tmp_path)
    assert run.returncode == 2
    assert run.stdout == ""
    lines = run.stderr.splitlines()
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith("Error: homework.ipynb: no exercise functions found (expected one of: ")
    assert "softmax" in lines[0]


def test_syntax_error_in_the_only_function_cell_is_named_in_the_exit_2_line(tmp_path):
    # BUG: the reason (a SyntaxError in cell 3) is dropped; the line says only that no
    # exercise function was found, where the same code in a .py file names file and line.
    write_notebook(
        tmp_path / "homework.ipynb",
        [
            markdown("# Homework"),
            code("import torch"),
            code("def softmax(x, dim=-1)\n    return torch.exp(x) / torch.exp(x).sum(dim, keepdim=True)"),
        ],
    )
    run = grade("homework.ipynb", cwd=tmp_path)
    assert run.returncode == 2
    lines = run.stderr.splitlines()
    assert len(lines) == 1, run.stderr
    assert "homework.ipynb, cell 3, line 1: SyntaxError" in lines[0], lines[0]


def test_notebook_without_cell_ids_grades_with_nothing_on_stderr(tmp_path):
    # BUG: nbformat's MissingIDFieldWarning (a v4.5 notebook whose cells have no "id", as
    # some editors write them) is printed on stderr, which is meant for the one-line error.
    notebook = new_notebook(cells=[code("import torch"), code(SOFTMAX)])
    for cell in notebook.cells:
        del cell["id"]
    (tmp_path / "homework.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    run = grade("homework.ipynb", cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert total_line(run.stdout) == "Total 10/10"
    assert run.stderr == ""


# --------------------------------------------------------------------------- --annotate


@pytest.fixture(scope="module")
def annotated(tmp_path_factory):
    """(the original notebook, the subprocess run, the annotated copy) for a mixed homework."""
    directory = tmp_path_factory.mktemp("annotate")
    original = write_notebook(
        directory / "homework.ipynb",
        [
            markdown("# Homework"),  # 1
            code(IMPORTS + "\nfrom grader import check"),  # 2
            code(NAIVE_SOFTMAX),  # 3: loses the large-logit check
            code("check(softmax)"),  # 4
            code(NLL),  # 5: full marks
            code(
                textwrap.dedent("""\
            def make_sine_wave(freq, amp, dur, sr=16000):
                n = torch.arange(int(dur * sr), dtype=torch.float64)
                return (amp * torch.sin(2 * math.pi * freq * n / sr)).float()

            def make_white_noise(amp, dur, sr=16000):
                return torch.randn(int(dur * sr)) * amp""")
            ),  # 6: two functions in one cell
            markdown("The end."),  # 7
        ],
    )
    run = grade("homework.ipynb", "--annotate", "feedback.ipynb", cwd=directory)
    copy = nbformat.read(str(directory / "feedback.ipynb"), as_version=4)
    return nbformat.read(str(original), as_version=4), run, copy


def _is_feedback(cell) -> bool:
    return cell.cell_type == "markdown" and cell.metadata.get("soundlab_feedback") is True


def test_annotate_writes_a_valid_notebook_with_a_feedback_cell_after_each_graded_function(annotated):
    original, run, copy = annotated
    assert run.returncode == 1, run.stdout + run.stderr
    nbformat.validate(copy)
    kept = [c for c in copy.cells if not _is_feedback(c)]
    assert [(c.cell_type, c.source) for c in kept] == [(c.cell_type, c.source) for c in original.cells]
    shape = [("feedback:" + c.source.split("`")[1]) if _is_feedback(c) else c.cell_type for c in copy.cells]
    assert shape == [
        "markdown",
        "code",
        "code",
        "feedback:softmax",
        "code",
        "code",
        "feedback:nll_loss",
        "code",
        "feedback:make_sine_wave",
        "feedback:make_white_noise",
        "markdown",
    ]


def test_annotate_feedback_of_a_wrong_function_gives_score_failed_check_and_hint(annotated, exercises):
    _original, _run, copy = annotated
    (feedback,) = [c.source for c in copy.cells if _is_feedback(c) and "`softmax`" in c.source]
    (large_logits,) = [c for c in exercises["softmax"].checks if c.name == "large_logits_stay_finite"]
    caught = _naive_softmax_caught_by(exercises)
    lost = sum(c.points for c in exercises["softmax"].checks if c.name in caught)
    assert f"**Feedback on `softmax`: {10 - lost:g}/10**" in feedback
    assert f"✗ {large_logits.description} (0/{large_logits.points:g})" in feedback
    assert "non-finite" in feedback
    assert "*Hint:* exp(x) overflows" in feedback
    assert feedback.count("✗") == len(caught)


def test_annotate_feedback_of_a_correct_function_gives_full_score(annotated):
    _original, _run, copy = annotated
    (feedback,) = [c.source for c in copy.cells if _is_feedback(c) and "`nll_loss`" in c.source]
    assert feedback.startswith("**Feedback on `nll_loss`: 10/10**")
    assert "✗" not in feedback


def test_annotate_with_a_py_file_exits_2_with_one_line(tmp_path):
    (tmp_path / "03_softmax.py").write_text("import torch\n\n" + SOFTMAX + "\n")
    run = grade("03_softmax.py", "--annotate", "feedback.ipynb", cwd=tmp_path)
    assert run.returncode == 2
    assert run.stderr.splitlines() == ["Error: --annotate needs exactly one notebook (.ipynb) to grade."]
    assert not (tmp_path / "feedback.ipynb").exists()


# --------------------------------------------------------------------------- check() in a session


def _session_env() -> dict:
    return dict(os.environ, PYTHONPATH=str(REPO))


@pytest.fixture(scope="module")
def repl_output() -> str:
    """What a plain interactive Python session shows for `check(softmax)` (the lesson's naive one)."""
    typed = "import torch\nfrom grader import check\n" + NAIVE_SOFTMAX + "\n\ncheck(softmax)\n"
    run = subprocess.run(
        [sys.executable, "-q", "-i"], input=typed, capture_output=True, text=True, env=_session_env(), timeout=120
    )
    assert run.returncode == 0, run.stderr
    return run.stdout


SESSION = textwrap.dedent("""\
    import json, os, time, torch
    from grader import check

    def softmax(x, dim=-1):
        shifted = x - x.amax(dim=dim, keepdim=True)
        return torch.exp(shifted) / torch.exp(shifted).sum(dim=dim, keepdim=True)

    good = check(softmax)
    out = {"html": good._repr_html_(), "text": str(good)}

    def softmax(x, dim=-1):
        while True:
            pass

    start = time.monotonic()
    looping = check(softmax, timeout=0.5)
    out["loop_seconds"] = time.monotonic() - start
    out["loop_passed"] = looping.passed
    out["loop_text"] = str(looping)
    try:
        os.waitpid(-1, os.WNOHANG)
        out["children_left"] = True
    except ChildProcessError:
        out["children_left"] = False
    out["after_loop"] = check("softmax", lambda x, dim=-1: torch.exp(x - x.amax(dim, keepdim=True))
                              / torch.exp(x - x.amax(dim, keepdim=True)).sum(dim, keepdim=True)).passed
    out["torch_after_loop"] = torch.ones(3).sum().item()
    print(json.dumps(out))
""")


@pytest.fixture(scope="module")
def session() -> dict:
    """One plain Python session (a script) that calls check() several times."""
    run = subprocess.run(
        [sys.executable, "-c", SESSION], capture_output=True, text=True, env=_session_env(), timeout=120
    )
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.strip().splitlines()[-1])


def _softmax_checks(exercises):
    mine = [c for c in exercises["softmax"].checks if c.function == "softmax"]
    return [c for c in mine if c.public], [c for c in mine if not c.public]


def _naive_softmax_caught_by(exercises) -> list[str]:
    return next(m for m in exercises["softmax"].mistakes if m.name == "naive_overflow").caught_by


def test_check_in_a_plain_python_session_shows_public_checks_as_text(repl_output, exercises):
    public, hidden = _softmax_checks(exercises)
    points = sum(c.points for c in public)
    # The lesson's naive softmax: check() names its overflow with a public check.
    lost = sum(c.points for c in public if c.name in _naive_softmax_caught_by(exercises))
    assert lost > 0
    assert f"softmax {points - lost:g}/{points:g}" in flat(repl_output)
    assert "softmax: softmax" not in repl_output  # no header that repeats itself
    shown = without_scores(repl_output)
    for check in public:
        assert check.description in shown
    assert f"Final grading adds {len(hidden)} more checks of softmax." in shown
    assert "<" not in repl_output  # text, not HTML


def test_check_renders_html_with_a_table_of_the_public_checks(session, exercises):
    public, hidden = _softmax_checks(exercises)
    html = session["html"]
    assert "<table>" in html and "</table>" in html
    assert html.count("<tr><td") == len(public)
    for check in public:
        assert check.description in html
    assert f"Final grading adds {len(hidden)} more checks of softmax." in html


def test_check_never_reveals_what_the_hidden_checks_are(repl_output, session, exercises):
    # The lesson's naive softmax fails the hidden large-logit check too; check() never names it.
    _public, hidden = _softmax_checks(exercises)
    assert hidden
    for shown in (repl_output, session["text"], session["html"]):
        for check in hidden:
            assert check.name not in shown
            assert check.description not in shown
        assert "1e4" not in shown  # the hidden large-logit check's input


def test_check_stops_a_function_that_loops_forever_with_a_failure(session):
    assert session["loop_passed"] is False
    assert "did not finish within 0.5 s" in flat(session["loop_text"])
    assert session["loop_seconds"] < 5


def test_session_stays_usable_after_checking_an_endless_loop(session):
    assert session["children_left"] is False
    assert session["after_loop"] is True
    assert session["torch_after_loop"] == 3.0


def test_check_of_a_function_no_exercise_asks_for_raises_value_error():
    from grader import check

    def soft_max(x, dim=-1):
        return x

    with pytest.raises(ValueError, match="no exercise asks for a function named 'soft_max'"):
        check(soft_max)


def test_check_of_a_misspelled_name_asks_did_you_mean():
    from grader import check

    with pytest.raises(ValueError, match=r"named 'sofmax'; did you mean `softmax`\? the exercise functions are: "):
        check("sofmax", lambda x, dim=-1: x)


def test_check_of_a_name_close_to_none_suggests_nothing():
    from grader import check

    with pytest.raises(ValueError) as raised:
        check("totally_unrelated", lambda x: x)
    assert "did you mean" not in str(raised.value)


# --------------------------------------------------------------------------- the lesson notebook


def test_stale_lesson_notebook_is_reported_by_the_up_to_date_check(tmp_path, exercises):
    # tests/test_lesson.py::test_stubs_are_generated_from_the_specs checks exercises/ with
    # write_stubs(check_only=True); this shows that check covers lesson.ipynb too.
    from grader.stubs import LESSON_NOTEBOOK, write_stubs

    for path in (REPO / "exercises").iterdir():
        (tmp_path / path.name).write_bytes(path.read_bytes())
    assert write_stubs(list(exercises.values()), tmp_path, check_only=True) == []
    notebook = nbformat.read(str(tmp_path / LESSON_NOTEBOOK), as_version=4)
    notebook.cells[0].source += "\n\nEdited by hand."
    nbformat.write(notebook, str(tmp_path / LESSON_NOTEBOOK))
    assert write_stubs(list(exercises.values()), tmp_path, check_only=True) == [tmp_path / LESSON_NOTEBOOK]


def _reference_cell(exercise, all_exercises) -> str:
    """render_reference_submission as a notebook cell. In a notebook: the notebook's own cells
    do the imports; the bare calls that load the reference become assignments (bare top-level
    calls are skipped); and as every cell shares one namespace, each exercise keeps its
    reference module under its own name."""
    from grader.stubs import render_reference_submission

    source = render_reference_submission(exercise, all_exercises)
    assert source.startswith(exercise.stub_header)
    source = source[len(exercise.stub_header) :]
    source = re.sub(r"\b_reference\b", f"_reference_{exercise.id}", source)
    return re.sub(r"^_load_reference\(", "_ = _load_reference(", source, flags=re.M)


def test_lesson_notebook_filled_with_the_reference_solutions_gets_full_marks(tmp_path, zygote, exercises):
    import ast

    from grader.grading import Grader
    from grader.submission import load_submission

    everything = list(exercises.values())
    owner = {name: e for e in everything for name in e.function_names}
    notebook = nbformat.read(str(REPO / "exercises" / "lesson.ipynb"), as_version=4)
    replaced = 0
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        defined = [
            n.name
            for n in ast.parse(cell.source).body
            if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and n.name in owner
        ]
        if defined:
            cell.source = _reference_cell(owner[defined[0]], everything)
            replaced += 1
    assert replaced == sum(len(e.function_names) for e in everything)
    path = tmp_path / "lesson.ipynb"
    nbformat.write(notebook, str(path))

    result = Grader(everything, zygote, policy=lesson_policy()).grade(load_submission(str(path)))
    failed = {c.name: c.message for c in checks_of(result).values() if not c.passed}
    assert failed == {}
    assert [e.name for e in result.exercises] == [e.id for e in everything]
    assert (result.score, result.max_score) == (80, 80)
    assert len(result.exercises) == 8


def test_grading_the_exercises_folder_takes_the_notebook_answer_over_an_untouched_stub(tmp_path, zygote):
    import shutil

    from grader.grading import Grader
    from grader.plugins import load_exercises
    from grader.submission import load_submission

    folder = tmp_path / "exercises"
    shutil.copytree(REPO / "exercises", folder)
    notebook = nbformat.read(folder / "lesson.ipynb", as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code" and cell.source.startswith("def softmax"):
            cell.source = SOFTMAX
    nbformat.write(notebook, folder / "lesson.ipynb")
    exercises = load_exercises()
    result = Grader([exercises["softmax"]], zygote, policy=lesson_policy()).grade(load_submission(str(folder)))
    assert result.score == 10


# --------------------------------------------------------------------------- the lesson notebook as homework


def _lesson_notebook(path: Path, *, softmax: str | None = None, after: bool = False) -> Path:
    """The handed-out lesson notebook at ``path``, its softmax stub cell replaced by
    ``softmax`` (or, with ``after``, kept and followed by a cell defining it)."""
    notebook = nbformat.read(str(REPO / "exercises" / "lesson.ipynb"), as_version=4)
    if softmax is not None:
        (at,) = [
            i for i, c in enumerate(notebook.cells) if c.cell_type == "code" and c.source.startswith("def softmax")
        ]
        if after:
            notebook.cells.insert(at + 1, code(softmax))
        else:
            notebook.cells[at].source = softmax
    nbformat.write(notebook, str(path))
    return path


def test_lesson_notebook_with_one_function_written_grades_only_that_exercise(tmp_path):
    _lesson_notebook(tmp_path / "homework.ipynb", softmax=SOFTMAX)
    run = grade("homework.ipynb", "--format", "json", cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    (submission,) = json.loads(run.stdout)["submissions"]
    assert [(e["name"], e["score"]) for e in submission["exercises"]] == [("softmax", 10)]
    assert "not implemented yet" not in run.stdout


def test_lesson_notebook_with_nothing_written_is_graded_as_it_is(tmp_path):
    _lesson_notebook(tmp_path / "homework.ipynb")
    run = grade("homework.ipynb", "--format", "json", cwd=tmp_path)
    assert run.returncode == 1, run.stdout + run.stderr
    (submission,) = json.loads(run.stdout)["submissions"]
    assert len(submission["exercises"]) == 8
    assert submission["score"] == 0
    assert "softmax is not implemented yet" in run.stdout


def test_a_stub_cell_followed_by_the_student_s_own_definition_counts_as_started(tmp_path, zygote, exercises):
    from grader.grading import Grader
    from grader.submission import load_submission

    path = _lesson_notebook(tmp_path / "homework.ipynb", softmax=SOFTMAX, after=True)
    result = Grader(list(exercises.values()), zygote, policy=lesson_policy()).grade(load_submission(str(path)))
    assert [(e.name, e.score) for e in result.exercises] == [("softmax", 10)]


def test_annotate_of_the_lesson_notebook_gives_feedback_only_on_started_exercises(tmp_path):
    _lesson_notebook(tmp_path / "homework.ipynb", softmax=SOFTMAX)
    run = grade("homework.ipynb", "--annotate", "feedback.ipynb", cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    copy = nbformat.read(str(tmp_path / "feedback.ipynb"), as_version=4)
    feedback = [c.source for c in copy.cells if _is_feedback(c)]
    assert len(feedback) == 1 and feedback[0].startswith("**Feedback on `softmax`: 10/10**"), feedback
