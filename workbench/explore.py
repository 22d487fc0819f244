"""The REPL and notebook facade: ``workbench.function("...")``.

One object per function, with the engines as methods, so exploring reads like
the math::

    >>> f = function("(1.5 - x + x*y)**2 + (2.25 - x + x*y**2)**2 + (2.625 - x + x*y**3)**2")
    >>> f.gradient_at(x=3, y=0.5)
    [0, 0]

In a notebook the object renders as LaTeX (``_repr_latex_``).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property

import sympy as sp

from .backends.compile import Compiled, compile
from .certification.base import Certificate
from .certification.scalar import certify
from .core.parse import parse, variables_of
from .core.printing import to_latex, to_text
from .symbolic import calculus


class Function:
    """A scalar function of named real variables, parsed safely and kept exact."""

    def __init__(self, text: str | sp.Expr, variables: Sequence[str] | None = None):
        self.expr = parse(text, variables) if isinstance(text, str) else sp.sympify(text)
        self.variables = list(variables) if variables is not None else variables_of(self.expr)

    def __repr__(self) -> str:
        return f"function({to_text(self.expr)!r}, variables={self.variables})"

    def _repr_latex_(self) -> str:
        args = ", ".join(self.variables)
        return f"$f({args}) = {to_latex(self.expr)}$"

    def latex(self) -> str:
        return to_latex(self.expr)

    @cached_property
    def _gradient(self) -> list[sp.Expr]:
        return calculus.gradient(self.expr, self.variables)

    def gradient(self) -> list[sp.Expr]:
        """∇f, exact."""
        return list(self._gradient)

    def hessian(self) -> sp.Matrix:
        """∇²f, exact."""
        return calculus.hessian(self.expr, self.variables)

    def _subs(self, point: dict) -> dict:
        syms = calculus.symbols(self.variables)
        return {s: sp.nsimplify(point[str(s)]) for s in syms}

    def __call__(self, **point) -> sp.Expr:
        return self.expr.subs(self._subs(point))

    def gradient_at(self, **point) -> list[sp.Expr]:
        subs = self._subs(point)
        return [sp.simplify(g.subs(subs)) for g in self._gradient]

    def critical_points(self, box: dict | str | None = None) -> calculus.CriticalPoints:
        """Critical points, classified; with ``box`` ({"x": (a, b)}, "x=a:b"): all in it, proved."""
        return calculus.critical_points(self.expr, self.variables, box=box)

    def certify(self, *points: dict, n_random: int = 100) -> Certificate:
        return certify(self.expr, self.variables, points, n_random=n_random)

    def compile(self, backend: str = "numpy", what: str = "gradient") -> Compiled:
        """Compile ``what`` ('value', 'gradient' or 'hessian') for ``backend``."""
        exprs = {"value": self.expr, "gradient": self._gradient}.get(what)
        exprs = self.hessian() if what == "hessian" else exprs
        return compile(exprs, self.variables, backend)


def function(text: str, variables: Sequence[str] | None = None) -> Function:
    """Parse ``text`` into a :class:`Function` (variables default to its free names)."""
    return Function(text, variables)
