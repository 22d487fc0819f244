"""Symbolic calculus: gradients, Hessians, Jacobians, Taylor polynomials, limits, critical points.

Everything here is exact SymPy.  Steps that can blow up (simplification,
solving, limits) are chosen by counts and run under a hard time limit
(:mod:`workbench.core.budget`): a step that runs away aborts with an error
instead of hanging, and no result depends on the machine's load.  None of these
results is an *answer* until :mod:`workbench.certification.scalar` has checked it.

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

from ..core import budget, limits
from ..core.digits import DIGITS
from ..core.errors import InputError, ShapeError
from ..core.printing import to_latex, to_text

Vars = Sequence[str | sp.Symbol]


def symbols(variables: Vars) -> list[sp.Symbol]:
    """Real SymPy symbols for variable names (symbols pass through)."""
    return [v if isinstance(v, sp.Symbol) else sp.Symbol(v, real=True) for v in variables]


def require_scalar(f) -> sp.Expr:
    """``f`` itself when it is a scalar expression; ShapeError for a matrix or anything else.

    The engines take SymPy expressions only; text and other forms enter via core.coerce.
    """
    if isinstance(f, sp.MatrixBase) or not isinstance(f, sp.Expr):
        raise ShapeError(f"a scalar function is needed here, got {type(f).__name__}")
    return f


def gradient(f: sp.Expr, variables: Vars) -> list[sp.Expr]:
    """∇f = [∂f/∂x₁, …, ∂f/∂xₙ]."""
    f = require_scalar(f)
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
    limits.check("jacobian_outputs", len(fs), "Jacobian")
    xs = symbols(variables)
    return sp.Matrix([[sp.diff(require_scalar(fi), v) for v in xs] for fi in fs])


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
    f = require_scalar(f)
    limits.check("taylor_order", int(order), "Taylor order")
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


def limit(f: sp.Expr, variable: str | sp.Symbol, point):
    """Two-sided limit of ``f`` as ``variable → point``, reporting both sides.

    >>> from workbench.core.parse import parse
    >>> limit(parse("1/x"), "x", 0).exists
    False
    """
    f = require_scalar(f)
    x = symbols([variable])[0]
    p = sp.oo if point in ("oo", "inf") else (-sp.oo if point in ("-oo", "-inf") else point)
    p = sp.nsimplify(p)

    def side(direction: str):
        return budget.bounded(lambda: sp.limit(f, x, p, dir=direction),
                              f"the limit as {x} → {p}{direction}")

    if p in (sp.oo, -sp.oo):
        value = side("-" if p is sp.oo else "+")
        ok = value is not None and not isinstance(value, sp.AccumBounds) and value.is_extended_real
        note = "" if ok else "oscillates or could not be decided"
        return Limit(value, value, value if ok else None, ok, note, x.name, p)
    left, right = side("-"), side("+")
    if isinstance(left, sp.AccumBounds) or isinstance(right, sp.AccumBounds):
        return Limit(left, right, None, False, "the function oscillates: the limit does not exist",
                     x.name, p)
    if sp.simplify(left - right) == 0 if left.is_finite and right.is_finite else left == right:
        return Limit(left, right, left, True, "", x.name, p)
    return Limit(left, right, None, False, "one-sided limits differ: the limit does not exist",
                 x.name, p)


# --------------------------------------------------------------------- critical points

@dataclass
class CriticalPoint:
    """A real solution of ∇f = 0 with its classification by Hessian eigenvalues.

    ``proved``: the point is a critical point (exact, or enclosed by a Krawczyk
    proof) and its kind is decided with proof.  ``on_boundary``: in a box search,
    the point lies on the box's boundary (the box is closed).
    """

    point: dict[str, sp.Expr]
    numeric: dict[str, float]
    value: sp.Expr
    kind: str  # minimum | maximum | saddle | degenerate minimum/maximum/saddle | inflection
    eigenvalues: list[float]
    exact: bool = True
    proved: bool = False
    on_boundary: bool = False

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

    With a box: ``box`` maps each variable to its closed range, ``unsettled``
    lists (up to 100 of) the ``unsettled_count`` boxes the search could not
    settle, and ``work`` counts the boxes examined, the bisections and the depth.

    ``to_dict()`` is the ``workbench critical --json`` object, ``str()`` its text;
    in a notebook the points render as an HTML table.
    """

    points: list[CriticalPoint] = field(default_factory=list)
    complete: bool = False
    method: str = ""
    note: str = ""
    box: dict[str, tuple[sp.Expr, sp.Expr]] | None = None
    unsettled: list[dict] = field(default_factory=list)
    unsettled_count: int = 0
    work: dict[str, int] = field(default_factory=dict)
    variables: list[str] = field(default_factory=list)
    #: non-isolated critical points: :class:`~.critical_sets.CriticalSet` objects
    sets: list = field(default_factory=list)

    def __repr__(self) -> str:
        kinds = ", ".join(p.kind for p in self.points[:6]) + (", ..." if len(self.points) > 6
                                                             else "")
        sets = f"{len(self.sets)} critical set(s), " if self.sets else ""
        return (f"<{sets}{len(self.points)} critical point(s) [{kinds}], "
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
            "proved": p.proved,
            "on_boundary": p.on_boundary,
        } for p in self.points]
        return {"variables": self.variables, "sets": [s.to_dict() for s in self.sets],
                "points": points, "complete": self.complete,
                "method": self.method, "note": self.note,
                "box": None if self.box is None else {
                    k: [to_text(a), to_text(b)] for k, (a, b) in self.box.items()},
                "unsettled": self.unsettled, "unsettled_count": self.unsettled_count,
                "work": self.work}

    def __str__(self) -> str:
        d = self.to_dict()
        lines = []
        if d["box"] is not None:
            lines.append("box: " + " × ".join(f"[{a}, {b}]" for a, b in d["box"].values())
                         + f" ({', '.join(d['box'])})")
        for st in self.sets:
            lines.append("critical set: " + st.text())
        for p in d["points"]:
            at = ", ".join(f"{k} = {v:.10g}" for k, v in p["numeric"].items())
            eig = ", ".join(f"{e:.6g}" for e in p["hessian_eigenvalues"])
            flags = ("proved" if p["proved"] else "kind not proved") + (
                ", on the boundary" if p["on_boundary"] else "")
            lines.append(f"({at}): {p['kind']}, f = {p['value']:.10g}, "
                         f"Hessian eigenvalues [{eig}] ({flags})")
            if p["exact"]:
                lines.append("    exact: " + ", ".join(f"{k} = {v}"
                                                       for k, v in p["point"].items()))
        if not d["points"]:
            lines.append(("no other" if self.sets else "no real") + " critical points"
                         + (" in the box" if d["box"] else ""))
        lines.append("complete: " + ("yes" if d["complete"] else "not guaranteed")
                     + f" ({d['note']})")
        for u in d["unsettled"]:
            where = " × ".join(f"[{a:.10g}, {b:.10g}]" for a, b in u["box"].values())
            lines.append(f"    unsettled: {where}: {u['reason']}")
        if d["unsettled_count"] > len(d["unsettled"]):
            lines.append(f"    … {d['unsettled_count'] - len(d['unsettled'])} more unsettled boxes")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{v}</th>" for v in self.variables)
        rows = "".join(
            "<tr>" + "".join(f"<td>${to_latex(p.point[v])}$</td>" for v in self.variables)
            + f"<td>{p.kind}</td><td>${to_latex(p.value)}$</td>"
            + f"<td>{', '.join(f'{e:.4g}' for e in p.eigenvalues)}</td></tr>"
            for p in self.points)
        complete = "complete" if self.complete else "not guaranteed complete"
        where = "" if self.box is None else " in the box " + html.escape(" × ".join(
            f"[{to_text(a)}, {to_text(b)}]" for a, b in self.box.values()))
        sets = "".join(f"<li>{html.escape(s.text())}: ${s.latex()}$</li>" for s in self.sets)
        sets = f"<p>Critical sets (not isolated points):</p><ul>{sets}</ul>" if sets else ""
        return (f"{sets}<table><caption>{len(self.points)} critical point(s){where}, {complete} "
                f"({html.escape(self.note)})</caption><tr>{head}<th>kind</th><th>f</th>"
                f"<th>Hessian eigenvalues</th></tr>{rows}</table>")

    def _repr_latex_(self) -> str | None:
        """The sets and the points as one LaTeX display (kinds in words)."""
        rows = [s.latex() for s in self.sets]
        for p in self.points:
            at = ", ".join(to_latex(p.point[v]) for v in self.variables)
            rows.append(rf"({at}): \text{{{p.kind}}},\ f = {to_latex(p.value)}")
        if not rows:
            return None
        return r"$\begin{array}{l}" + r" \\ ".join(rows) + r"\end{array}$"


