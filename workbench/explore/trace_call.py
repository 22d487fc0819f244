"""``workbench trace``: forward- or reverse-mode trace of an expression, checked.

    workbench trace "exp(x1 + x2**3)*x3 + sqrt(x3*sin(pi/2*(x1 - x2)))" \\
        --at x1=2,x2=1,x3=1 --mode forward --seed x1

EXPR is one expression, or named steps separated by ``;``
(``"z = w*x + b; y = sigmoid(z); L = (y - t)**2/2"``).  Without ``--at`` the
trace is symbolic.  Exit 0 when the trace agrees with SymPy and JAX, 1 when a
check fails or the chain rule breaks down at the point (flagged nodes), 2 on
bad input.

The body is shared by the command and :func:`workbench.trace`:

>>> from types import SimpleNamespace
>>> opts = SimpleNamespace(expr="x*y", at="x=2,y=3", wrt=None, mode=None, seed=None,
...                        hvp=None, costs=False, float=False, figure=None)
>>> run(opts)["gradient"]        # ∇(xy) = (y, x)
{'x': 3.0, 'y': 2.0}
"""

from __future__ import annotations

from ..autodiff import tables
from ..autodiff.cost import costs
from ..autodiff.graph import Graph, from_assignments, from_text
from ..autodiff.trace import EXACT, FLOAT, forward, hvp, reverse
from ..certification.traces import check, check_hvp, one_sided
from ..core.errors import InputError
from ..core.parse import parse_assignments
from .result import Result


def _graph(args) -> Graph:
    wrt = [v.strip() for v in args.wrt.split(",") if v.strip()] if args.wrt else None
    if "=" in args.expr:
        return from_assignments([s for s in args.expr.split(";") if s.strip()], wrt)
    return from_text(args.expr, wrt)


def _direction(text: str | None):
    """A variable name, or name=value pairs (unnamed components are 0)."""
    if text is None or "=" not in text:
        return text.strip() if text else None
    return parse_assignments(text)


def _point(text: str | None) -> dict | None:
    return parse_assignments(text) if text else None


def run(args) -> Result:
    graph = _graph(args)
    point = _point(args.at)
    algebra = FLOAT if args.float else EXACT
    if args.float and point is None:
        raise InputError("--float needs a point (--at)")
    mode = args.mode or ("forward" if args.seed else "reverse")
    if args.seed and mode == "reverse":
        raise InputError("--seed is for forward mode; reverse mode gives the whole gradient")
    seed = _direction(args.seed)
    tr = (forward(graph, point, seed, algebra) if mode == "forward"
          else reverse(graph, point, algebra=algebra))
    checks = check(tr)
    data = tables.to_dict(tr, checks)
    extra = []
    if tr.flags and point is not None:
        data["one_sided"] = _diagnose(graph, point, tr, seed)
        extra += [f"  {k}: {v['note']}" for k, v in data["one_sided"].items()]
    if args.hvp:
        if point is None:
            raise InputError("--hvp needs a point (--at)")
        h = hvp(graph, point, _direction(args.hvp), algebra)
        hc = check_hvp(graph, point, h)
        checks += hc
        data["hvp"] = {"direction": {k: tables.exact(v) for k, v in h.direction.items()},
                       "value": {k: tables.approx(v) for k, v in h.hvp.items()},
                       "exact": {k: tables.exact(v) for k, v in h.hvp.items()},
                       "checks": [{"name": c.name, "passed": c.passed, "detail": c.detail}
                                  for c in hc]}
        extra.append("Hessian-vector product ∇²f·d = (" + ", ".join(
            f"{k}: {tables.shown(v)}" for k, v in h.hvp.items()) + ")")
        data["verified"] = data["verified"] and all(c.passed for c in hc)
    if args.costs:
        c = costs(graph)
        data["costs"] = {"n": c.n, "m": c.m, "N": c.N, "P": c.P, "peak_live": c.live,
                         "methods": [vars(m) for m in c.methods]}
        extra += ["", f"costs for the full Jacobian (n={c.n}, m={c.m}, N={c.N}, P={c.P}):"] + [
            f"  {m.method}: {m.operations} operations, {m.stored} stored values ({m.sweeps})"
            for m in c.methods]
    if args.figure:
        data["figure"] = str(tables.draw(tr, args.figure))
    ok = data["verified"] and not tr.flags
    return Result("trace", data, _readable(graph, tr, checks, extra), ok,
                  extra={"trace": tr, "latex_table": tables.latex_table(tr)})


def _diagnose(graph, point, tr, seed) -> dict:
    """Where the chain rule breaks down, ask the function itself from both sides."""
    if tr.mode == "forward":
        res = one_sided(graph, point, seed)
        return {"seed": vars(res)}
    return {v: vars(one_sided(graph, point, v)) for v in graph.variables}


def _readable(graph, tr, checks, extra) -> str:
    lines = [tables.text_table(tr), "", tables.summary(tr)]
    if tr.flags:
        lines.append("NOT AN ANSWER: the chain rule through the flagged node(s) is undefined.")
    lines += extra
    lines.append("")
    lines += [f"{'✓' if c.passed else '✗ FAILED'} {c.name}: {c.detail}" for c in checks]
    return "\n".join(lines)

