r"""Building the scalar SymPy expression of a LaTeX answer, as the text parser would.

:func:`read_latex` walks the grammar's tree and builds the expression that
:func:`workbench.core.parse.parse` builds from the equivalent text: the same
real symbols, exact rationals, the same power limits.

>>> read_latex(r"\frac{x^2}{2} + \sqrt{4}")
x**2/2 + 2
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import sympy as sp

from ..errors import ParseError
from ..functions import sigmoid
from ..parse import CONSTANTS, FUNCTIONS, check_power, symbols_for
from .grammar import parse_tree
from .tokens import Node


class ScalarBuilder:
    """Builds the SymPy expression the safe text parser builds for the same math."""

    def __init__(self, text: str, variables: Iterable[str] | None):
        self.text = text
        self.symbols = symbols_for(variables) if variables is not None else None
        self.free: dict[str, sp.Symbol] = {}

    def fail(self, message: str, node: Node) -> ParseError:
        end = self.text.find(" ", node.column) if node.column else -1
        token = self.text[node.column - 1:end if end > 0 else node.column + 10]
        return ParseError(message, token=token.strip()[:40], column=node.column, text=self.text)

    def build(self, node: Node) -> sp.Expr:
        return getattr(self, "_" + node.kind)(node)

    def name(self, name: str, node: Node) -> sp.Expr:
        for candidate in (name, name.replace("_", "")):
            if self.symbols is not None and candidate in self.symbols:
                return self.symbols[candidate]
        if name in CONSTANTS:
            return CONSTANTS[name]
        if self.symbols is not None:
            declared = ", ".join(self.symbols) or "none"
            raise self.fail(f"undeclared variable {name} (declared: {declared}):", node)
        return self.free.setdefault(name, sp.Symbol(name, real=True))

    def _num(self, node: Node) -> sp.Expr:
        return sp.Rational(node.args[0])

    def _name(self, node: Node) -> sp.Expr:
        return self.name(node.args[0], node)

    def _pi(self, node: Node) -> sp.Expr:
        return sp.pi

    def _neg(self, node: Node) -> sp.Expr:
        return -self.build(node.args[0])

    def _add(self, node: Node) -> sp.Expr:
        return sp.Add(*(self.build(a) for a in node.args))

    def _mul(self, node: Node) -> sp.Expr:
        return self.build(node.args[0]) * self.build(node.args[1])

    def _div(self, node: Node) -> sp.Expr:
        num, den = self.build(node.args[0]), self.build(node.args[1])
        if den.is_zero:
            raise self.fail("division by zero:", node)
        return num / den

    def _pow(self, node: Node) -> sp.Expr:
        base, exp = self.build(node.args[0]), self.build(node.args[1])
        loc = _Where(node.column)
        check_power(base, exp, loc, self.text)
        if base.is_zero and exp.is_negative:
            raise self.fail("division by zero:", node)
        return base**exp

    def _root(self, node: Node) -> sp.Expr:
        arg = self.build(node.args[0])
        if node.args[1] is None:
            return sp.sqrt(arg)
        index = self.build(node.args[1])
        if not (index.is_Integer and 2 <= index <= 1000):
            raise self.fail("the index of a root must be an integer from 2 to 1000:", node)
        return arg ** sp.Rational(1, int(index))

    def _abs(self, node: Node) -> sp.Expr:
        return sp.Abs(self.build(node.args[0]))

    def _call(self, node: Node) -> sp.Expr:
        fname, args = node.args
        if fname not in FUNCTIONS:
            raise self.fail(f"{fname} is a matrix function; read the answer as a matrix one:",
                            node)
        builder, arities = FUNCTIONS[fname]
        if fname == "sigmoid":
            builder = sigmoid
        if len(args) not in arities:
            want = " or ".join(map(str, arities))
            raise self.fail(f"{fname} takes {want} argument(s), got {len(args)}:", node)
        return builder(*(self.build(a) for a in args))

    def _tuple(self, node: Node) -> sp.Expr:
        raise self.fail("a list of values where one value belongs:", node)

    def _refuse(self, node: Node) -> sp.Expr:
        raise self.fail(f"{node.kind.replace('_', ' ')} in a scalar answer "
                        "(read it as a matrix answer):", node)

    _transpose = _inverse_transpose = _norm = _inner = _ones = _matrix = _refuse


@dataclass(frozen=True)
class _Where:
    """A location in the shape :func:`workbench.core.parse.check_power` reports."""

    col_offset: int
    lineno: int = 1

    def __post_init__(self):
        object.__setattr__(self, "col_offset", max(self.col_offset - 1, 0))

    @property
    def end_col_offset(self) -> int:
        return self.col_offset + 1


def finish_scalar(expr: sp.Expr, text: str) -> sp.Expr:
    if expr.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        raise ParseError("answer evaluates to an infinity or undefined value", text=text)
    if expr.has(sp.I):
        raise ParseError("answer has a complex constant; the workbench works over the reals",
                         text=text)
    return expr


def bounded_walk(walk, tree: Node):
    """Walk a tree; one too deep for Python's stack is refused, not a crash."""
    try:
        return walk(tree)
    except RecursionError:
        raise ParseError("answer too complex to read") from None


def flat_text(text: str) -> str:
    return re.sub(r"\s", " ", text) if isinstance(text, str) else text


def read_latex(text: str, variables: Iterable[str] | None = None) -> sp.Expr:
    r"""A scalar LaTeX expression as the SymPy expression :func:`~.parse.parse` builds.

    ``variables`` declares the allowed names as in :func:`~.parse.parse`; a
    subscripted ``x_1`` matches a declared ``x1``.  ``e`` is Euler's number
    unless declared.

    >>> read_latex(r"\frac{1}{2}\sqrt[3]{x} + \ln\left(1 + e^{-y}\right)", ["x", "y"])
    x**(1/3)/2 + log(1 + exp(-y))
    """
    text = flat_text(text)
    tree = parse_tree(text)
    if tree.kind == "matrix":
        raise ParseError("a vector where one value belongs (read it with read_answer)", text=text)
    return finish_scalar(bounded_walk(ScalarBuilder(text, variables).build, tree), text)
