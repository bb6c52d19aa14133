"""What does confining a submission cost, per submission?

Measured in one run: ``grade`` on N copies of a correct eight-exercise submission (one run,
N paths), once in the namespaces mode and once with ``SOUNDLAB_NO_NAMESPACES=1`` (the fallback
mode: no namespaces, no private file-system view), each a median of R fresh runs. The
difference divided by N is what the namespaces, the mounts and PID 1 cost each submission.

Usage: python bench/confinement_cost.py [--copies N] [--runs R]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

from grade_speed import _assemble_submission  # noqa: E402 - the same correct submission


def _median(command: list[str], env: dict, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, env=env)
        times.append(time.perf_counter() - started)
        if done.returncode != 0:
            sys.exit(f"{' '.join(command[:3])} ... exited {done.returncode}:\n{done.stdout[-2000:]}\n{done.stderr}")
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--copies", type=int, default=10, help="submissions graded in one run (default 10)")
    parser.add_argument("--runs", type=int, default=3, help="fresh runs per measurement (default 3)")
    args = parser.parse_args()

    grade = shutil.which("grade", path=str(Path(sys.executable).parent)) or shutil.which("grade")
    command = [grade] if grade else [sys.executable, "-m", "grader"]
    with tempfile.TemporaryDirectory() as tmp:
        first = Path(tmp) / "student00"
        first.mkdir()
        _assemble_submission(first)
        paths = [first]
        for index in range(1, args.copies):
            copy = Path(tmp) / f"student{index:02d}"
            shutil.copytree(first, copy)
            paths.append(copy)
        run = [*command, *map(str, paths)]
        confined = _median(run, dict(os.environ), args.runs)
        fallback = _median(run, dict(os.environ, SOUNDLAB_NO_NAMESPACES="1"), args.runs)
    print(f"{args.copies} correct eight-exercise submissions in one run (median of {args.runs}):")
    print(f"  namespaces mode: {confined:.3f} s   fallback mode: {fallback:.3f} s")
    print(f"  confinement costs {1000 * (confined - fallback) / args.copies:.1f} ms per submission")


if __name__ == "__main__":
    main()
