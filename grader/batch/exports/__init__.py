"""Gradebook exports of a graded class: ``gradebook.csv``, ``report.json``, ``junit.xml``,
``gradescope/<student>/results.json`` and ``canvas.csv``, one module per format.

Every file is written atomically (a temporary file in the same folder, then ``os.replace``), is
UTF-8, and is the same bytes for the same :class:`~grader.batch.model.ClassResult`.
"""

from __future__ import annotations

from pathlib import Path

from grader.batch.exports.canvas import canvas_rows, write_canvas
from grader.batch.exports.gradebook_csv import gradebook_rows, write_gradebook_csv
from grader.batch.exports.gradescope import gradescope_results, write_gradescope
from grader.batch.exports.json_report import class_report, write_json_report
from grader.batch.exports.junit import junit_xml, write_junit
from grader.batch.model import ClassResult

__all__ = [
    "canvas_rows",
    "class_report",
    "gradebook_rows",
    "gradescope_results",
    "junit_xml",
    "write_canvas",
    "write_exports",
    "write_gradebook_csv",
    "write_gradescope",
    "write_json_report",
    "write_junit",
]


def write_exports(result: ClassResult, out_dir: Path) -> list[Path]:
    """Write every export of ``result`` into ``out_dir`` (created if missing); return the paths
    written, the per-student Gradescope files included."""
    out_dir = Path(out_dir)
    return [
        write_gradebook_csv(result, out_dir),
        write_json_report(result, out_dir),
        write_junit(result, out_dir),
        *write_gradescope(result, out_dir),
        write_canvas(result, out_dir),
    ]
