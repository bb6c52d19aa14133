"""The wire format between the grader and the student process.

A message is a JSON document plus a list of raw byte blobs, one per tensor. Only plain values
cross: None, bool, int, float, str, list, tuple, dict with str keys, tensors, snapshots of
modules, and a placeholder naming the type of anything else. Nothing is ever unpickled.

The student side encodes; the grader side decodes and trusts nothing: every field is checked
and a malformed message raises :class:`WireError`.

Frame: ``u32 json_len | json | u32 n_blobs | (u64 blob_len | blob) * n_blobs``.
"""

from __future__ import annotations

import itertools
import json
import math
import socket
import struct
import time
from dataclasses import dataclass, field
from typing import Any

import torch

from grader.sandbox.construction import construction_of

MAX_MESSAGE_BYTES = 256 * 1024 * 1024  # the lesson's whole data set is 230 MB; checks use far less
MAX_JSON_BYTES = 16 * 1024 * 1024
MAX_DEPTH = 32
MAX_TEXT = 400
MAX_OPAQUE_DIMS = 64  # the shape of a value that is not a tensor (a tensor has at most 16 dims)
# Decoding is bounded in work as well as in bytes: a reply of 300,000 one-byte tensors or of
# millions of tiny values would otherwise take many seconds of the grader's time.
MAX_BLOBS = 10_000
MAX_NODES = 500_000

DTYPES: dict[str, torch.dtype] = {
    str(dtype).removeprefix("torch."): dtype
    for dtype in (
        torch.float16,
        torch.bfloat16,
        torch.float32,
        torch.float64,
        torch.complex64,
        torch.complex128,
        torch.uint8,
        torch.int8,
        torch.int16,
        torch.int32,
        torch.int64,
        torch.bool,
    )
}


class WireError(Exception):
    """A message that does not follow the wire format."""


@dataclass(frozen=True)
class Opaque:
    """Something that is not a plain value, known only by its type name and a short repr."""

    type_name: str
    text: str = ""
    shape: tuple[int, ...] | None = None

    def __repr__(self) -> str:
        return f"<{self.type_name}>"


@dataclass
class TensorInfo:
    """What a tensor carried besides its values, as the student process saw it."""

    requires_grad: bool = False
    has_grad_fn: bool = False
    subclass: str | None = None


@dataclass
class ModuleSnapshot:
    """A torch.nn.Module as it crossed the wire: its class, submodules and parameters.

    A module of a class that remembers its construction (a model a pack gives students, see
    ``sandbox.construction``) also carries ``origin`` (``module:qualname``) and the
    constructor's arguments, ``init = (args, kwargs)``, so the other side can rebuild it.
    """

    type_name: str
    children: dict[str, str] = field(default_factory=dict)
    state: dict[str, torch.Tensor] = field(default_factory=dict)
    origin: str = ""
    init: tuple[list, dict] | None = None
    training: bool = True


def clean_text(value: object, limit: int = MAX_TEXT) -> str:
    """A single-line, printable, bounded version of untrusted text."""
    text = value if isinstance(value, str) else str(value)
    cut = len(text) > limit
    text = "".join(ch if ch.isprintable() else " " for ch in text[:limit])  # bounded work, whatever the size
    return text[: limit - 1] + "…" if cut else text


# --------------------------------------------------------------------------- encoding


