"""The table of functions: every function the workbench knows, one entry each.

A function is known when it has a row in :data:`TABLE`.  Each row states, side
by side (as autograd's ``defvjp(op, rule)`` or micrograd's ``_backward`` do),

* its **value**: the SymPy class or builder the parser calls (``sp.sin``, or a
  class made here for the names machine learning adds: ``sigmoid``, ``softplus``,
  ``silu``, and ``erf`` with array spellings);
* its **local derivative** ``f′``, written once as a rule ``d(m, a, x)`` in any
  number system ``m`` (SymPy, NumPy floats, dual numbers...), with the answer
  ``a = f(x)`` at hand where that is cheaper::

      exp      a = eˣ                  f′ = a
      tanh     a = tanh x              f′ = 1 − a²
      sigmoid  a = 1/(1 + e⁻ˣ)         f′ = a(1 − a)
      softplus a = log(1 + eˣ)         f′ = σ(x)
      erf      a = 2/√π ∫₀ˣ e^{−t²}dt  f′ = 2/√π · e^{−x²}
      silu     a = x·σ(x)              f′ = σ(x)(1 + x(1 − σ(x)))

* where that derivative does not exist (``singular``: √x at 0, |x| at 0);
* how it is **written**: LaTeX (``tex``), and, where SymPy's printers do not
  know it, its NumPy/JAX/mpmath/C spelling (``numpy``, ``jax``, ``mpmath``,
  ``c`` code templates: ``{0}`` is the argument, ``xp.name`` a function of the
  printer's array module);
* ``expand``: the function in simpler rows (softplus x = log(1 + eˣ)); the
  classes made here evaluate and rewrite through it, and printers whose
  vocabulary lacks the function print it;
* ``elementwise``: whether the matrix engine maps it over entries.

Everything else reads this table: the parser's whitelist
(:func:`spellings`), the computation graphs' primitives and their derivative
rules, the matrix engine's elementwise functions and printers, the fused C
kernels, the proofs' 50-digit evaluator, and the compiled NumPy/JAX/mpmath
code (through the printer hooks of the classes made here).  Adding a function
is one row and its derivative.

The rules run in any *algebra* ``m``: an object with one attribute per row
(``m.exp``, ``m.sigmoid``, ...) plus ``m.const(c)`` (an exact constant in that
number system) and ``m.step(x)`` (the slope of max(0, x)).  :data:`SYMPY` is the
exact one; :func:`numeric` gives the NumPy, JAX and mpmath versions of a row.

>>> import sympy as sp
>>> x = sp.Symbol("x", real=True)
>>> sp.diff(silu(x), x) == TABLE["silu"].derivative(SYMPY, silu(x), x)
True
>>> sp.diff(softplus(x), x)
sigmoid(x)
>>> float(numeric("sigmoid", "numpy")(-1000.0))   # the overflow-free form NumPy code prints
0.0
>>> float(numeric("erf", "numpy")(0.5))   # erf(1/2) = 0.52049987781304653768...
0.5204998778130465
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache
from types import SimpleNamespace

import numpy as np
import sympy as sp


@dataclass(frozen=True)
class Fn:
    """One row of the table: a function, its derivative, where it fails, how it is spelled."""

    name: str
    sympy: Callable[..., sp.Expr]
    derivative: Callable  # (m, a, *x) -> ∂f/∂x (one argument) or a tuple of partials
    tex: str
    arity: int = 1
    value: Callable | None = None  # (m, *x) -> f(x), when it is not m.<name>(*x)
    latex: str | None = None  # trace template ({0} the argument) when not tex\left({0}\right)
    singular: Callable | None = None  # (m, *x) -> why f′ does not exist there, or None
    numpy: str | None = None
    jax: str | None = None
    mpmath: str | None = None
    c: str | None = None
    expand: Callable | None = None  # (f, x) -> the function in simpler rows of f
    elementwise: bool = False

    def partials(self, m, a, *x) -> tuple:
        """The local partials ∂f/∂x₁, …, as a tuple (what the sweeps multiply)."""
        d = self.derivative(m, a, *x)
        return d if isinstance(d, tuple) else (d,)

    def evaluate(self, m, *x):
        """f(x) in the algebra ``m``."""
        return self.value(m, *x) if self.value else getattr(m, self.name)(*x)


# ----------------------------------------------------------------------------- classes


_QUALIFIED = re.compile(r"\b([A-Za-z_]\w*(?:\.\w+)+)\(")


def _spell(template: str, printer, module: str, args) -> str:
    """A code template printed for ``printer``: ``xp.f(`` is ``module``'s f, other
    dotted names are imported by the printer, ``{0}`` is the printed argument."""
    def qualify(match: re.Match) -> str:
        name = match[1]
        if name.startswith("xp."):
            name = module + name[2:]
        return printer._module_format(name) + "("

    code = _QUALIFIED.sub(qualify, template) if module else template
    return code.format(*(printer._print(a) for a in args))


def _hooks(fn: Fn) -> dict:
    """Printer methods of a class made here: LaTeX and the code spellings of its row."""
    def _latex(self, printer, exp=None):
        out = rf"{fn.tex}\left({printer._print(self.args[0])}\right)"
        return out if exp is None else rf"{out}^{{{exp}}}"

    out: dict = {"_latex": _latex}
    if fn.numpy:
        out["_numpycode"] = lambda self, p: _spell(fn.numpy, p, p._module, self.args)
        out["_cupycode"] = out["_numpycode"]
    if fn.jax or fn.numpy:
        out["_jaxcode"] = lambda self, p: _spell(fn.jax or fn.numpy, p, p._module, self.args)
    if fn.mpmath:
        out["_mpmathcode"] = lambda self, p: _spell(fn.mpmath, p, "mpmath", self.args)
    if fn.c:
        out["_ccode"] = lambda self, p: _spell(fn.c, p, "", self.args)
    return out


def _new(fn: Fn, doc: str, base: type = sp.Function, positive: bool = False) -> Fn:
    """Row ``fn`` with a SymPy class made for it: its derivative, rewrites and spellings.

    ``fdiff`` is the row's own derivative rule run in :data:`SYMPY`, so SymPy's
    ``diff`` and the graphs' sweeps cannot disagree.  With an ``expand`` the class
    also knows its value at 0, its rewrite in exp/log, and evaluates through it.
    """
    def fdiff(self, argindex: int = 1):
        return fn.derivative(SYMPY, self, self.args[0])

    body = {"nargs": 1, "fdiff": fdiff, "__doc__": doc, "__module__": __name__, **_hooks(fn)}
    if fn.expand is not None:
        def elementary(self, *args, **kwargs):
            return fn.expand(SYMPY, self.args[0]).rewrite(sp.exp)

        @classmethod
        def eval(cls, arg):
            return fn.expand(SYMPY, sp.Integer(0)) if arg.is_zero else None

        body.update(
            eval=eval, _eval_rewrite_as_exp=elementary, _eval_rewrite_as_log=elementary,
            _eval_evalf=lambda self, prec: elementary(self)._eval_evalf(prec),
            _eval_is_real=lambda self: self.args[0].is_real,
            _eval_is_positive=(lambda self: self.args[0].is_real) if positive
            else (lambda self: None))
    return replace(fn, sympy=type(fn.name, (base,), body))


def array_erf(x):
    """erf on NumPy arrays: SciPy's ufunc where SciPy is installed, else libm's erf per point."""
    try:
        from scipy.special import erf
    except ImportError:
        erf = np.vectorize(math.erf, otypes=[float])
    return erf(x)


# ----------------------------------------------------------------------------- the table


def _zero_at(reason: str) -> Callable:
    return lambda m, x: reason if m.is_zero(x) else None


def _unit_arg(name: str) -> Callable:
    return lambda m, x: (f"{name} has an infinite slope at ±1"
                         if m.is_zero(x - 1) or m.is_zero(x + 1) else None)


def _kink(name: str) -> Callable:
    return lambda m, x, y: f"{name}(x, y) has a kink where x = y" if m.is_zero(x - y) else None


def _half(x):
    return sp.Mul(sp.Rational(1, 2), x, evaluate=False)  # (u ± v)/2 printed as written


_ROWS: list[Fn] = [
    # name       value (SymPy)      local derivative f′ (a = f(x))
    Fn("sqrt", sp.sqrt, lambda m, a, x: 1 / (2 * a), r"\sqrt", latex=r"\sqrt{{{0}}}",
       singular=_zero_at("√x has an infinite slope at x = 0 (∂/∂x = 1/(2√x) = ∞)"),
       elementwise=True),
    Fn("exp", sp.exp, lambda m, a, x: a, r"\exp", latex="e^{{{0}}}", elementwise=True),
    Fn("log", sp.log, lambda m, a, x: 1 / x, r"\ln", elementwise=True),
    Fn("sin", sp.sin, lambda m, a, x: m.cos(x), r"\sin"),
    Fn("cos", sp.cos, lambda m, a, x: -m.sin(x), r"\cos"),
    Fn("tan", sp.tan, lambda m, a, x: 1 + a * a, r"\tan"),
    Fn("asin", sp.asin, lambda m, a, x: 1 / m.sqrt(1 - x * x), r"\arcsin",
       singular=_unit_arg("arcsin")),
    Fn("acos", sp.acos, lambda m, a, x: -1 / m.sqrt(1 - x * x), r"\arccos",
       singular=_unit_arg("arccos")),
    Fn("atan", sp.atan, lambda m, a, x: 1 / (1 + x * x), r"\arctan"),
    Fn("sinh", sp.sinh, lambda m, a, x: m.cosh(x), r"\sinh", elementwise=True,
       expand=lambda f, x: _half(f.exp(x) - f.exp(-x))),
    Fn("cosh", sp.cosh, lambda m, a, x: m.sinh(x), r"\cosh", elementwise=True,
       expand=lambda f, x: _half(f.exp(x) + f.exp(-x))),
    Fn("tanh", sp.tanh, lambda m, a, x: 1 - a * a, r"\tanh", elementwise=True,
       expand=lambda f, x: 2 * f.sigmoid(2 * x) - 1),
    _new(Fn("sigmoid", None, lambda m, a, x: a * (1 - a), r"\sigma", elementwise=True,
            expand=lambda f, x: 1 / (1 + f.exp(-x)),
            # the tanh form cannot overflow for large |x|, unlike 1/(1 + e^{-x})
            numpy="(0.5 + 0.5*xp.tanh(0.5*({0})))", mpmath="(1/(1 + mpmath.exp(-({0}))))",
            c="(0.5 + 0.5*tanh(0.5*({0})))"),
         "Logistic function σ(x) = 1/(1 + e^{-x}).", positive=True),
    _new(Fn("softplus", None, lambda m, a, x: m.sigmoid(x), r"\operatorname{softplus}",
            elementwise=True, expand=lambda f, x: f.log(1 + f.exp(x)),
            # log(1 + e^x) = max(x, 0) + log1p(e^{-|x|}): no overflow, as NumPy's logaddexp
            numpy="xp.logaddexp(0, {0})", mpmath="mpmath.log(1 + mpmath.exp({0}))",
            c="(log1p(exp(-fabs({0}))) + (({0}) > 0 ? ({0}) : 0.0))"),
         "Softplus log(1 + e^{x}), the smooth ReLU.", positive=True),
    _new(Fn("erf", None, lambda m, a, x: m.const(2 / sp.sqrt(sp.pi)) * m.exp(-x * x),
            r"\operatorname{erf}", elementwise=True,
            # NumPy has no erf; C's is libm's (vectorized by libmvec where present)
            numpy=f"{__name__}.array_erf({{0}})", jax="jax.scipy.special.erf({0})"),
         "The error function erf x = 2/√π ∫₀ˣ e^{−t²} dt (SymPy's, with array spellings).",
         base=sp.erf),
    _new(Fn("silu", None, lambda m, a, x: m.sigmoid(x) * (1 + x * (1 - m.sigmoid(x))),
            r"\operatorname{silu}", elementwise=True, expand=lambda f, x: x * f.sigmoid(x),
            # x/(1 + e^{-x}) keeps full relative accuracy for x ≪ 0, where σ in the tanh
            # form has none; e^{-x} = ∞ gives the limit −0
            numpy="(({0})/(1 + xp.exp(-({0}))))", mpmath="(({0})/(1 + mpmath.exp(-({0}))))",
            c="(({0})/(1.0 + exp(-({0}))))"),
         "SiLU (swish) x·σ(x), the smooth ReLU of modern networks."),
    Fn("abs", sp.Abs, lambda m, a, x: m.sign(x), r"\operatorname{abs}",
       latex=r"\left|{0}\right|", singular=_zero_at("|x| has a kink at x = 0"),
       expand=lambda f, x: sp.sqrt(x**2, evaluate=False)),
    Fn("sign", sp.sign, lambda m, a, x: 0, r"\operatorname{sign}",
       singular=_zero_at("sign(x) jumps at x = 0")),
    Fn("relu", lambda x: sp.Max(0, x), lambda m, a, x: m.step(x), r"\operatorname{relu}",
       value=lambda m, x: m.max(0, x), latex=r"\max\left(0, {0}\right)",
       singular=_zero_at("relu has a kink at x = 0")),
    Fn("max", sp.Max, lambda m, a, x, y: (m.step(x - y), m.step(y - x)), r"\max", arity=2,
       singular=_kink("max")),
    Fn("min", sp.Min, lambda m, a, x, y: (m.step(y - x), m.step(x - y)), r"\min", arity=2,
       singular=_kink("min")),
]

#: name -> row: every function the workbench knows.
TABLE: dict[str, Fn] = {fn.name: fn for fn in _ROWS}

# the classes made for the table, under the names users type
sigmoid, softplus, erf, silu = (TABLE[n].sympy for n in ("sigmoid", "softplus", "erf", "silu"))


# ----------------------------------------------------------------------------- algebras


def _heaviside(x):
    # the slope of max(0, x); at 0 the caller flags a kink, so the value there is never used
    return sp.Heaviside(x, sp.Rational(1, 2))


#: The table's functions on SymPy expressions: the exact algebra of the rules.
SYMPY = SimpleNamespace(**{fn.name: fn.sympy for fn in _ROWS},
                        const=sp.sympify, step=_heaviside)


@cache
def numeric(name: str, module: str) -> Callable:
    """Row ``name`` as a function of numbers for ``module`` ("numpy", "jax", "mpmath").

    Printed from the row's SymPy form by SymPy's printer for that module, so the
    numbers are those of every compiled expression that uses the function.
    """
    fn = TABLE[name]
    xs = sp.symbols(f"x0:{fn.arity}", real=True)
    return sp.lambdify(xs, fn.sympy(*xs), modules=module)


# ----------------------------------------------------------------------------- spellings


@dataclass(frozen=True)
class Spelling:
    """A name the parser accepts: its argument counts and how it builds in an algebra ``f``."""

    name: str
    arities: tuple[int, ...]
    build: Callable  # (f, *args) -> value
    tex: str


def _log(f, x, base=None):
    return f.log(x) if base is None else f.log(x, base)


#: Names beyond the rows: other spellings of a row, and compositions of rows.
_EXTRA: list[Spelling] = [
    Spelling("log", (1, 2), _log, r"\ln"),
    Spelling("ln", (1,), lambda f, x: f.log(x), r"\ln"),
    Spelling("log2", (1,), lambda f, x: f.log(x, f.const(2)), r"\log_{2}"),
    Spelling("log10", (1,), lambda f, x: f.log(x, f.const(10)), r"\log_{10}"),
    Spelling("cbrt", (1,), lambda f, x: x ** f.const(sp.Rational(1, 3)), r"\operatorname{cbrt}"),
    Spelling("arcsin", (1,), lambda f, x: f.asin(x), r"\arcsin"),
    Spelling("arccos", (1,), lambda f, x: f.acos(x), r"\arccos"),
    Spelling("arctan", (1,), lambda f, x: f.atan(x), r"\arctan"),
]


def _own(fn: Fn) -> Spelling:
    return Spelling(fn.name, (fn.arity,), lambda f, *x: getattr(f, fn.name)(*x), fn.tex)


@cache
def spellings() -> dict[str, Spelling]:
    """Every name the parser accepts (the rows, then :data:`_EXTRA`), by name."""
    out = {fn.name: _own(fn) for fn in _ROWS}
    out.update({s.name: s for s in _EXTRA})
    return out
