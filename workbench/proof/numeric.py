"""Evaluate a step's expression on one random instance, in 50-digit arithmetic.

An *instance* gives every object of a proof a concrete value (see
:mod:`workbench.proof.instances`): scalars are ``mpmath.mpf``, vectors are d×1
and matrices d×d ``mpmath.matrix``, function objects know their value, gradient
and Hessian in closed form, trajectories return their iterates.  The evaluator
walks the validated tree (never ``eval``) with one method per node type and one
per operator, all at :data:`DIGITS` significant digits:

* ``integral`` is Gauss-Legendre quadrature (tanh-sinh on infinite intervals),
  whose own error estimate is kept in :attr:`Evaluator.quadrature_error`;
* ``deriv`` is ``mpmath.diff``, which differentiates at raised precision;
* ``lmin``/``lmax`` are Jacobi eigenvalues (``mpmath.eigsy``) of a symmetric matrix.

A 1×1 matrix (``u.T @ v``) is a scalar.  Anything that is not a real number,
or operands whose shapes do not fit, raise :class:`EvaluationError` naming the
operator and the shapes.

>>> import mpmath
>>> from workbench.proof.language import read_math
>>> env = {"u": mpmath.matrix([3, 4])}
>>> Evaluator(env, dim=2).value(read_math("norm(u)**2 - u.T @ u"))
mpf('0.0')
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import SimpleNamespace

import mpmath
import sympy as sp

from ..core.digits import DIGITS
from ..core.errors import WorkbenchError
from ..core.functions import TABLE, numeric, spellings

#: The longest finite sum the evaluator will add up term by term.
MAX_SUM_TERMS = 10_000


class EvaluationError(WorkbenchError):
    """An expression that cannot be evaluated on an instance (shape, domain, index)."""


@dataclass
class UserFunction:
    """A function defined in the proof file: ``rate(h) = max(abs(1 - h*lmin), ...)``."""

    args: tuple[str, ...]
    tree: ast.expr


Value = object  # mpf | mpmath.matrix | function object | trajectory | UserFunction


def literal_value(node: ast.Constant) -> sp.Rational:
    """The exact rational a number literal stands for (its shortest decimal spelling)."""
    return sp.Integer(node.value) if isinstance(node.value, int) else sp.Rational(repr(node.value))


@functools.lru_cache(maxsize=None, typed=True)  # typed: 1e23 == 99999999999999991611392
def _ratio(value: int | float) -> tuple[int, int]:
    """Numerator and denominator of a literal's exact value (see :func:`literal_value`)."""
    exact = literal_value(ast.Constant(value))
    return int(exact.p), int(exact.q)


def is_matrix(x) -> bool:
    return isinstance(x, mpmath.matrix)


def shape(x) -> str:
    """'scalar' or 'r×c', for messages."""
    return f"{x.rows}×{x.cols}" if is_matrix(x) else "scalar"


def real(x, what: str):
    """``x`` as a real scalar or matrix; 1×1 matrices collapse to scalars."""
    if is_matrix(x):
        if x.rows == 1 and x.cols == 1:
            return real(x[0, 0], what)
        for v in x:
            if isinstance(v, mpmath.mpc):
                raise EvaluationError(f"{what} is not real")
        return x
    if isinstance(x, mpmath.mpc):
        if x.imag != 0:
            raise EvaluationError(f"{what} is not real ({mpmath.nstr(x, 8)})")
        x = x.real
    if isinstance(x, int | float):
        x = mpmath.mpf(x)
    if isinstance(x, mpmath.mpf) and not mpmath.isfinite(x):
        raise EvaluationError(f"{what} is not finite")
    return x


def scalar(x, what: str) -> mpmath.mpf:
    x = real(x, what)
    if not isinstance(x, mpmath.mpf):
        raise EvaluationError(f"{what} must be a scalar, got {shape(x)}")
    return x


