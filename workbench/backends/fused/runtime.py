"""Calling fused kernels: how many threads, and one call over arrays of points.

A kernel runs on the cores no other work is using right now (OpenMP;
:func:`threads`; ``$WORKBENCH_THREADS`` fixes the count), one thread below
:data:`PARALLEL_MIN_POINTS` points.  :class:`Kernel` broadcasts its inputs,
fills constant outputs with NumPy and hands the rest to the C loop.

>>> threads(10) >= 1
True
"""

from __future__ import annotations

import ctypes
import functools
import os
import time
from collections.abc import Sequence

import numpy as np
import sympy as sp

from ...core.errors import InputError
from . import cache, codegen

PARALLEL_MIN_POINTS = 32768  # below this one thread is faster than waking a team

# Idle OpenMP threads sleep at once instead of spinning: on a machine shared with
# other work a spinning thread takes the core its teammate needs.  Read by the
# OpenMP runtime when the first kernel loads; a value set by the user wins.
os.environ.setdefault("OMP_WAIT_POLICY", "passive")


@functools.cache
def cores() -> int:
    """The CPU cores this process may run on (its affinity mask, else the machine's count)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else \
        (os.cpu_count() or 1)


_BUSY = {"at": -1.0, "cores": 0}
BUSY_REFRESH_SECONDS = 0.05  # reading /proc costs ~50 µs: look again at most this often


def _busy_cores() -> int:
    """Cores other work is running on right now (runnable tasks but this one)."""
    now = time.monotonic()
    if now - _BUSY["at"] > BUSY_REFRESH_SECONDS:
        try:
            with open("/proc/loadavg") as fh:
                _BUSY["cores"] = max(0, int(fh.read().split()[3].split("/")[0]) - 1)
        except (OSError, IndexError, ValueError):
            _BUSY["cores"] = 0
        _BUSY["at"] = now
    return _BUSY["cores"]


def threads(points: int) -> int:
    """Threads for one call: ``$WORKBENCH_THREADS``, else the cores idle right now.

    A thread team is only as fast as its slowest member: a thread that has to
    share its core with another busy process stalls the whole call at the
    closing barrier.  So a call uses only the cores nobody else is running on
    (at least one), and one thread below :data:`PARALLEL_MIN_POINTS` points.
    """
    fixed = os.environ.get("WORKBENCH_THREADS")
    if fixed and fixed.isdigit() and int(fixed) > 0:
        return int(fixed)
    if points < PARALLEL_MIN_POINTS:
        return 1
    n = cores()
    return max(1, n - _busy_cores()) if n > 1 else 1


class Kernel:
    """Outputs ``exprs`` (flat) at many points: call with one array per variable.

    Returns an ``(len(exprs),) + broadcast_shape`` float64 array.  Constant
    outputs are filled by NumPy; the rest come from one fused C loop
    (``program``: see :func:`workbench.backends.fused.cache.build`).
    """

    def __init__(self, exprs: Sequence[sp.Expr], variables: Sequence[sp.Symbol],
                 program=codegen.program):
        self.variables = list(variables)
        self.exprs = [sp.sympify(e) for e in exprs]
        self.live = [k for k, e in enumerate(self.exprs) if e.free_symbols]
        self.constants = {k: real_constant(e) for k, e in enumerate(self.exprs)
                          if not e.free_symbols}
        self.built = cache.build([self.exprs[k] for k in self.live], self.variables,
                                 program) if self.live else None

    def __call__(self, *args) -> np.ndarray:
        arrays = [np.asarray(a) for a in args]
        if any(np.iscomplexobj(a) for a in arrays):
            raise InputError("the fused backend computes in float64; got a complex input")
        pshape = np.broadcast_shapes(*(a.shape for a in arrays)) if arrays else ()
        n = int(np.prod(pshape, dtype=np.int64))
        cols = [a.reshape(-1) if a.shape == pshape and a.dtype == np.float64
                and a.flags.c_contiguous else
                np.ascontiguousarray(np.broadcast_to(a.astype(np.float64, copy=False), pshape)
                                     ).reshape(-1) for a in arrays]
        out = np.empty((len(self.exprs), n))
        for k, value in self.constants.items():
            out[k].fill(value)
        if self.live and n:
            ins = (ctypes.c_void_p * len(cols))(*[c.ctypes.data for c in cols])
            outs = (ctypes.c_void_p * len(self.live))(*[out[k].ctypes.data for k in self.live])
            if self.built.lib.wb_kernel(n, ins, outs, threads(n)):
                raise MemoryError("the fused kernel could not allocate its scratch memory")
        return out.reshape((len(self.exprs),) + tuple(pshape))


def real_constant(value: sp.Expr) -> float:
    """A constant output as a double: NaN where it is no real number (zoo, complex)."""
    try:
        return float(value)
    except TypeError:  # zoo, or a complex constant: not a real number at any point
        return float("nan")


def kernel(exprs: Sequence[sp.Expr], variables: Sequence[sp.Symbol]) -> Kernel:
    """Build the fused kernel for ``exprs`` over ``variables`` (see :class:`Kernel`)."""
    return Kernel(exprs, variables)
