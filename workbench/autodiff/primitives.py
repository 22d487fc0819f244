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

from ..core.functions import sigmoid, softplus
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


def _zero_at(reason: str) -> Callable:
    return lambda m, p, x: reason if m.is_zero(x) else None


def _powc_singular(m, p, x):
    # x^p with 0 < p < 1 has an infinite slope at 0 (x^(1/3)); integer p ≥ 1 is smooth
    if m.is_zero(x) and not (float(p).is_integer() and p >= 1) and p != 0:
        return f"x^{p} has no finite derivative at x = 0"
    return None


def _unit_arg(name: str) -> Callable:
    return lambda m, p, x: (f"{name} has an infinite slope at ±1"
                            if m.is_zero(x - 1) or m.is_zero(x + 1) else None)


#: name -> Primitive.  The derivative rules of the workbench's autodiff, all of them.
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
    "sqrt": _P(1, lambda m, p, x: m.sqrt(x), lambda m, p, a, x: (1 / (2 * a),),
               "sqrt({0})", r"\sqrt{{{0}}}",
               _zero_at("√x has an infinite slope at x = 0 (∂/∂x = 1/(2√x) = ∞)")),
    "exp": _P(1, lambda m, p, x: m.exp(x), lambda m, p, a, x: (a,), "exp({0})", "e^{{{0}}}"),
    "log": _P(1, lambda m, p, x: m.log(x), lambda m, p, a, x: (1 / x,),
              "log({0})", r"\ln\left({0}\right)"),
    "sin": _P(1, lambda m, p, x: m.sin(x), lambda m, p, a, x: (m.cos(x),),
              "sin({0})", r"\sin\left({0}\right)"),
    "cos": _P(1, lambda m, p, x: m.cos(x), lambda m, p, a, x: (-m.sin(x),),
              "cos({0})", r"\cos\left({0}\right)"),
    "tan": _P(1, lambda m, p, x: m.tan(x), lambda m, p, a, x: (1 + a * a,),
              "tan({0})", r"\tan\left({0}\right)"),
    "asin": _P(1, lambda m, p, x: m.asin(x), lambda m, p, a, x: (1 / m.sqrt(1 - x * x),),
               "asin({0})", r"\arcsin\left({0}\right)", _unit_arg("arcsin")),
    "acos": _P(1, lambda m, p, x: m.acos(x), lambda m, p, a, x: (-1 / m.sqrt(1 - x * x),),
               "acos({0})", r"\arccos\left({0}\right)", _unit_arg("arccos")),
    "atan": _P(1, lambda m, p, x: m.atan(x), lambda m, p, a, x: (1 / (1 + x * x),),
               "atan({0})", r"\arctan\left({0}\right)"),
    "sinh": _P(1, lambda m, p, x: m.sinh(x), lambda m, p, a, x: (m.cosh(x),),
               "sinh({0})", r"\sinh\left({0}\right)"),
    "cosh": _P(1, lambda m, p, x: m.cosh(x), lambda m, p, a, x: (m.sinh(x),),
               "cosh({0})", r"\cosh\left({0}\right)"),
    "tanh": _P(1, lambda m, p, x: m.tanh(x), lambda m, p, a, x: (1 - a * a,),
               "tanh({0})", r"\tanh\left({0}\right)"),
    "sigmoid": _P(1, lambda m, p, x: m.sigmoid(x), lambda m, p, a, x: (a * (1 - a),),
                  "sigmoid({0})", r"\sigma\left({0}\right)"),
    "softplus": _P(1, lambda m, p, x: m.softplus(x), lambda m, p, a, x: (m.sigmoid(x),),
                   "softplus({0})", r"\operatorname{{softplus}}\left({0}\right)"),
    "abs": _P(1, lambda m, p, x: m.abs(x), lambda m, p, a, x: (m.sign(x),),
              "abs({0})", r"\left|{0}\right|", _zero_at("|x| has a kink at x = 0")),
    "sign": _P(1, lambda m, p, x: m.sign(x), lambda m, p, a, x: (0,),
               "sign({0})", r"\operatorname{{sign}}\left({0}\right)",
               _zero_at("sign(x) jumps at x = 0")),
    "relu": _P(1, lambda m, p, x: m.max(0, x), lambda m, p, a, x: (m.step(x),),
               "relu({0})", r"\max\left(0, {0}\right)", _zero_at("relu has a kink at x = 0")),
    "max": _P(2, lambda m, p, x, y: m.max(x, y),
              lambda m, p, a, x, y: (m.step(x - y), m.step(y - x)),
              "max({0}, {1})", r"\max\left({0}, {1}\right)",
              lambda m, p, x, y: "max(x, y) has a kink where x = y" if m.is_zero(x - y) else None),
    "min": _P(2, lambda m, p, x, y: m.min(x, y),
              lambda m, p, a, x, y: (m.step(y - x), m.step(x - y)),
              "min({0}, {1})", r"\min\left({0}, {1}\right)",
              lambda m, p, x, y: "min(x, y) has a kink where x = y" if m.is_zero(x - y) else None),
}

#: Primitives of one argument and no constant: the functions a traced program may call.
UNARY = [k for k, v in PRIMITIVES.items() if v.arity == 1 and not v.has_param
         and k not in ("neg", "recip")]


# ----------------------------------------------------------------------------- algebras

class ExactAlgebra(ScalarAlgebra):
    """SymPy numbers and expressions: exact values, exact partials, symbolic traces."""

    name = "exact"
    exp, log, sqrt = staticmethod(sp.exp), staticmethod(sp.log), staticmethod(sp.sqrt)
    sin, cos, tan = staticmethod(sp.sin), staticmethod(sp.cos), staticmethod(sp.tan)
    asin, acos, atan = staticmethod(sp.asin), staticmethod(sp.acos), staticmethod(sp.atan)
    sinh, cosh, tanh = staticmethod(sp.sinh), staticmethod(sp.cosh), staticmethod(sp.tanh)
    sigmoid, softplus = staticmethod(sigmoid), staticmethod(softplus)
    abs, sign = staticmethod(sp.Abs), staticmethod(sp.sign)
    max, min = staticmethod(sp.Max), staticmethod(sp.Min)

    @staticmethod
    def step(x):
        # the slope of max(0, x); at 0 the node is flagged, so the value there is never used
        return sp.Heaviside(x, sp.Rational(1, 2))

    @staticmethod
    def const(p):
        return sp.sympify(p)

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


def _float_sigmoid(x):
    return 0.5 + 0.5 * np.tanh(0.5 * x)  # overflow-free form of 1/(1 + e^-x)


class FloatAlgebra(ScalarAlgebra):
    """NumPy float64: fast numeric sweeps; inf and nan come back as values, not exceptions."""

    name = "float"
    exp, log, sqrt = np.exp, np.log, np.sqrt
    sin, cos, tan = np.sin, np.cos, np.tan
    asin, acos, atan = np.arcsin, np.arccos, np.arctan
    sinh, cosh, tanh = np.sinh, np.cosh, np.tanh
    sigmoid = staticmethod(_float_sigmoid)
    abs, sign = np.abs, np.sign
    max, min = np.maximum, np.minimum

    @staticmethod
    def softplus(x):
        return np.logaddexp(0.0, x)

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
