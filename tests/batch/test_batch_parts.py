"""The pieces of `grade batch` on their own: the roster, the class folder's entries, the stored
results and the plan of what to regrade, and the reference memo."""

from __future__ import annotations

import json

import pytest
import torch

from grader.batch.entries import content_digest, list_entries
from grader.batch.files import write_atomic
from grader.batch.roster import RosterError, read_roster
from grader.batch.runner import Plan, Settings, plan
from grader.batch.store import ResultStore, StoredResult
from grader.reference_memo import ReferenceMemo, call_key
from grader.results import CheckResult, ExerciseResult, SubmissionResult
from grader.solution import CallOptions

SETTINGS = Settings(timeout=5.0, memory_mb=4096, time_limit=300.0, required=())


def test_a_roster_keeps_its_order_and_extra_columns(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("\ufeffID,Name,Email,Section\nb2,Bea,bea@x.edu,S1\na1,Al,al@x.edu,S2\n\n", encoding="utf-8")
    students = read_roster(roster)
    assert [s.id for s in students] == ["b2", "a1"]
    assert students[0].name == "Bea" and students[0].email == "bea@x.edu"
    assert students[0].extra == (("Section", "S1"),) and students[0].in_roster


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("name,email\nAl,al@x.edu\n", "no 'id' column"),
        ("id,name\na1,Al\na1,Al again\n", "already on line 2"),
        ("id,name\n,Al\n", "the id is empty"),
        ("id,name\na1,Al,extra\n", "3 cells, but the header has 2 columns"),
        ("", "the roster is empty"),
        ("id,ID\n1,2\n", "appears twice"),
    ],
)
def test_a_roster_that_cannot_be_used_is_refused_in_one_line(tmp_path, text, says):
    roster = tmp_path / "roster.csv"
    roster.write_text(text)
    with pytest.raises(RosterError, match=says) as refused:
        read_roster(roster)
    assert "\n" not in str(refused.value)


