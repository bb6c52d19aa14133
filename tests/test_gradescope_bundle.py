"""`grade gradescope-bundle`: the zip's layout, and its run_autograder on every kind of upload.

The bundle is built once by the real command (with the scale pack as a `--plugin`), unpacked as
Gradescope unpacks it into a temporary `/autograder` (`SOUNDLAB_AUTOGRADER_ROOT`), and its
`run_autograder` script is run as Gradescope runs it. `setup.sh` cannot run here (it installs
from the network); the script runs the grader installed in this virtualenv instead
(`SOUNDLAB_PYTHON`). Every results.json is validated against Gradescope's specification.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import REPO, run_grade

jsonschema = pytest.importorskip("jsonschema")

SCHEMA = json.loads((REPO / "tests" / "data" / "gradescope_results.schema.json").read_text(encoding="utf-8"))
SOLUTIONS = REPO / "tests" / "solutions"
MISTAKES = REPO / "grader" / "lesson" / "mistakes"
SCALE_PACK = REPO / "tests" / "packs" / "scale_pack.py"
SCALE_SOLUTION = "def scale(x, factor=2.0):\n    return x * factor\n"


def _unpack(archive: Path, into: Path) -> None:
    """Unpack as `unzip` (and Gradescope) does: with the Unix permissions stored in the zip."""
    with zipfile.ZipFile(archive) as bundle:
        for info in bundle.infolist():
            target = into / info.filename
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(bundle.read(info))
            mode = (info.external_attr >> 16) & 0o777
            if mode:
                target.chmod(mode)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The zip, built by `grade gradescope-bundle` with a pack given by its path and a short timeout."""
    out = tmp_path_factory.mktemp("bundle") / "autograder.zip"
    done = run_grade("gradescope-bundle", str(out), "-p", str(SCALE_PACK), "--timeout", "2", cwd=REPO)
    assert done.returncode == 0, done.stderr
    assert "packs: " in done.stdout and "scale_pack.py" in done.stdout
    return out


