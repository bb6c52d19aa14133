"""The wire format: plain values survive a round trip, and hostile bytes only ever raise
WireError.

Frame: ``u32 json_len | json | u32 n_blobs | (u64 blob_len | blob) * n_blobs``.
"""

from __future__ import annotations

import collections
import json
import math
import socket
import struct

import numpy as np
import pytest
import torch

from grader.sandbox import wire
from grader.sandbox.wire import WireError


class TaggedTensor(torch.Tensor):
    """A tensor subclass, as a student might return."""


def round_trip(value):
    return wire.decode(wire.encode(value)).value


def frame(document=None, blobs=(), *, body: bytes | None = None, n_blobs: int | None = None) -> bytes:
    """A frame built by hand: ``document`` as JSON (or raw ``body``) and the given blobs."""
    if body is None:
        body = json.dumps(document).encode()
    parts = [struct.pack("<I", len(body)), body, struct.pack("<I", len(blobs) if n_blobs is None else n_blobs)]
    for blob in blobs:
        parts += [struct.pack("<Q", len(blob)), blob]
    return b"".join(parts)


def tensor_node(index=0, dtype="float32", shape=(2,)) -> dict:
    return {"__tensor__": index, "dtype": dtype, "shape": list(shape) if isinstance(shape, tuple) else shape}


def rejects(data: bytes) -> str:
    """Decoding ``data`` raises WireError (and nothing else); returns its message."""
    with pytest.raises(WireError) as raised:
        wire.decode(data)
    return str(raised.value)


def raw_bytes(tensor: torch.Tensor) -> bytes:
    return tensor.contiguous().reshape(-1).view(torch.uint8).numpy().tobytes()


def same_tensor(got, expected: torch.Tensor) -> bool:
    """Same type, dtype, shape and bytes (so NaN payloads and -0.0 count)."""
    return (
        type(got) is torch.Tensor
        and got.dtype == expected.dtype
        and got.shape == expected.shape
        and raw_bytes(got) == raw_bytes(expected)
    )


def sample(dtype: torch.dtype) -> torch.Tensor:
    """A 2x3 tensor of ``dtype`` with awkward values where the dtype has them."""
    if dtype == torch.bool:
        return torch.tensor([[True, False, True], [False, False, True]])
    if dtype.is_complex:
        return torch.tensor([[1 + 2j, -0.5j, math.inf], [0, complex(math.nan, 1), -3]], dtype=dtype)
    if dtype.is_floating_point:
        return torch.tensor([[0.5, -0.0, math.nan], [math.inf, -math.inf, 1e4]], dtype=dtype)
    info = torch.iinfo(dtype)
    return torch.tensor([[info.min, 0, info.max], [1, 2, 3]], dtype=dtype)


# =========================================================================== round trips


@pytest.mark.parametrize("value", [None, True, False, 0, -7, 2**100, 0.5, -1e-300, "", "héllo\n"])
def test_plain_scalar_round_trips(value):
    got = round_trip(value)
    assert got == value and type(got) is type(value)


def test_nan_round_trips_as_float():
    got = round_trip(math.nan)
    assert type(got) is float and math.isnan(got)


@pytest.mark.parametrize("value", [math.inf, -math.inf])
def test_infinity_round_trips(value):
    assert round_trip(value) == value


def test_negative_zero_keeps_its_sign():
    assert math.copysign(1.0, round_trip(-0.0)) == -1.0


def test_nested_list_tuple_dict_round_trip():
    value = {"a": [1, (2.5, "x", None), {"b": (True, [])}], "c": ()}
    got = round_trip(value)
    assert got == value
    assert type(got["a"][1]) is tuple and type(got["c"]) is tuple and type(got["a"][2]["b"]) is tuple


def test_empty_dict_round_trips():
    assert round_trip({}) == {}


def test_dict_keeps_key_order():
    assert list(round_trip({"z": 1, "a": 2, "m": 3})) == ["z", "a", "m"]


def test_namedtuple_arrives_as_tuple():
    Pair = collections.namedtuple("Pair", "first second")
    got = round_trip(Pair(1, 2))
    assert got == (1, 2) and type(got) is tuple


