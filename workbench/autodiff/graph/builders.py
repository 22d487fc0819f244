"""Building a graph from SymPy expressions or from named steps.

:func:`from_expr` walks a parsed expression (several, for F: ℝⁿ → ℝᵐ);
:func:`from_assignments` reads a forward pass as lecture notes write it
(``z = w*x + b``, ``y = sigmoid(z)``), and the names stay on their nodes.  Both
append through one :class:`Builder`, which hash-conses nodes on
(operation, inputs, constant), so a subexpression used twice is computed once.

>>> g = from_assignments(["z = w*x + b", "y = sigmoid(z)"])
>>> [g.label(n.index) for n in g.intermediates]
['', 'z', 'y']
"""

from __future__ import annotations

import ast
from collections.abc import Sequence

import sympy as sp

from ...core.errors import InputError, ParseError
from ...core.functions import TABLE
from ...core.parse import CONSTANTS, parse, read, symbols_for
from ...core.printing import to_text
from .dag import Graph, Node


class Builder:
    """Appends hash-consed nodes; inputs are fixed first so they get v₋ₙ₊₁ … v₀."""

    def __init__(self, variables: Sequence[str]):
        self.variables = list(variables)
        n = len(self.variables)
        self.nodes = [Node(i - n + 1, "input", variable=v) for i, v in enumerate(self.variables)]
        self.seen: dict[tuple, int] = {}

    def node(self, op: str, inputs: tuple[int, ...] = (), param=None) -> int:
        key = (op, inputs, param)
        if key not in self.seen:
            index = len(self.nodes) - len(self.variables) + 1
            self.nodes.append(Node(index, op, inputs, param))
            self.seen[key] = index
        return self.seen[key]

    def graph(self, outputs, **kw) -> Graph:
        return Graph(self.variables, self.nodes, list(outputs), **kw)


#: SymPy function classes of the function table -> their primitive.
_FUNCTIONS: dict[type, str] = {fn.sympy: name for name, fn in TABLE.items()
                               if isinstance(fn.sympy, type)}


class _ExprConverter:
    """SymPy expression → nodes, written the way a person would trace it.

    SymPy distributes constants (π(x₁/2 − x₂/2)); the converter pulls numeric
    content back out of sums, so the graph reads v = (π/2)·(x₁ − x₂) as in the seeds.
    """

    def __init__(self, builder: Builder, leaves: dict[sp.Symbol, int]):
        self.b = builder
        self.leaves = leaves
        self.memo: dict[sp.Expr, int] = {}

    def __call__(self, expr: sp.Expr) -> int:
        if expr not in self.memo:
            self.memo[expr] = self._convert(expr)
        return self.memo[expr]

    def _convert(self, e: sp.Expr) -> int:
        if e.is_Symbol:
            if e not in self.leaves:
                raise InputError(f"variable {e} is not an input of the graph "
                                 f"(inputs: {', '.join(self.b.variables)})")
            return self.leaves[e]
        if e.is_number:
            return self.b.node("const", (), e)
        if e.is_Add:
            return self._add(e)
        if e.is_Mul:
            return self._mul(e)
        if e.is_Pow:
            return self._pow(*e.args)
        if isinstance(e, sp.Max | sp.Min):
            return self._extremum(e)
        op = _FUNCTIONS.get(type(e)) or _FUNCTIONS.get(e.func)
        if op is None or len(e.args) != 1:
            raise InputError(f"no graph primitive for {type(e).__name__} in {to_text(e)}")
        return self.b.node(op, (self(e.args[0]),))

    def _add(self, e: sp.Expr) -> int:
        content, rest = e.primitive()
        if content != 1:
            return self.b.node("scale", (self(rest),), content)
        const = sum((a for a in e.args if a.is_number), sp.Integer(0))
        terms = [a for a in e.args if not a.is_number]
        pos = [t for t in terms if not t.could_extract_minus_sign()]
        neg = [-t for t in terms if t.could_extract_minus_sign()]
        acc = self(pos[0]) if pos else self.b.node("neg", (self(neg.pop(0)),))
        for t in pos[1:]:
            acc = self.b.node("add", (acc, self(t)))
        for t in neg:
            acc = self.b.node("sub", (acc, self(t)))
        return self.b.node("shift", (acc,), const) if const != 0 else acc

    def _mul(self, e: sp.Expr) -> int:
        coeff = sp.Integer(1)
        num, den = [], []
        for f in e.args:
            if f.is_number:
                coeff *= f
            elif f.is_Pow and f.exp.is_number and f.exp.is_negative:
                den.append(f.base if f.exp == -1 else f.base ** (-f.exp))
            elif f.is_Add:
                content, rest = f.primitive()
                coeff *= content
                num.append(rest)
            else:
                num.append(f)
        acc = self._product(num)
        if den:
            d = self._product(den)
            acc = self.b.node("div", (acc, d)) if acc is not None else self.b.node("recip", (d,))
        if coeff == -1:
            return self.b.node("neg", (acc,))
        return acc if coeff == 1 else self.b.node("scale", (acc,), coeff)

    def _product(self, factors: list[sp.Expr]) -> int | None:
        acc = None
        for f in factors:
            i = self(f)
            acc = i if acc is None else self.b.node("mul", (acc, i))
        return acc

    def _pow(self, base: sp.Expr, exp: sp.Expr) -> int:
        if exp.is_number:
            if exp == sp.Rational(1, 2):
                return self.b.node("sqrt", (self(base),))
            if exp == -1:
                return self.b.node("recip", (self(base),))
            return self.b.node("powc", (self(base),), exp)
        if base.is_number:
            return self.b.node("cpow", (self(exp),), base)
        return self.b.node("pow", (self(base), self(exp)))

    def _extremum(self, e: sp.Expr) -> int:
        op = "max" if isinstance(e, sp.Max) else "min"
        args = list(e.args)
        if op == "max" and len(args) == 2 and sp.Integer(0) in args:
            other = args[1] if args[0] == 0 else args[0]
            return self.b.node("relu", (self(other),))
        acc = self(args[0])
        for a in args[1:]:
            acc = self.b.node(op, (acc, self(a)))
        return acc


