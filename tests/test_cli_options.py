"""The `grade` command's options as users type them: --plugin as a module, a module in the
current folder, a file or folder path, before or after the command; `grade stubs`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

GRADE = shutil.which("grade", path=str(Path(sys.executable).parent)) or shutil.which("grade")

# A one-exercise pack: the CLI is what these tests are about.
PACK = '''\
from grader.authoring import Exercise, Pack, check, exercise_function, hookimpl
{import_reference}


@exercise_function
def {fn}(x):
    """Return x unchanged."""


@check({fn}, points=10, public=True)
def returns_x(student, reference):
    """{fn}(x) returns x."""
    assert student.{fn}(3.0) == reference.{fn}(3.0)


EXERCISE = Exercise(id="{fn}", title="{fn}", filename="{number}_{fn}.py", functions=({fn},), reference=reference)


@hookimpl
def soundlab_pack():
    return Pack(name="{fn}", exercises=(EXERCISE,))
'''

REFERENCE = """\
from grader.exercise import hookimpl


@hookimpl
def {fn}(x):
    return x
"""

LISTED = "10_tidy.py"  # `grade list` shows each exercise's stub file


def write_pack_file(folder: Path, name: str = "tidy_pack", fn: str = "tidy", number: int = 10) -> Path:
    """``folder/name.py`` (exercise ``fn``) and, beside it, the reference module it imports by name."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}_reference.py").write_text(REFERENCE.format(fn=fn))
    pack = folder / f"{name}.py"
    pack.write_text(PACK.format(import_reference=f"import {name}_reference as reference", fn=fn, number=number))
    return pack


def write_pack_package(folder: Path, name: str = "tidy_pkg", fn: str = "tidy", number: int = 10) -> Path:
    """``folder/name/`` (exercise ``fn``), a package whose reference is a submodule it imports relatively."""
    package = folder / name
    package.mkdir(parents=True)
    (package / "reference.py").write_text(REFERENCE.format(fn=fn))
    (package / "__init__.py").write_text(PACK.format(import_reference="from . import reference", fn=fn, number=number))
    return package


