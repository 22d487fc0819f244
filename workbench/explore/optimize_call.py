"""``workbench optimize``: run GD, ascent, momentum, Nesterov or Adam on a function; plot the path.

FUNC is a named test function (``beale``, ``rosenbrock``, ``himmelblau``,
``booth``, …) or an expression.  Gradients are derived symbolically, compiled,
and certified at the start point (and random points) before the run; a run that
diverges is reported as such (exit 1), never as a result.

The body is shared by the command and :func:`workbench.optimize`:

>>> from types import SimpleNamespace
>>> opts = SimpleNamespace(func="(x - 1)**2", x0="0", method="gd", lr=0.25, steps=100,
...                        tol=0.0, wrt=None, momentum=0.9, beta1=0.9, beta2=0.999, eps=1e-8,
...                        decay=None, every=100, patience=None, min_delta=0.0, random=5,
...                        plot=None)
>>> run(opts)["final"]           # each step halves the distance to the minimum 1
[1.0]
"""

from __future__ import annotations

import math

from ..certification.scalar import certify
from ..core.errors import InputError
from ..core.parse import parse_number
from ..core.printing import to_text as text
from ..optim.optimizers import (
    HYPER_KEYS,
    RULES,
    EarlyStopping,
    StepDecay,
    minimize,
    objective,
)
from .result import Result, number

METHODS = [m for m in RULES if m != "preconditioned"]



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


def run(args) -> Result:
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
    warnings = [result.message] if result.diverged else []
    if not cert.ok:
        warnings.append(f"the symbolic gradient failed its certificate ({cert.verdict}); "
                        "the run is not trustworthy")
    return Result("optimize", data, _readable(data), not result.diverged and cert.ok, warnings,
                  extra={"run": result, "certificate": cert})


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
