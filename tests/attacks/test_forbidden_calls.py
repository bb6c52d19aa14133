"""Forbidden calls that hold: unwrapping, threads, popped modes, a patched guard, private routes.

Each attack below scored full marks before the guard was rebuilt (``grader.sandbox.forbidden``)
and computes the right answer when nothing refuses it. Each must now lose the points of the
checks that call the function, with the forbidden-call message and its hint; hand-written
solutions, and library calls where they are allowed, keep full marks.
"""

from __future__ import annotations

import textwrap

import pytest
from conftest import checks_of

SOFTMAX_HINT = "Write it yourself: exp(x - max)"
NLL_HINT = "Write it yourself: pick each row's target probability"
DB_HINT = "Write it yourself: 10 * log10"
MEL_HINT = "Write it yourself: convert f_min and f_max to mel"

# The mel exercise's other functions, correct, so that only mel_filterbank's checks can fail.
MEL_REST = """
import torch
import torchaudio


def make_mel_spectrogram(sample_rate=16000, n_fft=4192, f_min=400.0, f_max=3200.0, n_mels=48):
    return torchaudio.transforms.MelSpectrogram(
        sample_rate=sample_rate, n_fft=n_fft, f_min=f_min, f_max=f_max, n_mels=n_mels
    )


def num_frames(num_samples, n_fft, hop_length=None):
    return 1 + num_samples // (n_fft // 2 if hop_length is None else hop_length)


def receptive_field_seconds(n_frames, n_fft, hop_length, sample_rate):
    return (n_fft + (n_frames - 1) * hop_length) / sample_rate
"""

FILES = {"softmax": "03_softmax.py", "nll": "04_nll.py", "mel": "05_mel.py", "db": "06_db.py"}
FUNCTIONS = {"softmax": "softmax", "nll": "nll_loss", "mel": "mel_filterbank", "db": "amplitude_to_db"}
HINTS = {"softmax": SOFTMAX_HINT, "nll": NLL_HINT, "mel": MEL_HINT, "db": DB_HINT}


def _grade(grade_source, exercise: str, source: str):
    source = textwrap.dedent(source)
    if exercise == "mel":
        source = MEL_REST + "\n" + source
    return grade_source(source, FILES[exercise], only=[exercise])


def _expect_refused(result, exercises, exercise: str, call: str) -> None:
    """Every check of the exercise's guarded function fails, saying it calls ``call``: the first
    in full with the hint, the others once more in brief (told once per exercise); the rest pass."""
    function = FUNCTIONS[exercise]
    guarded = {c.name for c in exercises[exercise].checks if c.function == function}
    lost = sum(c.points for c in exercises[exercise].checks if c.function == function)
    assert result.error is None
    assert result.exercises[0].score == pytest.approx(10 - lost)
    told = False
    for name, check in checks_of(result).items():
        if name not in guarded:
            assert check.passed, (name, check.message)
            continue
        assert not check.passed
        if not told:
            assert f"calls {call}, which is not allowed in {function}." in check.message, check.message
            assert check.hint is not None and check.hint.startswith(HINTS[exercise]), check.hint
            told = True
        else:
            assert check.message == f"Failed for the same reason: {function} calls {call} (see above).", check.message
            assert check.hint is None


# --------------------------------------------------------------------------- not over-blocking

CORRECT = {
    "softmax": """
        import torch

        def softmax(x, dim=-1):
            shifted = x - x.amax(dim=dim, keepdim=True)
            return torch.exp(shifted) / torch.exp(shifted).sum(dim=dim, keepdim=True)
        """,
    "nll": """
        import torch

        def nll_loss(probs, target):
            return -torch.log(probs[torch.arange(probs.shape[0]), target]).mean()
        """,
    "mel": """
        def mel_filterbank(n_freqs, f_min, f_max, n_mels, sample_rate):
            bins = torch.arange(n_freqs, dtype=torch.float64) * (sample_rate / 2) / (n_freqs - 1)
            mel = lambda f: 2595.0 * torch.log10(torch.tensor(1.0 + f / 700.0, dtype=torch.float64))
            points = torch.linspace(float(mel(f_min)), float(mel(f_max)), n_mels + 2, dtype=torch.float64)
            hz = 700.0 * (10.0 ** (points / 2595.0) - 1.0)
            rising = (bins[:, None] - hz[:-2]) / (hz[1:-1] - hz[:-2])
            falling = (hz[2:] - bins[:, None]) / (hz[2:] - hz[1:-1])
            return torch.clamp(torch.minimum(rising, falling), min=0.0).to(torch.float32)
        """,
    "db": """
        import torch

        def amplitude_to_db(spec, amin=1e-10, top_db=None):
            db = 10.0 * torch.log10(torch.clamp(spec, min=amin))
            if top_db is not None and db.dim() > 0:
                dims = tuple(range(-min(2, db.dim()), 0))
                db = torch.maximum(db, db.amax(dim=dims, keepdim=True) - top_db)
            return db
        """,
}


