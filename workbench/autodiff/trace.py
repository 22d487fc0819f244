"""Forward- and reverse-mode sweeps over a computation graph, and the products they give.

**Forward mode** carries a tangent v̇ᵢ = ∂vᵢ/∂t along with every value, for the
inputs moving as x = x₀ + t·d (the *seed* direction d)::

    v̇ᵢ = Σ_{k ∈ inputs(i)} (∂vᵢ/∂vₖ) · v̇ₖ,        v̇_input = dᵢ

so one sweep gives the directional derivative ∇f·d, or J·d for F: ℝⁿ → ℝᵐ (a JVP).

**Reverse mode** first evaluates and records every value (the tape), then sweeps
backwards with adjoints v̄ᵢ = ∂y/∂vᵢ, summing over the children of each node::

    v̄_output = 1,        v̄ₖ = Σ_{i ∈ children(k)} v̄ᵢ · ∂vᵢ/∂vₖ

so one sweep gives the whole gradient, or uᵀJ for a cotangent u (a VJP).

**Hessian-vector products** run the reverse sweep on dual numbers x + d·ε
(forward-over-reverse): the adjoints' ε-parts are ∇²f·d, at a small multiple of
the cost of one gradient, without forming the Hessian.

Every local partial comes from :data:`workbench.autodiff.primitives.PRIMITIVES`.  Where a
partial does not exist (√ at 0, a kink), the row is *flagged* with the reason and
everything that depends on it through the chain rule is undefined (``None``),
never an inf or nan dressed up as a number.

>>> from workbench.autodiff.graph import from_text
>>> g = from_text("exp(x1 + x2**3)*x3 + sqrt(x3*sin(pi/2*(x1 - x2)))")
>>> forward(g, {"x1": 2, "x2": 1, "x3": 1}, "x1").derivative
exp(3)
>>> reverse(g, {"x1": 2, "x2": 1, "x3": 1}).gradient
{'x1': exp(3), 'x2': 3*exp(3), 'x3': 1/2 + exp(3)}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
import sympy as sp

from ..core.errors import DomainError, InputError, ShapeError
from ..core.parse import parse_number
from ..core.printing import to_text
from .graph import Graph, Node
from .primitives import EXACT, FLOAT, PRIMITIVES, Dual, DualAlgebra


class Term(NamedTuple):
    """One chain-rule summand: through ``node`` (the input k in forward mode, the child j in
    reverse mode), at input ``position`` of the node that uses the other, with its value."""

    node: int
    position: int
    value: Any


@dataclass
class Row:
    """One node of a trace: value, local partials and tangent or adjoint.

    ``partials[k]`` is ∂vᵢ/∂(k-th input); all are ``None`` when ``singular`` says
    why they do not exist.  ``terms`` are the chain-rule summands (:class:`Term`):
    forward ∂vᵢ/∂vₖ · v̇ₖ over the inputs k, reverse v̄ⱼ · ∂vⱼ/∂vᵢ over the children j.
    ``None`` in a tangent, adjoint or term means undefined.
    """

    node: Node
    value: Any
    partials: tuple = ()
    singular: str | None = None
    tangent: Any = None
    adjoint: Any = None
    terms: list[Term] = field(default_factory=list)


@dataclass
class Trace:
    """The rows of one sweep and what it computed."""

    graph: Graph
    mode: str  # "forward" | "reverse"
    algebra: str
    point: dict[str, Any] | None  # None: a symbolic trace
    rows: list[Row]
    seed: dict[str, Any] = field(default_factory=dict)  # forward: the direction d
    cotangent: list[Any] = field(default_factory=list)  # reverse: ū on the outputs

    def row(self, index: int) -> Row:
        return self.rows[index + len(self.graph.variables) - 1]

    @property
    def flags(self) -> list[str]:
        """'v9: reason' for every node whose local partials do not exist."""
        return [f"{r.node.name}: {r.singular}" for r in self.rows if r.singular]

    @property
    def value(self) -> Any:
        """The (single) output's value."""
        return self.row(self.graph.output).value

    @property
    def values(self) -> list[Any]:
        return [self.row(i).value for i in self.graph.outputs]

    @property
    def derivative(self) -> Any:
        """Forward: the output's tangent ∇f·d (``None`` when undefined)."""
        return self.row(self.graph.output).tangent

    @property
    def jvp(self) -> list[Any]:
        """Forward: J·d, one tangent per output."""
        return [self.row(i).tangent for i in self.graph.outputs]

    @property
    def gradient(self) -> dict[str, Any]:
        """Reverse: {variable: x̄} (``None`` where undefined)."""
        return {n.variable: self.row(n.index).adjoint for n in self.graph.inputs}