class _Encoder:
    def __init__(self) -> None:
        self.blobs: list[bytes] = []

    def tensor(self, value: torch.Tensor) -> dict:
        subclass = None if type(value) is torch.Tensor else type(value).__qualname__
        # The base class's descriptors, called directly: a subclass's overrides cannot lie.
        info = {
            "requires_grad": bool(torch.Tensor.requires_grad.__get__(value)),  # type: ignore[attr-defined]
            "has_grad_fn": torch.Tensor.grad_fn.__get__(value) is not None,  # type: ignore[union-attr]
        }
        plain = torch.Tensor.as_subclass(torch.Tensor.detach(value), torch.Tensor)
        if plain.is_sparse or plain.layout != torch.strided:
            plain = plain.to_dense()
        if plain.device.type != "cpu":
            plain = plain.cpu()
        if plain.is_conj():
            plain = plain.resolve_conj()
        if plain.is_neg():
            plain = plain.resolve_neg()
        dtype = str(plain.dtype).removeprefix("torch.")
        if dtype not in DTYPES:
            return {"__opaque__": f"torch.Tensor[{dtype}]", "text": "", "shape": list(plain.shape)}
        flat = plain.contiguous().reshape(-1)
        raw = flat.view(torch.uint8).numpy().tobytes() if flat.numel() else b""
        self.blobs.append(raw)
        node = {"__tensor__": len(self.blobs) - 1, "dtype": dtype, "shape": list(plain.shape)}
        node.update(info)
        if subclass:
            node["subclass"] = subclass
        return node

    def module(self, value: torch.nn.Module) -> dict:
        state = {}
        for name, tensor in torch.nn.Module.state_dict(value).items():
            if isinstance(tensor, torch.Tensor):
                state[str(name)] = self.tensor(tensor)
        children = {str(name): type(child).__qualname__ for name, child in torch.nn.Module.named_children(value)}
        node = {
            "__module__": type(value).__qualname__,
            "children": children,
            "state": state,
            "training": bool(value.training),
        }
        construction = construction_of(value)
        if construction is not None:
            origin, args, kwargs = construction
            node["origin"] = origin
            node["init"] = [self.value(list(args)), self.value(dict(kwargs))]
        return node

    def value(self, value: Any, depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            return {"__opaque__": "deeply nested value", "text": ""}
        if value is None or type(value) in (bool, str):
            return value
        if isinstance(value, bool):
            return bool(value)
        if isinstance(value, int):
            return int.__int__(value)
        if isinstance(value, float):
            number = float.__float__(value)
            return number if math.isfinite(number) else {"__float__": repr(number)}
        if isinstance(value, torch.Tensor):
            return self.tensor(value)
        if isinstance(value, torch.nn.Module):
            return self.module(value)
        if isinstance(value, (list, tuple)):  # subclasses (a namedtuple) read as their base type
            items = (
                [self.value(item, depth + 1) for item in list.__iter__(value)]
                if isinstance(value, list)
                else [self.value(item, depth + 1) for item in tuple.__iter__(value)]
            )
            return items if isinstance(value, list) else {"__tuple__": items}
        if type(value) is dict and all(type(key) is str for key in value):
            return {"__dict__": [[key, self.value(item, depth + 1)] for key, item in value.items()]}
        return self.opaque(value)

    @staticmethod
    def opaque(value: Any) -> dict:
        kind = type(value)
        name = f"{getattr(kind, '__module__', '?')}.{getattr(kind, '__qualname__', '?')}"
        name = name.removeprefix("builtins.")
        try:
            text = clean_text(repr(value), 120)
        except Exception:
            text = ""
        try:
            dims = list(itertools.islice(value.shape, MAX_OPAQUE_DIMS + 1)) if hasattr(value, "shape") else None
            shape = [int(n) for n in dims] if dims is not None and len(dims) <= MAX_OPAQUE_DIMS else None
        except Exception:
            shape = None
        return {"__opaque__": name, "text": text, "shape": shape}


def encode(document: Any) -> bytes:
    """Encode a message (student side, and the grader's requests)."""
    encoder = _Encoder()
    body = json.dumps(encoder.value(document), allow_nan=False).encode()
    parts = [struct.pack("<I", len(body)), body, struct.pack("<I", len(encoder.blobs))]
    for blob in encoder.blobs:
        parts.append(struct.pack("<Q", len(blob)))
        parts.append(blob)
    return b"".join(parts)


# --------------------------------------------------------------------------- decoding


def _expect(condition: bool, what: str) -> None:
    if not condition:
        raise WireError(what)


class _Decoder:
    def __init__(self, blobs: list[bytes]) -> None:
        self.blobs = blobs
        self.used: set[int] = set()
        self.nodes = 0
        self.tensor_info: dict[int, TensorInfo] = {}

    def tensor(self, node: dict) -> torch.Tensor:
        index = node.get("__tensor__")
        if type(index) is not int or not 0 <= index < len(self.blobs):
            raise WireError("bad tensor index")
        _expect(index not in self.used, "tensor blob used twice")
        self.used.add(index)
        dtype_name = node.get("dtype")
        dtype = DTYPES.get(dtype_name) if type(dtype_name) is str else None
        if dtype is None:
            raise WireError("unknown dtype")
        shape = node.get("shape")
        if type(shape) is not list or len(shape) > 16:
            raise WireError("bad shape")
        _expect(all(type(n) is int and 0 <= n for n in shape), "bad shape")
        # An empty tensor's other sizes are unchecked by its blob: torch needs them in int64.
        _expect(math.prod(max(n, 1) for n in shape) < 2**63, "bad shape")
        numel = math.prod(shape)
        itemsize = torch.empty((), dtype=dtype).element_size()
        blob = self.blobs[index]
        _expect(len(blob) == numel * itemsize, "tensor size does not match its shape")
        if numel == 0:
            tensor = torch.empty(shape, dtype=dtype)
        else:
            tensor = torch.frombuffer(bytearray(blob), dtype=torch.uint8).view(dtype).reshape(shape)
        subclass = node.get("subclass")
        self.tensor_info[id(tensor)] = TensorInfo(
            requires_grad=node.get("requires_grad") is True,
            has_grad_fn=node.get("has_grad_fn") is True,
            subclass=clean_text(subclass, 80) if isinstance(subclass, str) else None,
        )
        return tensor

    def value(self, node: Any, depth: int = 0) -> Any:
        _expect(depth <= MAX_DEPTH + 2, "nested too deeply")
        self.nodes += 1
        _expect(self.nodes <= MAX_NODES, f"more than {MAX_NODES} values in one reply")
        if node is None or type(node) in (bool, int, float, str):
            return node
        if type(node) is list:
            return [self.value(item, depth + 1) for item in node]
        _expect(type(node) is dict, "unknown node")
        if "__tensor__" in node:
            return self.tensor(node)
        if "__tuple__" in node:
            items = node["__tuple__"]
            _expect(type(items) is list, "bad tuple")
            return tuple(self.value(item, depth + 1) for item in items)
        if "__dict__" in node:
            pairs = node["__dict__"]
            _expect(type(pairs) is list, "bad dict")
            out = {}
            for pair in pairs:
                _expect(type(pair) is list and len(pair) == 2 and type(pair[0]) is str, "bad dict")
                out[pair[0]] = self.value(pair[1], depth + 1)
            return out
        if "__float__" in node:
            _expect(node["__float__"] in ("nan", "inf", "-inf"), "bad float")
            return float(node["__float__"])
        if "__module__" in node:
            state = node.get("state")
            children = node.get("children")
            _expect(type(state) is dict and type(children) is dict, "bad module")
            snapshot = ModuleSnapshot(
                type_name=clean_text(node["__module__"], 80), training=node.get("training") is not False
            )
            for name, child in children.items():
                snapshot.children[clean_text(name, 80)] = clean_text(child, 80)
            for name, tensor in state.items():
                _expect(type(tensor) is dict and "__tensor__" in tensor, "bad module state")
                snapshot.state[clean_text(name, 80)] = self.tensor(tensor)
            if "origin" in node:
                init = node.get("init")
                _expect(type(node["origin"]) is str and type(init) is list and len(init) == 2, "bad module origin")
                args, kwargs = self.value(init[0], depth + 1), self.value(init[1], depth + 1)
                _expect(type(args) is list and type(kwargs) is dict, "bad module arguments")
                snapshot.origin = node["origin"][:300]
                snapshot.init = (args, kwargs)
            return snapshot
        if "__opaque__" in node:
            shape = node.get("shape")
            valid_shape = type(shape) is list and len(shape) <= MAX_OPAQUE_DIMS and all(type(n) is int for n in shape)
            return Opaque(
                type_name=clean_text(node["__opaque__"], 80),
                text=clean_text(node.get("text", ""), 120),
                shape=tuple(shape) if valid_shape else None,
            )
        raise WireError("unknown node")


@dataclass
class Message:
    """A decoded message and what the student process said about each tensor in it."""

    value: Any
    tensor_info: dict[int, TensorInfo]

    def info(self, tensor: torch.Tensor) -> TensorInfo:
        return self.tensor_info.get(id(tensor), TensorInfo())


def decode(data: bytes) -> Message:
    """Decode a message, validating every part of it."""
    try:
        (json_len,) = struct.unpack_from("<I", data, 0)
        offset = 4
        _expect(json_len <= MAX_JSON_BYTES, "too many plain values (lists of numbers instead of a tensor?)")
        _expect(offset + json_len <= len(data), "truncated")
        body = data[offset : offset + json_len]
        offset += json_len
        (n_blobs,) = struct.unpack_from("<I", data, offset)
        offset += 4
        _expect(n_blobs <= MAX_BLOBS, f"more than {MAX_BLOBS} tensors in one reply")
        blobs = []
        for _ in range(n_blobs):
            (blob_len,) = struct.unpack_from("<Q", data, offset)
            offset += 8
            _expect(offset + blob_len <= len(data), "truncated blob")
            blobs.append(data[offset : offset + blob_len])
            offset += blob_len
        _expect(offset == len(data), "trailing bytes")
        document = json.loads(body.decode("utf-8"))
    except (struct.error, UnicodeDecodeError, ValueError, RecursionError) as error:
        raise WireError(f"unreadable message: {error}") from None
    decoder = _Decoder(blobs)
    try:
        value = decoder.value(document)
    except RecursionError:
        raise WireError("nested too deeply") from None
    return Message(value, decoder.tensor_info)


# --------------------------------------------------------------------------- framing


def send(sock: socket.socket, data: bytes) -> None:
    """Send one length-prefixed frame."""
    sock.sendall(struct.pack("<Q", len(data)) + data)


def _recv_exactly(sock: socket.socket, size: int, deadline: float | None) -> bytes:
    chunks = bytearray()
    while len(chunks) < size:
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            sock.settimeout(remaining)
        chunk = sock.recv(min(size - len(chunks), 1 << 20))
        if not chunk:
            raise EOFError("the other side closed the connection")
        chunks += chunk
    return bytes(chunks)


def receive(sock: socket.socket, deadline: float | None = None) -> bytes:
    """Receive one length-prefixed frame, all of it before ``deadline`` (``time.monotonic``)."""
    (size,) = struct.unpack("<Q", _recv_exactly(sock, 8, deadline))
    if size > MAX_MESSAGE_BYTES:
        raise WireError(f"a reply of {size / 1e6:.0f} MB is larger than the {MAX_MESSAGE_BYTES / 1e6:.0f} MB allowed")
    return _recv_exactly(sock, size, deadline)