@pytest.mark.parametrize("exercise", sorted(CORRECT))
def test_a_hand_written_solution_keeps_full_marks(grade_source, exercise):
    result = _grade(grade_source, exercise, CORRECT[exercise])
    assert result.score == 10, [(c.name, c.message) for c in result.exercises[0].checks if not c.passed]


def test_a_hand_written_softmax_computed_in_a_helper_thread_keeps_full_marks(grade_source):
    source = """
        import threading
        import torch

        def softmax(x, dim=-1):
            box = {}

            def work():
                box["value"] = torch.exp(x - torch.logsumexp(x, dim, keepdim=True))

            worker = threading.Thread(target=work)
            worker.start()
            worker.join()
            return box["value"]
        """
    assert _grade(grade_source, "softmax", source).score == 10


def test_library_calls_stay_allowed_at_import_and_in_other_functions(grade_source):
    """What softmax forbids is allowed while the file loads and in make_mel_spectrogram."""
    source = """
        import torch
        import torchaudio

        LOSS = torch.nn.CrossEntropyLoss()
        CHECK = torch.softmax(torch.zeros(3), 0).sum() + LOSS(torch.zeros(1, 3), torch.tensor([1]))
        BANK = torchaudio.functional.melscale_fbanks(5, 0.0, 8000.0, 2, 16000)

        def softmax(x, dim=-1):
            return torch.exp(x - torch.logsumexp(x, dim, keepdim=True))
        """
    result = _grade(grade_source, "softmax", source)
    assert result.score == 10 and result.error is None
    mel = _grade(grade_source, "mel", CORRECT["mel"])  # make_mel_spectrogram uses MelSpectrogram
    assert mel.score == 10


# --------------------------------------------------------------------------- unwrapping the guard

UNWRAPPED = {
    "softmax": ("torch.softmax", "return torch.softmax.__wrapped__(x, dim)"),
    "nll": ("torch.nn.functional.nll_loss", "return F.nll_loss.__wrapped__(torch.log(probs), target)"),
    "db": (
        "torchaudio.functional.amplitude_to_DB",
        "return torchaudio.functional.amplitude_to_DB.__wrapped__(spec, 10.0, amin, 0.0, top_db)",
    ),
    "mel": (
        "torchaudio.functional.melscale_fbanks",
        "return torchaudio.functional.melscale_fbanks.__wrapped__(n_freqs, f_min, f_max, n_mels, sample_rate)",
    ),
}
SIGNATURES = {
    "softmax": "def softmax(x, dim=-1):",
    "nll": "def nll_loss(probs, target):",
    "db": "def amplitude_to_db(spec, amin=1e-10, top_db=None):",
    "mel": "def mel_filterbank(n_freqs, f_min, f_max, n_mels, sample_rate):",
}
IMPORTS = "import torch\nimport torch.nn.functional as F\nimport torchaudio\n"


@pytest.mark.parametrize("exercise", sorted(UNWRAPPED))
def test_calling_the_guards_wrapped_original_is_refused(grade_source, exercises, exercise):
    call, body = UNWRAPPED[exercise]
    result = _grade(grade_source, exercise, IMPORTS + SIGNATURES[exercise] + "\n    " + body + "\n")
    _expect_refused(result, exercises, exercise, call)


def test_digging_the_original_out_of_closures_gc_or_code_finds_nothing(grade_source, exercises):
    source = """
        import gc
        import types
        import torch
        import torch.nn.functional as F

        def _original():
            routes = (
                lambda: torch.softmax.__closure__[0].cell_contents,
                lambda: torch.softmax.__wrapped__.__closure__[0].cell_contents,
                lambda: next(o for o in gc.get_referents(torch.softmax) if callable(o)),
                lambda: next(o for o in gc.get_objects() if getattr(o, "__name__", "") == "call"),
                lambda: types.FunctionType(F.softmax.__code__, F.softmax.__globals__),
            )
            for route in routes:
                try:
                    return route()
                except Exception:
                    pass
            return torch.softmax

        def softmax(x, dim=-1):
            return _original()(x, dim)
        """
    _expect_refused(_grade(grade_source, "softmax", source), exercises, "softmax", "torch.softmax")


