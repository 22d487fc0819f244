"""Printers: SymPy expressions as text that parses back, and as LaTeX.

Output formats are printers, not string surgery.  :class:`TextPrinter` differs
from SymPy's ``StrPrinter`` only where the safe parser spells a function
differently (``abs`` for ``Abs``, ``max`` for ``Max``), so that
``parse(to_text(e)) == e`` for every expression the parser can build.

>>> import sympy as sp
>>> x = sp.Symbol("x", real=True)
>>> to_text(sp.Abs(x) + sp.Rational(3, 2))
'abs(x) + 3/2'
"""

from __future__ import annotations

import sympy as sp
from sympy.printing.latex import LatexPrinter
from sympy.printing.str import StrPrinter


class TextPrinter(StrPrinter):
    """Plain text in the safe parser's own vocabulary."""

    def _print_Abs(self, expr):
        return f"abs({self._print(expr.args[0])})"

    def _print_Max(self, expr):
        return self._nested("max", expr.args)

    def _print_Min(self, expr):
        return self._nested("min", expr.args)

    def _print_Exp1(self, expr):
        return "E"

    def _print_Mul(self, expr):
        # StrPrinter writes (1/2)/(x + y) as 1/(2*(x + y)), which parses back
        # as 1/(2*x + 2*y): SymPy distributes a number over a sum.  Keep the
        # fraction in front when the denominator holds a sum.
        coeff, rest = expr.as_coeff_Mul()
        if coeff.is_Rational and coeff.q != 1 and any(
                f.is_Pow and f.exp.is_negative and f.base.is_Add for f in sp.Mul.make_args(rest)):
            return f"{self._print(coeff)}*({self._print(rest)})"
        return super()._print_Mul(expr)

    def _nested(self, name: str, args) -> str:
        # the parser's max/min take two arguments; SymPy's take any number
        head, *rest = args
        if not rest:
            return self._print(head)
        return f"{name}({self._print(head)}, {self._nested(name, rest)})"


class TexPrinter(LatexPrinter):
    """LaTeX with the machine-learning names of :mod:`workbench.functions`."""

    def __init__(self, settings=None):
        super().__init__({"mul_symbol": None, "ln_notation": True, **(settings or {})})


def to_text(expr: sp.Basic) -> str:
    """Text for ``expr`` that :func:`~.parse.parse` reads back to the same expression."""
    return TextPrinter().doprint(expr)


def to_latex(expr: sp.Basic, **settings) -> str:
    """LaTeX for ``expr`` (σ for sigmoid, ln for the natural log)."""
    return TexPrinter(settings).doprint(expr)
