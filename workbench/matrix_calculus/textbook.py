"""Textbook form: the most compact of a few equivalent ways to write a result.

A derived gradient is correct but rarely reads as a book prints it.
:func:`textbook` tries a few rewritings (common factors pulled out of sums,
Ax + Aᵀx → (A + Aᵀ)x; expanded then factored; a sign moved out) and keeps the one
with the fewest operations, then the shortest text (:func:`cost`).  Scalar parts
are tidied by SymPy within a size limit (:data:`TIDY_OPS`).

>>> from workbench.matrix_calculus.expr import Leaf, add, dim, matmul, transpose
>>> from workbench.matrix_calculus.printing import to_numpy
>>> n = dim("n")
>>> A, x = Leaf("A", n, n), Leaf("x", n, 1)
>>> to_numpy(textbook(add(matmul(A, x), matmul(transpose(A), x))))
'(A + A.T) @ x'
"""

from __future__ import annotations

import sympy as sp

from ..core import budget
from . import expr as mx
from .expr import (
    Atom,
    Commutation,
    Elem,
    Identity,
    Leaf,
    MatMul,
    add,
    as_elem,
    is_scalar,
    make_elem,
    matmul,
    mul,
)
from .printing import to_numpy


def cost(v) -> tuple[float, int]:
    """Fewer operations (a power counts one and a half), then shorter text."""
    text = to_numpy(v)
    ops = (text.count(" @ ") + text.count(" + ") + text.count(" - ") + text.count("/")
           + text.count("*") - 0.5 * text.count("**"))
    return (ops, len(text))


_TIDY: dict = {}
#: Operations up to which a formula is also simplified when tidied (a size, not a time).
TIDY_OPS = 200


def _tidy_expr(e: sp.Expr, collect: bool = True) -> sp.Expr:
    """The best-reading of a few rewritings of an elementwise or scalar expression."""
    key = (e, collect)
    if key in _TIDY:
        return _TIDY[key]
    if sp.count_ops(e) <= 2:
        return e
    cands = [e, sp.factor_terms(e), sp.factor_terms(sp.expand_mul(e))]
    mats = list(mx.matrix_atoms(e))
    if mats and collect:
        cands.append(_collect(e, mats))
    if sp.count_ops(e) <= TIDY_OPS:  # chosen by size, so the same form at any load
        cands += budget.bounded(lambda: [sp.simplify(e), _sigmoid_form(e)], "tidying a formula")
    known = _functions(e) | {"sigmoid"}
    cands = [c for c in cands if _functions(c) <= known]   # speak the problem's language
    best = min(cands, key=cost)
    _TIDY[key] = best
    return best


def _functions(e: sp.Expr) -> set[str]:
    return {type(f).__name__ for f in e.atoms(sp.Function)}


def _collect(e: sp.Expr, atoms) -> sp.Expr:
    """Σ (coefficient) · atom with each coefficient simplified on its own."""
    parts = sp.collect(sp.expand_mul(e), atoms, evaluate=False)
    return sp.factor_terms(sp.Add(*(_tidy_expr(c, collect=False) * k
                                    for k, c in parts.items())))


def _sigmoid_form(e: sp.Expr) -> sp.Expr:
    """eᵘ/(1 + eᵘ) = σ(u), eᵘ/(1 + eᵘ)² = σ(u)(1 − σ(u)): exp rewritten in σ, then cancelled."""
    from ..core.functions import sigmoid

    if not e.has(sp.exp):
        return e
    s = e.replace(lambda x: isinstance(x, sp.exp),
                  lambda x: sigmoid(x.args[0]) / (1 - sigmoid(x.args[0])))
    return sp.factor(sp.cancel(s))


