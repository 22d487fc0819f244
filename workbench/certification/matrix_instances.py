"""Random instances for matrix certificates: concrete sizes, values that respect declarations.

A formula about matrices of every size is checked on concrete ones.  Sizes
come from :func:`dims_for` (every dimension the same, or all different so that
a transposition error cannot hide behind a square shape) and values from
:func:`random_array` (float64) or :func:`random_rational` (exact eighths):
symmetric matrices are symmetric, positive definite ones are BBᵀ/k + I,
row-stochastic ones have positive rows summing to one, and square matrices are
I + M/2, away from singular.

>>> from workbench.matrix_calculus.parse import parse_matrix
>>> decl = parse_matrix("x.T @ A @ x", symmetric=["A"]).declarations
>>> dims_for(decl, 3, mixed=False)
{'n': 3}
>>> import numpy as np
>>> A = random_array(decl.leaf("A"), {"n": 3}, np.random.default_rng(0))
>>> A.shape, bool(np.all(A == A.T))
((3, 3), True)
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from .matrix_algebras import size_of


def dims_for(decl, size: int, mixed: bool, reverse: bool = False) -> dict[str, int]:
    """Every dimension at ``size``; with ``mixed``, sizes size, size + 1, … in name order."""
    names = sorted(decl.dims, reverse=reverse)
    return {d: size + (i if mixed else 0) for i, d in enumerate(names)}


def size_orders(decl, size: int, mixed: bool) -> list[dict[str, int]]:
    """The size assignment to try, then (for mixed sizes) the one with the order reversed."""
    first = dims_for(decl, size, mixed)
    if not mixed:
        return [first]
    return [first, dict(sorted(dims_for(decl, size, mixed, reverse=True).items()))]


def random_array(leaf, dims, rng) -> np.ndarray:
    """A float64 instance of a declared matrix or vector that respects its declaration."""
    r, c = size_of(leaf.rows, dims), size_of(leaf.cols, dims)
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


def random_rational(leaf, dims, rng) -> sp.Matrix:
    """An exact instance (entries in eighths) that respects the declaration."""
    r, c = size_of(leaf.rows, dims), size_of(leaf.cols, dims)

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


def scalar_value(rng, exact: bool):
    """A scalar constant in [1/2, 2]: positive, as scale factors and logs expect."""
    k = int(rng.integers(4, 17))  # in [1/2, 2]: positive, as scale factors and logs expect
    return sp.Rational(k, 8) if exact else k / 8


def constants(decl, wrt, dims, rng, exact: bool) -> dict:
    """An instance of every declared name except the variable ``wrt``."""
    values = {}
    for name in sorted(decl.shapes):
        if name != wrt:
            leaf = decl.leaf(name)
            values[name] = random_rational(leaf, dims, rng) if exact else \
                random_array(leaf, dims, rng)
    for name in sorted(decl.scalars):
        if name != wrt:
            values[name] = scalar_value(rng, exact)
    return values


def finite(x) -> bool:
    """Whether every entry of ``x`` is a finite number."""
    try:
        arr = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        return False
    return bool(np.all(np.isfinite(arr)))
