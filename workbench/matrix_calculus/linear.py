"""From a differential to a gradient, a Jacobian or a Kronecker matrix: reading off linear maps.

A differential df is linear in its direction dX.  :func:`gradient_of_linear`
brings a scalar df to the canonical form ⟨G, dX⟩ by moving every linear
operation to the other side of the inner product with its adjoint
(:data:`ADJOINTS`: ⟨G, A·L·B⟩ = ⟨AᵀGBᵀ, L⟩, ⟨G, Lᵀ⟩ = ⟨Gᵀ, L⟩,
⟨G, D ∘ L⟩ = ⟨G ∘ D, L⟩); :func:`matrix_of_linear` reads M off L(dx) = M dx,
:func:`kronecker_of_linear` K off vec(L(dX)) = K vec(dX), and
:func:`coefficient_of` c off L(dt) = c·dt.

>>> from workbench.matrix_calculus.expr import Leaf, dim, matmul, transpose
>>> from workbench.matrix_calculus.printing import to_numpy
>>> n = dim("n")
>>> a, dx = Leaf("a", n, 1), Leaf("dx", n, 1)
>>> to_numpy(gradient_of_linear(matmul(transpose(a), dx), Direction("dx", (n, 1))))
'a'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp

from ..core.errors import WorkbenchError
from . import expr as mx
from .expr import (
    Atom,
    Commutation,
    Diag,
    DiagOf,
    Elem,
    Identity,
    Leaf,
    MatMul,
    SumAll,
    Trace,
    Transpose,
    add,
    as_elem,
    depends_on,
    is_scalar,
    make_elem,
    matmul,
    mul,
    shape_of,
    transpose,
    zeros,
)
from .printing import to_numpy
from .textbook import expand_node


class Unsupported(WorkbenchError):
    """The engine has no rule for this expression; the message names what is missing."""


@dataclass(frozen=True)
class Direction:
    """The direction a differential is linear in: a leaf dX (or a scalar symbol dt)."""

    name: str
    shape: tuple

    def zero(self):
        return zeros(self.shape)


def _require_free(c, direction: Direction, what: str) -> None:
    if depends_on(c, direction.name):
        raise Unsupported(f"the differential is not linear in {direction.name} ({what})")


def gradient_of_linear(df, direction: Direction):
    """G with df = ⟨G, dX⟩, for a scalar df linear in the direction dX."""
    df = sp.sympify(df)
    total = direction.zero()
    for s in df.free_symbols:
        if isinstance(s, Atom) and depends_on(s.node, direction.name):
            c = sp.diff(df, s)
            _require_free(c, direction, "a coefficient still contains it")
            total = add(total, _adjoint(s.node, c, direction))
        elif not isinstance(s, Atom) and s.name == direction.name:
            c = sp.diff(df, s)
            _require_free(c, direction, "a coefficient still contains it")
            total = add(total, c)
    return total


def _adjoint(node, seed, direction: Direction):
    """The part of G that ⟨seed, node⟩ contributes (node linear in the direction)."""
    rule = ADJOINTS.get(type(node))
    if rule is None:
        raise Unsupported(f"{type(node).__name__} is not linear; it cannot hold the direction "
                          f"{direction.name}")
    return rule(node, seed, direction)


def _adj_leaf(node: Leaf, seed, direction: Direction):
    return seed if node.name == direction.name else direction.zero()


def _adj_matmul(node: MatMul, seed, direction: Direction):
    fs = node.factors
    deps = [i for i, f in enumerate(fs) if depends_on(f, direction.name)]
    if len(deps) != 1:
        raise Unsupported(f"a product holds {direction.name} in {len(deps)} factors")
    i = deps[0]
    left = [transpose(f) for f in reversed(fs[:i])]
    right = [transpose(f) for f in reversed(fs[i + 1:])]
    return _adjoint(fs[i], matmul(*left, seed, *right), direction)


def _adj_elem(node: Elem, seed, direction: Direction):
    e, total = node.expr, direction.zero()
    for s in e.free_symbols:
        is_atom = isinstance(s, Atom)
        if is_atom and not depends_on(s.node, direction.name):
            continue
        if not is_atom and s.name != direction.name:
            continue
        c = sp.diff(e, s)
        _require_free(c, direction, "an elementwise product of two differentials")
        weighted = make_elem(as_elem(seed) * c, node.shape)      # seed ∘ ∂e/∂s
        if is_atom and s.node.shape == node.shape:
            total = add(total, _adjoint(s.node, weighted, direction))
        elif is_atom:
            total = add(total, _adjoint(s.node, mx.sum_all(weighted), direction))
        else:
            total = add(total, mx.sum_all(weighted))
    return total


#: ⟨seed, L(dX)⟩ = ⟨adjoint, dX⟩ for each linear node type.
ADJOINTS: dict[type, Callable] = {
    Leaf: _adj_leaf,
    Transpose: lambda node, seed, dr: _adjoint(node.arg, transpose(seed), dr),
    MatMul: _adj_matmul,
    Elem: _adj_elem,
    Trace: lambda node, seed, dr: _adjoint(node.arg, matmul(seed, Identity(node.arg.shape[0])),
                                           dr),
    SumAll: lambda node, seed, dr: _adjoint(node.arg, mul(seed, mx.ones(node.arg.shape)), dr),
    Diag: lambda node, seed, dr: _adjoint(node.arg, mx.diag(seed), dr),
    DiagOf: lambda node, seed, dr: _adjoint(node.arg, mx.diag(seed), dr),
}


# ============================================================================ linear maps


def matrix_of_linear(L, direction: Direction):
    """M with L(dx) = M dx, for a vector L linear in the vector dx (a Jacobian)."""
    if not depends_on(L, direction.name):
        return zeros((shape_of(L)[0], direction.shape[0]))
    if isinstance(L, Leaf):
        return Identity(direction.shape[0])
    if isinstance(L, MatMul):
        *prefix, last = L.factors
        if any(depends_on(f, direction.name) for f in prefix):
            expanded = expand_node(L)   # (dx xᵀ + x dxᵀ) x = ‖x‖² dx + x (xᵀdx)
            if expanded == L:
                raise Unsupported(f"{direction.name} is not the last factor of {to_numpy(L)}")
            return matrix_of_linear(expanded, direction)
        return matmul(*prefix, matrix_of_linear(last, direction))
    if isinstance(L, Elem):
        return _elem_linear(L, direction, matrix_of_linear,
                            lambda c, M: matmul(mx.diag(make_elem(c, L.shape)), M),
                            lambda w, g: matmul(w, transpose(g)))
    raise Unsupported(f"cannot read a matrix off {type(L).__name__} in {direction.name}")


def _elem_linear(L: Elem, direction: Direction, recurse, diagonal, rank_one):
    """Σ over the atoms of an elementwise L: diagonal scalings and rank-one terms."""
    total = None
    for s in L.expr.free_symbols:
        if not (isinstance(s, Atom) and depends_on(s.node, direction.name)):
            if not isinstance(s, Atom) and s.name == direction.name:
                raise Unsupported("a scalar direction inside a matrix-valued differential")
            continue
        c = sp.diff(L.expr, s)
        _require_free(c, direction, "a product of two differentials")
        if s.node.shape == L.shape:
            inner = recurse(s.node, direction)
            term = matmul(c, inner) if not mx.matrix_atoms(c) else diagonal(c, inner)
        else:
            term = rank_one(make_elem(c, L.shape), gradient_of_linear(s, direction))
        total = term if total is None else add(total, term)
    return total


def kronecker_of_linear(L, direction: Direction):
    """K with vec L(dX) = K vec dX (columns stacked): vec(A dX B) = (Bᵀ ⊗ A) vec dX."""
    p, q = direction.shape
    rows = shape_of(L)[0] * shape_of(L)[1]
    if not depends_on(L, direction.name):
        return zeros((rows, p * q))
    if isinstance(L, Leaf):
        return Identity(p * q)
    if isinstance(L, Transpose) and isinstance(L.arg, Leaf):
        return Commutation(p, q)
    if isinstance(L, MatMul):
        fs = L.factors
        deps = [i for i, f in enumerate(fs) if depends_on(f, direction.name)]
        if len(deps) != 1:
            raise Unsupported(f"a product holds {direction.name} in {len(deps)} factors")
        i = deps[0]
        f = fs[i]
        left = matmul(*fs[:i]) if i else Identity(f.shape[0])
        right = matmul(*fs[i + 1:]) if i + 1 < len(fs) else Identity(f.shape[1])
        return matmul(mx.kron(transpose(right), left), kronecker_of_linear(f, direction))
    if isinstance(L, Elem):
        return _elem_linear(L, direction, kronecker_of_linear,
                            lambda c, K: matmul(mx.diag(mx.vec(make_elem(c, L.shape))), K),
                            lambda w, g: matmul(mx.vec(w), transpose(mx.vec(g))))
    raise Unsupported(f"no Kronecker form for {type(L).__name__} in {direction.name}")


def coefficient_of(L, direction: Direction):
    """dL/dt for L linear in a scalar direction dt (which the constructors keep outside nodes)."""
    t = sp.Symbol(direction.name, real=True)
    if is_scalar(L):
        c = sp.diff(sp.sympify(L), t)
    elif isinstance(L, Elem):
        c = make_elem(sp.diff(L.expr, t), L.shape)
    elif not depends_on(L, direction.name):
        return zeros(shape_of(L))
    else:
        raise Unsupported(f"{direction.name} sits inside {type(L).__name__}")
    _require_free(c, direction, "a product of two differentials")
    return c
