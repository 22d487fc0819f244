"""Matrix expressions: a small typed tree whose scalar algebra is SymPy's.

The matrix-calculus engine (:mod:`workbench.matrix_calculus`) works on this
representation.  Two kinds of values exist:

* a **scalar** is a SymPy ``Expr``;
* a **matrix** (vectors are n×1 matrices) is a :class:`Node` with a shape whose
  dimensions are SymPy integers or positive-integer symbols (``n``, ``m``).

The bridge between them is :class:`Atom`: a SymPy symbol standing for a node.
Scalar-valued nodes (det X, tr M, ‖v‖, sum(M), a 1×1 product uᵀAv) enter
scalar algebra as atoms, so SymPy cancels ``det X / det X`` and simplifies
``sqrt(‖x‖²) = ‖x‖`` by itself.  Every *elementwise* combination of same-shaped
matrices (sums, scalar multiples, Hadamard products ∘, elementwise functions
exp/log/σ, broadcast constants) is one :class:`Elem` node holding a SymPy
expression in matrix atoms, read entry by entry: Hadamard algebra is a
commutative ring with functions applied entrywise, so every scalar identity
SymPy uses holds entrywise.  Only the genuinely matrix-level operations get
their own nodes: products, transpose, inverse, softmax, diag.

Values are built with smart constructors (:func:`matmul`, :func:`add`,
:func:`transpose`, :func:`det`, …) that check shapes (a :class:`ShapeError`
names both shapes) and keep a canonical form:

* transposes are pushed to the leaves, (AB)ᵀ = BᵀAᵀ, Sᵀ = S for symmetric S,
  and (X⁻¹)ᵀ is kept as X⁻ᵀ;
* scalars move out of products, identities drop out, and every 1×1 sub-product
  uᵀ…v becomes a scalar atom in a fixed orientation (uᵀAv and vᵀAᵀu are one
  atom), with xᵀx = ‖x‖²;
* tr is linear and cyclic (a fixed rotation is chosen), det is multiplicative,
  tr(xyᵀ) = yᵀx, sum(u ∘ v) = ⟨u, v⟩, det(cX) = cⁿ det X.

The module stays whole although it is over 500 lines: it is one concept, the
tree and its canonical form, and the two halves call each other (the positivity
test of a product node and :func:`is_symmetric` use :func:`transpose`, which builds
nodes), so a split would only trade the length for an import cycle.

>>> n = dim("n")
>>> A, x = Leaf("A", n, n), Leaf("x", n, 1)
>>> q = matmul(transpose(x), A, x)           # xᵀAx, a scalar atom
>>> q == matmul(transpose(x), transpose(A), x)
True
>>> matmul(transpose(x), x)
⟦norm(x)⟧**2
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields

import sympy as sp

from ..core.errors import ShapeError

Dim = sp.Expr
Shape = tuple[Dim, Dim]

ONE = sp.Integer(1)


def dim(name: str | int) -> Dim:
    """A dimension: an integer, or a positive-integer symbol such as ``n``."""
    if isinstance(name, int):
        return sp.Integer(name)
    return sp.Symbol(name, integer=True, positive=True)


def show_shape(shape: Shape) -> str:
    """(m×n) for messages; vectors read (n×1)."""
    return f"({shape[0]}×{shape[1]})"


# ----------------------------------------------------------------------------- nodes

_KEYS: dict = {}


@dataclass(frozen=True)
class Node:
    """A matrix-valued expression; subclasses are frozen, so nodes are hashable."""

    @property
    def shape(self) -> Shape:
        raise NotImplementedError

    @property
    def children(self) -> tuple[Node, ...]:
        return tuple(getattr(self, f.name) for f in fields(self)
                     if isinstance(getattr(self, f.name), Node))

    @property
    def positive(self) -> bool:
        """Known positive (scalar nodes only); feeds SymPy's assumptions."""
        return False

    def key(self) -> str:
        """A canonical, injective text used to name this node's atom (cached)."""
        k = _KEYS.get(self)
        if k is None:
            k = _KEYS[self] = self._key()
        return k

    def _key(self) -> str:
        parts = []
        for f in fields(self):
            v = getattr(self, f.name)
            if isinstance(v, Node):
                parts.append(v.key())
            elif isinstance(v, tuple):
                parts.append("[" + ",".join(x.key() for x in v) + "]")
            elif isinstance(v, sp.Basic):
                parts.append(sp.srepr(v))
            else:
                parts.append(repr(v))
        return f"{type(self).__name__}({','.join(parts)})"

    #: How a node shows itself: its NumPy spelling, which :mod:`.printing` (a module that
    #: depends on this one) installs when it is imported; the canonical key until then.
    spell = key

    def __repr__(self) -> str:
        return self.spell()