# --------------------------------------------------------------------------- threads

THREADED = {
    "softmax": ("a library softmax", "torch._C._VariableFunctions.softmax(x, dim)", "x, dim=-1"),
    "nll": (
        "the library's NLL loss",
        "torch._C._nn.nll_loss_nd(torch.log(probs), target, None, 1, -100)",
        "probs, target",
    ),
    "db": (
        "torchaudio.functional.amplitude_to_DB",
        "torchaudio.functional.amplitude_to_DB(spec, 10.0, amin, 0.0, top_db)",
        "spec, amin=1e-10, top_db=None",
    ),
    "mel": (
        "torchaudio.functional.melscale_fbanks",
        "torchaudio.functional.melscale_fbanks(n_freqs, f_min, f_max, n_mels, sample_rate)",
        "n_freqs, f_min, f_max, n_mels, sample_rate",
    ),
}


@pytest.mark.parametrize("exercise", sorted(THREADED))
def test_a_forbidden_call_from_a_helper_thread_is_refused(grade_source, exercises, exercise):
    call, expression, parameters = THREADED[exercise]
    source = f"""
import threading
import torch
import torchaudio

def {FUNCTIONS[exercise]}({parameters}):
    box = {{}}

    def work():
        try:
            box["value"] = {expression}
        except BaseException as error:
            box["error"] = error

    worker = threading.Thread(target=work)
    worker.start()
    worker.join()
    if "error" in box:
        raise box["error"]
    return box["value"]
"""
    _expect_refused(_grade(grade_source, exercise, source), exercises, exercise, call)


def test_a_thread_pool_started_at_import_is_refused_too(grade_source, exercises):
    source = """
        from concurrent.futures import ThreadPoolExecutor
        import torch

        POOL = ThreadPoolExecutor(max_workers=1)
        POOL.submit(lambda: None).result()  # the worker thread exists before any call

        def softmax(x, dim=-1):
            return POOL.submit(torch.softmax, x, dim).result()
        """
    _expect_refused(_grade(grade_source, "softmax", source), exercises, "softmax", "torch.softmax")


# --------------------------------------------------------------------------- popping the mode


def test_popping_or_disabling_dispatch_modes_changes_nothing(grade_source, exercises):
    source = """
        import contextlib
        import torch
        from torch.utils import _python_dispatch

        def softmax(x, dim=-1):
            while torch._C._len_torch_dispatch_stack() > 0:
                torch._C._pop_torch_dispatch_stack()
            with contextlib.ExitStack() as stack:
                stack.enter_context(_python_dispatch._disable_current_modes())
                stack.enter_context(torch._C._DisableTorchDispatch())
                python_key = torch._C.DispatchKeySet(torch._C.DispatchKey.Python)
                stack.enter_context(torch._C._ExcludeDispatchKeyGuard(python_key))
                return torch._C._VariableFunctions._softmax(x, dim, False)
        """
    _expect_refused(_grade(grade_source, "softmax", source), exercises, "softmax", "a library softmax")


# --------------------------------------------------------------------------- patching the guard


@pytest.mark.parametrize("exercise", ["softmax", "nll"])
def test_patching_the_guard_module_at_import_changes_nothing(grade_source, exercises, exercise):
    source = """
        import contextlib
        import torch
        import torch.nn.functional as F
        import grader.sandbox.forbidden as guard

        def _off(rules):
            return contextlib.nullcontext()

        for attack in (
            lambda: setattr(guard, "refusing", _off),
            lambda: setattr(guard, "install_all", lambda rules: None),
            lambda: vars(guard).__setitem__("refusing", _off),
            lambda: vars(guard).__setitem__("ForbiddenCall", Warning),
            lambda: setattr(guard, "__class__", type(contextlib)),
            lambda: object.__setattr__(guard, "__class__", type(contextlib)),
            lambda: delattr(guard, "refusing"),
        ):
            try:
                attack()
            except Exception:
                pass

        def softmax(x, dim=-1):
            return torch.softmax(x, dim)

        def nll_loss(probs, target):
            return F.nll_loss(torch.log(probs), target)
        """
    call = {"softmax": "torch.softmax", "nll": "torch.nn.functional.nll_loss"}[exercise]
    _expect_refused(_grade(grade_source, exercise, source), exercises, exercise, call)


# --------------------------------------------------------------------------- private and fused routes

