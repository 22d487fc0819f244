"""B2: deriving and compiling the gradient and Hessian of the n-dimensional Rosenbrock function.

f(x) = Σᵢ 100(xᵢ₊₁ − xᵢ²)² + (1 − xᵢ)², n = 10, 50, 100, 200.  Measured, each
with SymPy's cache cleared first so no step reuses another's work:

* **derive** - :func:`workbench.symbolic.fastdiff.derivatives` (sparsity-aware, SymEngine
  when installed) for ∇f and H;
* **compile** - :func:`workbench.backends.compile.compile` of ∇f and of H with the
  default backend, ready to call (NumPy code; the fused kernel is built on the
  first large batch and timed separately, from an empty kernel cache);
* **peak MiB** - the largest Python heap (``tracemalloc``) during derive + compile,
  measured in a separate pass since tracing slows Python down;
* **SymPy path** - :func:`workbench.symbolic.calculus.gradient` + ``hessian``, and
  ``sympy.hessian`` itself (up to :data:`SYMPY_HESSIAN_MAX_N`, beyond which it
  takes minutes);
* **identical** - the fast results are the same SymPy expressions (``==``,
  structural) as the SymPy path's; a numeric spot check compares the compiled
  fused Hessian with the NumPy one at 1000 points.
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

from .problems import rosenbrock
from .runner import Section, Target, once

SYMPY_HESSIAN_MAX_N = 100
GOAL_N, GOAL_SECONDS, GOAL_SPEEDUP = 100, 1.0, 15.0

COLUMNS = [("n", "n"), ("engine", "engine"), ("derive_s", "derive s"),
           ("compile_s", "compile s"), ("total_s", "derive + compile s"),
           ("peak_mib", "peak MiB"), ("fused_build_s", "fused kernel build s"),
           ("calculus_s", "workbench SymPy path s"), ("sympy_hessian_s", "sympy.hessian s"),
           ("speedup", "× faster than sympy.hessian"), ("identical", "identical"),
           ("numeric_error", "fused vs NumPy")]


def _fresh(step):
    clear_cache()
    gc.collect()
    return once(step)


def _derive_and_compile(n: int):
    f, xs = rosenbrock(n)
    t_derive, (g, H) = _fresh(lambda: fastdiff.derivatives(f, xs))
    t_compile, (cg, ch) = once(lambda: (compile(g, xs), compile(H, xs)))
    return f, xs, g, H, cg, ch, t_derive, t_compile


def _peak_mib(n: int) -> float:
    f, xs = rosenbrock(n)
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


def measure_n(n: int, repeats: int, sympy_max_n: int = SYMPY_HESSIAN_MAX_N) -> dict:
    """One row of B2."""
    runs = [_derive_and_compile(n) for _ in range(max(1, repeats))]
    t_derive = float(np.median([r[6] for r in runs]))
    t_compile = float(np.median([r[7] for r in runs]))
    f, xs, g, H, cg, ch = runs[0][:6]
    t_calc, (g_ref, H_ref) = _fresh(lambda: (calculus.gradient(f, xs), calculus.hessian(f, xs)))
    identical = g == g_ref and H_ref == H
    t_sympy = None
    if n <= sympy_max_n:
        t_sympy, H_sympy = _fresh(lambda: sp.hessian(f, xs))
        identical = identical and H_sympy == H
    t_build = _fused_build(cg, ch)
    rng = np.random.default_rng(n)
    pts = [rng.uniform(-2, 2, 1000) for _ in xs]
    fused_h = ch.fn.build()(*pts)
    numpy_h = compile(H, xs, "numpy")(*pts)
    err = mixed_error(fused_h, numpy_h)
    total = t_derive + t_compile
    return {"n": n, "engine": fastdiff.engine_for(f, xs), "derive_s": t_derive,
            "compile_s": t_compile, "total_s": total, "peak_mib": _peak_mib(n),
            "fused_build_s": t_build, "calculus_s": t_calc, "sympy_hessian_s": t_sympy,
            "speedup": None if t_sympy is None else t_sympy / total,
            "identical": bool(identical), "numeric_error": err}


def run(sizes=(10, 50, 100, 200), repeats: int = 3, quick: bool = False, progress=None
        ) -> Section:
    """The B2 section."""
    say = progress or (lambda msg: None)
    section = Section("B2", "derivation scaling: gradient + Hessian of the n-dimensional "
                      "Rosenbrock function", columns=COLUMNS)
    for n in sizes:
        say(f"B2 n={n}")
        section.rows.append(measure_n(n, repeats))
    section.notes += [
        "derive and compile: medians over repeats, SymPy's cache cleared before each",
        f"sympy.hessian is run up to n = {SYMPY_HESSIAN_MAX_N}; beyond, identity is checked "
        "against the workbench's SymPy path (workbench.calculus)",
        "peak MiB counts the Python heap (tracemalloc): SymEngine's own C++ memory is not "
        "included",
        "numeric check: fused kernel vs NumPy code, max mixed relative difference at 1000 "
        "random points (both float64; the formulas are identical, differences are round-off)",
    ]
    section.checks_passed = all(r["identical"] and r["numeric_error"] < 1e-12
                                for r in section.rows)
    goal = [r for r in section.rows if r["n"] == GOAL_N]
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
    return section