# ----------------------------------------------------------------------------- inputs

def _number(value, algebra):
    if isinstance(value, Dual):
        return value
    if isinstance(value, str):
        value = parse_number(value)
    if isinstance(value, float):
        value = sp.Rational(repr(value))  # 0.1 means 1/10, as the parser reads it
    value = sp.sympify(value)
    if not value.is_number and algebra is not EXACT:
        raise InputError(f"a {algebra.name} trace needs numbers, got {to_text(value)}")
    return algebra.const(value) if value.is_number else value


def read_point(graph: Graph, point: Mapping[str, Any] | None, algebra=EXACT) -> dict | None:
    """The point as {variable: number in ``algebra``}; every variable exactly once."""
    if point is None:
        return None
    missing = [v for v in graph.variables if v not in point]
    extra = [k for k in point if k not in graph.variables]
    if missing or extra:
        parts = ([f"missing {', '.join(missing)}"] if missing else []) + (
            [f"unknown {', '.join(map(str, extra))}"] if extra else [])
        raise InputError(f"point: {'; '.join(parts)} (variables: {', '.join(graph.variables)})")
    return {v: _number(point[v], algebra) for v in graph.variables}


def read_seed(graph: Graph, seed: str | Mapping | Sequence | None) -> dict[str, sp.Expr]:
    """The seed direction d: a variable name (a unit vector), {variable: dᵢ} or a list."""
    names = graph.variables
    if seed is None:
        seed = names[0]
    if isinstance(seed, str):
        if seed not in names:
            raise InputError(f"unknown seed variable {seed!r} (variables: {', '.join(names)})")
        return {v: sp.Integer(int(v == seed)) for v in names}
    if isinstance(seed, Mapping):
        unknown = [k for k in seed if k not in names]
        if unknown:
            raise InputError(f"unknown seed variable(s) {', '.join(map(str, unknown))} "
                             f"(variables: {', '.join(names)})")
        return {v: _number(seed.get(v, 0), EXACT) for v in names}
    seed = list(seed)
    if len(seed) != len(names):
        raise ShapeError(f"seed direction has {len(seed)} components, expected {len(names)} "
                         f"({', '.join(names)})")
    return {v: _number(s, EXACT) for v, s in zip(names, seed, strict=True)}


def _show(v) -> str:
    v = v.v if isinstance(v, Dual) else v
    return to_text(v) if isinstance(v, sp.Basic) else f"{float(v):g}"


