"""What a Python source defines, read from its syntax tree without running it; and reading a
submission's files as data (no link followed, no file larger than a cap, nothing but regular
files), with every failure a one-line reason rather than an exception."""

from __future__ import annotations

import ast
import errno
import os
import stat
import warnings

# A .py file larger than this is not read: no hand-written exercise comes near it.
MAX_SOURCE_BYTES = 1 << 20
# A notebook may carry its outputs (plots as images), so it is allowed more.
MAX_NOTEBOOK_BYTES = 16 << 20
TOO_DEEP = "too deeply nested to read"


class FileRefused(Exception):
    """A submission's file that is not read; the message is one line naming the file."""


def read_file_bytes(name: str, shown: str, limit: int, *, dir_fd: int | None = None) -> bytes:
    """The bytes of the regular file ``name`` (relative to ``dir_fd`` if given), at most ``limit``.

    A symbolic link is never followed (``O_NOFOLLOW``): it is refused with a line naming the
    link, never its target. FIFOs, devices and directories are refused without being read; a
    file over ``limit`` bytes is refused without being read past the limit.
    """
    try:
        before = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except OSError as error:
        raise FileRefused(f"{shown}: cannot read the file ({error.strerror or error}).") from None
    if stat.S_ISLNK(before.st_mode):
        raise FileRefused(_link_message(shown))
    if not stat.S_ISREG(before.st_mode):
        raise FileRefused(f"{shown}: not a regular file; it was not read.")
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(name, flags, dir_fd=dir_fd)
    except OSError as error:
        if error.errno == errno.ELOOP:  # replaced by a link since it was looked at
            raise FileRefused(_link_message(shown)) from None
        raise FileRefused(f"{shown}: cannot read the file ({error.strerror or error}).") from None
    try:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode):
            raise FileRefused(f"{shown}: not a regular file; it was not read.")
        if status.st_size > limit:
            raise FileRefused(_too_large(shown, status.st_size, limit))
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:  # it grew while being read
            raise FileRefused(_too_large(shown, size, limit))
        return b"".join(chunks)
    except OSError as error:
        raise FileRefused(f"{shown}: cannot read the file ({error.strerror or error}).") from None
    finally:
        os.close(fd)


def _link_message(shown: str) -> str:
    return f"{shown}: a symbolic link, which the grader does not follow; it was not graded."


def _too_large(shown: str, size: int, limit: int) -> str:
    return f"{shown}: the file is larger than {_megabytes(limit)} (at least {_megabytes(size)}); it was not read."


def _megabytes(size: int) -> str:
    return f"{size / (1 << 20):.3g} MB"


def parse_module(source: str, filename: str) -> ast.Module:
    """``ast.parse`` then ``compile`` (so that errors only the compiler finds are found too).

    Raises SyntaxError, or ``ValueError(TOO_DEEP)`` for code nested more deeply than Python
    can read (RecursionError or MemoryError in the parser or the compiler).
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarning, DeprecationWarning: the student's business
            tree = ast.parse(source, filename=filename)
            compile(tree, filename, "exec", dont_inherit=True)
    except (RecursionError, MemoryError):
        raise ValueError(TOO_DEEP) from None
    return tree


def compile_statement(node: ast.stmt, filename: str) -> None:
    """Compile one top-level statement as the student process will; raises as :func:`parse_module`."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(ast.Module(body=[node], type_ignores=[]), filename, "exec", dont_inherit=True)
    except (RecursionError, MemoryError):
        raise ValueError(TOO_DEEP) from None


def _raises_not_implemented(statement: ast.stmt) -> bool:
    """Whether a ``raise`` names NotImplementedError (walked without recursion: any depth is safe)."""
    return any(
        (isinstance(node, ast.Name) and node.id == "NotImplementedError")
        or (isinstance(node, ast.Attribute) and node.attr == "NotImplementedError")
        or (isinstance(node, ast.Constant) and isinstance(node.value, str) and "NotImplementedError" in node.value)
        for node in ast.walk(statement)
    )


def _is_stub_body(body: list[ast.stmt]) -> bool:
    statements = [n for n in body if not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))]
    return len(statements) == 1 and isinstance(statements[0], ast.Raise) and _raises_not_implemented(statements[0])


def stub_names(tree: ast.Module) -> frozenset[str]:
    """Top-level functions (or classes whose methods all are) still holding only the stub body."""
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and _is_stub_body(node.body):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef):
            methods = [n for n in node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
            if methods and all(_is_stub_body(m.body) for m in methods):
                names.add(node.name)
    return frozenset(names)


def top_level_names(tree: ast.Module) -> frozenset[str]:
    """Names a module binds at top level by ``def``, ``class``, assignment or import."""
    return defined_names(tree) | imported_names(tree)


def defined_names(tree: ast.Module) -> frozenset[str]:
    """Names a module binds at top level by ``def``, ``class`` or assignment (not by import)."""
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
    return frozenset(names)


def imported_names(tree: ast.Module) -> frozenset[str]:
    """Names a module binds at top level by import."""
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if alias.name != "*":
                    names.add(alias.asname or alias.name.split(".")[0])
    return frozenset(names)