PRIVATE = [
    ("softmax", "a softmax from torch._refs or torch._decomp", "torch._refs.softmax(x, dim)"),
    (
        "softmax",
        "a softmax from torch._refs or torch._decomp",
        "torch._decomp.decomposition_table[torch.ops.aten._softmax.default](x, dim, False)",
    ),
    ("softmax", "a softmax from torch._refs or torch._decomp", "torch._decomp.decompositions._softmax(x, dim, False)"),
    ("softmax", "a library softmax", "torch.sparse.softmax(x.to_sparse(), dim).to_dense()"),
    (
        "softmax",
        "a library softmax",
        "torch._C._VariableFunctions._softmax(x.float().to_mkldnn(), dim, False).to_dense().to(x.dtype)",
    ),
    (
        "nll",
        "an NLL loss from torch._refs or torch._decomp",
        "torch._refs.nn.functional.nll_loss(torch.log(probs), target)",
    ),
    (
        "nll",
        "an NLL loss from torch._refs or torch._decomp",
        "torch._decomp.decomposition_table[torch.ops.aten.nll_loss_forward.default]"
        "(torch.log(probs), target, None, 1, -100)[0]",
    ),
    (
        "nll",
        "torch.nn.functional.kl_div",
        "F.kl_div(torch.log(probs), F.one_hot(target, probs.shape[1]).to(probs.dtype), reduction='batchmean')",
    ),
    (
        "nll",
        "torch.nn.functional.kl_div",
        "torch.kl_div(torch.log(probs), torch.zeros_like(probs).scatter_(1, target.view(-1, 1), 1.0), 2)"
        " / probs.shape[0]",
    ),
    (
        "nll",
        "torch.nn.functional.linear_cross_entropy",
        "F.linear_cross_entropy(torch.log(probs), torch.eye(probs.shape[1], dtype=probs.dtype), target)",
    ),
]


@pytest.mark.parametrize(("exercise", "call", "expression"), PRIVATE)
def test_private_decompositions_and_other_routes_are_refused(grade_source, exercises, exercise, call, expression):
    source = "import torch\nimport torch._decomp\nimport torch._refs\nimport torch.nn.functional as F\n\n"
    source += f"{SIGNATURES[exercise]}\n    return {expression}\n"
    _expect_refused(_grade(grade_source, exercise, source), exercises, exercise, call)


def test_a_custom_operator_of_a_module_imported_at_load_is_refused(grade_source, exercises):
    """torch's chunked linear cross-entropy registers its operators when its module is imported."""
    source = """
        import torch
        import torch.nn.modules.linear_cross_entropy as chunked

        def nll_loss(probs, target):
            n, c = probs.shape
            eye = torch.eye(c, dtype=probs.dtype)
            rows = chunked._linear_cross_entropy_batch_chunked_no_reduction(
                torch.log(probs), eye, target, None, None, -100, n, "input", probs.dtype
            )
            return rows.mean()
        """
    _expect_refused(_grade(grade_source, "nll", source), exercises, "nll", "torch.nn.functional.linear_cross_entropy")


def test_importing_that_module_during_the_call_is_refused(grade_source):
    source = """
        import torch

        def nll_loss(probs, target):
            import torch.nn.modules.linear_cross_entropy as chunked

            n, c = probs.shape
            eye = torch.eye(c, dtype=probs.dtype)
            rows = chunked._linear_cross_entropy_batch_chunked_no_reduction(
                torch.log(probs), eye, target, None, None, -100, n, "input", probs.dtype
            )
            return rows.mean()
        """
    result = _grade(grade_source, "nll", source)
    assert result.score == 0
    assert "importing a module with forbidden functions" in checks_of(result)["matches_on_a_batch"].message


SDPA_SOFTMAX = """
import torch
import torch.nn.functional as F

def softmax(x, dim=-1):
    # softmax(q @ k.T * scale) @ v with k and v the identity and scale 1 is softmax(q).
    moved = x.movedim(dim, -1)
    n = moved.shape[-1]
    q = moved.reshape(-1, 1, n)
    eye = torch.eye(n, dtype=x.dtype).expand(q.shape[0], n, n)
    out = ATTENTION(q, eye, eye, scale=1.0)
    return out.reshape(moved.shape).movedim(-1, dim)
"""


@pytest.mark.parametrize(
    "attention",
    [
        "F.scaled_dot_product_attention",
        "torch._C._nn.scaled_dot_product_attention",
        "lambda q, k, v, scale: torch.ops.aten._scaled_dot_product_flash_attention_for_cpu("
        "q[None], k[None], v[None], scale=scale)[0][0]",
    ],
)
def test_a_fused_attention_computing_the_softmax_is_refused(grade_source, exercises, attention):
    source = SDPA_SOFTMAX.replace("ATTENTION(", f"({attention})(")
    call = "torch.nn.functional.scaled_dot_product_attention"
    _expect_refused(_grade(grade_source, "softmax", source), exercises, "softmax", call)


