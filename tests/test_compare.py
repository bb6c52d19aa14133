"""The comparison helpers: what passes, and what a failure tells the student."""

from __future__ import annotations

import math

import pytest
import torch

from grader.compare import (
    describe,
    expect_close,
    expect_finite,
    expect_int,
    expect_number,
    expect_tensor,
    expect_tuple,
    no_gradient_message,
)
from grader.exercise import CheckFailure
from grader.sandbox.wire import ModuleSnapshot, Opaque


def failure(function, *args, **kwargs) -> str:
    """The message of the CheckFailure ``function(*args, **kwargs)`` raises."""
    with pytest.raises(CheckFailure) as raised:
        function(*args, **kwargs)
    assert str(raised.value) == raised.value.message
    return raised.value.message


def f64(*values) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.float64)


# --------------------------------------------------------------------------- describe


def test_describe_tensor_names_dtype_and_shape():
    assert describe(torch.zeros(2, 3)) == "a float32 tensor of shape [2, 3]"


def test_describe_tensor_uses_an_before_a_vowel():
    assert describe(torch.zeros(4, dtype=torch.int64)) == "an int64 tensor of shape [4]"


def test_describe_zero_dimensional_tensor_has_empty_shape():
    assert describe(torch.tensor(1.0)) == "a float32 tensor of shape []"


def test_describe_opaque_with_shape():
    assert describe(Opaque("numpy.ndarray", "array(...)", (2, 3))) == "a numpy.ndarray of shape [2, 3]"


def test_describe_opaque_without_shape():
    assert describe(Opaque("set", "{1}")) == "a set"


def test_describe_module_snapshot():
    assert describe(ModuleSnapshot("Linear")) == "a Linear module"


def test_describe_none():
    assert describe(None) == "None"


def test_describe_bool_is_not_an_int():
    assert describe(True) == "the bool True"


def test_describe_int():
    assert describe(3) == "the int 3"


def test_describe_float():
    assert describe(0.5) == "the float 0.5"


def test_describe_list_names_count_and_item_types():
    assert describe([1, 2.0, 3]) == "a list of 3 items of float/int"


def test_describe_single_item_tuple_is_singular():
    assert describe(("a",)) == "a tuple of 1 item of str"


def test_describe_empty_list():
    assert describe([]) == "a list of 0 items"


def test_describe_other_value_names_its_type():
    assert describe({"a": 1}) == "a dict"


# --------------------------------------------------------------------------- expect_tensor


def test_expect_tensor_returns_a_right_tensor():
    value = torch.zeros(2, 3)
    assert expect_tensor(value, what="out", shape=(2, 3), dtype=torch.float32) is value


def test_expect_tensor_accepts_shape_as_list():
    expect_tensor(torch.zeros(2, 3), what="out", shape=[2, 3])


def test_expect_tensor_accepts_empty_tensor_of_right_shape():
    expect_tensor(torch.zeros(0, 3), what="out", shape=(0, 3))


def test_expect_tensor_rejects_non_tensor_and_describes_it():
    message = failure(expect_tensor, [1, 2], what="softmax(x)")
    assert "softmax(x) should be a torch.Tensor" in message
    assert "a list of 2 items of int" in message


def test_expect_tensor_reports_both_shapes():
    message = failure(expect_tensor, torch.zeros(2, 4), what="out", shape=(2, 3))
    assert "should have shape [2, 3]" in message
    assert "it has shape [2, 4]" in message


def test_expect_tensor_says_looks_transposed_for_reversed_shape():
    message = failure(expect_tensor, torch.zeros(3, 2), what="out", shape=(2, 3))
    assert "looks transposed" in message


def test_expect_tensor_does_not_say_transposed_for_other_shapes():
    message = failure(expect_tensor, torch.zeros(2, 3, 1), what="out", shape=(2, 3))
    assert "transposed" not in message


def test_expect_tensor_reports_both_dtypes():
    message = failure(expect_tensor, torch.zeros(2, dtype=torch.float64), what="out", dtype=torch.float32)
    assert "should be float32" in message
    assert "it is float64" in message


def test_expect_tensor_checks_shape_before_dtype():
    message = failure(expect_tensor, torch.zeros(3, dtype=torch.int64), what="out", shape=(2,), dtype=torch.float32)
    assert "shape" in message
    assert "int64" not in message


# --------------------------------------------------------------------------- expect_finite


def test_expect_finite_accepts_finite_values():
    expect_finite(torch.tensor([[1.0, -2.0], [0.0, 1e30]]), what="out")


