"""How fast is a class graded? ``grade batch`` on copies of a correct eight-exercise submission.

Measured in one run:
- ``grade batch`` on N copies (default 100) with W workers (default 2), fresh each time
  (``--force``), printed as seconds per submission (target: at most 0.15 s on 2 cores) and as
  the peak memory of the whole process tree (sampled from /proc every 20 ms);
- beside it, the single-call baseline of ``bench/grade_speed.py``: one ``grade`` of the same
  submission, and the floor ``python -c "import torch, torchaudio"``;
- and the floor of the class itself: the same submission's functions called in one plain
  process with the checks' arguments is not measurable without the grader, so the time the
  student processes spent computing (summed from the stored per-check seconds) is shown.

Usage: python bench/batch_speed.py [--copies N] [--workers W] [--runs R]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

from grade_speed import _assemble_submission, _median_seconds  # noqa: E402


def _tree_rss_bytes(root: int) -> int:
    """The resident memory of ``root`` and every process under it."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            parent, pages = int(fields[1]), int(fields[21])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry))
        rss[int(entry)] = pages * os.sysconf("SC_PAGE_SIZE")
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack += children.get(pid, [])
    return total


def _run_batch(command: list[str], cwd: Path) -> tuple[float, int, str]:
    """Wall seconds, peak tree memory and stdout of one batch run."""
    peak = 0
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _tree_rss_bytes(process.pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = process.communicate()
    seconds = time.perf_counter() - started
    stop.set()
    sampler.join()
    if process.returncode != 0:
        sys.exit(f"{' '.join(command)} exited {process.returncode}:\n{out}\n{err}")
    return seconds, peak, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--copies", type=int, default=100, help="submissions in the class (default 100)")
    parser.add_argument("--workers", type=int, default=2, help="grade batch --workers (default 2)")
    parser.add_argument("--runs", type=int, default=3, help="batch runs and single calls to take the median of")
    args = parser.parse_args()

    grade = shutil.which("grade", path=str(Path(sys.executable).parent)) or shutil.which("grade")
    grade_command = [grade] if grade else [sys.executable, "-m", "grader"]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        one = root / "one"
        one.mkdir()
        ids = _assemble_submission(one)
        folder = root / "class"
        folder.mkdir()
        for index in range(args.copies):
            shutil.copytree(one, folder / f"student{index:04d}")
        batch = [*grade_command, "batch", str(folder), "--out", str(root / "grades"), "-j", str(args.workers)]
        runs = [_run_batch([*batch, "--force"], root) for _ in range(args.runs)]
        seconds = statistics.median(r[0] for r in runs)
        peak = max(r[1] for r in runs)
        report = json.loads((root / "grades" / "report.json").read_text())
        full = sum(1 for s in report["submissions"] if s["score"] == s["max_score"] > 0)
        check_seconds = []
        for stored in (root / "grades" / "results").glob("*.json"):
            record = json.loads(stored.read_text())
            check_seconds.append(sum(c["seconds"] for e in record["exercises"] for c in e["checks"]))
        single = _median_seconds([*grade_command, str(one)], args.runs, {0})
        floor = _median_seconds([sys.executable, "-c", "import torch, torchaudio"], args.runs, {0})
        kept = _run_batch(batch, root)[0]

    per = seconds / args.copies
    print(f"exercises:                       {len(ids)} ({', '.join(ids)})")
    print(f"class:                           {args.copies} copies, {args.workers} workers, {os.cpu_count()} cores")
    print(f"full marks:                      {full} of {args.copies}")
    print(f"grade batch (whole command):     {seconds:.2f} s (median of {args.runs}, --force)")
    print(f"seconds per submission:          {per:.3f} s (target <= 0.15 on 2 cores)")
    print(f"peak memory (process tree):      {peak / 2**20:.0f} MB")
    print(f"checks' own time per submission: {statistics.mean(check_seconds):.3f} s (summed, mean)")
    print(f"rerun with every result kept:    {kept:.2f} s")
    print(f"single grade of one submission:  {single:.3f} s; floor (import torch): {floor:.3f} s")
    print(
        f"single-call ratio:               {single / floor:.2f}; batch per submission / single call: {per / single:.3f}"
    )


if __name__ == "__main__":
    main()
