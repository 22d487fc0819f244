"""``workbench critical``: every real critical point of EXPR, classified."""

from __future__ import annotations

from ..symbolic.calculus import critical_points
from .common import add_expr_args, emit, number, read_function, text


def register(sub) -> None:
    p = sub.add_parser("critical", help="critical points of EXPR, classified",
                       description="Solve grad f = 0 (exactly where possible) and classify each "
                                   "point by the eigenvalues of the Hessian.")
    add_expr_args(p, at=False)
    p.set_defaults(run=run)


def run(args) -> int:
    f, names = read_function(args)
    found = critical_points(f, names)
    points = [{
        "point": {k: text(v) for k, v in p.point.items()},
        "numeric": p.numeric,
        "value": number(p.value),
        "value_exact": text(p.value),
        "kind": p.kind,
        "hessian_eigenvalues": p.eigenvalues,
        "exact": p.exact,
    } for p in found.points]
    data = {"variables": names, "points": points, "complete": found.complete,
            "method": found.method, "note": found.note}
    emit(args, data, _readable(data))
    return 0


def _readable(d: dict) -> str:
    lines = []
    for p in d["points"]:
        at = ", ".join(f"{k} = {v:.10g}" for k, v in p["numeric"].items())
        eig = ", ".join(f"{e:.6g}" for e in p["hessian_eigenvalues"])
        lines.append(f"({at}): {p['kind']}, f = {p['value']:.10g}, Hessian eigenvalues [{eig}]")
        if p["exact"]:
            lines.append("    exact: " + ", ".join(f"{k} = {v}" for k, v in p["point"].items()))
    if not lines:
        lines.append("no real critical points")
    lines.append("complete: " + ("yes" if d["complete"] else "not guaranteed") + f" ({d['note']})")
    return "\n".join(lines)
