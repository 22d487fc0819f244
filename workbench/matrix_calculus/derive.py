"""Matrix calculus by differentials: gradients, Hessians and Jacobians in textbook form.

The differential approach of the matrix-calculus notes, mechanized:

1. **Differentiate** with the rules of :data:`DIFFERENTIALS`, one per node type::

       dA = 0                      d(XY) = dX·Y + X·dY        d(Xᵀ) = (dX)ᵀ
       d(X⁻¹) = −X⁻¹ dX X⁻¹       d det X = det X · tr(X⁻¹ dX)
       d tr X = tr dX              d‖X‖ = ⟨X, dX⟩ / ‖X‖       d sum X = sum dX
       d f(X) = f′(X) ∘ dX  (elementwise f, and the chain rule for scalar f)
       d softmax(z) = s ∘ dz − s (sᵀ dz)

   The result df is linear in the direction dX (a leaf named ``dX``).

2. **Canonical form** df = ⟨G, dX⟩: every linear operation is moved to the other
   side of the inner product by its adjoint (:data:`ADJOINTS`)::

       ⟨G, A·L·B⟩ = ⟨AᵀGBᵀ, L⟩     ⟨G, Lᵀ⟩ = ⟨Gᵀ, L⟩     ⟨G, D ∘ L⟩ = ⟨G ∘ D, L⟩
       tr L = ⟨I, L⟩               sum L = ⟨𝟏𝟏ᵀ, L⟩

   and G, of the variable's shape, is the gradient.

3. **Second differential**: d²f = ⟨dG(dX₁), dX₂⟩.  For a vector x, dG = H dx and
   the Hessian H is read off by :func:`matrix_of_linear` (dx ↦ M dx); for a matrix
   X the Hessian is the linear map V ↦ dG[V] (the Hessian-vector product) and
   its Kronecker form K with vec(dG) = K vec(dX) (:func:`kronecker_of_linear`,
   vec stacks columns: vec(A dX B) = (Bᵀ ⊗ A) vec dX).

**Layout.** Gradients have the variable's shape (denominator layout:
∇ₓ(aᵀx) = a, a column).  Jacobians of vector functions have one row per output,
J = ∂f/∂xᵀ, as in the notes.  For a variable declared symmetric the gradient is
taken in the space of symmetric matrices with the Frobenius inner product,
i.e. it is sym(G) = (G + Gᵀ)/2, and Hessians act on symmetric directions.

Nothing from this module is an answer until :mod:`workbench.certification.matrix` has
checked it; :func:`workbench.certification.matrix.solve` does both and withholds
any formula that fails.

>>> from workbench.matrix_calculus.parse import parse_matrix
>>> from workbench.matrix_calculus.printing import to_numpy
>>> p = parse_matrix("norm(A @ x - b)**2 / 2")
>>> d = derive(p, "x", hessian=True)
>>> to_numpy(d.gradient), to_numpy(d.hessian)
('A.T @ (A @ x - b)', 'A.T @ A')
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import sympy as sp

from ..core import budget
from ..core.errors import InputError, WorkbenchError
from . import expr as mx
from .expr import (
    Atom,
    Commutation,
    Det,
    Diag,
    DiagOf,
    Elem,
    Identity,
    Inverse,
    Leaf,
    MatMul,
    Norm,
    Softmax,
    SumAll,
    Trace,
    Transpose,
    Vec,
    add,
    as_elem,
    depends_on,
    is_scalar,
    make_elem,
    matmul,
    mul,
    shape_of,
    sub,
    transpose,
    zeros,
)
from .parse import MatrixProblem
from .printing import to_numpy


class Unsupported(WorkbenchError):
    """The engine has no rule for this expression; the message names what is missing."""


# ============================================================================ differentials


class Differential:
    """d(·) with respect to one variable along a direction: the leaf dX or the symbol dt."""

    def __init__(self, wrt: str, direction):
        self.wrt = wrt
        self.direction = direction
        self._cache: dict = {}

    def __call__(self, v):
        if not depends_on(v, self.wrt):
            return zeros(shape_of(v))
        if is_scalar(v):
            return self.expr(sp.sympify(v))
        if v not in self._cache:
            rule = DIFFERENTIALS.get(type(v))
            if rule is None:
                raise Unsupported(f"no differential rule for {type(v).__name__}")
            self._cache[v] = rule(v, self)
        return self._cache[v]

    def expr(self, e: sp.Expr) -> sp.Expr:
        """Chain rule through SymPy: de = Σ ∂e/∂a · da over atoms a (entrywise in an Elem)."""
        total = sp.Integer(0)
        for s in e.free_symbols:
            if isinstance(s, Atom):
                if depends_on(s.node, self.wrt):
                    total += sp.diff(e, s) * as_elem(self(s.node))
            elif s.name == self.wrt:
                total += sp.diff(e, s) * as_elem(self.direction)
        return total


def _d_leaf(node: Leaf, d: Differential):
    return d.direction


def _d_matmul(node: MatMul, d: Differential):
    fs = node.factors
    terms = [matmul(*fs[:i], d(f), *fs[i + 1:]) for i, f in enumerate(fs) if depends_on(f, d.wrt)]
    return add(*terms)


def _d_inverse(node: Inverse, d: Differential):
    return mx.neg(matmul(node, d(node.arg), node))


def _d_softmax(node: Softmax, d: Differential):
    s, dz = node, d(node.arg)
    rows, cols = node.shape
    if cols == 1:
        return sub(mul(s, dz), mul(s, mx.inner(s, dz)))
    row_sums = matmul(mul(s, dz), mx.ones((cols, mx.ONE)), mx.ones((mx.ONE, cols)))
    return sub(mul(s, dz), mul(s, row_sums))


def _d_det(node: Det, d: Differential):
    return mul(mx.det(node.arg), mx.trace(matmul(mx.inverse(node.arg), d(node.arg))))


def _d_norm(node: Norm, d: Differential):
    return mx.div(mx.inner(node.arg, d(node.arg)), mx.norm(node.arg))


#: The differential of each node type, given d of its children (the notes' rules).
DIFFERENTIALS: dict[type, Callable] = {
    Leaf: _d_leaf,
    Identity: lambda node, d: zeros(node.shape),
    Commutation: lambda node, d: zeros(node.shape),
    MatMul: _d_matmul,
    Transpose: lambda node, d: transpose(d(node.arg)),
    Inverse: _d_inverse,
    Elem: lambda node, d: make_elem(d.expr(node.expr), node.shape),
    Softmax: _d_softmax,
    Diag: lambda node, d: mx.diag(d(node.arg)),
    DiagOf: lambda node, d: mx.diag(d(node.arg)),
    Det: _d_det,
    Trace: lambda node, d: mx.trace(d(node.arg)),
    Norm: _d_norm,
    SumAll: lambda node, d: mx.sum_all(d(node.arg)),
    Vec: lambda node, d: mx.vec(d(node.arg)),
}


# ============================================================================ canonical form


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
            expanded = _expand_node(L)   # (dx xᵀ + x dxᵀ) x = ‖x‖² dx + x (xᵀdx)
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


# ============================================================================ textbook form


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


def _expand_node(v):
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
    return v if is_scalar(v) else _expand_node(v)


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
    expanded = map_bottom_up(map_bottom_up(v, _expand_node), _factor_node)
    cands = [v, factored, expanded]
    cands += [_sign_variant(c) for c in cands]
    return min(cands, key=cost)


# ============================================================================ derivations


@dataclass
class Derivation:
    """What the rules produce for one variable; not an answer until certified.

    ``gradient`` for a scalar function; ``jacobian`` for a vector or matrix one
    (a matrix for vector or scalar variables, a Kronecker form for matrix
    variables); ``hessian`` (vector or scalar variables), ``hvp`` (matrix
    variables, the map V ↦ H[V], symbolic direction ``V``, named
    ``hvp_direction``) and ``hessian_kron``.
    """

    problem: MatrixProblem
    wrt: str
    kind: str                 # "scalar" | "vector" | "matrix" (the variable)
    output: str               # "scalar" | "vector" | "matrix" (the function)
    direction: Direction
    differential: object
    gradient: object = None
    jacobian: object = None
    hessian: object = None
    hvp: object = None
    hessian_kron: object = None
    derivatives: dict = field(default_factory=dict)   # order k ≥ 3 -> f⁽ᵏ⁾ (scalar variables)
    notes: list[str] = field(default_factory=list)
    hvp_direction: str | None = None   # the name of the direction leaf in ``hvp``

    #: The named formulas, in the order they are checked and shown.
    FORMULAS = ("gradient", "jacobian", "hessian", "hvp", "hessian_kron")

    def answers(self) -> dict:
        """Every formula present, by name (``derivative_k`` for orders k ≥ 3), in a fixed order."""
        out = {k: getattr(self, k) for k in self.FORMULAS if getattr(self, k) is not None}
        out.update({f"derivative_{k}": v for k, v in sorted(self.derivatives.items())})
        return out

    def formula(self, what: str):
        """The formula named ``what`` (``derivative_k``: KeyError when that order is absent)."""
        if what.startswith("derivative_"):
            return self.derivatives[int(what.split("_")[1])]
        return getattr(self, what)


def _kind(shape) -> str:
    if shape == (mx.ONE, mx.ONE):
        return "scalar"
    return "vector" if shape[1] == 1 else "matrix"


def _direction_name(problem: MatrixProblem, base: str) -> str:
    taken = set(problem.declarations.names()) | problem.declarations.dims
    name = base
    while name in taken:
        name = "_" + name
    return name


def _direction(problem: MatrixProblem, wrt: str, base: str):
    decl = problem.declarations
    name = _direction_name(problem, base)
    if wrt in decl.scalars:
        return Direction(name, (mx.ONE, mx.ONE)), sp.Symbol(name, real=True)
    r, c = decl.shapes[wrt]
    return Direction(name, (r, c)), Leaf(name, r, c, differential=True)


def _check_variable(problem: MatrixProblem, wrt: str) -> None:
    decl = problem.declarations
    if wrt in decl.dims:
        raise InputError(f"--wrt {wrt}: {wrt} is a dimension, not a variable")
    if wrt not in decl.shapes and wrt not in decl.scalars:
        names = ", ".join(decl.names()) or "none"
        raise InputError(f"--wrt {wrt}: {wrt} does not appear in the expression "
                         f"(its names: {names})")


def _domain_notes(v, wrt: str) -> list[str]:
    """Where the rules used need a condition: an inverse (or det rule), a norm not squared."""
    notes = []
    for node in mx.walk(v):
        text = None
        if isinstance(node, Inverse | Det) and depends_on(node, wrt):
            text = f"{to_numpy(node.arg)} invertible"
        elif isinstance(node, Norm) and depends_on(node, wrt) and not _only_even_powers(v, node):
            text = f"{to_numpy(node.arg)} nonzero"
        if text and text not in notes:
            notes.append(text)
    return notes


def _only_even_powers(v, node: Norm) -> bool:
    """‖u‖ enters only as ‖u‖², ‖u‖⁴, …: smooth everywhere, no condition."""
    a = mx.atom(node)
    exprs = [sp.sympify(v)] if is_scalar(v) else []
    exprs += [n.expr for n in mx.walk(v) if isinstance(n, Elem)]
    for e in exprs:
        powers = [p for p in e.atoms(sp.Pow) if p.base == a]
        if any(not p.exp.is_even for p in powers):
            return False
        if e.xreplace({p: sp.Integer(1) for p in powers}).has(a):
            return False
    return True


def _symmetrize(G, leaf):
    if isinstance(leaf, Leaf) and leaf.symmetric:
        return mul(sp.Rational(1, 2), add(G, transpose(G)))
    return G


def derive(problem: MatrixProblem, wrt: str, hessian: bool = False,
           order: int = 1) -> Derivation:
    """Differential, gradient or Jacobian (and optionally Hessian) of ``problem`` in ``wrt``.

    ``order`` > 2 adds the higher derivatives f⁽ᵏ⁾ of a scalar function of a
    scalar variable.  Uncertified building block: use
    :func:`workbench.certification.matrix.solve` for answers.
    """
    _check_variable(problem, wrt)
    f = problem.value
    if not depends_on(f, wrt):
        raise InputError(f"the expression does not depend on {wrt}")
    direction, dleaf = _direction(problem, wrt, "d" + wrt)
    leaf = problem.declarations.leaf(wrt) if wrt in problem.declarations.shapes else None
    kind, output = _kind(direction.shape), _kind(shape_of(f))
    df = Differential(wrt, dleaf)(f)
    out = Derivation(problem, wrt, kind, output, direction, df,
                     notes=_domain_notes(f, wrt))
    if output == "scalar":
        G = gradient_of_linear(df, direction) if kind != "scalar" else coefficient_of(df, direction)
        out.gradient = textbook(_symmetrize(G, leaf))
        if hessian or order >= 2:
            _second_order(problem, out, leaf)
        if order > 2 and kind == "scalar":
            _higher_order(out, order)
        elif order > 2:
            raise InputError(f"derivatives of order {order} need a scalar variable; "
                             f"{wrt} is a {kind}")
    elif kind == "scalar":
        out.jacobian = textbook(coefficient_of(df, direction))
    elif kind == "vector" and output == "vector":
        out.jacobian = textbook(matrix_of_linear(df, direction))
    else:
        out.jacobian = textbook(kronecker_of_linear(df, direction))
    return out


def _higher_order(out: Derivation, order: int) -> None:
    """f⁽ᵏ⁾ = d f⁽ᵏ⁻¹⁾ / dt for a scalar function of a scalar t, each step in textbook form."""
    dt = sp.Symbol(out.direction.name, real=True)
    previous = out.hessian
    for k in range(3, order + 1):
        previous = textbook(coefficient_of(Differential(out.wrt, dt)(previous), out.direction))
        out.derivatives[k] = previous


def _second_order(problem: MatrixProblem, out: Derivation, leaf) -> None:
    G, wrt = out.gradient, out.wrt
    if out.kind == "scalar":
        dt = sp.Symbol(out.direction.name, real=True)
        out.hessian = textbook(coefficient_of(Differential(wrt, dt)(G), out.direction))
        return
    if out.kind == "vector":
        dG = Differential(wrt, Leaf(out.direction.name, *out.direction.shape,
                                    differential=True))(G)
        out.hessian = textbook(matrix_of_linear(dG, out.direction))
        return
    name = out.hvp_direction = _direction_name(problem, "V")
    r, c = out.direction.shape
    V = Leaf(name, r, c, symmetric=leaf.symmetric)
    out.hvp = textbook(_symmetrize(Differential(wrt, V)(G), leaf))
    dG = Differential(wrt, Leaf(out.direction.name, r, c, differential=True))(G)
    try:
        K = kronecker_of_linear(_symmetrize(dG, leaf), out.direction)
        out.hessian_kron = textbook(K)
    except Unsupported as exc:
        out.notes.append(f"no Kronecker form: {exc}")
