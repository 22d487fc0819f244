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

from ..core.digits import DIGITS
from ..core.errors import InputError
from . import box_roots
from .calculus import CriticalPoint, CriticalPoints, hessian_eigenvalues
from .intervals import supported
from .kinds import UNDECIDED, kind_exact, kind_from_enclosure


def box_critical_points(f: sp.Expr, xs: Sequence[sp.Symbol], g: list[sp.Expr], H: sp.Matrix,
                        box: dict[str, tuple[sp.Expr, sp.Expr]], max_boxes: int | None = None,
                        max_depth: int | None = None) -> CriticalPoints:
    """Every critical point of f in the closed ``box``, proved; see the module docstring."""
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
