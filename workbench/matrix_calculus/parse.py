"""Matrix expressions from NumPy-like text, through the safe parser.

``x.T @ A @ x``, ``log(det(X))``, ``trace(A @ X @ B)``, ``norm(A @ x - b)**2``,
``exp(-x.T @ x)``, ``inv(X)``, ``sum(exp(A @ x + b))``; ``*`` and ``/`` and
``**`` are elementwise (as in NumPy), ``@`` is the matrix product.

Vectors are **columns** (n×1), as in the notes.  Where that reading and NumPy's
(1-D vectors, on which ``.T`` does nothing) would give different answers, the
text is refused with the unambiguous spellings: ``x @ x.T`` is an outer product
for columns but the inner product in NumPy, so write ``outer(x, x)``, or
``x.T @ x`` / ``dot(x, x)`` (:func:`refuse_numpy_ambiguity`).

Shapes follow a convention, overridable name by name:

* a name starting with an upper-case letter is an n×n matrix;
* a name starting with a lower-case letter is an n-vector (n×1);
* names listed as ``scalars`` are scalars;
* ``shapes`` overrides: ``"A=m,n x=n w=1,n"`` (dimensions are positive
  integers or names; a dimension name may be used as a number, ``sum(v)/n``,
  and in ``eye(n)``).

The text is checked by :func:`workbench.core.parse.read` (no code is ever run) and
the validated tree is walked by one :class:`Interpreter` parameterized by an
*algebra*: :class:`SymbolicAlgebra` builds :mod:`workbench.matrix_calculus.expr` values
for the engine, while the certificate (:mod:`workbench.certification.matrix`) walks
the same tree with explicit SymPy matrices and with NumPy/JAX arrays, so the
references read the user's text independently of the engine's own
representation.

>>> p = parse_matrix("norm(A @ x - b)**2 / 2")
>>> sorted(p.declarations.shapes)
['A', 'b', 'x']
>>> parse_matrix("A @ x", shapes="A=m,n x=m")
Traceback (most recent call last):
...
workbench.core.errors.ShapeError: in 'A @ x': matrix product: shapes (m×n) and (m×1) do not fit \
(n columns against m rows)
>>> parse_matrix("sum(x @ x.T)")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
workbench.core.errors.ShapeError: in 'x @ x.T': ambiguous: vectors are columns here, ...
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import sympy as sp

from ..core import limits
from ..core.errors import InputError, ParseError, ShapeError
from ..core.functions import TABLE
from ..core.parse import CONSTANTS, check_power, literal, read
from . import expr as mx
from .algebra import Algebra

DEFAULT_DIM = "n"

#: Elementwise functions the engine differentiates (and prints within its output vocabulary).
ELEMENTWISE: dict[str, Callable[[sp.Expr], sp.Expr]] = {
    name: fn.sympy for name, fn in TABLE.items() if fn.elementwise
}

#: Matrix functions: name -> number of arguments.  Their meaning is each algebra's.
MATRIX_FUNCTIONS: dict[str, int] = {
    "inv": 1, "det": 1, "trace": 1, "tr": 1, "norm": 1, "sum": 1, "softmax": 1,
    "logsumexp": 1, "logdet": 1, "diag": 1, "outer": 2, "inner": 2, "dot": 2, "eye": 1,
}


@dataclass
class Declarations:
    """What every name means: its shape (None for scalars) and assumptions."""

    shapes: dict[str, tuple[sp.Expr, sp.Expr]] = field(default_factory=dict)
    scalars: set[str] = field(default_factory=set)
    dims: set[str] = field(default_factory=set)
    symmetric: set[str] = field(default_factory=set)
    pd: set[str] = field(default_factory=set)
    stochastic: set[str] = field(default_factory=set)

    def leaf(self, name: str) -> mx.Leaf:
        r, c = self.shapes[name]
        return mx.Leaf(name, r, c, symmetric=name in self.symmetric or name in self.pd,
                       pd=name in self.pd, stochastic=name in self.stochastic)

    def names(self) -> list[str]:
        return sorted(set(self.shapes) | self.scalars)


def _names(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = value.replace(";", ",").replace(" ", ",").split(",")
    return [v.strip() for v in value if v and v.strip()]


def parse_dim(text: str) -> sp.Expr:
    text = text.strip()
    if text.isdigit() and int(text) > 0:
        limits.check("matrix_dimension", int(text), f"shape dimension {text}")
        return mx.dim(int(text))
    if text.isidentifier():
        return mx.dim(text)
    raise ParseError("a dimension must be a positive integer or a name:", token=text)


def parse_shapes(spec: str | Mapping | None) -> dict[str, tuple[sp.Expr, sp.Expr]]:
    """``"A=m,n x=n"`` (or a mapping name -> "m,n" / [m, n]) as name -> (rows, cols)."""
    if not spec:
        return {}
    items = spec.items() if isinstance(spec, Mapping) else [
        part.partition("=")[::2] for part in str(spec).replace(";", " ").split()]
    out = {}
    for name, dims in items:
        name = name.strip()
        if not name.isidentifier():
            raise ParseError("expected name=rows,cols in --shapes, got", token=f"{name}={dims}")
        parts = _names(dims) if isinstance(dims, str) else [str(d) for d in dims]
        if len(parts) not in (1, 2):
            raise ParseError(f"shape of {name} needs one or two dimensions, got", token=str(dims))
        r = parse_dim(parts[0])
        c = parse_dim(parts[1]) if len(parts) == 2 else mx.ONE
        if name in out:
            raise ParseError("shape given twice for", token=name)
        out[name] = (r, c)
    return out


def _used_names(tree: ast.AST) -> list[str]:
    called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    seen = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and id(node) not in called and node.id not in seen:
            seen.append(node.id)
    return seen


def declare(tree: ast.AST, shapes=None, scalars=None, symmetric=None, pd=None,
            stochastic=None) -> Declarations:
    """Settle every name's meaning from the conventions and the overrides."""
    given = parse_shapes(shapes)
    scalar_names = set(_names(scalars))
    both = scalar_names & set(given)
    if both:
        raise InputError(f"{', '.join(sorted(both))} declared both as scalar and with a shape")
    dims = {str(s) for r, c in given.values() for s in (r, c) if isinstance(s, sp.Symbol)}
    decl = Declarations(scalars=scalar_names)
    names = [n for n in _used_names(tree) if n not in CONSTANTS or n in given
             or n in scalar_names]
    for name in names:
        if name in MATRIX_FUNCTIONS or name in ELEMENTWISE:
            continue
        if name in given:
            r, c = given[name]
            if (r, c) == (mx.ONE, mx.ONE):
                decl.scalars.add(name)
            else:
                decl.shapes[name] = (r, c)
        elif name in scalar_names or name in dims or name == DEFAULT_DIM:
            continue
        elif name[0].isupper():
            decl.shapes[name] = (mx.dim(DEFAULT_DIM),) * 2
        else:
            decl.shapes[name] = (mx.dim(DEFAULT_DIM), mx.ONE)
    decl.dims = {str(s) for r, c in decl.shapes.values() for s in (r, c)
                 if isinstance(s, sp.Symbol)} | {DEFAULT_DIM}
    clash = decl.dims & (set(decl.shapes) | decl.scalars)
    if clash:
        raise InputError(f"{', '.join(sorted(clash))} is a dimension and cannot also be a "
                         "variable: rename it or give other dimension names with --shapes")
    for flag, names_ in (("symmetric", symmetric), ("pd", pd), ("stochastic", stochastic)):
        wanted = set(_names(names_))
        unknown = wanted - set(decl.shapes)
        if unknown:
            raise InputError(f"--{flag}: {', '.join(sorted(unknown))} is not a matrix or vector "
                             "of the expression")
        if flag != "stochastic":
            for name in wanted:
                r, c = decl.shapes[name]
                if r != c:
                    raise ShapeError(f"--{flag} {name}: a {flag} matrix must be square, "
                                     f"got shape {mx.show_shape((r, c))}")
        getattr(decl, flag).update(wanted)
    return decl


