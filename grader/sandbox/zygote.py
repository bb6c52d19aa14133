"""The warm parent: imports torch once, then forks one student process per request.

The zygote is forked from the grader before the grader loads any exercise, reference or
expected value, and before torch has run a single operation (so no thread pool or CUDA state
is inherited). Forking a child from it costs milliseconds instead of the seconds that a fresh
interpreter needs to import torch.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import weakref

from grader.sandbox.lifetime import die_with_parent, reap_child
from grader.sandbox.policy import SandboxPolicy

CONTROL_TIMEOUT = 30.0


class ZygoteGone(Exception):
    """The warm parent stopped answering (a submission may have killed it)."""


class SandboxConfigError(Exception):
    """The warm parent could not apply a sandbox policy; the message is one line."""


# The control sockets of the warm parents this process started (see Zygote.start).
_controls: weakref.WeakSet[socket.socket] = weakref.WeakSet()


class Zygote:
    """Handle, in the grader's process, on the warm parent."""

    def __init__(self, pid: int, control: socket.socket, process: subprocess.Popen | None = None) -> None:
        self.pid = pid
        self.control = control
        self.process = process
        self.restarts = 0
        self.policy = SandboxPolicy()

    @classmethod
    def start(cls) -> Zygote:
        """Import torch and torchaudio, then fork the warm parent."""
        import torch  # noqa: F401 - the expensive import that every student process shares
        import torchaudio  # noqa: F401

        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the zygote
            ours.close()
            # Another warm parent's control socket (a batch starts one per worker) is not ours
            # to hold: holding it would keep that warm parent from seeing its grader close it.
            for control in _controls:
                control.close()
            code = 0
            try:
                _serve(theirs)
            except BaseException:  # noqa: BLE001 - the zygote must never unwind into the grader's code
                code = 1
            os._exit(code)
        theirs.close()
        _controls.add(ours)
        return cls(pid, ours)

    @classmethod
    def start_fresh(cls) -> Zygote:
        """Start the warm parent as a new interpreter (slower; holds nothing of this process)."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        process = subprocess.Popen(
            [sys.executable, "-m", "grader.sandbox.zygote", str(theirs.fileno())],
            pass_fds=[theirs.fileno()],
            stdin=subprocess.DEVNULL,
        )
        theirs.close()
        return cls(process.pid, ours, process)

    def _request(self, message: dict, fds: list[int] | None = None) -> dict:
        data = json.dumps(message).encode()
        self.control.settimeout(CONTROL_TIMEOUT)  # a stopped (SIGSTOP) warm parent must not hang us
        try:
            if fds:
                socket.send_fds(self.control, [data], fds)
            else:
                self.control.send(data)
            reply = self.control.recv(4096)
        except OSError:
            reply = b""
        if not reply:
            raise ZygoteGone("the grader's warm parent process is gone")
        return json.loads(reply)

    def spawn(self, output_fd: int, memory_bytes: int) -> tuple[int, socket.socket]:
        """Fork a student process; returns its pid and the socket to talk to it.

        If the warm parent is gone, a fresh one is started first.
        """
        for attempt in range(2):
            ours, theirs = socket.socketpair()
            try:
                reply = self._request({"op": "spawn", "memory": memory_bytes}, [theirs.fileno(), output_fd])
                return reply["pid"], ours
            except ZygoteGone:
                ours.close()
                if attempt:
                    raise
                self._restart()
            finally:
                theirs.close()
        raise AssertionError("unreachable")

    def _restart(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.close()
        fresh = Zygote.start_fresh()
        self.pid, self.control, self.process = fresh.pid, fresh.control, fresh.process
        self.restarts += 1
        if self.policy != SandboxPolicy():
            self._request({"op": "configure", "policy": self.policy.to_message()})

    def configure(self, policy: SandboxPolicy) -> None:
        """Apply the packs' policy in the warm parent, for every student process forked after.

        Raises :class:`SandboxConfigError` when the warm parent cannot apply it (a module a
        pack gives students does not import).
        """
        merged = self.policy.merged(policy)
        if merged == self.policy:
            return
        reply = self._request({"op": "configure", "policy": policy.to_message()})
        if reply.get("error"):
            raise SandboxConfigError(str(reply["error"]))
        self.policy = merged

    def reap(self, pid: int, grace: float = 0.5) -> int | None:
        """Make sure a student process has ended (killing it after ``grace`` s); its wait status."""
        try:
            return self._request({"op": "reap", "pid": pid, "grace": grace}).get("status")
        except ZygoteGone:
            return None  # it ended with its parent

    def close(self) -> None:
        """Stop the warm parent (it also stops by itself when this process exits)."""
        _controls.discard(self.control)
        try:
            self.control.close()
            if self.process is not None:
                self.process.wait()
            else:
                os.waitpid(self.pid, 0)
        except (OSError, ChildProcessError):
            pass


def _serve(control: socket.socket) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent()
    # Loaded once and shared by every child; a child may run as "nobody" and must not need to
    # read the grader's files again.
    from grader.sandbox import confine, lazy_dynamo, student_side

    lazy_dynamo.install()
    while True:
        message, fds, _flags, _addr = socket.recv_fds(control, 1 << 20, 2)
        if not message:
            return
        request = json.loads(message)
        if request["op"] == "spawn":
            sock_fd, output_fd = fds
            pid = os.fork()
            if pid == 0:
                control.close()
                become_student(sock_fd, output_fd, request["memory"])
            os.close(sock_fd)
            os.close(output_fd)
            control.send(json.dumps({"pid": pid}).encode())
        elif request["op"] == "configure":
            try:
                student_side.configure(SandboxPolicy.from_message(request["policy"]))
                student_side.plan_confinement()
                answer: dict = {}
            except Exception as error:  # noqa: BLE001 - reported to the grader, which says so
                answer = {"error": f"{type(error).__name__}: {error}"[:500]}
            control.send(json.dumps(answer).encode())
        elif request["op"] == "reap":
            for fd in fds:
                os.close(fd)
            status = reap_child(request["pid"], float(request.get("grace", 0.5)))
            confine.remove_cgroup(request["pid"])
            control.send(json.dumps({"status": status}).encode())


def become_student(
    sock_fd: int,
    output_fd: int,
    memory_bytes: int,
    functions: dict | None = None,
    *,
    confined: bool = True,
) -> None:
    """Turn a freshly forked process into a student process; never returns.

    ``confined`` (a submission's process, forked from the warm parent): this process becomes
    the submission's keeper, and the student process runs confined (``sandbox.confine``).
    Otherwise (``check()`` in a notebook) it is the student process itself, the kernel's own.
    """
    code = 0
    try:
        os.setpgid(0, 0)  # its own process group, so that processes it starts are killed with it
        die_with_parent()
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        from grader.sandbox import confine, student_side

        confinement = confine.keep(memory_bytes) if confined else None
        if confinement is not None:
            die_with_parent()  # the keeper is the parent now
        sock = socket.socket(fileno=sock_fd)
        student_side.run(sock, output_fd, memory_bytes, functions, confinement=confinement)
    except BaseException:  # noqa: BLE001
        code = 70
    finally:
        os._exit(code)


if __name__ == "__main__":  # a fresh warm parent, started by Zygote.start_fresh
    import torch  # noqa: F401
    import torchaudio  # noqa: F401

    _serve(socket.socket(fileno=int(sys.argv[1])))
