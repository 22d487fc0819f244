"""Computation graphs: a function as a DAG of primitive operations.

Autodiff never sees a formula; it sees the sequence of primitive operations that
evaluates it.  Following the seeds' notation (Griewank's), the n inputs are
numbered v₋ₙ₊₁ … v₀ and the intermediates v₁ … v_N in topological order, each
vᵢ = φᵢ(its inputs) with φᵢ a primitive of :data:`workbench.autodiff.primitives.PRIMITIVES`.
A subexpression used twice is computed once: nodes are hash-consed on
(operation, inputs, constant).

Four ways to build a graph:

* :func:`from_text` - from math text, keeping the structure as written (the
  safe parser's validated tree is walked with tracers; nothing is evaluated);
* :func:`from_expr` - from a parsed SymPy expression (or several, for F: ℝⁿ → ℝᵐ);
* :func:`from_assignments` - from named steps, as lecture notes write a forward
  pass (``z = w*x + b``, ``y = sigmoid(z)``, ...); the names stay on their nodes;
* :func:`from_function` - by running a plain Python function on tracer objects
  that record every operation (operator overloading, as in micrograd).

>>> from workbench.core.parse import parse
>>> g = from_expr(parse("exp(x1 + x2**3)*x3"), ["x1", "x2", "x3"])
>>> [f"{n.name} = {g.formula(n)}" for n in g.intermediates]
['v1 = v-1**3', 'v2 = v-2 + v1', 'v3 = exp(v2)', 'v4 = v0*v3']
"""

from __future__ import annotations

import ast
import functools
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import sympy as sp

from ..core.errors import InputError, ParseError
from ..core.functions import TABLE, numeric, spellings
from ..core.parse import CONSTANTS, literal, parse, read, symbols_for
from ..core.printing import to_latex, to_text
from .primitives import EXACT, FLOAT, PRIMITIVES, UNARY


@dataclass(frozen=True)
class Node:
    """vᵢ = op(inputs; param).  Inputs of the function have ``op == "input"``."""

    index: int
    op: str
    inputs: tuple[int, ...] = ()
    param: sp.Expr | None = None
    variable: str = ""

    @property
    def name(self) -> str:
        return f"v{self.index}"

    @property
    def latex_name(self) -> str:
        return f"v_{{{self.index}}}"


@dataclass
class Graph:
    """Nodes in evaluation order (inputs first), the outputs, and any names given to nodes.

    ``source`` holds the expressions the graph was built from (when it was built
    from expressions); checks compare the graph against them, never against itself.
    """

    variables: list[str]
    nodes: list[Node]
    outputs: list[int]
    names: dict[str, int] = field(default_factory=dict)
    source: list[sp.Expr] | None = None
    reference: Callable | None = None
    definitions: dict[str, sp.Expr] = field(default_factory=dict)

    def __getitem__(self, index: int) -> Node:
        return self.nodes[index + len(self.variables) - 1]

    @property
    def inputs(self) -> list[Node]:
        return self.nodes[: len(self.variables)]

    @property
    def intermediates(self) -> list[Node]:
        return self.nodes[len(self.variables):]

    @property
    def output(self) -> int:
        if len(self.outputs) != 1:
            raise InputError(f"the graph has {len(self.outputs)} outputs; name one")
        return self.outputs[0]

    def label(self, index: int) -> str:
        """The user's name for node ``index`` (a variable or an assignment), else ''."""
        node = self[index]
        if node.variable:
            return node.variable
        return next((k for k, v in self.names.items() if v == index), "")

    def formula(self, node: Node) -> str:
        """The node's operation in text, on the names of its inputs: ``v1 + v2``."""
        if node.op == "input":
            return node.variable
        args = [f"v{i}" for i in node.inputs]
        if node.op == "shift" and node.param.could_extract_minus_sign():
            return f"{args[0]} - {to_text(-node.param)}"
        p = to_text(node.param) if node.param is not None else ""
        if node.op in ("powc", "cpow") and not (node.param.is_Integer and node.param >= 0
                                                 or node.param.is_Symbol or node.param is sp.pi):
            p = f"({p})"
        return PRIMITIVES[node.op].text.format(*args, p=p)

    def formula_latex(self, node: Node, names: dict[int, str] | None = None) -> str:
        """The node's operation in LaTeX: ``v_{1} + v_{2}`` (or on ``names`` of the inputs)."""
        if node.op == "input":
            return to_latex(sp.Symbol(node.variable))
        names = names or {}
        args = [names.get(i, self[i].latex_name) for i in node.inputs]
        if node.op == "shift" and node.param.could_extract_minus_sign():
            return f"{args[0]} - {to_latex(-node.param)}"
        p = to_latex(node.param) if node.param is not None else ""
        if node.op == "cpow" and not (node.param.is_Integer and node.param >= 0):
            p = rf"\left({p}\right)"
        return PRIMITIVES[node.op].latex.format(*args, p=p)

    def inlined(self) -> dict[str, sp.Expr]:
        """Each named step in terms of the inputs only (names substituted away)."""
        out: dict[str, sp.Expr] = {}
        for name, expr in self.definitions.items():
            out[name] = expr.subs(inlined_subs(out), simultaneous=True)
        return out

    @property
    def edge_count(self) -> int:
        """P = Σᵢ arity(φᵢ): the number of local partials, one per (node, input) pair."""
        return sum(len(n.inputs) for n in self.intermediates)


