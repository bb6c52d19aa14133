"""A Gradescope autograder zip (https://gradescope-autograders.readthedocs.io/en/latest/specs/).

At the root of the zip, as the specification asks: ``setup.sh`` (run once, as root, when
Gradescope builds the image from its Ubuntu base) and ``run_autograder`` (run for every
submission, in ``/autograder``; the zip itself is unpacked in ``/autograder/source``). Beside
them:

- ``soundlab-grader/``: the grader's source tree (``pyproject.toml``, ``grader/``,
  ``reference/``), which ``setup.sh`` installs with its dependencies and a CPU-only torch;
- ``packs/``: the source of every pack in use that is not part of the grader (each
  ``--plugin`` and any other installed pack): its modules, the modules it gives students and
  its catalogue of known-wrong solutions;
- ``soundlab_bundle.json``: which packs to load (as ``--plugin`` values relative to the zip),
  which exercises the assignment grades, and the grading limits.

``run_autograder`` calls ``python -m grader.hosting.run_autograder``, which does the rest.
"""

from __future__ import annotations

import json
import os
import stat
import sys
import time
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.hosting.run_autograder import MANIFEST

VENV = "/opt/soundlab"  # where setup.sh installs the grader: outside /autograder, readable by all
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"
GRADER_FOLDER = "soundlab-grader"
PACKS_FOLDER = "packs"
# The grader's own top-level packages: installed from the source tree, never copied as packs.
OWN_PACKAGES = ("grader", "reference")
SKIPPED_PARTS = ("__pycache__", ".git", ".mypy_cache", ".ruff_cache", ".pytest_cache", ".hypothesis")

SETUP_SH = f"""#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image (Ubuntu). It
# installs Python, a CPU-only torch (the default wheels bring about 5 GB of CUDA that a
# grader never uses) and the grader with its dependencies, in a virtual environment
# outside /autograder that every user may read (student processes may take a uid of
# their own only when Python's files are readable by all).
set -euo pipefail
umask 022
cd "$(dirname "$0")"  # /autograder/source: this zip, unpacked

export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends python3 python3-venv python3-pip

python3 -m venv {VENV}
{VENV}/bin/python -m pip install --upgrade pip
{VENV}/bin/python -m pip install --index-url {TORCH_CPU_INDEX} torch torchaudio
{VENV}/bin/python -m pip install ./{GRADER_FOLDER}

# What student processes must not read, even should the host refuse namespaces (see
# README, Confinement): the bundle (its packs' references and checks), the references and
# the lesson's checks. Given modules are imported by the warm parent, as root, beforehand.
chmod -R go-rwx /autograder/source
site=$({VENV}/bin/python -c 'import grader, reference, os; print(os.path.dirname(grader.__file__))')
chmod -R o-rwx "$site/lesson" "$(dirname "$site")/reference"

# Fail the image build, not every submission, if the grader cannot start here.
{VENV}/bin/grade list {{plugins}}
"""

RUN_AUTOGRADER = f"""#!/usr/bin/env bash
exec "${{SOUNDLAB_PYTHON:-{VENV}/bin/python}}" -m grader.hosting.run_autograder "$@"
"""


class BundleError(Exception):
    """The bundle cannot be built (one line: what and why)."""


@dataclass(frozen=True)
class Settings:
    """What the bundle's ``run_autograder`` grades with."""

    exercises: tuple[str, ...] = ()
    timeout: float = 5.0
    memory_limit: int = 4096


def project_root() -> Path:
    """The folder holding the grader's ``pyproject.toml`` (this source tree, or its editable install)."""
    import grader

    root = Path(grader.__file__).resolve().parent.parent
    if not (root / "pyproject.toml").is_file():
        raise BundleError(
            f"the grader's source tree (pyproject.toml beside grader/) is not at {root}; "
            "build the bundle from a clone of the grader (pip install -e .)"
        )
    return root


def _files_under(folder: Path) -> Iterator[Path]:
    """Every regular file under ``folder``, in name order, without caches or links."""
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if any(part in SKIPPED_PARTS for part in relative.parts) or path.suffix in (".pyc", ".pyo"):
            continue
        if path.is_file() and not path.is_symlink():
            yield path


def _grader_files(root: Path) -> Iterator[tuple[Path, str]]:
    """The grader's source tree: what ``pip install`` needs, nothing of a working copy's clutter."""
    for name in ("pyproject.toml", "README.md", "LICENSE", "LICENSE.md"):
        if (root / name).is_file():
            yield root / name, f"{GRADER_FOLDER}/{name}"
    for package in OWN_PACKAGES:
        for path in _files_under(root / package):
            yield path, f"{GRADER_FOLDER}/{path.relative_to(root).as_posix()}"


def _is_own(module_name: str) -> bool:
    return module_name.partition(".")[0] in OWN_PACKAGES