@dataclass(frozen=True, repr=False)
class Leaf(Node):
    """A named matrix, vector (n×1) or row; flags carry the user's assumptions."""

    name: str
    rows: Dim
    cols: Dim
    symmetric: bool = False
    pd: bool = False            # positive definite (implies symmetric, invertible)
    stochastic: bool = False    # rows sum to one (a vector: entries sum to one)
    differential: bool = False  # a direction dX (printed d X)

    @property
    def shape(self) -> Shape:
        return (self.rows, self.cols)

    def _key(self) -> str:
        flags = "".join(c for c, on in (("s", self.symmetric), ("p", self.pd),
                                        ("r", self.stochastic), ("d", self.differential)) if on)
        return f"{self.name}:{self.rows}x{self.cols}{':' + flags if flags else ''}"


@dataclass(frozen=True, repr=False)
class Identity(Node):
    n: Dim

    @property
    def shape(self) -> Shape:
        return (self.n, self.n)


@dataclass(frozen=True, repr=False)
class MatMul(Node):
    """F₁F₂…F_k, k ≥ 2, no scalar factors (they live in the surrounding scalar algebra)."""

    factors: tuple[Node, ...]

    @property
    def shape(self) -> Shape:
        return (self.factors[0].shape[0], self.factors[-1].shape[1])

    @property
    def children(self) -> tuple[Node, ...]:
        return self.factors

    @property
    def positive(self) -> bool:
        # uᵀPu with P positive definite (u ≠ 0 is the domain of the problems)
        fs = self.factors
        return (len(fs) == 3 and isinstance(fs[1], Leaf) and fs[1].pd
                and transpose(fs[0]) == fs[2])


@dataclass(frozen=True, repr=False)
class Transpose(Node):
    arg: Node

    @property
    def shape(self) -> Shape:
        return (self.arg.shape[1], self.arg.shape[0])


@dataclass(frozen=True, repr=False)
class Inverse(Node):
    arg: Node

    @property
    def shape(self) -> Shape:
        return self.arg.shape


@dataclass(frozen=True, repr=False)
class Elem(Node):
    """An elementwise expression: ``expr`` read entrywise over matrix atoms of this shape.

    Scalars in ``expr`` broadcast; an ``expr`` without matrix atoms is a constant
    matrix (``Elem(1, (n, 1))`` is the ones vector 𝟏, ``Elem(0, …)`` is zero).
    """

    expr: sp.Expr
    rows: Dim
    cols: Dim

    @property
    def shape(self) -> Shape:
        return (self.rows, self.cols)

    @property
    def children(self) -> tuple[Node, ...]:
        return tuple(a.node for a in matrix_atoms(self.expr))


@dataclass(frozen=True, repr=False)
class Softmax(Node):
    """softmax of a column vector, or of each row of a matrix (NumPy's last axis)."""

    arg: Node

    @property
    def shape(self) -> Shape:
        return self.arg.shape


@dataclass(frozen=True, repr=False)
class Diag(Node):
    """diag(v): the n×n matrix with the vector v on its diagonal."""

    arg: Node

    @property
    def shape(self) -> Shape:
        return (self.arg.shape[0], self.arg.shape[0])


