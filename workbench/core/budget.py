"""Time budgets for symbolic steps that can blow up.

``simplify``, ``solve`` and ``limit`` are usually instant and occasionally run
for hours.  :func:`within` runs such a step under a wall-clock budget and returns
a fallback when the budget runs out, so callers can keep the unsimplified (and
still certified) result instead of hanging.

The budget uses ``SIGALRM``, which Python delivers between bytecodes, so it
interrupts pure-Python SymPy code.  It is only available in the main thread of
a POSIX process; elsewhere the step runs without a limit.

>>> within(1.0, lambda: 2 + 2, fallback=None)
4
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from typing import TypeVar

from .errors import BudgetExceeded

T = TypeVar("T")

#: Default seconds for one symbolic step (simplify, solve, limit).
DEFAULT_SECONDS = 10.0


def _can_alarm() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextmanager
def budget(seconds: float):
    """Raise :class:`BudgetExceeded` inside the block once ``seconds`` have passed."""
    if not _can_alarm() or seconds <= 0:
        yield
        return

    def _expire(signum, frame):
        raise BudgetExceeded(f"symbolic step exceeded its {seconds:g} s budget")

    previous = signal.signal(signal.SIGALRM, _expire)
    remaining, _ = signal.getitimer(signal.ITIMER_REAL)
    if remaining and remaining < seconds:  # an outer budget is tighter: keep it
        signal.signal(signal.SIGALRM, previous)
        yield
        return
    start = time.monotonic()
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if remaining:  # give the enclosing budget back what is left of it
            signal.setitimer(signal.ITIMER_REAL, max(remaining - (time.monotonic() - start), 1e-3))


def within(seconds: float, step: Callable[[], T], fallback: T) -> T:
    """Run ``step()`` under a budget; return ``fallback`` if it runs out."""
    try:
        with budget(seconds):
            return step()
    except BudgetExceeded:
        return fallback


def simplify(expr, seconds: float = DEFAULT_SECONDS):
    """``sympy.simplify`` under a budget, falling back to the expression as given."""
    import sympy as sp

    return within(seconds, lambda: sp.simplify(expr), expr)