def test_dict_with_non_string_keys_arrives_as_opaque():
    got = round_trip({1: "a"})
    assert isinstance(got, wire.Opaque) and got.type_name == "dict"


def test_nesting_beyond_max_depth_arrives_as_opaque_leaf():
    value: list = []
    for _ in range(wire.MAX_DEPTH + 10):
        value = [value]
    got = round_trip(value)
    depth = 0
    while isinstance(got, list):
        (got,) = got
        depth += 1
    assert isinstance(got, wire.Opaque) and got.type_name == "deeply nested value"
    assert depth == wire.MAX_DEPTH + 1


@pytest.mark.parametrize("name", list(wire.DTYPES))
def test_tensor_of_every_dtype_round_trips(name):
    tensor = sample(wire.DTYPES[name])
    assert same_tensor(round_trip(tensor), tensor)


@pytest.mark.parametrize("name", list(wire.DTYPES))
def test_zero_dimensional_tensor_of_every_dtype_round_trips(name):
    tensor = sample(wire.DTYPES[name])[0, 0].clone()
    got = round_trip(tensor)
    assert same_tensor(got, tensor) and got.dim() == 0


@pytest.mark.parametrize("name", list(wire.DTYPES))
def test_empty_tensor_of_every_dtype_round_trips(name):
    tensor = torch.empty(0, 3, dtype=wire.DTYPES[name])
    assert same_tensor(round_trip(tensor), tensor)


def test_empty_tensor_with_zero_in_middle_of_shape_round_trips():
    tensor = torch.empty(4, 0, 5)
    assert same_tensor(round_trip(tensor), tensor)


def test_transposed_tensor_round_trips_with_its_values():
    tensor = torch.arange(6.0).reshape(2, 3).t()
    assert same_tensor(round_trip(tensor), tensor.contiguous())


def test_strided_slice_round_trips_with_its_values():
    tensor = torch.arange(20).reshape(4, 5)[::2, 1::2]
    assert same_tensor(round_trip(tensor), tensor.contiguous())


def test_expanded_tensor_round_trips_with_its_values():
    tensor = torch.tensor([1.0, 2.0]).expand(3, 2)
    assert same_tensor(round_trip(tensor), tensor.contiguous())


def test_conjugate_view_arrives_resolved():
    tensor = torch.tensor([1 + 2j, 3 - 4j]).conj()
    assert same_tensor(round_trip(tensor), tensor.resolve_conj())


def test_tensor_subclass_arrives_as_plain_tensor_with_its_values():
    tensor = torch.arange(3.0).as_subclass(TaggedTensor)
    assert same_tensor(round_trip(tensor), torch.arange(3.0))


def test_tensor_subclass_name_is_reported():
    message = wire.decode(wire.encode(torch.arange(3.0).as_subclass(TaggedTensor)))
    assert message.info(message.value).subclass == "TaggedTensor"


def test_plain_tensor_reports_no_subclass():
    message = wire.decode(wire.encode(torch.arange(3.0)))
    assert message.info(message.value).subclass is None


def test_requires_grad_and_grad_fn_are_reported():
    leaf = torch.ones(2, requires_grad=True)
    message = wire.decode(wire.encode([leaf, leaf * 2, torch.ones(2)]))
    leaf_info, result_info, plain_info = (message.info(t) for t in message.value)
    assert (leaf_info.requires_grad, leaf_info.has_grad_fn) == (True, False)
    assert (result_info.requires_grad, result_info.has_grad_fn) == (True, True)
    assert (plain_info.requires_grad, plain_info.has_grad_fn) == (False, False)


def test_decoded_tensor_does_not_require_grad():
    assert not round_trip(torch.ones(2, requires_grad=True)).requires_grad


def test_decoded_tensor_is_writable_and_independent_of_the_message():
    data = wire.encode(torch.zeros(3))
    tensor = wire.decode(data).value
    tensor += 1
    assert torch.equal(wire.decode(data).value, torch.zeros(3))


def test_info_of_unknown_tensor_is_default():
    message = wire.decode(wire.encode(None))
    assert message.info(torch.zeros(1)) == wire.TensorInfo()