@dataclass(frozen=True, repr=False)
class DiagOf(Node):
    """diag(M): the diagonal of a square matrix as a column vector."""

    arg: Node

    @property
    def shape(self) -> Shape:
        return (self.arg.shape[0], ONE)


@dataclass(frozen=True, repr=False)
class _SquareScalar(Node):
    """A scalar of a square matrix that is positive when the matrix is positive definite.

    Only a shared body: nodes are compared by their exact type, so Det(M) ≠ Trace(M).
    """

    arg: Node
    shape = (ONE, ONE)

    @property
    def positive(self) -> bool:
        return is_pd(self.arg)


@dataclass(frozen=True, repr=False)
class Det(_SquareScalar):
    pass


@dataclass(frozen=True, repr=False)
class Trace(_SquareScalar):
    pass


@dataclass(frozen=True, repr=False)
class Norm(Node):
    """‖v‖₂ for vectors, ‖M‖_F for matrices (the arguments are nonzero in the problems)."""

    arg: Node
    shape = (ONE, ONE)

    @property
    def positive(self) -> bool:
        return True


@dataclass(frozen=True, repr=False)
class SumAll(Node):
    """The sum of all entries, 𝟏ᵀM𝟏."""

    arg: Node
    shape = (ONE, ONE)

    @property
    def positive(self) -> bool:
        return isinstance(self.arg, Elem) and bool(self.arg.expr.is_positive) or \
            isinstance(self.arg, Softmax)


@dataclass(frozen=True, repr=False)
class Vec(Node):
    """vec(M): the columns of M stacked (column-major), an mn×1 vector."""

    arg: Node

    @property
    def shape(self) -> Shape:
        return (self.arg.shape[0] * self.arg.shape[1], ONE)


@dataclass(frozen=True, repr=False)
class Kron(Node):
    """The Kronecker product A ⊗ B."""

    left: Node
    right: Node

    @property
    def shape(self) -> Shape:
        return (self.left.shape[0] * self.right.shape[0],
                self.left.shape[1] * self.right.shape[1])


@dataclass(frozen=True, repr=False)
class Commutation(Node):
    """K with K vec(M) = vec(Mᵀ) for an m×n matrix M."""

    m: Dim
    n: Dim

    @property
    def shape(self) -> Shape:
        return (self.m * self.n, self.m * self.n)


# ----------------------------------------------------------------------------- atoms


class Atom(sp.Symbol):
    """A node seen by SymPy as a real symbol.

    A scalar node (det, tr, norm, sum, a 1×1 product) is an ordinary scalar; a
    matrix node inside an :class:`Elem` expression is read entry by entry.  The
    symbol's name is the node's canonical key, so equal nodes are one symbol.
    """

    node: Node

    def __new__(cls, node: Node):
        assumptions = {"real": True}
        if node.shape == (ONE, ONE) and node.positive:
            assumptions["positive"] = True
        obj = super().__new__(cls, f"⟦{node.key()}⟧", **assumptions)
        obj.node = node
        return obj

    def __getnewargs_ex__(self):
        return ((self.node,), {})

    @property
    def precedence(self) -> int:
        # a product printed with @ must be parenthesized inside * and **
        from sympy.printing.precedence import PRECEDENCE

        return PRECEDENCE["Mul"] if isinstance(self.node, MatMul) else PRECEDENCE["Atom"]

    def _sympystr(self, printer) -> str:  # plain str(): readable, for debugging
        return f"⟦{self.node!r}⟧"


def atom(node: Node) -> Atom:
    return Atom(node)


def atoms_of(e: sp.Basic) -> set[Atom]:
    return {s for s in e.free_symbols if isinstance(s, Atom)}


