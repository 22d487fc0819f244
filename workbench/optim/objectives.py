"""The functions optimizers minimize: named test functions, or any expression, with ∇f.

An :class:`Objective` holds f and its exact gradient, derived by SymPy and
compiled to NumPy, evaluated at one point w ∈ ℝⁿ.  :data:`TEST_FUNCTIONS` lists
the classic test functions (Beale, Rosenbrock, Himmelblau, …) with their known
minimizers and a plotting window; :func:`start_point` checks a start point is
inside the domain of f and ∇f before any run.

>>> obj = objective("rosenbrock")
>>> obj.variables, obj.value([1.0, 1.0]), obj.grad([1.0, 1.0]).tolist()
(['x', 'y'], 0.0, [0.0, 0.0])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from ..backends.compile import compile
from ..core.errors import DomainError, InputError
from ..core.parse import parse, variables_of
from ..symbolic.calculus import gradient


@dataclass(frozen=True)
class NamedFunction:
    """A named optimization test function with its known minimizers and a plotting window."""

    expr: str
    variables: tuple[str, ...]
    minima: tuple[tuple[float, ...], ...]
    window: tuple[tuple[float, float], ...]
    minimum_value: float = 0.0


TEST_FUNCTIONS: dict[str, NamedFunction] = {
    "beale": NamedFunction("(1.5 - x + x*y)**2 + (2.25 - x + x*y**2)**2 + (2.625 - x + x*y**3)**2",
                          ("x", "y"), ((3.0, 0.5),), ((-4.5, 4.5), (-4.5, 4.5))),
    "rosenbrock": NamedFunction("(1 - x)**2 + 100*(y - x**2)**2", ("x", "y"), ((1.0, 1.0),),
                               ((-2.0, 2.0), (-1.0, 3.0))),
    "himmelblau": NamedFunction("(x**2 + y - 11)**2 + (x + y**2 - 7)**2", ("x", "y"),
                               ((3.0, 2.0), (-2.805118086952745, 3.131312518250573),
                                (-3.779310253377747, -3.283185991286170),
                                (3.584428340330492, -1.848126526964404)),
                               ((-5.0, 5.0), (-5.0, 5.0))),
    "booth": NamedFunction("(x + 2*y - 7)**2 + (2*x + y - 5)**2", ("x", "y"), ((1.0, 3.0),),
                          ((-10.0, 10.0), (-10.0, 10.0))),
    "matyas": NamedFunction("0.26*(x**2 + y**2) - 0.48*x*y", ("x", "y"), ((0.0, 0.0),),
                           ((-10.0, 10.0), (-10.0, 10.0))),
    "sphere": NamedFunction("x**2 + y**2", ("x", "y"), ((0.0, 0.0),), ((-5.0, 5.0), (-5.0, 5.0))),
    "three_hump_camel": NamedFunction("2*x**2 - 1.05*x**4 + x**6/6 + x*y + y**2", ("x", "y"),
                                     ((0.0, 0.0),), ((-5.0, 5.0), (-5.0, 5.0))),
    "mccormick": NamedFunction("sin(x + y) + (x - y)**2 - 1.5*x + 2.5*y + 1", ("x", "y"),
                              ((-0.5471975511965976, -1.5471975511965976),),
                              ((-1.5, 4.0), (-3.0, 4.0)), -1.9132229549810367),
    "parabola": NamedFunction("x**2 - 4*x + 4", ("x",), ((2.0,),), ((-1.0, 5.0),)),
}


@dataclass
class Objective:
    """f and ∇f, derived exactly and compiled to NumPy; evaluated at one point w ∈ ℝⁿ."""

    expr: sp.Expr
    variables: list[str]
    name: str = ""
    known: NamedFunction | None = None
    grad_exprs: list[sp.Expr] = field(default_factory=list)

    def __post_init__(self):
        if not self.grad_exprs:
            self.grad_exprs = gradient(self.expr, self.variables)
        self._f = compile(self.expr, self.variables)
        self._g = compile(self.grad_exprs, self.variables)

    @property
    def n(self) -> int:
        return len(self.variables)

    def value(self, w) -> float:
        return float(self._f(*np.asarray(w, dtype=float)))

    def grad(self, w) -> np.ndarray:
        return np.asarray(self._g(*np.asarray(w, dtype=float)), dtype=float)

    def values(self, *grids) -> np.ndarray:
        """f on arrays of coordinates (for plots)."""
        return np.asarray(self._f(*grids), dtype=float)

    def window(self, paths: Sequence[np.ndarray] = ()) -> tuple[tuple[float, float], ...]:
        """A plotting window: the known one, widened to contain every path."""
        lo = [w[0] for w in self.known.window] if self.known else [-3.0] * self.n
        hi = [w[1] for w in self.known.window] if self.known else [3.0] * self.n
        for p in paths:
            p = p[np.all(np.isfinite(p), axis=1)]
            if len(p):
                span = np.maximum(p.max(0) - p.min(0), 1e-3)
                lo = np.minimum(lo, p.min(0) - 0.1 * span)
                hi = np.maximum(hi, p.max(0) + 0.1 * span)
        return tuple((float(a), float(b)) for a, b in zip(lo, hi, strict=True))


def objective(spec: str, variables: Sequence[str] | None = None) -> Objective:
    """A named test function (``beale``, ``rosenbrock``, …) or an expression, parsed safely."""
    key = spec.strip().lower().replace("-", "_")
    if key in TEST_FUNCTIONS:
        tf = TEST_FUNCTIONS[key]
        return Objective(parse(tf.expr, tf.variables), list(tf.variables), key, tf)
    expr = parse(spec, variables)
    names = list(variables) if variables is not None else variables_of(expr)
    if not names:
        raise InputError(f"{spec!r} has no variables to optimize over "
                         f"(named functions: {', '.join(TEST_FUNCTIONS)})")
    return Objective(expr, names, spec.strip())


def start_point(obj: Objective, x0: Sequence[float]) -> np.ndarray:
    """x0 as an array, checked: right length, finite, and inside the domain of f and ∇f."""
    w = np.asarray(x0, dtype=float).reshape(-1)
    if len(w) != obj.n:
        raise InputError(f"start point has {len(w)} coordinate(s), f has {obj.n} "
                         f"({', '.join(obj.variables)})")
    where = ", ".join(f"{n}={v:g}" for n, v in zip(obj.variables, w, strict=True))
    if not np.all(np.isfinite(w)):
        raise InputError(f"start point {where} is not finite")
    if not np.isfinite(obj.value(w)):
        raise DomainError(f"start point {where} is outside the domain of f "
                          f"(f = {obj.value(w)})")
    if not np.all(np.isfinite(obj.grad(w))):
        raise DomainError(f"start point {where}: ∇f is not finite there "
                          f"(∇f = {obj.grad(w).tolist()})")
    return w
