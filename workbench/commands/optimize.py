"""``workbench optimize``: run GD, ascent, momentum, Nesterov or Adam on a function; plot the path.

FUNC is a named test function (``beale``, ``rosenbrock``, ``himmelblau``,
``booth``, …) or an expression.  Gradients are derived symbolically, compiled,
and certified at the start point (and random points) before the run; a run that
diverges is reported as such (exit 1), never as a result.
"""

from __future__ import annotations

import math
import sys

from ..certification.scalar import certify
from ..core import limits
from ..core.errors import InputError
from ..core.parse import parse_number
from ..optim.optimizers import (
    DEFAULT_TOL,
    HYPER_KEYS,
    RULES,
    TEST_FUNCTIONS,
    EarlyStopping,
    Hyper,
    StepDecay,
    minimize,
    objective,
)
from .common import emit, number, text

METHODS = [m for m in RULES if m != "preconditioned"]


def register(sub) -> None:
    p = sub.add_parser("optimize", help="run an optimizer on FUNC and record its path",
                       description="Minimize (or, with --method ascent, maximize) FUNC from "
                                   "--x0 with gradients derived symbolically and certified. "
                                   f"Named functions: {', '.join(TEST_FUNCTIONS)}.")
    p.add_argument("func", metavar="FUNC", help="a named test function or an expression")
    p.add_argument("--wrt", help="variables, comma-separated (default: all, sorted)")
    p.add_argument("--method", default="gd", choices=METHODS, help="update rule (default gd)")
    p.add_argument("--x0", required=True,
                   help="start point, comma-separated, e.g. 0.7,1.4 or -1,-1.5")
    p.add_argument("--lr", type=float, default=0.01, help="learning rate η > 0 (default 0.01)")
    p.add_argument("--steps", type=int, default=1000, help="step budget (default 1000)")
    p.add_argument("--tol", type=float, default=DEFAULT_TOL,
                   help="stop when |f(w_{t+1}) - f(w_t)| < TOL (default 1e-7; 0 disables)")
    p.add_argument("--momentum", type=float, default=Hyper.momentum,
                   help="μ for momentum/nesterov")
    p.add_argument("--beta1", type=float, default=Hyper.beta1, help="Adam β1 (default 0.9)")
    p.add_argument("--beta2", type=float, default=Hyper.beta2, help="Adam β2 (default 0.999)")
    p.add_argument("--eps", type=float, default=Hyper.eps, help="Adam ε (default 1e-8)")
    p.add_argument("--decay", type=float, metavar="GAMMA",
                   help="step decay: multiply the rate by GAMMA every --every steps")
    p.add_argument("--every", type=int, default=100, help="steps between decays (default 100)")
    p.add_argument("--patience", type=int, help="early stopping: steps without improvement")
    p.add_argument("--min-delta", type=float, default=0.0, help="early stopping: least gain")
    p.add_argument("--random", type=int, default=20, metavar="N",
                   help="random points for the gradient's certificate (default 20)")
    p.add_argument("--plot", metavar="FILE", help="write a figure (.png or .pdf)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(run=run)


def _point(text_: str) -> list[float]:
    parts = [s.strip() for s in text_.split(",")]
    if not all(parts):
        raise InputError(f"--x0 {text_!r}: expected comma-separated numbers, e.g. 0.7,1.4")
    return [float(parse_number(s)) for s in parts]


def _settings(args):
    if not math.isfinite(args.lr) or args.lr <= 0:
        raise InputError(f"--lr must be a positive number, got {args.lr:g}")
    if args.steps < 0:
        raise InputError(f"--steps must be ≥ 0, got {args.steps}")
    if not math.isfinite(args.tol) or args.tol < 0:
        raise InputError(f"--tol must be ≥ 0 (0 disables it), got {args.tol:g}")
    schedule = StepDecay(args.decay, args.every) if args.decay is not None else None
    stopper = EarlyStopping(args.patience, args.min_delta) if args.patience is not None else None
    hyper = {k: getattr(args, k) for k in HYPER_KEYS}
    return schedule, stopper, hyper


def run(args) -> int:
    limits.check("random_points", args.random, "--random")
    wrt = [v.strip() for v in args.wrt.split(",") if v.strip()] if args.wrt else None
    obj = objective(args.func, wrt)
    x0 = _point(args.x0)
    schedule, stopper, hyper = _settings(args)
    result = minimize(obj, x0, args.method, args.lr, args.steps, args.tol, schedule, stopper,
                      **hyper)
    cert = certify(obj.expr, obj.variables, [x0], n_random=args.random,
                   with_hessian=False, grad=obj.grad_exprs)
    data = result.to_dict()
    data.update(function=obj.name, expression=text(obj.expr),
                gradient=[text(g) for g in obj.grad_exprs],
                certificate={"verdict": cert.verdict, "max_rel_error": cert.max_rel_error,
                             "points_checked": cert.points_checked, "note": cert.note})
    if obj.known and not result.diverged:
        dist = min(math.dist(result.final, m) for m in obj.known.minima)
        data.update(known_minima=[list(m) for m in obj.known.minima],
                    distance_to_minimum=number(dist))
    if args.plot:
        data["plot"] = str(_plot(obj, result, args.plot))
    emit(args, data, _readable(data))
    if result.diverged:
        print(f"workbench optimize: {result.message}", file=sys.stderr)
    if not cert.ok:
        print(f"workbench optimize: the symbolic gradient failed its certificate "
              f"({cert.verdict}); the run is not trustworthy", file=sys.stderr)
    return 1 if result.diverged or not cert.ok else 0


def _plot(obj, result, target: str):
    from pathlib import Path

    from ..optim import plots as optim_plots

    path = Path(target)
    if path.suffix.lower() not in (".png", ".pdf", ".svg"):
        raise InputError(f"--plot {target}: use a .png, .pdf or .svg file name")
    label = f"{result.method}, η = {result.lr:g}"
    if obj.n == 2:
        optim_plots.contour_paths(obj, {label: result}, [path])
    elif obj.n == 1:
        optim_plots.lr_comparison(obj, {label: result.path[:, 0]}, [path],
                                  maximize=result.method == "ascent")
    else:
        optim_plots.loss_curves({label: result.values}, [path], f"{obj.name}: f along the run",
                                log=bool(min(result.values) > 0))
    return path


def _readable(d: dict) -> str:
    names = d["variables"]
    lines = [f"{d['method']} on {d['function']} (η = {d['lr']:g}): {d['status']} — "
             f"{d['message']}"]
    if d["final"] is not None:
        at = ", ".join(f"{n} = {v:.10g}" for n, v in zip(names, d["final"], strict=True))
        lines.append(f"after {d['steps']} steps: {at}; f = {d['value']:.10g}")
        if "distance_to_minimum" in d:
            lines.append(f"distance to the nearest known minimum: {d['distance_to_minimum']:.3g}")
    c = d["certificate"]
    lines.append(f"gradient certificate: {c['verdict']} ({c['points_checked']} points)")
    if "plot" in d:
        lines.append(f"figure: {d['plot']}")
    return "\n".join(lines)