def matrix_atoms(e: sp.Basic) -> set[Atom]:
    """Atoms of ``e`` that stand for whole matrices (read entrywise)."""
    return {a for a in atoms_of(e) if a.node.shape != (ONE, ONE)}


# ----------------------------------------------------------------------------- queries


def is_scalar(v) -> bool:
    return not isinstance(v, Node)


def shape_of(v) -> Shape:
    return (ONE, ONE) if is_scalar(v) else v.shape


def is_zero(v) -> bool:
    if is_scalar(v):
        return sp.sympify(v) == 0
    return isinstance(v, Elem) and v.expr == 0


def is_constant_elem(v) -> bool:
    """A broadcast constant such as the ones vector."""
    return isinstance(v, Elem) and not matrix_atoms(v.expr)


_LEAVES: dict = {}


def leaves(v) -> frozenset[str]:
    """Names of every leaf and scalar symbol ``v`` depends on."""
    if is_scalar(v):
        out = set()
        for s in sp.sympify(v).free_symbols:
            out |= leaves(s.node) if isinstance(s, Atom) else {s.name}
        return frozenset(out)
    if v in _LEAVES:
        return _LEAVES[v]
    if isinstance(v, Leaf):
        out = frozenset({v.name})
    elif isinstance(v, Elem):
        out = leaves(v.expr)
    else:
        out = frozenset().union(*(leaves(c) for c in v.children))
    _LEAVES[v] = out
    return out


def depends_on(v, name: str) -> bool:
    return name in leaves(v)


def is_symmetric(v) -> bool:
    if is_scalar(v):
        return True
    if v.shape[0] != v.shape[1]:
        return False
    return transpose(v) == v


def is_pd(v) -> bool:
    if isinstance(v, Leaf):
        return v.pd
    if isinstance(v, Inverse):
        return is_pd(v.arg)
    return isinstance(v, Identity)


# ----------------------------------------------------------------------------- building


def zeros(shape: Shape):
    return sp.Integer(0) if shape == (ONE, ONE) else Elem(sp.Integer(0), *shape)


def ones(shape: Shape):
    return ONE if shape == (ONE, ONE) else Elem(ONE, *shape)


def as_elem(v) -> sp.Expr:
    """The entrywise expression of a value: scalars as they are, nodes as atoms."""
    if is_scalar(v):
        return sp.sympify(v)
    if isinstance(v, Elem):
        return v.expr
    return atom(v)


def make_elem(e: sp.Expr, shape: Shape):
    """The canonical value of an elementwise expression of the given shape."""
    e = _simplify_ones(sp.sympify(e), shape)
    e = _recognize_softmax(e, shape)
    if shape == (ONE, ONE):
        return e
    if isinstance(e, Atom) and e.node.shape == shape:
        return e.node
    return Elem(e, *shape)


def _simplify_ones(e: sp.Expr, shape: Shape) -> sp.Expr:
    """A constant matrix atom (𝟏𝟏ᵀ, a ones vector) inside an elementwise expression is its value."""
    const = {a: a.node.expr for a in matrix_atoms(e) if is_constant_elem(a.node)}
    return e.xreplace(const) if const else e


def _recognize_softmax(e: sp.Expr, shape: Shape) -> sp.Expr:
    """exp(z) / sum(exp(z)) is softmax(z), for a column vector z."""
    if shape[1] != 1:
        return e
    for s in atoms_of(e):
        node = s.node
        if (isinstance(node, SumAll) and isinstance(node.arg, Elem)
                and node.arg.shape == shape and isinstance(node.arg.expr, sp.exp)):
            ez = node.arg.expr
            candidate = e.subs(ez, atom(Softmax(make_elem(ez.args[0], shape))) * s)
            if not candidate.has(ez) and sp.count_ops(candidate) <= sp.count_ops(e):
                e = candidate
    return e