def test_tensors_inside_containers_round_trip():
    a, b = torch.arange(4), torch.ones(2, 2, dtype=torch.float64)
    got = round_trip({"pair": (a, [b])})
    assert same_tensor(got["pair"][0], a) and same_tensor(got["pair"][1][0], b)


def test_tensor_of_unsupported_dtype_arrives_as_opaque_with_shape():
    got = round_trip(torch.zeros(2, 3, dtype=torch.uint16))
    assert isinstance(got, wire.Opaque)
    assert got.type_name == "torch.Tensor[uint16]" and got.shape == (2, 3)


def test_module_arrives_as_snapshot_with_type_name():
    got = round_trip(torch.nn.Linear(3, 2))
    assert isinstance(got, wire.ModuleSnapshot) and got.type_name == "Linear"


def test_module_snapshot_carries_its_parameters():
    module = torch.nn.Linear(3, 2)
    got = round_trip(module)
    assert set(got.state) == {"weight", "bias"}
    assert same_tensor(got.state["weight"], module.weight.detach())
    assert same_tensor(got.state["bias"], module.bias.detach())


def test_module_snapshot_carries_buffers():
    module = torch.nn.BatchNorm1d(4)
    got = round_trip(module)
    assert same_tensor(got.state["running_mean"], module.running_mean)
    assert same_tensor(got.state["num_batches_tracked"], module.num_batches_tracked)


def test_module_snapshot_names_its_children():
    got = round_trip(torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.ReLU()))
    assert got.children == {"0": "Linear", "1": "ReLU"}
    assert set(got.state) == {"0.weight", "0.bias"}


def test_module_inside_a_container_round_trips():
    got = round_trip({"model": torch.nn.ReLU()})
    assert isinstance(got["model"], wire.ModuleSnapshot) and got["model"].type_name == "ReLU"


def test_opaque_object_arrives_with_type_name_and_repr():
    class Thing:
        def __repr__(self):
            return "Thing(7)"

    got = round_trip(Thing())
    assert isinstance(got, wire.Opaque)
    assert got.type_name.endswith("Thing") and got.text == "Thing(7)" and got.shape is None


def test_opaque_numpy_array_arrives_with_shape():
    got = round_trip(np.zeros((2, 3)))
    assert isinstance(got, wire.Opaque)
    assert got.type_name == "numpy.ndarray" and got.shape == (2, 3)


def test_opaque_object_whose_repr_raises_arrives_without_text():
    class Broken:
        def __repr__(self):
            raise RuntimeError("no")

    got = round_trip(Broken())
    assert isinstance(got, wire.Opaque) and got.text == ""


def test_opaque_repr_is_bounded_and_on_one_line():
    class Loud:
        def __repr__(self):
            return "line\n" * 1000

    got = round_trip(Loud())
    assert len(got.text) <= 120 and "\n" not in got.text


def test_set_arrives_as_opaque():
    got = round_trip({1, 2})
    assert isinstance(got, wire.Opaque) and got.type_name == "set"


# =========================================================================== framing


def test_send_and_receive_carry_one_frame():
    left, right = socket.socketpair()
    with left, right:
        data = wire.encode({"ok": True, "value": torch.arange(5)})
        wire.send(left, data)
        assert wire.receive(right) == data


def test_receive_rejects_frame_larger_than_allowed_before_reading_it():
    left, right = socket.socketpair()
    with left, right:
        left.sendall(struct.pack("<Q", wire.MAX_MESSAGE_BYTES + 1))
        with pytest.raises(WireError):
            wire.receive(right)


def test_receive_of_frame_cut_short_by_closed_connection_raises_eof():
    left, right = socket.socketpair()
    with right:
        left.sendall(struct.pack("<Q", 100) + b"x" * 10)
        left.close()
        with pytest.raises(EOFError):
            wire.receive(right)


# =========================================================================== hostile frames


def test_empty_data_is_rejected():
    rejects(b"")


def test_every_truncation_of_a_valid_message_is_rejected():
    data = wire.encode({"a": torch.arange(3), "b": [torch.ones(2)]})
    for cut in range(len(data)):
        rejects(data[:cut])


