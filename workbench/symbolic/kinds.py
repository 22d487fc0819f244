"""The kind of a critical point, decided with proof where it can be.

**Second-derivative test.**  At a critical point p with Hessian H: all
eigenvalues > 0 is a strict minimum, all < 0 a strict maximum, both signs a
saddle.  For a numeric point the signs are *proved* from an interval enclosure
𝐇 = [M − R, M + R] of the Hessian over the point's enclosure: every symmetric
A in it has ‖A − M‖₂ ≤ ‖R‖_F, so by Weyl's inequality each eigenvalue of A lies
within ‖R‖_F (plus the rounding of the eigensolver) of the matching eigenvalue
of M (:func:`kind_from_enclosure`).

**Higher-order test** (singular H, exact point; :func:`kind_exact`), with the
Taylor polynomial of f at p to degree 8:

* one variable: the first non-zero derivative f⁽ᵏ⁾(p); k odd is an inflection,
  k even a minimum or maximum by its sign;
* two variables, H = 0: the lowest non-zero homogeneous Taylor term Pₖ.  k odd,
  or Pₖ taking both signs, is no extremum (a degenerate saddle); Pₖ definite is a
  strict extremum (f − f(p) ≥ (min Pₖ − C|h|)|h|ᵏ on small circles);
* two variables, rank H = 1 with kernel v and μ = uᵀHu ≠ 0 across it: by the
  splitting lemma f(p + tv + su) is f(p) + ψ(t) + μŝ² in new coordinates, where
  s(t) solves ∂f/∂s = 0 and ψ(t) = f(p + tv + s(t)u) − f(p) = c tᵏ + …; k odd
  or c·μ < 0 is a degenerate saddle, c·μ > 0 an extremum of the sign of μ.
  (Along the line alone the test would be wrong: Peano's (y − x²)(y − 2x²) is
  positive along every line through 0, yet 0 is a saddle.)
* several variables with eigenvalues of both signs: a saddle whatever the rest.

Anything else is ``degenerate (undecided)``.

>>> import sympy as sp
>>> x, y = sp.symbols("x y", real=True)
>>> origin = {x: 0, y: 0}
>>> [kind_exact(f, [x, y], origin) for f in (x**4 + y**4, x**4 - y**4, x**3 + y**2)]
['degenerate minimum', 'degenerate saddle', 'degenerate saddle']
>>> kind_exact((y - x**2)*(y - 2*x**2), [x, y], origin)
'degenerate saddle'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import sympy as sp

UNDECIDED = "degenerate (undecided)"
#: Highest Taylor degree the higher-order test looks at.
ORDER = 8


def kind_from_signs(signs: Sequence[int]) -> str | None:
    """Minimum / maximum / saddle from eigenvalue signs (+1, −1; 0 = unknown)."""
    if all(s > 0 for s in signs):
        return "minimum"
    if all(s < 0 for s in signs):
        return "maximum"
    if any(s > 0 for s in signs) and any(s < 0 for s in signs):
        return "saddle"
    return None


def eigenvalue_enclosures(lo: np.ndarray, hi: np.ndarray) -> list[tuple[float, float]]:
    """Intervals holding the eigenvalues of every symmetric matrix in [lo, hi] (Weyl)."""
    M = (lo + hi) / 2
    M = (M + M.T) / 2
    R = np.maximum(hi - M, M - lo)
    n = len(M)
    if not (np.all(np.isfinite(M)) and np.all(np.isfinite(R))):
        return [(-np.inf, np.inf)] * n
    eig = np.linalg.eigvalsh(M)
    # the spread of the box, plus a generous bound on the eigensolver's own rounding
    r = float(np.linalg.norm(R, "fro")) + 64 * n * np.finfo(float).eps * float(
        np.linalg.norm(M, "fro")) + np.finfo(float).tiny
    return [(float(e) - r, float(e) + r) for e in eig]


def kind_from_enclosure(lo: np.ndarray, hi: np.ndarray) -> str | None:
    """The kind proved by a Hessian enclosure [lo, hi], or None if its signs are not decided."""
    signs = [1 if a > 0 else (-1 if b < 0 else 0) for a, b in eigenvalue_enclosures(lo, hi)]
    return kind_from_signs(signs) if all(signs) else _mixed(signs)


def _mixed(signs: Sequence[int]) -> str | None:
    """Proved eigenvalues of both signs make a saddle even with undecided ones."""
    return "saddle" if 1 in signs and -1 in signs else None


def _is_zero(e: sp.Expr) -> bool:
    e = sp.nsimplify(e) if e.is_Float else e
    if e.is_zero is not None:
        return bool(e.is_zero)
    return sp.simplify(e) == 0


def _sign(e: sp.Expr) -> int:
    """The sign of a non-zero exact number (decided in 50 digits)."""
    return 1 if sp.N(e, 50) > 0 else -1


def kind_exact(f: sp.Expr, xs: Sequence[sp.Symbol], point: Mapping[sp.Symbol, sp.Expr]) -> str:
    """The kind of the critical point ``point`` (exact coordinates), by the tests above."""
    p = [sp.sympify(point[x]) for x in xs]
    n = len(xs)
    H = sp.Matrix(n, n, lambda i, j: sp.diff(f, xs[i], xs[j]).subs(dict(zip(xs, p,
                                                                            strict=True))))
    H = H.applyfunc(sp.nsimplify if any(e.is_Float for e in H) else (lambda e: e))
    if not _is_zero(H.det()):
        eig = np.linalg.eigvalsh(np.array(H.evalf(30).tolist(), dtype=float))
        return kind_from_signs([1 if e > 0 else -1 for e in eig]) or UNDECIDED
    if n == 1:
        return _one_variable(f, xs[0], p[0])
    if n == 2:
        return _two_variables(f, xs, p, H)
    eig = np.linalg.eigvalsh(np.array(H.evalf(30).tolist(), dtype=float))
    scale = max(1.0, float(np.max(np.abs(eig))))
    signs = [1 if e > 1e-12 * scale else (-1 if e < -1e-12 * scale else 0) for e in eig]
    return _mixed(signs) or UNDECIDED


def _one_variable(f, x, p) -> str:
    d = f
    for k in range(1, ORDER + 1):
        d = sp.diff(d, x)
        if k >= 3:
            v = d.subs(x, p)
            if not _is_zero(v):
                if k % 2:
                    return "inflection"
                return "degenerate minimum" if _sign(v) > 0 else "degenerate maximum"
    return UNDECIDED


def _taylor(f, xs, p, t, s, v, u) -> sp.Poly:
    """Taylor polynomial (degree ≤ ORDER) of f(p + t·v + s·u) in t, s, exact."""
    e = sp.Symbol("e")
    line = f.subs({x: pi + e * (t * vi + s * ui) for x, pi, vi, ui in zip(xs, p, v, u,
                                                                          strict=True)},
                  simultaneous=True)
    ser = sp.series(line, e, 0, ORDER + 1).removeO()
    return sp.Poly(sp.expand(ser.subs(e, 1)), t, s)


def _truncate(poly: sp.Poly, degree: int) -> sp.Poly:
    return sp.Poly.from_dict({m: c for m, c in poly.as_dict().items() if sum(m) <= degree},
                             *poly.gens)


def _two_variables(f, xs, p, H) -> str:
    t, s = sp.symbols("t s", real=True)
    if all(_is_zero(h) for h in H):
        P = _taylor(f, xs, p, t, s, [1, 0], [0, 1])
        return _homogeneous(P, t, s)
    row = [H[0, 0], H[0, 1]] if not (_is_zero(H[0, 0]) and _is_zero(H[0, 1])) else [H[1, 0],
                                                                                     H[1, 1]]
    u, v = row, [-row[1], row[0]]  # u spans the range of H, v its kernel
    Q = _taylor(f, xs, p, t, s, v, u)
    mu = Q.as_expr().diff(s, 2).subs({t: 0, s: 0})
    Qs = Q.diff(s)
    st = sp.Poly(0, t, s)
    for _ in range(ORDER):  # s(t) with ∂Q/∂s(t, s(t)) = 0, one degree more per step
        step = Qs.as_expr().subs(s, st.as_expr())
        st = _truncate(sp.Poly(sp.expand(st.as_expr() - step / mu), t, s), ORDER)
    psi = _truncate(sp.Poly(sp.expand(Q.as_expr().subs(s, st.as_expr())), t, s), ORDER)
    terms = sorted((m[0], c) for m, c in psi.as_dict().items() if not _is_zero(c))
    terms = [(k, c) for k, c in terms if k >= 1]
    if not terms:
        return UNDECIDED
    k, c = terms[0]
    if k % 2 or _sign(c) != _sign(mu):
        return "degenerate saddle"
    return "degenerate minimum" if _sign(mu) > 0 else "degenerate maximum"


def _homogeneous(P: sp.Poly, t, s) -> str:
    """Kind from the lowest non-zero homogeneous part of a Taylor polynomial (H = 0)."""
    by_degree: dict[int, sp.Expr] = {}
    for (i, j), c in P.as_dict().items():
        if i + j >= 3 and not _is_zero(c):
            by_degree[i + j] = by_degree.get(i + j, 0) + c * t**i * s**j
    if not by_degree:
        return UNDECIDED
    k = min(by_degree)
    Pk = sp.expand(by_degree[k])
    if k % 2:
        return "degenerate saddle"
    q = sp.Poly(Pk.subs({t: 1}), s)  # P_k(1, s); the direction (0, 1) is the leading term
    odd_root = any(m % 2 for fac, m in sp.sqf_list(q)[1] if sp.Poly(fac, s).count_roots() > 0)
    if odd_root:
        return "degenerate saddle"
    if q.degree() == k and q.count_roots() == 0:
        return "degenerate minimum" if _sign(q.LC()) > 0 else "degenerate maximum"
    return UNDECIDED