def _check_same(op: str, a, b) -> Shape:
    sa, sb = shape_of(a), shape_of(b)
    if sa == (ONE, ONE):
        return sb
    if sb == (ONE, ONE) or sa == sb:
        return sa
    raise ShapeError(f"{op}: shapes {show_shape(sa)} and {show_shape(sb)} differ "
                     "(elementwise operations need equal shapes or a scalar)")


def add(*vs):
    """Sum (a scalar broadcasts)."""
    shape = (ONE, ONE)
    for v in vs:
        s = shape_of(v)
        if shape == (ONE, ONE):
            shape = s
        elif s not in (shape, (ONE, ONE)):
            raise ShapeError(f"sum: shapes {show_shape(shape)} and {show_shape(s)} differ "
                             "(elementwise operations need equal shapes or a scalar)")
    return make_elem(sp.Add(*(as_elem(v) for v in vs)), shape)


def sub(a, b):
    return add(a, mul(-1, b))


def mul(a, b):
    """Elementwise (Hadamard) product, or a scalar multiple."""
    shape = _check_same("elementwise product", a, b)
    return make_elem(as_elem(a) * as_elem(b), shape)


def div(a, b):
    """Elementwise division (a scalar broadcasts)."""
    shape = _check_same("division", a, b)
    return make_elem(as_elem(a) / as_elem(b), shape)


def power(a, b):
    """Elementwise power."""
    shape = _check_same("power", a, b)
    return make_elem(as_elem(a) ** as_elem(b), shape)


def apply(fn, a):
    """An elementwise function (exp, log, σ, …) applied entry by entry."""
    return make_elem(fn(as_elem(a)), shape_of(a))


def neg(a):
    return mul(-1, a)


def _split_scalar(v):
    """(c, node) with v = c·node and c a scalar, for an Elem that is a multiple of one atom."""
    if isinstance(v, Elem):
        mats = matrix_atoms(v.expr)
        e = sp.factor_terms(v.expr) if isinstance(v.expr, sp.Add) else v.expr
        c, rest = e.as_independent(*mats, as_Add=False) if mats else (e, ONE)
        if c != 1:
            return c, make_elem(rest, v.shape)
    return ONE, v


def matmul(*vs):
    """Matrix product F₁F₂…F_k with shape checks and canonical form (see module doc).

    Scalars are allowed here (they multiply); the front end refuses ``@`` with a
    scalar operand, as NumPy does.
    """
    coeff, nodes = ONE, []
    for v in vs:
        if is_scalar(v):
            coeff *= v
            continue
        c, v = _split_scalar(v)
        coeff *= c
        nodes.extend(v.factors if isinstance(v, MatMul) else [v])
    for left, right in zip(nodes, nodes[1:], strict=False):
        if left.shape[1] != right.shape[0]:
            raise ShapeError(f"matrix product: shapes {show_shape(left.shape)} and "
                             f"{show_shape(right.shape)} do not fit "
                             f"({left.shape[1]} columns against {right.shape[0]} rows)")
    if not nodes:
        return coeff
    shape = (nodes[0].shape[0], nodes[-1].shape[1])
    if any(is_zero(f) for f in nodes) or coeff == 0:
        return zeros(shape)
    nodes = _merge_constants(nodes)
    nodes = [f for f in nodes if not isinstance(f, Identity)] or [nodes[0]]
    nodes, scalars = _pull_inner_products(nodes)
    coeff *= scalars
    if len(nodes) == 1:
        return make_elem(coeff * as_elem(nodes[0]), shape)
    if shape == (ONE, ONE):
        return coeff * _inner_atom(tuple(nodes))
    return make_elem(coeff * atom(MatMul(tuple(nodes))), shape)


def _merge_constants(nodes: list[Node]) -> list[Node]:
    """𝟏𝟏ᵀ products and row sums of row-stochastic matrices, done at once."""
    out: list[Node] = []
    for f in nodes:
        prev = out[-1] if out else None
        if prev is not None and is_constant_elem(prev) and is_constant_elem(f):
            out[-1] = Elem(prev.expr * f.expr * prev.shape[1], prev.shape[0], f.shape[1])
        elif (prev is not None and is_constant_elem(f)
              and isinstance(prev, Leaf) and prev.stochastic):
            out[-1] = Elem(f.expr, prev.shape[0], f.shape[1])  # Y𝟏 = 𝟏 (rows sum to one)
        else:
            out.append(f)
    return out


