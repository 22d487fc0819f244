"""B3: certified matrix-calculus closed forms against JAX autodiff, n = 100 … 2000.

Three derivatives, each derived and certified by :func:`workbench.certification.matrix.solve`
once, then evaluated at a fixed random instance of size n:

* ``grad log det X``  - closed form X⁻ᵀ against ``jax.grad`` of log(det X) (the
  function as written) and of ``slogdet`` (the numerically careful spelling);
* ``grad 1/2||Ax-b||^2`` - closed form Aᵀ(Ax − b) against ``jax.grad``;
* ``hess 1/2||Ax-b||^2`` - closed form AᵀA against ``jax.hessian``.

Each closed form is evaluated two ways: by NumPy (the workbench's evaluator of
its expression trees) and by the same tree traced once under ``jax.jit``; the
reported closed-form time is the faster of the two, and both are in the row.
Autodiff functions are the user's text read with ``jax.numpy`` and compiled with
``jax.jit``.  Timings are medians of interleaved rounds after a warm-up
(:func:`benchmarks.runner.measure`), all measured in the same run; the NumPy
method is timed in its own rounds, next to the JAX methods, because the two
libraries' thread pools slow each other down when their calls alternate.
``ratio`` is autodiff time / closed-form time.  Targets (from the issue, at n = 1000): the
closed forms no slower than ``jax.grad`` (ratio ≥ 1) and at least 4× faster than
``jax.hessian`` (ratio ≥ 4).  ``agrees`` compares the values (max mixed
relative difference ≤ 1e-8).

>>> rows = run([20], repeats=1)
>>> sorted({r["case"] for r in rows}) == sorted(CASES)
True
"""

from __future__ import annotations

import numpy as np

from workbench.backends import jaxutil
from workbench.certification.base import mixed_error
from workbench.certification.matrix import solve
from workbench.certification.matrix_algebras import ArrayAlgebra, evaluate

from .runner import measure

TITLE = "matrix calculus: certified closed forms vs JAX autodiff"

#: case -> (expression, variable, shapes, which derivative, target ratio at n = 1000)
CASES = {
    "grad log det X": ("log(det(X))", "X", None, "gradient", 1.0),
    "grad 1/2||Ax-b||^2": ("norm(A @ x - b)**2 / 2", "x", None, "gradient", 1.0),
    "hess 1/2||Ax-b||^2": ("norm(A @ x - b)**2 / 2", "x", None, "hessian", 4.0),
}
TARGET_N = 1000
AGREE = 1e-8

NOTES = [
    "closed forms are derived and certified once (not timed); each timing is the median "
    "over interleaved rounds after a warm-up call that includes JIT compilation",
    "ratio = autodiff time / best closed-form time; targets at n = 1000: ratio >= 1 for "
    "gradients (vs jax.grad), ratio >= 4 for the Hessian (vs jax.hessian)",
]


def _instance(n: int, rng) -> dict[str, np.ndarray]:
    return {
        "X": np.eye(n) + rng.standard_normal((n, n)) / (2 * np.sqrt(n)),   # det X > 0, well posed
        "A": rng.standard_normal((n, n)) / np.sqrt(n),
        "b": rng.standard_normal((n, 1)),
        "x": rng.standard_normal((n, 1)),
    }


def _formulas() -> dict[str, tuple]:
    """Each case's certified closed form and its problem (derived once per run)."""
    out = {}
    for case, (text, wrt, shapes, what, _) in CASES.items():
        result = solve(text, wrt, shapes=shapes, hessian=what == "hessian")
        if not result.ok:
            raise RuntimeError(f"{case}: the closed form failed its certificate")
        out[case] = (result.answer(what), result.derivation.problem)
    return out


def _methods(case, formula, problem, values, n):
    jax, jnp = jaxutil.jax(), jaxutil.jnp()
    text, wrt, _, what, _ = CASES[case]
    names = sorted(problem.declarations.shapes)
    dims = {"n": n}
    jvals = {k: jnp.asarray(values[k]) for k in names}

    def closed_jax(*args):
        return evaluate(formula, ArrayAlgebra(jnp, dict(zip(names, args, strict=True)), dims))

    def f(v, *args):
        env = dict(zip(names, args, strict=True))
        env[wrt] = v
        return problem.interpret(ArrayAlgebra(jnp, env, dims))

    closed_jit = jax.jit(closed_jax)
    derivative = jax.grad(f) if what == "gradient" else jax.hessian(f)
    auto = jax.jit(derivative)
    args = [jvals[k] for k in names]
    methods = {
        "closed_numpy": lambda: evaluate(formula, ArrayAlgebra(np, values, dims)),
        "closed_jit": lambda: closed_jit(*args),
        "autodiff": lambda: auto(jvals[wrt], *args),
    }
    if case == "grad log det X":
        slog = jax.jit(jax.grad(lambda X: jnp.linalg.slogdet(X)[1]))
        methods["autodiff_slogdet"] = lambda: slog(jvals["X"])
    return methods


def run(sizes, repeats: int) -> list[dict]:
    """One row per (case, n): medians in seconds, the ratio, the target, and agreement."""
    formulas = _formulas()
    rows = []
    for n in sizes:
        values = _instance(int(n), np.random.default_rng(int(n)))
        for case, (formula, problem) in formulas.items():
            methods = _methods(case, formula, problem, values, int(n))
            # NumPy's BLAS threads and XLA's thread pool slow each other down when their
            # calls alternate, so each library's methods are interleaved among themselves
            t = measure({"closed_numpy": methods["closed_numpy"]}, repeats=repeats)
            t.update(measure({k: m for k, m in methods.items() if k != "closed_numpy"},
                             repeats=repeats))
            closed = min(t["closed_numpy"].median, t["closed_jit"].median)
            ref = np.asarray(methods["autodiff"]())
            got = np.asarray(methods["closed_numpy"]())
            target = CASES[case][4]
            ratio = t["autodiff"].median / closed
            row = {
                "case": case, "n": int(n),
                "closed_numpy_s": t["closed_numpy"].median,
                "closed_jit_s": t["closed_jit"].median,
                "autodiff_s": t["autodiff"].median,
                "ratio": ratio,
                "target": f">= {target:g}x" if n == TARGET_N else None,
                "met": (ratio >= target) if n == TARGET_N else None,
                "agrees": mixed_error(got, ref.reshape(got.shape)) <= AGREE,
            }
            if "autodiff_slogdet" in t:
                row["autodiff_slogdet_s"] = t["autodiff_slogdet"].median
                row["ratio_slogdet"] = t["autodiff_slogdet"].median / closed
            rows.append(row)
    return rows