def test_expect_finite_accepts_empty_tensor():
    expect_finite(torch.zeros(0, 4), what="out")


def test_expect_finite_reports_nan_count_and_first_index():
    got = torch.tensor([[1.0, 2.0], [math.nan, math.nan]])
    message = failure(expect_finite, got, what="out")
    assert "out contains 2 non-finite values" in message
    assert "the first is nan at index [1, 0]" in message


def test_expect_finite_reports_inf_and_its_index():
    got = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, -math.inf]])
    message = failure(expect_finite, got, what="out")
    assert "1 non-finite value:" in message
    assert "-inf at index [1, 2]" in message


def test_expect_finite_works_on_zero_dimensional_tensor():
    message = failure(expect_finite, torch.tensor(math.inf), what="loss")
    assert "inf at index []" in message


# --------------------------------------------------------------------------- expect_close: passing


def test_expect_close_accepts_equal_values_and_returns_them():
    got = torch.tensor([1.0, 2.0, 3.0])
    assert expect_close(got, got.clone(), what="out", rtol=0, atol=0) is got


def test_expect_close_accepts_equal_infinities():
    expected = f64(-math.inf, 1.0, math.inf)
    expect_close(expected.clone(), expected, what="out", rtol=0, atol=0)


def test_expect_close_accepts_empty_tensors():
    expect_close(torch.zeros(0, 3), torch.zeros(0, 3), what="out", rtol=0, atol=0)


def test_expect_close_accepts_zero_dimensional_tensor():
    expect_close(torch.tensor(2.5), torch.tensor(2.5), what="loss", rtol=0, atol=0)


def test_expect_close_without_dtype_check_accepts_other_float_dtype():
    expect_close(torch.tensor([1.0, 2.0]), f64(1.0, 2.0), what="out", rtol=1e-6, atol=0, check_dtype=False)


# --------------------------------------------------------------------------- expect_close: the tolerance


# expected 2, atol 0.5, rtol 0.25: allowed |got - 2| <= 0.5 + 0.25 * 2 = 1, all exact in float64.
BOUNDARY = dict(what="out", rtol=0.25, atol=0.5)


def test_expect_close_accepts_error_exactly_at_tolerance():
    expect_close(f64(3.0), f64(2.0), **BOUNDARY)


def test_expect_close_accepts_error_just_inside_tolerance():
    expect_close(f64(math.nextafter(3.0, 0.0)), f64(2.0), **BOUNDARY)


def test_expect_close_rejects_error_just_above_tolerance():
    failure(expect_close, f64(math.nextafter(3.0, math.inf)), f64(2.0), **BOUNDARY)


def test_expect_close_rejects_error_just_below_lower_bound():
    # 1 - 2**-52 (not the adjacent float, whose error would round back to exactly 1).
    failure(expect_close, f64(1.0 - 2.0**-52), f64(2.0), **BOUNDARY)


def test_expect_close_relative_tolerance_uses_magnitude_of_negative_expected():
    expect_close(f64(-3.0), f64(-2.0), **BOUNDARY)


def test_expect_close_absolute_tolerance_alone_applies_at_zero():
    expect_close(f64(0.5), f64(0.0), **BOUNDARY)
    failure(expect_close, f64(math.nextafter(0.5, 1.0)), f64(0.0), **BOUNDARY)


# --------------------------------------------------------------------------- expect_close: failures


def test_expect_close_rejects_non_tensor():
    message = failure(expect_close, [1.0, 2.0], f64(1.0, 2.0), what="out", rtol=0, atol=0)
    assert "should be a torch.Tensor" in message


def test_expect_close_rejects_wrong_shape_as_transposed():
    message = failure(expect_close, torch.zeros(3, 2), torch.zeros(2, 3), what="out", rtol=0, atol=0)
    assert "looks transposed" in message


def test_expect_close_rejects_wrong_dtype():
    message = failure(expect_close, torch.zeros(2, dtype=torch.float64), torch.zeros(2), what="out", rtol=0, atol=0)
    assert "should be float32" in message and "float64" in message


def test_expect_close_reports_nan_where_finite_expected_with_index_and_value():
    got = f64(1.0, 2.0, 3.0, 4.0).reshape(2, 2)
    got[1, 0] = math.nan
    got[1, 1] = math.nan
    message = failure(expect_close, got, f64(1.0, 2.0, 3.0, 4.0).reshape(2, 2), what="out", rtol=1, atol=1)
    assert "2 non-finite values where finite ones are expected" in message
    assert "at index [1, 0] it gave nan instead of 3" in message