def _top_location(module_name: str) -> tuple[Path, bool]:
    """The file of a top-level module, or the folder of a top-level package (and whether it is one)."""
    top = sys.modules.get(module_name.partition(".")[0])
    if top is None:
        raise BundleError(f"module {module_name} of a pack is not loaded, so its files cannot be found")
    locations = getattr(top, "__path__", None)
    if locations:
        return Path(list(locations)[0]).resolve(), True
    filename = getattr(top, "__file__", None)
    if not filename:
        raise BundleError(f"module {top.__name__} of a pack has no source file to bundle")
    return Path(filename).resolve(), False


def _pack_contributions(plugins: tuple[str, ...]) -> list[tuple[Any, Any]]:
    """``(plugin module, pack)`` for every pack not part of the grader."""
    from grader.plugins import PluginError, get_plugin_manager

    try:
        pm = get_plugin_manager(plugins)
    except PluginError as error:
        raise BundleError(str(error)) from None
    contributed = []
    for implementation in pm.hook.soundlab_pack.get_hookimpls():
        module = implementation.plugin
        if _is_own(getattr(module, "__name__", "")):
            continue
        contributed.append((module, implementation.function()))
    return contributed


def _pack_files(contributed: list[tuple[Any, Any]]) -> tuple[list[tuple[Path, str]], list[str]]:
    """The files to copy under ``packs/`` (source, name in the zip), and the plugin specs to load them."""
    files: dict[str, Path] = {}
    specs: list[str] = []

    def add(location: Path, is_package: bool) -> str:
        name = f"{PACKS_FOLDER}/{location.name}"
        if is_package:
            for path in _files_under(location):
                files.setdefault(f"{name}/{path.relative_to(location).as_posix()}", path)
        else:
            files.setdefault(name, location)
        return name + ("/" if is_package else "")

    for module, pack in contributed:
        names = {module.__name__, *pack.given_modules}
        for exercise in pack.exercises:
            names |= set(exercise.modules)
        for name in sorted(n for n in names if not _is_own(n)):
            add(*_top_location(name))
        location, is_package = _top_location(module.__name__)
        spec = add(location, is_package)
        # A plugin inside a package: load the package's folder (which puts packs/ on the path), then the module.
        specs.extend([spec, module.__name__] if "." in module.__name__ else [spec])
        for exercise in pack.exercises:
            for folder in sorted({Path(m.path).resolve().parent for m in exercise.mistakes if m.path}):
                if folder.parent == location.parent:  # beside the pack, as its own folder
                    for path in _files_under(folder):
                        files.setdefault(f"{PACKS_FOLDER}/{folder.name}/{path.relative_to(folder).as_posix()}", path)
    return [(path, name) for name, path in sorted(files.items())], list(dict.fromkeys(specs))


def _add_file(archive: zipfile.ZipFile, name: str, data: bytes, executable: bool = False) -> None:
    info = zipfile.ZipInfo(name, date_time=time.localtime(time.time())[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    # Unix permissions in the high bits, so that unzip (and Gradescope) keep the scripts executable.
    info.external_attr = ((0o755 if executable else 0o644) | stat.S_IFREG) << 16
    archive.writestr(info, data)


def build_bundle(out: Path, plugins: Iterable[str] = (), settings: Settings = Settings()) -> list[str]:
    """Write the autograder zip to ``out``; return the names it holds. Raises :class:`BundleError`."""
    plugins = tuple(plugins)
    root = project_root()
    contributed = _pack_contributions(plugins)
    from grader.plugins import load_registry

    points = {exercise.id: exercise.max_score for _module, pack in contributed for exercise in pack.exercises}
    points |= {exercise.id: exercise.max_score for exercise in load_registry(plugins).exercises.values()}
    known = set(points)
    unknown = [e for e in settings.exercises if e not in known]
    if unknown:
        raise BundleError(f"unknown exercise {unknown[0]!r}; known: {', '.join(sorted(known))}")
    pack_files, specs = _pack_files(contributed)
    manifest: dict[str, object] = {
        "format": 1,
        "plugins": specs,
        "exercises": list(settings.exercises),
        "timeout": settings.timeout,
        "memory_limit": settings.memory_limit,
    }
    if settings.exercises:
        # What a failing result is out of (run_autograder), without loading the packs again.
        manifest["max_score"] = sum(points[e] for e in dict.fromkeys(settings.exercises))
    shown_plugins = " ".join(
        f"-p /autograder/source/{spec}" if spec.startswith("packs/") else f"-p {spec}" for spec in specs
    )
    names: list[str] = []
    partial = out.with_name(out.name + ".partial")
    try:
        with zipfile.ZipFile(partial, "w") as archive:
            _add_file(archive, "setup.sh", SETUP_SH.replace("{plugins}", shown_plugins).encode(), executable=True)
            _add_file(archive, "run_autograder", RUN_AUTOGRADER.encode(), executable=True)
            _add_file(archive, MANIFEST, (json.dumps(manifest, indent=2) + "\n").encode())
            names += ["setup.sh", "run_autograder", MANIFEST]
            for path, name in [*_grader_files(root), *pack_files]:
                _add_file(archive, name, path.read_bytes())
                names.append(name)
        os.replace(partial, out)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise BundleError(f"{error.filename or out}: cannot write ({error.strerror or error})") from None
    return names