# ----------------------------------------------------------------------------- building

class _Builder:
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

    def __init__(self, builder: _Builder, leaves: dict[sp.Symbol, int]):
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


def _variables(exprs: Sequence[sp.Expr], variables: Sequence[str] | None) -> list[str]:
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
    names = _variables(exprs, variables)
    b = _Builder(names)
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


def _written_names(text: str) -> list[str]:
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
    b = _Builder(names)
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


def inlined_subs(inlined: dict[str, sp.Expr]) -> dict[sp.Symbol, sp.Expr]:
    """{name symbol: its expression in the inputs} for substituting named steps away."""
    return {sp.Symbol(k, real=True): v for k, v in inlined.items()}


# ----------------------------------------------------------------------------- tracer

def _constant(x) -> sp.Expr:
    """A Python or SymPy number as an exact constant (0.1 is 1/10, as the parser reads it)."""
    if isinstance(x, bool):
        raise InputError("a boolean is not a number in a traced function")
    if isinstance(x, sp.Expr) and x.is_number:
        return x
    if isinstance(x, numbers.Integral):
        return sp.Integer(int(x))
    if isinstance(x, numbers.Real):
        return sp.Rational(repr(float(x)))
    raise InputError(f"cannot trace an operation on {type(x).__name__} {x!r:.40}")


