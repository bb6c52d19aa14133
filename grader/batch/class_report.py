"""The class report: one self-contained HTML page about a graded class (``grade batch --html``).

The page is written for the instructor and opened from disk, often with no network: plotly.js
is inlined once, each chart is its figure's JSON drawn by a few lines of inline script, and the
styles are inline too. Everything a student or the roster wrote (ids, names, messages, hints,
source code) reaches the page only through Jinja2's autoescaping.

The numbers are worked out here, in plain Python (:func:`_view`); the templates in
``grader/templates/class_report/`` only lay them out.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

# plotly ships no type information (and pyproject's mypy overrides are not this module's to edit).
import plotly.graph_objects as go
import plotly.offline

from grader.batch.exports._common import unicode_safe
from grader.batch.files import write_atomic
from grader.batch.model import NO_SUBMISSION, ClassResult, ExerciseInfo, StudentResult
from grader.batch.similarity import SimilarPair
from grader.results import MAX_ERROR_CHARS, MAX_MESSAGE_CHARS, bounded

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "class_report"
DEFAULT_TITLE = "Class report"
# The most common mistakes shown as rows; rarer ones are folded below them (a hint that quotes the
# student's own values is different for everyone and would make one row per student).
SHOWN_MISTAKES = 10
# Beyond this many students a hint's list of ids is folded in a <details>, so that one common
# mistake does not push the rest of the section off the screen.
FOLD_IDS_ABOVE = 12
# A similar pair's sources are shown in full up to this length; a longer one (a student who
# pasted a data set into their code) is cut, so that a pair cannot make the page huge.
MAX_SOURCE_CHARS = 40_000
# The pass-rate bars' colours for public and hidden checks (their labels say it too, for print in grey).
PUBLIC_COLOUR = "#2a6fdb"
HIDDEN_COLOUR = "#e07b16"


@dataclass
class _Stats:
    """The header's numbers."""

    class_size: int
    submitted: int
    errored: int
    no_submission: int
    mean: str
    median: str
    max_score: str
    sandbox_mode: str | None
    sandbox_missing: list[str]


@dataclass
class _Mistake:
    """One hint text and the students whose failed checks got it."""

    hint: str
    checks: list[str]
    students: list[str]

    @property
    def folded(self) -> bool:
        return len(self.students) > FOLD_IDS_ABOVE


@dataclass
class _ExerciseView:
    info: ExerciseInfo
    anchor: str
    mean: str
    median: str
    graded: int
    not_attempted: int
    full_marks: int
    # The figures' JSON, safe inside <script type="application/json"> (the template marks it |safe).
    distribution: str
    pass_rates: str
    mistakes: list[_Mistake]
    rarer_mistakes: list[_Mistake]
    unhinted_failures: int
    errored: list[tuple[StudentResult, str]]


@dataclass
class _Row:
    """One row of the per-student table; ``scores`` are (shown text, sort key) per exercise."""

    id: str
    name: str
    scores: list[tuple[str, float]]
    total: float
    seconds: float
    status: str
    status_title: str
    not_in_roster: bool


@dataclass
class _PairView:
    pair: SimilarPair
    first_name: str
    second_name: str
    percent: str
    first: list[tuple[str, bool]] = field(default_factory=list)  # (text, matched) pieces
    second: list[tuple[str, bool]] = field(default_factory=list)


def render_class_report(result: ClassResult, pairs: list[SimilarPair], *, title: str = DEFAULT_TITLE) -> str:
    """The class report of ``result`` as one self-contained HTML page.

    ``pairs`` are the similar submissions to show side by side (from
    :func:`grader.batch.similarity.similar_pairs`); an empty list says none were found.
    """
    template = _environment().get_template("report.html.j2")
    return template.render(title=title, plotly_js=_plotly_js(), **_view(result, pairs))


