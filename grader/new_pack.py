"""``grade new-pack NAME``: write a working minimal exercise pack to start from.

The pack is one folder: the pack module (a spec, two checks, one with a hint), its
reference, one catalogued mistake and a test, laid out as ``docs/authoring.md`` describes.
Its ``grade selftest`` passes as written.
"""

from __future__ import annotations

import importlib.util
import keyword
from pathlib import Path
from string import Template

TEMPLATES = Path(__file__).parent / "templates" / "new_pack"


class NewPackError(Exception):
    """The pack cannot be written; the message is one line."""


def _files(name: str) -> dict[str, str]:
    """Relative path -> template file, for a pack called ``name``."""
    return {
        f"{name}.py": "pack.py.txt",
        f"{name}_reference.py": "reference.py.txt",
        f"{name}_mistakes/{name}_gain/ignores_the_gain.py": "mistake.py.txt",
        f"test_{name}.py": "test.py.txt",
    }


def check_name(name: str) -> None:
    """Raise :class:`NewPackError` unless ``name`` can name a new pack module."""
    if not name.isidentifier() or keyword.iskeyword(name) or not name.isascii():
        raise NewPackError(f"{name!r} cannot name a Python module: use letters, digits and _ (e.g. my_pack).")
    if importlib.util.find_spec(name) is not None:
        raise NewPackError(f"a module named {name!r} already exists here; choose another name.")


def write_pack(name: str, parent: Path) -> list[Path]:
    """Write the pack ``name`` into ``parent/name/``; returns the files written."""
    check_name(name)
    folder = parent / name
    if folder.exists():
        raise NewPackError(f"{folder} already exists; choose another name or remove it.")
    written = []
    for relative, template in _files(name).items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            Template((TEMPLATES / template).read_text(encoding="utf-8")).substitute(name=name), encoding="utf-8"
        )
        written.append(path)
    return written