def ordered_variables(exprs: Sequence[sp.Expr], variables: Sequence[str] | None) -> list[str]:
    free = sorted({s.name for e in exprs for s in e.free_symbols})
    if variables is None:
        return free
    names = list(variables)
    missing = [v for v in free if v not in names]
    if missing:
        raise InputError(f"undeclared variable(s) {', '.join(missing)} "
                         f"(declared: {', '.join(names) or 'none'})")
    if len(set(names)) != len(names):
        raise InputError(f"a variable is listed twice: {', '.join(names)}")
    return names


def from_expr(expr: sp.Expr | Sequence[sp.Expr], variables: Sequence[str] | None = None) -> Graph:
    """The graph of ``expr`` (or of each expression of a list, sharing nodes).

    Inputs are ``variables`` in that order (default: the free names, sorted).
    """
    exprs = list(expr) if isinstance(expr, list | tuple) else [expr]
    if not exprs or not all(isinstance(e, sp.Expr) for e in exprs):
        raise InputError("from_expr needs a SymPy expression or a list of them")
    names = ordered_variables(exprs, variables)
    b = Builder(names)
    leaves = {sp.Symbol(v, real=True): i - len(names) + 1 for i, v in enumerate(names)}
    convert = _ExprConverter(b, leaves)
    outputs = [convert(e) for e in exprs]
    return b.graph(outputs, source=exprs)


def _split_assignment(line: str) -> tuple[str, str]:
    name, sep, rhs = line.partition("=")
    name = name.strip()
    if not sep or not rhs.strip():
        raise ParseError("expected 'name = expression' in", token=line.strip()[:40])
    if not name.isidentifier():
        raise ParseError("not a valid name on the left of '=':", token=name)
    return name, rhs


def _names_in_order(text: str) -> list[str]:
    """Names in the order they are written (the safe parser's tree, sorted by column)."""
    tree = read(text)
    found = [n for n in ast.walk(tree) if isinstance(n, ast.Name)]
    return [n.id for n in sorted(found, key=lambda n: n.col_offset)]


def written_names(text: str) -> list[str]:
    """Variables as written in the text (sorted): names that are neither called nor constants."""
    tree = read(text)
    called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    return sorted({n.id for n in ast.walk(tree) if isinstance(n, ast.Name)
                   and id(n) not in called and n.id not in CONSTANTS})


def from_assignments(lines: Sequence[str], variables: Sequence[str] | None = None) -> Graph:
    """The graph of a forward pass written as named steps; the last step is the output.

    Names not assigned before use are the inputs (in order of first use, unless
    ``variables`` gives the order).  Each step's node keeps its name, and its
    definition (in terms of earlier names) is kept for the named backward pass.

    >>> g = from_assignments(["z = w*x + b", "y = sigmoid(z)"])
    >>> g.variables, g.label(g.output)
    (['w', 'x', 'b'], 'y')
    """
    if isinstance(lines, str) or not lines:
        raise InputError("assignments: give a list of 'name = expression' steps")
    steps, defined, first_use = [], [], []
    for line in lines:
        name, rhs = _split_assignment(line)
        if name in defined:
            raise InputError(f"assignments: {name} is assigned twice")
        expr = parse(rhs)
        free = {s.name for s in expr.free_symbols}
        for used in _names_in_order(rhs):
            if used in free and used not in defined and used not in first_use:
                first_use.append(used)
        if name in first_use:
            raise InputError(f"assignments: {name} is used before it is assigned")
        defined.append(name)
        steps.append((name, expr))
    names = list(variables) if variables is not None else first_use
    unknown = [v for v in first_use if v not in names]
    if unknown:
        raise InputError(f"assignments use undeclared input(s) {', '.join(unknown)}")
    symbols_for(names)
    b = Builder(names)
    leaves = {sp.Symbol(v, real=True): i - len(names) + 1 for i, v in enumerate(names)}
    convert = _ExprConverter(b, leaves)
    labels, definitions = {}, {}
    for name, expr in steps:
        index = convert(expr)
        labels[name] = index
        definitions[name] = expr
        leaves[sp.Symbol(name, real=True)] = index
    g = b.graph([labels[steps[-1][0]]], names=labels, definitions=definitions)
    g.source = [g.inlined()[steps[-1][0]]]  # the steps composed by SymPy: the reference
    return g
