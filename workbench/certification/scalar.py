"""Certificates: every symbolic derivative checked against independent references.

A gradient or Hessian derived by SymPy is only an *answer* once it agrees with
three references that share none of its code path:

* **autodiff** - JAX's ``grad``/``hessian`` of the same function (float64);
* **finite differences** - Richardson-extrapolated central differences of the
  function's values (:mod:`workbench.finite_diff`);
* **high precision** - ``mpmath.diff`` of the function at 50 digits, the ground
  truth; the symbolic formula evaluated at 50 digits must match it to 1e-25,
  which no wrong formula does by accident.

Errors are *mixed* relative errors, ‖a − b‖∞ / max(‖b‖∞, 1) per point: relative
for large derivatives, absolute near zero (where a relative error means
nothing); both the measure and the tolerances, each with its reason, are in
:mod:`workbench.certification.base`.

At the user's own points the certificate also asks whether the derivative
exists: f must be defined there (else ``undefined``), and one-sided difference
quotients at 50 digits must agree (else ``nondifferentiable``: |x| or √x at 0).
Random points are drawn where f and the symbolic derivatives are finite.

>>> from workbench.core.parse import parse
>>> certify(parse("x**3*y"), ["x", "y"], n_random=5).verdict
'certified'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import mpmath
import numpy as np
import sympy as sp

from ..backends import jax_process
from ..backends.compile import compile
from ..core import limits
from ..core.errors import DomainError
from ..numerics import finite_diff
from ..symbolic.calculus import Vars, gradient, hessian, symbols
from .base import DIGITS, Certificate, Failure, mixed_error, tolerance

VERDICTS = ("certified", "mismatch", "nondifferentiable", "undefined")


def _fd_errors(sym, method, fc, cols, levels, tol) -> np.ndarray:
    """Mixed errors against finite differences, where finite differences can be trusted.

    The gap between two extrapolation levels estimates the finite difference's own
    error; where that estimate exceeds a tenth of the tolerance (a step that
    straddles a singularity, say) the point is not judged by this reference (NaN).
    """
    k = sym.ndim - 1
    fine = np.moveaxis(method(fc, cols, levels=levels), tuple(range(k)), tuple(range(-k, 0)))
    coarse = np.moveaxis(method(fc, cols, levels=levels - 1), tuple(range(k)),
                         tuple(range(-k, 0)))
    err = mixed_error(sym, fine, axis=0)
    err[mixed_error(coarse, fine, axis=0) > tol / 10] = np.nan
    return err


def _mp_function(f: sp.Expr, xs):
    fn = sp.lambdify(xs, f, modules="mpmath")

    def call(*v):
        try:
            y = fn(*v)
        except (ZeroDivisionError, ValueError, OverflowError):
            return mpmath.nan
        return y

    return call


def _finite(z) -> bool:
    return isinstance(z, mpmath.mpf) and mpmath.isfinite(z) or (
        isinstance(z, int | float) and np.isfinite(z))


def _mp_truth(fmp, point, n: int, with_hessian: bool):
    """Gradient (and Hessian) at ``point`` by mpmath.diff at DIGITS digits."""
    with mpmath.workdps(DIGITS):
        p = [mpmath.mpf(v) for v in point]
        g = [mpmath.diff(fmp, p, tuple(int(k == i) for k in range(n))) for i in range(n)]
        if not with_hessian:
            return g, None
        H = [[mpmath.diff(fmp, p, tuple((k == i) + (k == j) for k in range(n)))
              for j in range(n)] for i in range(n)]
        return g, H


def point_status(f: sp.Expr, variables: Vars, point: Sequence) -> str:
    """``ok``, ``undefined`` (f not real and finite) or ``nondifferentiable`` at ``point``.

    Non-differentiability is detected by one-sided difference quotients at 50
    digits with h = 1e-20: for smooth f they differ by about h·|f''|; at a kink
    or a vertical tangent they differ by O(1) or one side is undefined.
    """
    xs = symbols(variables)
    fmp = _mp_function(f, xs)
    with mpmath.workdps(DIGITS):
        p = [mpmath.mpf(sp.N(sp.nsimplify(v), DIGITS)) if not isinstance(v, float)
             else mpmath.mpf(v) for v in point]
        y0 = fmp(*p)
        if not _finite(y0):
            return "undefined"
        h = mpmath.mpf(10) ** -20
        for i in range(len(xs)):
            up = list(p)
            up[i] += h
            dn = list(p)
            dn[i] -= h
            yu, yd = fmp(*up), fmp(*dn)
            if not (_finite(yu) and _finite(yd)):
                return "nondifferentiable"
            right, left = (yu - y0) / h, (y0 - yd) / h
            if abs(right - left) > mpmath.mpf(10) ** -6 * max(1, abs(left), abs(right)):
                return "nondifferentiable"
    return "ok"


def _require_float64_range(points: np.ndarray, names, compiled) -> None:
    """The user's points must have float64-representable f and derivatives (no overflow)."""
    for row in points:
        for fn in compiled:
            if not np.all(np.isfinite(np.asarray(fn(*row), dtype=float))):
                where = ", ".join(f"{k}={v:g}" for k, v in zip(names, row, strict=True))
                raise DomainError(f"overflow: f or its derivatives at {where} are beyond float64 "
                                  "range (about 1.8e308); choose a point where they are finite")


