"""`grade release OUT/`: a student edition without solutions, installed into a fresh venv.

The edition is released once per test run (shared between xdist workers through a lock),
installed into a new virtual environment that borrows /work/venv's libraries through a
``.pth`` file (offline, no build isolation), and graded against the full grader.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest
import torch
from conftest import REPO, run_grade
from filelock import FileLock

from grader.plugins import load_registry
from grader.release.replay import MissingRecording, ReplayStore, direct_key, module
from grader.release.rewrite import Plan, RewriteError, rewrite, verify
from grader.sandbox import wire

SOLUTIONS = sorted((REPO / "tests" / "solutions").glob("*.py"))
MISTAKES = sorted((REPO / "grader" / "lesson" / "mistakes").glob("*/*.py"))


# --------------------------------------------------------------------------- the edition, once


def _edition_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def _build(root: Path) -> tuple[Path, Path]:
    """Release the lesson into root/edition and install it into root/venv."""
    out, venv = root / "edition", root / "venv"
    released = run_grade("release", str(out), cwd=root, timeout=900)
    assert released.returncode == 0, released.stdout + released.stderr
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    purelib = subprocess.run(
        [str(_edition_python(venv)), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # torch, torchaudio, numpy, pluggy, click, nbformat, pip and setuptools: borrowed, not downloaded.
    Path(purelib, "borrowed_from_dev_venv.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    installed = subprocess.run(
        [str(_edition_python(venv)), "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "--no-index"]
        + [str(out)],
        capture_output=True,
        text=True,
        cwd=root,
        timeout=600,
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return out, venv


@pytest.fixture(scope="session")
def edition(tmp_path_factory) -> tuple[Path, Path]:
    """(the released folder, the venv it is installed in), built once for all workers."""
    base = tmp_path_factory.getbasetemp()
    # Under xdist each worker has its own folder in the run's: share the run's, never an older run's.
    root = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "release-edition"
    with FileLock(str(root) + ".lock"):
        done = root / "built"
        if not done.exists():
            root.mkdir(exist_ok=True)
            _build(root)
            done.write_text("ok")
    return root / "edition", root / "venv"


def run_edition(venv: Path, *args: str, cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess:
    """The edition's `grade`, in its own venv, outside the repository and without PYTHONPATH."""
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run(
        [str(_edition_python(venv)), "-m", "grader", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=environment,
        timeout=timeout,
    )


@pytest.fixture(scope="session")
def registry():
    return load_registry()


@pytest.fixture(scope="session")
def public_checks(registry) -> dict[str, set[str]]:
    return {e.id: {c.name for c in e.checks if c.public} for e in registry.exercises.values()}


def _by_check(report: dict) -> dict[str, dict[tuple[str, str], dict]]:
    """{submission path: {(exercise, check): check}} of a JSON report."""
    return {
        s["path"]: {(e["name"], c["name"]): c for e in s["exercises"] for c in e["checks"]}
        for s in report["submissions"]
    }


@pytest.fixture(scope="session")
def both_reports(edition, tmp_path_factory) -> tuple[dict, dict]:
    """The full grader's and the edition's JSON reports on every correct solution and catalogued mistake."""
    _out, venv = edition
    work = tmp_path_factory.mktemp("graded")
    paths = []
    for source in SOLUTIONS + MISTAKES:
        copy = work / source.parent.name / source.name
        copy.parent.mkdir(exist_ok=True)
        copy.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
        paths.append(str(copy.relative_to(work)))
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    full_env = dict(os.environ, PYTHONPATH=str(REPO))
    command = ["-m", "grader", "--format", "json", *paths]
    # Both at once: each mostly waits on its student processes.
    full = subprocess.Popen([sys.executable, *command], cwd=work, env=full_env, stdout=subprocess.PIPE, text=True)
    ours = subprocess.Popen(
        [str(_edition_python(venv)), *command], cwd=work, env=environment, stdout=subprocess.PIPE, text=True
    )
    full_out, _ = full.communicate(timeout=1200)
    ours_out, _ = ours.communicate(timeout=1200)
    return json.loads(full_out), json.loads(ours_out)


# --------------------------------------------------------------------------- what is not in it


def _text_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts]


def _bodies(tree: ast.AST) -> dict[str, str]:
    """{function name: its body without docstring, normalised by ast.unparse}."""
    found = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body[1:] if ast.get_docstring(node) else node.body
            found[node.name] = "\n".join(ast.unparse(s) for s in body)
    return found


