"""The error model of a difference quotient: E(h) ≈ A·hᵖ + B/h + F.

Truncation A·hᵖ (from the stencil's first missing Taylor term), round-off B/h
(from rounding f and x + cᵢh) and a floor F (the last rounding and the point
itself), all relative to |f'|; see :mod:`workbench.numerics.precision`.

>>> round(Model(2, 1.0, 2.0, 0.0).h_opt, 6)
1.0
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import sympy as sp

from .. import finite_diff as fd
from .truth import Truth


@dataclass
class Model:
    """E(h) ≈ A·hᵖ + B/h + F, relative to |f'| (see the module docstring)."""

    order: int
    A: float
    B: float
    F: float

    def truncation(self, h):
        return self.A * np.asarray(h, float) ** self.order

    def roundoff(self, h):
        return self.B / np.asarray(h, float)

    def total(self, h):
        return self.truncation(h) + self.roundoff(h) + self.F

    @property
    def h_opt(self) -> float | None:
        """argmin E: (B/(p·A))^{1/(p+1)}; None when one of the two terms vanishes."""
        if self.A <= 0 or self.B <= 0:
            return None
        return (self.B / (self.order * self.A)) ** (1 / (self.order + 1))

    @property
    def h_floor(self) -> float | None:
        """Complex step: the largest h whose truncation is below the floor F."""
        if self.B > 0 or self.A <= 0:
            return None
        return math.sqrt(self.F / self.A)


def method_stencil(method: str, levels: int) -> fd.Stencil | None:
    if method == "richardson":
        return fd.richardson_stencil(levels)
    return fd.STENCILS.get(method)


def model(method: str, tr: Truth, x: sp.Expr, dtype: np.dtype, levels: int = 2) -> Model:
    """The error model of ``method`` for this function, point and working precision."""
    u = float(np.finfo(dtype).eps) / 2
    d = [abs(float(v)) for v in tr.derivs]
    t = d[1]
    denom = t if t > 0 else 1.0
    xf = float(sp.N(x, 30))
    point_err = abs(float(np.asarray(xf, dtype=dtype)) - float(sp.N(x, 40))) * d[2]
    floor = (u * t + point_err) / denom
    st = method_stencil(method, levels)
    if st is None:  # complex step: Im f(x + ih)/h = f' − h² f'''/6 + …
        return Model(2, d[3] / 6 / denom, 0.0, floor)
    p = st.order
    A = abs(float(st.truncation)) * d[p + 1] / denom
    B = u * (d[0] * float(st.weight_sum) + abs(xf) * t * float(st.shifted_weight_sum)) / denom
    return Model(p, A, B, floor)
