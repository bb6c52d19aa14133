"""The HTML class report (grader/batch/class_report.py): its text, and the page in headless Chromium.

The browser tests need a ``chromium`` (or ``chromium-browser`` / ``google-chrome``) binary on the
PATH (Debian: ``apt-get install -y chromium``); without one they are skipped, saying so.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import plotly.offline
import pytest
from markupsafe import escape

from grader.batch.class_report import render_class_report, write_class_report
from grader.batch.model import NO_SUBMISSION, CheckInfo, ClassResult, ExerciseInfo, Student, StudentResult
from grader.batch.similarity import SimilarPair
from grader.results import CheckResult, ExerciseResult, SubmissionResult

HOSTILE = "<script>alert(1)</script></pre>{{ 7*7 }}\"quoted\" 'single' Ünïcødé ✓ 学生"
SINE_SOURCE = "def sine(f, sr):\n    t = torch.arange(sr) / sr\n    return torch.sin(2 * pi * f * t)\n"
HOSTILE_SOURCE = f"def sine(f, sr):\n    # {HOSTILE}\n    return torch.sin(2 * pi * f * torch.arange(sr) / sr)\n"

EXERCISES = [
    ExerciseInfo(
        "01_sine",
        "A sine wave",
        (
            CheckInfo("shape", "right shape", 2.0, True),
            CheckInfo("values", "right values", 3.0, False),
        ),
    ),
    ExerciseInfo(
        "02_softmax",
        "Softmax",
        (
            CheckInfo("sums_to_one", "sums to one", 2.0, True),
            CheckInfo("stable", "numerically stable", 2.0, False),
            CheckInfo("dim", "respects dim", 1.0, False),
        ),
    ),
]


def _exercise(info: ExerciseInfo, failed: dict[str, str | None]) -> ExerciseResult:
    """An exercise result where the checks named in ``failed`` failed with that hint."""
    checks = [
        CheckResult(
            c.name,
            c.description,
            c.name not in failed,
            0.0 if c.name in failed else c.points,
            c.points,
            message="wrong" if c.name in failed else "",
            hint=failed.get(c.name),
            public=c.public,
            seconds=0.01,
        )
        for c in info.checks
    ]
    return ExerciseResult(info.id, info.title, checks)


def _student(sid: str, name: str, failed: dict[str, dict[str, str | None]], **kwargs) -> StudentResult:
    exercises = [_exercise(info, failed.get(info.id, {})) for info in EXERCISES]
    result = SubmissionResult(path=f"{sid}.py", exercises=exercises, ran=True, error=kwargs.pop("error", None))
    return StudentResult(Student(sid, name, in_roster=True), f"{sid}.py", result, **kwargs)


STABLE_HINT = "Subtract the maximum before exp() so that large inputs do not overflow."
SHAPE_HINT = "torch.arange(sr) gives sr samples: one second."


@pytest.fixture
def result() -> ClassResult:
    students = [
        _student("alice", "Alice Martin", {}, seconds=1.5, sources={"01_sine": SINE_SOURCE}),
        _student("bob", "Bob Dupont", {"02_softmax": {"stable": STABLE_HINT}}, seconds=2.25),
        _student(
            "carol",
            "Carol Lee",
            {"01_sine": {"shape": SHAPE_HINT}, "02_softmax": {"stable": STABLE_HINT, "dim": None}},
            seconds=3.0,
            sources={"01_sine": SINE_SOURCE},
        ),
        _student(
            "dave",
            "Dave Errors",
            {"02_softmax": {"sums_to_one": None, "stable": None, "dim": None}},
            seconds=0.5,
            error="02_softmax.py could not be loaded: SyntaxError at line 3.",
        ),
        StudentResult(Student("erin", "Erin NoShow", in_roster=True), None, SubmissionResult("", error=NO_SUBMISSION)),
        _student(
            HOSTILE,
            HOSTILE,
            {"01_sine": {"values": HOSTILE}},
            seconds=12.0,
            error=HOSTILE,
            sources={"01_sine": HOSTILE_SOURCE},
        ),
        _student("student10", "Zed Stranger", {"01_sine": {"values": "Use 2·π·f·t."}}, seconds=0.75),
    ]
    students[-1] = StudentResult(Student("student10", "Zed Stranger"), "student10.py", students[-1].result, 0.75)
    return ClassResult(
        exercises=EXERCISES,
        students=students,
        not_in_roster=["student10.py"],
        sandbox={"mode": "landlock+seccomp", "protections": ["network"], "missing": []},
    )


@pytest.fixture
def pairs() -> list[SimilarPair]:
    start = SINE_SOURCE.index("torch.arange")
    hostile_start = HOSTILE_SOURCE.index("<script>")
    return [
        SimilarPair(
            "01_sine", "alice", "carol", 0.93, SINE_SOURCE, SINE_SOURCE, ((0, 16), (start, start + 12)), ((0, 16),)
        ),
        SimilarPair(
            "01_sine",
            "carol",
            HOSTILE,
            0.41,
            SINE_SOURCE,
            HOSTILE_SOURCE,
            ((0, 16),),
            # Overlapping and out-of-range spans, one of them cutting through the hostile text.
            ((0, 16), (10, 20), (hostile_start, hostile_start + len("<script>")), (len(HOSTILE_SOURCE) - 5, 10_000)),
        ),
    ]


@pytest.fixture
def page(result, pairs) -> str:
    return render_class_report(result, pairs, title="Lesson 1 <class>")


def _without_plotly(page: str) -> str:
    """The page without the inlined plotly.js bundle (its own code names URLs it never loads)."""
    bundle = plotly.offline.get_plotlyjs()
    assert page.count(bundle) == 1
    return page.replace(bundle, "")


# --- The HTML text -----------------------------------------------------------------------------


def test_hostile_text_is_escaped_everywhere(page):
    assert "<script>alert(1)</script>" not in page
    assert "</pre>{{" not in page
    escaped = str(escape(HOSTILE))
    # Its id, name, error message, hint and source all show, escaped.
    assert page.count(escaped) >= 4
    assert html.escape("<script>alert(1)</script>") in page


def test_template_syntax_in_student_text_is_not_evaluated(page):
    assert "&lt;/pre&gt;{{ 7*7 }}" in page
    assert "&lt;/pre&gt;49" not in page


def test_hostile_check_names_cannot_leave_the_figure_json(result, pairs):
    hostile_check = CheckInfo("</script><script>alert(1)</script>", "", 1.0, True)
    result.exercises = [*result.exercises, ExerciseInfo("03_hostile", HOSTILE, (hostile_check,))]
    page = render_class_report(result, pairs)
    assert "<script>alert(1)" not in page
    assert "</script><script>" not in page
    assert "\\u003cscript\\u003ealert(1)" in page  # the name is in the chart's JSON, as JSON escapes


def test_only_plotly_and_the_figures_bypass_escaping():
    templates = Path(__file__).resolve().parents[1] / "grader" / "templates" / "class_report"
    text = "".join(path.read_text(encoding="utf-8") for path in sorted(templates.iterdir()))
    unescaped = re.findall(r"\{\{\s*([\w.]+)\s*\|\s*safe\s*\}\}", text)
    assert sorted(unescaped) == ["exercise.distribution", "exercise.pass_rates", "plotly_js"]
    assert "autoescape false" not in text.lower()


def test_title_is_escaped(page):
    assert "<title>Lesson 1 &lt;class&gt;</title>" in page


def test_plotly_js_is_inlined_once(page):
    assert page.count(plotly.offline.get_plotlyjs()) == 1
    # One script draws every chart: no per-figure copy of plotly's loader.
    assert _without_plotly(page).count("Plotly.newPlot") == 1


def test_no_network_resources(page):
    rest = _without_plotly(page)
    assert "http://" not in rest and "https://" not in rest
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", rest, re.IGNORECASE)
    assert "<link" not in rest and "@import" not in rest and "url(" not in rest and "<img" not in rest
    # The only links are to the page's own sections.
    assert all(link.startswith("#") for link in re.findall(r'href="([^"]*)"', rest))
    assert "src=" not in rest


def test_header_shows_class_numbers_and_sandbox(page):
    assert '<dd id="stat-class-size">7</dd>' in page
    assert '<dd id="stat-submitted">6</dd>' in page
    assert '<dd id="stat-errored">2</dd>' in page
    assert '<dd id="stat-no-submission">1</dd>' in page
    assert '<dd id="stat-max">10</dd>' in page
    assert '<dd id="stat-sandbox">landlock+seccomp</dd>' in page


def test_header_mean_and_median_are_over_submitted_students(page):
    # alice 10, bob 8, carol 5, dave 5, hostile 7, student10 7
    assert '<dd id="stat-mean">7</dd>' in page
    assert '<dd id="stat-median">7</dd>' in page


def test_sandbox_is_left_out_when_unknown(result, pairs):
    result.sandbox = {}
    assert "stat-sandbox" not in render_class_report(result, pairs)


def test_a_section_per_exercise_in_order(page):
    first, second = page.index('id="exercise-1"'), page.index('id="exercise-2"')
    assert first < second
    assert "01_sine" in page[first:second] and "A sine wave" in page[first:second]


def test_common_mistakes_group_identical_hints(page):
    section = page[page.index('id="exercise-2"') : page.index('id="not-graded"')]
    row = section[section.index(html.escape(STABLE_HINT)) :]
    row = row[: row.index("</tr>")]
    assert '<td class="num">2</td>' in row
    assert "<li>bob</li>" in row and "<li>carol</li>" in row
    # Failed checks without a hint are counted, not grouped.
    assert "4 failed checks gave no hint" in section


def test_long_lists_of_students_are_folded(result, pairs):
    many = [_student(f"s{i:03d}", f"S {i}", {"02_softmax": {"stable": STABLE_HINT}}) for i in range(20)]
    result.students.extend(many)
    page = render_class_report(result, pairs)
    section = page[page.index('id="exercise-2"') : page.index('id="not-graded"')]
    assert "<details><summary>22 students</summary>" in section


def test_exercise_lists_submissions_that_errored_on_it(page):
    second = page[page.index('id="exercise-2"') : page.index('id="not-graded"')]
    assert '<span class="id">dave</span>: <span class="message">02_softmax.py could not be loaded' in second
    first = page[page.index('id="exercise-1"') : page.index('id="exercise-2"')]
    # dave scored full marks on 01_sine, so it did not error on it; the hostile one did not.
    assert '<span class="id">dave</span>' not in first
    assert str(escape(HOSTILE)) in first


def test_not_graded_section_lists_errors_no_submission_and_not_in_roster(page):
    section = page[page.index('id="not-graded"') : page.index('id="students"')]
    assert "SyntaxError at line 3" in section
    no_submission = section[section.index("<h3>No submission</h3>") :]
    assert '<span class="id">erin</span> (Erin NoShow)' in no_submission
    assert "<li>student10.py</li>" in section


def test_student_table_has_a_row_per_student_and_a_column_per_exercise(page, result):
    table = page[page.index('<table id="student-table"') : page.index("</table>", page.index('id="student-table"'))]
    assert table.count("<tr class=") == len(result.students)
    headers = re.findall(r'<th data-key="([^"]+)"', table)
    assert headers == ["id", "name", "ex:01_sine", "ex:02_softmax", "total", "seconds", "status"]
    assert '<td class="num total" data-sort="10.0">10</td>' in table
    assert '<td class="status">no submission</td>' in table
    assert "no submission" in table and "· not in roster" in table


def test_similar_pairs_show_both_sources_with_marked_spans(page):
    section = page[page.index('id="similar"') :]
    assert section.count('<article class="pair">') == 2
    assert "93%" in section and "41%" in section
    assert "<pre><code><mark>def sine(f, sr):</mark>" in section
    assert "<mark>torch.arange</mark>" in section


def test_marked_spans_are_escaped_inside_and_around(page):
    section = page[page.index('id="similar"') :]
    # Spans (0,16) and (10,20) merge into one; the hostile span is escaped inside its <mark>.
    assert "<mark>def sine(f, sr):\n   </mark>" in section
    assert "# <mark>&lt;script&gt;</mark>alert(1)&lt;/script&gt;&lt;/pre&gt;{{ 7*7 }}&#34;quoted&#34;" in section
    # The out-of-range span is cut at the source's end.
    assert "/<mark> sr)\n</mark></code></pre>" in section
    sources = re.findall(r"<pre><code>(.*?)</code></pre>", section, re.DOTALL)
    assert len(sources) == 4
    for source in sources:
        assert "<" not in re.sub(r"</?mark>", "", source)


def test_no_similar_pairs_says_so(result):
    assert "No similar pairs found." in render_class_report(result, [])


def test_write_class_report_replaces_the_file_atomically(tmp_path, result, pairs):
    path = tmp_path / "report.html"
    path.write_text("old report", encoding="utf-8")
    write_class_report(result, pairs, path)
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_write_class_report_leaves_no_temporary_file_on_failure(tmp_path, result, pairs):
    path = tmp_path / "report.html"
    path.mkdir()  # a folder where the report should go: the rename over it fails
    with pytest.raises(IsADirectoryError):
        write_class_report(result, pairs, path)
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_a_large_class_report_holds_plotly_once_and_stays_small():
    import plotly.offline

    page = render_class_report(_synthetic_class(400, 8), [])
    plotly_js = plotly.offline.get_plotlyjs()
    assert page.count(plotly_js[:200]) == 1
    assert len(page.encode()) - len(plotly_js.encode()) < 1_500_000


def _synthetic_class(size: int, exercise_count: int) -> ClassResult:
    """A class of ``size`` students over ``exercise_count`` exercises of five checks each."""
    exercises = [
        ExerciseInfo(
            f"{e + 1:02d}_exercise",
            f"Exercise {e + 1}",
            tuple(CheckInfo(f"check_{c}", "a check", 2.0, c < 2) for c in range(5)),
        )
        for e in range(exercise_count)
    ]
    students = []
    for s in range(size):
        exercise_results = []
        for e, info in enumerate(exercises):
            checks = []
            for c, check in enumerate(info.checks):
                passed = (s * 7 + e * 3 + c) % (c + 2) != 0
                hint = None if passed else f"Hint {c} for {info.id}: look at step {(s + c) % 4}."
                checks.append(
                    CheckResult(check.name, "", passed, check.points if passed else 0.0, check.points, "", hint)
                )
            exercise_results.append(ExerciseResult(info.id, info.title, checks))
        error = "could not load 03_exercise.py" if s % 37 == 0 else None
        entry = None if s % 53 == 0 else f"student{s:03d}.py"
        submission = SubmissionResult(f"student{s:03d}.py", exercise_results if entry else [], error=error)
        if entry is None:
            submission.error = NO_SUBMISSION
        students.append(
            StudentResult(Student(f"student{s:03d}", f"Student {s}", in_roster=True), entry, submission, 1.0)
        )
    return ClassResult(exercises, students)


# --- The page in headless Chromium -------------------------------------------------------------


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("no chromium binary on the PATH (Debian/Ubuntu: apt-get install -y chromium)")


def _run_chromium(*args: str, home: Path) -> subprocess.CompletedProcess:
    """Headless Chromium with no network: every host name fails to resolve."""
    command = [
        _chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--hide-scrollbars",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        f"--user-data-dir={home / 'profile'}",
        *args,
    ]
    environment = dict(os.environ, HOME=str(home))
    return subprocess.run(command, capture_output=True, text=True, timeout=120, env=environment, check=False)


@pytest.fixture
def report_file(tmp_path, result, pairs) -> Path:
    path = tmp_path / "report.html"
    write_class_report(result, pairs, path, title="Lesson 1")
    return path


def _dump_dom(path: Path, home: Path, fragment: str = "") -> str:
    run = _run_chromium("--virtual-time-budget=5000", "--dump-dom", path.as_uri() + fragment, home=home)
    assert run.returncode == 0, run.stderr
    assert "</html>" in run.stdout, run.stderr
    return run.stdout


def test_browser_draws_every_chart(report_file, tmp_path, result):
    dom = _dump_dom(report_file, tmp_path)
    charts = re.split(r'<div class="chart[^"]*" data-figure=', dom)[1:]
    assert len(charts) == 2 * len(result.exercises)
    for chart in charts:
        drawn = chart[: chart.index('<script type="application/json"')]
        assert "plot-container" in drawn and 'class="main-svg"' in drawn


def test_browser_shows_every_student_in_the_table(report_file, tmp_path, result):
    dom = _dump_dom(report_file, tmp_path)
    table = dom[dom.index('<table id="student-table"') : dom.index("</table>", dom.index('id="student-table"'))]
    ids = re.findall(r'<td class="id">(.*?)</td>', table)
    assert ids == [html.escape(s.student.id, quote=False) for s in result.students]


def test_browser_creates_no_script_from_student_text(report_file, tmp_path):
    dom = _dump_dom(report_file, tmp_path)
    assert "<script>alert" not in dom
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom


def test_browser_sorts_the_table_from_the_address(report_file, tmp_path):
    dom = _dump_dom(report_file, tmp_path, "#sort=total-desc")
    table = dom[dom.index('<table id="student-table"') :]
    assert re.findall(r'<td class="id">(.*?)</td>', table)[:2] == ["alice", "bob"]
    assert '<th data-key="total" data-type="number" class="num" aria-sort="descending">' in table


def test_browser_sorts_numbers_as_numbers(report_file, tmp_path):
    dom = _dump_dom(report_file, tmp_path, "#sort=seconds-asc")
    ids = re.findall(r'<td class="id">(.*?)</td>', dom[dom.index('<table id="student-table"') :])
    # 12.0 seconds sorts after 4.0 and 2.25 (as text, "12.0" would come before "2.25").
    assert ids[:6] == ["erin", "dave", "student10", "alice", "bob", "carol"]
    assert ids[-1].startswith("&lt;script&gt;")


def test_browser_sorts_a_text_column_descending(report_file, tmp_path):
    dom = _dump_dom(report_file, tmp_path, "#sort=name-desc")
    names = re.findall(r'<td class="id">.*?</td>\s*<td>(.*?)</td>', dom[dom.index('<table id="student-table"') :])
    assert names[:3] == ["Zed Stranger", "Erin NoShow", "Dave Errors"]


def test_browser_sorts_an_exercise_column_ascending(report_file, tmp_path):
    dom = _dump_dom(report_file, tmp_path, "#sort=ex%3A02_softmax-asc")
    ids = re.findall(r'<td class="id">(.*?)</td>', dom[dom.index('<table id="student-table"') :])
    # erin (no submission) and dave score 0 on it; the sort is stable, so roster order breaks ties.
    assert ids[:2] == ["dave", "erin"]


def test_browser_screenshot_is_not_blank(report_file, tmp_path):
    screenshot = tmp_path / "report.png"
    run = _run_chromium(
        "--virtual-time-budget=5000",
        "--window-size=1280,2000",
        f"--screenshot={screenshot}",
        report_file.as_uri(),
        home=tmp_path,
    )
    assert screenshot.exists(), run.stderr
    width, height, pixels = _read_png(screenshot.read_bytes())
    assert (width, height) == (1280, 2000)
    greys = [sum(pixel[:3]) / 3 for pixel in pixels[:: max(1, len(pixels) // 50_000)]]
    mean = sum(greys) / len(greys)
    variance = sum((g - mean) ** 2 for g in greys) / len(greys)
    assert variance > 100, "the screenshot is (nearly) one colour"
    # Chart colours made it to the screen: plotly drew the public checks' bars.
    assert any(abs(p[0] - 0x2A) < 12 and abs(p[1] - 0x6F) < 12 and abs(p[2] - 0xDB) < 12 for p in pixels)


def _read_png(data: bytes) -> tuple[int, int, list[tuple[int, ...]]]:
    """Width, height and pixels of an 8-bit RGB or RGBA, non-interlaced PNG (what Chromium writes)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, chunks, header = 8, [], b""
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            chunks.append(body)
        position += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and colour in (2, 6) and interlace == 0, (depth, colour, interlace)
    channels = 4 if colour == 6 else 3
    raw = zlib.decompress(b"".join(chunks))
    stride = width * channels
    rows: list[bytearray] = []
    previous = bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for x in range(stride):
            left = line[x - channels] if x >= channels else 0
            up = previous[x]
            corner = previous[x - channels] if x >= channels else 0
            if kind == 1:
                line[x] = (line[x] + left) & 0xFF
            elif kind == 2:
                line[x] = (line[x] + up) & 0xFF
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 0xFF
            elif kind == 4:
                estimate = left + up - corner
                pa, pb, pc = abs(estimate - left), abs(estimate - up), abs(estimate - corner)
                line[x] = (line[x] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 0xFF
        rows.append(line)
        previous = line
    pixels = [tuple(row[x : x + channels]) for row in rows for x in range(0, stride, channels)]
    return width, height, pixels
