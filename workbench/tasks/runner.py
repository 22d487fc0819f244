"""Run exercises: each task under a guard, so one failure is reported, not fatal.

:func:`run_all` spreads exercises over worker processes (started fresh with
``spawn``: JAX's threads do not survive ``fork``), which roughly halves the
time of a whole course on two cores.  Each worker asks to die with the process
that started it (:func:`workbench.core.processes.die_with_parent`), so a build
killed with ``kill -9`` leaves no worker running.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import replace
from multiprocessing import get_context

from ..core import limits
from ..core.errors import WorkbenchError
from ..core.processes import die_with_parent
from .cache import OutcomeCache
from .model import Outcome, Text
from .registry import TASKS, Context, Exercise, load_all


def _guarded(ex: Exercise, ctx: Context) -> Outcome:
    """The task's outcome; an error inside a task becomes a failed, located check.

    A task error is not bad input (the file was validated): it means the
    exercise could not be solved or checked, which is a verification failure.
    """
    try:
        return TASKS[ex.task].handler(ex, ctx)
    except WorkbenchError as exc:
        out = Outcome()
        out.add(Text(f"This exercise could not be completed: {exc}"))
        where = ex.where()  # most task errors already name their exercise and field
        out.check("task ran", False, str(exc) if str(exc).startswith(where) else f"{where}: {exc}")
        return out


def run(ex: Exercise, ctx: Context) -> Outcome:
    """The exercise's outcome: its checks, the source's claims judged, its answer key asserted.

    ``claimed`` (quoted from a source) is judged and reported; ``answer`` (the
    author's own key, the same keys) is asserted: each of its statements becomes
    a check, so a wrong answer fails the exercise.  With both, the task runs a
    second time, without figures, to judge the answer key.
    """
    load_all()
    if ex.answer is None:
        return _guarded(ex, ctx)
    if ex.claimed is None:
        out = _guarded(replace(ex, claimed=ex.answer), ctx)
        keyed, out.claims = out.claims, []
    else:
        out = _guarded(ex, ctx)
        keyed = _guarded(replace(ex, claimed=ex.answer), Context(figures=False)).claims
    for c in keyed:
        out.check(f"answer key: {c.statement}", c.holds, c.detail)
    if not keyed:
        out.check("answer key judged", False, f"{ex.where('answer')}: none of its keys applies "
                  "to what this exercise computes, so nothing was compared")
    return out


def timed(ex: Exercise, ctx: Context) -> tuple[Outcome, float]:
    """The exercise's outcome and the seconds it took (for progress reports)."""
    start = time.perf_counter()
    out = run(ex, ctx)
    return out, time.perf_counter() - start


def default_jobs() -> int:
    """Worker processes: one per available core."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def run_all(
    work: Sequence[tuple[Exercise, Context]],
    jobs: int | None = None,
    on_done: Callable[[Exercise, Outcome, float | None], None] | None = None,
    cache: OutcomeCache | None = None,
) -> list[Outcome]:
    """Outcomes of the ``(exercise, context)`` pairs in order, by up to ``jobs`` processes.

    ``on_done(exercise, outcome, seconds)`` is called as each exercise finishes
    (seconds None for one read from the cache).  With a ``cache``, kept outcomes are
    reused and only the others are computed; an outcome is kept only if all its
    checks passed, so a failure is always recomputed, never replayed.
    """
    jobs = default_jobs() if jobs is None else jobs
    limits.check("workers", jobs, "-j/--jobs")
    results: dict[int, Outcome] = {}
    for i, (ex, ctx) in enumerate(work):
        kept = cache.get(ex, ctx) if cache is not None else None
        if kept is not None:
            results[i] = kept
            if on_done:
                on_done(ex, kept, None)
    todo = [i for i in range(len(work)) if i not in results]
    for i, outcome, seconds in _compute(work, todo, jobs):
        results[i] = outcome
        if cache is not None and outcome.passed:
            cache.put(*work[i], outcome)
        if on_done:
            on_done(work[i][0], outcome, seconds)
    return [results[i] for i in range(len(work))]


def _compute(work, todo: list[int], jobs: int) -> Iterator[tuple[int, Outcome, float]]:
    """``(i, outcome, seconds)`` for each index in ``todo``, here or by a pool of ``jobs``."""
    if jobs <= 1 or len(todo) < 2:  # one exercise: starting a worker costs more than it saves
        for i in todo:
            yield i, *timed(*work[i])
        return
    with ProcessPoolExecutor(min(jobs, len(todo)), mp_context=get_context("spawn"),
                             initializer=die_with_parent, initargs=(os.getpid(),)) as pool:
        # longest-first would balance better, but file order keeps progress readable
        futures = {pool.submit(timed, *work[i]): i for i in todo}
        for future in as_completed(futures):
            yield futures[future], *future.result()
