"""B2: deriving and compiling the gradient and Hessian of n-variable functions.

Two shapes of Hessian: the Rosenbrock function f(x) = Σᵢ 100(xᵢ₊₁ − xᵢ²)² +
(1 − xᵢ)², n = 10 … 1000, whose Hessian is tridiagonal (sparsity does the work),
and log-sum-exp f(x) = log Σᵢ exp(xᵢ), n = 25, 50, 100, whose Hessian is dense
(n² nonzero entries: 10⁴ at n = 100).  Measured, each with SymPy's cache
cleared first so no step reuses another's work:

* **derive** - :func:`workbench.symbolic.fastdiff.derivatives` (sparsity-aware, SymEngine
  when installed) for ∇f and H;
* **compile** - :func:`workbench.backends.compile.compile` of ∇f and of H with the
  default backend, ready to call (NumPy code, from 200 varying entries on
  printed straight from the SymEngine form of the entries, each shared subtree
  computed once: :mod:`workbench.backends.cse_numpy`; the fused kernel is built
  on the first large batch and timed separately, from an empty kernel cache);
* **peak MiB** - the largest Python heap (``tracemalloc``) during derive + compile,
  measured in a separate pass since tracing slows Python down;
* **SymPy path** - :func:`workbench.symbolic.calculus.gradient` + ``hessian`` (up
  to :data:`CALCULUS_MAX_N`), and ``sympy.hessian`` itself (up to
  :data:`SYMPY_HESSIAN_MAX_N`); beyond, they take minutes;
* **identical** - the fast results are the same SymPy expressions (``==``,
  structural) as the SymPy path's; beyond the SymPy path's sizes, as the sparse
  SymPy engine's (``fastdiff`` with ``engine="sympy"``, structurally identical to
  the SymPy path by construction and by the test suite); a numeric spot check
  compares the compiled fused Hessian with the NumPy one at up to 1000 points
  (:func:`check_points`: at most 10⁷ Hessian values, 80 MB, at each n).
"""

from __future__ import annotations

import gc
import os
import tempfile
import tracemalloc

import numpy as np
import sympy as sp
from sympy.core.cache import clear_cache

from workbench.backends.compile import compile
from workbench.certification.base import mixed_error
from workbench.symbolic import calculus, fastdiff

from .problems import log_sum_exp, rosenbrock
from .runner import Section, Target, once

#: the functions measured: name -> builder of (f, variables)
FUNCTIONS = {"Rosenbrock": rosenbrock, "log-sum-exp": log_sum_exp}
#: largest n at which sympy.hessian, and the workbench's SymPy path, are run
SYMPY_HESSIAN_MAX_N = {"Rosenbrock": 100, "log-sum-exp": 50}
CALCULUS_MAX_N = {"Rosenbrock": 500, "log-sum-exp": 100}
ROSENBROCK_SIZES, DENSE_SIZES = (10, 50, 100, 200, 500, 1000), (25, 50, 100)
QUICK_ROSENBROCK_SIZES, QUICK_DENSE_SIZES = (4,), (3,)
GOAL_N, GOAL_SECONDS, GOAL_SPEEDUP = 100, 1.0, 15.0
#: Hessian values computed by each side of the numeric check, at most
CHECK_VALUES = 10**7
#: the issue's goals at scale: (function, n, seconds for derive + compile)
SCALE_GOALS = [("Rosenbrock", 1000, 3.0), ("log-sum-exp", 100, 5.0)]

COLUMNS = [("function", "function"), ("n", "n"), ("engine", "engine"), ("derive_s", "derive s"),
           ("compile_s", "compile s"), ("total_s", "derive + compile s"),
           ("peak_mib", "peak MiB"), ("fused_build_s", "fused kernel build s"),
           ("calculus_s", "workbench SymPy path s"), ("sympy_hessian_s", "sympy.hessian s"),
           ("speedup", "× faster than sympy.hessian"), ("identical", "identical (==)"),
           ("equal", "exactly equal"),
           ("numeric_error", "fused vs NumPy")]


def _exp_expanded(e: sp.Expr) -> sp.Expr:
    """``e`` with exp(a + b) written exp(a)·exp(b): SymEngine merges such products, SymPy not."""
    return sp.expand(e, deep=True, power_exp=True, mul=False, multinomial=False,
                     power_base=False, log=False, basic=False)


def exactly_equal(a, b) -> bool:
    """Entry by entry, ``a`` and ``b`` are the same expressions up to exp(a + b) = exp(a)·exp(b)."""
    a, b = list(a), list(b)
    return len(a) == len(b) and all(x == y or _exp_expanded(x) == _exp_expanded(y)
                                    for x, y in zip(a, b, strict=True))


def _fresh(step):
    clear_cache()
    gc.collect()
    return once(step)


def _derive_and_compile(n: int, function: str = "Rosenbrock"):
    f, xs = FUNCTIONS[function](n)
    t_derive, (g, H) = _fresh(lambda: fastdiff.derivatives(f, xs))
    t_compile, (cg, ch) = once(lambda: (compile(g, xs), compile(H, xs)))
    return f, xs, g, H, cg, ch, t_derive, t_compile


def _peak_mib(n: int, function: str = "Rosenbrock") -> float:
    f, xs = FUNCTIONS[function](n)
    clear_cache()
    gc.collect()
    tracemalloc.start()
    try:
        g, H = fastdiff.derivatives(f, xs)
        compile(g, xs), compile(H, xs)
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def _fused_build(cg, ch) -> float:
    """Seconds to build both fused kernels from an empty cache."""
    old = os.environ.get("WORKBENCH_CACHE")
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["WORKBENCH_CACHE"] = tmp
        try:
            t, _ = once(lambda: (cg.fn.build(), ch.fn.build()))
        finally:
            if old is None:
                os.environ.pop("WORKBENCH_CACHE", None)
            else:
                os.environ["WORKBENCH_CACHE"] = old
    return t


