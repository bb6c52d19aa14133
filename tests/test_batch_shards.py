"""Job arrays: `grade batch --shard K/N` (or the shard a Kubernetes Indexed Job or a Slurm array
task is) grades a part of the class, and `grade merge` puts the parts back together into
exactly what one unsharded run writes."""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REPO, run_grade

from grader.batch.shards import (
    WHOLE,
    Shard,
    ShardError,
    parse_shard,
    resolve_shard,
    select,
    shard_from_environment,
    shard_position,
)
from grader.cli import cli

SHARDS = 4
ENGINE_VARIABLES = (
    "JOB_COMPLETION_INDEX",
    "JOB_COMPLETIONS",
    "SLURM_ARRAY_TASK_ID",
    "SLURM_ARRAY_TASK_COUNT",
    "SLURM_ARRAY_TASK_MIN",
    "SLURM_ARRAY_TASK_MAX",
    "SLURM_ARRAY_TASK_STEP",
    "SLURM_ARRAY_JOB_ID",
)
# The class, sorted by name: shard k of 4 holds entries k-1, k+3, ... of this list.
ENTRIES = ["alice.py", "bob.py", "carol", "dave.py", "erin.py", "zed.py"]
ROSTER = (
    "id,name,email,section\nalice,Alice A,alice@uni.edu,A\nbob,Bob B,bob@uni.edu,A\ncarol,Carol C,carol@uni.edu,B\n"
)
ROSTER += "dave,Dave D,dave@uni.edu,B\nerin,Erin E,erin@uni.edu,A\ngina,Gina G,gina@uni.edu,B\n"
OPTIONS = ("-e", "softmax", "--workers", "1")


def _grade(*args: str, cwd: Path, env: dict | None = None):
    return run_grade(*args, cwd=cwd, env=env, unset=tuple(v for v in ENGINE_VARIABLES if v not in (env or {})))


