"""Certificates for matrix derivatives: concrete sizes, independent references.

A formula such as ∇ log det X = X⁻ᵀ is about matrices of every size; it is
checked on concrete ones, against references that never see the engine's
rules or its internal representation.  The user's *text* is read again by the
front end's :class:`~workbench.matrix_calculus.parse.Interpreter` with two other
algebras: explicit SymPy matrices with one symbol per entry, and NumPy/JAX
arrays.  The references:

* **symbolic** - at sizes 2 and mixed sizes (2, 3, …), the function is
  expanded into its entries, differentiated entry by entry by SymPy
  (∂f/∂X_ij, ∂²f/∂X_ij∂X_kl), and compared with the closed form at an exact
  random rational point in 50-digit arithmetic;
* **autodiff** - at sizes up to 50, ``jax.grad``/``jax.hessian``/``jax.jvp``
  of the function (float64) against the closed form evaluated with NumPy;
* **finite differences** - the directional derivative d/dt f(X + tV) by
  Richardson extrapolation against ⟨G, V⟩ (and ⟨V, H[V]⟩ for Hessians);
* **printed** - the printed NumPy text of each answer, read back by the same
  front end and evaluated, against the closed form: what users copy is checked.

Random instances respect the declarations: symmetric matrices are
symmetric, positive definite ones are BBᵀ/k + I, row-stochastic ones have
positive rows summing to one; points where the function is undefined are
redrawn.  Errors are mixed relative errors max|a − b| / max(max|b|, 1).

>>> from workbench.matrix_calculus.parse import parse_matrix
>>> from workbench.matrix_calculus.derive import derive
>>> d = derive(parse_matrix("trace(A @ X @ B)"), "X")
>>> certify_derivation(d).verdict
'certified'
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cache, lru_cache, reduce

import numpy as np
import sympy as sp

from ..backends import jaxutil
from ..core.errors import WorkbenchError
from ..matrix_calculus import expr as mx
from ..matrix_calculus.derive import Derivation, derive
from ..matrix_calculus.parse import parse_matrix
from ..matrix_calculus.printing import to_numpy
from ..numerics import finite_diff
from .scalar import DIGITS, Certificate
from .scalar import TOLERANCES as SCALAR_TOLERANCES

#: Maximum mixed relative error accepted against each reference, and why.
TOLERANCES = {
    # autodiff and finite differences: the scalar certificate's tolerances, same reasons
    **{k: SCALAR_TOLERANCES[k]
       for k in ("autodiff", "finite_difference", "finite_difference_hessian")},
    # exact rational point, both sides evaluated at 50 digits: only a wrong formula differs
    "symbolic": 1e-25,
    # the printed text and the closed form are the same formula, evaluated differently
    "printed": 1e-9,
}

#: Sizes for the symbolic check (every dimension the same, then all different).
SYMBOLIC_SIZES = (2,)
#: Sizes for the numeric checks; extra dimensions get size + 1, + 2, ...
NUMERIC_SIZES = (3, 50)
#: Numeric sizes also checked against JAX autodiff (each costs one XLA compilation).
AUTODIFF_SIZES = (50,)
#: Largest variable (entries) for which full Hessian and Kronecker matrices are formed.
FULL_MATRIX_LIMIT = 100


# ============================================================================ algebras


def _eval_dim(d, dims: dict[str, int]) -> int:
    if isinstance(d, sp.Integer | int):
        return int(d)
    return _dim_value(d, tuple(sorted(dims.items())))


@lru_cache(maxsize=4096)
def _dim_value(d: sp.Expr, dims: tuple) -> int:
    return int(d.xreplace({sp.Symbol(k, integer=True, positive=True): v for k, v in dims}))


#: Elementwise expressions compiled by ``lambdify``, shared by every evaluation.
_LAMBDAS: dict = {}


class ArrayAlgebra:
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
        return _eval_dim(d, self.dims)

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


class ExactAlgebra:
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
        return _eval_dim(d, self.dims)

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


# ============================================================================ instances


def _dims_for(decl, size: int, mixed: bool, reverse: bool = False) -> dict[str, int]:
    names = sorted(decl.dims, reverse=reverse)
    return {d: size + (i if mixed else 0) for i, d in enumerate(names)}


def _size_orders(decl, size: int, mixed: bool) -> list[dict[str, int]]:
    """The size assignment to try, then (for mixed sizes) the one with the order reversed."""
    first = _dims_for(decl, size, mixed)
    if not mixed:
        return [first]
    return [first, dict(sorted(_dims_for(decl, size, mixed, reverse=True).items()))]


def _random_array(leaf, dims, rng) -> np.ndarray:
    r, c = _eval_dim(leaf.rows, dims), _eval_dim(leaf.cols, dims)
    if leaf.stochastic:
        w = rng.uniform(0.2, 1.0, (r, c))
        return w / (w.sum() if c == 1 else w.sum(axis=1, keepdims=True))
    if leaf.pd:
        B = rng.standard_normal((r, r))
        return B @ B.T / r + np.eye(r)
    M = rng.standard_normal((r, c)) / np.sqrt(max(c, 1))
    if r == c and c > 1:
        M = np.eye(r) + 0.5 * M
    if leaf.symmetric:
        M = (M + M.T) / 2
    return M


def _random_rational(leaf, dims, rng) -> sp.Matrix:
    r, c = _eval_dim(leaf.rows, dims), _eval_dim(leaf.cols, dims)

    def q(lo, hi):
        return sp.Rational(int(rng.integers(lo, hi + 1)), 8)

    if leaf.stochastic:
        W = sp.Matrix(r, c, lambda i, j: sp.Integer(int(rng.integers(1, 6))))
        if c == 1:
            return W / sum(W)
        return sp.Matrix.vstack(*(W.row(i) / sum(W.row(i)) for i in range(r)))
    if leaf.pd:
        B = sp.Matrix(r, r, lambda i, j: q(-8, 8))
        return B * B.T + sp.eye(r)
    M = sp.Matrix(r, c, lambda i, j: q(-8, 8))
    if r == c and c > 1:
        M = sp.eye(r) + M / 2
    if leaf.symmetric:
        M = (M + M.T) / 2
    return M


def _scalar_value(rng, exact: bool):
    k = int(rng.integers(4, 17))  # in [1/2, 2]: positive, as scale factors and logs expect
    return sp.Rational(k, 8) if exact else k / 8


def _constants(decl, wrt, dims, rng, exact: bool) -> dict:
    values = {}
    for name in sorted(decl.shapes):
        if name != wrt:
            leaf = decl.leaf(name)
            values[name] = _random_rational(leaf, dims, rng) if exact else \
                _random_array(leaf, dims, rng)
    for name in sorted(decl.scalars):
        if name != wrt:
            values[name] = _scalar_value(rng, exact)
    return values


def _finite(x) -> bool:
    try:
        arr = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        return False
    return bool(np.all(np.isfinite(arr)))


# ============================================================================ the certificate


@dataclass
class MatrixCertificate(Certificate):
    """A scalar :class:`~.scalar.Certificate` plus the sizes it was checked at.

    ``verdict`` is certified | mismatch | undefined; ``failures`` are dicts.
    """

    tolerances: dict[str, float] = field(default_factory=lambda: dict(TOLERANCES))
    sizes: list[dict] = field(default_factory=list)


def _mixed(a, b) -> float:
    a = np.asarray(a, dtype=float).ravel()
    b = np.asarray(b, dtype=float).ravel()
    if a.shape != b.shape:
        return float("inf")
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return float("inf")
    return float(np.max(np.abs(a - b), initial=0.0) / max(np.max(np.abs(b), initial=0.0), 1.0))


def _mixed_exact(a, b) -> float:
    a = [sp.N(x, DIGITS) for x in (a if isinstance(a, sp.MatrixBase) else [a])]
    b = [sp.N(x, DIGITS) for x in (b if isinstance(b, sp.MatrixBase) else [b])]
    if len(a) != len(b):
        return float("inf")
    if not all(x.is_real and x.is_finite for x in a + b):
        return float("inf")
    scale = max([abs(x) for x in b] + [sp.Integer(1)])
    return float(max([abs(x - y) for x, y in zip(a, b, strict=True)] + [sp.Integer(0)]) / scale)


class _Recorder:
    def __init__(self):
        self.errors: dict[str, float] = {}
        self.failures: list[dict] = []

    def record(self, reference: str, what: str, error: float, sizes: dict,
               tolerance_key: str | None = None) -> None:
        tol = TOLERANCES[tolerance_key or reference]
        self.errors[reference] = max(self.errors.get(reference, 0.0), error)
        if not error <= tol:
            self.failures.append({"reference": reference, "what": what, "sizes": dict(sizes),
                                  "rel_error": error, "tolerance": tol})


# ---------------------------------------------------------------------------- symbolic


def _entry_symbols(wrt: str, shape) -> sp.Matrix:
    r, c = shape
    return sp.Matrix(r, c, lambda i, j: sp.Symbol(f"{wrt}_{i}_{j}", real=True))


def _vec(M):
    return [M[i, j] for j in range(M.shape[1]) for i in range(M.shape[0])] \
        if isinstance(M, sp.MatrixBase) else [M]


def _symbolic_check(d, dims, rng, rec: _Recorder) -> bool:
    problem, decl, wrt = d.problem, d.problem.declarations, d.wrt
    answers = d.answers()
    for _ in range(10):
        consts = _constants(decl, wrt, dims, rng, exact=True)
        if d.kind == "scalar":
            S = sp.Matrix([[sp.Symbol(f"{wrt}_0_0", real=True)]])
            point = sp.Matrix([[_scalar_value(rng, True)]])
            var_value = S[0, 0]
        else:
            leaf = decl.leaf(wrt)
            S = _entry_symbols(wrt, (_eval_dim(leaf.rows, dims), _eval_dim(leaf.cols, dims)))
            point = _random_rational(leaf, dims, rng)
            var_value = (S + S.T) / 2 if leaf.symmetric else S
        f = problem.interpret(ExactAlgebra({**consts, wrt: var_value}, dims))
        at = dict(zip(list(S), list(point), strict=True))
        f0 = f.xreplace(at) if isinstance(f, sp.MatrixBase) else sp.sympify(f).xreplace(at)
        if all((num := sp.N(x, 20)).is_real and num.is_finite for x in _vec(f0)):
            break
    else:
        return False
    point_value = point[0, 0] if d.kind == "scalar" else point
    closed = ExactAlgebra({**consts, wrt: point_value}, dims)
    flat_vars = _vec(S)
    if "gradient" in answers:
        g = sp.Matrix(S.shape[0], S.shape[1], lambda i, j: sp.diff(f, S[i, j]))
        rec.record("symbolic", "gradient",
                   _mixed_exact(_as_matrix(evaluate(answers["gradient"], closed)), g.xreplace(at)),
                   dims)
        if "hessian" in answers:
            flat_g = _vec(g)
            H = sp.Matrix(len(flat_vars), len(flat_vars),
                          lambda i, j: sp.diff(flat_g[i], flat_vars[j]))
            rec.record("symbolic", "hessian",
                       _mixed_exact(_as_matrix(evaluate(answers["hessian"], closed)),
                                    H.xreplace(at)), dims)
        if "hvp" in answers or "hessian_kron" in answers:
            _symbolic_hvp(d, answers, g, S, at, consts, point, dims, rng, rec)
        for k, v in d.derivatives.items():
            truth = sp.diff(f, S[0, 0], k).xreplace(at)
            rec.record("symbolic", f"derivative_{k}", _mixed_exact(evaluate(v, closed), truth),
                       dims)
    if "jacobian" in answers:
        out = _vec(f) if isinstance(f, sp.MatrixBase) else [f]
        J = sp.Matrix(len(out), len(flat_vars), lambda i, j: sp.diff(out[i], flat_vars[j]))
        got = _as_matrix(evaluate(answers["jacobian"], closed))
        if d.kind == "scalar":
            J = sp.Matrix(f.shape[0], f.shape[1], lambda i, j: sp.diff(f[i, j], S[0, 0])) \
                if isinstance(f, sp.MatrixBase) else J
        rec.record("symbolic", "jacobian", _mixed_exact(got, J.xreplace(at)), dims)
    return True


def _as_matrix(x):
    return x if isinstance(x, sp.MatrixBase) else sp.Matrix([[x]])


def _symbolic_hvp(d, answers, g, S, at, consts, point, dims, rng, rec) -> None:
    leaf = d.problem.declarations.leaf(d.wrt)
    V = _random_rational(mx.Leaf("V", leaf.rows, leaf.cols, symmetric=leaf.symmetric), dims, rng)
    flat, flat_g = _vec(S), _vec(g)
    Hfull = sp.Matrix(len(flat), len(flat), lambda i, j: sp.diff(flat_g[i], flat[j])).xreplace(at)
    truth = Hfull * sp.Matrix(_vec(V))
    if "hvp" in answers:
        alg = ExactAlgebra({**consts, d.wrt: point, d.hvp_direction: V}, dims)
        rec.record("symbolic", "hvp", _mixed_exact(sp.Matrix(_vec(evaluate(answers["hvp"], alg))),
                                                   truth), dims)
    if "hessian_kron" in answers:
        alg = ExactAlgebra({**consts, d.wrt: point}, dims)
        K = _as_matrix(evaluate(answers["hessian_kron"], alg))
        rec.record("symbolic", "hessian_kron", _mixed_exact(K * sp.Matrix(_vec(V)), truth), dims)


# ---------------------------------------------------------------------------- numeric


def _numeric_check(d, dims, rng, rec: _Recorder, autodiff: bool = True) -> bool:
    problem, decl, wrt = d.problem, d.problem.declarations, d.wrt
    answers = d.answers()
    leaf = decl.leaf(wrt) if d.kind != "scalar" else None
    sym = leaf is not None and leaf.symmetric

    def f_np(X):
        X = (X + X.T) / 2 if sym else X
        return problem.interpret(ArrayAlgebra(np, {**consts, wrt: X}, dims))

    for _ in range(10):
        consts = _constants(decl, wrt, dims, rng, exact=False)
        X0 = float(_scalar_value(rng, False)) if leaf is None else _random_array(leaf, dims, rng)
        try:
            with np.errstate(all="ignore"):
                y0 = f_np(X0)
        except np.linalg.LinAlgError:
            continue
        if _finite(y0) and _well_conditioned(problem.value, {**consts, wrt: X0}, dims):
            break
    else:
        return False
    V = float(rng.standard_normal()) if leaf is None else _random_array(
        mx.Leaf("V", leaf.rows, leaf.cols, symmetric=sym), dims, rng)
    refs = _autodiff(d, answers, consts, X0, V, dims) if autodiff else {}
    closed = ArrayAlgebra(np, {**consts, wrt: X0}, dims)
    with np.errstate(all="ignore"):
        if "gradient" in answers:
            _numeric_gradient(answers, f_np, refs, closed, X0, V, d, dims, rec)
        if "jacobian" in answers:
            _numeric_jacobian(answers, f_np, y0, refs, closed, X0, V, d, dims, rec)
        _printed(d, answers, closed, consts, X0, V, dims, rec)
    return True


#: Largest condition number of a matrix that is inverted (or whose det is differentiated)
#: at a float64 test point; beyond it the point is redrawn, not judged.
MAX_CONDITION = 1e8


def _well_conditioned(f, values: dict, dims: dict) -> bool:
    """Every matrix that f inverts or takes the determinant of is far from singular here."""
    alg = ArrayAlgebra(np, values, dims)
    for node in mx.walk(f):
        if isinstance(node, mx.Inverse | mx.Det):
            try:
                M = np.asarray(evaluate(node.arg, alg), dtype=float)
            except (np.linalg.LinAlgError, ValueError):
                return False
            if M.ndim == 2 and not np.linalg.cond(M) < MAX_CONDITION:
                return False
    return True


def _autodiff(d, answers, consts, X0, V, dims) -> dict:
    """Every JAX reference for one instance, from one compiled program.

    The constants are arguments of the program (not baked into it), and the
    function is the user's text read with ``jax.numpy`` arrays.
    """
    jax, jnp = jaxutil.jax(), jaxutil.jnp()
    problem, wrt = d.problem, d.wrt
    sym = d.kind == "matrix" and problem.declarations.leaf(wrt).symmetric
    full = "hessian" in answers and np.size(X0) <= FULL_MATRIX_LIMIT
    second = any(k in answers for k in ("hessian", "hvp", "hessian_kron"))

    def f(X, c):
        X = (X + X.T) / 2 if sym else X
        return problem.interpret(ArrayAlgebra(jnp, {**c, wrt: X}, dims))

    def program(X, V, c):
        out = {}
        if "gradient" in answers:
            grad_f = lambda Y: jax.grad(f)(Y, c)  # noqa: E731
            if second:   # the gradient and H[V] from one trace of the gradient
                out["grad"], out["hvp"] = jax.jvp(grad_f, (X,), (V,))
            else:
                out["grad"] = grad_f(X)
            if full:
                out["hessian"] = jax.hessian(f)(X, c)
            g = f
            for k in range(1, max(d.derivatives, default=0) + 1):
                g = jax.grad(g)
                if k in d.derivatives:
                    out[f"derivative_{k}"] = g(X, c)
        else:
            out["jacobian"] = jax.jacfwd(f)(X, c)
        return out

    c = {k: jnp.asarray(v) for k, v in consts.items()}
    result = jaxutil.jit_reference(program)(jnp.asarray(X0), jnp.asarray(V), c)
    return {k: np.asarray(v) for k, v in result.items()}


def _numeric_gradient(answers, f_np, refs, closed, X0, V, d, dims, rec):
    G = np.asarray(evaluate(answers["gradient"], closed), dtype=float)
    if "grad" in refs:
        rec.record("autodiff", "gradient", _mixed(G, refs["grad"]), dims)
    phi = lambda t: f_np(X0 + t * V)  # noqa: E731
    fd = float(finite_diff.richardson(phi, 0.0))
    rec.record("finite_difference", "gradient", _mixed(np.sum(G * V), fd), dims)
    hvp_ad = refs.get("hvp")
    if "hessian" in answers or "hvp" in answers:   # ⟨V, H[V]⟩ = d²/dt² f(X + tV)
        curvature = float(finite_diff.hessian(phi, [0.0], levels=1)[0, 0])
    if "hessian" in answers:
        H = np.asarray(evaluate(answers["hessian"], closed), dtype=float)
        HV = (H @ V if np.ndim(H) == 2 else H * V)
        if hvp_ad is not None:
            rec.record("autodiff", "hessian", _mixed(HV, hvp_ad), dims)
        if "hessian" in refs:
            rec.record("autodiff", "hessian", _mixed(H, refs["hessian"].reshape(np.shape(H))),
                       dims)
        rec.record("finite_difference", "hessian", _mixed(np.sum(V * HV), curvature), dims,
                   "finite_difference_hessian")
    if "hvp" in answers:
        alg = ArrayAlgebra(np, {**closed.values, d.hvp_direction: V}, dims)
        HV = np.asarray(evaluate(answers["hvp"], alg), dtype=float)
        if hvp_ad is not None:
            rec.record("autodiff", "hvp", _mixed(HV, hvp_ad), dims)
        rec.record("finite_difference", "hvp", _mixed(np.sum(V * HV), curvature), dims,
                   "finite_difference_hessian")
    for k, v in d.derivatives.items():
        if f"derivative_{k}" in refs:
            rec.record("autodiff", f"derivative_{k}",
                       _mixed(evaluate(v, closed), refs[f"derivative_{k}"]), dims)
    if "hessian_kron" in answers and np.size(X0) <= FULL_MATRIX_LIMIT and hvp_ad is not None:
        K = np.asarray(evaluate(answers["hessian_kron"], closed), dtype=float)
        kv = K @ np.reshape(V.T, (-1, 1))
        rec.record("autodiff", "hessian_kron", _mixed(kv, np.reshape(hvp_ad.T, (-1, 1))), dims)


def _numeric_jacobian(answers, f_np, y0, refs, closed, X0, V, d, dims, rec):
    J = np.asarray(evaluate(answers["jacobian"], closed), dtype=float)
    J_ad = refs.get("jacobian")
    if d.kind == "scalar":
        if J_ad is not None:
            rec.record("autodiff", "jacobian", _mixed(J, J_ad), dims)
        Jv = J * V
    elif d.kind == "vector" and d.output == "vector":
        if J_ad is not None:
            rec.record("autodiff", "jacobian", _mixed(J, J_ad.reshape(J.shape)), dims)
        Jv = J @ V
    else:  # vec layout: rows vec(f), columns vec(X)
        out_shape = np.shape(y0)
        if J_ad is not None:
            fo = J_ad.reshape(out_shape + np.shape(X0))
            if len(out_shape) == 2:
                fo = np.transpose(fo, (1, 0, 3, 2))
            rec.record("autodiff", "jacobian", _mixed(J, fo.reshape(J.shape)), dims)
        Jv = (J @ np.reshape(V.T, (-1, 1)))
        Jv = np.reshape(Jv, out_shape[::-1]).T if len(out_shape) == 2 else Jv
    phi = lambda t: np.asarray(f_np(X0 + t * V), dtype=float)  # noqa: E731
    fd = finite_diff.richardson(phi, 0.0)
    rec.record("finite_difference", "jacobian", _mixed(np.reshape(Jv, np.shape(fd)), fd), dims)


def _printed(d, answers, closed, consts, X0, V, dims, rec) -> None:
    """Read each printed answer back through the front end and evaluate it."""
    for what in ("gradient", "hessian", "jacobian", "hvp",
                 *(f"derivative_{k}" for k in d.derivatives)):
        value = answers.get(what)
        if value is None or (what == "jacobian" and d.kind == "matrix"):
            continue
        if what == "jacobian" and d.output == "matrix":
            continue
        extra = {}
        if what == "hvp":
            extra[d.hvp_direction] = V
        text = to_numpy(value)
        alg = ArrayAlgebra(np, {**consts, d.wrt: X0, **extra}, dims)
        got = d.problem.interpret(alg, text) if not extra else _interpret_with(d, text, alg, extra)
        rec.record("printed", what, _mixed(got, evaluate(value, alg)), dims)


def _interpret_with(d, text, alg, extra):
    """``text`` read with the names of ``extra`` declared with the variable's shape."""
    decl = d.problem.declarations
    shape = decl.shapes[d.wrt]
    widened = replace(decl, shapes={**decl.shapes, **dict.fromkeys(extra, shape)})
    return replace(d.problem, declarations=widened).interpret(alg, text)