def write_class_report(
    result: ClassResult, pairs: list[SimilarPair], path: Path, *, title: str = DEFAULT_TITLE
) -> None:
    """Write :func:`render_class_report` to ``path`` atomically.

    The page goes to a temporary file in the same folder first and is then renamed over
    ``path``, so a browser or a sync client never sees half a report and an older report is
    only replaced by a complete one.
    """
    # An entry name that is not UTF-8 on disk reaches here with lone surrogates, which no UTF-8
    # page can hold: each becomes U+FFFD, as in the CSV exports.
    page = unicode_safe(render_class_report(result, pairs, title=title))
    write_atomic(Path(path), page.encode("utf-8"))


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    # Autoescape for every template, whatever its name: the CSS and script parts are included
    # from the page and hold no variables, but a later edit that adds one stays escaped.
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["points"] = _points
    environment.filters["number"] = _number
    return environment


@lru_cache(maxsize=1)
def _plotly_js() -> str:
    """The plotly.js bundle (about 4.5 MB), read once per process."""
    bundle = plotly.offline.get_plotlyjs()
    # It is inlined in a <script> element, which the first "</script" would end.
    if "</script" in bundle.lower():
        raise RuntimeError("the plotly.js bundle contains '</script' and cannot be inlined")
    return bundle


MAX_PAIRS_SIDE_BY_SIDE = 50


def _view(result: ClassResult, pairs: Sequence[SimilarPair]) -> dict[str, Any]:
    """Everything the template shows, worked out from the class."""
    students = result.students
    submitted = [s for s in students if s.submitted]
    names = {s.student.id: s.student.name for s in students}
    not_in_roster = set(result.not_in_roster)
    return {
        "stats": _stats(result),
        "exercises": [_exercise_view(result, index, exercise) for index, exercise in enumerate(result.exercises)],
        "errored": [(s, bounded(s.result.error, MAX_ERROR_CHARS)) for s in submitted if s.result.error],
        "no_submission": [s for s in students if not s.submitted],
        "not_in_roster": result.not_in_roster,
        "rows": [_row(result, s, not_in_roster) for s in students],
        # Side by side only for the closest pairs: a class that shares one solution would make
        # a page of megabytes; the table and similar.csv list them all.
        "pairs": [_pair_view(pair, names) for pair in pairs[:MAX_PAIRS_SIDE_BY_SIDE]],
        "all_pairs": [(pair, f"{pair.score:.0%}") for pair in pairs],
    }


def _stats(result: ClassResult) -> _Stats:
    submitted = [s for s in result.students if s.submitted]
    totals = [s.result.score for s in submitted]
    mode = result.sandbox.get("mode")
    return _Stats(
        class_size=len(result.students),
        submitted=len(submitted),
        errored=sum(1 for s in submitted if s.result.error),
        no_submission=len(result.students) - len(submitted),
        mean=_points(statistics.fmean(totals)) if totals else "–",
        median=_points(statistics.median(totals)) if totals else "–",
        max_score=_points(result.max_score),
        sandbox_mode=str(mode) if mode else None,
        sandbox_missing=[str(item) for item in result.sandbox.get("missing", []) or []],
    )


def _exercise_view(result: ClassResult, index: int, exercise: ExerciseInfo) -> _ExerciseView:
    # An exercise's numbers are over the students graded on it: those who handed nothing in,
    # or did not attempt this exercise, are counted (not_attempted) but their zeros would hide
    # how the others did (and make every median 0 in a class that hands exercises in one by one).
    submitted = [s for s in result.students if s.submitted]
    outcomes = {s.student.id: _checks_of(s, exercise.id) for s in submitted}
    scores = [s.exercise_score(exercise.id) for s in submitted if outcomes[s.student.id]]
    mistakes = _mistakes(outcomes)
    return _ExerciseView(
        info=exercise,
        anchor=f"exercise-{index + 1}",
        mean=_points(statistics.fmean(scores)) if scores else "–",
        median=_points(statistics.median(scores)) if scores else "–",
        graded=len(scores),
        not_attempted=len(submitted) - len(scores),
        full_marks=sum(1 for score in scores if exercise.max_score and score >= exercise.max_score),
        distribution=_figure_json(_distribution_figure(exercise, scores)),
        pass_rates=_figure_json(_pass_rate_figure(exercise, outcomes)),
        mistakes=mistakes[:SHOWN_MISTAKES],
        rarer_mistakes=mistakes[SHOWN_MISTAKES:],
        unhinted_failures=sum(1 for checks in outcomes.values() for c in checks.values() if not c[0] and not c[1]),
        # Errors are recorded per submission (a file that would not load, a timeout): one counts
        # against each exercise it attempted and did not get full marks on. A submission with no
        # exercise graded at all is listed once, under "could not be graded".
        errored=[
            (s, bounded(s.result.error, MAX_ERROR_CHARS) or "")
            for s in submitted
            if s.result.error
            and outcomes[s.student.id]
            and (not exercise.max_score or s.exercise_score(exercise.id) < exercise.max_score)
        ],
    )


