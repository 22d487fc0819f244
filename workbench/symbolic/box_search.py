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

from collections.abc import Sequence

import mpmath
import sympy as sp

from ..core.errors import InputError
from . import box_roots
from .calculus import PRECISION_DIGITS, CriticalPoint, CriticalPoints, hessian_eigenvalues
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
    points = [_point(f, xs, H, r) for r in found.roots]
    points.sort(key=lambda p: tuple(p.numeric.values()))
    names = [str(x) for x in xs]
    unsettled = [{"box": {v: [a, b] for v, a, b in zip(names, lo, hi, strict=True)},
                  "reason": why} for lo, hi, why in found.unsettled]
    if found.complete:
        note = ("every critical point in the closed box, each proved by the Krawczyk test "
                "(interval arithmetic, outward rounding) and certified at 50 digits")
    else:
        note = (f"{found.unsettled_count} part(s) of the box could not be settled within the "
                "work limits; critical points may lie there")
    return CriticalPoints(points, found.complete, "interval-krawczyk", note, box, unsettled,
                          found.unsettled_count,
                          {"boxes": found.boxes, "splits": found.splits, "depth": found.depth})


def _point(f, xs, H, r: box_roots.BoxRoot) -> CriticalPoint:
    if r.exact is not None:
        values = dict(zip(xs, r.exact, strict=True))
    else:
        values = {x: sp.Float(mpmath.nstr(v, PRECISION_DIGITS), PRECISION_DIGITS)
                  for x, v in zip(xs, r.point, strict=True)}
    kind = kind_from_enclosure(r.hessian_lo, r.hessian_hi)
    if kind is None:
        kind = kind_exact(f, xs, values) if r.exact is not None else UNDECIDED
    elif kind == "saddle" and not _nonsingular(r):
        kind = "degenerate saddle"
    Hp = H.subs(values, simultaneous=True)
    eig = hessian_eigenvalues(Hp if r.exact is not None else Hp.evalf(PRECISION_DIGITS + 10))
    value = f.subs(values, simultaneous=True)
    return CriticalPoint(
        point={str(x): values[x] for x in xs},
        numeric={str(x): float(values[x]) for x in xs},
        value=value if r.exact is not None else sp.Float(sp.N(value, PRECISION_DIGITS),
                                                         PRECISION_DIGITS),
        kind=kind, eigenvalues=eig, exact=r.exact is not None, proved=kind != UNDECIDED,
        on_boundary=r.on_boundary)


def _nonsingular(r: box_roots.BoxRoot) -> bool:
    """Every eigenvalue enclosure excludes 0 (else a saddle is a degenerate one)."""
    from .kinds import eigenvalue_enclosures

    return all(a > 0 or b < 0 for a, b in eigenvalue_enclosures(r.hessian_lo, r.hessian_hi))
