"""Machine-learning primitives as SymPy functions.

SymPy knows ``exp`` and ``log`` but not the names machine learning writes:
``sigmoid`` and ``softplus``.  Defining them as :class:`sympy.Function`
subclasses keeps derivations readable (``σ(x)(1 − σ(x))`` instead of a tower of
exponentials) and lets every printer emit an overflow-safe implementation.

Each primitive states its value and its derivative side by side::

    sigmoid(x)  = 1 / (1 + exp(-x))      d/dx = sigmoid(x) * (1 - sigmoid(x))
    softplus(x) = log(1 + exp(x))        d/dx = sigmoid(x)

>>> import sympy as sp
>>> x = sp.Symbol("x", real=True)
>>> sp.diff(softplus(x), x)
sigmoid(x)
"""

from __future__ import annotations

import sympy as sp


class sigmoid(sp.Function):  # noqa: N801 - the name users type
    """Logistic function σ(x) = 1/(1 + e^{-x})."""

    nargs = 1

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        s = sigmoid(self.args[0])
        return s * (1 - s)

    @classmethod
    def eval(cls, arg):
        if arg.is_zero:
            return sp.Rational(1, 2)
        return None

    def _eval_rewrite_as_exp(self, arg, **kwargs):
        return 1 / (1 + sp.exp(-arg))

    def _eval_is_real(self):
        return self.args[0].is_real

    def _eval_is_positive(self):
        return self.args[0].is_real

    def _eval_evalf(self, prec):
        return (1 / (1 + sp.exp(-self.args[0])))._eval_evalf(prec)

    def _latex(self, printer, exp=None):
        out = rf"\sigma\left({printer._print(self.args[0])}\right)"
        return out if exp is None else rf"{out}^{{{exp}}}"

    def _numpycode(self, printer):
        # tanh form: no overflow for large |x|, unlike 1/(1+exp(-x)).
        np = printer._module_format(printer._module + ".tanh")
        return f"(0.5 + 0.5*{np}(0.5*({printer._print(self.args[0])})))"

    _jaxcode = _numpycode
    _cupycode = _numpycode

    def _mpmathcode(self, printer):
        exp = printer._module_format("mpmath.exp")
        return f"(1/(1 + {exp}(-({printer._print(self.args[0])}))))"


class softplus(sp.Function):  # noqa: N801 - the name users type
    """Softplus log(1 + e^{x}), the smooth ReLU."""

    nargs = 1

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return sigmoid(self.args[0])

    @classmethod
    def eval(cls, arg):
        if arg.is_zero:
            return sp.log(2)
        return None

    def _eval_rewrite_as_log(self, arg, **kwargs):
        return sp.log(1 + sp.exp(arg))

    def _eval_is_real(self):
        return self.args[0].is_real

    def _eval_is_positive(self):
        return self.args[0].is_real

    def _eval_evalf(self, prec):
        return sp.log(1 + sp.exp(self.args[0]))._eval_evalf(prec)

    def _latex(self, printer, exp=None):
        out = rf"\operatorname{{softplus}}\left({printer._print(self.args[0])}\right)"
        return out if exp is None else rf"{out}^{{{exp}}}"

    def _numpycode(self, printer):
        # logaddexp(0, x) = log(1 + e^x) without overflow.
        f = printer._module_format(printer._module + ".logaddexp")
        return f"{f}(0, {printer._print(self.args[0])})"

    _jaxcode = _numpycode
    _cupycode = _numpycode

    def _mpmathcode(self, printer):
        log = printer._module_format("mpmath.log")
        exp = printer._module_format("mpmath.exp")
        return f"{log}(1 + {exp}({printer._print(self.args[0])}))"


CUSTOM_FUNCTIONS = {"sigmoid": sigmoid, "softplus": softplus}
