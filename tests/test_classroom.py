"""`grade PATH --format classroom`: the runner result GitHub Classroom's grading reporter reads,
printed and written to GITHUB_OUTPUT, and the workflow that wires them together.

The schema (tests/data/classroom_result.schema.json) is written from the reporter's source:
classroom-resources/autograding-grading-reporter, src/main.js, src/console-results.js,
src/helpers/test-helpers.js and src/notify-classroom.js.
"""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path

import pytest
from conftest import REPO, run_grade

jsonschema = pytest.importorskip("jsonschema")

SCHEMA = json.loads((REPO / "tests" / "data" / "classroom_result.schema.json").read_text(encoding="utf-8"))
WORKFLOW = REPO / "deploy" / "github-classroom" / "classroom.yml"
REPORTER = "classroom-resources/autograding-grading-reporter@v1"


def grade_for_classroom(path: Path, tmp_path: Path) -> tuple[int, dict, dict]:
    """Exit status, the result printed on stdout, and the one decoded from GITHUB_OUTPUT."""
    output = tmp_path / "github_output"
    output.write_text("earlier=1\n", encoding="utf-8")  # a step output file is appended to, never replaced
    done = run_grade(str(path), "--format", "classroom", cwd=tmp_path, env={"GITHUB_OUTPUT": str(output)})
    lines = output.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "earlier=1" and len(lines) == 2
    name, _, value = lines[1].partition("=")
    assert name == "result"
    decoded = json.loads(base64.b64decode(value, validate=True).decode("utf-8"))
    printed = json.loads(done.stdout)
    for result in (printed, decoded):
        jsonschema.validate(result, SCHEMA)
    assert printed == decoded
    return done.returncode, decoded, printed


def grade_json(path: Path, tmp_path: Path) -> dict:
    return json.loads(run_grade(str(path), "--format", "json", cwd=tmp_path).stdout)


def test_a_correct_submission_passes_with_the_points_of_grade_json(tmp_path: Path) -> None:
    submission = tmp_path / "03_softmax.py"
    shutil.copy(REPO / "tests" / "solutions" / "softmax_logsumexp.py", submission)
    status, result, _printed = grade_for_classroom(submission, tmp_path)
    report = grade_json(submission, tmp_path)
    assert status == 0 and result["status"] == "pass"
    assert result["max_score"] == report["max_score"] == 10
    assert sum(test["score"] for test in result["tests"]) == report["score"] == 10
    assert all(test["status"] == "pass" and test["line_no"] == 0 for test in result["tests"])


def test_a_wrong_submission_fails_with_the_points_of_grade_json(tmp_path: Path) -> None:
    submission = tmp_path / "03_softmax.py"
    shutil.copy(REPO / "grader" / "lesson" / "mistakes" / "softmax" / "naive_overflow.py", submission)
    status, result, _printed = grade_for_classroom(submission, tmp_path)
    report = grade_json(submission, tmp_path)
    assert status == 1 and result["status"] == "fail"
    assert result["max_score"] == report["max_score"]
    assert sum(test["score"] for test in result["tests"]) == report["score"] < report["max_score"]
    checks = {c["name"]: c for s in report["submissions"] for e in s["exercises"] for c in e["checks"]}
    for test in result["tests"]:
        check = checks[test["name"].split(": ", 1)[1]]
        assert test["score"] == check["score"]
        assert (test["status"] == "pass") == check["passed"]
    failed = [test for test in result["tests"] if test["name"].endswith("large_logits_stay_finite")]
    assert failed[0]["status"] == "fail" and "subtract the maximum" in failed[0]["message"].lower()


def test_nothing_to_grade_is_an_error_result_and_exit_status_2(tmp_path: Path) -> None:
    submission = tmp_path / "notes.py"
    submission.write_text("x = 1\n", encoding="utf-8")
    status, result, _printed = grade_for_classroom(submission, tmp_path)
    assert status == 2 and result["status"] == "error"
    assert result["tests"] and result["tests"][0]["status"] == "error" and result["tests"][0]["score"] == 0


def test_the_workflow_runs_the_grader_and_hands_its_result_to_the_reporter() -> None:
    text = WORKFLOW.read_text(encoding="utf-8")
    assert REPORTER in text
    yaml = pytest.importorskip("yaml")
    workflow = yaml.safe_load(text)
    steps = workflow["jobs"]["run-autograding-tests"]["steps"]
    grading = [step for step in steps if "--format classroom" in step.get("run", "")]
    assert len(grading) == 1
    runner = grading[0]["id"]
    reporter = [step for step in steps if step.get("uses") == REPORTER]
    assert len(reporter) == 1
    # The reporter reads process.env[`${runner.toUpperCase()}_RESULTS`] for each of its runners.
    assert reporter[0]["with"]["runners"] == runner
    assert reporter[0]["env"] == {f"{runner.upper()}_RESULTS": f"${{{{ steps.{runner}.outputs.result }}}}"}
    install = " ".join(step.get("run", "") for step in steps)
    assert "download.pytorch.org/whl/cpu" in install
    assert steps.index(grading[0]) < steps.index(reporter[0])
