"""The certificates' algebras: one text read as arrays and as explicit matrices.

A matrix-calculus certificate never trusts the engine's own representation: it
reads the user's text again with the interpreter of
:mod:`workbench.matrix_calculus.parse`, in two other algebras (see
:mod:`workbench.matrix_calculus.algebra`):

* :class:`ArrayAlgebra` - NumPy or ``jax.numpy`` arrays (vectors are n×1), for the
  float64 checks and JAX autodiff;
* :class:`ExactAlgebra` - explicit SymPy matrices with exact entries or one symbol
  per entry, for entrywise SymPy derivatives.

:func:`evaluate` gives an engine result (a closed form such as ``A.T @ (A @ x - b)``)
its value in either algebra at concrete sizes, so that closed forms and references
can be compared; the extra operations it needs (``size``, ``elem``, ``vec``,
``kron``, ``commutation``, ``softmax``) make an :class:`EvaluationAlgebra`.

>>> import numpy as np
>>> from workbench.matrix_calculus.parse import parse_matrix
>>> p = parse_matrix("x.T @ A @ x")
>>> alg = ArrayAlgebra(np, {"A": np.eye(2), "x": np.array([[3.0], [4.0]])}, {"n": 2})
>>> float(p.interpret(alg))
25.0
>>> float(evaluate(p.value, alg))
25.0
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache, lru_cache, reduce
from typing import Any, Protocol

import numpy as np
import sympy as sp

from ..core.errors import WorkbenchError
from ..matrix_calculus import expr as mx
from ..matrix_calculus.algebra import Algebra


class EvaluationAlgebra(Algebra, Protocol):
    """An :class:`Algebra` with concrete sizes, in which engine results can be evaluated."""

    values: dict
    dims: dict

    def size(self, d) -> int:
        """The concrete size of a dimension expression."""
        ...

    def softmax(self, z) -> Any: ...

    def vec(self, a) -> Any:
        """The columns of ``a`` stacked into one column."""
        ...

    def kron(self, a, b) -> Any: ...

    def commutation(self, m: int, n: int) -> Any:
        """K with K·vec(M) = vec(Mᵀ) for m×n matrices M."""
        ...

    def elem(self, expr: sp.Expr, values: dict, shape) -> Any:
        """An elementwise expression of the given ``values``, broadcast to ``shape``."""
        ...


# ============================================================================ algebras


def size_of(d, dims: dict[str, int]) -> int:
    """The concrete size of a dimension (a number, or an expression in the dimension names)."""
    if isinstance(d, sp.Integer | int):
        return int(d)
    return _dim_value(d, tuple(sorted(dims.items())))


@lru_cache(maxsize=4096)
def _dim_value(d: sp.Expr, dims: tuple) -> int:
    return int(d.xreplace({sp.Symbol(k, integer=True, positive=True): v for k, v in dims}))


#: Elementwise expressions compiled by ``lambdify``, shared by every evaluation.
_LAMBDAS: dict = {}


class ArrayAlgebra(EvaluationAlgebra):
    """NumPy or jax.numpy arrays (vectors n×1); a 1×1 product is a scalar."""

    def __init__(self, xp, values: dict, dims: dict[str, int]):
        self.xp, self.values, self.dims = xp, values, dims

    # names
    def leaf(self, name):
        return self.values[name]

    scalar = leaf

    def dim(self, name):
        return self.dims[name]

    def number(self, v):
        return float(v)

    def size(self, d) -> int:
        return size_of(d, self.dims)

    def is_scalar(self, a) -> bool:
        return self.xp.ndim(a) == 0

    # elementwise
    def add(self, a, b):
        return a + b

    def sub(self, a, b):
        return a - b

    def mul(self, a, b):
        return a * b

    def div(self, a, b):
        return a / b

    def power(self, a, b):
        return a ** b

    def neg(self, a):
        return -a

    def elementwise(self, name, a):
        return _elementwise(name, self._module)(a)

    @property
    def _module(self) -> str:
        """The ``lambdify`` module of this backend."""
        return "jax" if self.xp.__name__.startswith("jax") else "numpy"

    # matrix
    def matmul(self, a, b):
        r = a @ b
        return r[0, 0] if r.shape == (1, 1) else r

    def matmul_t(self, a, ta: bool, b, tb: bool):
        """op(a) @ op(b) with op = transpose where flagged, without forming the transpose."""
        if self.xp is np:
            return self.matmul(a.T if ta else a, b.T if tb else b)
        import jax

        r = jax.lax.dot_general(a, b, (((0 if ta else 1,), (1 if tb else 0,)), ((), ())))
        return r[0, 0] if r.shape == (1, 1) else r

    def transpose(self, a):
        return a.T if self.xp.ndim(a) == 2 else a

    def identity(self, n):
        return self.xp.eye(int(n))

    def softmax(self, z):
        xp, axis = self.xp, 0 if z.shape[1] == 1 else 1
        e = xp.exp(z - xp.max(z, axis=axis, keepdims=True))
        return e / xp.sum(e, axis=axis, keepdims=True)

    def call(self, name, *args):
        xp = self.xp
        a = args[0]
        if name in ("inv",):
            return xp.linalg.inv(a)
        if name in ("det",):
            return xp.linalg.det(a)
        if name in ("trace", "tr"):
            return xp.trace(a)
        if name == "norm":
            return xp.sqrt(xp.sum(a * a))
        if name == "sum":
            return xp.sum(a)
        if name == "softmax":
            return self.softmax(a)
        if name == "logsumexp":
            m = xp.max(a)
            return m + xp.log(xp.sum(xp.exp(a - m)))
        if name == "logdet":
            return xp.log(xp.linalg.det(a))
        if name == "diag":
            if a.shape[1] == 1:
                return xp.diag(a[:, 0])
            if a.shape[0] == 1:
                return xp.diag(a[0])
            return xp.diag(a)[:, None]
        if name == "outer":
            return xp.reshape(a, (-1, 1)) @ xp.reshape(args[1], (1, -1))
        if name in ("inner", "dot"):
            return xp.sum(a * args[1])
        raise WorkbenchError(f"no numeric meaning for {name}")

    # the engine's own node types
    def vec(self, a):
        return self.xp.reshape(a.T, (-1, 1))

    def kron(self, a, b):
        return self.xp.kron(a, b)

    def commutation(self, m: int, n: int):
        K = np.zeros((m * n, m * n))
        for i in range(m):
            for j in range(n):
                K[i * n + j, j * m + i] = 1.0   # vec(Mᵀ)[i·n + j] = M[i, j] = vec(M)[j·m + i]
        return self.xp.asarray(K)

    def elem(self, expr: sp.Expr, values: dict, shape):
        syms, fn = _compiled(expr, self._module)
        out = fn(*(values[s] for s in syms))
        if shape is None:
            return out
        return self.xp.broadcast_to(self.xp.asarray(out, dtype=float), shape)


def _compiled(expr: sp.Expr, module: str):
    """(symbols in argument order, lambdified function), built once per expression."""
    key = (expr, module)
    hit = _LAMBDAS.get(key)
    if hit is None:
        syms = sorted(_free(expr), key=lambda s: s.name)
        plain = [sp.Symbol(f"_v{i}", real=True) for i in range(len(syms))]
        body = expr.xreplace(dict(zip(syms, plain, strict=True)))
        hit = _LAMBDAS[key] = (syms, sp.lambdify(plain, body, modules=module))
    return hit


_ARG = sp.Symbol("_z", real=True)


@cache
def _elementwise(name: str, module: str):
    """An elementwise function compiled as the printers spell it (overflow-safe σ, softplus)."""
    from ..matrix_calculus.parse import ELEMENTWISE

    return _compiled(ELEMENTWISE[name](_ARG), module)[1]


_FREE: dict = {}


def _free(e: sp.Expr) -> frozenset:
    out = _FREE.get(e)
    if out is None:
        out = _FREE[e] = frozenset(e.free_symbols)
    return out


class ExactAlgebra(EvaluationAlgebra):
    """Explicit SymPy matrices (vectors n×1) with exact entries or entry symbols."""

    def __init__(self, values: dict, dims: dict[str, int]):
        self.values, self.dims = values, dims

    def leaf(self, name):
        return self.values[name]

    scalar = leaf

    def dim(self, name):
        return sp.Integer(self.dims[name])

    def number(self, v):
        return sp.sympify(v)

    def size(self, d) -> int:
        return size_of(d, self.dims)

    def is_scalar(self, a) -> bool:
        return not isinstance(a, sp.MatrixBase)

    def _zip(self, a, b, op):
        am, bm = isinstance(a, sp.MatrixBase), isinstance(b, sp.MatrixBase)
        if am and bm:
            return sp.Matrix(a.rows, a.cols, [op(x, y) for x, y in zip(a, b, strict=True)])
        if am:
            return a.applyfunc(lambda x: op(x, b))
        if bm:
            return b.applyfunc(lambda y: op(a, y))
        return op(a, b)

    def add(self, a, b):
        return self._zip(a, b, lambda x, y: x + y)

    def sub(self, a, b):
        return self._zip(a, b, lambda x, y: x - y)

    def mul(self, a, b):
        return self._zip(a, b, lambda x, y: x * y)

    def div(self, a, b):
        return self._zip(a, b, lambda x, y: x / y)

    def power(self, a, b):
        return self._zip(a, b, lambda x, y: x ** y)

    def neg(self, a):
        return -a

    def elementwise(self, name, a):
        from ..matrix_calculus.parse import ELEMENTWISE

        fn = ELEMENTWISE[name]
        return a.applyfunc(fn) if isinstance(a, sp.MatrixBase) else fn(a)

    def matmul(self, a, b):
        r = a * b
        return r[0, 0] if r.shape == (1, 1) else r

    def transpose(self, a):
        return a.T if isinstance(a, sp.MatrixBase) else a

    def identity(self, n):
        return sp.eye(int(n))

    def softmax(self, z):
        e = z.applyfunc(sp.exp)
        if z.cols == 1:
            return e / sum(e)
        return sp.Matrix.vstack(*(e.row(i) / sum(e.row(i)) for i in range(e.rows)))

    def call(self, name, *args):
        a = args[0]
        if name == "inv":
            return a.adjugate() / a.det(method="berkowitz")
        if name == "det":
            return a.det(method="berkowitz")
        if name in ("trace", "tr"):
            return a.trace()
        if name == "norm":
            return sp.sqrt(sum(x ** 2 for x in a))
        if name == "sum":
            return sum(a)
        if name == "softmax":
            return self.softmax(a)
        if name == "logsumexp":
            return sp.log(sum(sp.exp(x) for x in a))
        if name == "logdet":
            return sp.log(a.det(method="berkowitz"))
        if name == "diag":
            if a.cols == 1 or a.rows == 1:
                return sp.diag(*list(a))
            return sp.Matrix([a[i, i] for i in range(a.rows)])
        if name == "outer":
            return sp.Matrix(list(a)) * sp.Matrix(list(args[1])).T
        if name in ("inner", "dot"):
            return sum(x * y for x, y in zip(a, args[1], strict=True))
        raise WorkbenchError(f"no exact meaning for {name}")

    def vec(self, a):
        return sp.Matrix([a[i, j] for j in range(a.cols) for i in range(a.rows)])

    def kron(self, a, b):
        from sympy.physics.quantum import TensorProduct

        return TensorProduct(a, b)

    def commutation(self, m: int, n: int):
        K = sp.zeros(m * n, m * n)
        for i in range(m):
            for j in range(n):
                K[i * n + j, j * m + i] = 1
        return K

    def elem(self, expr: sp.Expr, values: dict, shape):
        if shape is None:
            return expr.xreplace(values)
        r, c = shape
        out = sp.zeros(r, c)
        for i in range(r):
            for j in range(c):
                out[i, j] = expr.xreplace({s: (v[i, j] if isinstance(v, sp.MatrixBase) else v)
                                           for s, v in values.items()})
        return out




# ============================================================================ evaluation


def evaluate(v, alg):
    """The value of an engine expression (scalar or node) in an algebra with concrete sizes."""
    if mx.is_scalar(v):
        e = sp.sympify(v)
        return alg.elem(e, _symbol_values(e, alg), None)
    rule = _EVALUATE[type(v)]
    return rule(v, alg)


def _symbol_values(e: sp.Expr, alg) -> dict:
    out = {}
    for s in _free(e):
        if isinstance(s, mx.Atom):
            out[s] = evaluate(s.node, alg)
        elif s.name in alg.values:
            out[s] = alg.values[s.name]
        elif s.name in alg.dims:
            out[s] = alg.dim(s.name)
        else:
            raise WorkbenchError(f"no value for {s.name} when evaluating")
    return out


def _evaluate_elem(v: mx.Elem, alg):
    shape = (alg.size(v.rows), alg.size(v.cols))
    return alg.elem(v.expr, _symbol_values(v.expr, alg), shape)


def _evaluate_matmul(v: mx.MatMul, alg):
    """A product, with transposed factors handed to the backend as flags (no copies)."""
    if not hasattr(alg, "matmul_t"):
        return reduce(alg.matmul, (evaluate(f, alg) for f in v.factors))
    parts = [(evaluate(f.arg, alg), True) if isinstance(f, mx.Transpose) and
             not mx.is_scalar(f.arg) else (evaluate(f, alg), False) for f in v.factors]
    acc, t = parts[0]
    for b, tb in parts[1:]:
        acc, t = alg.matmul_t(acc, t, b, tb), False
    return acc.T if t else acc


_EVALUATE = {
    mx.Leaf: lambda v, alg: alg.leaf(v.name),
    mx.Identity: lambda v, alg: alg.identity(alg.size(v.n)),
    mx.MatMul: _evaluate_matmul,
    mx.Transpose: lambda v, alg: alg.transpose(evaluate(v.arg, alg)),
    mx.Inverse: lambda v, alg: alg.call("inv", evaluate(v.arg, alg)),
    mx.Elem: _evaluate_elem,
    mx.Softmax: lambda v, alg: alg.softmax(evaluate(v.arg, alg)),
    mx.Diag: lambda v, alg: alg.call("diag", evaluate(v.arg, alg)),
    mx.DiagOf: lambda v, alg: alg.call("diag", evaluate(v.arg, alg)),
    mx.Det: lambda v, alg: alg.call("det", evaluate(v.arg, alg)),
    mx.Trace: lambda v, alg: alg.call("trace", evaluate(v.arg, alg)),
    mx.Norm: lambda v, alg: alg.call("norm", evaluate(v.arg, alg)),
    mx.SumAll: lambda v, alg: alg.call("sum", evaluate(v.arg, alg)),
    mx.Vec: lambda v, alg: alg.vec(evaluate(v.arg, alg)),
    mx.Kron: lambda v, alg: alg.kron(evaluate(v.left, alg), evaluate(v.right, alg)),
    mx.Commutation: lambda v, alg: alg.commutation(alg.size(v.m), alg.size(v.n)),
}


def interpret_with(d, text: str, alg, extra: dict):
    """``text`` read in ``alg`` with the names of ``extra`` declared with the variable's shape."""
    decl = d.problem.declarations
    shape = decl.shapes[d.wrt]
    widened = replace(decl, shapes={**decl.shapes, **dict.fromkeys(extra, shape)})
    return replace(d.problem, declarations=widened).interpret(alg, text)