def _checks_of(student: StudentResult, exercise_id: str) -> dict[str, tuple[bool, str | None]]:
    """{check name: (passed, hint)} of one student on one exercise (empty if not attempted)."""
    return {
        check.name: (check.passed, bounded(check.hint))
        for exercise in student.result.exercises
        if exercise.name == exercise_id
        for check in exercise.checks
    }


_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?")


def _mistakes(outcomes: dict[str, dict[str, tuple[bool, str | None]]]) -> list[_Mistake]:
    """Failed checks grouped by their hint's text, the most common first."""
    groups: dict[str, _Mistake] = {}
    for student_id, checks in outcomes.items():
        for check_name, (passed, hint) in checks.items():
            if passed or not hint:
                continue
            # One mistake, whatever numbers its hint quotes ("6 times too large", "5 times ...").
            mistake = groups.setdefault(_NUMBER.sub("#", hint), _Mistake(hint, [], []))
            if check_name not in mistake.checks:
                mistake.checks.append(check_name)
            # A hint given for two checks of one student counts the student once.
            if not mistake.students or mistake.students[-1] != student_id:
                mistake.students.append(student_id)
    return sorted(groups.values(), key=lambda m: -len(m.students))


def _distribution_figure(exercise: ExerciseInfo, scores: list[float]) -> go.Figure:
    """Bars of how many students scored each number of points (points are few and discrete,
    so a bar per value reads better than a histogram's bins)."""
    counts: dict[float, int] = {}
    for score in scores:
        value = round(score, 4)
        counts[value] = counts.get(value, 0) + 1
    values = sorted(counts)
    figure = go.Figure(
        go.Bar(
            x=values,
            y=[counts[v] for v in values],
            marker_color="#4c78a8",
            hovertemplate="%{x} points: %{y} students<extra></extra>",
        )
    )
    figure.update_layout(
        title={"text": "Score distribution", "x": 0},
        xaxis={"title": {"text": f"points (of {_points(exercise.max_score)})"}, "range": _score_range(exercise)},
        # A tick per student while the bars are short: plotly's automatic ticks would be 0.5 apart.
        yaxis={
            "title": {"text": "students"},
            "rangemode": "tozero",
            "dtick": 1 if max(counts.values(), default=0) <= 8 else None,
        },
        height=320,
        bargap=0.15,
    )
    return figure


def _score_range(exercise: ExerciseInfo) -> list[float]:
    width = max(exercise.max_score, 1.0)
    return [-0.05 * width - 0.5, width + 0.05 * width + 0.5]


def _pass_rate_figure(exercise: ExerciseInfo, outcomes: dict[str, dict[str, tuple[bool, str | None]]]) -> go.Figure:
    """A horizontal bar per check: the share of the students graded on the exercise who passed it
    (those who did not attempt it are in the score distribution, at 0, not here)."""
    attempted = {student: checks for student, checks in outcomes.items() if checks}
    total = len(attempted)
    figure = go.Figure()
    for public in (True, False):
        checks = [c for c in exercise.checks if c.public == public]
        if not checks:
            continue
        passed = [sum(1 for o in attempted.values() if o.get(c.name, (False, None))[0]) for c in checks]
        figure.add_trace(
            go.Bar(
                orientation="h",
                name="public" if public else "hidden",
                y=[_label(c.name, c.public) for c in checks],
                x=[100 * p / total if total else 0 for p in passed],
                customdata=[[p, total] for p in passed],
                marker_color=PUBLIC_COLOUR if public else HIDDEN_COLOUR,
                hovertemplate="%{y}: %{x:.0f}% (%{customdata[0]} of %{customdata[1]})<extra></extra>",
            )
        )
    figure.update_layout(
        title={"text": "Pass rate per check", "x": 0},
        xaxis={"title": {"text": "% of the students graded on it"}, "range": [0, 100], "ticksuffix": "%"},
        # Checks top to bottom in grading order, as the exercise declares them.
        yaxis={
            "categoryorder": "array",
            "categoryarray": [_label(c.name, c.public) for c in reversed(exercise.checks)],
            "automargin": True,
        },
        height=140 + 26 * max(len(exercise.checks), 1),
        # Each label says public or hidden and the colours differ: a legend would only repeat them
        # (and share the top right corner with plotly's mode bar).
        showlegend=False,
    )
    return figure