def grade(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """Run the installed `grade` console script, as a user would."""
    assert GRADE, "the `grade` console script is not installed next to this Python"
    env = dict(os.environ, NO_COLOR="1")
    return subprocess.run([GRADE, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=300)


@pytest.mark.parametrize("spelling", ["packs/tidy_pack.py", "./packs/tidy_pack.py"])
def test_plugin_given_as_a_file_path_is_loaded_with_its_sibling_modules(tmp_path, spelling):
    write_pack_file(tmp_path / "packs")
    run = grade("list", "-p", spelling, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert LISTED in run.stdout


def test_plugin_given_as_a_module_name_is_found_in_the_current_folder(tmp_path):
    write_pack_file(tmp_path)
    run = grade("list", "-p", "tidy_pack", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert LISTED in run.stdout


@pytest.mark.parametrize("spelling", ["./tidy_pkg", "tidy_pkg/"])
def test_plugin_given_as_a_package_folder_path_is_loaded(tmp_path, spelling):
    write_pack_package(tmp_path)
    run = grade("list", "-p", spelling, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert LISTED in run.stdout


def test_missing_plugin_path_exits_2_with_one_line_and_no_traceback(tmp_path):
    run = grade("list", "-p", "packs/missing_pack.py", cwd=tmp_path)
    assert run.returncode == 2
    assert len(run.stderr.strip().splitlines()) == 1, run.stderr
    assert "packs/missing_pack.py" in run.stderr
    assert "Traceback" not in run.stderr


def test_plugin_with_a_syntax_error_is_reported_with_file_and_line(tmp_path):
    (tmp_path / "broken_pack.py").write_text("x = 1\ndef oops(:\n")
    run = grade("list", "-p", "./broken_pack.py", cwd=tmp_path)
    assert run.returncode == 2
    assert len(run.stderr.strip().splitlines()) == 1, run.stderr
    assert "broken_pack.py:2" in run.stderr
    assert "Traceback" not in run.stderr


@pytest.mark.parametrize("before", [["--plugin", "tidy_pack.py"], ["-p", "tidy_pack.py"], ["--plugin=tidy_pack.py"]])
def test_plugin_option_before_the_command_name(tmp_path, before):
    write_pack_file(tmp_path)
    run = grade(*before, "list", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert LISTED in run.stdout


def test_plugin_option_after_the_command_name(tmp_path):
    write_pack_file(tmp_path)
    run = grade("list", "--plugin", "tidy_pack.py", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert LISTED in run.stdout


def test_plugins_before_and_after_the_command_are_all_loaded_group_ones_first(tmp_path):
    write_pack_file(tmp_path)
    write_pack_package(tmp_path, fn="neat", number=11)
    run = grade("-p", "tidy_pack.py", "list", "-p", "tidy_pkg/", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    listed = [line.split()[1] for line in run.stdout.splitlines()]
    assert listed[-2:] == ["10_tidy.py", "11_neat.py"]


def test_plugin_option_before_a_path_grades_it_with_the_default_command(tmp_path):
    write_pack_file(tmp_path)
    (tmp_path / "10_tidy.py").write_text("def tidy(x):\n    return x\n")
    run = grade("-p", "tidy_pack.py", "10_tidy.py", "--format", "json", cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    report = json.loads(run.stdout)
    assert [e["name"] for e in report["submissions"][0]["exercises"]] == ["tidy"]
    assert report["score"] == report["max_score"] == 10


@pytest.mark.parametrize("args", [["--help"], ["-h"], ["--version"], ["run", "--help"], ["-p", "x.py", "--help"]])
def test_help_and_version_still_work(tmp_path, args):
    run = grade(*args, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip()


def test_stubs_of_a_named_pack_writes_its_stubs_and_the_lesson_notebook(tmp_path):
    write_pack_file(tmp_path)
    run = grade("stubs", "out/stubs", "-p", "tidy_pack.py", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    out = tmp_path / "out" / "stubs"
    assert "def tidy(x):" in (out / "10_tidy.py").read_text()
    assert not (out / "03_softmax.py").exists()  # only the named pack's exercises
    notebook = json.loads((out / "lesson.ipynb").read_text())
    assert any("check(tidy)" in "".join(cell["source"]) for cell in notebook["cells"])


def test_stubs_without_a_named_pack_writes_every_installed_exercise(tmp_path):
    run = grade("stubs", "out", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "out" / "03_softmax.py").is_file() and (tmp_path / "out" / "08_training.py").is_file()


def test_stubs_check_writes_nothing_and_exits_1_listing_what_is_out_of_date(tmp_path):
    run = grade("stubs", "out", "--check", cwd=tmp_path)
    assert run.returncode == 1
    assert "out/lesson.ipynb" in run.stdout
    assert not (tmp_path / "out").exists()


def test_stubs_check_exits_0_once_the_stubs_are_written(tmp_path):
    assert grade("stubs", "out", cwd=tmp_path).returncode == 0
    run = grade("stubs", "out", "--check", cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr


def test_plugin_paths_lists_the_folder_a_file_plugin_was_imported_from(tmp_path, monkeypatch):
    from grader import plugins

    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setattr(plugins, "_PLUGIN_PATHS", [])
    (tmp_path / "lone_pack_helper.py").write_text("VALUE = 42\n")
    (tmp_path / "lone_pack.py").write_text("from lone_pack_helper import VALUE\n")
    try:
        module = plugins.import_plugin(str(tmp_path / "lone_pack.py"))
        assert module.VALUE == 42
        assert plugins.plugin_paths() == [str(tmp_path.resolve())]
    finally:
        sys.modules.pop("lone_pack", None)
        sys.modules.pop("lone_pack_helper", None)