# ---------------------------------------------------------------------------- driver


def certify_derivation(d, symbolic_sizes=SYMBOLIC_SIZES, numeric_sizes=NUMERIC_SIZES,
                       autodiff_sizes=AUTODIFF_SIZES, seed: int = 0) -> MatrixCertificate:
    """Check every formula of a derivation (see the module docstring).

    ``symbolic_sizes``: exact entrywise checks (plus one with all dimensions
    different); ``numeric_sizes``: float64 instances checked by finite
    differences and the printed text; ``autodiff_sizes``: those of them also
    checked against JAX (one compiled program per size).
    """
    rng = np.random.default_rng(seed)
    rec = _Recorder()
    decl = d.problem.declarations
    mixed_dims = len(decl.dims) > 1
    plans = [("symbolic", s, False) for s in symbolic_sizes]
    if mixed_dims and symbolic_sizes:
        plans += [("symbolic", min(symbolic_sizes), True)]
    plans += [("numeric", s, mixed_dims) for s in numeric_sizes]
    sizes, checked, missing = [], 0, []
    for kind, size, mixed in plans:
        for dims in _size_orders(decl, size, mixed):   # e.g. log det(XᵀX) needs rows ≥ cols
            if kind == "symbolic":
                ok = _symbolic_check(d, dims, rng, rec)
            else:
                ok = _numeric_check(d, dims, rng, rec, autodiff=size in autodiff_sizes)
            if ok:
                break
        if ok:
            checked += 1
            sizes.append({"reference": kind, **dims})
        else:
            missing.append(dims)
    if missing or not checked:
        return MatrixCertificate("undefined", rec.errors, checked, sizes=sizes,
                                 failures=rec.failures,
                                 note=f"no point in the domain found at sizes {missing}")
    verdict = "mismatch" if rec.failures else "certified"
    exact = ", ".join(str(s) for s in symbolic_sizes) + (" and mixed sizes" if mixed_dims else "")
    note = (f"{checked} random instances: exact entrywise SymPy derivatives at size {exact}; "
            f"float64 finite differences at {', '.join(map(str, numeric_sizes))}; JAX autodiff "
            f"at {', '.join(map(str, autodiff_sizes))}")
    return MatrixCertificate(verdict, rec.errors, checked, sizes=sizes, failures=rec.failures,
                             note=note)