def _ok(completed) -> None:
    assert completed.returncode == 0, completed.stderr + completed.stdout


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    """One unsharded run and three sets of 4 shards (--shard, Kubernetes, Slurm), each merged:
    made once per session, by whichever pytest-xdist worker comes first (the others wait)."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base  # this session's folder
    root = shared / "batch-shards"
    with open(shared / "batch-shards.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (root / "failed").exists():  # another worker tried: fail as fast, with its reason
            pytest.fail((root / "failed").read_text(encoding="utf-8"))
        if not (root / "done").exists():
            shutil.rmtree(root, ignore_errors=True)
            root.mkdir()
            try:
                _make_runs(root)
            except BaseException as error:
                (root / "failed").write_text(f"making the runs failed: {error}"[:4000], encoding="utf-8")
                raise
            (root / "done").touch()
    return {"root": root}


def _make_runs(root: Path) -> None:
    klass = root / "class"
    klass.mkdir()
    solutions = REPO / "tests" / "solutions"
    shutil.copy(solutions / "softmax_logsumexp.py", klass / "alice.py")
    shutil.copy(solutions / "softmax_star_args.py", klass / "bob.py")
    (klass / "carol").mkdir()
    shutil.copy(solutions / "softmax_keyword_only_dim.py", klass / "carol" / "03_softmax.py")
    shutil.copy(REPO / "grader" / "lesson" / "mistakes" / "softmax" / "naive_overflow.py", klass / "dave.py")
    (klass / "erin.py").write_text("def softmax(x:\n    return x\n", encoding="utf-8")  # a syntax error
    shutil.copy(solutions / "softmax_builtin_max.py", klass / "zed.py")  # not in the roster
    (root / "roster.csv").write_text(ROSTER, encoding="utf-8")

    _ok(_grade("batch", "class", "--out", "whole", "--roster", "roster.csv", *OPTIONS, cwd=root))
    for k in range(1, SHARDS + 1):
        # (a) --shard, the roster given to every shard (it travels in batch.json to the merge)
        _ok(
            _grade(
                "batch",
                "class",
                "--out",
                f"a/{k}",
                "--shard",
                f"{k}/{SHARDS}",
                "--roster",
                "roster.csv",
                *OPTIONS,
                cwd=root,
            )
        )
        # (b) a Kubernetes Indexed Job: the index from 0, the completions from the manifest's env
        kubernetes = {"JOB_COMPLETION_INDEX": str(k - 1), "JOB_COMPLETIONS": str(SHARDS)}
        _ok(_grade("batch", "class", "--out", f"b/{k}", *OPTIONS, cwd=root, env=kubernetes))
        # (c) a Slurm array submitted as --array=1-4 (its ids start at 1)
        slurm = {
            "SLURM_ARRAY_JOB_ID": "4242",
            "SLURM_ARRAY_TASK_ID": str(k),
            "SLURM_ARRAY_TASK_COUNT": str(SHARDS),
            "SLURM_ARRAY_TASK_MIN": "1",
            "SLURM_ARRAY_TASK_MAX": str(SHARDS),
            "SLURM_ARRAY_TASK_STEP": "1",
        }
        _ok(_grade("batch", "class", "--out", f"c/{k}", *OPTIONS, cwd=root, env=slurm))
    parts = [str(k) for k in range(SHARDS, 0, -1)]  # in any order
    _ok(_grade("merge", *(f"a/{p}" for p in parts), "--out", "a-merged", cwd=root))
    _ok(_grade("merge", *(f"b/{p}" for p in parts), "--out", "b-merged", "--roster", "roster.csv", cwd=root))
    _ok(_grade("merge", *(f"c/{p}" for p in parts), "--out", "c-merged", "--roster", "roster.csv", cwd=root))


def _manifest(folder: Path) -> dict:
    return json.loads((folder / "batch.json").read_text(encoding="utf-8"))


def _without_times(text: str) -> str:
    return re.sub(r' time="[^"]*"', "", text)


@pytest.mark.parametrize("kind", ["a", "b", "c"])
def test_every_entry_is_graded_in_exactly_one_shard(runs, kind: str) -> None:
    root = runs["root"]
    graded: list[str] = []
    for k in range(1, SHARDS + 1):
        manifest = _manifest(root / kind / str(k))
        assert (manifest["shard"]["index"], manifest["shard"]["count"]) == (k, SHARDS)
        assert manifest["graded"] == ENTRIES[k - 1 :: SHARDS]  # round robin over the sorted names
        assert len(list((root / kind / str(k) / "results").glob("*.json"))) == len(manifest["graded"])
        assert not (root / kind / str(k) / "gradebook.csv").exists()  # a shard stores results only
        graded += manifest["graded"]
    assert sorted(graded) == ENTRIES


@pytest.mark.parametrize("kind", ["a", "b", "c"])
def test_merged_shards_write_what_one_unsharded_run_writes(runs, kind: str) -> None:
    whole, merged = runs["root"] / "whole", runs["root"] / f"{kind}-merged"
    for name in ("gradebook.csv", "canvas.csv", "similar.csv"):
        assert (merged / name).read_bytes() == (whole / name).read_bytes(), name
    merged_report, whole_report = (json.loads((d / "report.json").read_text()) for d in (merged, whole))
    # The sandbox describes the host a run was on (what it could hide), not the grades: each
    # shard may run on another node. The merge reports the first shard's.
    assert merged_report.pop("sandbox")["mode"] == whole_report.pop("sandbox")["mode"]
    assert merged_report == whole_report
    assert _without_times((merged / "junit.xml").read_text()) == _without_times((whole / "junit.xml").read_text())
    gradescope = sorted(p.relative_to(whole) for p in (whole / "gradescope").rglob("*"))
    assert sorted(p.relative_to(merged) for p in (merged / "gradescope").rglob("*")) == gradescope
    assert (merged / "report.html").is_file()


def test_a_roster_student_with_no_entry_is_in_the_merge_once(runs) -> None:
    rows = (runs["root"] / "a-merged" / "gradebook.csv").read_text(encoding="utf-8").splitlines()
    ids = [row.split(",")[0] for row in rows[1:]]
    assert ids == ["alice", "bob", "carol", "dave", "erin", "gina", "zed"]  # roster order, then the rest
    assert [row for row in rows if row.startswith("gina,")][0].split(",")[-2] == "no submission"


def test_the_merge_is_a_store_an_unsharded_run_resumes_from(runs, tmp_path: Path) -> None:
    root = runs["root"]
    shutil.copytree(root / "a-merged", tmp_path / "merged")
    (tmp_path / "merged" / "gradebook.csv").unlink()
    completed = _grade(
        "batch", "class", "--out", str(tmp_path / "merged"), "--roster", "roster.csv", *OPTIONS, cwd=root
    )
    _ok(completed)
    assert "Nothing to grade" in completed.stdout
    assert (tmp_path / "merged" / "gradebook.csv").read_bytes() == (root / "whole" / "gradebook.csv").read_bytes()


def _invoke(*args: str, cwd: Path, env: dict | None = None):
    """The command in this process (for refusals, which stop before any grading): quicker
    than a subprocess, with the engines' variables cleared unless ``env`` sets them."""
    environment: dict[str, str | None] = dict.fromkeys(ENGINE_VARIABLES)
    environment.update(env or {})
    previous = Path.cwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(cli, list(args), env=environment)
    finally:
        os.chdir(previous)


