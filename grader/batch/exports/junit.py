"""``junit.xml``: the class as JUnit XML (the Jenkins / Ant dialect CI servers read), written with
junitparser: a ``<testsuite>`` per student, a ``<testcase>`` per check."""

from __future__ import annotations

import io
from pathlib import Path

from junitparser import Error, Failure, JUnitXml, TestCase, TestSuite

from grader.batch.exports._common import xml_text
from grader.batch.files import write_atomic
from grader.batch.model import NO_SUBMISSION, ClassResult, StudentResult
from grader.results import MAX_ERROR_CHARS, bounded

FILE_NAME = "junit.xml"
# The testcase that carries a submission's error (or its absence), next to its checks.
SUBMISSION_CASE = "submission"


def _seconds(value: float) -> float:
    # Rounded so float noise (0.30000000000000004) does not reach the file.
    return round(float(value), 3)


def student_suite(student: StudentResult) -> TestSuite:
    """One student's ``<testsuite>``: a testcase per check (a failure for each failed one, its
    message as the failure's message and its hint as the body), and one ``submission`` testcase
    with an error when the submission is missing or could not be graded in full."""
    student_id = xml_text(student.student.id)
    suite = TestSuite(student_id)
    cases: list[TestCase] = []
    error = NO_SUBMISSION if not student.submitted else student.result.error
    if error:
        case = TestCase(SUBMISSION_CASE, classname=student_id, time=_seconds(student.seconds))
        problem = Error(xml_text(bounded(error.strip().splitlines()[0] if error.strip() else error)), "SubmissionError")
        # The whole error (a traceback, say) goes in the body; the message attribute keeps one line.
        problem.text = xml_text(bounded(error, MAX_ERROR_CHARS))
        case.result = [problem]
        cases.append(case)
    for exercise in student.result.exercises:
        for check in exercise.checks:
            case = TestCase(
                xml_text(check.name),
                classname=xml_text(f"{student.student.id}.{exercise.name}"),
                time=_seconds(check.seconds),
            )
            if not check.passed:
                failure = Failure(xml_text(bounded(check.message)) or "failed", "CheckFailed")
                if check.hint:
                    failure.text = xml_text(bounded(check.hint))
                case.result = [failure]
            cases.append(case)
    suite.add_testcases(cases)  # also counts tests, failures, errors and time
    return suite


def junit_xml(result: ClassResult) -> JUnitXml:
    """The class as one ``<testsuites>`` document, students in the class's order."""
    document = JUnitXml("soundlab")
    suites = [student_suite(student) for student in result.students]
    for suite in suites:
        # Element.append, not add_testsuite: that one merges suites it finds equal.
        document.append(suite)
    # Totals set by hand: JUnitXml.update_statistics also writes `skipped`, which the Jenkins
    # schema does not allow on <testsuites>.
    document.tests = sum(suite.tests for suite in suites)
    document.failures = sum(suite.failures for suite in suites)
    document.errors = sum(suite.errors for suite in suites)
    document.time = round(sum(suite.time for suite in suites), 3)
    return document


def junit_bytes(result: ClassResult) -> bytes:
    """``junit.xml``'s bytes: UTF-8 with an XML declaration, as junitparser writes it."""
    buffer = io.BytesIO()
    junit_xml(result).write(buffer)
    return buffer.getvalue()


def write_junit(result: ClassResult, out_dir: Path) -> Path:
    """Write ``junit.xml`` into ``out_dir`` (atomically) and return its path."""
    return write_atomic(out_dir / FILE_NAME, junit_bytes(result))