# ============================================================================ claims


@dataclass
class FormulaClaim:
    """Whether a claimed formula equals a certified one, with the evidence."""

    holds: bool
    max_rel_error: float
    detail: str
    holds_symmetric: bool | None = None   # for a square matrix variable: at symmetric points


def _claim_error(d, value, text, dims, rng, symmetric: bool, extra_name: str | None) -> float:
    decl, wrt = d.problem.declarations, d.wrt
    for _ in range(10):
        consts = _constants(decl, wrt, dims, rng, exact=False)
        if d.kind == "scalar":
            X0 = float(_scalar_value(rng, False))
        else:
            leaf = decl.leaf(wrt)
            X0 = _random_array(mx.Leaf(wrt, leaf.rows, leaf.cols,
                                       symmetric=leaf.symmetric or symmetric, pd=leaf.pd),
                               dims, rng)
        values = {**consts, wrt: X0}
        if extra_name:
            values[extra_name] = _random_array(mx.Leaf(extra_name, *decl.shapes[wrt]), dims, rng)
        alg = ArrayAlgebra(np, values, dims)
        with np.errstate(all="ignore"):
            try:
                want = evaluate(value, alg)
            except np.linalg.LinAlgError:
                continue
            if not _finite(want):
                continue
            got = (_interpret_with(d, text, alg, {extra_name: None}) if extra_name
                   else d.problem.interpret(alg, text))
        return _mixed(np.broadcast_to(got, np.shape(want)) if np.ndim(got) <= np.ndim(want)
                      else got, want)
    return float("nan")


