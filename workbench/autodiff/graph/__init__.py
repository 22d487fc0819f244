"""Computation graphs: a function as a DAG of primitive operations.

Autodiff never sees a formula; it sees the sequence of primitive operations that
evaluates it.  Following the seeds' notation (Griewank's), the n inputs are
numbered v₋ₙ₊₁ … v₀ and the intermediates v₁ … v_N in topological order, each
vᵢ = φᵢ(its inputs) with φᵢ a primitive of :data:`workbench.autodiff.primitives.PRIMITIVES`.
A subexpression used twice is computed once: nodes are hash-consed on
(operation, inputs, constant).

Four ways to build a graph:

* :func:`from_text` - from math text, keeping the structure as written (the
  safe parser's validated tree is walked with tracers; nothing is evaluated);
* :func:`from_expr` - from a parsed SymPy expression (or several, for F: ℝⁿ → ℝᵐ);
* :func:`from_assignments` - from named steps, as lecture notes write a forward
  pass (``z = w*x + b``, ``y = sigmoid(z)``, ...); the names stay on their nodes;
* :func:`from_function` - by running a plain Python function on tracer objects
  that record every operation (operator overloading, as in micrograd).

The package: :mod:`.dag` (the graph and its queries), :mod:`.builders`
(:func:`from_expr`, :func:`from_assignments`) and :mod:`.tracing`
(:func:`from_text`, :func:`from_function`).

>>> from workbench.core.parse import parse
>>> g = from_expr(parse("exp(x1 + x2**3)*x3"), ["x1", "x2", "x3"])
>>> [f"{n.name} = {g.formula(n)}" for n in g.intermediates]
['v1 = v-1**3', 'v2 = v-2 + v1', 'v3 = exp(v2)', 'v4 = v0*v3']
"""

from __future__ import annotations

from .builders import from_assignments, from_expr
from .dag import Graph, Node, inlined_subs
from .tracing import Tracer, from_function, from_text, ops

__all__ = ["Graph", "Node", "Tracer", "from_assignments", "from_expr", "from_function",
           "from_text", "inlined_subs", "ops"]
