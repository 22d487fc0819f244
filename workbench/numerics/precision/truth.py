"""The true derivative at 50 digits, or both one-sided ones where there is none.

:func:`truth` takes f and its derivatives along the line from mpmath and checks
f' against the exact symbolic derivative; at a kink or a vertical tangent
:func:`one_sided` reports the two one-sided derivatives instead of averaging
them into a wrong number.

>>> from workbench.core.parse import parse
>>> from workbench.numerics.precision import make_line
>>> t = truth(make_line(parse("x**3"), ["x"], {"x": 2}, "x"))
>>> float(t.value), t.ok
(12.0, True)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import mpmath
import numpy as np
import sympy as sp

from ...core.digits import DIGITS
from ...core.errors import DomainError, InputError
from ...symbolic.calculus import symbols
from .line import Line, describe_point, mp_function, real_finite


@dataclass
class Side:
    """A one-sided derivative: ``converged`` (value), ``diverges`` (±inf) or ``undefined``."""

    status: str
    value: float | None

    def to_dict(self) -> dict:
        v = self.value
        return {"status": self.status,
                "value": None if v is None or not math.isfinite(v) else v,
                "sign": None if v is None else (1 if v > 0 else -1 if v < 0 else 0)}


@dataclass
class Sides:
    left: Side
    right: Side
    differentiable: bool
    note: str = ""


#: Steps for the one-sided quotients, at 100 digits: far below any float step.
_SIDE_STEPS = (mpmath.mpf(10) ** -20, mpmath.mpf(10) ** -25, mpmath.mpf(10) ** -30)


def _side(g, x, y0, sign: int) -> tuple[Side, list]:
    quotients = []
    for h in _SIDE_STEPS:
        y = g(x + sign * h)
        if not real_finite(y):
            return Side("undefined", None), []
        quotients.append((y - y0) / (sign * h))
    q1, _, q3 = quotients
    # a finite one-sided derivative settles; a vertical tangent keeps growing like h^(-a)
    if abs(q3) > 100 * max(1, abs(q1)):
        return Side("diverges", math.copysign(math.inf, float(q3))), quotients
    return Side("converged", float(q3)), quotients


def one_sided(line: Line) -> Sides:
    """Left and right derivatives along ``line.wrt`` from 100-digit difference quotients.

    Quotients at h = 1e-20, 1e-25, 1e-30: for smooth f the gap between the sides
    is about h·|f''| and shrinks with h; at a kink it stays O(1); at a vertical
    tangent a side grows without bound; outside the domain it is undefined.
    """
    with mpmath.workdps(2 * DIGITS):
        g = line.mp()
        x = mpmath.mpf(sp.N(line.x, 2 * DIGITS))
        y0 = g(x)
        left, ql = _side(g, x, y0, -1)
        right, qr = _side(g, x, y0, +1)
        if left.status != "converged" or right.status != "converged":
            bad = [f"{n} derivative {s.status}" for n, s in (("left", left), ("right", right))
                   if s.status != "converged"]
            return Sides(left, right, False, "; ".join(bad))
        gap_first, gap_last = abs(qr[0] - ql[0]), abs(qr[-1] - ql[-1])
        size = max(1, abs(qr[-1]), abs(ql[-1]))
        smooth = gap_last <= mpmath.mpf(10) ** -12 * size or gap_last <= gap_first / 1000
    if smooth:
        return Sides(left, right, True)
    return Sides(left, right, False,
                 f"left derivative {left.value:.10g} differs from right derivative "
                 f"{right.value:.10g}")


# ------------------------------------------------------------------ ground truth

@dataclass
class Truth:
    """f and its derivatives at the point, 50 digits; f' checked against the exact formula."""

    derivs: list[mpmath.mpf]       # f, f', …, f⁽⁷⁾ along the line
    symbolic: mpmath.mpf           # the exact symbolic f' evaluated at 50 digits
    agreement: float               # |mpmath.diff − symbolic| / max(1, |f'|)

    @property
    def value(self) -> mpmath.mpf:
        return self.derivs[1]

    @property
    def ok(self) -> bool:
        return self.agreement <= 1e-30


def truth(line: Line, order: int = 7) -> Truth:
    """mpmath.diffs at 50 digits (f … f⁽ᵒʳᵈᵉʳ⁾) and the symbolic f' as a cross-check."""
    with mpmath.workdps(DIGITS):
        x = mpmath.mpf(sp.N(line.x, DIGITS + 20))
        g = line.mp()
        derivs = list(mpmath.diffs(g, x, order))
        # f' on its own: diffs shares one step among all orders, diff picks the best for f'
        derivs[1] = mpmath.diff(g, x)
        if abs(derivs[1]) <= mpmath.mpf(10) ** (10 - DIGITS) * max(1, abs(derivs[0])):
            derivs[1] = mpmath.mpf(0)  # zero to 40 digits: errors are then absolute
        d1 = sp.diff(line.expr, symbols([line.wrt])[0])
        sym = mp_function(d1, line.variables)(
            *[mpmath.mpf(sp.N(p, DIGITS + 20)) for p in line.point])
    if not all(real_finite(d) for d in derivs[:2]):
        raise DomainError(f"f is not differentiable in real arithmetic near "
                          f"{describe_point(line.variables, line.point)}")
    # higher derivatives only feed the error model; mpmath.diffs leaves ~1e-135 noise where
    # they vanish (f linear along the line), which would fake a truncation term
    size = max(1, abs(derivs[0]), abs(derivs[1])) * mpmath.mpf(10) ** -40
    derivs[2:] = [d if real_finite(d) and abs(d) > size else mpmath.mpf(0)
                  for d in derivs[2:]]
    with mpmath.workdps(DIGITS):
        agree = (float(abs(derivs[1] - sym) / max(1, abs(derivs[1])))
                 if real_finite(sym) else math.inf)
    return Truth(derivs, sym, agree)


def check_range(line: Line, tr: Truth, dt: np.dtype) -> None:
    """f and f' must be representable in the working precision, else nothing can be measured."""
    top = float(np.finfo(dt).max)
    for name, v in (("f", tr.derivs[0]), ("f'", tr.value)):
        if abs(v) > top:
            raise InputError(f"{name} = {mpmath.nstr(v, 5)} at "
                             f"{describe_point(line.variables, line.point)} overflows {dt} "
                             f"(largest {top:.4g}); choose a wider dtype or another point")