def test_a_roster_that_is_not_utf8_is_refused(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_bytes("id,name\n1,Jos\xe9\n".encode("latin-1"))
    with pytest.raises(RosterError, match="not UTF-8"):
        read_roster(roster)


def test_entries_are_files_notebooks_and_folders_but_not_hidden_or_cache_folders(tmp_path):
    for name in ("b.py", "a.ipynb", "notes.txt", ".DS_Store", ".a.py"):
        (tmp_path / name).write_text("x = 1\n")
    for name in ("c", "__pycache__", "__MACOSX", ".git"):
        (tmp_path / name).mkdir()
    assert [(e.name, e.student_id) for e in list_entries(tmp_path)] == [("a.ipynb", "a"), ("b.py", "b"), ("c", "c")]


def test_two_entries_for_one_student_id_keep_their_full_names(tmp_path):
    (tmp_path / "alice.py").write_text("x = 1\n")
    (tmp_path / "alice").mkdir()
    assert sorted(e.student_id for e in list_entries(tmp_path)) == ["alice", "alice.py"]


def test_a_folder_digest_changes_with_a_files_content_but_not_with_other_files(tmp_path):
    (tmp_path / "03_softmax.py").write_text("a = 1\n")
    before = content_digest(tmp_path)
    (tmp_path / "notes.txt").write_text("not graded\n")
    assert content_digest(tmp_path) == before
    (tmp_path / "03_softmax.py").write_text("a = 2\n")
    assert content_digest(tmp_path) != before


def _stored(entry: str = "alice.py", digest: str = "d1", fingerprints: dict | None = None) -> StoredResult:
    check = CheckResult("works", "it works", True, 10, 10, public=True, seconds=0.25)
    result = SubmissionResult("class/alice.py", [ExerciseResult("softmax", "Softmax", [check])], ran=True)
    return StoredResult(entry, "alice", digest, SETTINGS.key(), fingerprints or {"softmax": "f1"}, result)


def test_a_stored_result_comes_back_as_it_was_saved(tmp_path):
    store = ResultStore(tmp_path)
    store.save(_stored())
    loaded = store.load("alice.py")
    assert loaded is not None and loaded.to_json() == _stored().to_json()


def test_an_unreadable_stored_result_counts_as_none(tmp_path):
    store = ResultStore(tmp_path)
    store.save(_stored())
    store.path_for("alice.py").write_text("{ half a rec")
    assert store.load("alice.py") is None


def test_an_atomic_write_leaves_the_old_file_when_it_fails(tmp_path):
    target = tmp_path / "result.json"
    target.write_text("old")

    with pytest.raises(TypeError):
        write_atomic(target, "text, not bytes")  # type: ignore[arg-type]
    assert target.read_text() == "old" and not list(tmp_path.glob(".*.tmp"))


def _plan(tmp_path, fingerprints, *, digest="d1", force=False) -> Plan:
    from grader.batch.entries import Entry

    store = ResultStore(tmp_path)
    store.save(_stored(fingerprints={"softmax": "f1", "nll": "n1"}))
    return plan([Entry("alice.py", "class/alice.py", "alice", digest)], store, fingerprints, SETTINGS, force=force)


def test_the_plan_keeps_a_result_whose_content_and_checks_are_unchanged(tmp_path):
    decided = _plan(tmp_path, {"softmax": "f1", "nll": "n1"})
    assert [e.name for e in decided.reuse] == ["alice.py"] and not decided.grade


def test_the_plan_regrades_only_the_exercise_whose_fingerprint_changed(tmp_path):
    decided = _plan(tmp_path, {"softmax": "f1", "nll": "n2"})
    assert [(e.name, only) for e, only in decided.grade] == [("alice.py", ("nll",))]


def test_the_plan_regrades_a_changed_submission_whole(tmp_path):
    decided = _plan(tmp_path, {"softmax": "f1", "nll": "n1"}, digest="d2")
    assert [(e.name, only) for e, only in decided.grade] == [("alice.py", None)]


def test_the_plan_regrades_everything_when_forced(tmp_path):
    decided = _plan(tmp_path, {"softmax": "f1", "nll": "n1"}, force=True)
    assert [(e.name, only) for e, only in decided.grade] == [("alice.py", None)]


def test_a_partial_regrade_replaces_only_its_exercise():
    old = _stored(fingerprints={"softmax": "f1"})
    failed = CheckResult("works", "it works", False, 0, 10, "wrong", public=True)
    fresh = StoredResult(
        "alice.py", "alice", "d1", SETTINGS.key(), {"nll": "n2"},
        SubmissionResult("class/alice.py", [ExerciseResult("nll", "NLL", [failed])], ran=True),
    )  # fmt: skip
    merged = old.merged_with(fresh, ["nll"])
    assert [e.name for e in merged.result.exercises] == ["softmax", "nll"]
    assert merged.fingerprints == {"softmax": "f1", "nll": "n2"}
    assert json.dumps(merged.to_json())  # still a plain record


OPTIONS = CallOptions(0, (), None, None, ())


def test_equal_arguments_give_one_memo_key_and_different_ones_another():
    x = torch.arange(6.0).reshape(2, 3)
    key = call_key("softmax", {"x": x, "dim": 1}, OPTIONS)
    assert key == call_key("softmax", {"x": x.clone(), "dim": 1}, OPTIONS)
    assert key != call_key("softmax", {"x": x.double(), "dim": 1}, OPTIONS)
    assert key != call_key("softmax", {"x": x.reshape(3, 2), "dim": 1}, OPTIONS)
    assert key != call_key("softmax", {"x": x, "dim": 0}, OPTIONS)
    assert key != call_key("softmax", {"x": x, "dim": 1}, CallOptions(1, (), None, None, ()))


def test_a_model_argument_is_keyed_by_its_weights():
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 2)
    key = call_key("accuracy", {"model": model}, OPTIONS)
    with torch.no_grad():
        model.weight[0, 0] += 1
    assert call_key("accuracy", {"model": model}, OPTIONS) != key


def test_an_argument_the_memo_cannot_key_is_not_remembered():
    assert call_key("f", {"x": object()}, OPTIONS) is None


def test_the_memo_hands_out_copies_a_check_cannot_spoil():
    memo = ReferenceMemo()
    memo.put("k", [torch.zeros(2)])
    first = memo.get("k")
    first[0] += 1
    assert torch.equal(memo.get("k")[0], torch.zeros(2))


def test_the_memo_forgets_the_least_recently_used_past_its_size():
    memo = ReferenceMemo(entries=2)
    memo.put("a", 1)
    memo.put("b", 2)
    memo.get("a")
    memo.put("c", 3)
    assert memo.get("b") is None and memo.get("a") == 1 and memo.get("c") == 3


def test_a_partial_regrade_that_could_not_load_keeps_the_stored_exercise_and_retries_it():
    old = _stored(fingerprints={"softmax": "f1"})
    broken = StoredResult(
        "alice.py", "alice", "d1", SETTINGS.key(), {"softmax": "f2"},
        SubmissionResult("class/alice.py", [], error="the student process did not start"),
    )  # fmt: skip
    merged = old.merged_with(broken, ["softmax"])
    assert [e.name for e in merged.result.exercises] == ["softmax"] and merged.result.exercises[0].score == 10
    assert merged.fingerprints == {"softmax": "f1"}  # still stale: the next run regrades it
