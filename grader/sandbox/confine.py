"""Confinement of one submission: namespaces, a private file-system view, limits, a uid of its own.

The warm parent forks one process per submission (the *keeper*), which enters new PID,
mount, network, IPC and UTS namespaces and a cgroup of its own, then forks the student
process: PID 1 of that namespace. When the student process ends, or the keeper is killed,
the kernel ends every process the submission started; nothing survives its grading. Before
any student code runs, the student process

- sees a file system without the packs' references and checks, without the run's
  submissions, and without the grader's working directory and home (apart from what Python,
  torch and the grader themselves are made of), all of it read-only, with a private scratch
  ``/tmp`` (also ``/var/tmp`` and ``/dev/shm``) and its own ``/proc``;
- has no network (a new network namespace has only a loopback that is down);
- runs under a uid of its own (``100000 +`` the keeper's pid), where Python's files are
  readable by every user; otherwise it stays uid 0 without any capability;
- shares a memory limit and a process-count limit with everything it starts (cgroups).

Where the kernel refuses namespaces (an unprivileged container), the strongest confinement
that works is used and :class:`Confinement` says what is in force. Only the kernel's own
mechanisms are used, through ``unshare(2)``, ``mount(2)`` and ``prctl(2)`` by ctypes (Python
3.11 has no ``os.unshare``).
"""

from __future__ import annotations

import ctypes
import errno
import os
import signal
import sys
from dataclasses import dataclass, field

from grader.sandbox.lifetime import die_with_parent

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000

MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_REMOUNT = 32
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18

PR_SET_NO_NEW_PRIVS = 38
PR_CAPBSET_DROP = 24
_LINUX_CAPABILITY_VERSION_3 = 0x20080522

UID_BASE = 100_000
PIDS_MAX = 64
SCRATCH = ("/tmp", "/var/tmp", "/dev/shm")
SCRATCH_SIZE = "64m"
CGROUP_NAME = "soundlab-grader"
CGROUP_ROOT = "/sys/fs/cgroup"


@dataclass
class Confinement:
    """What confines one submission, told by the process before any student code runs.

    ``mode`` is ``"namespaces"`` (the submission has PID, mount and network namespaces of its
    own) or ``"fallback"``; ``protections`` lists what is in force, ``missing`` what is not
    and why.
    """

    mode: str = "fallback"
    protections: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    key: int = 0  # the keeper's pid: names the submission's cgroups and uid

    def to_message(self) -> dict:
        return {"mode": self.mode, "protections": list(self.protections), "missing": list(self.missing)}


@dataclass(frozen=True)
class View:
    """The file-system view a submission gets: what to hide (files and folders), and what
    Python, torch and the grader need (kept, even under a private scratch folder)."""

    hide: tuple[str, ...] = ()
    keep: tuple[str, ...] = ()


_libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        number = ctypes.get_errno()
        raise OSError(number, f"{what}: {os.strerror(number)}")


def _unshare(flags: int) -> None:
    _check(_libc.unshare(flags), "unshare")


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    _check(
        _libc.mount(
            source.encode() if source else None,
            target.encode(),
            fstype.encode() if fstype else None,
            ctypes.c_ulong(flags),
            data.encode() if data else None,
        ),
        f"mount {target}",
    )


# --------------------------------------------------------------------------- what to hide


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def needed_paths() -> list[str]:
    """What Python, torch, torchaudio and the grader are made of: never hidden."""
    import sysconfig

    import torch
    import torchaudio

    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    paths |= {p for key, p in sysconfig.get_paths().items() if key in ("stdlib", "platstdlib", "purelib", "platlib")}
    paths |= {os.path.dirname(torch.__file__), os.path.dirname(torchaudio.__file__)}
    # Other package folders Python was told of (a user site, a .pth file naming another venv's
    # site-packages, a system one): torch's own imports (numpy.random, say) load from them later.
    paths |= {p for p in sys.path if os.path.basename(p.rstrip("/")) in ("site-packages", "dist-packages")}
    paths.add(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # grader/
    return sorted(os.path.realpath(p) for p in paths if p and os.path.exists(p))


def hidden_around(folder: str, needed: list[str]) -> list[str]:
    """Every entry of ``folder`` (recursively) that is neither needed nor on the way to it."""
    folder = os.path.realpath(folder)
    if any(_inside(folder, n) for n in needed):
        return []  # the folder itself is needed
    hidden = []
    try:
        entries = sorted(os.listdir(folder))
    except OSError:
        return []
    for entry in entries:
        path = os.path.join(folder, entry)
        if os.path.islink(path):
            continue  # a link resolves into what is hidden or needed anyway
        real = os.path.realpath(path)
        if any(_inside(real, n) for n in needed):
            continue
        if any(_inside(n, real) for n in needed):
            hidden += hidden_around(real, needed)  # on the way to something needed
        else:
            hidden.append(real)
    return hidden


def module_files(names: tuple[str, ...]) -> list[str]:
    """The files (or package folders) of these modules, found without running them."""
    import importlib.util

    files = []
    for name in names:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError, AttributeError):
            continue
        if spec is None or not spec.origin or not os.path.exists(spec.origin):
            continue
        locations = spec.submodule_search_locations
        files.append(os.path.realpath(locations[0] if locations else spec.origin))
    return files


