"""What derivatives cost: forward mode, reverse mode and finite differences, counted.

For a graph with n inputs, m outputs, N primitive operations and P edges (local
partials, P = Σ arity), count one unit per primitive evaluation, per local
partial, and per chain-rule multiply-add.  The full m × n Jacobian then costs

=====================  ===========================  ==============================
method                 operations                   memory beyond evaluation
=====================  ===========================  ==============================
forward mode           n · (N + 2P)  (n sweeps)     none: tangents live and die
                                                    with their values
reverse mode           (N + P) + m · P              the tape: N values + P partials
                       (1 recorded pass, m sweeps)
forward differences    (n + 1) · N                  none
central differences    2n · N                       none
=====================  ===========================  ==============================

so forward mode pays per *input* and reverse mode per *output*: a loss
ℝ^1000000 → ℝ takes one reverse sweep and a million forward ones.  Autodiff is
exact up to round-off; a difference quotient has truncation error O(h) or O(h²)
and round-off error ≈ ε·|f|/h, which is why its step cannot be made tiny
(:func:`difference_errors` measures both on the actual function).

>>> from workbench.autodiff.graph import from_text
>>> c = costs(from_text("exp(x1 + x2**3)*x3 + sqrt(x3*sin(pi/2*(x1 - x2)))"))
>>> (c.n, c.m, c.N, c.P)
(3, 1, 10, 15)
>>> [m.operations for m in c.methods]
[120, 40, 40, 60]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import sympy as sp

from ..numerics.finite_diff import EPS as EPS
from ..symbolic.calculus import symbols
from .graph import Graph
from .trace import FLOAT, primal, read_point


@dataclass
class MethodCost:
    """The full Jacobian by one method: sweeps, operations, stored values, accuracy."""

    method: str
    sweeps: str
    operations: int
    stored: int
    per_input: int   # extra operations when one input is added
    per_output: int  # extra operations when one output is added
    accuracy: str


@dataclass
class Costs:
    n: int
    m: int
    N: int
    P: int
    live: int  # peak number of values alive at once during a plain evaluation
    methods: list[MethodCost] = field(default_factory=list)

    def method(self, name: str) -> MethodCost:
        return next(m for m in self.methods if m.method.startswith(name))


def peak_live(graph: Graph) -> int:
    """Most values alive at once when evaluating in order and freeing after the last use."""
    last_use = {n.index: n.index for n in graph.nodes}
    for n in graph.intermediates:
        for k in n.inputs:
            last_use[k] = max(last_use[k], n.index)
    end = max(n.index for n in graph.nodes) + 1
    for i in graph.outputs:
        last_use[i] = end
    live, peak = len(graph.variables), len(graph.variables)
    for n in graph.intermediates:
        live += 1
        peak = max(peak, live)
        live -= sum(1 for k, last in last_use.items() if last == n.index and k != n.index)
    return peak


def costs(graph: Graph, n: int | None = None, m: int | None = None) -> Costs:
    """Operation and memory counts of each method for this graph's N and P.

    ``n``/``m`` override the number of inputs/outputs (the graph's own by
    default) to ask "what if this were one layer of a model with a million inputs".
    """
    n = len(graph.variables) if n is None else n
    m = len(graph.outputs) if m is None else m
    N, P = len(graph.intermediates), graph.edge_count
    sweep = N + 2 * P
    c = Costs(n, m, N, P, peak_live(graph))
    c.methods = [
        MethodCost("forward mode", f"{n} (one per input)", n * sweep, 0, sweep, 0,
                   "exact up to round-off"),
        MethodCost("reverse mode", f"1 taped + {m} backward (one per output)",
                   N + P + m * P, N + P, 0, P, "exact up to round-off"),
        MethodCost("forward differences", f"{n + 1} evaluations", (n + 1) * N, 0, N, 0,
                   "truncation O(h) + round-off ε|f|/h; best h ≈ ε^(1/2)·scale, error ≈ 1e-8"),
        MethodCost("central differences", f"{2 * n} evaluations", 2 * n * N, 0, 2 * N, 0,
                   "truncation O(h²) + round-off ε|f|/h; best h ≈ ε^(1/3)·scale, error ≈ 1e-11"),
    ]
    return c


@dataclass
class StepError:
    h: float
    forward: float
    central: float


def difference_errors(graph: Graph, point: Mapping, variable: str,
                      steps: Sequence[float] = (1e-1, 1e-3, 1e-5, 1e-8, 1e-11, 1e-14)
                      ) -> list[StepError]:
    """|difference quotient − ∂f/∂x| / max(1, |∂f/∂x|) in float64 for each step h.

    The reference derivative is SymPy's, at 50 digits.  Large h shows truncation
    error, small h round-off: the error curve is a V, lowest near √ε (forward)
    and ∛ε (central).
    """
    if graph.source is None:
        raise ValueError("difference_errors needs a graph built from an expression")
    pt = read_point(graph, point)
    xs = symbols(graph.variables)
    subs = {x: pt[x.name] for x in xs}
    x = xs[graph.variables.index(variable)]
    truth = float(sp.N(sp.diff(graph.source[0], x).subs(subs), 50))
    base = {v: float(sp.N(pt[v], 20)) for v in graph.variables}

    def f(delta: float) -> float:
        shifted = dict(base)
        shifted[variable] = base[variable] + delta
        rows = primal(graph, read_point(graph, shifted, FLOAT), FLOAT)
        return float(rows[graph.output + len(graph.variables) - 1].value)

    out, f0, scale = [], f(0.0), max(1.0, abs(truth))
    for h in steps:
        fh = f(h)
        fwd = (fh - f0) / h
        cen = (fh - f(-h)) / (2 * h)
        out.append(StepError(h, abs(fwd - truth) / scale, abs(cen - truth) / scale))
    return out
