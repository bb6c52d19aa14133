"""docs/authoring.md and its pack (tests/packs/loudness/): the pack grades as the guide says,
and the guide quotes the pack's files as they are.

Every test runs `python -m grader -p tests/packs/loudness/loudness_pack.py ...` in a fresh
folder, as an instructor would.
"""

from __future__ import annotations

import inspect
import json
import re
import subprocess
import textwrap

import pytest
from conftest import REPO, run_grade

PACK_DIR = REPO / "tests" / "packs" / "loudness"
PACK = PACK_DIR / "loudness_pack.py"
GUIDE = REPO / "docs" / "authoring.md"

RMS_CHECKS = [
    "rms_along_the_last_dim",
    "rms_along_every_dim",
    "rms_keeps_float64",
    "rms_of_a_sine_is_its_amplitude_over_root_two",
]
SCORE_CHECKS = ["scores_every_frame", "uses_the_frame_size", "one_frame_gives_one_score"]


def grade(*args: str, cwd) -> subprocess.CompletedProcess:
    """`grade -p <the guide's pack> ARGS`."""
    return run_grade("-p", str(PACK), *args, cwd=cwd)


def grade_json(tmp_path, source: str) -> tuple[int, dict]:
    """Grade ``source`` as 09_loudness.py; the exit status and the loudness exercise's report."""
    (tmp_path / "09_loudness.py").write_text(textwrap.dedent(source), encoding="utf-8")
    run = grade("09_loudness.py", "--exercise", "loudness", "--format", "json", cwd=tmp_path)
    assert run.returncode in (0, 1), run.stderr
    (exercise,) = json.loads(run.stdout)["submissions"][0]["exercises"]
    assert exercise["name"] == "loudness"
    return run.returncode, exercise


def checks_by_name(exercise: dict) -> dict:
    return {c["name"]: c for c in exercise["checks"]}