def test_trailing_bytes_are_rejected():
    rejects(wire.encode([1, 2]) + b"\0")


def test_json_length_larger_than_data_is_rejected():
    body = b"[1, 2]"
    rejects(struct.pack("<I", len(body) + 100) + body + struct.pack("<I", 0))


def test_json_length_above_limit_is_rejected():
    rejects(struct.pack("<I", wire.MAX_JSON_BYTES + 1) + b"[]")


def test_json_length_of_u32_max_is_rejected():
    rejects(struct.pack("<I", 2**32 - 1) + b"[]" + struct.pack("<I", 0))


def test_blob_length_larger_than_data_is_rejected():
    data = frame(None, [b"abcd"])
    rejects(data[:-4] + b"ab")


def test_blob_length_of_u64_max_is_rejected():
    body = b"null"
    rejects(struct.pack("<I", len(body)) + body + struct.pack("<I", 1) + struct.pack("<Q", 2**64 - 1) + b"x")


def test_blob_count_larger_than_blobs_present_is_rejected():
    rejects(frame(None, [b"ab"], n_blobs=5))


def test_blob_count_of_u32_max_is_rejected():
    rejects(frame(None, [], n_blobs=2**32 - 1))


def test_blob_count_above_limit_is_rejected_even_with_the_blobs_present():
    n = wire.MAX_BLOBS + 1
    body = b"null"
    data = struct.pack("<I", len(body)) + body + struct.pack("<I", n) + struct.pack("<Q", 0) * n
    assert "tensors in one reply" in rejects(data)


def test_a_reply_of_very_many_small_values_is_rejected():
    body = json.dumps([0] * (wire.MAX_NODES + 1)).encode()
    assert "values in one reply" in rejects(frame(body=body))


def test_huge_opaque_text_is_cleaned_in_bounded_work():
    assert len(wire.clean_text("\x1b" * 10_000_000, 50)) == 50


def test_invalid_utf8_json_is_rejected():
    rejects(frame(body=b'"\xff\xfe"'))


@pytest.mark.parametrize("body", [b"", b"[1, 2", b"{'a': 1}", b"nul", b"[1] [2]", b"\x00"])
def test_invalid_json_is_rejected(body):
    rejects(frame(body=body))


def test_json_nested_far_deeper_than_the_parser_allows_is_rejected():
    rejects(frame(body=b"[" * 200_000 + b"]" * 200_000))


def test_json_integer_too_long_to_parse_is_rejected():
    rejects(frame(body=b"1" * 5000))


# =========================================================================== hostile documents


@pytest.mark.parametrize("body", [b"5", b'"text"', b"null", b"true", b"1.5"])
def test_scalar_json_root_decodes_as_plain_value(body):
    # encode() itself produces these roots for plain values: they are valid messages.
    assert wire.decode(frame(body=body)).value == json.loads(body)


def test_json_object_root_that_is_no_known_node_is_rejected():
    assert "unknown node" in rejects(frame({"ok": True}))


def test_unknown_node_in_a_list_is_rejected():
    rejects(frame([1, {"__evil__": 1}]))


@pytest.mark.parametrize("container", ["list", "tuple", "dict"])
def test_nesting_deeper_than_max_depth_is_rejected(container):
    node: object = 0
    for _ in range(wire.MAX_DEPTH + 5):
        node = {"list": [node], "tuple": {"__tuple__": [node]}, "dict": {"__dict__": [["k", node]]}}[container]
    assert "nested too deeply" in rejects(frame(node))


def test_nesting_up_to_what_the_encoder_sends_is_accepted():
    value: list = []
    for _ in range(wire.MAX_DEPTH + 1):
        value = [value]
    wire.decode(frame(value))


@pytest.mark.parametrize("items", ["ab", {"a": 1}, 3, None])
def test_tuple_whose_items_are_not_a_list_is_rejected(items):
    rejects(frame({"__tuple__": items}))


@pytest.mark.parametrize("pairs", [{"a": 1}, "ab", None])
def test_dict_whose_pairs_are_not_a_list_is_rejected(pairs):
    rejects(frame({"__dict__": pairs}))


