"""The gradebook exports of `grade batch`: each format against its schema, hostile text kept inert."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import jsonschema
import pytest
import xmlschema
from junitparser import Error, Failure, JUnitXml

from grader.batch.exports import (
    gradescope_results,
    write_canvas,
    write_exports,
    write_gradebook_csv,
    write_gradescope,
    write_json_report,
    write_junit,
)
from grader.batch.exports._common import path_component
from grader.batch.files import write_atomic
from grader.batch.model import NO_SUBMISSION, CheckInfo, ClassResult, ExerciseInfo, Student, StudentResult
from grader.results import CheckResult, ExerciseResult, Report, SubmissionResult

DATA = Path(__file__).parent / "data"
HOSTILE_ID = "=cmd|' /C calc'!A0"
HOSTILE_NAME = "<script>alert(1)</script> ]]> Zoë 音\x07"
HOSTILE_MESSAGE = "got ]]> <script>x</script> \x00\x1b[31m Grüße =1+1"

EXERCISES = [
    ExerciseInfo(
        "01_sine",
        "Sine wave",
        (CheckInfo("shape", "the shape", 2, True), CheckInfo("values", "the values", 3, True)),
    ),
    ExerciseInfo(
        "02_mel",
        "Mel spectrogram",
        (CheckInfo("bins", "the bins", 2.5, True), CheckInfo("edge", "an edge case", 2.5, False)),
    ),
]


def _check(info: CheckInfo, score: float, message: str = "ok", hint: str | None = None) -> CheckResult:
    return CheckResult(
        name=info.name,
        description=info.description,
        passed=score >= info.points,
        score=score,
        max_score=info.points,
        message=message,
        hint=hint,
        public=info.public,
        seconds=0.25,
    )


def _full(path: str) -> SubmissionResult:
    return SubmissionResult(
        path=path,
        ran=True,
        exercises=[ExerciseResult(e.id, e.title, [_check(c, c.points) for c in e.checks]) for e in EXERCISES],
    )


def _partial() -> SubmissionResult:
    sine, mel = EXERCISES
    return SubmissionResult(
        path="bob.py",
        ran=True,
        exercises=[
            ExerciseResult(
                sine.id,
                sine.title,
                [_check(sine.checks[0], 2), _check(sine.checks[1], 0, "values are off by pi", "use np.sin, not cos")],
            ),
            ExerciseResult(
                mel.id,
                mel.title,
                [_check(mel.checks[0], 2.5), _check(mel.checks[1], 0, "edge case failed", "try an empty signal")],
            ),
        ],
    )


def _hostile() -> SubmissionResult:
    sine = EXERCISES[0]
    return SubmissionResult(
        path="=cmd.py",
        ran=True,
        exercises=[
            ExerciseResult(
                sine.id,
                sine.title,
                [_check(sine.checks[0], 0, HOSTILE_MESSAGE, HOSTILE_MESSAGE), _check(sine.checks[1], 3)],
            )
        ],
    )


def make_class() -> ClassResult:
    """Alice full marks, Bob failed checks (with hints, one hidden), Carol no submission, Dave not
    in the roster with an error, and a hostile student."""
    return ClassResult(
        exercises=list(EXERCISES),
        students=[
            StudentResult(
                Student("alice", "Alice Liddell", "alice@example.org", (("section", "A"), ("canvas_id", "1001")), True),
                "alice.py",
                _full("alice.py"),
                seconds=1.5,
            ),
            StudentResult(
                Student("bob", "Bob Dylan", "bob@example.org", (("section", "B"), ("canvas_id", "1002")), True),
                "bob.py",
                _partial(),
                seconds=2.0,
            ),
            StudentResult(
                Student("carol", "Carol King", "carol@example.org", (("section", "A"), ("canvas_id", "1003")), True),
                None,
                SubmissionResult(path="carol", error=NO_SUBMISSION),
            ),
            StudentResult(
                Student(HOSTILE_ID, HOSTILE_NAME, "@evil.example", (("section", "-2+3"), ("canvas_id", "+1")), True),
                "=cmd.py",
                _hostile(),
                seconds=0.5,
            ),
            StudentResult(
                Student("dave"),
                "dave",
                SubmissionResult(path="dave", error="SyntaxError: invalid syntax (01_sine.py, line 3)\n  more"),
                seconds=0.1,
            ),
        ],
        not_in_roster=["dave"],
        sandbox={"mode": "full", "protections": ["seccomp"], "missing": []},
    )


@pytest.fixture
def klass() -> ClassResult:
    return make_class()


def read_csv(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8"), newline="")))


def gradebook_by_id(path: Path) -> dict[str, dict[str, str]]:
    header, *rows = read_csv(path)
    return {row[0]: dict(zip(header, row)) for row in rows}


def tree_bytes(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# --- all exports ---------------------------------------------------------------------------------


def test_write_exports_writes_every_format_and_returns_its_paths(klass: ClassResult, tmp_path: Path) -> None:
    paths = write_exports(klass, tmp_path / "out")
    names = sorted(str(p.relative_to(tmp_path / "out")) for p in paths)
    assert {"gradebook.csv", "report.json", "junit.xml", "canvas.csv"} <= set(names)
    assert sum(name.startswith("gradescope/") for name in names) == len(klass.students)
    assert all(p.is_file() for p in paths)


def test_exports_are_the_same_bytes_for_the_same_class(tmp_path: Path) -> None:
    write_exports(make_class(), tmp_path / "one")
    write_exports(make_class(), tmp_path / "two")
    assert tree_bytes(tmp_path / "one") == tree_bytes(tmp_path / "two")


def test_exports_leave_no_temporary_files(klass: ClassResult, tmp_path: Path) -> None:
    paths = write_exports(klass, tmp_path)
    write_exports(klass, tmp_path)  # over existing files
    assert sorted(p for p in tmp_path.rglob("*") if p.is_file()) == sorted(paths)


def test_a_failed_write_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "gradebook.csv"
    target.write_bytes(b"old")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        write_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert list(tmp_path.iterdir()) == [target]


def test_exports_are_utf8(klass: ClassResult, tmp_path: Path) -> None:
    for path in write_exports(klass, tmp_path):
        path.read_bytes().decode("utf-8")


# --- gradebook.csv -------------------------------------------------------------------------------


def test_gradebook_header_has_identity_roster_exercise_and_summary_columns(klass: ClassResult, tmp_path: Path) -> None:
    header = read_csv(write_gradebook_csv(klass, tmp_path))[0]
    assert header == [
        "id",
        "name",
        "email",
        "section",
        "canvas_id",
        "01_sine",
        "02_mel",
        "total",
        "max_score",
        "status",
        "entry",
    ]


def test_gradebook_has_a_row_per_student_in_roster_order(klass: ClassResult, tmp_path: Path) -> None:
    rows = read_csv(write_gradebook_csv(klass, tmp_path))[1:]
    assert [row[0] for row in rows] == ["alice", "bob", "carol", "'" + HOSTILE_ID, "dave"]


def test_gradebook_writes_points_without_a_trailing_zero(klass: ClassResult, tmp_path: Path) -> None:
    rows = gradebook_by_id(write_gradebook_csv(klass, tmp_path))
    assert (rows["alice"]["01_sine"], rows["alice"]["02_mel"], rows["alice"]["total"]) == ("5", "5", "10")
    assert (rows["bob"]["01_sine"], rows["bob"]["02_mel"], rows["bob"]["total"]) == ("2", "2.5", "4.5")
    assert rows["bob"]["max_score"] == "10"


def test_gradebook_status_says_graded_no_submission_or_error(klass: ClassResult, tmp_path: Path) -> None:
    rows = gradebook_by_id(write_gradebook_csv(klass, tmp_path))
    assert rows["alice"]["status"] == "graded"
    assert (rows["carol"]["status"], rows["carol"]["entry"], rows["carol"]["total"]) == ("no submission", "", "0")
    assert rows["dave"]["status"] == "error: SyntaxError: invalid syntax (01_sine.py, line 3)"


def test_gradebook_neutralises_formulas_from_students_and_roster(klass: ClassResult, tmp_path: Path) -> None:
    row = gradebook_by_id(write_gradebook_csv(klass, tmp_path))["'" + HOSTILE_ID]
    assert row["email"] == "'@evil.example"
    assert row["section"] == "'-2+3"
    assert row["canvas_id"] == "'+1"
    assert row["entry"] == "'=cmd.py"
    assert row["name"] == HOSTILE_NAME  # starts with "<": left alone, control character and all


def test_gradebook_keeps_negative_numbers_it_computes(tmp_path: Path) -> None:
    info = CheckInfo("penalty", "a late penalty", 1, True)
    penalised = SubmissionResult(path="p.py", exercises=[ExerciseResult("late", "Late", [_check(info, -2)])])
    result = ClassResult([ExerciseInfo("late", "Late", (info,))], [StudentResult(Student("p"), "p.py", penalised)])
    rows = gradebook_by_id(write_gradebook_csv(result, tmp_path))
    assert (rows["p"]["late"], rows["p"]["total"]) == ("-2", "-2")


# --- report.json ---------------------------------------------------------------------------------


def test_report_json_has_exactly_the_top_level_keys_of_report_to_json(klass: ClassResult, tmp_path: Path) -> None:
    data = json.loads(write_json_report(klass, tmp_path).read_text("utf-8"))
    assert list(data) == list(Report().to_json())


def test_report_json_submissions_keep_every_key_and_add_only_student(klass: ClassResult, tmp_path: Path) -> None:
    data = json.loads(write_json_report(klass, tmp_path).read_text("utf-8"))
    expected_keys = set(SubmissionResult(path="x").to_json()) | {"student"}
    assert [set(entry) for entry in data["submissions"]] == [expected_keys] * len(klass.students)
    assert [entry["student"] for entry in data["submissions"]] == [s.student.id for s in klass.students]


def test_report_json_entry_for_a_graded_student_is_its_to_json(klass: ClassResult, tmp_path: Path) -> None:
    data = json.loads(write_json_report(klass, tmp_path).read_text("utf-8"))
    entry = dict(data["submissions"][1])
    assert entry.pop("student") == "bob"
    assert entry == klass.students[1].result.to_json()


def test_report_json_entry_for_no_submission_scores_zero_out_of_the_full_marks(
    klass: ClassResult, tmp_path: Path
) -> None:
    carol = json.loads(write_json_report(klass, tmp_path).read_text("utf-8"))["submissions"][2]
    assert (carol["path"], carol["error"], carol["score"], carol["max_score"]) == ("carol", NO_SUBMISSION, 0, 10)


def test_report_json_totals_add_up_the_students(klass: ClassResult, tmp_path: Path) -> None:
    data = json.loads(write_json_report(klass, tmp_path).read_text("utf-8"))
    assert data["score"] == sum(entry["score"] for entry in data["submissions"])
    assert data["sandbox"] == {"mode": "full", "protections": ["seccomp"], "missing": []}


# --- junit.xml -----------------------------------------------------------------------------------


def test_junit_xml_is_valid_against_the_jenkins_junit_schema(klass: ClassResult, tmp_path: Path) -> None:
    xmlschema.XMLSchema(DATA / "junit.xsd").validate(str(write_junit(klass, tmp_path)))


def test_junit_has_a_testsuite_per_student_named_by_id(klass: ClassResult, tmp_path: Path) -> None:
    xml = JUnitXml.fromfile(str(write_junit(klass, tmp_path)))
    assert [suite.name for suite in xml] == [s.student.id for s in klass.students]


def test_junit_has_a_testcase_per_check_with_classname_and_time(klass: ClassResult, tmp_path: Path) -> None:
    alice = next(iter(JUnitXml.fromfile(str(write_junit(klass, tmp_path)))))
    cases = [(case.classname, case.name, case.time) for case in alice]
    assert cases == [
        ("alice.01_sine", "shape", 0.25),
        ("alice.01_sine", "values", 0.25),
        ("alice.02_mel", "bins", 0.25),
        ("alice.02_mel", "edge", 0.25),
    ]
    assert all(case.is_passed for case in alice)


def test_junit_failure_has_the_message_and_the_hint_in_its_body(klass: ClassResult, tmp_path: Path) -> None:
    bob = list(JUnitXml.fromfile(str(write_junit(klass, tmp_path))))[1]
    failures = {case.name: case.result[0] for case in bob if case.is_failure}
    assert set(failures) == {"values", "edge"}
    assert isinstance(failures["values"], Failure)
    assert (failures["values"].message, failures["values"].text) == ("values are off by pi", "use np.sin, not cos")
    assert (bob.tests, bob.failures, bob.errors) == (4, 2, 0)


def test_junit_gives_no_submission_and_errors_an_error_testcase(klass: ClassResult, tmp_path: Path) -> None:
    suites = {suite.name: suite for suite in JUnitXml.fromfile(str(write_junit(klass, tmp_path)))}
    for student_id, message in [("carol", NO_SUBMISSION), ("dave", "SyntaxError: invalid syntax (01_sine.py, line 3)")]:
        (case,) = [case for case in suites[student_id] if case.is_error]
        (error,) = case.result
        assert isinstance(error, Error)
        assert (case.name, error.message) == ("submission", message)


def test_junit_keeps_hostile_text_as_text(klass: ClassResult, tmp_path: Path) -> None:
    xml = JUnitXml.fromfile(str(write_junit(klass, tmp_path)))
    hostile = list(xml)[3]
    assert hostile.name == HOSTILE_ID
    failure = next(case for case in hostile if case.is_failure).result[0]
    # Characters XML cannot hold are spelled out; the rest, markup included, comes back as it was.
    assert failure.message == "got ]]> <script>x</script> \\x00\\x1b[31m Grüße =1+1"
    assert failure.text == failure.message


# --- gradescope ----------------------------------------------------------------------------------


def gradescope_validator() -> jsonschema.protocols.Validator:
    schema = json.loads((DATA / "gradescope_results.schema.json").read_text("utf-8"))
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def test_gradescope_results_are_valid_against_the_spec_schema(klass: ClassResult, tmp_path: Path) -> None:
    validator = gradescope_validator()
    paths = write_gradescope(klass, tmp_path)
    for path in paths:
        validator.validate(json.loads(path.read_text("utf-8")))
    assert len(paths) == len(klass.students)


def test_gradescope_checks_are_visible_when_public_and_after_publishing_when_hidden() -> None:
    data = gradescope_results(_partial(), seconds=2)
    assert {test["name"]: test["visibility"] for test in data["tests"]} == {
        "Sine wave: shape": "visible",
        "Sine wave: values": "visible",
        "Mel spectrogram: bins": "visible",
        "Mel spectrogram: edge": "after_published",
    }
    assert (data["visibility"], data["stdout_visibility"]) == ("after_published", "hidden")


def test_gradescope_test_has_score_status_and_message_with_hint() -> None:
    values = gradescope_results(_partial(), seconds=2)["tests"][1]
    assert values == {
        "score": 0,
        "max_score": 3,
        "status": "failed",
        "name": "Sine wave: values",
        "output": "values are off by pi\nHint: use np.sin, not cos",
        "visibility": "visible",
    }


def test_gradescope_result_has_the_score_time_and_a_summary() -> None:
    data = gradescope_results(_partial(), seconds=2.4)
    assert (data["score"], data["execution_time"]) == (4.5, 2)
    assert data["output"].startswith("Score: 4.5 / 10\n")
    assert "2 of 4 checks passed." in data["output"]


def test_gradescope_error_without_checks_is_a_valid_zero_that_explains() -> None:
    data = gradescope_results(SubmissionResult(path="x", error="ImportError: no module named torch"), seconds=0)
    gradescope_validator().validate(data)
    assert (data["score"], data["tests"]) == (0, [])
    assert "ImportError: no module named torch" in data["output"]


def test_gradescope_text_is_never_rendered_as_html() -> None:
    data = gradescope_results(_hostile(), seconds=1)
    assert (data["output_format"], data["test_output_format"], data["test_name_format"]) == ("text",) * 3


def test_gradescope_files_are_in_one_safe_folder_per_student(klass: ClassResult, tmp_path: Path) -> None:
    paths = write_gradescope(klass, tmp_path)
    folders = [path.parent for path in paths]
    assert all(folder.parent == tmp_path / "gradescope" for folder in folders)
    assert len(set(folders)) == len(folders)
    assert folders[0].name == "alice"


def test_path_component_makes_any_id_one_safe_distinct_name() -> None:
    names = [path_component(name) for name in ["../etc", "..", "a/b", "a_b", "", "CON", HOSTILE_ID, "x" * 300]]
    assert len(set(names)) == len(names)
    for name in names:
        assert name and "/" not in name and "\\" not in name and name not in {".", ".."}
        assert len(name) <= 100 and name.isascii()


# --- canvas.csv ----------------------------------------------------------------------------------


def test_canvas_header_follows_the_gradebook_export_layout(klass: ClassResult, tmp_path: Path) -> None:
    header, possible = read_csv(write_canvas(klass, tmp_path))[:2]
    assert header == [
        "Student",
        "ID",
        "SIS User ID",
        "SIS Login ID",
        "Section",
        "Soundlab: Sine wave",
        "Soundlab: Mel spectrogram",
    ]
    assert possible == ["    Points Possible", "", "", "", "", "5", "5"]


def test_canvas_maps_the_roster_columns(klass: ClassResult, tmp_path: Path) -> None:
    rows = read_csv(write_canvas(klass, tmp_path))[2:]
    assert rows[0] == ["Alice Liddell", "1001", "alice", "alice@example.org", "A", "5", "5"]
    assert rows[1] == ["Bob Dylan", "1002", "bob", "bob@example.org", "B", "2", "2.5"]
    assert rows[2] == ["Carol King", "1003", "carol", "carol@example.org", "A", "0", "0"]
    assert rows[4] == ["dave", "", "dave", "", "", "0", "0"]


def test_canvas_neutralises_formulas_from_the_roster(klass: ClassResult, tmp_path: Path) -> None:
    hostile = read_csv(write_canvas(klass, tmp_path))[5]
    assert hostile[:5] == [HOSTILE_NAME, "'+1", "'" + HOSTILE_ID, "'@evil.example", "'-2+3"]


def test_gradescope_for_no_submission_scores_zero_out_of_the_full_marks(klass: ClassResult, tmp_path: Path) -> None:
    carol = json.loads(write_gradescope(klass, tmp_path)[2].read_text("utf-8"))
    assert carol["score"] == 0
    assert carol["output"].startswith("Score: 0 / 10\nNo submission was found")
    assert {test["status"] for test in carol["tests"]} == {"failed"}