def test_the_guide_pack_passes_its_selftest(tmp_path):
    run = grade("selftest", "-e", "loudness", cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Every expectation holds." in run.stdout
    for mistake in ("no_square_root", "float32_always", "column_of_scores", "squeeze_everything"):
        assert mistake in run.stdout


CORRECT = {
    "norm_and_a_loop_over_frames": """
        import math
        import torch
        from loudness_given import frames

        def rms(x, dim=-1):
            return torch.linalg.vector_norm(x, dim=dim) / math.sqrt(x.shape[dim])

        def score_frames(model, x, size=400):
            return torch.cat([model(frame) for frame in frames(x, size)])
    """,
    "float64_arithmetic_and_no_grad": """
        import torch
        from loudness_given import frames

        def rms(x, dim=-1):
            return x.double().pow(2).mean(dim).sqrt().to(x.dtype)

        def score_frames(model, x, size=400):
            with torch.no_grad():
                return model(frames(x, size))[:, 0]
    """,
    "renamed_parameters": """
        from loudness_given import frames

        def rms(signal, axis=-1):
            return ((signal * signal).sum(axis) / signal.shape[axis]) ** 0.5

        def score_frames(net, audio, frame_size=400):
            return net(frames(audio, frame_size)).flatten()
    """,
}


@pytest.mark.parametrize("source", CORRECT.values(), ids=CORRECT.keys())
def test_a_correct_submission_gets_full_marks(tmp_path, source):
    status, exercise = grade_json(tmp_path, source)
    assert (status, exercise["score"], exercise["max_score"]) == (0, 10, 10), exercise


def test_rms_without_the_square_root_loses_its_points_with_the_hint(tmp_path):
    status, exercise = grade_json(
        tmp_path,
        """
        import torch
        from loudness_given import frames

        def rms(x, dim=-1):
            return torch.mean(x ** 2, dim=dim)

        def score_frames(model, x, size=400):
            return model(frames(x, size)).squeeze(-1)
    """,
    )
    checks = checks_by_name(exercise)
    assert status == 1 and exercise["score"] == 5
    assert [checks[name]["passed"] for name in RMS_CHECKS] == [False] * 4
    assert all("square root" in checks[name]["hint"] for name in RMS_CHECKS)
    assert all(checks[name]["passed"] for name in SCORE_CHECKS)


def test_the_model_crosses_to_the_student_with_its_class_and_weights(tmp_path):
    # Scores computed from the weights of the model received: right only if they crossed.
    _, exercise = grade_json(
        tmp_path,
        """
        from loudness_given import LoudnessModel, frames

        def score_frames(model, x, size=400):
            if type(model) is not LoudnessModel:
                raise TypeError(f"got a {type(model).__name__}, not the given LoudnessModel")
            weight, bias = model.layer.weight[0], model.layer.bias[0]
            return (frames(x, size) ** 2 * weight).sum(dim=-1) + bias
    """,
    )
    checks = checks_by_name(exercise)
    assert [(name, checks[name]["passed"]) for name in SCORE_CHECKS] == [(name, True) for name in SCORE_CHECKS], checks


def test_the_written_stub_imports_the_given_module_and_grades_as_not_implemented(tmp_path):
    written = grade("stubs", "handout", cwd=tmp_path)
    assert written.returncode == 0, written.stderr
    stub = (tmp_path / "handout" / "09_loudness.py").read_text(encoding="utf-8")
    assert "from loudness_given import LoudnessModel, frames" in stub.splitlines()
    assert (tmp_path / "handout" / "lesson.ipynb").is_file()

    run = grade("handout/09_loudness.py", "--format", "json", cwd=tmp_path)
    assert run.returncode == 1, run.stderr
    (exercise,) = json.loads(run.stdout)["submissions"][0]["exercises"]
    assert (exercise["name"], exercise["score"], exercise["max_score"]) == ("loudness", 0, 10)
    messages = [c["message"] for c in exercise["checks"]]
    told = [m for m in messages if "is not implemented yet: replace `raise NotImplementedError`" in m]
    # In full once per function (the first of its checks), then in a line.
    assert "is not implemented yet" in messages[0] and len({m.split()[0] for m in told}) == len(told), messages
    assert all(m == "Failed for the same reason (not implemented yet)." for m in messages if m not in told), messages


# A code block the guide labels as a file of the pack: the whole file, or a verbatim part of it.
LABELLED_BLOCK = re.compile(r"<!-- (file|excerpt): (\S+) -->\n```python\n(.*?)\n```", re.DOTALL)


def test_the_guide_quotes_the_pack_files_as_they_are():
    blocks = LABELLED_BLOCK.findall(GUIDE.read_text(encoding="utf-8"))
    quoted = {path for _, path, _ in blocks}
    assert {
        f"tests/packs/loudness/{name}" for name in ("loudness_pack.py", "loudness_reference.py", "loudness_given.py")
    } <= quoted
    assert any("/loudness_mistakes/" in path for path in quoted)
    for kind, path, block in blocks:
        text = (REPO / path).read_text(encoding="utf-8")
        if kind == "file":
            assert block + "\n" == text, f"docs/authoring.md quotes an old {path}"
        else:
            assert f"\n{block}\n" in f"\n{text}", f"docs/authoring.md quotes lines that {path} does not have:\n{block}"


SIGNATURES = re.compile(r"<!-- signatures -->\n```python\n(.*?)\n```", re.DOTALL)


class _Written(str):
    """An annotation as written in the source (``from __future__ import annotations``), unquoted."""

    def __repr__(self) -> str:
        return str(self)


def _signature_line(name: str) -> str:
    """``name(parameters) -> result`` as the code declares it (a class: its constructor's)."""
    from grader import authoring
    from grader.solution import Solution

    target = Solution.call if name == "student.call" else getattr(authoring, name)
    signature = inspect.signature(target)
    parameters = list(signature.parameters.values())[1 if name == "student.call" else 0 :]
    parameters = [
        p.replace(annotation=_Written(p.annotation)) if isinstance(p.annotation, str) else p for p in parameters
    ]
    returns = signature.return_annotation
    signature = signature.replace(
        parameters=parameters, return_annotation=_Written(returns) if isinstance(returns, str) else returns
    )
    text = name + str(signature)
    return text.removesuffix(" -> None") if inspect.isclass(target) else text


def test_the_guide_gives_the_signatures_of_the_code():
    lines = [line for block in SIGNATURES.findall(GUIDE.read_text(encoding="utf-8")) for line in block.splitlines()]
    assert len(lines) >= 11
    for line in lines:
        assert line == _signature_line(line.split("(")[0])
