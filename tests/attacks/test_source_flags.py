"""The instructor's notes on a submission's source: what the sandbox cannot police in-process."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from conftest import REPO

from grader.source_flags import flags_in_source


def flags(source: str) -> list[str]:
    return flags_in_source(textwrap.dedent(source))


@pytest.mark.parametrize(
    ("source", "note"),
    [
        ("import torch._decomp\n", "uses torch._decomp"),
        ("from torch._decomp import decomposition_table as table\ntable[0]\n", "uses torch._decomp"),
        ("import torch\ntorch._refs.softmax(x, 1)\n", "uses torch._refs"),
        ("import torch as t\nt._prims.exp(x)\n", "uses torch._prims"),
        ("import torch\ngetattr(torch, '_refs').softmax(x, 1)\n", "uses torch._refs"),
        ("__import__('torch._decomp')\n", "uses torch._decomp"),
        ("import torch\ntorch._C._disable_current_modes()\n", "uses torch._C._disable_current_modes"),
        (
            "from torch.utils import _python_dispatch as pd\nwith pd._disable_current_modes():\n    pass\n",
            "uses torch.utils._python_dispatch._disable_current_modes",
        ),
        (
            "from torch.utils._python_dispatch import _pop_mode\n_pop_mode()\n",
            "uses torch.utils._python_dispatch._pop_mode",
        ),
        ("import torch\ntorch.softmax.__wrapped__(x, 1)\n", "uses __wrapped__"),
        ("f.__closure__[0].cell_contents\n", "uses __closure__"),
        ("import types\ntypes.FunctionType(f.__code__, {})\n", "uses __code__"),
        ("import threading\nthreading.Thread(target=f).start()\n", "starts threads"),
        ("from concurrent.futures import ThreadPoolExecutor\nThreadPoolExecutor(1)\n", "starts threads"),
        ("import subprocess\nsubprocess.run(['python'])\n", "starts processes"),
        ("import os\nos.execv('/bin/sh', ['sh'])\n", "starts processes"),
        ("import gc\ngc.get_objects()\n", "uses gc.get_objects"),
        ("import ctypes\n", "uses ctypes"),
        ("import sys\nsys._getframe(1).f_locals\n", "inspects stack frames"),
        ("try:\n    f()\nexcept Exception as e:\n    e.__traceback__.tb_frame\n", "inspects stack frames"),
        ("import importlib\nimportlib.reload(m)\n", "imports modules dynamically"),
        ("import inspect\ninspect.getsource(f)\n", "reads source or bytecode"),
        ("exec(open('x.py').read())\n", "uses exec, eval or compile"),
        ("import torch\ntorch.compile(f)\n", "uses torch.compile"),
        ("import torch\nop = torch.ops.aten._softmax\n", "calls operators through torch.ops"),
        ("type.__setattr__(C, 'f', g)\n", "uses object.__setattr__ or type.__setattr__"),
        (
            "import torch\nclass Lazy(torch.Tensor):\n    @classmethod\n    def __torch_function__(cls, *a):\n        pass\n",
            "defines __torch_function__ or __torch_dispatch__",
        ),
        (
            "from torchaudio.functional.functional import _create_triangular_filterbank\n",
            "uses torchaudio's private _create_triangular_filterbank",
        ),
        (
            "import grader.sandbox.forbidden as guard\nguard.refusing = None\n",
            "uses the grader's internals (grader.sandbox)",
        ),
        ("import sys\nsys.modules['grader.sandbox.student_side'].StudentServer.call = f\n", "uses sys.modules"),
        (
            "import sys\nsys.modules['grader.sandbox.student_side'].StudentServer.call = f\n",
            "uses the grader's internals (grader.sandbox)",
        ),
    ],
)
def test_a_construct_is_flagged(source, note):
    assert note in flags_in_source(source)


def test_each_note_is_given_once_in_a_stable_order():
    source = """
        import threading, torch._decomp
        torch._decomp.decomposition_table
        threading.Thread(target=f).start()
        threading.Thread(target=g).start()
        x.__wrapped__
        """
    assert flags(source) == ["uses torch._decomp", "starts threads", "uses __wrapped__"]


@pytest.mark.parametrize(
    "path",
    sorted((REPO / "tests" / "solutions").glob("*.py")) + sorted((REPO / "exercises").glob("*.py")),
    ids=lambda p: p.name,
)
def test_correct_solutions_and_the_stubs_get_no_notes(path: Path):
    assert flags_in_source(path.read_text(encoding="utf-8")) == []


def test_the_given_helpers_and_check_are_not_the_graders_internals():
    source = """
        from grader import check
        from grader.lesson.given import make_sine_wave
        import grader.lesson.given as given
        check(make_sine_wave)
        """
    assert flags(source) == []


@pytest.mark.parametrize(
    "source",
    [
        "def softmax(x, dim=-1):\n    return (",  # a syntax error
        "x = 1\x00",  # a null byte
        "(" * 200_000 + ")" * 200_000,  # nesting the parser refuses (RecursionError or MemoryError)
        "x = " + "-" * 300_000 + "1",  # a deep unary chain
        "[" * 1000 + "]" * 1000,
        "\ud800",  # a lone surrogate
        "",
    ],
    ids=["syntax", "null", "parens", "unary", "lists", "surrogate", "empty"],
)
def test_any_text_gives_a_list_and_never_raises(source):
    result = flags_in_source(source)
    assert isinstance(result, list)
    assert all(isinstance(note, str) for note in result)


@pytest.mark.parametrize("value", [None, b"import torch._decomp", 42, ["import gc"]])
def test_what_is_not_text_gives_no_notes(value):
    assert flags_in_source(value) == []  # type: ignore[arg-type]


def test_a_long_attribute_chain_is_read_without_recursion():
    source = "x" + ".a" * 50_000 + ".__wrapped__\n"
    assert flags_in_source(source) in ([], ["uses __wrapped__"])  # the parser may refuse it