def check_claim(d, what: str, text: str, sizes=(3, 4), seed: int = 1) -> FormulaClaim:
    """Is ``text`` (NumPy syntax over the problem's names) the certified ``what`` of ``d``?

    Both are evaluated on random instances with NumPy; the claim holds when they
    agree to the printed-text tolerance everywhere.  For a square matrix
    variable that is not declared symmetric, the claim is also tried at
    symmetric points (textbook answers such as ∇ ln det X = X⁻¹ assume it).
    """
    from ..matrix_calculus.parse import read

    value = d.formula(what)
    read(text)  # a malformed claim is the exercise file's error, reported as such
    extra = d.hvp_direction if what == "hvp" else None
    decl = d.problem.declarations
    rng = np.random.default_rng(seed)
    errors = [_claim_error(d, value, text, _dims_for(decl, s, len(decl.dims) > 1), rng, False,
                           extra) for s in sizes]
    worst = max(errors)
    tol = TOLERANCES["printed"] * 100   # the claim and the formula differ in rounding order only
    holds = bool(worst <= tol)
    square = d.kind == "matrix" and decl.shapes[d.wrt][0] == decl.shapes[d.wrt][1]
    holds_sym = None
    if not holds and square and not decl.leaf(d.wrt).symmetric:
        sym_err = max(_claim_error(d, value, text, _dims_for(decl, s, False), rng, True, extra)
                      for s in sizes)
        holds_sym = bool(sym_err <= tol)
    if holds:
        detail = f"agrees with the certified {what} on {len(sizes)} random instances " \
                 f"(max rel. error {worst:.1e})"
    else:
        detail = f"differs from the certified {what} {to_numpy(value)} " \
                 f"(max rel. error {worst:.2g} on random instances)"
        if holds_sym:
            detail += f"; it does hold when {d.wrt} is symmetric"
    return FormulaClaim(holds, worst, detail, holds_sym)