def plan_view(hidden_modules: tuple[str, ...], hidden_paths: tuple[str, ...]) -> View:
    """What a submission must not see: the modules' files, the given paths, and the grader's
    working directory and home apart from what is needed to run."""
    needed = needed_paths()
    hide = set(module_files(hidden_modules))
    hide |= {os.path.realpath(p) for p in hidden_paths if os.path.exists(p)}
    framework = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # holds grader/
    for folder in {os.getcwd(), os.path.expanduser("~"), framework}:
        hide.update(hidden_around(folder, needed))
    # A hidden path inside another hidden folder is hidden with it.
    ordered = sorted(hide, key=len)
    kept: list[str] = []
    for path in ordered:
        if not any(_inside(path, k) for k in kept) and path != "/":
            kept.append(path)
    return View(tuple(kept), tuple(needed))


# --------------------------------------------------------------------------- the keeper


def _cgroup_dirs(key: int) -> list[tuple[str, str]]:
    """(controller, folder) of this submission's cgroups (v1 hierarchies, or v2 unified)."""
    unified = os.path.exists(os.path.join(CGROUP_ROOT, "cgroup.controllers"))
    if unified:
        return [("unified", os.path.join(CGROUP_ROOT, CGROUP_NAME, str(key)))]
    return [(c, os.path.join(CGROUP_ROOT, c, CGROUP_NAME, str(key))) for c in ("memory", "pids")]


def _write(path: str, text: str) -> None:
    with open(path, "w") as file:
        file.write(text)


def join_cgroup(key: int, memory_bytes: int, confinement: Confinement) -> None:
    """Put this process (and so everything it starts) in cgroups limiting memory and processes."""
    for controller, folder in _cgroup_dirs(key):
        try:
            os.makedirs(folder, exist_ok=True)
            if controller in ("memory", "unified") and memory_bytes > 0:
                _write(
                    os.path.join(folder, "memory.max" if controller == "unified" else "memory.limit_in_bytes"),
                    str(memory_bytes),
                )
            if controller in ("pids", "unified"):
                _write(os.path.join(folder, "pids.max"), str(PIDS_MAX))
            _write(os.path.join(folder, "cgroup.procs"), str(os.getpid()))
        except OSError as error:
            confinement.missing.append(f"{controller} cgroup ({error.strerror or error})")
            continue
        if controller in ("memory", "unified") and memory_bytes > 0:
            confinement.protections.append(f"memory limit for the whole submission ({memory_bytes // 2**20} MB)")
        if controller in ("pids", "unified"):
            confinement.protections.append(f"at most {PIDS_MAX} processes and threads")


def remove_stale_cgroups() -> None:
    """Remove the empty cgroups that finished submissions left (their last process was slow to go)."""
    for _controller, folder in _cgroup_dirs(0):
        parent = os.path.dirname(folder)
        try:
            entries = os.listdir(parent)
        except OSError:
            continue
        for entry in entries:
            if entry.isdigit():
                try:
                    os.rmdir(os.path.join(parent, entry))
                except OSError:
                    pass  # still in use


def remove_cgroup(key: int, grace: float = 1.0) -> None:
    """Remove a finished submission's cgroups (their processes may take a moment to go)."""
    import time

    deadline = time.monotonic() + grace
    for _controller, folder in _cgroup_dirs(key):
        while os.path.isdir(folder):
            try:
                os.rmdir(folder)
            except OSError as error:
                if error.errno != errno.EBUSY or time.monotonic() > deadline:
                    break
                time.sleep(0.01)


# Set (to anything) to grade in the fallback mode, as where the kernel refuses namespaces.
NO_NAMESPACES = "SOUNDLAB_NO_NAMESPACES"


