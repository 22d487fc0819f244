"""The primitive operations of a computation graph: each value beside its local partials.

Automatic differentiation knows only a small vocabulary of primitives; every
other function is a composition of them.  For each primitive the table
:data:`PRIMITIVES` states, side by side (in the style of autograd's ``defvjp``),

* its value ``v = φ(x₁, …, x_k)``,
* its local partials ``∂v/∂x₁, …, ∂v/∂x_k`` (written with the answer ``a = v``
  where that is cheaper: d eˣ/dx = a, d tanh x/dx = 1 − a²),
* where those partials do not exist (√x at 0, |x| at 0, max(x, y) at x = y).

The forward sweep multiplies the partials into tangents, v̇ = Σₖ ∂v/∂xₖ · ẋₖ; the
reverse sweep multiplies them into adjoints, x̄ₖ += v̄ · ∂v/∂xₖ.  Both live in
:mod:`workbench.trace`; this table is the only place a derivative rule is written.

The same rules run in several number systems, the *algebras*:

* :data:`EXACT` - SymPy, exact (√2 stays √2; with symbols, a symbolic trace);
* :data:`FLOAT` - NumPy float64 (inf/nan instead of exceptions, reported later);
* :class:`DualAlgebra` - dual numbers a + b·ε over either of them.  A dual number
  carries a value and a tangent; running the *reverse* sweep on dual numbers is
  forward-over-reverse, which yields Hessian-vector products.  The duals' own
  derivative rules are read from this same table.

>>> import sympy as sp
>>> PRIMITIVES["sin"].partials(EXACT, None, sp.sin(1), sp.Integer(1))
(cos(1),)
>>> d = DualAlgebra(EXACT).exp(Dual(sp.Integer(0), sp.Integer(1)))   # e^(0 + ε)
>>> (d.v, d.t)
(1, 1)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from ..core.functions import SYMPY, TABLE, Fn, numeric
from .algebra import ScalarAlgebra


@dataclass(frozen=True)
class Primitive:
    """One operation: arity, value, local partials, where they fail, and how it prints.

    ``value(m, p, *x)`` and ``partials(m, p, a, *x)`` take the algebra ``m``, the
    node's constant parameter ``p`` (or None), the answer ``a`` and the inputs.
    ``singular(m, p, *x)`` returns a reason when the partials do not exist there.
    ``text``/``latex`` are templates: ``{0}``, ``{1}`` the inputs, ``{p}`` the constant.
    """

    arity: int
    value: Callable
    partials: Callable
    text: str
    latex: str
    singular: Callable | None = None
    has_param: bool = False


def _P(arity, value, partials, text, latex, singular=None, param=False) -> Primitive:
    return Primitive(arity, value, partials, text, latex, singular, param)


def _powc_singular(m, p, x):
    # x^p with 0 < p < 1 has an infinite slope at 0 (x^(1/3)); integer p ≥ 1 is smooth
    if m.is_zero(x) and not (float(p).is_integer() and p >= 1) and p != 0:
        return f"x^{p} has no finite derivative at x = 0"
    return None


def _from_table(fn: Fn) -> Primitive:
    """A row of the function table as a primitive: its value, partials, singularities, print."""
    args = ", ".join(f"{{{i}}}" for i in range(fn.arity))
    tex = fn.tex.replace("{", "{{").replace("}", "}}")
    singular = fn.singular
    return Primitive(
        fn.arity, lambda m, p, *x: fn.evaluate(m, *x), lambda m, p, a, *x: fn.partials(m, a, *x),
        f"{fn.name}({args})", fn.latex or tex + rf"\left({args}\right)",
        (lambda m, p, *x: singular(m, *x)) if singular else None)


#: name -> Primitive.  The derivative rules of the workbench's autodiff, all of them: the
#: arithmetic below, and every function of :data:`workbench.core.functions.TABLE`.
PRIMITIVES: dict[str, Primitive] = {
    # constants that cannot be folded into a neighbour (max(1, x)): a leaf with no partials
    "const": _P(0, lambda m, p: p, lambda m, p, a: (), "{p}", "{p}", param=True),
    "add": _P(2, lambda m, p, x, y: x + y, lambda m, p, a, x, y: (1, 1),
              "{0} + {1}", "{0} + {1}"),
    "sub": _P(2, lambda m, p, x, y: x - y, lambda m, p, a, x, y: (1, -1),
              "{0} - {1}", "{0} - {1}"),
    "mul": _P(2, lambda m, p, x, y: x * y, lambda m, p, a, x, y: (y, x),
              "{0}*{1}", r"{0} \cdot {1}"),
    "div": _P(2, lambda m, p, x, y: x / y, lambda m, p, a, x, y: (1 / y, -a / y),
              "{0}/{1}", r"\frac{{{0}}}{{{1}}}"),
    "neg": _P(1, lambda m, p, x: -x, lambda m, p, a, x: (-1,), "-{0}", "-{0}"),
    "recip": _P(1, lambda m, p, x: 1 / x, lambda m, p, a, x: (-a * a,),
                "1/{0}", r"\frac{{1}}{{{0}}}"),
    "scale": _P(1, lambda m, p, x: p * x, lambda m, p, a, x: (p,),
                "{p}*{0}", r"{p} \, {0}", param=True),
    "shift": _P(1, lambda m, p, x: x + p, lambda m, p, a, x: (1,),
                "{0} + {p}", "{0} + {p}", param=True),
    "powc": _P(1, lambda m, p, x: x**p, lambda m, p, a, x: (p * x ** (p - 1),),
               "{0}**{p}", "{0}^{{{p}}}", _powc_singular, param=True),
    "cpow": _P(1, lambda m, p, x: p**x, lambda m, p, a, x: (a * m.log(p),),
               "{p}**{0}", "{p}^{{{0}}}", param=True),
    "pow": _P(2, lambda m, p, x, y: x**y, lambda m, p, a, x, y: (y * x ** (y - 1), a * m.log(x)),
              "{0}**{1}", "{0}^{{{1}}}", lambda m, p, x, y: (
                  "x^y has no derivative in x at x = 0" if m.is_zero(x) else None)),
    **{name: _from_table(fn) for name, fn in TABLE.items()},
}

#: Primitives of one argument and no constant: the functions a traced program may call.
UNARY = [k for k, v in PRIMITIVES.items() if v.arity == 1 and not v.has_param
         and k not in ("neg", "recip")]


# ----------------------------------------------------------------------------- algebras

class ExactAlgebra(ScalarAlgebra):
    """SymPy numbers and expressions: exact values, exact partials, symbolic traces."""

    name = "exact"

    step, const = staticmethod(SYMPY.step), staticmethod(SYMPY.const)

    def __getattr__(self, name: str):
        """The table's functions, as SymPy builds them (``m.exp``, ``m.sigmoid``, ...)."""
        if name in TABLE:
            return TABLE[name].sympy
        raise AttributeError(name)

    @staticmethod
    def is_zero(x) -> bool:
        """Exactly zero.  Constant expressions SymPy cannot decide are judged at 60 digits."""
        x = sp.sympify(x)
        if x.is_zero is not None or x.free_symbols:
            return bool(x.is_zero)
        return abs(sp.N(x, 60)) < sp.Float(10) ** -50

    @staticmethod
    def problem(value) -> str | None:
        """Why ``value`` is not a real finite number (None when it is, or is symbolic)."""
        value = sp.sympify(value)
        if value.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
            return "is infinite or undefined (division by zero?)"
        if value.free_symbols:
            return None
        if value.is_extended_real is False:
            return "is not a real number"
        if value.is_real is None:
            re, im = sp.N(value, 30).as_real_imag()
            if abs(im) > sp.Float(10) ** -25 * max(1, abs(re)):
                return "is not a real number"
        return None