def random_points(fs, xs, n_random, rng, box, centers):
    """Up to ``n_random`` points where every compiled function in ``fs`` is finite."""
    n = len(xs)
    found = []
    for _ in range(50):
        if len(found) >= n_random:
            break
        c = centers[rng.integers(len(centers))] if centers else np.zeros(n)
        cand = c + rng.uniform(-box, box, size=(4 * n_random, n))
        cols = list(cand.T)
        ok = np.ones(len(cand), dtype=bool)
        for fn in fs:
            out = np.asarray(fn(*cols), dtype=float).reshape(-1, len(cand)) if fn.shape else \
                np.asarray(fn(*cols), dtype=float)[None, :]
            ok &= np.all(np.isfinite(out), axis=0)
        found.extend(cand[ok][: n_random - len(found)])
    return np.array(found).reshape(-1, n)


def certify(
    f: sp.Expr,
    variables: Vars,
    points: Sequence[Mapping[str, object] | Sequence] = (),
    n_random: int = 100,
    with_hessian: bool = True,
    box: float = 2.0,
    seed: int = 0,
    grad: Sequence[sp.Expr] | None = None,
    hess: sp.Matrix | None = None,
) -> Certificate:
    """Check the symbolic gradient (and Hessian) of ``f`` at user and random points.

    ``grad``/``hess`` default to :func:`workbench.symbolic.calculus.gradient` / ``hessian``;
    pass your own to certify a result derived elsewhere.
    """
    limits.check("random_points", n_random, "n_random")
    xs = symbols(variables)
    names = [str(x) for x in xs]
    n = len(xs)
    g = list(grad) if grad is not None else gradient(f, xs)
    H = hess if hess is not None else (hessian(f, xs) if with_hessian else None)
    user = [[p[k] for k in names] if isinstance(p, Mapping) else list(p) for p in points]

    for p in user:
        status = point_status(f, xs, p)
        if status != "ok":
            where = ", ".join(f"{k}={sp.nsimplify(v)}" for k, v in zip(names, p, strict=True))
            reason = ("f is not defined (not real and finite) at " if status == "undefined"
                      else "one-sided derivatives differ or diverge at ")
            return Certificate(status, {k: float("nan") for k in
                                        ("autodiff", "finite_difference", "high_precision")},
                               0, note=reason + where)

    fc = compile(f, xs, "numpy")
    gc = compile(g, xs, "numpy")
    hc = compile(H, xs, "numpy") if H is not None else None
    user_pts = np.array([[float(sp.N(sp.nsimplify(v), 20)) for v in p] for p in user],
                        dtype=float).reshape(-1, n)
    _require_float64_range(user_pts, names, [c for c in (fc, gc, hc) if c is not None])
    rng = np.random.default_rng(seed)
    rand = random_points([c for c in (fc, gc, hc) if c is not None], xs, n_random, rng, box,
                          list(user_pts))
    P = np.vstack([user_pts, rand]) if len(rand) else user_pts
    if len(P) == 0:
        return Certificate("undefined", {}, 0, note="no point found where f and its derivatives "
                           "are finite; give a point inside the domain")
    cols = list(P.T)
    G_sym = np.moveaxis(np.asarray(gc(*cols)), 0, -1)          # (N, n)
    H_sym = np.moveaxis(np.asarray(hc(*cols)), (0, 1), (-2, -1)) if hc else None

    # the autodiff reference leaves now (to the JAX worker, where a command started one)
    autodiff = jax_process.reference(f, xs, P, H_sym is not None)
    errors = {"finite_difference": _fd_errors(G_sym, finite_diff.gradient, fc, cols, 2,
                                              tolerance("finite_difference"))}
    hess_errors = {}
    if H_sym is not None:
        hess_errors = {"finite_difference": _fd_errors(H_sym, finite_diff.hessian, fc, cols, 1,
                                                        tolerance("finite_difference_hessian"))}

    fmp = _mp_function(f, xs)
    gmp = compile(g, xs, "mpmath", DIGITS)
    hmp = compile(H, xs, "mpmath", DIGITS) if H is not None else None
    hp, hp_h, formula = [], [], []
    for row in P:
        g_true, H_true = _mp_truth(fmp, row, n, H is not None)
        with mpmath.workdps(DIGITS):
            g_formula = list(gmp(*[mpmath.mpf(v) for v in row]))
            formula.append(mixed_error(g_formula, g_true))
            if hmp is not None:
                formula.append(mixed_error(hmp(*[mpmath.mpf(v) for v in row]), H_true))
        hp.append(np.array([float(v) for v in g_true]))
        if H_true is not None:
            hp_h.append(np.array([[float(v) for v in r] for r in H_true]))
    errors["high_precision"] = mixed_error(G_sym, np.array(hp), axis=0)
    if hp_h:
        hess_errors["high_precision"] = mixed_error(H_sym, np.array(hp_h), axis=0)
    G_ad, H_ad = autodiff.result()
    errors["autodiff"] = mixed_error(G_sym, G_ad, axis=0)
    if H_sym is not None:
        hess_errors["autodiff"] = mixed_error(H_sym, H_ad, axis=0)

    failures = []
    maxima = {}
    for ref in ("autodiff", "finite_difference", "high_precision"):
        tol = tolerance(ref)
        maxima[ref] = float(np.nanmax(errors[ref], initial=0.0))
        checks = [("gradient", errors[ref], tol)]
        if ref in hess_errors:
            htol = tolerance("finite_difference_hessian") if ref == "finite_difference" else tol
            maxima[ref] = max(maxima[ref], float(np.nanmax(hess_errors[ref], initial=0.0)))
            checks.append(("hessian", hess_errors[ref], htol))
        for what, err, t in checks:
            # NaN means "not judged" for finite differences, but "failed" for the others
            bad = err > t if ref == "finite_difference" else ~(err <= t)
            for i in np.flatnonzero(bad)[:5]:
                failures.append(Failure(dict(zip(names, map(float, P[i]), strict=True)), ref,
                                        what, float(err[i])))
    worst_formula = max(formula) if formula else 0
    if not worst_formula <= tolerance("formula"):
        i = int(np.argmax([float(e) for e in formula])) // (2 if hmp is not None else 1)
        failures.append(Failure(dict(zip(names, map(float, P[i]), strict=True)),
                                "high_precision", "formula", float(worst_formula)))
    verdict = "mismatch" if failures else "certified"
    note = (f"{len(user_pts)} user point(s) and {len(rand)} random point(s) in "
            f"[-{box:g}, {box:g}]^{n} around them; formula vs 50-digit truth "
            f"{float(worst_formula):.1e}")
    return Certificate(verdict, maxima, len(P), failures=failures, note=note)
