"""How a check's arguments reach a student's function (grader.arguments).

Each test arranges a check's arguments for a student-like function and, where it matters,
calls that function with them and looks at what it received.
"""

from __future__ import annotations

import inspect

from grader.arguments import OMITTED, arrange, renamed_note


def params_of(function) -> list[dict]:
    """The student's parameters as the student process reports them."""
    return [
        {"name": p.name, "kind": p.kind.name, "has_default": p.default is not inspect.Parameter.empty}
        for p in inspect.signature(function).parameters.values()
    ]


def call(spec, student, **given):
    """Call ``student`` as a check calls ``spec`` with ``given`` (others left out); what it received."""
    signature = inspect.signature(spec)
    named_args = [(name, given.get(name, OMITTED)) for name in signature.parameters]
    positional, keywords = arrange(signature, params_of(student), named_args)
    return student(*positional, **keywords)


# The exercise's signatures (the specs).


def softmax(x, dim=1): ...


def mel(n_fft, sample_rate=16000, n_mels=64, f_min=0.0): ...


X = object()  # stands for the tensor a check passes


# --------------------------------------------------------------------------- all given


def test_all_arguments_given_go_by_position():
    def student(x, dim=1): ...

    arranged = arrange(inspect.signature(softmax), params_of(student), [("x", X), ("dim", 0)])
    assert arranged == ([X, 0], {})


def test_all_arguments_given_reach_the_student():
    def student(x, dim=1):
        return locals()  # exactly the arguments received

    assert call(softmax, student, x=X, dim=0) == {"x": X, "dim": 0}


def test_renamed_parameter_gets_its_argument_by_position():
    def student(logits, axis=-1):
        return locals()  # exactly the arguments received

    assert call(softmax, student, x=X, dim=0) == {"logits": X, "axis": 0}


def test_all_renamed_parameters_get_their_arguments_by_position():
    def student(window, sr=22050, mels=128, lowest=20.0):
        return locals()  # exactly the arguments received

    got = call(mel, student, n_fft=400, sample_rate=8000, n_mels=40, f_min=30.0)
    assert got == {"window": 400, "sr": 8000, "mels": 40, "lowest": 30.0}


def test_no_reported_params_passes_everything_by_position():
    arranged = arrange(inspect.signature(softmax), None, [("x", X), ("dim", 0)])
    assert arranged == ([X, 0], {})


# --------------------------------------------------------------------------- left out


def test_omitted_argument_is_not_passed_when_the_student_has_a_default():
    def student(x, dim=1): ...

    arranged = arrange(inspect.signature(softmax), params_of(student), [("x", X), ("dim", OMITTED)])
    assert arranged == ([X], {})


def test_omitted_argument_uses_the_students_own_default():
    def student(x, dim=-1):
        return locals()  # exactly the arguments received

    assert call(softmax, student, x=X) == {"x": X, "dim": -1}


def test_omitted_argument_gets_the_spec_default_when_the_student_has_none():
    def student(x, dim):
        return locals()  # exactly the arguments received

    assert call(softmax, student, x=X) == {"x": X, "dim": 1}


def test_omitted_argument_for_renamed_parameter_without_default_gets_the_spec_default():
    def student(logits, axis):
        return locals()  # exactly the arguments received

    assert call(softmax, student, x=X) == {"logits": X, "axis": 1}


def test_omitted_trailing_arguments_leave_all_student_defaults():
    def student(n_fft, sample_rate=44100, n_mels=80, f_min=10.0):
        return locals()  # exactly the arguments received

    got = call(mel, student, n_fft=400)
    assert got == {"n_fft": 400, "sample_rate": 44100, "n_mels": 80, "f_min": 10.0}


def test_omitted_argument_placeholder_is_never_passed():
    def student(n_fft, sample_rate=44100, n_mels=80, f_min=10.0): ...

    signature = inspect.signature(mel)
    named = [("n_fft", 400), ("sample_rate", OMITTED), ("n_mels", OMITTED), ("f_min", 5.0)]
    positional, keywords = arrange(signature, params_of(student), named)
    assert OMITTED not in positional and OMITTED not in keywords.values()