# ============================================================================ answers


@dataclass
class MatrixResult:
    """A derivation with its certificate.  Formulas are exposed only when certified."""

    derivation: Derivation
    certificate: MatrixCertificate

    @property
    def ok(self) -> bool:
        return self.certificate.ok

    def answer(self, what: str):
        """The certified value of ``gradient``/``hessian``/``jacobian``/``hvp``/``hessian_kron``
        (or ``derivative_k`` for k ≥ 3); None unless certified."""
        if not self.ok:
            return None
        try:
            return self.derivation.formula(what)
        except KeyError:   # an order not derived
            return None


def solve(text: str, wrt: str, shapes=None, scalars=None, symmetric=None, pd=None,
          stochastic=None, hessian: bool = False, order: int = 1,
          **certify_options) -> MatrixResult:
    """Parse, derive and certify: the one call for a certified matrix derivative.

    >>> r = solve("log(det(X))", "X")
    >>> r.certificate.verdict, to_numpy(r.answer("gradient"))
    ('certified', 'inv(X).T')
    """
    problem = parse_matrix(text, shapes, scalars, symmetric, pd, stochastic)
    derivation = derive(problem, wrt, hessian=hessian, order=order)
    return MatrixResult(derivation, certify_derivation(derivation, **certify_options))


# ============================================================================ identities