def test_the_edition_holds_no_reference_body_no_catalogue_and_no_pickle(edition):
    out, _venv = edition
    given = set(_bodies(ast.parse((REPO / "grader" / "lesson" / "given.py").read_text())).values())
    reference = {}
    for path in sorted((REPO / "reference").glob("*.py")):
        for name, body in _bodies(ast.parse(path.read_text())).items():
            # One short line (`return self.layer(x)`) says nothing; a helper given to students is theirs anyway.
            if ("\n" in body or len(body) > 60) and body not in given:
                reference[f"{path.stem}.{name}"] = body
    assert len(reference) >= 8
    for path in _text_files(out):
        if path.suffix == ".py":
            bodies = set(_bodies(ast.parse(path.read_text(encoding="utf-8"))).values())
            assert not [where for where, body in reference.items() if body in bodies], path
        data = path.read_bytes()
        for where, body in reference.items():
            assert body.encode() not in data, (path, where)
        assert not data.startswith(b"\x80"), f"{path} looks like a pickle"
        assert path.suffix not in (".pkl", ".pickle", ".pt", ".pth", ".npy")
    assert not (out / "src" / "reference").exists()
    assert not list(out.rglob("mistakes"))
    # The recordings are the wire format: they decode as data.
    recordings = out / "src" / "grader" / "release" / "recordings"
    manifest = json.loads((recordings / "manifest.json").read_text())
    for name in manifest["files"]:
        assert isinstance(wire.decode((recordings / name).read_bytes()).value, dict)


def _hidden_only_literals(source: str, hidden: set[str]) -> set:
    tree = ast.parse(source)
    inside, outside = set(), set()
    for node in tree.body:
        is_hidden = isinstance(node, ast.FunctionDef) and node.name in hidden
        doc = ast.get_docstring(node, clean=False) if is_hidden else None
        for sub in ast.walk(node):
            if isinstance(sub, ast.Constant) and type(sub.value) in (int, float, str, complex):
                if sub.value != doc:
                    (inside if is_hidden else outside).add((type(sub.value), sub.value))
    return inside - outside


def test_the_edition_holds_no_hidden_check_name_docstring_or_input(edition, registry):
    out, _venv = edition
    texts = {p: p.read_bytes().decode("utf-8", "replace") for p in _text_files(out)}
    hidden_checks = [c for e in registry.exercises.values() for c in e.checks if not c.public]
    assert hidden_checks, "the lesson has hidden checks"
    for check in hidden_checks:
        pattern = re.compile(rf"\b{re.escape(check.name)}\b")
        assert not [p for p, text in texts.items() if pattern.search(text)], check.name
        assert not [p for p, text in texts.items() if check.description in text], check.description
    for exercise in registry.exercises.values():
        module = sys.modules[exercise.checks[0].module]
        hidden = {c.name for c in exercise.checks if not c.public}
        literals = _hidden_only_literals(Path(module.__file__).read_text(encoding="utf-8"), hidden)
        shipped = out / "src" / Path(*module.__name__.split(".")).with_suffix(".py")
        kept = {
            (type(n.value), n.value)
            for n in ast.walk(ast.parse(shipped.read_text(encoding="utf-8")))
            if isinstance(n, ast.Constant)
        }
        assert not literals & kept, (exercise.id, sorted(map(str, literals & kept))[:5])
        # Every public check is there, and it is all the edition has of the exercise.
        names = {n.name for n in ast.parse(shipped.read_text(encoding="utf-8")).body if isinstance(n, ast.FunctionDef)}
        assert {c.name for c in exercise.checks if c.public} <= names
        assert not hidden & names


# --------------------------------------------------------------------------- it grades as the full grader


def _compare(full: dict, ours: dict, paths: list[str], public_checks: dict[str, set[str]]) -> int:
    """Every public check's outcome in the edition equals the full grader's; returns how many failed."""
    full_checks, our_checks = _by_check(full), _by_check(ours)
    failed = 0
    for path in paths:
        theirs = {key: c for key, c in full_checks[path].items() if key[1] in public_checks[key[0]]}
        mine = our_checks[path]
        assert set(mine) == set(theirs), path
        for key, check in theirs.items():
            got = mine[key]
            assert (got["passed"], got["score"], got["max_score"]) == (
                check["passed"],
                check["score"],
                check["max_score"],
            ), (path, key, got["message"], check["message"])
            assert got["hint"] == check["hint"], (path, key)
            assert got["message"] == check["message"], (path, key)
            failed += not check["passed"]
    return failed


def test_correct_solutions_get_the_same_public_results(both_reports, public_checks):
    full, ours = both_reports
    paths = [f"solutions/{p.name}" for p in SOLUTIONS]
    assert _compare(full, ours, paths, public_checks) == 0
    for submission in ours["submissions"]:
        if submission["path"] in paths:
            assert submission["error"] is None and submission["score"] == submission["max_score"], submission


