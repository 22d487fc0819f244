"""Exact proof of scalar equality steps with SymPy.

A step whose every name is a scalar object (or a definition built from them)
is translated node by node into SymPy - the same whitelist walk as the safe
parser, extended with ``integral``, ``sum`` and ``deriv`` - and proved by
``simplify(lhs − rhs) == 0`` or ``(lhs − rhs).equals(0)``, each under a time
budget (:mod:`workbench.budget`).  Scalar symbols are real; ``integer`` objects
are integer symbols and ``positive`` objects positive ones, which is what lets
SymPy use cos(2πk) = 1 or √(x²) = x.  Definitions are substituted, so a step
about κ = λ_max/λ_min is proved in terms of λ_max and λ_min.

Anything SymPy cannot represent here (vectors, ``grad``, ``lmin`` of a matrix,
trajectories) makes the translation return ``None`` and the step is checked
numerically instead.  A failed simplification is *inconclusive*, never a
disproof.

>>> import sympy as sp
>>> from workbench.proof.language import read_math
>>> sym = SymbolTable({"lmin": "positive", "lmax": "positive"}, {})
>>> a = sym.build(read_math("1 - 2/(lmin + lmax)*lmin"))
>>> b = sym.build(read_math("(lmax - lmin)/(lmax + lmin)"))
>>> prove_equal(a, b)
'left side − right side simplifies to 0'
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Mapping

import sympy as sp

from ..core import budget
from ..core.errors import ParseError
from ..core.parse import CONSTANTS, FUNCTIONS, check_power
from .language import BINDERS
from .numeric import literal_value

#: Operations (``sympy.count_ops``) of lhs − rhs up to which ``simplify`` and ``equals``
#: are tried: the attempt is chosen by size, so a proof reads the same at any load.
SIMPLIFY_OPS = 400
#: ... and with max, min or absolute values inside, which SymPy rarely decides.
PIECEWISE_OPS = 40


#: The language's constants in SymPy: the parser's, and ``oo`` (an integration bound).
_CONSTANTS = {**CONSTANTS, "oo": sp.oo}


class NotScalar(Exception):
    """The expression leaves the scalar world SymPy is given here."""


class SymbolTable:
    """How names translate: scalar objects to symbols, definitions to their expressions.

    ``scalars`` maps a name to its kind (``scalar``, ``positive``, ``integer``);
    ``definitions`` maps a name to ``(args, tree)``.
    """

    def __init__(self, scalars: Mapping[str, str],
                 definitions: Mapping[str, tuple[tuple[str, ...], ast.expr]]):
        self.symbols = {name: _symbol(name, k) for name, k in scalars.items()}
        self.definitions = dict(definitions)

    def build(self, tree: ast.expr) -> sp.Expr | None:
        """The SymPy expression of ``tree``, or None if it is not scalar."""
        try:
            return self._build(tree, {}, depth=0)
        except (NotScalar, ParseError, RecursionError):
            return None

    def _build(self, node: ast.AST, scope: dict[str, sp.Expr], depth: int) -> sp.Expr:
        if depth > 20:  # definitions referring to each other in a loop
            raise NotScalar("definitions nest too deeply")
        method = getattr(self, "_" + type(node).__name__, None)
        if method is None:
            raise NotScalar(type(node).__name__)
        return method(node, scope, depth)

    def _Constant(self, node, scope, depth):
        return literal_value(node)

    def _Name(self, node, scope, depth):
        name = node.id
        if name in scope:
            return scope[name]
        if name in self.symbols:
            return self.symbols[name]
        if name in self.definitions and not self.definitions[name][0]:
            return self._build(self.definitions[name][1], {}, depth + 1)
        if name in _CONSTANTS:
            return _CONSTANTS[name]
        raise NotScalar(name)

    def _UnaryOp(self, node, scope, depth):
        v = self._build(node.operand, scope, depth)
        return -v if isinstance(node.op, ast.USub) else v

    def _BinOp(self, node, scope, depth):
        a = self._build(node.left, scope, depth)
        b = self._build(node.right, scope, depth)
        if type(node.op) not in _ARITHMETIC:
            raise NotScalar("@")  # a matrix product: the numeric path handles it
        if isinstance(node.op, ast.Pow):
            # refuse 9**9**9 before building it (no text: build() swallows the error)
            check_power(a, b, node, "")
        return _ARITHMETIC[type(node.op)](a, b)

    def _Call(self, node, scope, depth):
        name = node.func.id
        args = node.args
        if name in BINDERS:
            var = _symbol(args[1].id, "scalar" if name != "sum" else "integer")
            inner = {**scope, args[1].id: var}
            body = self._build(args[0], inner, depth)
            if name == "integral":
                lo, hi = (self._build(a, scope, depth) for a in args[2:])
                return sp.Integral(body, (var, lo, hi))
            if name == "sum":
                lo, hi = (self._build(a, scope, depth) for a in args[2:])
                return sp.Sum(body, (var, lo, hi))
            # d/ds at the given point, or at the current value of the object s
            at = self._build(args[2] if len(args) == 3 else args[1], scope, depth)
            return sp.diff(body, var).subs(var, at)
        if name in self.definitions and self.definitions[name][0]:
            params, tree = self.definitions[name]
            values = [self._build(a, scope, depth) for a in args]
            return self._build(tree, dict(zip(params, values, strict=True)), depth + 1)
        if name in FUNCTIONS:
            builder, _ = FUNCTIONS[name]
            return builder(*(self._build(a, scope, depth) for a in args))
        raise NotScalar(name)


_ARITHMETIC = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
               ast.Div: operator.truediv, ast.Pow: operator.pow}


def _symbol(name: str, kind: str) -> sp.Symbol:
    if kind == "integer":
        return sp.Symbol(name, integer=True)
    if kind == "positive":
        return sp.Symbol(name, positive=True)
    return sp.Symbol(name, real=True)


def prove_equal(lhs: sp.Expr, rhs: sp.Expr) -> str | None:
    """How SymPy proved ``lhs = rhs`` identically, or None when it could not (inconclusive).

    ``expand``, then ``simplify``, then ``equals``, tried by the size of lhs − rhs
    (never by time) in one worker under the hard time limit.  With max, min or
    | | inside, SymPy can rarely decide an identity without the case's
    assumptions, so those get ``simplify`` only, and only when small.
    """
    def attempt():
        diff = (lhs - rhs).doit()
        if sp.expand(diff) == 0:
            return "left side − right side expands to 0"
        piecewise = diff.has(sp.Max, sp.Min, sp.Abs, sp.sign, sp.Piecewise)
        ops = sp.count_ops(diff)
        if ops <= (PIECEWISE_OPS if piecewise else SIMPLIFY_OPS) and sp.simplify(diff) == 0:
            return "left side − right side simplifies to 0"
        if not piecewise and ops <= SIMPLIFY_OPS and diff.equals(0) is True:
            return "left side − right side is identically 0 (tested symbolically and numerically)"
        return None

    try:
        return budget.bounded(attempt, "the symbolic proof of an equality")
    except (TypeError, ValueError, NotImplementedError, RecursionError, AttributeError):
        return None
