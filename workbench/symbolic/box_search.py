"""Critical points in a box: the proved roots of ∇f (:mod:`.box_roots`), classified.

Each root of ∇f found by the interval branch and bound becomes a
:class:`~workbench.symbolic.calculus.CriticalPoint`:

* its coordinates are exact when the root is a small rational checked by exact
  substitution, 50-digit decimals otherwise (the Krawczyk proof, not the digits,
  makes it a critical point);
* its kind is proved from the Hessian's enclosure over the root's enclosure
  (:func:`.kinds.kind_from_enclosure`); a singular Hessian at an exact point goes
  to the higher-order test; what neither decides is ``degenerate (undecided)``;
* the eigenvalues shown are those of the Hessian at the 50-digit point.

A polynomial f is answered exactly instead (:func:`exact_in_box`): when its
critical points are not isolated (the sets of :mod:`.critical_sets`), and when a
singular root leaves boxes unsettled that the exact solutions of ∇f = 0 settle.
A function that is not polynomial keeps its unsettled boxes, reported as such.

>>> from workbench.core.parse import parse
>>> from workbench.symbolic.calculus import critical_points
>>> found = critical_points(parse("sin(x)*sin(y)"), ["x", "y"], box="x=-1:1,y=-1:1")
>>> found.complete, [(p.point, p.kind) for p in found.points]
(True, [({'x': 0, 'y': 0}, 'saddle')])
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction

import mpmath
import sympy as sp

from ..core import budget
from ..core.digits import DIGITS
from ..core.errors import InputError
from . import box_roots
from .calculus import CriticalPoint, CriticalPoints, classify_solutions, hessian_eigenvalues
from .critical_sets import Decomposition, meets_box
from .intervals import supported
from .kinds import UNDECIDED, kind_exact, kind_from_enclosure
from .roots import BEZOUT_MAX, Solution, bezout, is_polynomial, solve_polynomial


def box_critical_points(f: sp.Expr, xs: Sequence[sp.Symbol], g: list[sp.Expr], H: sp.Matrix,
                        box: dict[str, tuple[sp.Expr, sp.Expr]], max_boxes: int | None = None,
                        max_depth: int | None = None,
                        sets: Decomposition | None = None) -> CriticalPoints:
    """Every critical point of f in the closed ``box``, proved; see the module docstring.

    ``sets``: the critical sets of a polynomial f (:func:`.critical_sets.decomposition`);
    then the answer is exact, with no interval search.
    """
    if sets is not None:
        return exact_in_box(f, xs, H, sets, box)
    bad = supported(f)
    if bad:
        raise InputError(f"a box search needs a smooth function: {bad} has no interval "
                         "enclosure here (abs, sign, max, min and relu are not smooth)")
    found = box_roots.search(g, H, xs, [box[str(x)] for x in xs],
                             max_boxes or box_roots.MAX_BOXES, max_depth or box_roots.MAX_DEPTH)
    f_mp = sp.lambdify(xs, f, modules="mpmath")
    points = [_point(f, f_mp, xs, H, r) for r in found.roots]
    points += _exact_in_unsettled(f, xs, g, H, found, box, points)
    points.sort(key=lambda p: tuple(p.numeric.values()))
    stopped = any("work limit" in why for _, _, why in found.unsettled)
    if not found.complete and not stopped and is_polynomial(g, xs) and bezout(
            g, xs) <= BEZOUT_MAX:
        # a singular root stops Krawczyk; the exact solutions settle the whole box (a work
        # limit the user set is honoured as it is)
        exact = budget.bounded(lambda: solve_polynomial(g, xs), "the Gröbner basis of ∇f = 0")
        if exact is not None and exact.complete:
            return exact_in_box(f, xs, H, Decomposition([], exact.solutions), box)
    names = [str(x) for x in xs]
    unsettled = [{"box": {v: [a, b] for v, a, b in zip(names, lo, hi, strict=True)},
                  "reason": why} for lo, hi, why in found.unsettled]
    if found.complete:
        note = ("every critical point in the closed box, each proved by the Krawczyk test "
                "(interval arithmetic, outward rounding) and certified at 50 digits")
    else:
        note = (f"{found.unsettled_count} part(s) of the box could not be settled within the "
                "work limits; critical points may lie there (an exact critical point found in "
                "one is listed, but others near it are not excluded)")
    return CriticalPoints(points, found.complete, "interval-krawczyk", note, box, unsettled,
                          found.unsettled_count,
                          {"boxes": found.boxes, "splits": found.splits, "depth": found.depth})


def exact_in_box(f: sp.Expr, xs: Sequence[sp.Symbol], H: sp.Matrix, sets: Decomposition,
                 box: dict[str, tuple[sp.Expr, sp.Expr]]) -> CriticalPoints:
    """The exact critical points and sets of a polynomial f, restricted to the closed box.

    A point is placed by exact comparison with the box's ends (on a face: flagged
    ``on_boundary``); a set is kept when it provably meets the box
    (:func:`.critical_sets.meets_box`).  Whatever cannot be placed makes the
    answer incomplete, with a note saying what.
    """
    ends = [box[str(x)] for x in xs]
    kept, undecided = [], []
    for sol in sets.solutions:
        where = _placed(sol, xs, ends)
        if where is None:
            undecided.append(sol)
        elif where != "outside":
            kept.append((sol, where == "boundary"))
    points = classify_solutions(f, xs, H, [sol for sol, _ in kept])
    boundary = {tuple(str(sol.values[x]) for x in xs) for sol, on in kept if on}
    for p in points:
        p.on_boundary = tuple(str(p.point[str(x)]) for x in xs) in boundary
    in_box, unknown = [], []
    for st in sets.sets:
        meets = meets_box(st.equation, xs, ends)
        if meets is None:
            unknown.append(st.description)
        elif meets:
            st.in_box = True
            st.degenerate = [p for p in st.degenerate
                             if _placed(Solution({x: p[str(x)] for x in xs}), xs, ends)
                             not in ("outside", None)]
            in_box.append(st)
    complete = sets.complete and not undecided and not unknown
    if complete:
        note = ("every critical point in the closed box: the exact real solutions of the "
                "polynomial system ∇f = 0 that lie in it" + (
                    ", on the parts of the critical sets inside it or isolated" if in_box else ""))
    else:
        parts = ([sets.note] if not sets.complete else []) + (
            [f"{len(undecided)} exact point(s) too close to a face to place"] if undecided
            else []) + ([f"whether {', '.join(unknown)} meets the box was not decided"]
                        if unknown else [])
        note = "; ".join(parts)
    return CriticalPoints(points, complete, "groebner", note, box, sets=in_box)


def _placed(sol: Solution, xs, ends) -> str | None:
    """"inside", "boundary" or "outside" the closed box, by exact comparison; None if undecided."""
    boundary = False
    for x, (a, b) in zip(xs, ends, strict=True):
        v = sp.sympify(sol.values[x])
        for end, side in ((a, 1), (b, -1)):
            d = v - end
            n = sp.N(d, 60)
            if abs(n) < sp.Float(10) ** -45:
                if not sol.exact or sp.simplify(d) != 0:
                    return None
                boundary = True
            elif side * n < 0:
                return "outside"
    return "boundary" if boundary else "inside"


def _point(f, f_mp, xs, H, r: box_roots.BoxRoot) -> CriticalPoint:
    if r.exact is not None:
        values = dict(zip(xs, r.exact, strict=True))
    else:
        values = {x: sp.Float(mpmath.nstr(v, DIGITS), DIGITS)
                  for x, v in zip(xs, r.point, strict=True)}
    kind = kind_from_enclosure(r.hessian_lo, r.hessian_hi)
    if kind is None:
        kind = kind_exact(f, xs, values) if r.exact is not None else UNDECIDED
    elif kind == "saddle" and not _nonsingular(r):
        kind = "degenerate saddle"
    if r.exact is not None:
        eig = hessian_eigenvalues(H.subs(values, simultaneous=True))
        value = f.subs(values, simultaneous=True)
    else:  # 60-digit values at the refined point; symbolic substitution of decimals is slow
        eig = _eigenvalues(r.hessian_at)
        with mpmath.workdps(DIGITS + 10):
            value = sp.Float(mpmath.nstr(f_mp(*r.point), DIGITS), DIGITS)
    return CriticalPoint(
        point={str(x): values[x] for x in xs},
        numeric={str(x): float(values[x]) for x in xs},
        value=value,
        kind=kind, eigenvalues=eig, exact=r.exact is not None, proved=kind != UNDECIDED,
        on_boundary=r.on_boundary)


def _simplest_rational(a: float, b: float, max_denominator: int = 1000) -> sp.Rational | None:
    """The rational of least denominator (then least size) in [a, b], if one is small."""
    lo, hi = Fraction(a), Fraction(b)
    for q in range(1, max_denominator + 1):
        if lo <= 0 <= hi:
            return sp.Integer(0)
        p = math.ceil(lo * q) if lo > 0 else math.floor(hi * q)
        if lo <= Fraction(p, q) <= hi:
            return sp.Rational(p, q)
    return None


def _exact_in_unsettled(f, xs, g, H, found, box, known) -> list[CriticalPoint]:
    """Exact critical points inside boxes left unsettled (where the Hessian is singular).

    The point is checked by exact substitution and classified by the higher-order
    test; the box stays unsettled, since other roots near it are not excluded.
    """
    out: list[CriticalPoint] = []
    seen = {tuple(p.point.values()) for p in known}
    for lo, hi, _ in found.unsettled:
        q = [_simplest_rational(a, b) for a, b in zip(lo, hi, strict=True)]
        if any(v is None for v in q) or tuple(q) in seen:
            continue
        values = dict(zip(xs, q, strict=True))
        inside = all(a <= v <= b for v, (a, b) in zip(q, box.values(), strict=True))
        if not inside or any(gi.subs(values, simultaneous=True) != 0 for gi in g):
            continue
        seen.add(tuple(q))
        kind = kind_exact(f, xs, values)
        out.append(CriticalPoint(
            point={str(x): values[x] for x in xs}, numeric={str(x): float(values[x]) for x in xs},
            value=f.subs(values, simultaneous=True), kind=kind,
            eigenvalues=hessian_eigenvalues(H.subs(values, simultaneous=True)), exact=True,
            proved=kind != UNDECIDED,
            on_boundary=any(v in ab for v, ab in zip(q, box.values(), strict=True))))
    return out


def _eigenvalues(M: mpmath.matrix) -> list[float]:
    """Sorted eigenvalues of a symmetric 60-digit matrix; those below 10⁻⁴⁰ of the scale are 0."""
    with mpmath.workdps(DIGITS + 10):
        eig = sorted(mpmath.eigsy(M, eigvals_only=True))
        scale = max([abs(e) for e in eig] + [mpmath.mpf(1)])
        return [0.0 if abs(e) < scale * mpmath.mpf(10) ** (-DIGITS + 10) else float(e)
                for e in eig]


def _nonsingular(r: box_roots.BoxRoot) -> bool:
    """Every eigenvalue enclosure excludes 0 (else a saddle is a degenerate one)."""
    from .kinds import eigenvalue_enclosures

    return all(a > 0 or b < 0 for a, b in eigenvalue_enclosures(r.hessian_lo, r.hessian_hi))
