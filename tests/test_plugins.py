"""Exercises are plugins: a ninth exercise defined only in the test suite is graded."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

from conftest import REPO, run_grade

PACKS = REPO / "tests" / "packs"


def _run(*args, cwd, env_extra=None):
    env = dict(os.environ, **(env_extra or {}))
    return subprocess.run([sys.executable, "-m", "grader.cli", *args], capture_output=True, text=True, cwd=cwd, env=env)


def test_a_pack_loaded_by_module_grades_a_ninth_exercise(tmp_path, zygote):
    from grader.grading import Grader
    from grader.plugins import load_registry
    from grader.submission import load_submission

    sys.path.insert(0, str(PACKS))
    try:
        registry = load_registry(["scale_pack"])
    finally:
        sys.path.remove(str(PACKS))
    exercises = registry.exercises
    assert "scale" in exercises and "softmax" in exercises
    (tmp_path / "09_scale.py").write_text("def scale(x, factor=2.0):\n    return factor * x\n")
    result = Grader([exercises["scale"]], zygote, policy=registry.policy).grade(
        load_submission(str(tmp_path / "09_scale.py"))
    )
    assert [(e.name, e.score, e.max_score) for e in result.exercises] == [("scale", 10, 10)]


def test_a_pack_installed_through_the_entry_point_group_is_listed_and_graded(tmp_path):
    site = tmp_path / "site"
    dist = site / "scale_pack-1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: scale-pack\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[soundlab_grader]\nscale = scale_pack\n")
    for module in ("scale_pack.py", "scale_reference.py"):
        (site / module).write_text((PACKS / module).read_text())
    (site / "scale_mistakes").mkdir()
    env = {"PYTHONPATH": os.pathsep.join([str(site), str(REPO)])}

    listing = _run("list", cwd=tmp_path, env_extra=env)
    assert listing.returncode == 0, listing.stderr
    assert "scale" in listing.stdout and "09_scale.py" in listing.stdout

    (tmp_path / "09_scale.py").write_text(
        textwrap.dedent("""
        def scale(x, factor=2.0):
            return x + x if factor == 2.0 else x * 2
    """)
    )
    graded = _run("09_scale.py", "--format", "json", cwd=tmp_path, env_extra=env)
    report = json.loads(graded.stdout)
    assert graded.returncode == 1
    exercise = report["submissions"][0]["exercises"][0]
    assert exercise["name"] == "scale"
    assert [c["passed"] for c in exercise["checks"]] == [True, False]


_grade = run_grade


def test_the_readme_example_pack_passes_selftest(tmp_path):
    run = _grade("-p", str(PACKS / "scale_pack.py"), "selftest", "-e", "scale", cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "ignores_factor" in run.stdout
    assert run.stdout.strip().endswith("Every expectation holds.")


def test_new_pack_writes_a_pack_whose_selftest_and_own_test_pass(tmp_path):
    made = _grade("new-pack", "gain_pack", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert (tmp_path / "gain_pack" / "gain_pack.py").exists()
    selftest = _grade("-p", "gain_pack/gain_pack.py", "selftest", "-e", "gain_pack_gain", cwd=tmp_path)
    assert selftest.returncode == 0, selftest.stdout + selftest.stderr
    assert "ignores_the_gain" in selftest.stdout
    own = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "gain_pack"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=dict(os.environ, PYTHONPATH=str(REPO)),
    )
    assert own.returncode == 0, own.stdout + own.stderr


def test_new_pack_refuses_an_existing_folder_with_one_line(tmp_path):
    (tmp_path / "taken").mkdir()
    run = _grade("new-pack", "taken", cwd=tmp_path)
    assert run.returncode == 2
    assert run.stderr.strip().count("\n") == 0 and "already exists" in run.stderr


def test_a_pack_that_is_not_a_pack_is_refused_with_one_line(tmp_path):
    (tmp_path / "odd_pack.py").write_text(
        "from grader.authoring import hookimpl\n\n@hookimpl\ndef soundlab_pack():\n    return ['not a pack']\n"
    )
    run = _grade("-p", "odd_pack.py", "list", cwd=tmp_path)
    assert run.returncode == 2
    assert "is not a grader.pack.Pack" in run.stderr and "Traceback" not in run.stderr


def test_a_given_module_inside_a_hidden_module_is_refused(tmp_path):
    package = tmp_path / "nested_pack"
    package.mkdir()
    (package / "__init__.py").write_text(
        textwrap.dedent("""
        import scale_reference
        from grader.authoring import Exercise, Pack, check, exercise_function, hookimpl
        from nested_pack import given

        @exercise_function
        def scale(x, factor: float = 2.0):
            \"\"\"Return x * factor.\"\"\"

        @check(scale, points=10)
        def scales(student, reference):
            \"\"\"scale(x) doubles x.\"\"\"

        @hookimpl
        def soundlab_pack():
            exercise = Exercise(id="scale", title="t", filename="09_scale.py", functions=(scale,),
                                reference=scale_reference)
            return Pack(name="nested", exercises=[exercise], gives=(given,))
    """)
    )
    (package / "given.py").write_text("def helper():\n    return 1\n")
    (tmp_path / "scale_reference.py").write_text((PACKS / "scale_reference.py").read_text())
    run = _grade("-p", "nested_pack", "list", cwd=tmp_path)
    assert run.returncode == 2
    assert "lies in nested_pack" in run.stderr and "Traceback" not in run.stderr


MODEL_PACK = '''
import torch

import model_pack_given
import model_pack_reference
from grader.authoring import CheckFailure, Exercise, Pack, check, exercise_function, hookimpl


@exercise_function
def mode_of(model: torch.nn.Module) -> bool:
    """Return whether model is in training mode."""


@check(mode_of, points=5, public=True)
def sees_an_evaluating_model(student, reference):
    """A model in eval mode arrives in eval mode."""
    model = model_pack_given.Doubler(3).eval()
    if student.mode_of(model) is not False:
        raise CheckFailure("the model arrived in training mode")


@check(mode_of, points=5)
def sees_a_library_model(student, reference):
    """A torch.nn.Linear cannot cross: the check is wrong, not the student."""
    student.mode_of(torch.nn.Linear(2, 2))


@hookimpl
def soundlab_pack():
    exercise = Exercise(id="mode", title="mode", filename="11_mode.py", functions=(mode_of,),
                        reference=model_pack_reference)
    return Pack(name="model", exercises=[exercise], gives=(model_pack_given,))
'''


def _model_pack(folder):
    (folder / "model_pack.py").write_text(MODEL_PACK)
    (folder / "model_pack_given.py").write_text(
        "import torch\n\nclass Doubler(torch.nn.Module):\n    def __init__(self, n):\n        super().__init__()\n"
        "        self.layer = torch.nn.Linear(n, n)\n"
    )
    (folder / "model_pack_reference.py").write_text(
        "from grader.authoring import hookimpl\n\n@hookimpl\ndef mode_of(model):\n    return model.training\n"
    )
    return folder / "model_pack.py"


def test_a_given_model_crosses_in_its_training_mode(tmp_path):
    pack = _model_pack(tmp_path)
    (tmp_path / "11_mode.py").write_text("def mode_of(model):\n    return model.training\n")
    run = _grade("-p", str(pack), "11_mode.py", "--format", "json", cwd=tmp_path)
    checks = json.loads(run.stdout)["submissions"][0]["exercises"][0]["checks"]
    assert checks[0]["passed"], checks[0]["message"]


def test_a_model_no_pack_gives_is_a_bug_in_the_check_that_selftest_names(tmp_path):
    pack = _model_pack(tmp_path)
    run = _grade("-p", str(pack), "selftest", "-e", "mode", cwd=tmp_path)
    assert run.returncode == 1
    assert "only models of classes a pack gives students" in run.stdout


def test_stubs_of_a_named_pack_hold_only_its_exercises_and_import_as_written(tmp_path):
    pack = _model_pack(tmp_path)
    run = _grade("stubs", "handout", "-p", str(pack), cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert sorted(p.name for p in (tmp_path / "handout").iterdir()) == ["11_mode.py", "lesson.ipynb"]
    stub = (tmp_path / "handout" / "11_mode.py").read_text()
    assert f"grade -p {pack} handout/11_mode.py" in stub
    graded = _grade("-p", str(pack), "handout/11_mode.py", "--format", "json", cwd=tmp_path)
    messages = [c["message"] for c in json.loads(graded.stdout)["submissions"][0]["exercises"][0]["checks"]]
    assert "mode_of is not implemented yet" in messages[0], messages  # the second check is the pack's bug


def test_a_catalogue_folder_that_does_not_exist_is_an_error(tmp_path):
    import pytest

    from grader.exercise import mistakes_in

    with pytest.raises(ValueError, match="is not a folder"):
        mistakes_in(tmp_path / "typo")