def _refused(completed, *fragments: str) -> None:
    assert completed.exit_code == 2, completed.output + completed.stderr
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1, completed.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def test_a_missing_shard_is_named(runs, tmp_path: Path) -> None:
    root = runs["root"]
    _refused(
        _invoke("merge", "a/1", "a/2", "a/4", "--out", str(tmp_path / "m1"), cwd=root),
        "shard 3/4 is missing",
        "given: 1, 2, 4",
    )
    _refused(_invoke("merge", "b/1", "b/4", "--out", str(tmp_path / "m1"), cwd=root), "shards 2/4 and 3/4 are missing")


def test_overlapping_shards_and_other_classes_are_refused(runs, tmp_path: Path) -> None:
    root = runs["root"]
    _refused(
        _invoke("merge", "a/1", "b/1", "a/2", "a/3", "a/4", "--out", str(tmp_path / "m2"), cwd=root),
        "shard 1/4 is given twice",
    )
    other = tmp_path / "other"
    shutil.copytree(root / "a" / "4", other)
    manifest = _manifest(other)
    manifest["class"]["entries"][0]["digest"] = "0" * 64
    manifest["class"]["digest"] = "changed"
    (other / "batch.json").write_text(json.dumps(manifest), encoding="utf-8")
    _refused(
        _invoke("merge", "a/1", "a/2", "a/3", str(other), "--out", str(tmp_path / "m3"), cwd=root),
        "different classes",
        "alice.py has other contents",
    )
    manifest = _manifest(root / "a" / "4")
    manifest["fingerprints"] = {"softmax": "another version"}
    (other / "batch.json").write_text(json.dumps(manifest), encoding="utf-8")
    _refused(
        _invoke("merge", "a/1", "a/2", "a/3", str(other), "--out", str(tmp_path / "m3"), cwd=root),
        "graded differently",
        "softmax",
    )
    _refused(_invoke("merge", "a/1", "class", "--out", str(tmp_path / "m4"), cwd=root), "no batch.json")


def test_a_bad_shard_is_one_line(runs, tmp_path: Path) -> None:
    root = runs["root"]
    _refused(_invoke("batch", "class", "--out", str(tmp_path / "x"), "--shard", "5/4", cwd=root), "out of range")
    _refused(_invoke("batch", "class", "--out", str(tmp_path / "x"), "--shard", "two", cwd=root), "expected K/N")
    _refused(
        _invoke("batch", "class", "--out", str(tmp_path / "x"), cwd=root, env={"JOB_COMPLETION_INDEX": "1"}),
        "JOB_COMPLETIONS is not",
    )


