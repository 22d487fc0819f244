"""Symbolic calculus: gradients, Hessians, Jacobians, Taylor polynomials, limits, critical points.

Everything here is exact SymPy.  Steps that can blow up (simplification,
solving, limits) run under a time budget (:mod:`workbench.budget`); when it runs
out the result says what could not be done instead of hanging.  None of these
results is an *answer* until :mod:`workbench.certify` has checked it.

The gradient of f: ℝⁿ → ℝ is the column of partials ∂f/∂xᵢ; the Hessian is
Hᵢⱼ = ∂²f/∂xᵢ∂xⱼ; the Jacobian of F: ℝⁿ → ℝᵐ is Jᵢⱼ = ∂Fᵢ/∂xⱼ (rows are
outputs, the layout of the seeds' notes).

>>> from workbench.core.parse import parse
>>> f = parse("x**2*y + y**3")
>>> gradient(f, ["x", "y"])
[2*x*y, x**2 + 3*y**2]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import mpmath
import sympy as sp

from ..core import budget
from ..core.errors import InputError, ShapeError

Vars = Sequence[str | sp.Symbol]


def symbols(variables: Vars) -> list[sp.Symbol]:
    """Real SymPy symbols for variable names (symbols pass through)."""
    return [v if isinstance(v, sp.Symbol) else sp.Symbol(v, real=True) for v in variables]


def _require_scalar(f) -> sp.Expr:
    """The engines take SymPy expressions only; text and other forms enter via core.coerce."""
    if isinstance(f, sp.MatrixBase) or not isinstance(f, sp.Expr):
        raise ShapeError(f"a scalar function is needed here, got {type(f).__name__}")
    return f


def gradient(f: sp.Expr, variables: Vars) -> list[sp.Expr]:
    """∇f = [∂f/∂x₁, …, ∂f/∂xₙ]."""
    f = _require_scalar(f)
    return [sp.diff(f, v) for v in symbols(variables)]


def hessian(f: sp.Expr, variables: Vars) -> sp.Matrix:
    """H = [∂²f/∂xᵢ∂xⱼ], built from the gradient so each entry is differentiated once.

    Symmetry (Schwarz) is used: the upper triangle is computed, the lower mirrored.
    """
    xs = symbols(variables)
    g = gradient(f, xs)
    n = len(xs)
    H = sp.zeros(n, n)
    for i in range(n):
        for j in range(i, n):
            H[i, j] = H[j, i] = sp.diff(g[i], xs[j])
    return H


def jacobian(fs: Sequence[sp.Expr], variables: Vars) -> sp.Matrix:
    """J = [∂Fᵢ/∂xⱼ] for a vector function F = (F₁, …, Fₘ)."""
    xs = symbols(variables)
    return sp.Matrix([[sp.diff(_require_scalar(fi), v) for v in xs] for fi in fs])


def directional_derivative(
    f: sp.Expr, variables: Vars, direction: Sequence, normalize: bool = True
) -> sp.Expr:
    """D_u f = ∇f · u, with u scaled to unit length unless ``normalize=False``."""
    u = sp.Matrix([sp.nsimplify(d) for d in direction])
    if len(u) != len(variables):
        raise ShapeError(f"direction has {len(u)} components, expected {len(variables)}")
    if normalize:
        norm = sp.sqrt(sum(c**2 for c in u))
        if norm == 0:
            raise InputError("direction is the zero vector")
        u = u / norm
    return sp.expand(sum(g * c for g, c in zip(gradient(f, variables), u, strict=True)))


def taylor(f: sp.Expr, variables: Vars, point: Mapping[str, sp.Expr], order: int) -> sp.Expr:
    """Taylor polynomial of total degree ``order`` about ``point``.

    Uses f(a + t(x − a)) = Σₖ tᵏ/k! · dᵏf, expanded in t and evaluated at t = 1.
    """
    f = _require_scalar(f)
    xs = symbols(variables)
    t = sp.Dummy("t")
    a = [sp.nsimplify(point[str(v)]) for v in xs]
    line = f.subs({v: ai + t * (v - ai) for v, ai in zip(xs, a, strict=True)}, simultaneous=True)
    poly = sp.series(line, t, 0, order + 1).removeO()
    return sp.expand(poly.subs(t, 1))


@dataclass(frozen=True)
class Limit:
    """A limit with its one-sided parts; ``value`` is None when it does not exist."""

    left: sp.Expr | None
    right: sp.Expr | None
    value: sp.Expr | None
    exists: bool
    note: str = ""


def limit(f: sp.Expr, variable: str | sp.Symbol, point, seconds: float = budget.DEFAULT_SECONDS):
    """Two-sided limit of ``f`` as ``variable → point``, reporting both sides.

    >>> from workbench.core.parse import parse
    >>> limit(parse("1/x"), "x", 0).exists
    False
    """
    f = _require_scalar(f)
    x = symbols([variable])[0]
    p = sp.oo if point in ("oo", "inf") else (-sp.oo if point in ("-oo", "-inf") else point)
    p = sp.nsimplify(p)

    def side(direction: str):
        return budget.within(seconds, lambda: sp.limit(f, x, p, dir=direction), None)

    if p in (sp.oo, -sp.oo):
        value = side("-" if p is sp.oo else "+")
        ok = value is not None and not isinstance(value, sp.AccumBounds) and value.is_extended_real
        note = "" if ok else "oscillates or could not be decided"
        return Limit(value, value, value if ok else None, ok, note)
    left, right = side("-"), side("+")
    if left is None or right is None:
        return Limit(left, right, None, False, "time budget ran out before a side was decided")
    if isinstance(left, sp.AccumBounds) or isinstance(right, sp.AccumBounds):
        return Limit(left, right, None, False, "the function oscillates: the limit does not exist")
    if sp.simplify(left - right) == 0 if left.is_finite and right.is_finite else left == right:
        return Limit(left, right, left, True)
    return Limit(left, right, None, False, "one-sided limits differ: the limit does not exist")


# --------------------------------------------------------------------- critical points

PRECISION_DIGITS = 50


@dataclass
class CriticalPoint:
    """A real solution of ∇f = 0 with its classification by Hessian eigenvalues."""

    point: dict[str, sp.Expr]
    numeric: dict[str, float]
    value: sp.Expr
    kind: str  # minimum | maximum | saddle | degenerate
    eigenvalues: list[float]
    exact: bool = True

    @property
    def value_float(self) -> float:
        return float(sp.N(self.value, 30))


@dataclass
class CriticalPoints:
    """All real critical points found, and whether the list is known to be complete."""

    points: list[CriticalPoint] = field(default_factory=list)
    complete: bool = False
    method: str = ""
    note: str = ""


def classify(eigenvalues: Sequence[float], tol: float = 1e-20) -> str:
    """Second-derivative test: all > 0 minimum, all < 0 maximum, mixed saddle, ≈ 0 degenerate."""
    if any(abs(e) <= tol for e in eigenvalues):
        return "degenerate"
    if all(e > 0 for e in eigenvalues):
        return "minimum"
    if all(e < 0 for e in eigenvalues):
        return "maximum"
    return "saddle"


def hessian_eigenvalues(H: sp.Matrix, digits: int = PRECISION_DIGITS) -> list[float]:
    """Eigenvalues of a symmetric constant matrix, computed in ``digits``-digit arithmetic.

    An exactly singular Hessian yields an exact 0 eigenvalue (checked by the
    exact determinant), so degenerate points are never misclassified by round-off.
    """
    with mpmath.workdps(digits):
        M = mpmath.matrix([[mpmath.mpf(sp.N(e, digits + 10)) for e in row] for row in H.tolist()])
        eig = sorted(mpmath.eigsy(M, eigvals_only=True))
        values = [float(e) for e in eig]
        det = H.det() if all(e.is_Rational for e in H) else None
        if det == 0:
            k = min(range(len(values)), key=lambda i: abs(values[i]))
            values[k] = 0.0
        scale = max([abs(v) for v in values] + [1.0])
        return [0.0 if abs(v) < scale * mpmath.mpf(10) ** (-digits + 10) else v for v in values]


def critical_points(
    f: sp.Expr, variables: Vars, seconds: float = budget.DEFAULT_SECONDS
) -> CriticalPoints:
    """All real solutions of ∇f = 0, classified by the eigenvalues of the Hessian.

    Polynomial gradients are solved exactly through a lexicographic Gröbner
    basis (complete when the system has finitely many solutions).  Other
    systems go to ``sympy.solve`` under a time budget, and the list is marked
    possibly incomplete.
    """
    from .roots import solve_gradient

    xs = symbols(variables)
    g = gradient(f, xs)
    H = hessian(f, xs)
    found = solve_gradient(g, xs, seconds)
    points = []
    for sol in found.solutions:
        Hp = H.subs(sol.values, simultaneous=True)
        eig = hessian_eigenvalues(Hp if sol.exact else Hp.evalf(PRECISION_DIGITS + 10))
        points.append(
            CriticalPoint(
                point={str(v): sol.values[v] for v in xs},
                numeric={str(v): float(sp.N(sol.values[v], 30)) for v in xs},
                value=budget.simplify(f.subs(sol.values, simultaneous=True), 2.0),
                kind=classify(eig),
                eigenvalues=eig,
                exact=sol.exact,
            )
        )
    points.sort(key=lambda p: tuple(p.numeric.values()))
    return CriticalPoints(points, found.complete, found.method, found.note)