class FloatAlgebra(ScalarAlgebra):
    """NumPy float64: fast numeric sweeps; inf and nan come back as values, not exceptions."""

    name = "float"

    def __getattr__(self, name: str):
        """The table's functions in NumPy, as compiled code computes them."""
        if name in TABLE:
            return numeric(name, "numpy")
        raise AttributeError(name)

    @staticmethod
    def step(x):
        return np.heaviside(x, 0.5)

    @staticmethod
    def const(p):
        return np.float64(float(sp.N(p, 20)))

    @staticmethod
    def is_zero(x) -> bool:
        return bool(x == 0)

    @staticmethod
    def problem(value) -> str | None:
        return None if np.isfinite(value) else "is not a finite real number"


EXACT = ExactAlgebra()
FLOAT = FloatAlgebra()


# ----------------------------------------------------------------------------- dual numbers

class Dual:
    """v + t·ε with ε² = 0: a value and its tangent, carried through arithmetic."""

    __slots__ = ("v", "t")

    def __init__(self, v: Any, t: Any):
        self.v, self.t = v, t

    def __repr__(self) -> str:
        return f"Dual({self.v!r}, {self.t!r})"

    @staticmethod
    def _parts(o):
        return (o.v, o.t) if isinstance(o, Dual) else (o, 0)

    def __add__(self, o):
        v, t = self._parts(o)
        return Dual(self.v + v, self.t + t)

    __radd__ = __add__

    def __sub__(self, o):
        v, t = self._parts(o)
        return Dual(self.v - v, self.t - t)

    def __rsub__(self, o):
        return Dual(o - self.v, -self.t)

    def __neg__(self):
        return Dual(-self.v, -self.t)

    def __mul__(self, o):
        v, t = self._parts(o)
        return Dual(self.v * v, self.v * t + self.t * v)

    __rmul__ = __mul__

    def __truediv__(self, o):
        v, t = self._parts(o)
        q = self.v / v
        return Dual(q, (self.t - q * t) / v)

    def __rtruediv__(self, o):
        q = o / self.v
        return Dual(q, -q * self.t / self.v)

    def __pow__(self, o):
        if isinstance(o, Dual):
            a = self.v**o.v
            return Dual(a, o.v * self.v ** (o.v - 1) * self.t + a * _log_of(self.v) * o.t)
        return Dual(self.v**o, o * self.v ** (o - 1) * self.t)

    def __rpow__(self, o):
        a = o**self.v
        return Dual(a, a * _log_of(o) * self.t)