def _enter_namespaces(confinement: Confinement) -> bool:
    """Unshare PID, mount, network, IPC and UTS namespaces (through a user namespace if need be)."""
    if os.environ.get(NO_NAMESPACES):
        confinement.missing.append(f"namespaces (turned off by {NO_NAMESPACES})")
        return False
    flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS
    try:
        _unshare(flags)
        return True
    except OSError as error:
        first = error
    uid, gid = os.geteuid(), os.getegid()
    try:
        _unshare(flags | CLONE_NEWUSER)
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/uid_map", f"0 {uid} 1")
        _write("/proc/self/gid_map", f"0 {gid} 1")
        confinement.protections.append("a user namespace of its own")
        return True
    except OSError as error:
        confinement.missing.append(f"namespaces (refused by the kernel: {first.strerror}; {error.strerror})")
        return False


def keep(memory_bytes: int) -> Confinement:
    """In the keeper (forked from the warm parent): confine, then fork the student process.

    Returns, in the student process, what is in force; the keeper itself waits for the
    student process and exits with its status (it never returns).
    """
    key = os.getpid()
    confinement = Confinement(key=key)
    join_cgroup(key, memory_bytes, confinement)
    in_namespaces = _enter_namespaces(confinement)
    pid = os.fork()
    if pid:  # the keeper: holds nothing of the submission's, only waits, and ends as it ended
        os.closerange(0, 65536)
        status = 0
        try:
            status = os.waitpid(pid, 0)[1]
        except ChildProcessError:
            pass
        if os.WIFSIGNALED(status):
            signal.signal(os.WTERMSIG(status), signal.SIG_DFL)
            os.kill(os.getpid(), os.WTERMSIG(status))
        os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 1)
    if in_namespaces:
        confinement.mode = "namespaces"
        confinement.protections += [
            "its own PID namespace: every process it starts ends with it",
            "no network (its own network namespace)",
        ]
        _init_of_the_namespace()
    else:
        confinement.missing += [
            "processes it detaches (setsid) may outlive it",
            "a file-system view of its own: it reads and writes what its user may",
            "no network: it may connect out",
        ]
    confinement.protections.append("runs in its own process group, killed with it")
    return confinement


def _init_of_the_namespace() -> None:
    """In PID 1 of the new namespace: fork the student process, then reap until it ends.

    PID 1 inherits every process the submission orphans; reaping them here leaves the
    student process's own children (``subprocess``, ``os.waitpid``) working as usual. When
    the student process ends, so does PID 1, and the kernel ends the whole namespace.
    """
    student = os.fork()
    if student == 0:
        die_with_parent()
        return
    os.closerange(0, 65536)
    status = 0
    while True:
        try:
            pid, reaped = os.waitpid(-1, 0)
        except ChildProcessError:
            break
        except InterruptedError:
            continue
        if pid == student:
            status = reaped
            break
    os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))


# --------------------------------------------------------------------------- the student process


def _read_only_everywhere() -> None:
    """Make every mount of this namespace read-only (mount_setattr, else one remount each)."""

    class MountAttr(ctypes.Structure):
        _fields_ = [
            ("attr_set", ctypes.c_uint64),
            ("attr_clr", ctypes.c_uint64),
            ("propagation", ctypes.c_uint64),
            ("userns_fd", ctypes.c_uint64),
        ]

    attr = MountAttr(1, 0, 0, 0)  # MOUNT_ATTR_RDONLY
    at_fdcwd, at_recursive, sys_mount_setattr = -100, 0x8000, 442
    if _libc.syscall(sys_mount_setattr, at_fdcwd, b"/", at_recursive, ctypes.byref(attr), ctypes.sizeof(attr)) == 0:
        return
    with open("/proc/self/mountinfo") as mountinfo:
        points = [line.split()[4] for line in mountinfo]
    for point in points:
        try:
            _mount(None, point, None, MS_REMOUNT | MS_BIND | MS_RDONLY)
        except OSError:
            pass  # a mount that cannot be remounted stays as it is