# --------------------------------------------------------------------------- after a gap


def test_after_a_gap_later_argument_goes_by_keyword_when_the_student_has_its_name():
    def student(n_fft, sample_rate=44100, n_mels=80, f_min=10.0): ...

    named = [("n_fft", 400), ("sample_rate", OMITTED), ("n_mels", 40), ("f_min", OMITTED)]
    assert arrange(inspect.signature(mel), params_of(student), named) == ([400], {"n_mels": 40})


def test_after_a_gap_student_default_fills_the_gap():
    def student(n_fft, sample_rate=44100, n_mels=80, f_min=10.0):
        return locals()  # exactly the arguments received

    got = call(mel, student, n_fft=400, n_mels=40)
    assert got == {"n_fft": 400, "sample_rate": 44100, "n_mels": 40, "f_min": 10.0}


def test_after_a_gap_renamed_argument_goes_by_position():
    def student(n_fft, sample_rate=44100, num_mels=80, f_min=10.0): ...

    named = [("n_fft", 400), ("sample_rate", OMITTED), ("n_mels", 40), ("f_min", OMITTED)]
    assert arrange(inspect.signature(mel), params_of(student), named) == ([400, 16000, 40], {})


def test_after_a_gap_renamed_argument_reaches_its_parameter_with_spec_defaults_in_the_gap():
    def student(n_fft, sample_rate=44100, num_mels=80, f_min=10.0):
        return locals()  # exactly the arguments received

    got = call(mel, student, n_fft=400, n_mels=40)
    assert got == {"n_fft": 400, "sample_rate": 16000, "num_mels": 40, "f_min": 10.0}


def test_after_a_gap_of_two_renamed_argument_fills_both_with_spec_defaults():
    def student(n_fft, sample_rate=44100, n_mels=80, lowest=10.0):
        return locals()  # exactly the arguments received

    got = call(mel, student, n_fft=400, f_min=30.0)
    assert got == {"n_fft": 400, "sample_rate": 16000, "n_mels": 64, "lowest": 30.0}


def test_renamed_argument_after_a_keyword_turns_everything_positional():
    def student(n_fft, sample_rate=44100, n_mels=80, lowest=10.0):
        return locals()  # exactly the arguments received

    got = call(mel, student, n_fft=400, n_mels=40, f_min=30.0)
    assert got == {"n_fft": 400, "sample_rate": 16000, "n_mels": 40, "lowest": 30.0}


def test_after_a_renamed_argument_a_later_gap_leaves_the_student_default():
    def student(n_fft, sample_rate=44100, num_mels=80, f_min=10.0):
        return locals()  # exactly the arguments received

    got = call(mel, student, n_fft=400, n_mels=40)
    assert got["f_min"] == 10.0


# --------------------------------------------------------------------------- keyword-only


def test_keyword_only_parameter_goes_by_keyword():
    def student(x, *, dim=1): ...

    arranged = arrange(inspect.signature(softmax), params_of(student), [("x", X), ("dim", 0)])
    assert arranged == ([X], {"dim": 0})


def test_keyword_only_parameter_receives_its_argument():
    def student(x, *, dim=-1):
        return locals()  # exactly the arguments received

    assert call(softmax, student, x=X, dim=0) == {"x": X, "dim": 0}


def test_omitted_keyword_only_argument_uses_the_students_default():
    def student(x, *, dim=-1):
        return locals()  # exactly the arguments received

    assert call(softmax, student, x=X) == {"x": X, "dim": -1}


def test_keyword_only_parameter_before_a_gap_still_goes_by_keyword():
    def student(n_fft, *, sample_rate=44100, n_mels=80, f_min=10.0):
        return locals()  # exactly the arguments received

    got = call(mel, student, n_fft=400, sample_rate=8000, f_min=30.0)
    assert got == {"n_fft": 400, "sample_rate": 8000, "n_mels": 80, "f_min": 30.0}