def _label(name: str, public: bool) -> str:
    # Check names come from the exercise pack, not from students; they are still passed through
    # plotly's text rendering, so keep them plain and short.
    short = name if len(name) <= 60 else name[:59] + "…"
    return f"{short} ({'public' if public else 'hidden'})"


def _figure_json(figure: go.Figure) -> str:
    """A figure as JSON that is safe inside a ``<script type="application/json">`` element."""
    figure.update_layout(template="plotly_white", margin={"l": 10, "r": 20, "t": 40, "b": 10})
    return _script_safe(figure.to_json())


def _script_safe(text: str) -> str:
    # Within JSON strings these escapes mean the same characters, but no "</script>" or "<!--"
    # can end or confuse the element; U+2028/9 are line ends to older JavaScript parsers.
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028")):
        text = text.replace(char, escape)
    return text.replace("\u2029", "\\u2029")


def _row(result: ClassResult, student: StudentResult, not_in_roster: set[str]) -> _Row:
    attempted = {e.name for e in student.result.exercises}
    scores = []
    for exercise in result.exercises:
        score = student.exercise_score(exercise.id)
        scores.append((_points(score) if exercise.id in attempted else "–", score))
    error = student.result.error
    if not student.submitted:
        status, title = NO_SUBMISSION, ""
    elif error:
        status, title = "error", bounded(error, MAX_MESSAGE_CHARS) or ""
    else:
        status, title = "graded", ""
    return _Row(
        id=student.student.id,
        name=student.student.name,
        scores=scores,
        total=student.result.score,
        seconds=student.seconds,
        status=status,
        status_title=title,
        not_in_roster=student.entry is not None and student.entry in not_in_roster,
    )


def _pair_view(pair: SimilarPair, names: dict[str, str]) -> _PairView:
    return _PairView(
        pair=pair,
        first_name=names.get(pair.first, ""),
        second_name=names.get(pair.second, ""),
        percent=f"{100 * pair.score:.0f}%",
        first=_pieces(pair.first_source, pair.first_spans),
        second=_pieces(pair.second_source, pair.second_spans),
    )


def _pieces(source: str, spans: Iterable[tuple[int, int]]) -> list[tuple[str, bool]]:
    """``source`` cut into (text, matched) pieces by ``spans``; the template escapes each piece.

    Spans are clamped to the source, sorted and merged, so that overlapping or out-of-range
    ranges from the similarity check still give well-nested ``<mark>`` elements.
    """
    shown = source[:MAX_SOURCE_CHARS]
    merged: list[list[int]] = []
    for start, end in sorted((max(0, int(s)), min(len(shown), int(e))) for s, e in spans):
        if start >= end:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    pieces: list[tuple[str, bool]] = []
    position = 0
    for start, end in merged:
        if start > position:
            pieces.append((shown[position:start], False))
        pieces.append((shown[start:end], True))
        position = end
    if position < len(shown):
        pieces.append((shown[position:], False))
    if len(source) > len(shown):
        pieces.append((f"\n… ({len(source) - len(shown):,} more characters)", False))
    return pieces


def _points(value: float) -> str:
    """Points as people write them: 10, not 10.0; 2.5 stays 2.5."""
    rounded = round(float(value), 2)
    return str(int(rounded)) if rounded.is_integer() else f"{rounded:g}"


def _number(value: float) -> str:
    """A sort key for the table's inline script: a plain decimal number."""
    return repr(round(float(value), 4))