def _pull_inner_products(nodes: list[Node]) -> tuple[list[Node], sp.Expr]:
    """Take every 1×1 sub-product uᵀ…v out of a longer chain as a scalar."""
    scalars = ONE
    changed = True
    while changed and len(nodes) > 1:
        changed = False
        for i, f in enumerate(nodes):
            if f.shape[0] != 1:
                continue
            for j in range(i, len(nodes)):
                if nodes[j].shape[1] == 1:
                    if (i, j) == (0, len(nodes) - 1) or i == j:
                        break
                    scalars *= _inner_atom(tuple(nodes[i:j + 1]))
                    nodes = nodes[:i] + nodes[j + 1:]
                    changed = True
                    break
            if changed:
                break
    return nodes, scalars


def _chain_transpose(chain: tuple[Node, ...]) -> tuple[Node, ...]:
    return tuple(transpose(f) for f in reversed(chain))


def _inner_atom(chain: tuple[Node, ...]) -> sp.Expr:
    """A 1×1 product as a scalar atom in canonical orientation; xᵀx = ‖x‖²."""
    if len(chain) == 1:
        return as_elem(chain[0])
    flipped = _chain_transpose(chain)
    half = len(chain) // 2
    if len(chain) % 2 == 0 and _chain_transpose(chain[:half]) == chain[half:]:
        return norm(matmul(*chain[half:])) ** 2          # (Mv)ᵀ(Mv) = ‖Mv‖²
    best = min(chain, flipped, key=lambda c: (len(MatMul(c).key()), MatMul(c).key()))
    return atom(MatMul(best))


def transpose(v):
    """Vᵀ, pushed to the leaves."""
    if is_scalar(v):
        return v
    rule = _TRANSPOSE.get(type(v))
    return rule(v) if rule else Transpose(v)


def _transpose_leaf(v: Leaf):
    return v if (v.symmetric or v.pd) and v.rows == v.cols else Transpose(v)


def _transpose_inverse(v: Inverse):
    return v if is_symmetric(v.arg) else Transpose(v)


def _transpose_elem(v: Elem):
    swap = {a: as_elem(transpose(a.node)) for a in matrix_atoms(v.expr)}
    return make_elem(v.expr.xreplace(swap), (v.cols, v.rows))


_TRANSPOSE = {
    Leaf: _transpose_leaf,
    Transpose: lambda v: v.arg,
    Identity: lambda v: v,
    Diag: lambda v: v,
    Commutation: lambda v: Commutation(v.n, v.m),
    Kron: lambda v: Kron(transpose(v.left), transpose(v.right)),
    MatMul: lambda v: matmul(*_chain_transpose(v.factors)),
    Inverse: _transpose_inverse,
    Elem: _transpose_elem,
}


def _square(op: str, v) -> None:
    r, c = shape_of(v)
    if r != c:
        raise ShapeError(f"{op} needs a square matrix, got shape {show_shape((r, c))}")


def inverse(v):
    """V⁻¹ (X⁻ᵀ kept as the transpose of X⁻¹)."""
    _square("inv", v)
    if is_scalar(v):
        return 1 / v
    if isinstance(v, Identity):
        return v
    if isinstance(v, Inverse):
        return v.arg
    if isinstance(v, Transpose):
        return transpose(inverse(v.arg))
    if isinstance(v, MatMul) and all(f.shape[0] == f.shape[1] for f in v.factors):
        return matmul(*(inverse(f) for f in reversed(v.factors)))
    c, rest = _split_scalar(v)
    if c != 1:
        return matmul(1 / c, inverse(rest))
    return Inverse(v)