# ----------------------------------------------------------------------------- semantics


def _vector_kind(v) -> str | None:
    """'column' (n×1), 'row' (1×n) or None (a scalar or a matrix)."""
    if mx.is_scalar(v):
        return None
    r, c = mx.shape_of(v)
    if c == mx.ONE and r != mx.ONE:
        return "column"
    if r == mx.ONE and c != mx.ONE:
        return "row"
    return None


def refuse_numpy_ambiguity(a, b) -> None:
    """Refuse ``u @ v`` where the column reading and NumPy's 1-D reading differ.

    Vectors are columns here, as in the notes, so ``x @ x.T`` is the outer product
    x xᵀ; NumPy, whose syntax the input uses, has 1-D vectors on which ``.T`` does
    nothing, and reads the same text as the inner product.  A column times a row
    is therefore refused with the unambiguous spellings.  (A row times a column,
    ``x.T @ y``, is the inner product in both readings.)  A row times a row or a
    column times a column does not fit as columns, while NumPy would take the
    inner product: refused as well, with the same spellings.
    """
    kinds = (_vector_kind(a), _vector_kind(b))
    if kinds in (("row", "row"), ("column", "column")):
        raise ShapeError(f"two {kinds[0]} vectors do not fit for @ (vectors are columns "
                         "here, though NumPy would take the inner product); write u.T @ v or "
                         "dot(u, v) for the inner product, outer(u, v) for the outer product")
    if kinds == ("column", "row"):
        raise ShapeError("ambiguous: vectors are columns here, so u @ v.T is the outer "
                         "product u vᵀ, but NumPy (1-D vectors, .T does nothing) reads it as "
                         "the inner product; write outer(u, v) for the outer product, or "
                         "u.T @ v or dot(u, v) for the inner product")


