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

import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import mpmath
import sympy as sp

from ..core import budget
from ..core.errors import InputError, ShapeError
from ..core.printing import to_latex, to_text

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
    variable: str = "x"
    point: object = None

    def __str__(self) -> str:
        to = "" if self.point is None else f" as {self.variable} → {to_text(self.point)}"
        if self.exists:
            return f"limit{to}: {to_text(self.value)}"
        sides = ", ".join(f"{w}: {'undecided' if v is None else to_text(v)}"
                          for w, v in (("left", self.left), ("right", self.right)))
        return f"no limit{to} ({self.note}; {sides})"

    def _repr_latex_(self) -> str:
        if self.point is None:
            return f"${to_latex(self.value)}$" if self.exists else f"\\text{{{self.note}}}"
        lim = f"\\lim_{{{self.variable} \\to {to_latex(self.point)}}} f"
        if self.exists:
            return f"${lim} = {to_latex(self.value)}$"
        return f"${lim}$ does not exist: {self.note}"


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
        return Limit(value, value, value if ok else None, ok, note, x.name, p)
    left, right = side("-"), side("+")
    if left is None or right is None:
        return Limit(left, right, None, False, "time budget ran out before a side was decided",
                     x.name, p)
    if isinstance(left, sp.AccumBounds) or isinstance(right, sp.AccumBounds):
        return Limit(left, right, None, False, "the function oscillates: the limit does not exist",
                     x.name, p)
    if sp.simplify(left - right) == 0 if left.is_finite and right.is_finite else left == right:
        return Limit(left, right, left, True, "", x.name, p)
    return Limit(left, right, None, False, "one-sided limits differ: the limit does not exist",
                 x.name, p)


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


def _number(value) -> float | None:
    """A JSON-safe float (NaN and infinities become None)."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


@dataclass
class CriticalPoints:
    """All real critical points found, and whether the list is known to be complete.

    ``to_dict()`` is the ``workbench critical --json`` object, ``str()`` its text;
    in a notebook the points render as an HTML table.
    """

    points: list[CriticalPoint] = field(default_factory=list)
    complete: bool = False
    method: str = ""
    note: str = ""
    variables: list[str] = field(default_factory=list)

    def __repr__(self) -> str:
        kinds = ", ".join(p.kind for p in self.points[:6]) + (", ..." if len(self.points) > 6
                                                             else "")
        return (f"<{len(self.points)} critical point(s) [{kinds}], "
                f"complete: {'yes' if self.complete else 'not guaranteed'}>")

    def to_dict(self) -> dict:
        points = [{
            "point": {k: to_text(v) for k, v in p.point.items()},
            "numeric": p.numeric,
            "value": _number(p.value),
            "value_exact": to_text(p.value),
            "kind": p.kind,
            "hessian_eigenvalues": p.eigenvalues,
            "exact": p.exact,
        } for p in self.points]
        return {"variables": self.variables, "points": points, "complete": self.complete,
                "method": self.method, "note": self.note}

    def __str__(self) -> str:
        lines = []
        for p in self.to_dict()["points"]:
            at = ", ".join(f"{k} = {v:.10g}" for k, v in p["numeric"].items())
            eig = ", ".join(f"{e:.6g}" for e in p["hessian_eigenvalues"])
            lines.append(f"({at}): {p['kind']}, f = {p['value']:.10g}, "
                         f"Hessian eigenvalues [{eig}]")
            if p["exact"]:
                lines.append("    exact: " + ", ".join(f"{k} = {v}"
                                                       for k, v in p["point"].items()))
        if not lines:
            lines.append("no real critical points")
        lines.append("complete: " + ("yes" if self.complete else "not guaranteed")
                     + f" ({self.note})")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{v}</th>" for v in self.variables)
        rows = "".join(
            "<tr>" + "".join(f"<td>${to_latex(p.point[v])}$</td>" for v in self.variables)
            + f"<td>{p.kind}</td><td>${to_latex(p.value)}$</td>"
            + f"<td>{', '.join(f'{e:.4g}' for e in p.eigenvalues)}</td></tr>"
            for p in self.points)
        complete = "complete" if self.complete else "not guaranteed complete"
        return (f"<table><caption>{len(self.points)} critical point(s), {complete} "
                f"({html.escape(self.note)})</caption><tr>{head}<th>kind</th><th>f</th>"
                f"<th>Hessian eigenvalues</th></tr>{rows}</table>")


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
    return CriticalPoints(points, found.complete, found.method, found.note,
                          [str(v) for v in xs])