@pytest.mark.parametrize("key", [1, 1.5, None, True, ["a"], {"a": 1}])
def test_dict_key_that_is_not_a_string_is_rejected(key):
    rejects(frame({"__dict__": [[key, 1]]}))


@pytest.mark.parametrize("pair", [["a"], ["a", 1, 2], "ab", {"a": 1}, None])
def test_dict_pair_that_is_not_a_two_item_list_is_rejected(pair):
    rejects(frame({"__dict__": [pair]}))


@pytest.mark.parametrize("text", ["1.5", "NaN", "Infinity", "", 1.5, None, [], {}])
def test_special_float_other_than_nan_or_infinity_is_rejected(text):
    assert "bad float" in rejects(frame({"__float__": text}))


def test_module_without_state_dict_is_rejected():
    rejects(frame({"__module__": "Linear", "children": {}, "state": []}))


def test_module_without_children_dict_is_rejected():
    rejects(frame({"__module__": "Linear", "children": None, "state": {}}))


def test_module_state_entry_that_is_no_tensor_is_rejected():
    rejects(frame({"__module__": "Linear", "children": {}, "state": {"weight": [1.0, 2.0]}}))


def test_module_state_tensor_with_bad_index_is_rejected():
    rejects(frame({"__module__": "Linear", "children": {}, "state": {"weight": tensor_node(index=3)}}, [b"\0" * 8]))


def test_module_names_from_the_wire_are_cleaned():
    node = {"__module__": "Evil\nModule", "children": {"a\x1b[2J": "B\r"}, "state": {}}
    got = wire.decode(frame(node)).value
    assert got.type_name == "Evil Module" and got.children == {"a [2J": "B "}


def test_opaque_with_bad_shape_arrives_without_shape():
    got = wire.decode(frame({"__opaque__": "x", "text": "", "shape": [1, "2"]})).value
    assert isinstance(got, wire.Opaque) and got.shape is None


def test_opaque_with_non_string_fields_arrives_as_clean_text():
    got = wire.decode(frame({"__opaque__": ["a", 1], "text": {"b": 2}})).value
    assert got.type_name == "['a', 1]" and got.text == "{'b': 2}"


def test_opaque_text_from_the_wire_is_bounded_and_printable():
    got = wire.decode(frame({"__opaque__": "x" * 1000, "text": "\x07" * 1000})).value
    assert len(got.type_name) <= 80 and len(got.text) <= 120
    assert got.text.strip() in ("", "…")


# =========================================================================== hostile tensor nodes


def test_hand_built_tensor_node_is_accepted():
    got = wire.decode(frame(tensor_node(shape=[2]), [struct.pack("<2f", 1.5, -2.0)])).value
    assert torch.equal(got, torch.tensor([1.5, -2.0]))


@pytest.mark.parametrize("index", [1, 2, 2**64, -1, -(2**70)])
def test_tensor_blob_index_out_of_range_is_rejected(index):
    assert "bad tensor index" in rejects(frame(tensor_node(index=index), [b"\0" * 8]))


@pytest.mark.parametrize("index", ["0", 0.0, None, [0], {"0": 0}])
def test_tensor_blob_index_that_is_not_an_int_is_rejected(index):
    assert "bad tensor index" in rejects(frame(tensor_node(index=index), [b"\0" * 8]))


@pytest.mark.parametrize("index", [False, True])
def test_tensor_blob_index_that_is_a_bool_is_rejected(index):
    assert "bad tensor index" in rejects(frame(tensor_node(index=index), [b"\0" * 8, b"\0" * 8]))


def test_tensor_blob_used_twice_is_rejected():
    assert "used twice" in rejects(frame([tensor_node(index=0), tensor_node(index=0)], [b"\0" * 8]))


def test_tensor_node_without_blobs_is_rejected():
    rejects(frame(tensor_node(index=0, shape=[0]), []))


@pytest.mark.parametrize("dtype", ["float8", "float", "torch.float32", "", "Float32", None, 5, True])
def test_unknown_dtype_is_rejected(dtype):
    assert "unknown dtype" in rejects(frame(tensor_node(dtype=dtype), [b"\0" * 8]))