def private_view(view: View, confinement: Confinement) -> None:
    """In the student process, before any student code: the file system it may see."""
    try:
        _mount(None, "/", None, MS_REC | MS_PRIVATE)
    except OSError as error:
        confinement.missing.append(f"a private file-system view ({error.strerror})")
        return
    hidden = 0
    for path in view.hide:
        try:
            if os.path.isdir(path):
                _mount("tmpfs", path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV, "size=0,mode=0555")
            else:
                _mount("/dev/null", path, None, MS_BIND)
            hidden += 1
        except OSError:
            confinement.missing.append(f"could not hide {path}")
    _read_only_everywhere()
    _minimal_dev(confinement)
    for scratch in SCRATCH:
        if os.path.isdir(scratch):
            try:
                _private_scratch(scratch, view.keep)
            except OSError:
                confinement.missing.append(f"a private {scratch}")
    # Its own /proc, read-only and without /proc/sys and the like where the kernel allows
    # (subset=pid): a sysctl written from here (kernel.core_pattern) would run on the host.
    proc_flags = MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY
    try:
        try:
            _mount("proc", "/proc", "proc", proc_flags, "subset=pid")
        except OSError:
            _mount("proc", "/proc", "proc", proc_flags)
    except OSError as error:
        confinement.missing.append(f"its own /proc ({error.strerror})")
    os.chdir("/tmp")
    confinement.protections += [
        f"a read-only file system with {hidden} places hidden (references, checks, submissions, "
        "the grader's folder and home)",
        f"a private scratch {', '.join(SCRATCH)} ({SCRATCH_SIZE})",
    ]


def _private_scratch(scratch: str, needed: tuple[str, ...]) -> None:
    """An empty tmpfs on ``scratch``, with what is needed below it (a venv in /tmp, say)
    mounted back, read-only."""
    real = os.path.realpath(scratch)
    below = sorted(n for n in needed if _inside(n, real) and n != real)
    topmost = [n for i, n in enumerate(below) if not any(_inside(n, m) for m in below[:i])]
    handles = [(path, os.open(path, os.O_PATH | os.O_DIRECTORY)) for path in topmost if os.path.isdir(path)]
    try:
        _mount("tmpfs", scratch, "tmpfs", MS_NOSUID | MS_NODEV, f"size={SCRATCH_SIZE},mode=1777")
        for path, handle in handles:
            os.makedirs(path, exist_ok=True)
            _mount(f"/proc/self/fd/{handle}", path, None, MS_BIND | MS_REC)
            _mount(None, path, None, MS_REMOUNT | MS_BIND | MS_RDONLY)
    finally:
        for _path, handle in handles:
            os.close(handle)


DEVICES = ("null", "zero", "full", "random", "urandom")


def _minimal_dev(confinement: Confinement) -> None:
    """Cover /dev with a tmpfs holding only the harmless devices (a read-only mount does not
    stop writes to a device: /dev/kmsg or a disk would still take them)."""
    handles = {}
    for name in DEVICES:
        try:
            handles[name] = os.open(f"/dev/{name}", os.O_PATH)
        except OSError:
            pass
    try:
        _mount("tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "size=64k,mode=0755")
    except OSError as error:
        confinement.missing.append(f"a /dev of its own ({error.strerror})")
        return
    for name, handle in handles.items():
        path = f"/dev/{name}"
        try:
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o666))
            _mount(f"/proc/self/fd/{handle}", path, None, MS_BIND)
        except OSError:
            confinement.missing.append(f"/dev/{name}")
        finally:
            os.close(handle)
    os.mkdir("/dev/shm", 0o1777)
    for name, target in (
        ("fd", "/proc/self/fd"),
        ("stdin", "/proc/self/fd/0"),
        ("stdout", "/proc/self/fd/1"),
        ("stderr", "/proc/self/fd/2"),
    ):
        os.symlink(target, f"/dev/{name}")
    try:
        _mount(None, "/dev", None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NOEXEC, "size=64k,mode=0755")
    except OSError:
        confinement.missing.append("a read-only /dev")
    confinement.protections.append(f"a /dev with only {', '.join(DEVICES)}; its own read-only /proc")


def _drop_capabilities() -> None:
    for capability in range(64):
        if _libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            break

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]

    header = Header(_LINUX_CAPABILITY_VERSION_3, 0)
    data = (Data * 2)()
    _check(_libc.capset(ctypes.byref(header), ctypes.byref(data)), "capset")


def become_unprivileged(uid: int, python_is_shared: bool, confinement: Confinement) -> None:
    """A uid of its own where Python allows; otherwise uid 0 without any capability."""
    _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    if os.geteuid() != 0:
        confinement.missing.append("a uid of its own (the grader does not run as root)")
        return
    if python_is_shared:
        if confinement.mode != "namespaces":  # no pids cgroup may hold it: cap the uid's processes
            import resource

            resource.setrlimit(resource.RLIMIT_NPROC, (PIDS_MAX, PIDS_MAX))
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
        confinement.protections.append(f"its own uid ({uid}), no capabilities")
        return
    try:
        _drop_capabilities()
        confinement.protections.append("uid 0 without any capability")
    except OSError as error:
        confinement.missing.append(f"dropping capabilities ({error.strerror})")
    confinement.missing.append(
        "a uid of its own (Python's files are not readable by other users, e.g. a pyenv under /root)"
    )


