"""Single difference quotients: in a dtype, exactly, at a stated precision; cancellation.

One quotient at one step, computed as code in float16/32/64 gets it
(:func:`quotient`), with h taken exactly at 50 digits so only truncation is
left (:func:`quotient_exact`), or with every operation rounded to a given
number of bits (:func:`quotient_at_precision`); :func:`cancellation` shows the
digits lost in f(x + h) − f(x), :func:`compare_dtypes` one derivative in every
precision.

>>> from workbench.core.parse import parse
>>> from workbench.numerics.precision import make_line
>>> line = make_line(parse("x**2"), ["x"], {"x": 3}, "x")
>>> quotient(line, "central", 0.5), float(quotient_exact(line, "forward", 0.5))
(6.0, 6.5)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import mpmath
import numpy as np
import sympy as sp

from ...core.digits import DIGITS
from ...core.errors import InputError
from .. import finite_diff as fd
from .line import Line, mp_function
from .machine import DTYPES, digits_lost, dtype_of, machine_epsilon
from .models import method_stencil
from .study import errors_against, finite
from .truth import truth


def quotient(line: Line, method: str, h: float, dtype: str = "float64") -> float:
    """The ``method`` quotient at step ``h`` computed in ``dtype``, as code in that type gets it."""
    dt = dtype_of(dtype)
    fn = line.np(dt, complex_safe=method == "complex_step")
    x = np.asarray(float(sp.N(line.x, 30)), dtype=dt)
    return float(fd.derivative(fn, x, method, h).value)


def quotient_exact(line: Line, method: str, h, levels: int = 2) -> mpmath.mpf:
    """The same stencil in 50-digit arithmetic with h taken exactly: its truncation error alone.

    ``h`` may be a SymPy expression (kept exact) or a float (its exact binary value).
    """
    st = method_stencil(method, levels)
    if st is None:
        raise InputError("the complex step has no real-arithmetic stencil to evaluate exactly")
    fd.check_step(float(sp.N(h, 30)))
    with mpmath.workdps(DIGITS):
        g = line.mp()
        x = mpmath.mpf(sp.N(line.x, DIGITS + 20))
        hh = mpmath.mpf(sp.N(h, DIGITS + 20)) if isinstance(h, sp.Basic) else mpmath.mpf(h)
        total = mpmath.mpf(0)
        for c, w in zip(st.offsets, st.weights, strict=True):
            total += _frac(w) * g(x + _frac(c) * hh)
        return total / hh


def quotient_at_precision(line: Line, method: str, h, bits: int, levels: int = 2) -> mpmath.mpf:
    """The stencil with every operation rounded to ``bits`` binary digits (ε = 2^(1−bits)).

    Simulates a stated working precision such as ε = 1e-4 (``bits = 14``) that no
    hardware type has; the step and the point are rounded to that precision too.
    """
    st = method_stencil(method, levels)
    if st is None:
        raise InputError("the complex step has no real-arithmetic stencil")
    if not 2 <= bits <= 1000:
        raise InputError(f"precision must be between 2 and 1000 bits, got {bits}")
    g = mp_function(line.expr, line.variables)
    i = line.index
    with mpmath.workprec(bits):
        point = [mpmath.mpf(sp.N(p, 30)) for p in line.point]
        hh = mpmath.mpf(sp.N(h, 30))
        total = mpmath.mpf(0)
        for c, w in zip(st.offsets, st.weights, strict=True):
            shifted = list(point)
            shifted[i] = point[i] + _frac(c) * hh
            total += _frac(w) * g(*shifted)
        return total / hh


def bits_for(eps: float) -> int:
    """Binary digits whose ε = 2^(1−bits) is closest to a stated precision ``eps``."""
    if not 0 < eps < 1:
        raise InputError(f"working precision eps must be between 0 and 1, got {eps}")
    return max(2, round(1 - math.log2(eps)))


def _frac(q: Fraction) -> mpmath.mpf:
    return mpmath.mpf(q.numerator) / q.denominator


@dataclass
class CancellationRow:
    h: float
    f_plus: float            # f(x + h) in the working precision
    f_x: float
    computed: float          # f(x + h) − f(x) in the working precision
    exact: float             # the same difference at 50 digits
    digits_lost: float       # leading digits that cancel
    correct_digits: float    # digits of the computed difference that are right

    def to_dict(self) -> dict:
        return {k: finite(v) for k, v in self.__dict__.items()}


def cancellation(line: Line, hs: Sequence[float], dtype: str = "float64") -> list[CancellationRow]:
    """f(x + h) − f(x) per step: how many digits cancel, and how many of the rest survive."""
    dt = dtype_of(dtype)
    g = line.np(dt)
    x = np.asarray(float(sp.N(line.x, 30)), dtype=dt)
    rows = []
    with mpmath.workdps(DIGITS):
        gm = line.mp()
        xm = mpmath.mpf(sp.N(line.x, DIGITS + 20))
        f0 = f0m = None  # f(x) in dtype and at 50 digits: the same for every step
        for h in hs:
            hd = float(fd.check_step(h))
            if f0 is None:
                f0, f0m = float(g(x)), gm(xm)
            fp, fpm = float(g(x + dt.type(hd))), gm(xm + mpmath.mpf(hd))
            computed = float(dt.type(fp) - dt.type(f0))
            exact = fpm - f0m
            lost = digits_lost(float(fpm), float(f0m))
            rel = abs(computed - exact) / abs(exact) if exact != 0 else mpmath.inf
            correct = min(17.0, -math.log10(float(rel))) if rel > 0 else 17.0
            rows.append(CancellationRow(hd, fp, f0, computed, float(exact), lost,
                                        max(0.0, correct)))
    return rows


def compare_dtypes(line: Line, method: str = "central", levels: int = 2) -> list[dict]:
    """The same derivative in every working precision at its own default step, then at 50 digits.

    The 50-digit row evaluates the float64 step's stencil exactly: what remains
    is the method's truncation error, which round-off hides in the lower rows.
    """
    tr = truth(line, order=1)
    rows = []
    for name in DTYPES:
        dt = dtype_of(name)
        if method == "complex_step" and dt == np.float16:
            continue
        fn = line.np(dt, complex_safe=method == "complex_step")
        x = np.asarray(float(sp.N(line.x, 30)), dtype=dt)
        e = fd.derivative(fn, x, method, levels=levels)
        value = float(e.value)
        rows.append({"dtype": name, "eps": machine_epsilon(name), "h": float(e.h),
                     "estimate": value, "rel_error": finite(float(errors_against(np.asarray(value),
                                                                        tr.value)))})
    if method != "complex_step":
        h64 = float(fd.step(method, float(sp.N(line.x, 30)), levels=levels))
        exact = quotient_exact(line, method, h64, levels)
        rows.append({"dtype": f"mpmath ({DIGITS} digits)", "eps": 2.0 ** -mpmath.mp.prec,
                     "h": h64, "estimate": float(exact),
                     "rel_error": finite(float(errors_against(np.asarray(float(exact)),
                                                              tr.value)))})
    return rows