def det(v):
    """det V: multiplicative, det Vᵀ = det V, det(cV) = cⁿ det V."""
    _square("det", v)
    if is_scalar(v):
        return v
    if isinstance(v, Identity):
        return ONE
    if isinstance(v, Transpose):
        return det(v.arg)
    if isinstance(v, Inverse):
        return 1 / det(v.arg)
    if isinstance(v, MatMul) and all(f.shape[0] == f.shape[1] for f in v.factors):
        return sp.Mul(*(det(f) for f in v.factors))
    c, rest = _split_scalar(v)
    if c != 1:
        return c ** v.shape[0] * det(rest)
    return atom(Det(v))


def linear_terms(e: sp.Expr):
    """Split an elementwise expression into (coefficient, atom or None, rest) terms."""
    for term in sp.Add.make_args(sp.expand(e, deep=False, power_base=False,
                                           power_exp=False, log=False, multinomial=False)):
        mats = matrix_atoms(term)
        c, rest = term.as_independent(*mats, as_Add=False) if mats else (term, ONE)
        yield c, rest


def trace(v):
    """tr V: linear, cyclic, tr Vᵀ = tr V, tr(xyᵀ) = yᵀx."""
    _square("trace", v)
    if is_scalar(v):
        return v
    if isinstance(v, Identity):
        return v.n
    if isinstance(v, Transpose):
        return trace(v.arg)
    if isinstance(v, Diag):
        return sum_all(v.arg)
    if isinstance(v, Elem):
        return _linear_map(v, trace, lambda c: c * v.shape[0], Trace)
    if isinstance(v, MatMul):
        return _trace_chain(v.factors)
    return atom(Trace(v))


def _linear_map(v: Elem, fn, constant, node_type):
    """Apply a linear scalar map (tr, sum) term by term to an elementwise sum."""
    total = sp.Integer(0)
    for c, rest in linear_terms(v.expr):
        if rest == 1:
            total += constant(c)
        elif isinstance(rest, Atom):
            total += c * fn(rest.node)
        else:
            total += c * _nonlinear_scalar(node_type, make_elem(rest, v.shape))
    return total


def _nonlinear_scalar(node_type, v: Elem):
    if node_type is SumAll:
        pair = _hadamard_pair(v)
        if pair is not None:
            return inner(*pair)
    return atom(node_type(v))


def _hadamard_pair(v: Elem):
    """u ∘ v (or u ∘ u) for two plain matrix atoms, so that sum(u ∘ v) = ⟨u, v⟩."""
    e = v.expr
    if isinstance(e, sp.Pow) and isinstance(e.base, Atom) and e.exp == 2:
        return e.base.node, e.base.node
    if isinstance(e, sp.Mul) and len(e.args) == 2 and all(isinstance(a, Atom) for a in e.args):
        return e.args[0].node, e.args[1].node
    return None


def _trace_chain(factors: tuple[Node, ...]):
    rotations = [factors[i:] + factors[:i] for i in range(len(factors))]
    for rot in rotations:  # tr(x yᵀ …) = yᵀ … x: an inner product
        if rot[0].shape[0] == 1:
            return matmul(*rot)
    flipped = _chain_transpose(factors)
    rotations += [flipped[i:] + flipped[:i] for i in range(len(flipped))]
    best = min(rotations, key=lambda c: (MatMul(c).key()))
    if len(best) == 2 and transpose(best[0]) == best[1]:
        return norm(best[1]) ** 2
    return atom(Trace(MatMul(best)))


def inner(a, b):
    """⟨A, B⟩ = tr(AᵀB) = sum(A ∘ B)."""
    _check_same("inner product", a, b)
    if is_scalar(a) or is_scalar(b):
        return sum_all(mul(a, b))
    if a == b:
        return norm(a) ** 2
    if a.shape[1] == 1:
        return matmul(transpose(a), b)
    return trace(matmul(transpose(a), b))