def test_expect_close_reports_inf_where_finite_expected():
    message = failure(expect_close, f64(1.0, math.inf), f64(1.0, 2.0), what="out", rtol=1, atol=1)
    assert "at index [1] it gave inf instead of 2" in message


def test_expect_close_rejects_finite_value_where_infinity_expected():
    message = failure(expect_close, f64(1.0, 5.0), f64(1.0, math.inf), what="out", rtol=1, atol=1)
    assert "Worst at index [1]" in message
    assert "expected inf" in message


def test_expect_close_rejects_opposite_infinity():
    message = failure(expect_close, f64(1.0, -math.inf), f64(1.0, math.inf), what="out", rtol=1, atol=1)
    assert "Worst at index [1]: got -inf, expected inf" in message


def test_expect_close_counts_elements_off():
    got = f64(1.0, 2.5, 3.0, 4.5)
    message = failure(expect_close, got, f64(1.0, 2.0, 3.0, 4.0), what="out", rtol=0, atol=0.1)
    assert "out is off at 2 of 4 elements" in message


def test_expect_close_names_worst_element_with_absolute_and_relative_error():
    got = f64(1.0, 2.0, 3.0, 7.0).reshape(2, 2)
    message = failure(expect_close, got, f64(1.0, 2.0, 3.0, 4.0).reshape(2, 2), what="out", rtol=0, atol=0.01)
    assert "Worst at index [1, 1]: got 7, expected 4" in message
    assert "error 3, relative 0.75" in message


def test_expect_close_states_the_tolerance_used():
    message = failure(expect_close, f64(1.0, 9.0), f64(1.0, 2.0), what="out", rtol=0.001, atol=0.01)
    assert "allowed 0.01 + 0.001·|expected|" in message


def test_expect_close_worst_element_is_the_one_furthest_beyond_tolerance():
    # The large element is off by more, but within its relative tolerance.
    got = f64(1005.0, 1.5)
    message = failure(expect_close, got, f64(1000.0, 1.0), what="out", rtol=0.01, atol=0)
    assert "off at 1 of 2 elements" in message
    assert "Worst at index [1]: got 1.5, expected 1" in message


def test_expect_close_relative_error_at_zero_expected_is_infinite():
    message = failure(expect_close, f64(1.0, 0.5), f64(1.0, 0.0), what="out", rtol=0, atol=0.1)
    assert "relative inf" in message


def test_expect_close_zero_dimensional_failure_is_described_as_a_scalar():
    message = failure(expect_close, torch.tensor(3.0), torch.tensor(2.0), what="loss", rtol=0, atol=0.1)
    assert message.startswith("loss is off: got 3, expected 2 (error 1, relative 0.5;")
    assert "element" not in message and "index" not in message


def test_expect_close_zero_dimensional_non_finite_is_described_as_a_scalar():
    message = failure(expect_close, torch.tensor(math.nan), torch.tensor(2.0), what="loss", rtol=0, atol=0.1)
    assert message == "loss is not finite: got nan, expected 2."


def test_expect_close_zero_dimensional_failure_names_no_relation():
    message = failure(expect_close, torch.tensor(4.0), torch.tensor(2.0), what="loss", rtol=0, atol=0.1)
    assert "look like" not in message


# --------------------------------------------------------------------------- expect_close: the relation


def test_expect_close_recognises_twenty_over_ten_factor():
    expected = f64(-40.0, -12.5, 0.0, 3.0, 17.25)
    message = failure(expect_close, expected * 20 / 10, expected, what="db", rtol=1e-5, atol=1e-5)
    assert "look like the expected ones times 2." in message


def test_expect_close_recognises_fractional_factor():
    expected = f64(1.0, 2.0, 3.0, 4.0)
    message = failure(expect_close, expected * 0.5, expected, what="out", rtol=1e-5, atol=1e-5)
    assert "times 0.5" in message


def test_expect_close_recognises_constant_offset():
    expected = f64(1.0, 2.0, 3.0, 4.0)
    message = failure(expect_close, expected + 3.0, expected, what="out", rtol=1e-5, atol=1e-5)
    assert "look like the expected ones plus 3." in message


def test_expect_close_recognises_negative_offset():
    expected = f64(-80.0, -20.0, -5.0, 0.0)
    message = failure(expect_close, expected - 80.0, expected, what="db", rtol=1e-5, atol=1e-5)
    assert "plus -80" in message


def test_expect_close_names_no_relation_for_unrelated_values():
    expected = f64(1.0, 2.0, 3.0, 4.0)
    message = failure(expect_close, f64(4.0, -1.0, 3.0, 0.0), expected, what="out", rtol=1e-5, atol=1e-5)
    assert "look like" not in message


