"""Exercises are plugins: a ninth exercise defined only in the test suite is graded."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

from conftest import REPO

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
    result = Grader([exercises["scale"]], zygote, policy=registry.policy).grade(load_submission(str(tmp_path / "09_scale.py")))
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

    (tmp_path / "09_scale.py").write_text(textwrap.dedent("""
        def scale(x, factor=2.0):
            return x + x if factor == 2.0 else x * 2
    """))
    graded = _run("09_scale.py", "--format", "json", cwd=tmp_path, env_extra=env)
    report = json.loads(graded.stdout)
    assert graded.returncode == 1
    exercise = report["submissions"][0]["exercises"][0]
    assert exercise["name"] == "scale"
    assert [c["passed"] for c in exercise["checks"]] == [True, False]
