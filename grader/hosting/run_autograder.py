"""Gradescope's ``run_autograder``: grade ``/autograder/submission`` and always leave a valid
``/autograder/results/results.json``.

``python -m grader.hosting.run_autograder`` is the whole script (the bundle's
``run_autograder`` only calls it). It runs in two processes so that nothing a submission or
the grader does can leave Gradescope without a result:

- the *supervisor* (this module's :func:`main`) first writes a failing result, then copies the
  gradable files of the upload into a private folder (:mod:`grader.hosting.uploads`), starts
  the grading process with a time limit, and writes the final result: the grading's own, or a
  failing one that says what went wrong (nothing to grade, a crash, a timeout);
- the *grading process* (``--grade``) grades that folder as ``grade`` grades a directory and
  writes Gradescope's result for it, with the text report as the student-facing ``output``.

``SOUNDLAB_AUTOGRADER_ROOT`` replaces ``/autograder`` (for tests, or a dry run on a laptop);
``SOUNDLAB_AUTOGRADER_TIMEOUT`` is the seconds the grading process may take (default 1200).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

ROOT_ENV = "SOUNDLAB_AUTOGRADER_ROOT"
TIMEOUT_ENV = "SOUNDLAB_AUTOGRADER_TIMEOUT"
DEFAULT_ROOT = "/autograder"
DEFAULT_TIMEOUT = 1200.0
MANIFEST = "soundlab_bundle.json"
SUBMISSION_FOLDER = "submission"  # the staged upload's name, as the report shows its files


def _root() -> Path:
    return Path(os.environ.get(ROOT_ENV) or DEFAULT_ROOT)


def read_manifest(source: Path) -> dict[str, Any]:
    """The bundle's settings (plugins, exercises, limits); empty when there is none."""
    path = source / MANIFEST
    if not path.exists():
        return {}
    manifest = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(manifest, dict):
        raise ValueError(f"{path}: not a JSON object")
    return manifest


def plugin_specs(manifest: dict[str, Any], source: Path) -> tuple[str, ...]:
    """The ``--plugin`` values of the bundle: paths inside it made absolute, module names as given."""
    specs = []
    for spec in manifest.get("plugins", []):
        spec = str(spec)
        specs.append(str(source / spec) if spec.startswith("packs/") else spec)
    return tuple(specs)


def manifest_max_score(manifest: dict[str, Any]) -> float | None:
    """The points of the exercises the bundle names (None when it names none: all are graded)."""
    total = manifest.get("max_score")
    if isinstance(total, (int, float)) and not isinstance(total, bool) and total >= 0:
        return float(total)
    return None


def failing_result(
    reason: str, seconds: float, notes: list[str] | None = None, max_score: float | None = None
) -> dict[str, Any]:
    """A valid Gradescope result scoring 0 that tells the student why (out of ``max_score``)."""
    from grader.batch.exports.gradescope import gradescope_results
    from grader.results import SubmissionResult

    result = gradescope_results(
        SubmissionResult(path=SUBMISSION_FOLDER, error=reason), seconds=seconds, max_score=max_score
    )
    return _with_notes(result, notes or [])


def bare_result(reason: str) -> dict[str, Any]:
    """A valid failing result that needs nothing of the grader: for when even that is broken."""
    return {"score": 0, "output": reason, "output_format": "text", "visibility": "visible", "tests": []}


def _with_notes(result: dict[str, Any], notes: list[str]) -> dict[str, Any]:
    if notes:
        result["output"] = result.get("output", "") + "\n\nAbout your upload:\n" + "\n".join(f"- {n}" for n in notes)
    return result