def test_torchaudios_private_triangular_filter_bank_is_refused(grade_source, exercises):
    source = """
        from torchaudio.functional.functional import _create_triangular_filterbank

        def mel_filterbank(n_freqs, f_min, f_max, n_mels, sample_rate):
            all_freqs = torch.linspace(0, sample_rate // 2, n_freqs)
            mel = lambda f: 2595.0 * torch.log10(torch.tensor(1.0 + f / 700.0))
            points = 700.0 * (10 ** (torch.linspace(mel(f_min), mel(f_max), n_mels + 2) / 2595.0) - 1.0)
            return _create_triangular_filterbank(all_freqs, points)
        """
    _expect_refused(_grade(grade_source, "mel", source), exercises, "mel", "torchaudio's triangular filter bank")


# --------------------------------------------------------------------------- no operator backstop: db and mel

FRESH_COPY = """
import importlib
import runpy
import sys
import types
import torch
import torchaudio

MODULE = "torchaudio.functional.functional"

def _fresh(name):
    module = sys.modules[MODULE]
    routes = (
        lambda: getattr(importlib.reload(module), name),
        lambda: types.FunctionType(getattr(module, name).__code__, vars(module)),
        lambda: runpy.run_path(module.__file__)[name],
        lambda: runpy.run_path(module.__cached__)[name],
        lambda: _exec_source(open(module.__file__).read(), name),
    )
    for route in routes:
        try:
            return route()
        except BaseException:
            pass
    return getattr(torchaudio.functional, name)

def _exec_source(text, name):
    namespace = {"__name__": "copy"}
    exec(compile(text, "copy.py", "exec"), namespace)
    return namespace[name]
"""


def test_a_fresh_copy_of_torchaudios_amplitude_to_db_is_refused(grade_source, exercises):
    source = (
        FRESH_COPY
        + """
def amplitude_to_db(spec, amin=1e-10, top_db=None):
    return _fresh("amplitude_to_DB")(spec, 10.0, amin, 0.0, top_db)
"""
    )
    _expect_refused(_grade(grade_source, "db", source), exercises, "db", "torchaudio.functional.amplitude_to_DB")


def test_a_fresh_copy_of_torchaudios_melscale_fbanks_is_refused(grade_source, exercises):
    source = (
        FRESH_COPY
        + """
def mel_filterbank(n_freqs, f_min, f_max, n_mels, sample_rate):
    return _fresh("melscale_fbanks")(n_freqs, f_min, f_max, n_mels, sample_rate)
"""
    )
    _expect_refused(_grade(grade_source, "mel", source), exercises, "mel", "torchaudio.functional.melscale_fbanks")


def test_a_transform_built_without_its_constructor_is_refused(grade_source, exercises):
    source = """
        import types
        import torch
        import torchaudio

        def amplitude_to_db(spec, amin=1e-10, top_db=None):
            fake = types.SimpleNamespace(multiplier=10.0, amin=amin, db_multiplier=0.0, top_db=top_db)
            return torchaudio.transforms.AmplitudeToDB.forward(fake, spec)
        """
    call = "torchaudio.functional.amplitude_to_DB"  # what its forward calls
    _expect_refused(_grade(grade_source, "db", source), exercises, "db", call)


def test_starting_a_process_inside_a_forbidden_call_is_refused(grade_source):
    source = """
        import subprocess
        import sys
        import torch

        def softmax(x, dim=-1):
            subprocess.run([sys.executable, "-c", "pass"], check=True)
            return torch.exp(x - torch.logsumexp(x, dim, keepdim=True))
        """
    result = _grade(grade_source, "softmax", source)
    assert result.score == 0
    message = checks_of(result)["matches_on_a_batch_with_default_dim"].message
    assert "starting a process" in message


def test_a_result_that_computes_when_the_grader_reads_it_is_refused(grade_source):
    source = """
        import torch

        class Lazy(torch.Tensor):
            @classmethod
            def __torch_function__(cls, func, types, args=(), kwargs=None):
                with torch._C.DisableTorchFunctionSubclass():
                    if getattr(func, "__name__", "") == "detach":  # the grader reading the result
                        return torch.softmax(args[0].as_subclass(torch.Tensor), args[0].dim_).detach()
                    return func(*args, **(kwargs or {}))

        def softmax(x, dim=-1):
            out = x.clone().as_subclass(Lazy)
            out.dim_ = dim
            return out
        """
    assert _grade(grade_source, "softmax", source).score <= 2