def check_points(n: int) -> int:
    """Points of the numeric check: 1000, or fewer so that n² Hessian values each stay 80 MB."""
    return max(1, min(1000, CHECK_VALUES // n**2))


def measure_n(n: int, repeats: int, sympy_max_n: int | None = None,
              function: str = "Rosenbrock") -> dict:
    """One row of B2: ``function`` (a key of :data:`FUNCTIONS`) in ``n`` variables."""
    if sympy_max_n is None:
        sympy_max_n = SYMPY_HESSIAN_MAX_N[function]
    runs = [_derive_and_compile(n, function) for _ in range(max(1, repeats))]
    t_derive = float(np.median([r[6] for r in runs]))
    t_compile = float(np.median([r[7] for r in runs]))
    f, xs, g, H, cg, ch = runs[0][:6]
    t_calc = None
    if n <= max(CALCULUS_MAX_N[function], sympy_max_n):
        t_calc, (g_ref, H_ref) = _fresh(lambda: (calculus.gradient(f, xs),
                                                 calculus.hessian(f, xs)))
    else:  # the sparse SymPy engine: the SymPy path's own diff calls, minus the zeros
        g_ref, H_ref = fastdiff.derivatives(f, xs, engine="sympy")
    identical = g == g_ref and H_ref == H
    equal = exactly_equal(g, g_ref) and exactly_equal(H, H_ref)
    t_sympy = None
    if n <= sympy_max_n:
        t_sympy, H_sympy = _fresh(lambda: sp.hessian(f, xs))
        identical = identical and H_sympy == H
        equal = equal and exactly_equal(H, H_sympy)
    t_build = _fused_build(cg, ch)
    rng = np.random.default_rng(n)
    pts = [rng.uniform(-2, 2, check_points(n)) for _ in xs]
    fused_h = ch.fn.build()(*pts)
    numpy_h = compile(H, xs, "numpy")(*pts)
    err = mixed_error(fused_h, numpy_h)
    total = t_derive + t_compile
    return {"function": function, "n": n, "engine": fastdiff.engine_for(f, xs),
            "derive_s": t_derive, "compile_s": t_compile, "total_s": total,
            "peak_mib": _peak_mib(n, function),
            "fused_build_s": t_build, "calculus_s": t_calc, "sympy_hessian_s": t_sympy,
            "speedup": None if t_sympy is None else t_sympy / total,
            "identical": bool(identical), "equal": bool(equal), "numeric_error": err}


def run(sizes=ROSENBROCK_SIZES, repeats: int = 3, quick: bool = False, progress=None,
        dense_sizes=DENSE_SIZES) -> Section:
    """The B2 section: Rosenbrock at ``sizes``, log-sum-exp at ``dense_sizes``."""
    say = progress or (lambda msg: None)
    section = Section("B2", "derivation scaling: gradient + Hessian of the n-dimensional "
                      "Rosenbrock function (sparse) and of log-sum-exp (dense)", columns=COLUMNS)
    for function, ns in (("Rosenbrock", sizes), ("log-sum-exp", dense_sizes)):
        for n in ns:
            say(f"B2 {function} n={n}")
            section.rows.append(measure_n(n, repeats, function=function))
    limits = "; ".join(f"{k}: sympy.hessian up to n = {SYMPY_HESSIAN_MAX_N[k]}, the "
                       f"workbench's SymPy path up to n = {CALCULUS_MAX_N[k]}"
                       for k in FUNCTIONS)
    section.notes += [
        "derive and compile: medians over repeats, SymPy's cache cleared before each",
        f"identity is checked against sympy.hessian and the workbench's SymPy path "
        f"(workbench.calculus) where they finish ({limits}); beyond, against the sparse "
        "SymPy engine (fastdiff, engine='sympy')",
        "peak MiB counts the Python heap (tracemalloc): SymEngine's own C++ memory is not "
        "included",
        "numeric check: fused kernel vs NumPy code, max mixed relative difference at "
        "min(1000, 10⁷/n²) random points (both float64; the formulas are identical, "
        "differences are round-off)",
    ]
    section.notes.append(
        "identical: the same SymPy expressions (==); exactly equal: the same once exp(a + b) "
        "is written exp(a)·exp(b) (SymEngine merges products of exponentials, SymPy keeps "
        "them): log-sum-exp's off-diagonal entries differ only so")
    section.checks_passed = all(r["equal"] and r["numeric_error"] < 1e-12
                                for r in section.rows)
    goal = [r for r in section.rows if r["n"] == GOAL_N and r["function"] == "Rosenbrock"]
    if goal and not quick:
        r = goal[0]
        section.targets.append(Target(
            f"n = {GOAL_N}: derived and compiled in <= {GOAL_SECONDS:g} s",
            r["total_s"] <= GOAL_SECONDS, f"{r['total_s']:.2f} s"))
        if r["speedup"] is not None:
            section.targets.append(Target(
                f"n = {GOAL_N}: >= {GOAL_SPEEDUP:g}x faster than sympy.hessian",
                r["speedup"] >= GOAL_SPEEDUP, f"{r['speedup']:.1f}x"))
        section.targets.append(Target(f"n = {GOAL_N}: identical to the SymPy result",
                                      r["identical"], "== on every entry"))
    for function, n, seconds in SCALE_GOALS:
        row = [r for r in section.rows if r["function"] == function and r["n"] == n]
        if row and not quick:
            section.targets.append(Target(
                f"{function} n = {n}: derived and compiled in <= {seconds:g} s",
                row[0]["total_s"] <= seconds, f"{row[0]['total_s']:.2f} s"))
    return section