# x86_64 system calls a submission never needs and that a sandbox must not leave it: mounts,
# namespaces, tracing, kernel keys, modules, BPF, perf, userfaultfd, other processes' memory.
_DENIED_X86_64 = {
    "mount": 165,
    "umount2": 166,
    "pivot_root": 155,
    "chroot": 161,
    "swapon": 167,
    "swapoff": 168,
    "reboot": 169,
    "init_module": 175,
    "delete_module": 176,
    "finit_module": 313,
    "kexec_load": 246,
    "kexec_file_load": 320,
    "ptrace": 101,
    "process_vm_readv": 310,
    "process_vm_writev": 311,
    "unshare": 272,
    "setns": 308,
    "add_key": 248,
    "request_key": 249,
    "keyctl": 250,
    "bpf": 321,
    "perf_event_open": 298,
    "userfaultfd": 323,
    "open_tree": 428,
    "move_mount": 429,
    "fsopen": 430,
    "fsconfig": 431,
    "fsmount": 432,
    "fspick": 433,
    "mount_setattr": 442,
}
_SYS_CLONE, _SYS_CLONE3 = 56, 435
_NAMESPACE_FLAGS = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | 0x02000000


def deny_system_calls(confinement: Confinement) -> None:
    """A seccomp filter: the calls above fail with EPERM, ``clone`` into new namespaces too
    (``clone3`` says ENOSYS, so the C library falls back to ``clone``, whose flags a filter
    can read). Needs ``no_new_privs``; on machines other than x86_64 it is left out."""
    import platform

    if platform.machine() != "x86_64":
        confinement.missing.append("a system-call filter (only built for x86_64)")
        return

    class Instruction(ctypes.Structure):
        _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte), ("k", ctypes.c_uint32)]

    class Program(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(Instruction))]

    load_word, jump_equal, jump_set, ret = 0x20, 0x15, 0x45, 0x06
    allow, kill, eperm, enosys = 0x7FFF0000, 0x80000000, 0x00050000 | errno.EPERM, 0x00050000 | errno.ENOSYS
    program = [
        (load_word, 0, 0, 4),  # arch
        (jump_equal, 1, 0, 0xC000003E),  # AUDIT_ARCH_X86_64
        (ret, 0, 0, kill),
        (load_word, 0, 0, 0),  # the call's number
        (jump_equal, 0, 1, _SYS_CLONE3),
        (ret, 0, 0, enosys),
        (jump_equal, 0, 3, _SYS_CLONE),
        (load_word, 0, 0, 16),  # clone's flags (low 32 bits of its first argument)
        (jump_set, 0, 1, _NAMESPACE_FLAGS),
        (ret, 0, 0, eperm),
        (load_word, 0, 0, 0),
    ]
    denied = sorted(_DENIED_X86_64.values())
    for index, number in enumerate(denied):
        remaining = len(denied) - index - 1
        program.append((jump_equal, remaining + 1, 0, number))  # to the EPERM at the end
    program += [(ret, 0, 0, allow), (ret, 0, 0, eperm)]
    # Each denied call jumps over the remaining tests and the ALLOW to the final EPERM.
    instructions = (Instruction * len(program))(*[Instruction(*i) for i in program])
    prog = Program(len(program), instructions)
    _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    pr_set_seccomp, seccomp_mode_filter = 22, 2
    if _libc.prctl(pr_set_seccomp, seccomp_mode_filter, ctypes.byref(prog), 0, 0) != 0:
        confinement.missing.append(f"a system-call filter ({os.strerror(ctypes.get_errno())})")
        return
    confinement.protections.append("a system-call filter: no mounts, namespaces, tracing, kernel keys or modules")


def close_descriptors(keep_fds: tuple[int, ...]) -> None:
    """Close every descriptor but ``keep_fds``, 1 and 2; stdin reads from /dev/null."""
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    kept = sorted({1, 2, *keep_fds})
    low = 3
    for fd in kept + [65536]:
        if fd >= low:
            os.closerange(low, fd)
            low = fd + 1
