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

Step 1 and the derivations are here; steps 2 and 3 (reading off linear maps)
are :mod:`workbench.matrix_calculus.linear`, and the choice of the most compact
equivalent form is :mod:`workbench.matrix_calculus.textbook`.

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

from ..core.errors import InputError
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
from .linear import (
    Direction,
    Unsupported,
    coefficient_of,
    gradient_of_linear,
    kronecker_of_linear,
    matrix_of_linear,
)
from .parse import MatrixProblem
from .printing import to_numpy
from .textbook import textbook


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
