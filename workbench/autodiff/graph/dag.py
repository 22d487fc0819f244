"""The graph itself: nodes vᵢ = φᵢ(inputs) in evaluation order, and what can be read off it.

A :class:`Graph` holds its nodes (inputs first, numbered v₋ₙ₊₁ … v₀, then the
intermediates v₁ … v_N), its outputs and any names given to nodes; it prints a
node's formula in text or LaTeX and composes named steps back into the inputs
(:meth:`Graph.inlined`).  The builders are in :mod:`.builders` and :mod:`.tracing`.

>>> from workbench.autodiff.graph import from_text
>>> g = from_text("x*y + x")
>>> [n.name for n in g.inputs], g.edge_count
(['v-1', 'v0'], 4)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import sympy as sp

from ...core.errors import InputError
from ...core.printing import to_latex, to_text
from ..primitives import PRIMITIVES


@dataclass(frozen=True)
class Node:
    """vᵢ = op(inputs; param).  Inputs of the function have ``op == "input"``."""

    index: int
    op: str
    inputs: tuple[int, ...] = ()
    param: sp.Expr | None = None
    variable: str = ""

    @property
    def name(self) -> str:
        return f"v{self.index}"

    @property
    def latex_name(self) -> str:
        return f"v_{{{self.index}}}"


@dataclass
class Graph:
    """Nodes in evaluation order (inputs first), the outputs, and any names given to nodes.

    ``source`` holds the expressions the graph was built from (when it was built
    from expressions); checks compare the graph against them, never against itself.
    """

    variables: list[str]
    nodes: list[Node]
    outputs: list[int]
    names: dict[str, int] = field(default_factory=dict)
    source: list[sp.Expr] | None = None
    reference: Callable | None = None
    definitions: dict[str, sp.Expr] = field(default_factory=dict)

    def __getitem__(self, index: int) -> Node:
        return self.nodes[index + len(self.variables) - 1]

    @property
    def inputs(self) -> list[Node]:
        return self.nodes[: len(self.variables)]

    @property
    def intermediates(self) -> list[Node]:
        return self.nodes[len(self.variables):]

    @property
    def output(self) -> int:
        if len(self.outputs) != 1:
            raise InputError(f"the graph has {len(self.outputs)} outputs; name one")
        return self.outputs[0]

    def label(self, index: int) -> str:
        """The user's name for node ``index`` (a variable or an assignment), else ''."""
        node = self[index]
        if node.variable:
            return node.variable
        return next((k for k, v in self.names.items() if v == index), "")

    def formula(self, node: Node) -> str:
        """The node's operation in text, on the names of its inputs: ``v1 + v2``."""
        if node.op == "input":
            return node.variable
        args = [f"v{i}" for i in node.inputs]
        if node.op == "shift" and node.param.could_extract_minus_sign():
            return f"{args[0]} - {to_text(-node.param)}"
        p = to_text(node.param) if node.param is not None else ""
        if node.op in ("powc", "cpow") and not (node.param.is_Integer and node.param >= 0
                                                 or node.param.is_Symbol or node.param is sp.pi):
            p = f"({p})"
        return PRIMITIVES[node.op].text.format(*args, p=p)

    def formula_latex(self, node: Node, names: dict[int, str] | None = None) -> str:
        """The node's operation in LaTeX: ``v_{1} + v_{2}`` (or on ``names`` of the inputs)."""
        if node.op == "input":
            return to_latex(sp.Symbol(node.variable))
        names = names or {}
        args = [names.get(i, self[i].latex_name) for i in node.inputs]
        if node.op == "shift" and node.param.could_extract_minus_sign():
            return f"{args[0]} - {to_latex(-node.param)}"
        p = to_latex(node.param) if node.param is not None else ""
        if node.op == "cpow" and not (node.param.is_Integer and node.param >= 0):
            p = rf"\left({p}\right)"
        return PRIMITIVES[node.op].latex.format(*args, p=p)

    def inlined(self) -> dict[str, sp.Expr]:
        """Each named step in terms of the inputs only (names substituted away)."""
        out: dict[str, sp.Expr] = {}
        for name, expr in self.definitions.items():
            out[name] = expr.subs(inlined_subs(out), simultaneous=True)
        return out

    @property
    def edge_count(self) -> int:
        """P = Σᵢ arity(φᵢ): the number of local partials, one per (node, input) pair."""
        return sum(len(n.inputs) for n in self.intermediates)


def inlined_subs(inlined: dict[str, sp.Expr]) -> dict[sp.Symbol, sp.Expr]:
    """{name symbol: its expression in the inputs} for substituting named steps away."""
    return {sp.Symbol(k, real=True): v for k, v in inlined.items()}