def test_omitted_keyword_only_argument_without_student_default_gets_the_spec_default():
    # The docstring: an argument left out for a parameter the student gave no default gets
    # the spec's default.
    def student(x, *, dim):
        return locals()  # exactly the arguments received

    assert call(softmax, student, x=X) == {"x": X, "dim": 1}


# --------------------------------------------------------------------------- *args


def test_var_positional_function_gets_all_arguments_by_position():
    def student(*args): ...

    arranged = arrange(inspect.signature(softmax), params_of(student), [("x", X), ("dim", 0)])
    assert arranged == ([X, 0], {})


def test_var_positional_function_after_a_gap_gets_spec_defaults_in_the_gap():
    def student(*args):
        return args

    assert call(mel, student, n_fft=400, n_mels=40) == (400, 16000, 40)


def test_var_positional_function_with_trailing_omissions_gets_only_the_given():
    def student(*args):
        return args

    assert call(mel, student, n_fft=400) == (400,)


def test_leading_parameter_then_var_positional_gets_arguments_by_position():
    def student(x, *rest):
        return (x, rest)

    assert call(softmax, student, x=X, dim=0) == (X, (0,))


# --------------------------------------------------------------------------- positional-only


def test_positional_only_parameters_get_their_arguments_by_position():
    def student(x, dim=1, /):
        return (x, dim)

    assert call(softmax, student, x=X, dim=0) == (X, 0)


def test_after_a_gap_positional_only_parameter_gets_its_argument_by_position():
    # A correct call cannot pass a positional-only parameter by keyword.
    def student(n_fft, sample_rate=44100, n_mels=80, f_min=10.0, /):
        return (n_fft, sample_rate, n_mels, f_min)

    assert call(mel, student, n_fft=400, n_mels=40) == (400, 16000, 40, 10.0)


# --------------------------------------------------------------------------- renamed_note


def test_renamed_note_names_both_parameter_lists():
    def student(logits, axis=1): ...

    note = renamed_note("softmax", inspect.signature(softmax), params_of(student))
    assert note is not None
    assert "your softmax takes (logits, axis)" in note
    assert "the exercise names the parameters (x, dim)" in note
    assert "by position" in note


def test_renamed_note_for_one_renamed_parameter():
    def student(x, axis=1): ...

    note = renamed_note("softmax", inspect.signature(softmax), params_of(student))
    assert note is not None and "(x, axis)" in note and "(x, dim)" in note


def test_renamed_note_counts_keyword_only_names():
    def student(x, *, axis=1): ...

    note = renamed_note("softmax", inspect.signature(softmax), params_of(student))
    assert note is not None and "(x, axis)" in note


def test_renamed_note_is_none_for_matching_names():
    def student(x, dim=-1): ...

    assert renamed_note("softmax", inspect.signature(softmax), params_of(student)) is None


def test_renamed_note_is_none_for_matching_keyword_only_names():
    def student(x, *, dim=1): ...

    assert renamed_note("softmax", inspect.signature(softmax), params_of(student)) is None


def test_renamed_note_is_none_for_extra_trailing_parameters():
    def student(x, dim=1, eps=1e-9): ...

    assert renamed_note("softmax", inspect.signature(softmax), params_of(student)) is None


def test_renamed_note_is_none_for_var_positional():
    def student(*args): ...

    assert renamed_note("softmax", inspect.signature(softmax), params_of(student)) is None


def test_renamed_note_is_none_for_var_keyword():
    def student(logits, **options): ...

    assert renamed_note("softmax", inspect.signature(softmax), params_of(student)) is None


def test_renamed_note_is_none_without_reported_params():
    assert renamed_note("softmax", inspect.signature(softmax), None) is None
    assert renamed_note("softmax", inspect.signature(softmax), []) is None
