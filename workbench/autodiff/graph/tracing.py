"""Building a graph by tracing: math text walked as written, or a Python function run.

:func:`from_text` keeps the structure as written (the safe parser's validated
tree is walked with tracers; nothing is evaluated); :func:`from_function` runs a
plain Python function on :class:`Tracer` objects that record every operation
(operator overloading, as in micrograd), with :data:`ops` for the functions.

>>> g = from_function(lambda x, y: ops.exp(x * y), ["x", "y"])
>>> [g.formula(n) for n in g.intermediates]
['v-1*v0', 'exp(v1)']
"""

from __future__ import annotations

import ast
import functools
import numbers
from collections.abc import Callable, Sequence

import sympy as sp

from ...core.errors import InputError
from ...core.functions import numeric, spellings
from ...core.parse import CONSTANTS, literal, parse, read, symbols_for
from ..primitives import EXACT, FLOAT, PRIMITIVES, UNARY
from .builders import Builder, ordered_variables, written_names
from .dag import Graph


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

    def __init__(self, builder: Builder, index: int):
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
    names = ordered_variables([expr], variables) if variables is not None else written_names(text)
    b = Builder(names)
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
    b = Builder(names)
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
