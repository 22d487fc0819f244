"""Critical points that are not isolated: whole curves and surfaces of them, named and classified.

For a polynomial f with rational coefficients let g = gcd(∂f/∂x₁, …, ∂f/∂xₙ)
(exact, over ℚ).  Every zero of g is a critical point, and ∇f = g·q with
gcd(q) = 1, so

    {∇f = 0} = {g = 0} ∪ {q = 0}.

**The sets.**  Each irreducible factor h of g whose sign changes (two rational
points with h < 0 < h, found exactly) has real zeros of dimension n − 1
(between the two points h vanishes, and at regular points of {h = 0} the implicit
function theorem makes it a hypersurface).  Each such {h = 0} is reported as a
*critical set*.  A factor of one variable, p(xₖ), gives one hyperplane
xₖ = ρ per real root ρ.  A factor that keeps one sign (proved in two variables:
its top-degree form is definite and its critical values keep that sign) has
only the singular zeros {h = 0, ∇h = 0}, which join the isolated points.

**The value.**  The exact remainder r of f modulo h (h alone is a Gröbner
basis of the ideal it generates) is a constant c exactly when h divides f − c;
then f = c on the whole set.  Otherwise f is only known to be constant on each
connected component (∇f = 0 along it).

**The kind.**  If h | f − c then h² | f − c: from f − c = h·a,
∇f = a∇h + h∇a, and h | ∇f with h prime forces h | a.  Write f − c = hᵐ·b with
h ∤ b.  Near the set f − c has the sign of hᵐ·b, so with B = b reduced modulo
h (b on the set):

* m even, B > 0 on the set: every point is a (non-strict) local minimum, a
  *minimum set*; B < 0: a *maximum set*;
* m odd, B ≠ 0: f − c changes sign across the set, no point is an extremum,
  a *saddle set*;
* otherwise the set is *mixed*: the sign of B says where it is which, and the
  points where B = 0 on the set are *degenerate* (not decided).

This is the second-derivative test across the set: on h = 0 the Hessian is
H = 2b∇h∇hᵀ when m = 2, so q = ∇hᵀH∇h = 2b|∇h|⁴ has the sign of B.

**The isolated points** solve q = 0 (finitely many when n = 2, since the
components of q have no common factor); those lying on a set are dropped.  So
when every factor is settled, every critical point is on a listed set or is a
listed point, and the list is complete.

>>> x, y = sp.symbols("x y", real=True)
>>> f = (x**2 + y**2 - 1)**2
>>> d = decompose(f, [sp.diff(f, v) for v in (x, y)], [x, y])
>>> s = d.sets[0]
>>> s.description, s.value, s.kind
('the circle x² + y² = 1', 0, 'minimum set')
>>> [sol.values for sol in d.solutions]
[{y: 0, x: 0}]
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from ..core import budget
from ..core.printing import to_latex, to_text
from .intervals import Interval, compile_intervals, constant_ends
from .roots import BEZOUT_MAX, Solution, bezout, is_polynomial, solve_polynomial

#: Kinds of a critical set (the ``kind`` field of the JSON).
SET_KINDS = ("minimum set", "maximum set", "saddle set", "mixed", "undecided")
#: Rational coordinates tried (per variable) when looking for a sign change of h.
SAMPLES = (0, 1, -1, 2, -2, sp.Rational(1, 2), -sp.Rational(1, 2), 3, -3, 5, -5, 10, -10,
           100, -100)
#: Boxes examined when deciding whether a set meets a box (a count, never a time).
MEET_BOXES = 4096


@dataclass
class CriticalSet:
    """A set of non-isolated critical points {h = 0} (or the part of it in a box)."""

    equation: sp.Expr  # h; the set is h = 0
    variables: list[str]
    description: str  # "the circle x² + y² = 1", readable text
    dimension: int
    value: sp.Expr | None  # f on the set, when proved constant on all of it
    value_proof: str
    kind: str  # one of SET_KINDS
    kind_detail: str
    degenerate: list[dict[str, sp.Expr]] = field(default_factory=list)
    in_box: bool = False  # the part of the set inside a box
    #: f − c = hᵐ·b near the set: m, and b reduced modulo h (None when not found)
    order: int = 0
    transversal: sp.Expr | None = None

    def kind_at(self, point: Mapping[str, sp.Expr]) -> str | None:
        """The kind of one point of the set (minimum, maximum, no extremum), or None.

        None when the point is off the set or the test says nothing there (b = 0).
        """
        subs = {sp.Symbol(k, real=True): v for k, v in point.items()}
        if self.transversal is None or sp.simplify(self.equation.subs(subs)) != 0:
            return None
        b = sp.N(self.transversal.subs(subs), 50)
        if not b.is_number or abs(b) < 1e-40:
            return None
        if self.order % 2:
            return "no extremum"
        return "minimum" if b > 0 else "maximum"

    def to_dict(self) -> dict:
        """The JSON object of one set (see ``workbench critical --help``)."""
        return {
            "set": f"{to_text(self.equation)} = 0",
            "latex": f"{to_latex(self.equation)} = 0",
            "description": self.description,
            "dimension": self.dimension,
            "value": None if self.value is None else to_text(self.value),
            "value_proof": self.value_proof,
            "kind": self.kind,
            "kind_detail": self.kind_detail,
            "degenerate_points": [{k: to_text(v) for k, v in p.items()}
                                  for p in self.degenerate],
            "part": "inside the box" if self.in_box else "all",
        }

    def text(self) -> str:
        """One readable line: the set, its value and its kind."""
        name = (self.description.replace("the ", "the part of the ", 1) + " inside the box"
                if self.in_box else self.description)
        value = (f"f = {plain(self.value)} on it" if self.value is not None
                 else "f is constant on each connected component")
        return f"{name}: {self.kind} ({self.kind_detail}); {value}"

    def latex(self) -> str:
        """The set and its value as LaTeX (for notebooks)."""
        value = (f"f = {to_latex(self.value)}" if self.value is not None
                 else r"f \text{ constant on each component}")
        return (rf"\{{{to_latex(self.equation)} = 0\}}: \text{{{self.kind}}},\ {value}")


@dataclass
class Decomposition:
    """The critical sets of f, and the isolated critical points found exactly."""

    sets: list[CriticalSet] = field(default_factory=list)
    solutions: list[Solution] = field(default_factory=list)
    complete: bool = True
    note: str = ""


# ------------------------------------------------------------------------- text


_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def plain(expr: sp.Expr) -> str:
    """Readable text for a small expression: x² + 2xy − 1 (no Python operators).

    >>> plain(sp.Symbol("x")**2 - 2*sp.Symbol("x")*sp.Symbol("y") + sp.Rational(1, 2))
    'x² − 2x·y + 1/2'
    """
    s = sp.sstr(expr, order="grlex")
    s = re.sub(r"\*\*\(?(-?\d+)\)?", lambda m: m.group(1).translate(_SUPERSCRIPT), s)
    s = re.sub(r"(?<![\w.])(\d+)\*(?=[A-Za-z(])", r"\1", s)
    s = s.replace("*", "·").replace("sqrt", "√").replace("-", "−")
    s = re.sub(r"\bpi\b", "π", s)
    return re.sub(r"√\((\w+)\)", r"√\1", s)


def _paren(e: sp.Expr) -> str:
    """plain(e), in parentheses unless e is a symbol or a non-negative number."""
    atom = e.is_Symbol or (e.is_number and e.is_nonnegative and not e.is_Add)
    return plain(e) if atom else f"({plain(e)})"


def _equation_text(h: sp.Expr) -> str:
    """h = 0 written as (terms with variables) = constant."""
    c = sp.Poly(h, *sorted(h.free_symbols, key=str)).coeff_monomial(1) if h.free_symbols else h
    return f"{plain(h - c)} = {plain(-c)}"


# ------------------------------------------------------------------------- names


def describe(h: sp.Expr, xs: Sequence[sp.Symbol]) -> str:
    """A name for {h = 0}: line, plane, circle, ellipse, parabola, hyperbola, sphere, or h = 0.

    >>> x, y = sp.symbols("x y", real=True)
    >>> describe(x, [x, y]), describe(x**2 + 4*y**2 - 1, [x, y]), describe(x**2 - y, [x, y])
    ('the line x = 0', 'the ellipse x² + 4y² = 1', 'the parabola x² − y = 0')
    """
    n = len(xs)
    p = sp.Poly(h, *xs)
    eq = _equation_text(h)
    if p.total_degree() == 1:
        name = {2: "line", 3: "plane"}.get(n, "hyperplane")
        return f"the {name} {eq}"
    if p.total_degree() == 2 and n in (2, 3):
        shape = _quadric(p, xs)
        if shape == "circle" or shape == "sphere":
            return f"the {shape} {_round_text(p, xs)}"
        if shape:
            return f"the {shape} {eq}"
    return f"the {'curve' if n == 2 else 'surface' if n == 3 else 'hypersurface'} {eq}"


def _quadric(p: sp.Poly, xs) -> str | None:
    """Conic / quadric type from its matrices (A: quadratic part, M: homogenized)."""
    n = len(xs)
    A = sp.Matrix(n, n, lambda i, j: p.coeff_monomial(xs[i] * xs[j]) * (1 if i == j else
                                                                          sp.Rational(1, 2)))
    b = [p.coeff_monomial(x) for x in xs]
    half = sp.Matrix(b) / 2
    M = A.row_join(half).col_join(half.T.row_join(sp.Matrix([[p.coeff_monomial(1)]])))
    if M.det() == 0:
        return "pair of lines" if n == 2 else None
    if A.is_diagonal() and len(set(A.diagonal())) == 1:
        return "circle" if n == 2 else "sphere"
    if n == 3:
        return None
    dA = A.det()
    return "ellipse" if dA > 0 else ("hyperbola" if dA < 0 else "parabola")


def _round_text(p: sp.Poly, xs) -> str:
    """(x − a)² + (y − b)² = r² for a circle or sphere."""
    a = p.coeff_monomial(xs[0] ** 2)
    centre = [-p.coeff_monomial(x) / (2 * a) for x in xs]
    r2 = sum(c**2 for c in centre) - p.coeff_monomial(1) / a
    lhs = " + ".join(plain((x - c) ** 2) if c != 0 else plain(x**2)
                     for x, c in zip(xs, centre, strict=True))
    return f"{lhs} = {plain(r2)}"


# ------------------------------------------------------------------------- signs


def _sign_change(h: sp.Poly, xs, extra: Sequence[Sequence[sp.Expr]] = ()) -> bool:
    """True when h takes both signs at the sample points (exact evaluation): a proof."""
    signs = set()
    for pt in itertools.chain(itertools.product(SAMPLES, repeat=len(xs)), extra):
        v = h.eval(dict(zip(xs, pt, strict=True))) if len(xs) > 1 else h.eval(pt[0])
        s = sp.sign(sp.N(v, 50)) if not v.is_Rational else sp.sign(v)
        signs.add(int(s))
        if {1, -1} <= signs:
            return True
    return False


def _one_sign_proved(h: sp.Poly, xs, crit: list[Solution] | None) -> bool:
    """Two variables: h keeps one sign if its top form is definite and its critical values agree.

    A definite top form makes ±h → +∞, so ±h attains its minimum at a critical
    point; if every critical value of ±h is ≥ 0, so is ±h everywhere.
    """
    if len(xs) != 2 or crit is None:
        return False
    d = h.total_degree()
    top = sp.Poly(sum(c * xs[0]**i * xs[1]**j for (i, j), c in h.terms() if i + j == d), *xs)
    t = sp.Dummy("t", real=True)
    q = sp.Poly(top.as_expr().subs({xs[0]: 1, xs[1]: t}), t)
    lead = top.coeff_monomial(xs[1] ** d)
    if d % 2 or lead == 0 or q.count_roots() or q.degree() != d:
        return False
    sign = 1 if lead > 0 else -1
    for sol in crit:
        v = sp.N(h.as_expr().subs(sol.values, simultaneous=True), 50)
        if sign * v < -sp.Float(10) ** -40:
            return False
    return True


# ------------------------------------------------------------------------- decomposition


def gradient_gcd(g: Sequence[sp.Expr], xs: Sequence[sp.Symbol]) -> sp.Poly:
    """gcd(∂f/∂x₁, …, ∂f/∂xₙ) over ℚ, primitive with a positive leading coefficient."""
    polys = [sp.Poly(gi, *xs, domain="QQ") for gi in g]
    out = polys[0]
    for p in polys[1:]:
        out = out.gcd(p)
    return out.monic() if not out.is_zero else out


def decomposition(f: sp.Expr, g: Sequence[sp.Expr], xs: Sequence[sp.Symbol]
                  ) -> Decomposition | None:
    """:func:`decompose` for a gradient polynomial over ℚ of Bézout number ≤ ``BEZOUT_MAX``.

    Chosen by counts before it starts; it runs under the hard time limit of
    :mod:`workbench.core.budget` (which only aborts, with an error).
    """
    if len(xs) < 2 or not is_polynomial(g, xs) or bezout(g, xs) > BEZOUT_MAX:
        return None
    return budget.bounded(lambda: decompose(f, g, xs), "the critical sets of f")


def decompose(f: sp.Expr, g: Sequence[sp.Expr], xs: Sequence[sp.Symbol]) -> Decomposition | None:
    """Critical sets and isolated critical points of a polynomial f; None when g has no factor.

    None also when the gradient is not polynomial over ℚ or there is one variable
    (critical points of one variable are always isolated).
    """
    if len(xs) < 2:
        return None
    try:
        G = gradient_gcd(g, xs)
    except (sp.PolynomialError, sp.CoercionFailed):
        return None
    if G.is_zero or G.total_degree() == 0:
        return None
    out = Decomposition()
    extra: list[Solution] = []
    for factor, _ in G.factor_list()[1]:
        h = sp.Poly(factor.as_expr(), *xs, domain="QQ")
        h = sp.Poly(h.clear_denoms()[1].as_expr() * (1 if h.LC() > 0 else -1), *xs)
        used = [x for x in xs if h.degree(x) > 0]
        if len(used) == 1 and h.total_degree() > 1:
            out.sets += _hyperplanes(f, h, used[0], xs)
            continue
        crit = solve_polynomial([h.diff(x).as_expr() for x in xs], xs)
        crit_sols = crit.solutions if crit is not None and crit.complete else None
        points = [[s.values[x] for x in xs] for s in (crit_sols or [])]
        if _sign_change(h, xs, points):
            out.sets.append(_set(f, h.as_expr(), xs))
        elif _one_sign_proved(h, xs, crit_sols):
            sing = solve_polynomial([h.as_expr(), *(h.diff(x).as_expr() for x in xs)], xs)
            if sing is None or not sing.complete:
                out.complete = False
            else:
                extra += sing.solutions
        else:
            out.complete = False
            out.note = (f"whether {plain(h.as_expr())} = 0 has real points was not decided; "
                        "critical points may lie there")
    quotient = [sp.cancel(gi / G.as_expr()) for gi in g]
    iso = solve_polynomial(quotient, xs)
    if iso is None or not iso.complete:
        out.complete = False
        out.note = out.note or "the critical points off the sets were not all found"
    sols = (iso.solutions if iso is not None else []) + extra
    seen: list = []
    for s in sols:
        key = [sp.N(s.values[x], 40) for x in xs]
        if any(all(abs(a - b) < 1e-35 for a, b in zip(key, k, strict=True)) for k in seen):
            continue
        if not any(on_set(st, s.values, xs) for st in out.sets):
            seen.append(key)
            out.solutions.append(s)
    return out


def on_set(st: CriticalSet, values: Mapping[sp.Symbol, sp.Expr], xs) -> bool:
    """Whether a point lies on the set (exactly, or within 10⁻³⁰ for a decimal point)."""
    v = st.equation.subs(dict(values), simultaneous=True)
    if all(sp.sympify(values[x]).is_Rational for x in xs):
        return v == 0
    return abs(sp.N(v, 50)) < 1e-30


def _set(f: sp.Expr, h: sp.Expr, xs) -> CriticalSet:
    """{h = 0} for a sign-changing irreducible h: its value and kind (module docstring)."""
    names = [str(x) for x in xs]
    _, r = sp.reduced(sp.expand(f), [h], *xs)
    if r.free_symbols & set(xs):
        return CriticalSet(h, names, describe(h, xs), len(xs) - 1, None,
                           "the remainder of f modulo h is not constant", "undecided",
                           "the transversal test needs f constant on the whole set")
    b, m = sp.expand(f - r), 0
    while True:
        q, rem = sp.div(b, h, *xs)
        if rem != 0:
            break
        b, m = q, m + 1
    _, B = sp.reduced(b, [h], *xs)
    lhs = "f" if r == 0 else f"f − {_paren(r)}"
    factor = "" if b == 1 else f"·{_paren(b)}"
    proof = f"{lhs} = {_paren(h)}{str(m).translate(_SUPERSCRIPT)}{factor}" if m else ""
    kind, detail, degenerate = _kind(h, m, sp.expand(B), xs)
    return CriticalSet(h, names, describe(h, xs), len(xs) - 1, r,
                       f"the remainder of f modulo {plain(h)} is {plain(r)}", kind,
                       f"{detail}; {proof}" if proof else detail, degenerate,
                       order=m, transversal=sp.expand(B))


def _kind(h, m: int, B: sp.Expr, xs) -> tuple[str, str, list[dict]]:
    """Kind of the set from f − c = hᵐ·b and B = b on the set."""
    if B.is_number:
        s = 1 if sp.N(B, 50) > 0 else -1
        if m % 2:
            return "saddle set", "f − c changes sign across the set: no point is an extremum", []
        if s > 0:
            return "minimum set", "f ≥ its value near every point of the set", []
        return "maximum set", "f ≤ its value near every point of the set", []
    zeros = solve_polynomial([h, B], xs)
    pts = ([{str(x): sol.values[x] for x in xs} for sol in zeros.solutions]
           if zeros is not None and zeros.complete else None)
    where = ("nowhere" if pts == [] else
             ", ".join("(" + ", ".join(plain(v) for v in p.values()) + ")" for p in pts)
             if pts is not None else f"where {plain(B)} = 0")
    Bt = plain(B)
    even = all(k % 2 == 0 for _, k in sp.factor_list(B)[1])
    if even and not m % 2 and pts:  # B = c·(square): one sign on the set but at its zeros
        c = sp.factor_list(B)[0]
        kind = "minima" if c > 0 else "maxima"
        return "mixed", f"{kind} at every point but {where}, where it is degenerate", pts
    if m % 2:
        detail = f"no extremum where {Bt} ≠ 0; degenerate {'at ' if pts else ''}{where}"
        return ("saddle set" if pts == [] else "mixed"), detail, pts or []
    at = "at " if pts else ""
    return ("mixed", f"minima where {Bt} > 0, maxima where {Bt} < 0, degenerate {at}{where}",
            pts or [])


def _hyperplanes(f: sp.Expr, p: sp.Poly, x: sp.Symbol, xs) -> list[CriticalSet]:
    """x = ρ for each real root ρ of an irreducible p(x) of degree ≥ 2 (a factor of the gcd)."""
    out = []
    names = [str(v) for v in xs]
    for rho in sp.Poly(p.as_expr(), x).real_roots():
        rho = sp.nsimplify(rho) if not isinstance(rho, sp.CRootOf) else rho
        if isinstance(rho, sp.CRootOf) and p.degree(x) <= 4:
            rad = [r for r in sp.roots(sp.Poly(p.as_expr(), x), multiple=True)
                   if r.is_real and abs(sp.N(r - rho, 50)) < 1e-40]
            rho = rad[0] if rad else rho
        value = sp.radsimp(sp.expand(f.subs(x, rho)))
        d, m, lead = f, 0, sp.Integer(0)
        for k in range(1, 12):  # f(ρ + t, …) = c + tᵐ·(∂ᵐf/∂xᵐ(ρ, …)/m!) + …
            d = sp.diff(d, x)
            lead = sp.expand(d.subs(x, rho))
            if k >= 2 and lead != 0 and not (lead.is_number and abs(sp.N(lead, 50)) < 1e-45):
                m = k
                break
        h = x - rho
        if value.free_symbols & set(xs) or not m:
            out.append(CriticalSet(h, names, describe_hyperplane(x, rho, len(xs)), len(xs) - 1,
                                   None, "not simplified", "undecided", "not decided"))
            continue
        kind, detail, deg = _kind(h, m, lead, xs)
        out.append(CriticalSet(h, names, describe_hyperplane(x, rho, len(xs)), len(xs) - 1,
                               value, f"f at {x} = {plain(rho)}", kind, detail, deg,
                               order=m, transversal=lead))
    return out


def describe_hyperplane(x: sp.Symbol, rho: sp.Expr, n: int) -> str:
    """The line (plane) x = ρ."""
    return f"the {({2: 'line', 3: 'plane'}).get(n, 'hyperplane')} {x} = {plain(rho)}"


# ------------------------------------------------------------------------- boxes


def meets_box(h: sp.Expr, xs, box: Sequence[tuple[sp.Expr, sp.Expr]]) -> bool | None:
    """Whether {h = 0} meets the closed box: True, False (both proved) or None (undecided).

    True from a sign change (or an exact zero) of h at rational grid points of the
    box; False when the interval enclosure of h excludes 0 on every piece of a
    subdivision (at most :data:`MEET_BOXES` pieces).
    """
    grid = [[a + (b - a) * sp.Rational(k, 8) for k in range(9)] for a, b in box]
    signs = set()
    for pt in itertools.product(*grid):
        v = h.subs(dict(zip(xs, pt, strict=True)), simultaneous=True)
        v = sp.N(v, 50) if not v.is_Rational else v
        if v == 0:
            return True
        signs.add(1 if v > 0 else -1)
        if len(signs) == 2:
            return True
    H = compile_intervals([h], xs)
    lo = np.array([[constant_ends(a)[0] for a, _ in box]])
    hi = np.array([[constant_ends(b)[1] for _, b in box]])
    seen = 0
    while len(lo):
        seen += len(lo)
        if seen > MEET_BOXES:
            return None
        [v] = H([Interval(lo[:, i], hi[:, i]) for i in range(len(xs))])
        keep = v.contains_zero()
        lo, hi = lo[keep], hi[keep]
        k = np.argmax(hi - lo, axis=1)
        rows = np.arange(len(lo))
        cut = (lo[rows, k] + hi[rows, k]) / 2
        lhi, rlo = hi.copy(), lo.copy()
        lhi[rows, k] = cut
        rlo[rows, k] = cut
        lo, hi = np.concatenate([lo, rlo]), np.concatenate([lhi, hi])
    return False
