"""How much slower is grading a whole correct submission than importing torch?

Measured in one run, each a median of 5 fresh processes:
- the floor: ``python -c "import torch, torchaudio"``;
- ``grade`` on a correct eight-exercise submission (one file per exercise, assembled from the
  first correct variant of each exercise in ``tests/solutions/``);
and their ratio (target: at most 1.2).

Usage: python bench/grade_speed.py [--runs N]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _median_seconds(command: list[str], runs: int, expect: set[int]) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True)
        times.append(time.perf_counter() - started)
        if done.returncode not in expect:
            sys.exit(f"{' '.join(command)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return statistics.median(times)


def _assemble_submission(directory: Path) -> list[str]:
    from grader.plugins import load_exercises

    ids = []
    for exercise in load_exercises().values():
        variants = sorted((REPO / "tests" / "solutions").glob(f"{exercise.id}_*.py"))
        if not variants:
            sys.exit(f"no correct solution for {exercise.id} in tests/solutions/")
        shutil.copy(variants[0], directory / exercise.filename)
        ids.append(exercise.id)
    return ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="fresh processes per measurement (default 5)")
    args = parser.parse_args()

    grade = shutil.which("grade", path=str(Path(sys.executable).parent)) or shutil.which("grade")
    grade_command = [grade] if grade else [sys.executable, "-m", "grader"]
    with tempfile.TemporaryDirectory() as tmp:
        submission = Path(tmp) / "submission"
        submission.mkdir()
        ids = _assemble_submission(submission)
        check = subprocess.run([*grade_command, str(submission)], capture_output=True, text=True)
        if check.returncode != 0:
            sys.exit(f"the correct submission did not get full marks:\n{check.stdout}\n{check.stderr}")
        floor = _median_seconds([sys.executable, "-c", "import torch, torchaudio"], args.runs, {0})
        # For transparency: `grade` skips the interpreter's teardown (os._exit); the floor's own
        # teardown is part of the floor as specified, so this line shows what that is worth.
        floor_no_teardown = _median_seconds(
            [sys.executable, "-c", "import os, torch, torchaudio; os._exit(0)"], args.runs, {0}
        )
        graded = _median_seconds([*grade_command, str(submission)], args.runs, {0})
    print(f"exercises graded:               {len(ids)} ({', '.join(ids)})")
    print(f"floor (import torch, torchaudio): {floor:.3f} s (median of {args.runs})")
    print(f"grade of a correct submission:  {graded:.3f} s (median of {args.runs})")
    print(f"ratio:                          {graded / floor:.2f} (target <= 1.2)")
    print(
        f"floor without interpreter teardown: {floor_no_teardown:.3f} s; "
        f"ratio against it: {graded / floor_no_teardown:.2f}"
    )


if __name__ == "__main__":
    main()