def test_every_catalogued_mistake_gets_the_same_public_results_and_hints(both_reports, public_checks):
    full, ours = both_reports
    paths = [f"{p.parent.name}/{p.name}" for p in MISTAKES]
    caught = _compare(full, ours, paths, public_checks)
    assert caught > 0
    # A mistake the full grader's public checks catch fails a public check in the edition, with the same hint.
    our_checks = _by_check(ours)
    for path in paths:
        full_public = [c for (exercise, name), c in _by_check(full)[path].items() if name in public_checks[exercise]]
        if any(not c["passed"] for c in full_public):
            assert any(not c["passed"] for c in our_checks[path].values()), path
        for check in our_checks[path].values():
            assert "the grader could not finish" not in check["message"], (path, check)


def test_the_edition_says_what_the_final_grading_adds_and_exits_as_the_full_grader(edition, tmp_path, registry):
    out, venv = edition
    stub = out / "exercises" / "03_softmax.py"
    ours = run_edition(venv, str(stub), cwd=tmp_path)
    theirs = run_grade(str(REPO / "exercises" / "03_softmax.py"), cwd=tmp_path)
    assert ours.returncode == theirs.returncode == 1, ours.stdout + ours.stderr
    softmax = registry.exercises["softmax"]
    hidden = [c for c in softmax.checks if not c.public]
    points = sum(c.points for c in hidden)
    expected = f"The final grading adds {len(hidden)} more check{'s' if len(hidden) != 1 else ''} ({points:g} point"
    assert expected in ours.stdout, ours.stdout
    assert "not implemented yet" in ours.stdout
    selftest = run_edition(venv, "selftest", cwd=tmp_path)
    assert selftest.returncode == 2 and "student edition" in selftest.stderr, selftest.stderr
    assert "reference" not in run_edition(venv, "list", cwd=tmp_path).stderr