# ----------------------------------------------------------------------------- algebras


class SymbolicAlgebra(Algebra):
    """Builds engine values (:mod:`workbench.matrix_calculus.expr`)."""

    def __init__(self, decl: Declarations):
        self.decl = decl

    def leaf(self, name: str):
        return self.decl.leaf(name)

    def scalar(self, name: str):
        return sp.Symbol(name, real=True)

    def dim(self, name: str):
        return mx.dim(name)

    def number(self, value: sp.Expr):
        return value

    is_scalar = staticmethod(mx.is_scalar)
    add = staticmethod(mx.add)
    sub = staticmethod(mx.sub)
    mul = staticmethod(mx.mul)
    div = staticmethod(mx.div)
    power = staticmethod(mx.power)
    neg = staticmethod(mx.neg)
    transpose = staticmethod(mx.transpose)

    @staticmethod
    def matmul(a, b):
        refuse_numpy_ambiguity(a, b)
        return mx.matmul(a, b)

    def elementwise(self, name: str, a):
        return mx.apply(ELEMENTWISE[name], a)

    def identity(self, n):
        return mx.Identity(n)

    def call(self, name: str, *args):
        fn = {"inv": mx.inverse, "det": mx.det, "trace": mx.trace, "tr": mx.trace,
              "norm": mx.norm, "sum": mx.sum_all, "softmax": mx.softmax, "diag": mx.diag,
              "outer": mx.outer, "inner": mx.inner, "dot": mx.inner,
              "logsumexp": lambda v: sp.log(mx.sum_all(mx.apply(sp.exp, v))),
              "logdet": lambda v: sp.log(mx.det(v))}[name]
        return fn(*args)


