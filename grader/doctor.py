"""``grade doctor``: which protections confine a submission on this host, and why others do not.

It starts one student process exactly as grading does and prints what that process reported
before running any code: the mode (``namespaces`` or ``fallback``), what is in force, and
what is missing with the reason.
"""

from __future__ import annotations

import os
import sys

from grader.sandbox.policy import SandboxPolicy
from grader.sandbox.student_process import StudentProcess
from grader.sandbox.zygote import Zygote


def examine(zygote: Zygote, policy: SandboxPolicy, memory_bytes: int) -> dict:
    """What confines a student process started by ``zygote`` under ``policy``."""
    zygote.configure(policy)
    with StudentProcess(zygote, timeout=30.0, memory_bytes=memory_bytes) as process:
        process.request({"op": "stop-nothing"})  # starts the process; the reply is an error
        return dict(process.confinement)


def host_facts() -> list[str]:
    """Facts about the grader's own process that decide what can be confined."""
    return [
        f"grader runs as uid {os.geteuid()}" + (" (root)" if os.geteuid() == 0 else ""),
        f"Python: {sys.executable}",
    ]
