"""Where a class's units of work run: in this process, a process pool, or a Dask cluster.

Grading a class is a map: the same pure function over independent units (one
per distinct (exercise, answers) pair; one per student for the feedback PDFs).
:func:`map_units` runs that map where ``executor`` says and returns the results
in the order of the units, so a report never depends on where it was computed:

==============================  ============================================================
``executor``                    where the units run
==============================  ============================================================
``None`` or ``"processes"``     here when ``jobs`` is 1, else a pool of ``jobs`` processes
``"dask"``                      a local Dask cluster of ``jobs`` single-threaded workers
``"tcp://host:port"``           an existing Dask scheduler (``tls://``, ``ws://`` too)
a ``distributed.Client``        that client (a test's in-process cluster)
==============================  ============================================================

Dask is an optional extra (``pip install workbench[grading-dask]``); naming it
without it installed is an :class:`~workbench.core.errors.InputError`.  The
function and the units travel to the workers pickled, so the function must be
importable there (a module-level function of an installed workbench).

>>> map_units(abs, [-2, 3, -5])
[2, 3, 5]
>>> describe(None, 1), describe("tcp://10.0.0.2:8786", 4)
('this process', 'the Dask scheduler at tcp://10.0.0.2:8786')
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any, TypeVar

from ..core.errors import InputError
from ..core.processes import die_with_parent

T = TypeVar("T")
R = TypeVar("R")

#: Seconds to wait for a named Dask scheduler to answer before the run is refused.
CONNECT_SECONDS = 30

#: Address schemes of a Dask scheduler.
SCHEMES = ("tcp://", "tls://", "ws://", "wss://", "inproc://")


def check_executor(executor: Any) -> None:
    """Refuse an executor name that is neither ``processes``, ``dask`` nor an address."""
    if executor is None or not isinstance(executor, str):
        return
    if executor in ("processes", "dask") or executor.startswith(SCHEMES):
        return
    raise InputError(f"--executor {executor}: expected 'processes', 'dask' (a local Dask "
                     "cluster) or a Dask scheduler's address such as tcp://host:8786")


def describe(executor: Any, jobs: int) -> str:
    """Where the units run, in words."""
    if executor is None or executor == "processes":
        return "this process" if jobs <= 1 else f"{jobs} worker processes"
    if executor == "dask":
        return f"a local Dask cluster of {jobs} worker(s)"
    if isinstance(executor, str):
        return f"the Dask scheduler at {executor}"
    return "a Dask client"


def _distributed():
    try:
        import distributed
    except ImportError:
        raise InputError("--executor names a Dask cluster, but Dask is not installed; "
                         "install the grading-dask extra: pip install 'workbench[grading-dask]'"
                         ) from None
    return distributed


def _on_dask(fn: Callable[[T], R], units: list[T], client) -> list[R]:
    # pure=False: two equal units are still two tasks (the caller already merged duplicates)
    futures = client.map(fn, units, pure=False)
    return client.gather(futures)


def map_units(fn: Callable[[T], R], units: Sequence[T], jobs: int = 1,
              executor: Any = None) -> list[R]:
    """``[fn(u) for u in units]``, computed where ``executor`` says (module docstring)."""
    check_executor(executor)
    units = list(units)
    if executor is None or executor == "processes":
        if jobs <= 1 or len(units) <= 1:
            return [fn(u) for u in units]
        # spawn, not fork: JAX's threads (loaded by the checks) do not survive a fork
        with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn"),
                                 initializer=die_with_parent, initargs=(os.getpid(),)) as pool:
            return list(pool.map(fn, units, chunksize=max(1, len(units) // (4 * jobs))))
    if not isinstance(executor, str):
        return _on_dask(fn, units, executor)
    distributed = _distributed()
    if executor == "dask":
        with distributed.LocalCluster(n_workers=max(1, jobs), threads_per_worker=1,
                                      dashboard_address=None) as cluster, \
                distributed.Client(cluster) as client:
            return _on_dask(fn, units, client)
    try:
        client = distributed.Client(executor, timeout=CONNECT_SECONDS)
    except OSError as exc:
        raise InputError(f"--executor {executor}: cannot reach the Dask scheduler: {exc}"
                         ) from None
    with client:
        return _on_dask(fn, units, client)
