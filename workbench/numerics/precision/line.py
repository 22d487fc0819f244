"""A function restricted to a line through the point, in NumPy and in 50-digit mpmath.

A partial derivative ∂f/∂x at a point is the derivative of g(t) = f(…, t, …),
the other coordinates fixed.  :class:`Line` holds f, the exact point and the
direction; :meth:`Line.np` evaluates g in a working precision (the other
coordinates rounded to it), :meth:`Line.mp` at 50 digits.

>>> from workbench.core.parse import parse
>>> line = make_line(parse("x*y"), ["x", "y"], {"x": 2, "y": 3}, "x")
>>> float(line.mp()(2)), line.x
(6.0, 2)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import reduce

import mpmath
import numpy as np
import sympy as sp

from ...core.digits import DIGITS
from ...core.errors import DomainError, InputError
from ...core.functions import SYMPY, TABLE, softplus
from ...symbolic.calculus import symbols


def _literal_constants(expr: sp.Expr) -> sp.Expr:
    """Numeric subexpressions (√2, log 3) as 30-digit literals.

    NumPy keeps a float32 array float32 under Python-float constants, but
    ``numpy.sqrt(2)`` is a float64 scalar and would silently promote the whole
    computation; literals keep the study in its working precision.
    """
    return expr.replace(lambda e: e.is_number and not e.is_Atom,
                        lambda e: sp.Float(sp.N(e, 30), 30))


def _cabs(z):
    # |z| continued analytically from the real axis: z·sign(Re z) (fine away from 0)
    return z * np.sign(np.real(z))


def _cmax(a, b):
    return np.where(np.real(a) >= np.real(b), a, b)


def _cmin(a, b):
    return np.where(np.real(a) <= np.real(b), a, b)


_COMPLEX = {"cabs": _cabs, "cmax": _cmax, "cmin": _cmin,
            "csign": lambda z: np.sign(np.real(z))}


def _complex_safe(expr: sp.Expr) -> sp.Expr:
    """Rewrite the non-analytic pieces so the complex step sees their real-axis branch."""
    cabs, cmax, cmin, csign = (sp.Function(n) for n in ("cabs", "cmax", "cmin", "csign"))
    return (expr.replace(softplus, lambda a: TABLE["softplus"].expand(SYMPY, a))
            .replace(sp.Abs, cabs).replace(sp.sign, csign)
            .replace(sp.Max, lambda *a: reduce(cmax, a))
            .replace(sp.Min, lambda *a: reduce(cmin, a)))


def numeric(expr: sp.Expr, variables: Sequence[str], complex_safe: bool = False) -> Callable:
    """A NumPy function of ``expr`` that computes in the dtype of its arguments.

    ``complex_safe`` rewrites abs, sign, max, min and softplus so complex
    arguments (the complex step) follow the real-axis branch.
    """
    xs = symbols(variables)
    e = _literal_constants(expr)
    modules = [_COMPLEX, "numpy"] if complex_safe else ["numpy"]
    fn = sp.lambdify(xs, _complex_safe(e) if complex_safe else e, modules=modules, cse=True)

    def run(*args):
        with np.errstate(all="ignore"):  # overflow and invalid show up as inf/nan errors
            out = fn(*args)
        shape = np.broadcast_shapes(*(np.shape(a) for a in args))
        dtype = np.result_type(*args)
        return np.broadcast_to(np.asarray(out, dtype=np.result_type(out, dtype)), shape)

    return run


def mp_function(expr: sp.Expr, variables: Sequence[str]) -> Callable:
    fn = sp.lambdify(symbols(variables), expr, modules="mpmath")

    def call(*v):
        try:
            return fn(*v)
        except (ZeroDivisionError, ValueError, OverflowError):
            return mpmath.nan

    return call


def real_finite(z) -> bool:
    return isinstance(z, mpmath.mpf) and bool(mpmath.isfinite(z))


def _exact_point(point: Mapping, variables: Sequence[str]) -> list[sp.Expr]:
    missing = [v for v in variables if v not in point]
    if missing:
        raise InputError(f"the point gives no value for {', '.join(missing)}")
    return [sp.nsimplify(point[v]) if not isinstance(point[v], sp.Basic) else point[v]
            for v in variables]


def describe_point(variables, values) -> str:
    return ", ".join(f"{v}={sp.sstr(p)}" for v, p in zip(variables, values, strict=True))


@dataclass
class Line:
    """f restricted to the line through ``point`` along ``wrt``: g(t) = f(…, t, …)."""

    expr: sp.Expr
    variables: list[str]
    point: list[sp.Expr]
    wrt: str

    @property
    def index(self) -> int:
        return self.variables.index(self.wrt)

    @property
    def x(self) -> sp.Expr:
        return self.point[self.index]

    def mp(self) -> Callable:
        """g as an mpmath function of t; the other coordinates are exact 50-digit values."""
        f = mp_function(self.expr, self.variables)
        with mpmath.workdps(DIGITS + 20):
            fixed = [mpmath.mpf(sp.N(p, DIGITS + 20)) for p in self.point]
        i = self.index
        return lambda t: f(*fixed[:i], t, *fixed[i + 1:])

    def np(self, dtype: np.dtype, complex_safe: bool = False) -> Callable:
        """g in NumPy, the other coordinates rounded to ``dtype``."""
        f = numeric(self.expr, self.variables, complex_safe)
        fixed = [np.asarray(float(sp.N(p, 30)), dtype=dtype) for p in self.point]
        i = self.index
        return lambda t: f(*fixed[:i], t, *fixed[i + 1:])


def make_line(expr: sp.Expr, variables: Sequence[str], point: Mapping,
              wrt: str | None = None) -> Line:
    """Validate variables, point and ``wrt`` and build the :class:`Line`."""
    variables = list(variables)
    if wrt is None:
        if len(variables) != 1:
            raise InputError(f"a function of {', '.join(variables)} needs --wrt to name "
                             "the partial derivative")
        wrt = variables[0]
    if wrt not in variables:
        raise InputError(f"--wrt {wrt}: not a variable (variables: {', '.join(variables)})")
    return Line(expr, variables, _exact_point(point, variables), wrt)


def value_at(line: Line) -> mpmath.mpf:
    """f at the point in 50 digits; a point outside the domain is a :class:`DomainError`."""
    with mpmath.workdps(DIGITS):
        y = line.mp()(mpmath.mpf(sp.N(line.x, DIGITS + 20)))
    if not real_finite(y):
        raise DomainError(f"the point {describe_point(line.variables, line.point)} is outside the "
                          "domain of f (f is not a real finite number there)")
    return y