class Tracer:
    """A value inside :func:`from_function`: every operation on it becomes a graph node."""

    __slots__ = ("_b", "index")
    __array_priority__ = 1000  # NumPy scalars on the left defer to the tracer

    def __init__(self, builder: _Builder, index: int):
        self._b, self.index = builder, index

    def __repr__(self) -> str:
        return f"Tracer(v{self.index})"

    def _node(self, op, inputs, param=None) -> Tracer:
        return Tracer(self._b, self._b.node(op, inputs, param))

    def _other(self, o) -> Tracer | sp.Expr:
        if isinstance(o, Tracer):
            if o._b is not self._b:
                raise InputError("values from two different traces were combined")
            return o
        return _constant(o)

    def _binary(self, o, op, const_op, const_param):
        o = self._other(o)
        if isinstance(o, Tracer):
            return self._node(op, (self.index, o.index))
        return self._node(const_op, (self.index,), const_param(o))

    def __add__(self, o):
        return self._binary(o, "add", "shift", lambda c: c) if not _is_zero(o) else self

    __radd__ = __add__

    def __sub__(self, o):
        return self._binary(o, "sub", "shift", lambda c: -c) if not _is_zero(o) else self

    def __rsub__(self, o):
        neg = self._node("neg", (self.index,))
        return neg if _is_zero(o) else neg._node("shift", (neg.index,), _constant(o))

    def __mul__(self, o):
        if not isinstance(o, Tracer) and _constant(o) == 1:
            return self
        return self._binary(o, "mul", "scale", lambda c: c)

    __rmul__ = __mul__

    def __truediv__(self, o):
        if not isinstance(o, Tracer) and _constant(o) == 0:
            raise InputError("division by the constant 0 in the traced function")
        return self._binary(o, "div", "scale", lambda c: 1 / c)

    def __rtruediv__(self, o):
        r = self._node("recip", (self.index,))
        c = _constant(o)
        return r if c == 1 else r._node("scale", (r.index,), c)

    def __pow__(self, o):
        o = self._other(o)
        if isinstance(o, Tracer):
            return self._node("pow", (self.index, o.index))
        if o == sp.Rational(1, 2):
            return self._node("sqrt", (self.index,))
        return self._node("powc", (self.index,), o)

    def __rpow__(self, o):
        c = _constant(o)
        if c == sp.E:
            return self._node("exp", (self.index,))
        return self._node("cpow", (self.index,), c)

    def __neg__(self):
        return self._node("neg", (self.index,))

    def __pos__(self):
        return self


def _is_zero(o) -> bool:
    return not isinstance(o, Tracer) and _constant(o) == 0


def _op(name: str) -> Callable:
    """ops.<name>: a graph node on tracers; the ordinary function on anything else."""
    exact = PRIMITIVES[name]

    def f(x):
        if isinstance(x, Tracer):
            return x._node(name, (x.index,))
        if isinstance(x, sp.Basic):
            return exact.value(EXACT, None, x)
        if type(x).__module__.startswith("jax"):
            return numeric(name, "jax")(x)
        return exact.value(FLOAT, None, x)

    f.__name__ = name
    f.__doc__ = f"{name}(x): a {name} node when x is traced, the number otherwise."
    return f


def _extremum(name: str) -> Callable:
    def f(x, y):
        if not isinstance(x, Tracer) and not isinstance(y, Tracer):
            if isinstance(x, sp.Basic) or isinstance(y, sp.Basic):
                return (sp.Max if name == "max" else sp.Min)(x, y)
            return PRIMITIVES[name].value(FLOAT, None, x, y)
        t = x if isinstance(x, Tracer) else y
        a, b = (t._other(v) for v in (x, y))
        if name == "max" and any(not isinstance(v, Tracer) and v == 0 for v in (a, b)):
            other = b if not isinstance(a, Tracer) else a
            return other._node("relu", (other.index,))
        a, b = (v if isinstance(v, Tracer) else t._node("const", (), v) for v in (a, b))
        return t._node(name, (a.index, b.index))

    f.__name__ = name
    f.__doc__ = f"{name}(x, y): a {name} node when an argument is traced."
    return f


class _Ops:
    """Functions for traced programs: ``ops.exp(x)``, ``ops.sin(x)``, ..., ``ops.pi``.

    On tracers they add nodes; on JAX or NumPy values they compute, so the very
    same Python function can also be handed to JAX as an independent reference.
    """

    pi = sp.pi
    e = sp.E
    const = staticmethod(sp.sympify)

    def __init__(self):
        for name in UNARY:
            setattr(self, name, _op(name))
        self.max, self.min = _extremum("max"), _extremum("min")
        unary_log = self.log

        def log(x, base=None):
            """log(x), or log(x)/log(base): a log node, scaled by the constant 1/log(base)."""
            y = unary_log(x)
            return y if base is None else y / sp.log(_constant(base))

        self.log = log


ops = _Ops()


#: The parser's function names, as graph operations on tracers.
_TEXT_FUNCTIONS: dict[str, Callable] = {
    name: functools.partial(spelling.build, ops) for name, spelling in spellings().items()
}