def integer(x, what: str) -> int:
    x = scalar(x, what)
    n = int(mpmath.nint(x))
    if abs(x - n) > mpmath.mpf(10) ** (-DIGITS // 2):
        raise EvaluationError(f"{what} must be an integer, got {mpmath.nstr(x, 10)}")
    return n


def _mpmath_function(name: str) -> Callable:
    """A row of the function table in mpmath, arguments checked to be real scalars."""
    label = "the argument" if TABLE[name].arity == 1 else f"{name}'s argument"
    return lambda *x: numeric(name, "mpmath")(*(scalar(v, label) for v in x))


def _log(x, base=None):
    x = scalar(x, "the argument")
    return mpmath.log(x) if base is None else mpmath.log(x, scalar(base, "the base"))


#: The function table in mpmath: what the parser's names build, at the working precision.
_MPMATH = SimpleNamespace(**{**{name: _mpmath_function(name) for name in TABLE},
                             "const": mpmath.mpf, "log": _log})

#: Scalar functions of the parser's vocabulary, in mpmath.
SCALAR_FUNCTIONS: dict[str, Callable] = {
    name: functools.partial(s.build, _MPMATH) for name, s in spellings().items()
}


#: Values of the language's constants (``+`` evaluates them at the working precision).
_CONSTANTS = {"pi": mpmath.pi, "E": mpmath.e, "e": mpmath.e, "oo": mpmath.inf}


class Evaluator:
    """Values of expressions on one instance ``env`` (object name -> value)."""

    def __init__(self, env: Mapping[str, Value], dim: int):
        self.env = env
        self.dim = dim
        self.quadrature_error = mpmath.mpf(0)
        self._memo: dict[str, Value] = {}

    def value(self, tree: ast.expr) -> Value:
        """The value of a whole expression (memoised: chains share their middle terms)."""
        key = ast.dump(tree)
        if key not in self._memo:
            with mpmath.workdps(DIGITS):
                self._memo[key] = real(self.eval(tree, {}), "the expression")
        return self._memo[key]

    def eval(self, node: ast.AST, scope: Mapping[str, Value]) -> Value:
        return getattr(self, "_" + type(node).__name__)(node, scope)

    def lookup(self, name: str, scope: Mapping[str, Value]) -> Value:
        if name in scope:
            return scope[name]
        if name in self.env:
            return self.env[name]
        if name in _CONSTANTS:
            return +_CONSTANTS[name]
        raise EvaluationError(f"unknown name {name!r}")

    # ---- node types
    def _Constant(self, node: ast.Constant, scope) -> Value:
        p, q = _ratio(node.value)  # 0.1 is 1/10, not the binary double nearest to it
        return mpmath.mpf(p) / q

    def _Name(self, node: ast.Name, scope) -> Value:
        return self.lookup(node.id, scope)

    def _UnaryOp(self, node: ast.UnaryOp, scope) -> Value:
        v = self.eval(node.operand, scope)
        return -v if isinstance(node.op, ast.USub) else v

    def _Attribute(self, node: ast.Attribute, scope) -> Value:
        v = self.eval(node.value, scope)
        return v.T if is_matrix(v) else v

    def _BinOp(self, node: ast.BinOp, scope) -> Value:
        a, b = self.eval(node.left, scope), self.eval(node.right, scope)
        return _BINARY[type(node.op)](a, b)

    def _Call(self, node: ast.Call, scope) -> Value:
        name = node.func.id
        op = getattr(self, "op_" + name, None)
        if op is not None:
            return op(node.args, scope)
        args = [self.eval(a, scope) for a in node.args]
        if name in SCALAR_FUNCTIONS:
            return SCALAR_FUNCTIONS[name](*args)
        target = self.lookup(name, scope)
        if isinstance(target, UserFunction):
            inner = dict(zip(target.args, args, strict=True))
            return self.eval(target.tree, {**scope, **inner})
        if hasattr(target, "value"):
            return target.value(_vector(args[0], f"the argument of {name}", self.dim))
        if callable(target):
            return target(args[0])
        raise EvaluationError(f"{name} is not a function")

    # ---- operators
    def _function(self, node: ast.AST, scope, op: str):
        f = self.eval(node, scope)
        if not hasattr(f, "grad"):
            raise EvaluationError(f"{op} needs a function object, got {ast.unparse(node)}")
        return f

    def op_grad(self, args, scope) -> Value:
        f = self._function(args[0], scope, "grad")
        return f.grad(_vector(self.eval(args[1], scope), "grad's point", self.dim))

    def op_hess(self, args, scope) -> Value:
        f = self._function(args[0], scope, "hess")
        return f.hess(_vector(self.eval(args[1], scope), "hess's point", self.dim))

    def op_norm(self, args, scope) -> Value:
        v = self.eval(args[0], scope)
        if not is_matrix(v):
            return abs(scalar(v, "norm's argument"))
        if v.rows != 1 and v.cols != 1:
            raise EvaluationError(f"norm is for vectors, got a {shape(v)} matrix")
        return mpmath.sqrt(sum(x * x for x in v))

    def _eigenvalues(self, args, scope, op: str) -> list:
        m = self.eval(args[0], scope)
        if not is_matrix(m) or m.rows != m.cols:
            raise EvaluationError(f"{op} needs a square matrix, got {shape(m)}")
        if mpmath.mnorm(m - m.T, 1) > mpmath.mpf(10) ** (-DIGITS + 10) * max(1, mpmath.mnorm(m, 1)):
            raise EvaluationError(f"{op} needs a symmetric matrix: {ast.unparse(args[0])} is not")
        return sorted(mpmath.eigsy(m, eigvals_only=True))

    def op_lmin(self, args, scope) -> Value:
        return self._eigenvalues(args, scope, "lmin")[0]

    def op_lmax(self, args, scope) -> Value:
        return self._eigenvalues(args, scope, "lmax")[-1]

    def op_integral(self, args, scope) -> Value:
        body, var = args[0], args[1].id
        a = scalar(self.eval(args[2], scope), "the lower limit")
        b = scalar_or_inf(self.eval(args[3], scope), "the upper limit")

        def integrand(s):
            return scalar(self.eval(body, {**scope, var: s}), "the integrand")

        method = "tanh-sinh" if mpmath.isinf(b) else "gauss-legendre"
        total, err = mpmath.quad(integrand, [a, b], method=method, error=True)
        self.quadrature_error = max(self.quadrature_error, abs(err) / max(1, abs(total)))
        return total

    def op_sum(self, args, scope) -> Value:
        body, var = args[0], args[1].id
        lo = integer(self.eval(args[2], scope), "the sum's lower limit")
        hi = integer(self.eval(args[3], scope), "the sum's upper limit")
        if hi - lo + 1 > MAX_SUM_TERMS:
            raise EvaluationError(f"sum of {hi - lo + 1} terms is too long (at most "
                                  f"{MAX_SUM_TERMS})")
        total = mpmath.mpf(0)
        for k in range(lo, hi + 1):
            total = total + self.eval(body, {**scope, var: mpmath.mpf(k)})
        return total

    def op_deriv(self, args, scope) -> Value:
        body, var = args[0], args[1].id
        at = self.eval(args[2], scope) if len(args) == 3 else self.lookup(var, scope)
        at = scalar(at, "the point of differentiation")

        def g(s):
            return real(self.eval(body, {**scope, var: s}), "the differentiated expression")

        first = g(at)
        if not is_matrix(first):
            return mpmath.diff(lambda s: scalar(g(s), "the differentiated expression"), at)
        out = mpmath.matrix(first.rows, first.cols)
        for i in range(first.rows):
            for j in range(first.cols):
                out[i, j] = mpmath.diff(lambda s, i=i, j=j: g(s)[i, j], at)
        return out

    def op_entry(self, args, scope) -> Value:
        v = self.eval(args[0], scope)
        i = integer(self.eval(args[1], scope), "the index")
        if not is_matrix(v) or (v.cols != 1 and v.rows != 1):
            raise EvaluationError(f"entry needs a vector, got {shape(v)}")
        n = max(v.rows, v.cols)
        if not 1 <= i <= n:
            raise EvaluationError(f"index {i} outside 1..{n}")
        return v[i - 1]

    def op_eye(self, args, scope) -> Value:
        return mpmath.eye(self.dim)

    def op_diag(self, args, scope) -> Value:
        v = self.eval(args[0], scope)
        if not is_matrix(v) or v.cols != 1:
            raise EvaluationError(f"diag needs a column vector, got {shape(v)}")
        return mpmath.diag([v[i] for i in range(v.rows)])

    def op_inv(self, args, scope) -> Value:
        m = self.eval(args[0], scope)
        if not is_matrix(m) or m.rows != m.cols:
            raise EvaluationError(f"inv needs a square matrix, got {shape(m)}")
        try:
            return mpmath.inverse(m)
        except ZeroDivisionError:
            raise EvaluationError(f"{ast.unparse(args[0])} is singular") from None


def scalar_or_inf(x, what: str):
    if isinstance(x, mpmath.mpf) and mpmath.isinf(x):
        return x
    return scalar(x, what)


def _vector(x, what: str, dim: int):
    if not is_matrix(x) or x.cols != 1 or x.rows != dim:
        raise EvaluationError(f"{what} must be a {dim}×1 vector, got {shape(x)}")
    return x


def _add(a, b):
    a, b = real(a, "the left term"), real(b, "the right term")
    _same_shape(a, b, "+")
    return a + b


def _sub(a, b):
    a, b = real(a, "the left term"), real(b, "the right term")
    _same_shape(a, b, "-")
    return a - b


def _same_shape(a, b, op: str) -> None:
    if is_matrix(a) != is_matrix(b) or (is_matrix(a) and (a.rows, a.cols) != (b.rows, b.cols)):
        raise EvaluationError(f"cannot {op} a {shape(a)} and a {shape(b)}")


def _mul(a, b):
    if is_matrix(a) and is_matrix(b):
        a, b = real(a, "left factor"), real(b, "right factor")
        if is_matrix(a) and is_matrix(b):
            raise EvaluationError(f"* of a {shape(a)} and a {shape(b)}: use @ for matrix products")
    return a * b


def _div(a, b):
    b = real(b, "the divisor")
    if is_matrix(b):
        raise EvaluationError(f"division by a {shape(b)} matrix: use inv()")
    if b == 0:
        raise EvaluationError("division by zero")
    return a / b


def _pow(a, b):
    if is_matrix(a):
        a = real(a, "the base")
    if is_matrix(a):
        if a.rows != a.cols:
            raise EvaluationError(f"power of a non-square {shape(a)} matrix")
        n = integer(b, "a matrix power's exponent")
        if n < 0:
            return mpmath.inverse(a) ** (-n)
        return a ** n if n else mpmath.eye(a.rows)
    b = scalar(b, "the exponent")
    if a == 0 and b < 0:
        raise EvaluationError("division by zero (0 to a negative power)")
    return a ** b


def _matmul(a, b):
    if not (is_matrix(a) and is_matrix(b)):
        raise EvaluationError(f"@ needs vectors or matrices, got {shape(a)} @ {shape(b)}")
    if a.cols != b.rows:
        raise EvaluationError(f"@ of a {shape(a)} and a {shape(b)}: inner sizes differ")
    return real(a * b, "the product")


_BINARY = {ast.Add: _add, ast.Sub: _sub, ast.Mult: _mul, ast.Div: _div, ast.Pow: _pow,
           ast.MatMult: _matmul}
