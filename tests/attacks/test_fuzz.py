"""Fuzzing: whatever a class hands in, `grade` exits 0, 1 or 2 with a valid report, in bounded time.

Each example grades a whole class in one run (random Python from the grammar, random bytes
and random notebooks, each one student's submission), as `grade A B C ...` would.
"""

from __future__ import annotations

import json

import hypothesmith
import nbformat
from conftest import run_grade
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

FILES = ("03_softmax.py", "07_split.py", "04_nll.py")

random_python = hypothesmith.from_grammar().map(lambda source: source.encode("utf-8", "surrogatepass"))
random_bytes = st.binary(max_size=2000)
cell_source = st.one_of(hypothesmith.from_grammar(), st.text(max_size=200))
random_notebook = st.lists(cell_source, max_size=4).map(
    lambda cells: nbformat.writes(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])).encode(
        "utf-8", "surrogatepass"
    )
)
broken_notebook = st.one_of(
    st.binary(max_size=500).map(lambda b: b'{"cells": ' + b),
    st.recursive(
        st.none() | st.integers() | st.text(max_size=20),
        lambda inner: st.lists(inner) | st.dictionaries(st.text(max_size=10), inner),
        max_leaves=20,
    ).map(lambda value: json.dumps(value).encode()),
)
submission = st.one_of(
    st.tuples(st.sampled_from(FILES), random_python),
    st.tuples(st.sampled_from(FILES), random_bytes),
    st.tuples(st.just("homework.ipynb"), random_notebook),
    st.tuples(st.just("homework.ipynb"), broken_notebook),
)


@settings(max_examples=2, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(st.lists(submission, min_size=4, max_size=12))
def test_any_class_gets_a_valid_report_and_a_documented_exit_status(tmp_path_factory, class_of):
    folder = tmp_path_factory.mktemp("class")
    paths = []
    for index, (name, content) in enumerate(class_of):
        student = folder / f"student{index:02d}"
        student.mkdir()
        (student / name).write_bytes(content)
        paths.append(str(student / name))
    run = run_grade(*paths, "--format", "json", "--timeout", "2", cwd=folder, timeout=600)
    assert run.returncode in (0, 1, 2), run.stderr[-3000:]
    assert "Traceback" not in run.stderr, run.stderr[-3000:]
    if run.returncode == 2 and not run.stdout.strip():
        assert run.stderr.startswith("Error: ") and run.stderr.count("\n") == 1, run.stderr
        return
    report = json.loads(run.stdout)
    assert [s["path"] for s in report["submissions"]] == paths
    assert report["score"] == sum(s["score"] for s in report["submissions"])
