"""What ``grade batch`` and ``grade merge`` write from a graded class, and the lines they say
about it: the exports, similar pairs, the class report, and the class's summary."""

from __future__ import annotations

import statistics
from pathlib import Path

from grader.batch.class_report import write_class_report
from grader.batch.exports import write_exports
from grader.batch.exports.similar_csv import write_similar_csv
from grader.batch.model import NO_SUBMISSION, ClassResult
from grader.batch.similarity import SimilarPair, similar_pairs
from grader.report import terminal_text


def write_outputs(result: ClassResult, out: Path, html_path: Path | None) -> tuple[list[Path], list[SimilarPair]]:
    """Every export, ``similar.csv`` and the class report (``OUT/report.html`` by default)."""
    written = write_exports(result, out)
    pairs = similar_pairs(result)
    written.append(write_similar_csv(pairs, out))
    html = html_path or out / "report.html"
    write_class_report(result, pairs, html)
    written.append(html)
    return written, pairs


def class_lines(result: ClassResult) -> list[str]:
    """How many were graded, errored and missing, and the mean and median of those who submitted."""
    submitted = [s for s in result.students if s.submitted]
    errors = [s for s in submitted if s.result.error]
    missing = len(result.students) - len(submitted)
    stopped = sum(1 for s in submitted if s.result.stopped and not s.result.error)
    graded = f"{len(submitted) - len(errors)} graded" + (f" ({stopped} stopped by a time limit)" if stopped else "")
    lines = [f"{len(result.students)} students: {graded}, {len(errors)} with errors, {missing} {NO_SUBMISSION}."]
    totals = [s.result.score for s in submitted]
    if totals:
        # Over those who handed something in, as the class report counts them.
        lines.append(
            f"Mean score of the {len(totals)} who submitted: {statistics.mean(totals):.1f}/{result.max_score:g}, "
            f"median {statistics.median(totals):g}."
        )
    return lines


def closing_lines(result: ClassResult, pairs: list[SimilarPair], out: Path, written: list[Path]) -> list[str]:
    """Entries not in the roster, the similar pairs, and what was written where."""
    lines = []
    if result.not_in_roster:
        names = ", ".join(terminal_text(name, 60) for name in result.not_in_roster[:10])
        more = f" and {len(result.not_in_roster) - 10} more" if len(result.not_in_roster) > 10 else ""
        lines.append(f"Not in the roster (graded, listed last): {names}{more}.")
    if pairs:
        lines.append(f"{len(pairs)} pairs of similar submissions: see the class report and similar.csv.")
    shown = sorted({terminal_text(str(p.relative_to(out) if out in p.parents else p)).split("/")[0] for p in written})
    lines.append(f"Written to {terminal_text(str(out))}/: {', '.join(shown)}")
    return lines