class Interpreter:
    """Walks a validated tree with an algebra; one method per node type.

    Shapes are checked by the algebra (the symbolic one raises
    :class:`ShapeError`); this walker adds the location in the text.
    """

    def __init__(self, text: str, decl: Declarations, algebra):
        self.text = text
        self.decl = decl
        self.algebra = algebra

    def run(self, tree: ast.AST):
        try:
            return self.visit(tree)
        except RecursionError:
            raise ParseError("expression too complex to build") from None

    def visit(self, node: ast.AST):
        return getattr(self, "_" + type(node).__name__)(node)

    def _where(self, node: ast.AST) -> str:
        return (ast.get_source_segment(self.text, node) or "")[:60]

    def _guard(self, node: ast.AST, step):
        try:
            return step()
        except ShapeError as exc:
            if str(exc).startswith("in '"):
                raise
            raise ShapeError(f"in '{self._where(node)}': {exc}") from None

    def _Expression(self, node):
        return self.visit(node.body)

    def _Constant(self, node):
        return self.algebra.number(literal(node, self.text))

    def _Name(self, node):
        name, a = node.id, self.algebra
        if name in self.decl.shapes:
            return a.leaf(name)
        if name in self.decl.scalars:
            return a.scalar(name)
        if name in self.decl.dims:
            return a.dim(name)
        if name in CONSTANTS:
            return a.number(CONSTANTS[name])
        if name in MATRIX_FUNCTIONS or name in ELEMENTWISE:
            raise ParseError("function used without arguments:", token=name,
                             column=node.col_offset + 1, text=self.text)
        raise ParseError("undeclared name:", token=name, column=node.col_offset + 1,
                         text=self.text)

    def _UnaryOp(self, node):
        v = self.visit(node.operand)
        return self.algebra.neg(v) if isinstance(node.op, ast.USub) else v

    def _Attribute(self, node):  # only .T passes the validator
        v = self.visit(node.value)
        return self.algebra.transpose(v)

    def _BinOp(self, node):
        a, b = self.visit(node.left), self.visit(node.right)
        alg, op = self.algebra, node.op
        if isinstance(op, ast.MatMult):
            for side, v in (("left", a), ("right", b)):
                if alg.is_scalar(v):
                    raise ShapeError(f"in '{self._where(node)}': @ needs vector or matrix "
                                     f"operands, its {side} operand is a scalar (use *)")
            return self._guard(node, lambda: alg.matmul(a, b))
        if isinstance(op, ast.Pow):
            if alg.is_scalar(a) and alg.is_scalar(b) and isinstance(a, sp.Expr):
                check_power(a, b, node, self.text)
            return self._guard(node, lambda: alg.power(a, b))
        if isinstance(op, ast.Div) and isinstance(b, sp.Expr) and b.is_zero:
            raise ParseError("division by zero:", token=self._where(node),
                             column=node.col_offset + 1, text=self.text)
        method = {ast.Add: alg.add, ast.Sub: alg.sub, ast.Mult: alg.mul, ast.Div: alg.div}
        return self._guard(node, lambda: method[type(op)](a, b))

    def _Call(self, node):
        name = node.func.id
        if name == "eye":
            return self._eye(node)
        args = [self.visit(a) for a in node.args]
        if name in ELEMENTWISE:
            if len(args) != 1:
                raise ParseError(f"{name} takes 1 argument, got {len(args)}:",
                                 token=self._where(node), column=node.col_offset + 1,
                                 text=self.text)
            return self._guard(node, lambda: self.algebra.elementwise(name, args[0]))
        if name not in MATRIX_FUNCTIONS:
            known = ", ".join(sorted([*MATRIX_FUNCTIONS, *ELEMENTWISE]))
            raise ParseError(f"function not supported by the matrix engine (supported: {known}):",
                             token=name, column=node.col_offset + 1, text=self.text)
        if len(args) != MATRIX_FUNCTIONS[name]:
            raise ParseError(f"{name} takes {MATRIX_FUNCTIONS[name]} argument(s), "
                             f"got {len(args)}:", token=self._where(node),
                             column=node.col_offset + 1, text=self.text)
        return self._guard(node, lambda: self.algebra.call(name, *args))

    def _eye(self, node):
        if len(node.args) != 1:
            raise ParseError("eye takes 1 argument (a dimension):", token=self._where(node),
                             column=node.col_offset + 1, text=self.text)
        arg = node.args[0]
        if isinstance(arg, ast.Name) and arg.id in self.decl.dims:
            return self.algebra.identity(self.algebra.dim(arg.id))
        if isinstance(arg, ast.Constant) and isinstance(arg.value, int) and arg.value > 0:
            return self.algebra.identity(self.algebra.number(sp.Integer(arg.value)))
        raise ParseError("eye needs a dimension name or a positive integer, got",
                         token=self._where(arg), column=arg.col_offset + 1, text=self.text)


# ----------------------------------------------------------------------------- front end


@dataclass
class MatrixProblem:
    """A parsed expression with the meaning of its names."""

    text: str
    tree: ast.Expression
    declarations: Declarations
    value: object  # sp.Expr | expr.Node

    def interpret(self, algebra, text: str | None = None):
        """Walk this problem's text (or another text over the same names) with ``algebra``."""
        if text is None:
            return Interpreter(self.text, self.declarations, algebra).run(self.tree)
        tree = read(text)
        return Interpreter(text.strip(), self.declarations, algebra).run(tree)


def parse_matrix(text: str, shapes=None, scalars=None, symmetric=None, pd=None,
                 stochastic=None) -> MatrixProblem:
    """Parse ``text`` into an engine value with shapes checked (see the module docstring)."""
    tree = read(text)
    decl = declare(tree, shapes, scalars, symmetric, pd, stochastic)
    value = Interpreter(text.strip(), decl, SymbolicAlgebra(decl)).run(tree)
    if isinstance(value, sp.Expr) and value.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        raise ParseError("expression evaluates to an infinity or undefined value", text=text)
    return MatrixProblem(text.strip(), tree, decl, value)