@pytest.mark.parametrize("dtype", [["float32"], {"float32": 1}, []])
def test_unhashable_dtype_is_rejected(dtype):
    # Once a TypeError ("unhashable type") from the dtype lookup.
    assert "unknown dtype" in rejects(frame(tensor_node(dtype=dtype), [b"\0" * 8]))


def test_missing_dtype_is_rejected():
    node = tensor_node()
    del node["dtype"]
    rejects(frame(node, [b"\0" * 8]))


@pytest.mark.parametrize("shape", [[-2], [2, -1], [-1, -2]])
def test_negative_shape_is_rejected(shape):
    assert "bad shape" in rejects(frame(tensor_node(shape=shape), [b"\0" * 8]))


@pytest.mark.parametrize("shape", ["2", 2, None, {"0": 2}, {"__tuple__": [2]}])
def test_shape_that_is_not_a_list_is_rejected(shape):
    assert "bad shape" in rejects(frame(tensor_node(shape=shape), [b"\0" * 8]))


@pytest.mark.parametrize("shape", [[2.0], ["2"], [None], [[2]], [1, {"a": 2}]])
def test_shape_with_non_int_sizes_is_rejected(shape):
    assert "bad shape" in rejects(frame(tensor_node(shape=shape), [b"\0" * 8]))


@pytest.mark.parametrize("shape", [[True, True], [True], [2, False]])
def test_shape_with_bool_sizes_is_rejected(shape):
    assert "bad shape" in rejects(frame(tensor_node(shape=shape), [b"\0" * 8]))


def test_shape_with_more_than_sixteen_dims_is_rejected():
    assert "bad shape" in rejects(frame(tensor_node(shape=[1] * 17 + [2]), [b"\0" * 8]))


@pytest.mark.parametrize("shape", [[2**64], [2**63], [2, 2**62], [10**300]])
def test_shape_with_huge_sizes_and_a_small_blob_is_rejected(shape):
    rejects(frame(tensor_node(shape=shape), [b"\0" * 8]))


@pytest.mark.parametrize(
    "shape", [[0, 2**63], [0, 10**300], [2**63, 0], [0, 2**62, 4], [0] + [2**40] * 15, [2**32, 0, 2**31]]
)
def test_empty_shape_with_sizes_beyond_int64_is_rejected(shape):
    # Once a TypeError or RuntimeError from torch.empty: the blob cannot bound an empty tensor.
    assert "bad shape" in rejects(frame(tensor_node(shape=shape), [b""]))


def test_empty_shape_with_large_but_valid_sizes_is_accepted():
    got = wire.decode(frame(tensor_node(shape=[0, 2**40]), [b""])).value
    assert got.shape == (0, 2**40)


@pytest.mark.parametrize("shape", [[3], [1], [2, 2], [], [0]])
def test_shape_whose_size_does_not_match_the_blob_is_rejected(shape):
    assert "does not match" in rejects(frame(tensor_node(shape=shape), [b"\0" * 8]))


def test_blob_length_not_a_multiple_of_the_item_size_is_rejected():
    rejects(frame(tensor_node(dtype="float64", shape=[1]), [b"\0" * 7]))


def test_tensor_node_with_hostile_extra_fields_decodes_with_clean_info():
    node = tensor_node(shape=[2])
    node.update(requires_grad="yes", has_grad_fn=1, subclass="Evil\n" * 50)
    message = wire.decode(frame(node, [b"\0" * 8]))
    info = message.info(message.value)
    assert (info.requires_grad, info.has_grad_fn) == (False, False)
    assert "\n" not in info.subclass and len(info.subclass) <= 80


def test_tensor_node_with_non_string_subclass_reports_none():
    node = tensor_node(shape=[2])
    node["subclass"] = ["Evil"]
    message = wire.decode(frame(node, [b"\0" * 8]))
    assert message.info(message.value).subclass is None


def test_many_tiny_tensors_decode():
    # Correctness only; see the report for how long a reply near the JSON limit takes.
    n = 2000
    got = wire.decode(frame([tensor_node(index=i, dtype="uint8", shape=[]) for i in range(n)], [b"\x07"] * n)).value
    assert len(got) == n and all(int(t) == 7 for t in got)