def write_results(path: Path, result: dict[str, Any]) -> None:
    """Write ``results.json`` whole or not at all (a reader never sees half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    os.replace(partial, path)


def _timeout() -> float:
    try:
        return max(1.0, float(os.environ.get(TIMEOUT_ENV) or DEFAULT_TIMEOUT))
    except ValueError:
        return DEFAULT_TIMEOUT


def _run_grading(work: Path, root: Path, out: Path, timeout: float) -> str | None:
    """Run the grading process on ``work/submission``; None if it finished, else why not."""
    command = [sys.executable, "-m", "grader.hosting.run_autograder", "--grade", SUBMISSION_FOLDER]
    command += ["--out", str(out), "--root", str(root)]
    # Its own session, so that on a timeout everything it started is ended with it.
    process = subprocess.Popen(command, cwd=work, start_new_session=True, stdin=subprocess.DEVNULL)
    try:
        status = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except OSError:
            pass
        process.wait()
        return f"grading took longer than the {timeout:g} s it may take, and was stopped."
    if status != 0:
        return f"the grader stopped with exit status {status} before it finished."
    return None


def _grade_upload(root: Path, started: float) -> dict[str, Any]:
    from grader.hosting.uploads import stage_upload

    # A broken bundle is the instructor's to hear of, before any grading.
    total = manifest_max_score(read_manifest(root / "source"))
    work = Path(tempfile.mkdtemp(prefix="soundlab-autograder-"))
    try:
        staged = stage_upload(root / "submission", work / SUBMISSION_FOLDER)
        if not staged.kept:
            reason = "No .py file or notebook was found in what you uploaded, so nothing could be graded."
            return failing_result(reason, time.monotonic() - started, staged.notes, total)
        out = work / "result.json"
        problem = _run_grading(work, root, out, _timeout())
        seconds = time.monotonic() - started
        if problem is None:
            try:
                result = json.loads(out.read_text(encoding="utf-8"))
            except (OSError, ValueError) as error:
                problem = f"the grader left no readable result ({type(error).__name__})."
            else:
                if isinstance(result, dict) and isinstance(result.get("tests"), list):
                    result["execution_time"] = max(0, round(seconds))
                    return _with_notes(result, staged.notes)
                problem = "the grader left a result of the wrong shape."
        print(f"run_autograder: {problem}", flush=True)  # the instructor's log (Gradescope's stdout)
        reason = f"The autograder could not grade your submission: {problem}"
        return failing_result(reason, seconds, staged.notes, total)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> int:
    """The supervisor: always writes ``results.json``, always exits 0 (the result says the rest)."""
    started = time.monotonic()
    results = _root() / "results" / "results.json"
    # First of all, with nothing of the grader: whatever happens next (a kill, a crash, a
    # grader that cannot even be imported), Gradescope finds a valid result.
    write_results(results, bare_result("The autograder did not finish grading your submission."))
    try:
        result = _grade_upload(_root(), started)
    except BaseException as error:  # noqa: BLE001 - the one place that must outlive any failure
        traceback.print_exc(file=sys.stdout)
        reason = f"The autograder failed before grading your submission ({type(error).__name__})."
        try:
            result = failing_result(reason, time.monotonic() - started)
        except BaseException:  # noqa: BLE001 - the grader's own modules are what failed
            result = bare_result(reason)
    write_results(results, result)
    print(f"run_autograder: score {result.get('score')}, results in {results}", flush=True)
    return 0


def grade_folder(path: str, out: Path, root: Path) -> None:
    """The grading process: grade ``path`` (a folder) with the bundle's packs and write Gradescope's result."""
    import click

    from grader.batch.exports.gradescope import gradescope_results
    from grader.cli_common import make_grader
    from grader.plugins import load_registry
    from grader.report import render_text
    from grader.results import Report
    from grader.sandbox.zygote import Zygote

    source = root / "source"
    manifest = read_manifest(source)
    only = tuple(str(e) for e in manifest.get("exercises", []))
    # As `grade` does: the warm parent is forked before any pack, reference or submission is loaded.
    zygote = Zygote.start()
    try:
        registry = load_registry(plugin_specs(manifest, source))
        unknown = [e for e in only if e not in registry.exercises]
        if unknown:
            raise SystemExit(f"the bundle names unknown exercise {unknown[0]!r}")
        chosen = [e for e in registry.exercises.values() if not only or e.id in only]
        # Student processes see neither the upload, nor the bundle (its packs' references), nor /autograder.
        hidden = (os.path.abspath(path), os.path.abspath(root), os.path.abspath(source))
        grader = make_grader(
            chosen,
            zygote,
            float(manifest.get("timeout", 5.0)),
            int(manifest.get("memory_limit", 4096)),
            registry,
            required=bool(only),
            hidden_paths=hidden,
        )
        from grader.grading import grade_path

        started = time.monotonic()
        result, _submission = grade_path(grader, path)
        seconds = time.monotonic() - started
        report = Report(submissions=[result], sandbox=grader.confinement)
    finally:
        zygote.close()
    gradescope = gradescope_results(result, seconds=seconds)
    if result.exercises:
        # The text report, as `grade -v` prints it, is what the student reads; ANSI styles removed.
        gradescope["output"] += "\n\n" + click.unstyle(render_text(report, verbose=True))
    write_results(out, gradescope)


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m grader.hosting.run_autograder", description=__doc__)
    parser.add_argument("--grade", metavar="FOLDER", help="(internal) grade FOLDER and write --out")
    parser.add_argument("--out", type=Path, help="(internal) where --grade writes its result")
    parser.add_argument("--root", type=Path, help="(internal) the autograder root")
    return parser.parse_args(argv)


def entry(argv: list[str] | None = None) -> int:
    """``python -m grader.hosting.run_autograder``: the supervisor, or with ``--grade`` the grading process."""
    arguments = _arguments(argv)
    if arguments.grade:
        grade_folder(arguments.grade, arguments.out, arguments.root or _root())
        return 0
    return main()


if __name__ == "__main__":
    code = entry()
    sys.stdout.flush()
    sys.stderr.flush()
    # As the `grade` command does: skip the interpreter's teardown of torch (half a second).
    os._exit(code)