def test_expect_close_names_no_relation_for_constant_result():
    expected = f64(1.0, 2.0, 3.0, 4.0)
    message = failure(expect_close, torch.zeros(4, dtype=torch.float64), expected, what="out", rtol=1e-5, atol=1e-5)
    assert "look like" not in message


def test_expect_close_names_no_relation_when_one_element_is_off_differently():
    expected = f64(1.0, 2.0, 3.0, 4.0)
    got = expected * 2
    got[3] = 5.0
    message = failure(expect_close, got, expected, what="out", rtol=1e-5, atol=1e-5)
    assert "look like" not in message


# --------------------------------------------------------------------------- expect_int


def test_expect_int_accepts_equal_int():
    assert expect_int(3, 3, what="n") == 3


def test_expect_int_rejects_bool():
    message = failure(expect_int, True, 1, what="count()")
    assert "count() should return an int" in message
    assert "the bool True" in message


def test_expect_int_rejects_float_even_if_equal():
    message = failure(expect_int, 3.0, 3, what="n")
    assert "the float 3" in message


def test_expect_int_reports_expected_and_got():
    message = failure(expect_int, 4, 3, what="n")
    assert "n should be 3, but it returned 4." in message


# --------------------------------------------------------------------------- expect_number


def test_expect_number_accepts_int_and_returns_float():
    result = expect_number(2, 2.0, what="x")
    assert result == 2.0 and type(result) is float


def test_expect_number_accepts_error_exactly_at_tolerance():
    expect_number(3.0, 2.0, what="x", rtol=0.25, atol=0.5)


def test_expect_number_rejects_error_just_above_tolerance():
    failure(expect_number, math.nextafter(3.0, math.inf), 2.0, what="x", rtol=0.25, atol=0.5)


def test_expect_number_rejects_bool():
    message = failure(expect_number, False, 0.0, what="x")
    assert "should return a float" in message and "the bool False" in message


def test_expect_number_rejects_tensor():
    message = failure(expect_number, torch.tensor(1.0), 1.0, what="x")
    assert "a float32 tensor of shape []" in message


def test_expect_number_rejects_nan():
    message = failure(expect_number, math.nan, 1.0, what="x", rtol=1, atol=1)
    assert "x should be 1, but it returned nan." in message


def test_expect_number_reports_expected_and_got():
    message = failure(expect_number, 1.5, 2.0, what="x")
    assert "x should be 2, but it returned 1.5." in message


# --------------------------------------------------------------------------- expect_tuple


def test_expect_tuple_accepts_tuple():
    assert expect_tuple((1, 2), 2, what="split()") == (1, 2)


def test_expect_tuple_accepts_list_and_returns_tuple():
    assert expect_tuple([1, 2], 2, what="split()") == (1, 2)


def test_expect_tuple_rejects_wrong_length():
    message = failure(expect_tuple, (1, 2, 3), 2, what="split()")
    assert "split() should return a tuple of 2 items" in message
    assert "a tuple of 3 items of int" in message


def test_expect_tuple_rejects_tensor():
    message = failure(expect_tuple, torch.zeros(2), 2, what="split()")
    assert "a float32 tensor of shape [2]" in message


# --------------------------------------------------------------------------- no_gradient_message


def test_no_gradient_message_says_values_were_right():
    expected = torch.tensor([1.0, 2.0])
    message = no_gradient_message(expected.clone(), expected, what="softmax(x)", wrt="x", rtol=1e-6, atol=0)
    assert message == "softmax(x) gives the right values, but no gradient flows back to x."


def test_no_gradient_message_without_right_values():
    expected = torch.tensor([1.0, 2.0])
    message = no_gradient_message(expected + 1, expected, what="softmax(x)", wrt="x", rtol=1e-6, atol=0)
    assert message == "No gradient flows from softmax(x) back to x."


def test_no_gradient_message_for_wrong_shape_does_not_claim_right_values():
    expected = torch.tensor([1.0, 2.0])
    message = no_gradient_message(expected.reshape(2, 1), expected, what="f(x)", wrt="x", rtol=1, atol=1)
    assert message.startswith("No gradient flows")


def test_no_gradient_message_for_non_tensor_does_not_claim_right_values():
    message = no_gradient_message([1.0, 2.0], torch.tensor([1.0, 2.0]), what="f(x)", wrt="x", rtol=1, atol=1)
    assert message.startswith("No gradient flows")
