"""JAX, configured once for the workbench: float64 on, imported lazily.

JAX is the reference autodiff.  References must be at least as precise as the
results they check, so 64-bit floats are switched on before first use.

Importing JAX and starting its CPU client take longer than importing SymPy and
deriving a small gradient; :func:`preload` starts both in a background thread,
so a command that will certify its result (``workbench matrix``) pays for them
while SymPy works.  The reference is the same JAX, configured the same way:
only the moment it loads changes.  The import holds Python's global lock most
of its time, so a thread overlaps it only in part; ``workbench derive`` imports
JAX in a worker process instead (:mod:`.jax_process`).

>>> preload(); jax().config.jax_enable_x64
True
"""

from __future__ import annotations

import contextlib
import threading
from functools import cache

_loader: threading.Thread | None = None
_lock = threading.Lock()


def _load():
    import jax as _jax

    _jax.config.update("jax_enable_x64", True)
    return _jax


def _load_and_start() -> None:
    # a failure here is reported by the first real use, in the main thread
    with contextlib.suppress(Exception):
        _load().devices()  # the CPU client: its start-up is C++ that runs beside SymPy


def preload() -> None:
    """Start importing JAX and its CPU backend in a background thread (once).

    The thread is not a daemon: the process ends only after the import has, so
    an early exit never tears down a half-initialized extension module.  NumPy
    is imported here first: JAX and SymPy both import it, and two threads
    importing NumPy's extension modules at once can meet a partially
    initialized one (an ImportError, about one start in a hundred).
    """
    global _loader
    import numpy  # noqa: F401 - before the thread: see above

    with _lock:
        if _loader is None:
            _loader = threading.Thread(target=_load_and_start, name="workbench-jax-preload")
            _loader.start()


@cache
def jax():
    """The ``jax`` module with ``jax_enable_x64`` set (waiting for :func:`preload` if started)."""
    loader = _loader
    if loader is not None and loader is not threading.current_thread():
        loader.join()
    return _load()


def jnp():
    """``jax.numpy`` with float64 enabled."""
    jax()
    import jax.numpy as _jnp

    return _jnp


def jit_reference(fn):
    """``jax.jit`` for reference computations that run once.

    XLA's backend optimizations cost more compile time than they save on a
    single call (measured: a third of the matrix-calculus certificates' time);
    they do not change what is computed, only how fast.
    """
    return jax().jit(fn, compiler_options={"xla_backend_optimization_level": 0})
