"""Limits for symbolic steps that can blow up: counts choose, a clock only aborts.

``simplify``, ``solve`` and ``limit`` are usually instant and occasionally run
for hours.  Two rules keep every answer the same on any machine at any load:

1. **Which method runs is decided by counts, before it starts** - the number of
   operations in an expression (``sympy.count_ops``), a polynomial's degree, the
   number of terms - never by how long something took.  :func:`simplify` only
   simplifies expressions of at most :data:`SIMPLIFY_OPS` operations.
2. **A wall-clock limit only aborts, with an error.**  :func:`bounded` runs the
   step in a forked worker process and waits for its (pickled) result; after
   :data:`HARD_SECONDS` it ends the worker and raises :class:`BudgetExceeded`
   naming the step.  Nothing is ever substituted for a step that ran out of
   time, and no signal is raised inside a library's own code (an alarm could
   fire in a weakref callback, where the exception is lost and printed).

Where ``fork`` is unavailable the step runs in the process itself, without a
limit.  Inside a worker a nested :func:`bounded` runs directly: the outer limit
already covers it.

>>> bounded(lambda: 2 + 2, "addition")
4
>>> import sympy as sp
>>> x = sp.Symbol("x")
>>> simplify(sp.sin(x)**2 + sp.cos(x)**2)
1
"""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import signal
import time
import warnings
from collections.abc import Callable
from typing import TypeVar

from .errors import BudgetExceeded, WorkbenchError
from .processes import die_with_parent

T = TypeVar("T")

#: Seconds after which a symbolic step is abandoned with an error.  Generous on
#: purpose: it catches runaway steps, and a step near it on an idle machine
#: would fail under load - which is why no result may depend on it.
HARD_SECONDS = 120.0
#: Operations (``sympy.count_ops``) above which :func:`simplify` leaves an expression as is.
SIMPLIFY_OPS = 400

_in_worker = False


def _child(step: Callable[[], T], write_fd: int) -> None:
    global _in_worker
    _in_worker = True
    die_with_parent()
    try:
        try:
            payload = pickle.dumps((True, step()))
        except BaseException as exc:  # the parent re-raises it
            payload = pickle.dumps((False, _portable(exc)))
        with os.fdopen(write_fd, "wb") as pipe:
            pipe.write(payload)
    finally:
        os._exit(0)


def _portable(exc: BaseException) -> BaseException:
    """``exc`` if it survives pickling, else an error of the same standing with its text."""
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:
        kind = WorkbenchError if isinstance(exc, WorkbenchError) else RuntimeError
        return kind(str(exc) if kind is WorkbenchError else f"{type(exc).__name__}: {exc}")


def _fork() -> int:
    # JAX warns that fork is unsafe for its threads; the worker only runs SymPy
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return os.fork()


def _collect(pid: int, read_fd: int, seconds: float, what: str) -> bytes:
    deadline = time.monotonic() + seconds
    chunks = []
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BudgetExceeded(f"{what} did not finish within its time limit of "
                                     f"{seconds:g} s; nothing was answered in its place")
            ready, _, _ = select.select([read_fd], [], [], min(left, 1.0))
            if ready:
                chunk = os.read(read_fd, 1 << 20)
                if not chunk:
                    return b"".join(chunks)
                chunks.append(chunk)
    except BaseException:  # out of time, or interrupted: the worker goes first
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        raise
    finally:
        os.close(read_fd)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)


def bounded(step: Callable[[], T], what: str, seconds: float = HARD_SECONDS) -> T:
    """``step()``, computed in a worker process that is ended after ``seconds``.

    Returns the step's value or re-raises its exception; raises
    :class:`BudgetExceeded` (naming ``what``) when the time runs out.
    """
    if _in_worker or not hasattr(os, "fork"):
        return step()
    read_fd, write_fd = os.pipe()
    pid = _fork()
    if pid == 0:
        os.close(read_fd)
        _child(step, write_fd)
    os.close(write_fd)
    payload = _collect(pid, read_fd, seconds, what)
    if not payload:
        raise WorkbenchError(f"{what}: the worker process ended without an answer "
                             "(out of memory?)")
    ok, value = pickle.loads(payload)
    if not ok:
        raise value
    return value


def simplify(expr, max_ops: int = SIMPLIFY_OPS):
    """``sympy.simplify`` for expressions of at most ``max_ops`` operations, else ``expr``.

    The choice is made by counting, so it is the same on every machine; a
    simplification that runs away aborts with :class:`BudgetExceeded`.
    """
    import sympy as sp

    if sp.count_ops(expr) > max_ops:
        return expr
    return bounded(lambda: sp.simplify(expr), "simplify")


def vanishes(expr, max_ops: int = SIMPLIFY_OPS) -> bool:
    """Whether ``expr`` is provably 0: it expands to 0, or :func:`simplify` makes it 0.

    Expansion comes first: it is exact and cheap, and it settles polynomials and
    most derivative identities, where ``simplify`` would try a dozen strategies.
    Only the expansion's verdict "0" is taken; anything else goes to
    ``simplify``, so the answer is never weaker than :func:`simplify`'s.  Like
    it, expressions of more than ``max_ops`` operations are not tried (False).

    >>> import sympy as sp
    >>> x = sp.Symbol("x")
    >>> vanishes((x + 1)**2 - x**2 - 2*x - 1), vanishes(sp.sin(x)**2 + sp.cos(x)**2 - 1)
    (True, True)
    >>> vanishes(x - 1)
    False
    """
    import sympy as sp

    if expr == 0:
        return True
    if sp.count_ops(expr) > max_ops:
        return False
    return bounded(lambda: sp.expand(expr) == 0 or sp.simplify(expr) == 0, "simplify")
