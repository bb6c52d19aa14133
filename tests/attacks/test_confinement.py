"""Attacks on the confinement of a submission: what it starts, writes, reads and holds.

Each test grades a hostile submission with the real `grade` command and asserts the points it
gets, that the report is valid, and that nothing of it remains: no process, no file, no
effect on descriptors the grader was given.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest
from conftest import REPO, run_grade

# Split has no forbidden calls, so the attacks below may fork and start threads freely.
CORRECT = textwrap.dedent("""
    import torch

    def _split(data, labels, train_ratio):
        permutation = torch.randperm(len(data))
        cut = int(len(data) * train_ratio)
        data, labels = data[permutation], labels[permutation]
        return data[:cut], data[cut:], labels[:cut], labels[cut:]
""")

EXERCISE_FILE = "07_split.py"


def _submission(folder: Path, attack: str, name: str = EXERCISE_FILE) -> Path:
    """A split that runs ``attack`` (indented code) and then answers right."""
    path = folder / name
    body = textwrap.indent(textwrap.dedent(attack), "    ")
    path.write_text(
        CORRECT
        + f"\ndef split_dataset(data, labels, train_ratio=0.8):\n{body}\n    return _split(data, labels, train_ratio)\n"
    )
    return path


def _grade(*args: str, cwd: Path, env: dict | None = None, python: str = sys.executable):
    return run_grade(*args, cwd=cwd, env={"NO_COLOR": "1", **(env or {})}, python=python)


def _report(run) -> dict:
    report = json.loads(run.stdout)
    assert set(report) >= {"score", "max_score", "submissions"}
    return report


def _processes_with(marker: str) -> list[int]:
    """Processes on the host whose command line holds ``marker``."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                    if marker.encode() in cmdline.read():
                        found.append(int(entry))
            except OSError:
                pass
    return found


def _no_process_left(marker: str) -> bool:
    deadline = time.monotonic() + 3
    while _processes_with(marker):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


LEAVE_A_SLEEPER = {
    "a plain fork": """
        import os
        if os.fork() == 0:
            os.execv("/bin/sleep", ["sleep", "60", MARKER])
    """,
    "a setsid child": """
        import os
        if os.fork() == 0:
            os.setsid()
            os.execv("/bin/sleep", ["sleep", "60", MARKER])
    """,
    "a setpgid child": """
        import os
        if os.fork() == 0:
            os.setpgid(0, 0)
            os.execv("/bin/sleep", ["sleep", "60", MARKER])
    """,
    "a double fork": """
        import os
        if os.fork() == 0:
            if os.fork() == 0:
                os.setsid()
                os.execv("/bin/sleep", ["sleep", "60", MARKER])
            os._exit(0)
    """,
    "a subprocess started with start_new_session": """
        import subprocess
        subprocess.Popen(["sleep", "60", MARKER], start_new_session=True)
    """,
    "a thread that keeps spawning": """
        import subprocess, threading, time
        def spawn():
            while True:
                try:
                    subprocess.Popen(["sleep", "60", MARKER], start_new_session=True)
                except OSError:
                    pass
                time.sleep(0.05)
        threading.Thread(target=spawn).start()
    """,
    "200 orphans": """
        import os
        for _ in range(200):
            try:
                if os.fork() == 0:
                    os.setsid()
                    os.execv("/bin/sleep", ["sleep", "60", MARKER])
            except OSError:
                break
    """,
}


@pytest.mark.parametrize("attack", sorted(LEAVE_A_SLEEPER))
def test_nothing_a_submission_starts_outlives_its_grading(tmp_path, attack):
    marker = f"soundlab-leftover-{uuid.uuid4().hex}"
    _submission(tmp_path, f"MARKER = {marker!r}\n" + textwrap.dedent(LEAVE_A_SLEEPER[attack]))
    run = _grade(EXERCISE_FILE, "--format", "json", cwd=tmp_path)
    assert run.returncode in (0, 1), run.stderr
    _report(run)
    assert _no_process_left(marker), f"{attack}: processes left: {_processes_with(marker)}"