def test_check_in_a_notebook_works_in_the_edition(edition, tmp_path, registry):
    _out, venv = edition
    code = textwrap.dedent(
        """
        import torch
        from grader import check

        def softmax(x, dim=-1):
            shifted = x - x.amax(dim=dim, keepdim=True)
            return torch.exp(shifted) / torch.exp(shifted).sum(dim=dim, keepdim=True)

        report = check(softmax)
        print(report)
        print("PASSED" if report.passed else "FAILED")
        """
    )
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    run = subprocess.run(
        [str(_edition_python(venv)), "-c", code], capture_output=True, text=True, cwd=tmp_path, env=environment
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.rstrip().endswith("PASSED"), run.stdout
    if any(not c.public for c in registry.exercises["softmax"].checks):
        assert "The final grading adds" in run.stdout


# --------------------------------------------------------------------------- the parts, alone


PACK_SOURCE = '''\
"""A pack module."""

from __future__ import annotations

import scale_reference
from grader.authoring import Exercise, check, exercise_function

SHARED = 7
HIDDEN_INPUT = 1234.5


@exercise_function
def scale(x, factor: float = 2.0):
    """Return x * factor."""


def shared_helper(x):
    return x * SHARED


def hidden_helper():
    return HIDDEN_INPUT + 0.25


@check(scale, points=6, public=True)
def public_one(student, reference):
    """the public one"""
    assert student.scale(shared_helper(1)) == reference.scale(shared_helper(1))


@check(scale, points=4)
def secret_one(student, reference):
    """the secret one covers 987.5"""
    assert student.scale(hidden_helper(), 987.5) == scale_reference.scale(1, 2)


EXERCISE = Exercise(id="scale", title="s", filename="09_scale.py", functions=(scale,), reference=scale_reference,
                    mistakes=())
'''


def test_the_rewrite_keeps_the_public_check_and_drops_all_the_hidden_one_needs():
    plan = Plan("pack", frozenset({"public_one"}), frozenset({"secret_one"}), frozenset({"scale_reference"}))
    text = rewrite(PACK_SOURCE, plan)
    verify(PACK_SOURCE, text, plan, filename="pack.py")
    assert "def public_one" in text and "shared_helper" in text and "SHARED = 7" in text
    for gone in ("secret_one", "hidden_helper", "HIDDEN_INPUT", "1234.5", "987.5", "the secret one", "mistakes"):
        assert gone not in text
    assert "import scale_reference" not in text
    assert "scale_reference = _soundlab_replay.module('scale_reference')" in text
    assert "withheld=_soundlab_replay.withheld('scale')" in text
    compile(text, "pack.py", "exec")


def test_a_check_that_is_not_a_module_level_function_cannot_be_rewritten():
    plan = Plan("pack", frozenset({"public_one", "made_in_a_loop"}), frozenset({"secret_one"}), frozenset())
    with pytest.raises(RewriteError, match="made_in_a_loop"):
        rewrite(PACK_SOURCE, plan)


def test_the_replay_serves_recordings_and_says_clearly_what_it_lacks(tmp_path):
    x = torch.arange(6.0).reshape(2, 3)
    key = direct_key("ref.double", (x,), {})
    document = {"calls": {}, "direct": {key: {"value": x * 2, "mutated": []}}}
    (tmp_path / "a.wire").write_bytes(wire.encode(document))
    manifest = {"format": 1, "torch": torch.__version__, "files": ["a.wire"], "withheld": {}}
    manifest["references"] = {"ref": {"functions": ["double"], "direct": ["double"]}}
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    store = ReplayStore(tmp_path)
    stand_in = module("ref", store)
    assert torch.equal(stand_in.double(x), x * 2)
    assert stand_in.soundlab_memo is store
    with pytest.raises(MissingRecording, match="no recorded reference result for ref.double"):
        stand_in.double(x + 1)
    with pytest.raises(MissingRecording, match="not a fault of your code"):
        store.get("0" * 64)
    with pytest.raises(AttributeError, match="no recordings of 'triple'"):
        stand_in.triple  # noqa: B018


def test_what_the_final_grading_adds_is_said_with_descriptions_only_when_released_with_them():
    from grader.exercise import Withheld, final_grading_note

    assert final_grading_note(()) == ""
    plain = (Withheld("softmax", 2), Withheld("softmax", 1.5))
    assert final_grading_note(plain) == "The final grading adds 2 more checks (3.5 points)."
    described = (Withheld("softmax", 1, "Logits as large as 1e4 stay finite"),)
    assert final_grading_note(described) == (
        "The final grading adds 1 more check (1 point): Logits as large as 1e4 stay finite."
    )


# --------------------------------------------------------------------------- solution helpers


def _solution_helper_bodies() -> dict[str, str]:
    """{module.helper: normalised body} of every @solution_helper of the lesson's check modules."""
    found = {}
    for path in sorted((REPO / "grader" / "lesson").glob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.FunctionDef) and any(
                ast.unparse(d).split("(")[0].rpartition(".")[2] == "solution_helper" for d in node.decorator_list
            ):
                found[f"{path.stem}.{node.name}"] = _bodies(node)[node.name]
    return found


def test_the_edition_holds_no_body_of_a_solution_helper(edition):
    out, _venv = edition
    helpers = _solution_helper_bodies()
    assert {"mel._bank", "mel._spectrogram", "db._db"} <= set(helpers), sorted(helpers)
    for path in _text_files(out):
        if path.suffix == ".py":
            bodies = set(_bodies(ast.parse(path.read_text(encoding="utf-8"))).values())
            assert not [where for where, body in helpers.items() if body in bodies], path
        data = path.read_bytes()
        assert not [where for where, body in helpers.items() if body.encode() in data], path
    shipped = (out / "src" / "grader" / "lesson" / "mel.py").read_text(encoding="utf-8")
    assert "_soundlab_replay.helper('grader.lesson.mel._bank', locals())" in shipped


HELPER_SOURCE = '''\
import scale_reference
from grader.authoring import solution_helper


@solution_helper
def _answer(x, *, factor=2.0):
    """x scaled."""
    return x * factor


def hint(x):
    return _answer(x)


__all__ = ["hint"]
'''


def test_the_rewrite_replaces_a_solution_helpers_body_by_a_replay_of_its_arguments(tmp_path):
    from grader.release.replay import helper_key, helper_parameters

    plan = Plan("pack", frozenset(), frozenset(), frozenset({"scale_reference"}))
    text = rewrite(HELPER_SOURCE, plan)
    assert "x * factor" not in text
    assert "return _soundlab_replay.helper('pack._answer', locals())" in text
    assert '"""x scaled."""' in text
    # The key the release records under is the one the stand-in computes from its locals().
    namespace: dict = {}
    exec(compile("def _answer(x, *, factor=2.0):\n    return locals()\n", "h", "exec"), namespace)  # noqa: S102
    x = torch.arange(3.0)
    parameters = helper_parameters(namespace["_answer"], (x,), {})
    assert helper_key("pack._answer", parameters) == helper_key("pack._answer", namespace["_answer"](x))


def test_a_hint_that_lacks_a_recording_leaves_the_failure_without_its_hint():
    from grader.exercise import CheckFailure, HintUnavailable
    from grader.grading import _failure_in_hand

    def missing() -> str:
        raise MissingRecording("no recording")

    assert issubclass(MissingRecording, HintUnavailable)
    assert CheckFailure("wrong", hint=missing).hint is None
    assert CheckFailure("wrong", hint=lambda: "a hint").hint == "a hint"
    try:
        try:
            raise CheckFailure("the values are off")
        except CheckFailure as failure:
            raise CheckFailure(failure.message, hint=missing()) from None
    except MissingRecording as error:
        handled = _failure_in_hand(error)
    assert handled is not None and handled.message == "the values are off"
    assert _failure_in_hand(MissingRecording("outside a failure")) is None