@pytest.fixture(scope="module")
def unpacked(bundle: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("source")
    _unpack(bundle, source)
    return source


@pytest.fixture
def autograder(unpacked: Path, tmp_path: Path) -> Path:
    """A fresh /autograder: source/ (the zip), run_autograder copied beside it, an empty submission/."""
    root = tmp_path / "autograder"
    shutil.copytree(unpacked, root / "source", symlinks=True)
    shutil.copy2(root / "source" / "run_autograder", root / "run_autograder")
    (root / "submission").mkdir()
    return root


def run_bundle(root: Path, env: dict[str, str] | None = None) -> dict:
    """Run `/autograder/run_autograder` as Gradescope does (working directory /autograder); the
    results.json it wrote, checked against the specification."""
    environment = dict(
        os.environ,
        SOUNDLAB_AUTOGRADER_ROOT=str(root),
        SOUNDLAB_PYTHON=sys.executable,
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
        **(env or {}),
    )
    done = subprocess.run(
        [str(root / "run_autograder")], cwd=root, env=environment, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    results = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    jsonschema.validate(results, SCHEMA)
    assert isinstance(results["output"], str) and results["output"]
    assert not list((root / "results").glob("*.partial"))
    return results


def _by_name(results: dict) -> dict[str, dict]:
    return {test["name"]: test for test in results["tests"]}


# --------------------------------------------------------------------------- the zip


def test_the_scripts_are_at_the_root_of_the_zip_and_executable(bundle: Path) -> None:
    with zipfile.ZipFile(bundle) as archive:
        infos = {info.filename: info for info in archive.infolist()}
    for script in ("setup.sh", "run_autograder"):
        assert script in infos  # at the root: the specification looks nowhere else
        assert (infos[script].external_attr >> 16) & stat.S_IXUSR
    assert not [name for name in infos if "__pycache__" in name or name.endswith(".pyc")]


def test_the_zip_holds_the_grader_its_packs_and_the_manifest(unpacked: Path) -> None:
    for name in (
        "soundlab-grader/pyproject.toml",
        "soundlab-grader/grader/hosting/run_autograder.py",
        "soundlab-grader/grader/lesson/softmax.py",
        "soundlab-grader/reference/softmax.py",
        "packs/scale_pack.py",
        "packs/scale_reference.py",  # beside the pack, imported by it
        "packs/scale_mistakes/ignores_factor.py",  # its catalogue
    ):
        assert (unpacked / name).is_file(), name
    manifest = json.loads((unpacked / "soundlab_bundle.json").read_text(encoding="utf-8"))
    assert manifest["plugins"] == ["packs/scale_pack.py"]
    assert manifest["timeout"] == 2.0


def test_the_scripts_install_and_run_what_they_should(unpacked: Path) -> None:
    for script in ("setup.sh", "run_autograder"):
        path = unpacked / script
        assert os.access(path, os.X_OK)
        assert path.read_text(encoding="utf-8").startswith("#!/usr/bin/env bash\n")
        subprocess.run(["bash", "-n", str(path)], check=True)  # it parses
    setup = (unpacked / "setup.sh").read_text(encoding="utf-8")
    assert "--index-url https://download.pytorch.org/whl/cpu torch torchaudio" in setup
    assert "pip install ./soundlab-grader" in setup
    assert "-p /autograder/source/packs/scale_pack.py" in setup
    run = (unpacked / "run_autograder").read_text(encoding="utf-8")
    assert "-m grader.hosting.run_autograder" in run
    assert len(run.strip().splitlines()) == 2


def test_an_unknown_pack_is_one_line_and_no_zip(tmp_path: Path) -> None:
    out = tmp_path / "autograder.zip"
    done = run_grade("gradescope-bundle", str(out), "-p", "no_such_pack_anywhere", cwd=tmp_path)
    assert done.returncode != 0
    assert len(done.stderr.strip().splitlines()) == 1 and "no_such_pack_anywhere" in done.stderr
    assert not out.exists()


# --------------------------------------------------------------------------- uploads


def test_a_correct_submission_gets_full_marks_with_hidden_checks_after_publishing(autograder: Path, exercises) -> None:
    shutil.copy(SOLUTIONS / "softmax_logsumexp.py", autograder / "submission" / "03_softmax.py")
    results = run_bundle(autograder)
    assert results["score"] == 10
    tests = _by_name(results)
    checks = exercises["softmax"].checks
    assert len(tests) == len(checks)
    assert {check.public for check in checks} == {True, False}  # both kinds are exercised
    for check in checks:
        test = tests[f"{exercises['softmax'].title}: {check.name}"]
        assert test["status"] == "passed"
        assert test["visibility"] == ("visible" if check.public else "after_published")
    # The text report is the student-facing output.
    assert "softmax" in results["output"] and "10/10" in results["output"]
    assert "\x1b[" not in results["output"]


def test_a_catalogued_mistake_loses_the_points_of_the_checks_that_catch_it(autograder: Path) -> None:
    shutil.copy(MISTAKES / "softmax" / "naive_overflow.py", autograder / "submission" / "03_softmax.py")
    results = run_bundle(autograder)
    assert 0 < results["score"] < 10
    failed = [test for test in results["tests"] if test["status"] == "failed"]
    assert any(test["name"].endswith("large_logits_stay_finite") for test in failed)
    assert "subtract the maximum" in results["output"].lower()


def test_a_hostile_submission_reads_nothing_and_still_gets_a_result(autograder: Path) -> None:
    marker = autograder / "pwned"
    secret = autograder / "source" / "packs" / "scale_reference.py"
    (autograder / "submission" / "03_softmax.py").write_text(
        f"""
import os
LEAK = ""
for path in ({str(secret)!r}, {str(autograder / "source" / "soundlab_bundle.json")!r}):
    try:
        LEAK += open(path).read()
    except OSError as error:
        LEAK += "unreadable "
os.system("touch {marker}")
try:
    open({str(marker)!r}, "w").write("x")
except OSError:
    pass

def softmax(x, dim=-1):
    if "memory_limit" in LEAK or "def scale" in LEAK:
        raise RuntimeError("LEAKED " + LEAK)
    while True:
        pass
""",
        encoding="utf-8",
    )
    results = run_bundle(autograder)
    assert results["score"] == 0
    assert "LEAKED" not in json.dumps(results)
    assert not marker.exists()
    assert "endless loop" in results["output"] or "did not finish" in results["output"]


def test_an_empty_upload_is_a_failing_result_that_says_why(autograder: Path) -> None:
    results = run_bundle(autograder)
    assert results["score"] == 0 and results["tests"] == []
    assert "No .py file or notebook" in results["output"]


def test_a_failing_result_is_visible_to_the_student_at_once(autograder: Path) -> None:
    results = run_bundle(autograder)
    assert results["tests"] == []
    assert results["visibility"] == "visible"  # not after_published: the student reads why now
    assert results["stdout_visibility"] == "hidden"


@pytest.fixture(scope="module")
def softmax_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A bundle built with `-e softmax -e nll`, unpacked."""
    out = tmp_path_factory.mktemp("softmax_bundle") / "autograder.zip"
    done = run_grade("gradescope-bundle", str(out), "-e", "softmax", "-e", "nll", cwd=REPO)
    assert done.returncode == 0, done.stderr
    source = tmp_path_factory.mktemp("softmax_source")
    _unpack(out, source)
    return source


def test_a_failing_result_of_a_bundle_naming_exercises_is_out_of_their_total(
    softmax_bundle: Path, tmp_path: Path
) -> None:
    root = tmp_path / "autograder"
    shutil.copytree(softmax_bundle, root / "source", symlinks=True)
    shutil.copy2(root / "source" / "run_autograder", root / "run_autograder")
    (root / "submission").mkdir()
    results = run_bundle(root)
    assert results["score"] == 0 and results["tests"] == []
    assert results["output"].startswith("Score: 0 / 20\n")


def test_an_upload_of_only_a_readme_names_what_was_not_graded(autograder: Path) -> None:
    (autograder / "submission" / "README.md").write_text("my homework\n", encoding="utf-8")
    results = run_bundle(autograder)
    assert results["score"] == 0 and results["tests"] == []
    assert "README.md: not graded" in results["output"]


def test_several_files_are_graded_together(autograder: Path, exercises) -> None:
    shutil.copy(SOLUTIONS / "softmax_logsumexp.py", autograder / "submission" / "03_softmax.py")
    shutil.copy(SOLUTIONS / "nll_loop.py", autograder / "submission" / "04_nll.py")
    (autograder / "submission" / "notes.txt").write_text("done\n", encoding="utf-8")
    results = run_bundle(autograder)
    assert results["score"] == 20
    titles = {test["name"].split(": ")[0] for test in results["tests"]}
    assert titles == {exercises["softmax"].title, exercises["nll"].title}
    assert "notes.txt: not graded" in results["output"]


def test_a_zip_upload_is_unpacked_safely(autograder: Path, tmp_path: Path) -> None:
    upload = autograder / "submission" / "homework.zip"
    with zipfile.ZipFile(upload, "w") as archive:
        archive.write(SOLUTIONS / "softmax_logsumexp.py", "homework/03_softmax.py")
        archive.writestr("__MACOSX/homework/._03_softmax.py", b"\x00\x05\x16\x07 not python")
        archive.writestr("../../escaped.py", "print('out')\n")
        archive.writestr("/absolute.py", "print('out')\n")
        link = zipfile.ZipInfo("homework/link.py")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
        archive.writestr("homework/README.md", "read me\n")
    results = run_bundle(autograder)
    assert results["score"] == 10
    output = results["output"]
    assert "escaped.py: left out, its path leaves the archive" in output
    assert "link.py: left out, it is a link" in output
    assert "._03_softmax" not in output  # macOS's resource fork is nobody's work
    assert not list(autograder.parent.rglob("escaped.py")) and not list(autograder.rglob("absolute.py"))


def test_a_broken_notebook_is_a_failing_result(autograder: Path) -> None:
    (autograder / "submission" / "homework.ipynb").write_text("{ this is not json", encoding="utf-8")
    results = run_bundle(autograder)
    assert results["score"] == 0
    assert "homework.ipynb" in results["output"]


def test_a_bundled_pack_grades_its_exercise(autograder: Path) -> None:
    (autograder / "submission" / "09_scale.py").write_text(SCALE_SOLUTION, encoding="utf-8")
    results = run_bundle(autograder)
    assert results["score"] == 10
    visibility = {test["name"]: test["visibility"] for test in results["tests"]}
    assert visibility == {
        "scaling: scales_by_the_default_factor": "visible",
        "scaling: scales_by_a_given_factor": "after_published",
    }


# --------------------------------------------------------------------------- when grading fails


def test_a_timeout_still_writes_a_failing_result(autograder: Path) -> None:
    shutil.copy(SOLUTIONS / "softmax_logsumexp.py", autograder / "submission" / "03_softmax.py")
    results = run_bundle(autograder, env={"SOUNDLAB_AUTOGRADER_TIMEOUT": "1"})
    assert results["score"] == 0 and results["tests"] == []
    assert "longer than the 1 s" in results["output"]


def test_a_grader_that_crashes_still_writes_a_failing_result(autograder: Path) -> None:
    manifest = autograder / "source" / "soundlab_bundle.json"
    settings = json.loads(manifest.read_text(encoding="utf-8"))
    settings["plugins"] = ["packs/no_such_pack.py"]
    manifest.write_text(json.dumps(settings), encoding="utf-8")
    shutil.copy(SOLUTIONS / "softmax_logsumexp.py", autograder / "submission" / "03_softmax.py")
    results = run_bundle(autograder)
    assert results["score"] == 0
    assert "could not grade your submission" in results["output"]


def test_a_broken_bundle_still_writes_a_failing_result(autograder: Path) -> None:
    (autograder / "source" / "soundlab_bundle.json").write_text("{ not json", encoding="utf-8")
    (autograder / "submission" / "03_softmax.py").write_text("def softmax(x, dim=-1):\n    return x\n")
    results = run_bundle(autograder)
    assert results["score"] == 0
    assert "failed before grading" in results["output"]


# --------------------------------------------------------------------------- staging, in this process


def test_staging_caps_what_an_upload_can_cost(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from grader.hosting import uploads

    monkeypatch.setattr(uploads, "MAX_FILES", 3)
    monkeypatch.setattr(uploads, "MAX_FILE_BYTES", 1000)
    upload = tmp_path / "upload"
    (upload / "deep" / "er").mkdir(parents=True)
    for index in range(5):
        (upload / f"f{index}.py").write_text(f"x = {index}\n", encoding="utf-8")
    (upload / "deep" / "er" / "f0.py").write_text("same name\n", encoding="utf-8")
    (upload / "big.ipynb").write_bytes(b"{" + b" " * 5000 + b"}")
    (upload / "link.py").symlink_to(upload / "f0.py")
    with zipfile.ZipFile(upload / "bomb.zip", "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("zeros.py", b"#" * 100_000)  # a few hundred bytes packed, 100 kB unpacked
    staged = uploads.stage_upload(upload, tmp_path / "out")
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == sorted(staged.kept)
    assert len(staged.kept) == 3
    notes = "\n".join(staged.notes)
    assert "big.ipynb: left out, it is over" in notes
    assert "zeros.py: left out, it is over" in notes
    assert "link.py: left out, it is a link" in notes
    assert "more than 3 .py files" in notes
    assert staged.total_bytes <= 3 * 1000


def test_staging_a_missing_upload_keeps_nothing(tmp_path: Path) -> None:
    from grader.hosting.uploads import stage_upload

    staged = stage_upload(tmp_path / "nothing_here", tmp_path / "out")
    assert staged.kept == [] and staged.notes == ["no upload folder was found."]
