"""``workbench derive``: gradient (and Hessian) of an expression, with its certificate."""

from __future__ import annotations

import sympy as sp

from ..certification.scalar import certify
from ..core import limits
from ..core.errors import DomainError
from ..symbolic.calculus import gradient, hessian
from .common import add_expr_args, emit, number, read_function, read_point, text


def register(sub) -> None:
    p = sub.add_parser("derive", help="gradient and Hessian of EXPR, certified",
                       description="Differentiate EXPR exactly and certify the result against "
                                   "JAX autodiff, finite differences and 50-digit mpmath.")
    add_expr_args(p)
    p.add_argument("--hessian", action="store_true", help="also the Hessian")
    p.add_argument("--random", type=int, default=100, metavar="N",
                   help="random points for the certificate (default 100)")
    p.set_defaults(run=run)


def _at(exprs, subs):
    return [sp.simplify(e.subs(subs, simultaneous=True)) for e in exprs]


def run(args) -> int:
    limits.check("random_points", args.random, "--random")
    f, names = read_function(args)
    point = read_point(args.at, names)
    g = gradient(f, names)
    H = hessian(f, names) if args.hessian else None
    data: dict = {"variables": names, "expression": text(f), "gradient": [text(e) for e in g]}
    if H is not None:
        data["hessian"] = [[text(e) for e in row] for row in H.tolist()]
    points = [] if point is None else [point]
    cert = certify(f, names, points, n_random=args.random, with_hessian=H is not None,
                   grad=g, hess=H)
    if point is not None:
        if cert.verdict == "undefined":  # with a point given, only that point is undefined
            where = ", ".join(f"{k}={text(v)}" for k, v in point.items())
            raise DomainError(f"the point {where} is outside the domain of f "
                              f"(f is not real and finite there)")
        subs = {s: point[str(s)] for s in f.free_symbols}
        value = sp.simplify(f.subs(subs))
        grad_value = _at(g, subs)
        data.update(value=number(value), value_exact=text(value),
                    gradient_value=[number(v) for v in grad_value],
                    gradient_value_exact=[text(v) for v in grad_value])
        if H is not None:
            hv = [_at(row, subs) for row in H.tolist()]
            data["hessian_value"] = [[number(v) for v in row] for row in hv]
    data["certificate"] = {"verdict": cert.verdict, "max_rel_error": cert.max_rel_error,
                           "points_checked": cert.points_checked, "note": cert.note}
    emit(args, data, _readable(data))
    return 0 if cert.ok else 1


def _readable(d: dict) -> str:
    lines = [f"f({', '.join(d['variables'])}) = {d['expression']}", "", "gradient:"]
    lines += [f"  ∂f/∂{v} = {g}" for v, g in zip(d["variables"], d["gradient"], strict=True)]
    if "hessian" in d:
        lines += ["", "Hessian:"] + [f"  [{', '.join(r)}]" for r in d["hessian"]]
    if "value" in d:
        lines += ["", f"at the point: f = {d['value_exact']}",
                  f"  ∇f = [{', '.join(d['gradient_value_exact'])}]"]
        if "hessian_value" in d:
            lines.append(f"  H = {d['hessian_value']}")
    c = d["certificate"]
    errs = ", ".join(f"{k} {v:.1e}" for k, v in c["max_rel_error"].items())
    mark = "certified" if c["verdict"] == "certified" else f"NOT CERTIFIED: {c['verdict']}"
    lines += ["", f"certificate: {mark} ({c['points_checked']} points; max rel. error: {errs})",
              f"  {c['note']}"]
    return "\n".join(lines)