def _log_of(x):
    return sp.log(x) if isinstance(x, sp.Basic) else np.log(x)


class DualAlgebra(ScalarAlgebra):
    """Dual numbers over ``base``; each function's tangent rule comes from :data:`PRIMITIVES`.

    f(v + t·ε) = f(v) + f′(v)·t·ε, with f′ the primitive's own local partial, so the
    duals cannot disagree with the sweeps about any derivative.
    """

    def __init__(self, base):
        self.base = base
        self.name = f"dual[{base.name}]"
        for op in UNARY:
            setattr(self, op, self._lift(op))
        self.max = self._lift2("max")
        self.min = self._lift2("min")

    def _lift(self, op: str) -> Callable:
        prim, base = PRIMITIVES[op], self.base

        def f(x):
            if not isinstance(x, Dual):
                return prim.value(base, None, x)
            a = prim.value(base, None, x.v)
            (d,) = prim.partials(base, None, a, x.v)
            return Dual(a, d * x.t)

        return f

    def _lift2(self, op: str) -> Callable:
        prim, base = PRIMITIVES[op], self.base

        def f(x, y):
            (xv, xt), (yv, yt) = Dual._parts(x), Dual._parts(y)
            a = prim.value(base, None, xv, yv)
            dx, dy = prim.partials(base, None, a, xv, yv)
            return Dual(a, dx * xt + dy * yt)

        return f

    def step(self, x):
        return self.base.step(x.v if isinstance(x, Dual) else x)  # piecewise constant

    def const(self, p):
        return self.base.const(p)

    def is_zero(self, x) -> bool:
        return self.base.is_zero(x.v if isinstance(x, Dual) else x)

    def problem(self, value) -> str | None:
        return self.base.problem(value.v if isinstance(value, Dual) else value)