def test_a_leftover_cannot_kill_a_later_submissions_process(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    _submission(
        first,
        """
        import os, signal, time
        if os.fork() == 0:
            os.setsid()
            deadline = time.time() + 20
            while time.time() < deadline:
                for pid in range(2, 4_000_000):
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except (ProcessLookupError, PermissionError, OverflowError):
                        pass
                time.sleep(0.05)
    """,
    )
    _submission(second, "")
    run = _grade("first", "second", "--format", "json", cwd=tmp_path)
    report = _report(run)
    assert report["submissions"][1]["score"] == 10, report["submissions"][1]


def test_files_in_dev_shm_and_tmp_do_not_persist(tmp_path):
    marker = f"soundlab-shm-{uuid.uuid4().hex}"
    _submission(
        tmp_path,
        f"""
        for folder in ("/dev/shm", "/tmp"):
            try:
                open(folder + "/{marker}", "w").write("x")
            except OSError:
                pass
    """,
    )
    run = _grade(EXERCISE_FILE, "--format", "json", cwd=tmp_path)
    assert _report(run)["score"] == 10
    assert not Path("/dev/shm", marker).exists() and not Path("/tmp", marker).exists()


def test_the_grader_s_files_and_working_folder_cannot_be_changed(tmp_path):
    target = REPO / "grader" / "exercise.py"
    before = target.read_bytes()
    (tmp_path / "keep.txt").write_text("keep")
    _submission(
        tmp_path,
        f"""
        import os
        for attempt in (lambda: open({str(target)!r}, "a").write("# hacked"),
                        lambda: os.remove({str(tmp_path / "keep.txt")!r}),
                        lambda: open({str(tmp_path / "planted.txt")!r}, "w").write("x"),
                        lambda: os.makedirs(os.path.expanduser("~/.cache/soundlab-planted"))):
            try:
                attempt()
            except OSError:
                pass
    """,
    )
    run = _grade(EXERCISE_FILE, "--format", "json", cwd=tmp_path)
    assert _report(run)["score"] == 10
    assert target.read_bytes() == before
    assert (tmp_path / "keep.txt").read_text() == "keep"
    assert not (tmp_path / "planted.txt").exists()
    assert not Path("~/.cache/soundlab-planted").expanduser().exists()


def test_references_and_checks_read_as_nothing(tmp_path):
    _submission(
        tmp_path,
        f"""
        texts = []
        for path in ({str(REPO / "reference" / "split.py")!r}, {str(REPO / "grader" / "lesson" / "split.py")!r}):
            try:
                texts.append(open(path).read())
            except OSError:
                texts.append("")
        if any("def split_dataset" in text for text in texts):
            raise RuntimeError("read the reference")
    """,
    )
    run = _grade(EXERCISE_FILE, "--format", "json", cwd=tmp_path)
    assert _report(run)["score"] == 10, run.stdout


def test_the_grader_s_output_and_memory_are_out_of_reach(tmp_path):
    forged = json.dumps({"score": 10, "max_score": 10, "submissions": [], "forged": True})
    _submission(
        tmp_path,
        f"""
        import os
        parent = os.getppid()
        for pid in [parent] + [int(p) for p in os.listdir("/proc") if p.isdigit()]:
            for attempt in (lambda: open(f"/proc/{{pid}}/fd/1", "w").write({forged!r}),
                            lambda: open(f"/proc/{{pid}}/mem", "rb").read(1),
                            lambda: os.kill(pid, 9) if pid != os.getpid() else None):
                try:
                    attempt()
                except (OSError, ValueError):
                    pass
        raise RuntimeError("a wrong answer the forgery must not hide")
    """,
    )
    run = _grade(EXERCISE_FILE, "--format", "json", cwd=tmp_path)
    report = _report(run)  # one JSON document: nothing was written into the grader's output
    assert "forged" not in report
    assert report["score"] < 10 and run.returncode == 1


def test_descriptors_the_grader_was_given_are_closed_to_the_student(tmp_path):
    given = tmp_path / "given.txt"
    _submission(
        tmp_path,
        """
        import os
        for fd in (0, 7):
            try:
                os.write(fd, b"planted")
            except OSError:
                pass
    """,
    )
    shell = f"exec 7>{given} && exec {sys.executable} -m grader 07_split.py --format json"
    run = subprocess.run(
        ["bash", "-c", shell],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
        env=dict(os.environ, PYTHONPATH=str(REPO)),
    )
    assert _report(run)["score"] == 10
    assert given.read_bytes() == b""


SIX_CHILDREN_OF_200_MB = """
        import os, time
        children = []
        for _ in range(6):
            pid = os.fork()
            if pid == 0:
                try:
                    block = bytearray(200 * 1024 * 1024)
                    for i in range(0, len(block), 4096):
                        block[i] = 1
                    time.sleep(1)  # all six hold their 200 MB at once
                    os._exit(0)
                finally:
                    os._exit(3)
            children.append(pid)
        alive = 0
        for pid in children:
            _, status = os.waitpid(pid, 0)
            alive += os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
        if alive < 6:  # the answer is only right where all six fit
            raise RuntimeError(f"only {alive} of six children of 200 MB each fit")
    """


def test_memory_is_limited_for_the_whole_submission_not_each_process(tmp_path):
    # Each child fits under a 256 MB limit per process; not all six together.
    _submission(tmp_path, SIX_CHILDREN_OF_200_MB)
    run = _grade(EXERCISE_FILE, "--format", "json", "--memory-limit", "256", cwd=tmp_path)
    assert _report(run)["score"] < 10


def test_the_six_children_fit_under_the_default_limit(tmp_path):
    # The control: the attack above is right where memory allows it.
    _submission(tmp_path, SIX_CHILDREN_OF_200_MB)
    run = _grade(EXERCISE_FILE, "--format", "json", cwd=tmp_path)
    assert _report(run)["score"] == 10, run.stdout


def test_no_network(tmp_path):
    _submission(
        tmp_path,
        """
        import socket
        try:
            socket.create_connection(("127.0.0.1", 22), timeout=1)
            raise RuntimeError("connected")
        except OSError:
            pass
    """,
    )
    run = _grade(EXERCISE_FILE, "--format", "json", cwd=tmp_path)
    assert _report(run)["score"] == 10


def test_doctor_names_the_mode_and_what_is_in_force(tmp_path):
    run = _grade("doctor", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "mode: namespaces" in run.stdout
    assert "its own PID namespace" in run.stdout


# --------------------------------------------------------------------------- the fallback mode

FALLBACK = {"SOUNDLAB_NO_NAMESPACES": "1"}


def test_fallback_mode_is_said_by_doctor(tmp_path):
    run = _grade("doctor", cwd=tmp_path, env=FALLBACK)
    assert "mode: fallback" in run.stdout
    assert "processes it detaches (setsid) may outlive it" in run.stdout


def test_fallback_mode_still_ends_what_stays_in_the_process_group(tmp_path):
    marker = f"soundlab-leftover-{uuid.uuid4().hex}"
    _submission(tmp_path, f"MARKER = {marker!r}\n" + textwrap.dedent(LEAVE_A_SLEEPER["a plain fork"]))
    run = _grade(EXERCISE_FILE, "--format", "json", cwd=tmp_path, env=FALLBACK)
    assert _report(run)["score"] == 10
    assert _no_process_left(marker)


def test_fallback_mode_still_limits_memory_for_the_whole_submission(tmp_path):
    _submission(tmp_path, SIX_CHILDREN_OF_200_MB)
    run = _grade(EXERCISE_FILE, "--format", "json", "--memory-limit", "256", cwd=tmp_path, env=FALLBACK)
    assert _report(run)["score"] < 10


# --------------------------------------------------------------------------- a system Python


@pytest.fixture(scope="module")
def system_python():
    """A venv of the system's Python sharing this one's packages: there, the uid drop works.

    It lives outside pytest's own temporary folder, which is private to root (0700).
    """
    system = Path("/usr/bin/python3.11")
    if os.geteuid() != 0 or not system.exists() or sys.version_info[:2] != (3, 11):
        pytest.skip("needs root and /usr/bin/python3.11 (the same version as this Python)")
    import shutil
    import site
    import sysconfig
    import tempfile

    home = Path(tempfile.mkdtemp(prefix="soundlab-system-python-", dir="/var/tmp"))
    home.chmod(0o755)
    venv = home / "venv"
    subprocess.run([str(system), "-m", "venv", "--without-pip", str(venv)], check=True)
    packages = [sysconfig.get_paths()["purelib"], *site.getsitepackages(), str(REPO)]
    site_dir = next((venv / "lib").glob("python3*/site-packages"))
    (site_dir / "shared.pth").write_text("\n".join(dict.fromkeys(packages)) + "\n")
    yield str(venv / "bin" / "python")
    shutil.rmtree(home, ignore_errors=True)


def test_with_a_system_python_each_submission_runs_under_a_uid_of_its_own(tmp_path, system_python):
    run = _grade("doctor", cwd=tmp_path, python=system_python)
    if "its own uid" not in run.stdout:
        pytest.skip(f"the packages are not readable by other users here: {run.stdout}")
    _submission(
        tmp_path,
        """
        import os
        if os.getuid() == 0 or os.geteuid() == 0:
            raise RuntimeError("still root")
    """,
    )
    graded = _grade(EXERCISE_FILE, "--format", "json", cwd=tmp_path, python=system_python)
    assert _report(graded)["score"] == 10, graded.stdout


def test_the_json_report_records_the_mode(tmp_path):
    _submission(tmp_path, "")
    assert _report(_grade(EXERCISE_FILE, "--format", "json", cwd=tmp_path))["sandbox"]["mode"] == "namespaces"
    fallback = _report(_grade(EXERCISE_FILE, "--format", "json", cwd=tmp_path, env=FALLBACK))
    assert fallback["sandbox"]["mode"] == "fallback"
    assert any("namespaces" in missing for missing in fallback["sandbox"]["missing"])


def test_a_classmate_s_files_are_hidden_from_a_submission(tmp_path):
    mine, theirs = tmp_path / "mine", tmp_path / "theirs"
    mine.mkdir()
    theirs.mkdir()
    _submission(theirs, "SECRET_MARKER = 1")
    _submission(
        mine,
        f"""
        import os
        for root, _dirs, files in os.walk({str(tmp_path)!r}):
            for name in files:
                try:
                    if "SECRET_MARKER" in open(os.path.join(root, name)).read():
                        raise RuntimeError("read a classmate's file")
                except OSError:
                    pass
    """,
    )
    report = _report(_grade("mine", "theirs", "--format", "json", cwd=tmp_path))
    assert report["submissions"][0]["score"] == 10, report["submissions"][0]


def test_sysctls_and_devices_of_the_host_are_out_of_reach(tmp_path):
    _submission(
        tmp_path,
        """
        import os
        reached = []
        for path in ("/proc/sys/kernel/core_pattern", "/proc/sysrq-trigger", "/dev/kmsg", "/dev/console",
                     "/dev/tty0", "/dev/vda", "/dev/loop0", "/sys/kernel/uevent_helper"):
            try:
                with open(path, "w") as file:
                    file.write("x")
                reached.append(path)
            except OSError:
                pass
        if reached or set(os.listdir("/dev")) - {"null", "zero", "full", "random", "urandom", "shm", "fd",
                                                   "stdin", "stdout", "stderr"}:
            raise RuntimeError(f"reached {reached}, /dev holds {sorted(os.listdir('/dev'))}")
        with open("/dev/null", "w") as null:
            null.write("fine")
    """,
    )
    run = _grade(EXERCISE_FILE, "--format", "json", cwd=tmp_path)
    assert _report(run)["score"] == 10, run.stdout
    assert Path("/proc/sys/kernel/core_pattern").read_text().strip() != "x"


def test_the_catalogue_of_known_wrong_solutions_is_hidden(tmp_path):
    catalogue = REPO / "grader" / "lesson" / "mistakes" / "split"
    _submission(
        tmp_path,
        f"""
        import os
        try:
            found = os.listdir({str(catalogue)!r})
        except OSError:
            found = []
        if found:
            raise RuntimeError(f"read the catalogue: {{found}}")
    """,
    )
    run = _grade(EXERCISE_FILE, "--format", "json", cwd=tmp_path)
    assert _report(run)["score"] == 10, run.stdout


def test_system_calls_for_mounts_and_namespaces_are_refused_but_processes_and_threads_work(tmp_path):
    _submission(
        tmp_path,
        """
        import subprocess, threading
        refused = [subprocess.run(command, capture_output=True).returncode != 0
                   for command in (["unshare", "-m", "true"], ["unshare", "-Ur", "true"],
                                   ["mount", "-t", "tmpfs", "none", "/tmp"])]
        if not all(refused):
            raise RuntimeError(f"refused: {refused}")
        if subprocess.run(["echo", "fine"], capture_output=True, text=True).stdout != "fine\\n":
            raise RuntimeError("a plain subprocess failed")
        thread = threading.Thread(target=lambda: None)
        thread.start()
        thread.join()
    """,
    )
    run = _grade(EXERCISE_FILE, "--format", "json", cwd=tmp_path)
    assert _report(run)["score"] == 10, run.stdout


def test_package_folders_named_on_sys_path_are_never_hidden(tmp_path, monkeypatch):
    # A .pth file naming another venv's site-packages (or a user site under the home folder):
    # torch imports from it lazily (numpy.random), so the student process must still see it.
    from grader.sandbox.confine import hidden_around, needed_paths

    borrowed = tmp_path / "other-venv" / "lib" / "python3.11" / "site-packages"
    borrowed.mkdir(parents=True)
    (tmp_path / "secret.txt").write_text("x")
    monkeypatch.syspath_prepend(str(borrowed))
    needed = needed_paths()
    assert str(borrowed.resolve()) in needed
    hidden = hidden_around(str(tmp_path), needed)
    assert str((tmp_path / "secret.txt").resolve()) in hidden
    assert not any(str(borrowed.resolve()).startswith(path) for path in hidden)