def classify(eigenvalues: Sequence[float], tol: float = 1e-20) -> str:
    """Second-derivative test: all > 0 minimum, all < 0 maximum, mixed saddle, ≈ 0 degenerate."""
    if any(abs(e) <= tol for e in eigenvalues):
        return "degenerate"
    if all(e > 0 for e in eigenvalues):
        return "minimum"
    if all(e < 0 for e in eigenvalues):
        return "maximum"
    return "saddle"


def hessian_eigenvalues(H: sp.Matrix, digits: int = DIGITS) -> list[float]:
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


#: The note for a list found without a box by a method that is not exhaustive.
NOT_COMPLETE_ON_RN = ("completeness on ℝⁿ is not claimed for this function; give a box "
                      "(--box x=a:b,y=c:d on the command line, box=\"x=a:b,y=c:d\" in Python) "
                      "to find every critical point in it with proof")


#: Operations up to which a critical value is simplified (larger ones are shown as found).
VALUE_OPS = 200


def critical_points(
    f: sp.Expr, variables: Vars,
    box: Mapping[str, tuple] | str | None = None, max_boxes: int | None = None,
    max_depth: int | None = None,
) -> CriticalPoints:
    """All real solutions of ∇f = 0, classified by the eigenvalues of the Hessian.

    Without a box, polynomial gradients are solved exactly through a
    lexicographic Gröbner basis (complete when the system has finitely many
    solutions); other systems go to ``sympy.solve`` or a Newton search, chosen by
    the size of the system (never by time), and the list is marked possibly
    incomplete.

    With ``box`` ({"x": (a, b), …} or "x=a:b,y=c:d"), every critical point in the
    closed box is found by an interval branch and bound
    (:mod:`workbench.symbolic.box_roots`), each one proved; ``complete`` is true
    only when the whole box was settled.  ``max_boxes`` and ``max_depth`` bound
    the work by counts.  Degenerate points get the higher-order test of
    :mod:`workbench.symbolic.kinds`.

    Critical points that are not isolated (a polynomial whose partial derivatives
    share a factor h) are reported as **sets** {h = 0}, named, with the value of f
    on them and their kind (:mod:`workbench.symbolic.critical_sets`); the points
    off the sets are solved exactly.  With a box, the parts of the sets inside it.

    >>> from workbench.core.parse import parse
    >>> found = critical_points(parse("(x**2 + y**2 - 1)**2"), ["x", "y"])
    >>> [(s.description, s.kind, s.value) for s in found.sets]
    [('the circle x² + y² = 1', 'minimum set', 0)]
    >>> found.complete, [(p.point, p.kind) for p in found.points]
    (True, [({'x': 0, 'y': 0}, 'maximum')])
    >>> found = critical_points(parse("x**2 - 2*x + cos(y)"), ["x", "y"], box="x=-1:2,y=-1:1")
    >>> found.complete, [(p.point, p.kind) for p in found.points]
    (True, [({'x': 1, 'y': 0}, 'saddle')])
    """
    from .critical_sets import decomposition
    from .roots import solve_gradient

    xs = symbols(variables)
    names = [str(x) for x in xs]
    g = gradient(f, xs)
    H = hessian(f, xs)
    sets = decomposition(f, g, xs)
    if box is not None:
        from .box_search import box_critical_points

        found_in_box = box_critical_points(f, xs, g, H, read_box(box, names), max_boxes,
                                           max_depth, sets)
        found_in_box.variables = names
        return found_in_box
    if sets is not None:
        note = (SETS_COMPLETE if sets.complete else f"{sets.note}; {NOT_COMPLETE_ON_RN}")
        return CriticalPoints(classify_solutions(f, xs, H, sets.solutions), sets.complete,
                              "groebner", note, variables=names, sets=sets.sets)
    found = solve_gradient(g, xs)
    points = classify_solutions(f, xs, H, found.solutions)
    note = found.note if found.complete else f"{found.note}; {NOT_COMPLETE_ON_RN}"
    return CriticalPoints(points, found.complete, found.method, note, variables=names)