def map_bottom_up(v, fn):
    """Rebuild ``v`` with ``fn`` applied to every node, children first."""
    if is_scalar(v):
        e = sp.sympify(v)
        rep = {a: as_elem(map_bottom_up(a.node, fn)) for a in mx.atoms_of(e)}
        return e.xreplace(rep) if rep else e
    if isinstance(v, Elem):
        rep = {a: as_elem(map_bottom_up(a.node, fn)) for a in mx.atoms_of(v.expr)}
        return fn(make_elem(v.expr.xreplace(rep), v.shape))
    if isinstance(v, Leaf | Identity | Commutation):
        return fn(v)
    return fn(mx.rebuild(v, [map_bottom_up(c, fn) for c in v.children]))


def expand_node(v):
    """Distribute products over sums: A(x + y) → Ax + Ay."""
    if isinstance(v, MatMul):
        for i, f in enumerate(v.factors):
            if isinstance(f, Elem) and isinstance(f.expr, sp.Add):
                pre, post = v.factors[:i], v.factors[i + 1:]
                return add(*(_expand_node_value(matmul(*pre, make_elem(t, f.shape), *post))
                             for t in f.expr.args))
    if isinstance(v, Elem):
        return make_elem(sp.expand_mul(v.expr), v.shape)
    return v


def _expand_node_value(v):
    return v if is_scalar(v) else expand_node(v)


def _factor_node(v):
    """Pull common left or right factors out of a sum: Ax + Aᵀx → (A + Aᵀ)x."""
    if not isinstance(v, Elem):
        return v
    best = make_elem(_tidy_expr(v.expr), v.shape)
    for side in ("left", "right"):
        candidate = _factor_once(v, side)
        if candidate is not None and cost(candidate) < cost(best):
            best = candidate
    return best


def _factor_once(v: Elem, side: str):
    linear, rest = [], sp.Integer(0)
    for c, r in mx.linear_terms(v.expr):
        if isinstance(r, Atom) and r.node.shape == v.shape:
            linear.append((c, r.node))
        else:
            rest += c * r
    groups: dict = {}
    for c, node in linear:
        fs = node.factors if isinstance(node, MatMul) else (node,)
        f = fs[0] if side == "left" else fs[-1]
        remaining = fs[1:] if side == "left" else fs[:-1]
        if remaining:
            remainder = matmul(*remaining)
        else:
            remainder = Identity(f.shape[1] if side == "left" else f.shape[0])
        groups.setdefault(f, []).append((c, remainder, node))
    choices = [(f, g) for f, g in groups.items()
               if len(g) >= 2 and not isinstance(f, Identity)]
    if not choices:
        return None
    f, group = max(choices, key=lambda fg: len(fg[1]))
    inner = _factor_node(add(*(mul(c, r) for c, r, _ in group)))
    factored = matmul(f, inner) if side == "left" else matmul(inner, f)
    others = [mul(c, node) for c, node in linear if node not in {n for _, _, n in group}]
    return _factor_node(add(factored, *others, make_elem(rest, v.shape))) \
        if others else add(factored, make_elem(rest, v.shape))


def _sign_variant(v):
    """c·M(E) with E a sum, written as (−c)·M(−E) when that reads better."""
    if not isinstance(v, Elem):
        return v
    c, r = v.expr.as_independent(*mx.matrix_atoms(v.expr), as_Add=False)
    if not (isinstance(r, Atom) and isinstance(r.node, MatMul)):
        return v
    for i, f in enumerate(r.node.factors):
        if isinstance(f, Elem) and isinstance(f.expr, sp.Add):
            flipped = matmul(*r.node.factors[:i], make_elem(-f.expr, f.shape),
                             *r.node.factors[i + 1:])
            candidate = mul(-c, flipped)
            return candidate if cost(candidate) < cost(v) else v
    return v


def textbook(v):
    """The most compact of a few equivalent forms (factored, expanded then factored)."""
    if is_scalar(v):
        return map_bottom_up(_tidy_expr(sp.sympify(v)), lambda n: n)
    factored = map_bottom_up(v, _factor_node)
    expanded = map_bottom_up(map_bottom_up(v, expand_node), _factor_node)
    cands = [v, factored, expanded]
    cands += [_sign_variant(c) for c in cands]
    return min(cands, key=cost)