def _where(point: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={_show(v)}" for k, v in point.items())


# ----------------------------------------------------------------------------- sweeps

def _param(node: Node, algebra):
    return algebra.const(node.param) if node.param is not None else None


def primal(graph: Graph, point: Mapping[str, Any] | None, algebra=EXACT) -> list[Row]:
    """Evaluate every node and its local partials; flag partials that do not exist.

    With ``point=None`` the inputs are symbols and the values are the nodes'
    expressions (a symbolic trace, exact algebra only).
    """
    values: dict[int, Any] = {}
    if point is None:
        if algebra is not EXACT:
            raise InputError("a symbolic trace (no point) needs the exact algebra")
        values = {n.index: sp.Symbol(n.variable, real=True) for n in graph.inputs}
    else:
        values = {n.index: point[n.variable] for n in graph.inputs}
    rows = [Row(n, values[n.index]) for n in graph.inputs]
    with np.errstate(all="ignore"):  # float sweeps report inf/nan through problem()
        for node in graph.intermediates:
            rows.append(_primal_row(graph, node, values, algebra, point))
    return rows


def _primal_row(graph, node, values, algebra, point) -> Row:
    prim, p = PRIMITIVES[node.op], _param(node, algebra)
    args = [values[k] for k in node.inputs]
    value = prim.value(algebra, p, *args)
    problem = algebra.problem(value)
    if problem:
        given = ", ".join(f"v{k} = {_show(values[k])}" for k in dict.fromkeys(node.inputs))
        raise DomainError(f"the point {_where(point or {})} is outside the domain: "
                          f"{node.name} = {graph.formula(node)} {problem} at {given}")
    values[node.index] = value
    singular = prim.singular(algebra, p, *args) if prim.singular else None
    partials = (None,) * len(args)
    if not singular:
        partials = tuple(prim.partials(algebra, p, value, *args))
        bad = [k for k, d in zip(node.inputs, partials, strict=True) if algebra.problem(d)]
        if bad:
            singular = f"the local partial ∂{node.name}/∂v{bad[0]} is not finite"
            partials = (None,) * len(args)
    return Row(node, value, partials, singular)


def _add(a, b):
    return None if a is None or b is None else a + b


def forward(graph: Graph, point: Mapping[str, Any] | None, seed=None, algebra=EXACT) -> Trace:
    """Evaluation and tangent trace along the seed direction (a variable, dict or list)."""
    pt = read_point(graph, point, algebra)
    d = read_seed(graph, seed)
    rows = primal(graph, pt, algebra)
    by_index = {r.node.index: r for r in rows}
    reached = set()
    for r in rows[: len(graph.variables)]:
        r.tangent = algebra.const(d[r.node.variable])
        if d[r.node.variable] != 0:
            reached.add(r.node.index)
    for r in rows[len(graph.variables):]:
        _tangent(r, by_index, reached)
    return Trace(graph, "forward", algebra.name, pt, rows, seed=d)


def _tangent(r: Row, by_index: dict[int, Row], reached: set[int]) -> None:
    if not any(k in reached for k in r.node.inputs):
        r.tangent = 0  # does not depend on the seeded inputs at all, singular or not
        return
    reached.add(r.node.index)
    total: Any = 0
    for pos, (k, d) in enumerate(zip(r.node.inputs, r.partials, strict=True)):
        t = by_index[k].tangent
        term = None if d is None or t is None else d * t
        r.terms.append(Term(k, pos, term))
        total = _add(total, term)
    r.tangent = total


def reverse(graph: Graph, point: Mapping[str, Any] | None, cotangent=None,
            algebra=EXACT) -> Trace:
    """Tape, then adjoints by the sum-over-children rule: the gradient (or uᵀJ) in one sweep.

    ``cotangent`` weights the outputs (default 1 for a single output).
    """
    pt = read_point(graph, point, algebra)
    u = _cotangent(graph, cotangent)
    rows = primal(graph, pt, algebra)
    by_index = {r.node.index: r for r in rows}
    for r in rows:
        r.adjoint = 0
    reached = set()
    for i, ui in zip(graph.outputs, u, strict=True):
        ui = algebra.const(ui)
        by_index[i].adjoint = _add(by_index[i].adjoint, ui)
        if ui != 0:
            reached.add(i)
    for r in reversed(rows[len(graph.variables):]):
        if r.node.index not in reached:
            continue
        for pos, (k, d) in enumerate(zip(r.node.inputs, r.partials, strict=True)):
            term = None if d is None or r.adjoint is None else r.adjoint * d
            parent = by_index[k]
            parent.terms.append(Term(r.node.index, pos, term))
            parent.adjoint = _add(parent.adjoint, term)
            reached.add(k)
    for r in rows:  # the sum over children, listed in evaluation order
        r.terms.sort(key=lambda t: (t.node, t.position))
    return Trace(graph, "reverse", algebra.name, pt, rows, cotangent=u)


def _cotangent(graph: Graph, cotangent) -> list:
    if cotangent is None:
        graph.output  # noqa: B018 - raises for several outputs: a cotangent is needed
        return [sp.Integer(1)]
    u = [sp.sympify(c) for c in (cotangent if isinstance(cotangent, Sequence) else [cotangent])]
    if len(u) != len(graph.outputs):
        raise ShapeError(f"cotangent has {len(u)} components, the graph has "
                         f"{len(graph.outputs)} outputs")
    return u


# ----------------------------------------------------------------------------- products

def jvp(graph: Graph, point: Mapping[str, Any], direction, algebra=EXACT) -> list:
    """J·d by one forward sweep (one entry per output; ``None`` where undefined)."""
    return forward(graph, point, direction, algebra).jvp


def vjp(graph: Graph, point: Mapping[str, Any], cotangent=None, algebra=EXACT) -> dict:
    """uᵀJ by one reverse sweep, as {variable: value}."""
    return reverse(graph, point, cotangent, algebra).gradient


@dataclass
class HVP:
    """Forward-over-reverse: the gradient and ∇²f·d from one dual-number reverse sweep."""

    gradient: dict[str, Any]
    hvp: dict[str, Any]
    direction: dict[str, Any]
    flags: list[str]
    algebra: str = EXACT.name  # the base algebra of the dual numbers (sets the tolerance)


def hvp(graph: Graph, point: Mapping[str, Any], direction, algebra=EXACT) -> HVP:
    """∇²f(x)·d without forming ∇²f: reverse mode run on dual numbers x + d·ε."""
    d = read_seed(graph, direction)
    base = read_point(graph, point, algebra)
    dual = DualAlgebra(algebra)
    lifted = {v: Dual(base[v], algebra.const(d[v])) for v in graph.variables}
    trace = reverse(graph, lifted, algebra=dual)

    def part(x, which):
        if x is None:
            return None
        return getattr(x, which) if isinstance(x, Dual) else (x if which == "v" else 0)

    grad = {k: part(g, "v") for k, g in trace.gradient.items()}
    hv = {k: part(g, "t") for k, g in trace.gradient.items()}
    return HVP(grad, hv, d, trace.flags, algebra.name)


def bar(name: str) -> sp.Symbol:
    """The adjoint symbol of a named step: ``z`` → ``z_bar`` (printed as z̄ by the sheets)."""
    return sp.Symbol(f"{name}_bar", real=True)


def backward_equations(graph: Graph) -> list[tuple[str, sp.Expr, list[tuple[str, sp.Expr]]]]:
    """The backward pass on named steps, as lecture notes write it.

    For the output 𝓛̄ = 1; then for every other name X, latest first, and for each
    input::

        X̄ = Σ_{named steps C using X} C̄ · ∂C/∂X

    with ∂C/∂X the local partial of C's own definition (other names held fixed).
    Returns ``(X, X̄ as an expression in names and bars, [(C, ∂C/∂X), ...])``.
    """
    if not graph.definitions:
        raise InputError("backward equations need a graph built from named steps")
    names = list(graph.definitions)
    out = [(names[-1], sp.Integer(1), [])]
    for x in list(reversed(names[:-1])) + graph.variables:
        sym = sp.Symbol(x, real=True)
        parts = [(c, sp.diff(graph.definitions[c], sym)) for c in names
                 if sym in graph.definitions[c].free_symbols]
        out.append((x, sum((bar(c) * d for c, d in parts), sp.Integer(0)), parts))
    return out


__all__ = ["EXACT", "FLOAT", "HVP", "Row", "Term", "Trace", "backward_equations", "bar",
           "forward", "hvp", "jvp", "primal", "read_point", "read_seed", "reverse", "vjp"]