#: The note of a complete answer with critical sets.
SETS_COMPLETE = ("every critical point lies on a listed set or is a listed point (exact: the "
                 "sets are the real zeros of the factors of gcd(∂f/∂x₁, …, ∂f/∂xₙ), the points "
                 "the real solutions of ∇f/gcd = 0)")


def classify_solutions(f: sp.Expr, xs: Sequence[sp.Symbol], H: sp.Matrix,
                       solutions: Sequence) -> list[CriticalPoint]:
    """Critical points from solutions of ∇f = 0 (:class:`~.roots.Solution`), classified.

    Exact points with a singular Hessian get the higher-order test of :mod:`.kinds`.
    """
    from .kinds import UNDECIDED, kind_exact

    points = []
    for sol in solutions:
        Hp = H.subs(sol.values, simultaneous=True)
        eig = hessian_eigenvalues(Hp if sol.exact else Hp.evalf(DIGITS + 10))
        kind = classify(eig)
        if kind == "degenerate":
            kind = kind_exact(f, xs, sol.values) if sol.exact else UNDECIDED
        points.append(CriticalPoint(
            point={str(v): sol.values[v] for v in xs},
            numeric={str(v): float(sp.N(sol.values[v], 30)) for v in xs},
            value=budget.simplify(f.subs(sol.values, simultaneous=True), VALUE_OPS),
            kind=kind, eigenvalues=eig, exact=sol.exact,
            proved=sol.exact and kind != UNDECIDED))
    points.sort(key=lambda p: tuple(p.numeric.values()))
    return points