def sum_all(v):
    """sum(V) = 𝟏ᵀV𝟏, linear; a probability vector sums to one."""
    if is_scalar(v):
        return v
    if isinstance(v, Transpose):
        return sum_all(v.arg)
    if isinstance(v, Leaf) and v.stochastic and v.cols == 1:
        return ONE
    if isinstance(v, Softmax) and v.shape[1] == 1:
        return ONE
    if isinstance(v, Elem):
        return _linear_map(v, sum_all, lambda c: c * v.shape[0] * v.shape[1], SumAll)
    return atom(SumAll(v))


def norm(v):
    """‖v‖₂ (vectors) or ‖V‖_F (matrices)."""
    if is_scalar(v):
        return sp.Abs(v)
    if isinstance(v, Transpose):
        return norm(v.arg)
    c, rest = _split_scalar(v)
    if c != 1 and c.is_real:
        return sp.Abs(c) * norm(rest)
    return atom(Norm(v))


def softmax(v):
    """softmax of a column vector, or row by row for a matrix."""
    if is_scalar(v):
        raise ShapeError("softmax needs a vector or a matrix, got a scalar")
    return Softmax(v)


def diag(v):
    """diag(v) for a vector (a diagonal matrix) or diag(M) for a square matrix (a vector)."""
    if is_scalar(v):
        raise ShapeError("diag needs a vector or a square matrix, got a scalar")
    r, c = v.shape
    if c == 1:
        if is_constant_elem(v):
            return matmul(v.expr, Identity(r))
        return Diag(v)
    if r == 1:
        return diag(transpose(v))
    _square("diag", v)
    if isinstance(v, Diag):
        return v.arg
    return DiagOf(v)


def outer(u, v):
    """u vᵀ for two vectors."""
    for name, w in (("first", u), ("second", v)):
        if is_scalar(w) or (w.shape[1] != 1 and w.shape[0] != 1):
            raise ShapeError(f"outer needs vectors; its {name} argument has shape "
                             f"{show_shape(shape_of(w))}")
    u = u if u.shape[1] == 1 else transpose(u)
    v = v if v.shape[1] == 1 else transpose(v)
    return matmul(u, transpose(v))


def vec(v):
    """vec(V), columns stacked; scalars come out: vec(cV) = c vec(V)."""
    if is_scalar(v) or v.shape[1] == 1:
        return v
    c, rest = _split_scalar(v)
    if c != 1:
        return matmul(c, vec(rest))
    return Vec(v)


def kron(a, b):
    if is_scalar(a) or is_scalar(b):
        return matmul(a, b)
    return Kron(a, b)


# ----------------------------------------------------------------------------- traversal


def rebuild(v: Node, children: list):
    """The node of the same type over new children, through the smart constructors."""
    builder = _REBUILD[type(v)]
    return builder(v, children)


_REBUILD = {
    MatMul: lambda v, cs: matmul(*cs),
    Transpose: lambda v, cs: transpose(cs[0]),
    Inverse: lambda v, cs: inverse(cs[0]),
    Softmax: lambda v, cs: softmax(cs[0]),
    Diag: lambda v, cs: diag(cs[0]),
    DiagOf: lambda v, cs: diag(cs[0]),
    Det: lambda v, cs: det(cs[0]),
    Trace: lambda v, cs: trace(cs[0]),
    Norm: lambda v, cs: norm(cs[0]),
    SumAll: lambda v, cs: sum_all(cs[0]),
    Vec: lambda v, cs: vec(cs[0]),
    Kron: lambda v, cs: kron(cs[0], cs[1]),
}


def walk(v) -> Iterable[Node]:
    """Every node in ``v`` (scalars: inside their atoms), parents first."""
    if is_scalar(v):
        for a in atoms_of(sp.sympify(v)):
            yield from walk(a.node)
        return
    yield v
    for c in v.children:
        yield from walk(c)