class _TextTracer:
    """Walks the safe parser's validated tree, applying each operation to tracers."""

    def __init__(self, text: str, inputs: dict[str, Tracer]):
        self.text, self.inputs = text, inputs

    def __call__(self, node: ast.AST):
        return getattr(self, "_" + type(node).__name__)(node)

    def _Expression(self, node):
        return self(node.body)

    def _Constant(self, node):
        return literal(node, self.text)

    def _Name(self, node):
        return self.inputs[node.id] if node.id in self.inputs else CONSTANTS[node.id]

    def _UnaryOp(self, node):
        x = self(node.operand)
        return -x if isinstance(node.op, ast.USub) else x

    def _BinOp(self, node):
        a, b = self(node.left), self(node.right)
        ops_ = {ast.Add: lambda: a + b, ast.Sub: lambda: a - b, ast.Mult: lambda: a * b,
                ast.Div: lambda: a / b, ast.Pow: lambda: a**b}
        return ops_[type(node.op)]()

    def _Call(self, node):
        return _TEXT_FUNCTIONS[node.func.id](*(self(a) for a in node.args))


def from_text(text: str, variables: Sequence[str] | None = None) -> Graph:
    """The graph of math text, node for node as written (``exp(x)**2`` stays a square).

    The text is first parsed to SymPy (which validates it and is kept as the
    independent reference ``source``); then the validated tree is walked once
    more with tracers.

    >>> g = from_text("exp(x1 + x2**3)*x3 + sqrt(x3*sin(pi/2*(x1 - x2)))")
    >>> [g.formula(n) for n in g.intermediates][:5]
    ['v-1**3', 'v-2 + v1', 'exp(v2)', 'v3*v0', 'v-2 - v-1']
    """
    expr = parse(text, variables)
    # the names written, not SymPy's free symbols: x/x is 1 to SymPy but still has an input x
    names = _variables([expr], variables) if variables is not None else _written_names(text)
    b = _Builder(names)
    inputs = {v: Tracer(b, i - len(names) + 1) for i, v in enumerate(names)}
    result = _TextTracer(text.strip(), inputs)(read(text))
    out = result.index if isinstance(result, Tracer) else b.node("const", (), _constant(result))
    return b.graph([out], source=[expr])


def from_function(fn: Callable, variables: Sequence[str]) -> Graph:
    """Trace ``fn(*inputs)`` (a Python function using ``+ - * / **`` and :data:`ops`).

    The function may return one value or a tuple/list of values (several outputs).

    >>> g = from_function(lambda x, y: ops.exp(x * y) + x * y, ["x", "y"])
    >>> [g.formula(n) for n in g.intermediates]
    ['v-1*v0', 'exp(v1)', 'v2 + v1']
    """
    names = list(symbols_for(variables))
    if len(set(names)) != len(names):
        raise InputError(f"a variable is listed twice: {', '.join(names)}")
    b = _Builder(names)
    args = [Tracer(b, i - len(names) + 1) for i in range(len(names))]
    result = fn(*args)
    results = list(result) if isinstance(result, tuple | list) else [result]
    outputs = []
    for r in results:
        outputs.append(r.index if isinstance(r, Tracer) else b.node("const", (), _constant(r)))
    return b.graph(outputs, reference=fn, source=_symbolic_run(fn, names, len(outputs)))


def _symbolic_run(fn: Callable, names: list[str], m: int) -> list[sp.Expr] | None:
    """The function run once more on SymPy symbols: an expression built without the tracer,
    so checks have a reference independent of the graph (None if SymPy cannot run it)."""
    try:
        result = fn(*(sp.Symbol(v, real=True) for v in names))
    except Exception:  # noqa: BLE001 - any failure just means "no symbolic reference"
        return None
    results = list(result) if isinstance(result, tuple | list) else [result]
    exprs = [sp.sympify(r) for r in results]
    return exprs if len(exprs) == m and all(isinstance(e, sp.Expr) for e in exprs) else None