def _identity_error(problem, lhs: str, rhs: str, dims, rng, exact: bool) -> float:
    """The mixed error between both sides on one random instance (NaN: none found)."""
    decl = problem.declarations
    for _ in range(10):
        values = _constants(decl, None, dims, rng, exact=exact)
        alg = ExactAlgebra(values, dims) if exact else ArrayAlgebra(np, values, dims)
        with np.errstate(all="ignore"):
            try:
                want = problem.interpret(alg, rhs)
                got = problem.interpret(alg, lhs)
            except (np.linalg.LinAlgError, ZeroDivisionError, ValueError):
                continue   # a singular or out-of-domain instance: draw another
        if exact:
            err = _mixed_exact(sp.Matrix(got) if isinstance(got, sp.MatrixBase) else got,
                               sp.Matrix(want) if isinstance(want, sp.MatrixBase) else want)
        else:
            if not _finite(want):
                continue
            err = _mixed(got, want)
        if err == err and err != float("inf"):
            return err
    return float("nan")


def check_identity(lhs: str, rhs: str, shapes=None, scalars=None, symmetric=None, pd=None,
                   stochastic=None, sizes=(3, 4), seed: int = 1) -> FormulaClaim:
    """Does the matrix identity ``lhs = rhs`` hold (both in NumPy syntax, same names)?

    Both sides are read with one set of declarations (so their shapes must
    agree), then evaluated on random instances: exactly, entry by entry in
    rational arithmetic, at size 2 (compared at 50 digits), and in float64 at
    ``sizes``.  Random instances are evidence, not a proof for every size.

    >>> check_identity("trace(A @ B)", "trace(B @ A)").holds
    True
    >>> check_identity("(A @ B).T", "A.T @ B.T").holds
    False
    """
    problem = parse_matrix(f"({lhs}) - ({rhs})", shapes, scalars, symmetric, pd, stochastic)
    decl = problem.declarations
    rng = np.random.default_rng(seed)
    mixed = len(decl.dims) > 1
    exact = _identity_error(problem, lhs, rhs, _dims_for(decl, 2, mixed), rng, True)
    numeric = max(_identity_error(problem, lhs, rhs, _dims_for(decl, s, mixed), rng, False)
                  for s in sizes)
    holds = bool(exact <= TOLERANCES["symbolic"] and numeric <= TOLERANCES["printed"] * 100)
    evidence = (f"exact rational instance at size 2 (50 digits, error {exact:.1e}) and "
                f"float64 instances at sizes {', '.join(map(str, sizes))} "
                f"(max rel. error {numeric:.1e})")
    detail = ("holds on " if holds else "does not hold on ") + evidence
    return FormulaClaim(holds, max(exact, numeric), detail)