def read_box(box: Mapping[str, tuple] | str, variables: Sequence[str]
             ) -> dict[str, tuple[sp.Expr, sp.Expr]]:
    """A closed box {name: (a, b)} with exact ends a < b, one range per variable.

    Text reads "x=a:b,y=c:d"; each end is a number or a constant expression (``-pi/2``).

    >>> read_box("x=-1:2.5,y=0:pi", ["x", "y"])
    {'x': (-1, 5/2), 'y': (0, pi)}
    """
    from ..core.errors import ParseError
    from ..core.parse import parse_number

    def end(value, where: str) -> sp.Expr:
        try:
            e = (parse_number(value) if isinstance(value, str)
                 else sp.nsimplify(value, rational=True))
        except (ParseError, TypeError, ValueError, sp.SympifyError) as exc:
            raise InputError(f"box: {where}: {exc}") from None
        if e.free_symbols or not e.is_real or not e.is_finite:
            raise InputError(f"box: {where} is {value!r}, not a finite real number")
        return e

    if isinstance(box, str):
        items: dict[str, tuple] = {}
        for part in (p.strip() for p in box.split(",") if p.strip()):
            name, _, rng = part.partition("=")
            lo, sep, hi = rng.partition(":")
            if not (name.strip() and sep and lo.strip() and hi.strip()):
                raise InputError(f"box: {part!r} is not of the form name=a:b (e.g. x=-5:5)")
            if name.strip() in items:
                raise InputError(f"box: {name.strip()} is given twice")
            items[name.strip()] = (lo.strip(), hi.strip())
        box = items
    missing = [v for v in variables if v not in box]
    extra = [k for k in box if k not in variables]
    if missing or extra:
        parts = ([f"no range for {', '.join(missing)}"] if missing else []) + (
            [f"unknown variable {', '.join(extra)}"] if extra else [])
        raise InputError(f"box: {'; '.join(parts)} (variables: {', '.join(variables)})")
    out = {}
    for v in variables:
        try:
            a, b = box[v]
        except (TypeError, ValueError):
            raise InputError(f"box: the range of {v} must be two numbers (a, b)") from None
        a, b = end(a, f"the lower end for {v}"), end(b, f"the upper end for {v}")
        if not bool(a < b):
            raise InputError(f"box: the range of {v} is empty or a point ({a} to {b}); "
                             "give a < b")
        out[v] = (a, b)
    return out
