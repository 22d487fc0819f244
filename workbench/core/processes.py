"""Child processes that end with their parent, and tools that cannot outlive a build.

Three guarantees, so that a killed or failed workbench leaves nothing running:

* :func:`die_with_parent` - a worker asks Linux to send it ``SIGKILL`` when its
  parent dies (``prctl(PR_SET_PDEATHSIG)``), so ``kill -9`` of a build ends its
  workers too;
* :func:`run_group` - an external tool (pdflatex, latexmk) runs in its own
  process group with a time limit; on timeout, error or interrupt the whole
  group (the tool and every child it started) is killed;
* :func:`alive` - whether a process id still names a running process, which is
  how a build recognises the temporary folders of a build that was killed.

>>> alive(os.getpid())
True
>>> run_group(["true"], ".", 10).returncode
0
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import warnings
from collections.abc import Sequence

from .errors import WorkbenchError

PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int | None = None) -> None:
    """End this process (SIGKILL) when its parent dies; Linux only, elsewhere a no-op.

    With ``parent`` given, a parent that died before the request took effect
    is noticed at once and this process exits.
    """
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if parent is not None and os.getppid() != parent:
        os._exit(1)


def alive(pid: int) -> bool:
    """Whether ``pid`` is a running process (a zombie or a foreign one counts as running)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive, not ours to judge
        return True
    return True


class ToolTimeout(WorkbenchError):
    """An external tool ran past its time limit and was ended with its children."""


def _new_group_dying_with_parent() -> None:  # runs in the child between fork and exec
    os.setsid()
    die_with_parent()


def _kill_group(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(Exception):
        proc.communicate(timeout=5)


def run_group(cmd: Sequence[str], cwd, seconds: float) -> subprocess.CompletedProcess:
    """Run ``cmd`` in its own process group; kill the group after ``seconds`` or on error.

    Raises :class:`ToolTimeout` naming the tool when the time runs out.
    """
    with warnings.catch_warnings():
        # JAX warns at every fork that its threads do not survive one; this child only
        # calls setsid and prctl before it execs the tool
        warnings.simplefilter("ignore", RuntimeWarning)
        proc = subprocess.Popen(list(cmd), cwd=cwd, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                errors="replace", preexec_fn=_new_group_dying_with_parent)
    try:
        out, _ = proc.communicate(timeout=seconds)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        raise ToolTimeout(f"{cmd[0]} did not finish within {seconds:g} s and was ended "
                          "with its child processes") from None
    except BaseException:
        _kill_group(proc)
        raise
    # the tool is done; anything it left running in its group goes with it
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    return subprocess.CompletedProcess(list(cmd), proc.returncode, out, "")