def test_shard_option_and_environment() -> None:
    assert parse_shard("2/4") == Shard(2, 4, "--shard 2/4")
    for bad in ("0/4", "5/4", "1/0", "1-4", "a/b", "", "-1/4"):
        with pytest.raises(ShardError):
            parse_shard(bad)
    kubernetes = {"JOB_COMPLETION_INDEX": "0", "JOB_COMPLETIONS": "3"}
    assert shard_from_environment(kubernetes) == Shard(1, 3, "JOB_COMPLETION_INDEX=0, JOB_COMPLETIONS=3")
    with pytest.raises(ShardError):
        shard_from_environment({"JOB_COMPLETION_INDEX": "3", "JOB_COMPLETIONS": "3"})
    slurm = {"SLURM_ARRAY_TASK_ID": "0", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "0"}
    assert shard_from_environment(slurm).index == 1  # --array=0-3
    assert shard_from_environment({**slurm, "SLURM_ARRAY_TASK_ID": "3"}).index == 4
    stepped = {**slurm, "SLURM_ARRAY_TASK_ID": "5", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_STEP": "2"}
    assert shard_from_environment({**stepped, "SLURM_ARRAY_TASK_MAX": "7"}).index == 3  # --array=1-7:2
    with pytest.raises(ShardError, match="not one range"):  # --array=1,2,9,22
        shard_from_environment(
            {**slurm, "SLURM_ARRAY_TASK_ID": "9", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_MAX": "22"}
        )
    with pytest.raises(ShardError):
        shard_from_environment({"SLURM_ARRAY_TASK_ID": "2"})  # no count
    assert shard_from_environment({}) is None
    assert resolve_shard("1/1", kubernetes) == Shard(1, 1, "--shard 1/1")  # the option wins
    assert resolve_shard(None, {}) == WHOLE


def test_shards_deal_the_sorted_entries_round_robin() -> None:
    names = [f"s{i:02d}" for i in range(10)]
    parts = [select(names, Shard(k, 3)) for k in (1, 2, 3)]
    assert parts == [names[0::3], names[1::3], names[2::3]]
    assert sorted(sum(parts, [])) == names
    assert [len(p) for p in parts] == [4, 3, 3]
    assert all(shard_position(i, 3) == next(k for k in (1, 2, 3) if names[i] in parts[k - 1]) for i in range(10))


def test_deploy_files_parse_and_use_the_engines_variables() -> None:
    deploy = REPO / "deploy"
    sbatch = (deploy / "slurm" / "grade-array.sbatch").read_text()
    assert "SLURM_ARRAY_TASK_ID" in sbatch and "--dependency=afterok" in sbatch and "grade merge" in sbatch
    if shutil.which("bash"):
        assert subprocess.run(["bash", "-n", str(deploy / "slurm" / "grade-array.sbatch")]).returncode == 0
    kubernetes = (deploy / "kubernetes" / "indexed-job.yaml").read_text()
    workflow = (deploy / "github-actions" / "grade-class.yml").read_text()
    assert "JOB_COMPLETION_INDEX" in kubernetes and "JOB_COMPLETIONS" in kubernetes
    assert "strategy.job-total" in workflow and "grade merge" in workflow
    yaml = pytest.importorskip("yaml")
    documents = list(yaml.safe_load_all(kubernetes))
    job = next(d for d in documents if d["kind"] == "Job" and d["spec"].get("completionMode") == "Indexed")
    container = job["spec"]["template"]["spec"]["containers"][0]
    env = {v["name"]: v.get("value") for v in container["env"]}
    assert env["JOB_COMPLETIONS"] == str(job["spec"]["completions"])
    assert container["image"] == "soundlab-grader:latest"
    assert job["spec"]["parallelism"] >= 1
    flow = yaml.safe_load(workflow)
    assert flow["jobs"]["merge"]["needs"] == "shard"
    assert flow["jobs"]["shard"]["strategy"]["matrix"]["shard"] == [1, 2, 3, 4]
