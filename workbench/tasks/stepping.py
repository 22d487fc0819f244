r"""Tasks that run update rules: gradient steps by hand, and optimizer runs on test functions.

* ``step_table``  GD/GA by hand in exact arithmetic, and the effect of the learning rate;
* ``optimize``    an optimizer on a named function or an expression: the paths on the
                  contours and the surface, and, when asked, step for step against
                  ``torch.optim``.

One concept: an update rule of :data:`workbench.optim.optimizers.RULES` applied
step by step, and what the steps show.  For a quadratic the gradient step is a
linear recurrence, :math:`x_{k+1} - x^* = c\,(x_k - x^*)` with
:math:`c = 1 - \eta f''`, solved in closed form:

>>> closed_form_factor(sp.sympify("x**2 - 4*x + 4"), sp.Symbol("x"), sp.Rational(2, 5), False)
1/5
"""

from __future__ import annotations

import math

import numpy as np
import sympy as sp

from ..certification.scalar import certify
from ..core.errors import InputError, WorkbenchError
from ..core.parse import parse_number
from ..core.printing import to_latex, to_text
from ..optim import optimizers as optim
from ..optim import plots as optim_plots
from .common import (
    FUNC,
    certificate_checks,
    decimal,
    exact_number,
    expr_and_vars,
    figure_paths,
    point_text,
    sci,
)
from .common import claimed_value as _claimed
from .model import Boxed, Figure, Math, Outcome, Steps, Table, Text
from .registry import Context, Exercise, task
from .schema import EXPR, LEARNING_RATE, STEPS, VARIABLES, Field

# ------------------------------------------------------------------------------ step tables

@task("step_table", required={"expr": EXPR},
      optional={"x0": Field((str, float), "the start (default 0)", kind="number"),
                "eta": Field((str, float), "the learning rate (default 0.1)", kind="number",
                             above=0),
                "etas": Field(list, "more learning rates to compare", kind="numbers", above=0,
                              limit="list_items"),
                "steps": Field(int, "steps in the table (default 5)", min=1, limit="iterations"),
                "ascent": Field(bool, "gradient ascent instead of descent"),
                "wrt": VARIABLES},
      claims={"values": Field(list, "the iterates x_1, x_2, ...", kind="numbers",
                              limit="list_items")},
      example='''
expr = "x**2 - 4*x + 4"
x0 = "0"
eta = "0.4"
steps = 3
claimed = { values = ["1.6", "1.92", "1.984"] }
''')
def step_table(ex: Exercise, ctx: Context) -> Outcome:
    """Gradient descent/ascent by hand in exact arithmetic; the effect of the learning rate."""
    out = Outcome()
    f, names = expr_and_vars(ex)
    if len(names) != 1:
        raise InputError(f"{ex.where('expr')}: step tables are for functions of one variable, "
                         f"got {', '.join(names) or 'none'}")
    x = sp.Symbol(names[0], real=True)
    ascent = bool(ex.fields.get("ascent", False))
    x0 = exact_number(ex, "x0", "0")
    eta = exact_number(ex, "eta", "0.1")
    steps = int(ex.fields.get("steps", 5))
    if not eta.is_positive:
        raise InputError(f"{ex.where('eta')}: the learning rate must be positive, got {eta}")
    if not 1 <= steps <= 200:
        raise InputError(f"{ex.where('steps')}: between 1 and 200 steps, got {steps}")
    df = sp.diff(f, x)
    sign = "+" if ascent else "-"
    X = to_latex(x)
    out.add(Math(f"f({X}) = {to_latex(f)}"), Math(f"f'({X}) = {to_latex(df)}"),
            Math(f"{X}_{{k+1}} = {X}_k {sign} \\eta\\, f'({X}_k)"))
    table = optim.exact_steps(f, names, [x0], eta, steps, ascent)
    xs = [row[0] for row in table]
    def inline(v):
        return to_latex(v, fold_short_frac=True)

    rows = [[str(k), inline(xs[k]), inline(df.subs(x, xs[k])), inline(xs[k + 1]),
             decimal(float(xs[k + 1]))] for k in range(steps)]
    verb = "ascent" if ascent else "descent"
    out.add(Table(["step $k$", f"${X}_k$", f"$f'({X}_k)$", f"${X}_{{k+1}}$", "decimal"], rows,
                  f"Gradient {verb} from ${X}_0 = {inline(x0)}$ with "
                  f"$\\eta = {inline(eta)}$, exact arithmetic", (1, 2, 3)))
    _closed_form(out, f, x, x0, eta, ascent, xs)
    obj = optim.Objective(f, names, to_text(f))
    run = optim.minimize(obj, [float(x0)], "ascent" if ascent else "gd", float(eta), steps, 0)
    gap = max(abs(a - float(b)) for a, b in zip(run.path[:, 0], xs, strict=True))
    out.check("float64 optimizer run reproduces the exact table", gap < 1e-12,
              f"max |float − exact| = {gap:.1e} (tolerance 1e-12: round-off of a few steps)")
    out.add(Boxed(f"After {steps} steps", f"{X}_{{{steps}}} = {to_latex(xs[-1])} = "
                                          f"{float(xs[-1]):.10g}"))
    _claim_values(ex, out, xs)
    _eta_comparison(ex, ctx, out, obj, f, names, x0, steps, ascent)
    return out


def _closed_form(out, f, x, x0, eta, ascent, xs):
    """For a quadratic f the iteration is linear: solve the recurrence, check every row."""
    df = sp.diff(f, x)
    if not df.is_polynomial(x) or sp.degree(sp.expand(df), x) != 1:
        return
    k = sp.Symbol("k", integer=True, nonnegative=True)
    seq = sp.Function("x")
    sign = 1 if ascent else -1
    closed = sp.rsolve(seq(k + 1) - (seq(k) + sign * eta * df.subs(x, seq(k))), seq(k),
                       {seq(0): x0})
    closed = sp.simplify(closed)
    ok = all(sp.simplify(closed.subs(k, i) - xs[i]) == 0 for i in range(len(xs)))
    factor = closed_form_factor(f, x, eta, ascent)
    X = to_latex(x)
    out.add(Text(f"The update is linear in ${X}$, so the recurrence has a closed form; each "
                 "step multiplies the distance to the stationary point by the factor $c$:"),
            Math(f"{X}_k = {to_latex(closed)}"), Math(f"c = {to_latex(factor)}"))
    out.check("closed form (recurrence solved by sympy.rsolve) reproduces every row of the "
              "table", ok, "exact comparison")
    behaviour = ("converges monotonically" if 0 <= factor < 1 else
                 "converges, overshooting back and forth" if -1 < factor < 0 else
                 "does not converge")
    out.add(Text(f"$|c| = {to_latex(sp.Abs(factor))}$: the iteration {behaviour}."))


def closed_form_factor(f: sp.Expr, x: sp.Symbol, eta: sp.Expr, ascent: bool) -> sp.Expr:
    """The factor c of x_{k+1} − x* = c(x_k − x*) for a quadratic f: c = 1 ∓ η f''."""
    return sp.simplify(1 + (1 if ascent else -1) * eta * sp.diff(f, x, 2))


def _claim_values(ex, out, xs):
    claimed = _claimed(ex, "values")
    if claimed is None:
        return
    if not isinstance(claimed, list):
        raise InputError(f"{ex.where('claimed.values')}: expected a list of numbers")
    try:
        want = [parse_number(str(c)) for c in claimed]
    except WorkbenchError as exc:
        raise InputError(f"{ex.where('claimed.values')}: {exc}") from None
    got = xs[1:len(want) + 1]
    wrong = [i + 1 for i, (a, b) in enumerate(zip(want, got, strict=False)) if a != b]
    holds = not wrong and len(got) == len(want)
    detail = ("every value is exact" if holds else
              f"step{'s' if len(wrong) > 1 else ''} {', '.join(map(str, wrong))} differ: the "
              "iterates are $" + ",\\ ".join(to_latex(g, fold_short_frac=True) for g in got)
              + "$")
    out.claim(f"the iterates are {', '.join(map(str, claimed))}", holds, detail)


def _eta_comparison(ex, ctx, out, obj, f, names, x0, steps, ascent):
    etas = ex.fields.get("etas")
    if not etas:
        return
    tables = {}
    rows = []
    for e in etas:
        try:
            ev = parse_number(str(e))
        except WorkbenchError as exc:
            raise InputError(f"{ex.where('etas')}: {exc}") from None
        xs = [r[0] for r in optim.exact_steps(f, names, [x0], ev, steps, ascent)]
        tables[f"η = {to_text(ev)}"] = [float(v) for v in xs]
        rows.append([f"${to_latex(ev, fold_short_frac=True)}$"]
                    + [decimal(float(v)) for v in xs[1:]])
    X = to_latex(sp.Symbol(names[0]))
    out.add(Text("The effect of the learning rate: the same start, the same number of steps."),
            Table(["$\\eta$"] + [f"${X}_{{{k}}}$" for k in range(1, steps + 1)], rows))
    paths = figure_paths(ctx, ex, "learning-rates")
    if paths:
        optim_plots.lr_comparison(obj, tables, paths, maximize=ascent,
                                  title=("gradient ascent" if ascent else "gradient descent")
                                  + f" from x0 = {to_text(x0)}, {steps} steps")
        out.add(Figure(paths[0], "Iterates for each learning rate (numbers are the step "
                                 "index): small η creeps, large η overshoots."))


# ------------------------------------------------------------------------------- optimize


@task("optimize", required={"func": FUNC, "x0": Field(list, "the start", kind="floats",
                                                       limit="list_items")},
      optional={"method": Field(str, "the optimizer", choices=tuple(optim.RULES)),
                "lr": LEARNING_RATE, "steps": STEPS,
                "tol": Field(float, "stop when f changes by less", min=0),
                "momentum": Field(float, "momentum coefficient", min=0, max=1),
                "beta1": Field(float, "Adam's first-moment decay", min=0, max=1),
                "beta2": Field(float, "Adam's second-moment decay", min=0, max=1),
                "eps": Field(float, "Adam's ε", above=0),
                "compare": Field(list, "more runs: tables of method, lr, ... and a label",
                                 limit="list_items"),
                "torch": Field(bool, "check the run against PyTorch's optimizer"),
                "expect_minimum": Field(bool, "the run must reach a known minimizer"),
                "surface": Field(bool, "draw the paths on the surface")},
      claims={"final": Field(list, "where the run ends", kind="floats", limit="list_items"),
              "run": Field(str, "the label of the run the claim is about"),
              "tolerance": Field(float, "distance accepted (default 1e-3)", above=0)},
      example='''
func = "beale"
x0 = [0.7, 1.4]
method = "adam"
lr = 0.1
steps = 1000
claimed = { final = [3.0, 0.5] }
''')
def optimize(ex: Exercise, ctx: Context) -> Outcome:
    """An optimizer run on a test function: path, certificate, torch reference, claims."""
    out = Outcome()
    obj = optim.objective(ex.fields["func"])
    x0 = [float(v) for v in ex.fields["x0"]]
    spec = {k: ex.fields[k] for k in ("method", "lr", "steps", "tol", *optim.HYPER_KEYS)
            if k in ex.fields}
    runs = {_label(spec): _run(obj, x0, spec, ex)}
    for i, other in enumerate(ex.fields.get("compare", [])):
        if not isinstance(other, dict):
            raise InputError(f"{ex.where('compare')}: entry {i + 1} must be a table")
        merged = {**spec, **{k: v for k, v in other.items() if k != "label"}}
        runs[other.get("label", _label(merged))] = _run(obj, x0, merged, ex)
    main_label, main = next(iter(runs.items()))
    out.add(Math(f"f = {to_latex(obj.expr)}"),
            Steps([(*eq.split(" = ", 1), "") for eq in optim.RULES[main.method].equations]))
    cert = certify(obj.expr, obj.variables, [x0], n_random=30, with_hessian=False,
                   grad=obj.grad_exprs)
    out.check("symbolic gradient certified (start point + 30 random points)", cert.ok,
              cert.verdict)
    certificate_checks(out, cert, "symbolic gradient")
    rows = []
    for label, run in runs.items():
        dist = (min(math.dist(run.final, m) for m in obj.known.minima)
                if obj.known and not run.diverged else float("nan"))
        final = point_text(run.final) if not run.diverged else "—"
        rows.append([label, str(run.steps), run.status, final,
                     sci(run.value, 4) if not run.diverged else "diverged", sci(dist)])
        out.check(f"{label}: did not diverge", not run.diverged, run.message)
    out.add(Table(["run", "steps", "stopped", "final point", "$f$", "distance to minimum"],
                  rows, f"Start ${point_text(x0)}$; a run stops when $f$ changes by less than "
                  "the tolerance in a step, or when its step budget is spent"))
    if ex.fields.get("expect_minimum") and obj.known:
        dist = min(math.dist(main.final, m) for m in obj.known.minima)
        out.check("main run reaches a known minimizer (distance < 1e-6)", dist < 1e-6,
                  f"distance {dist:.2e}")
    if ex.fields.get("torch"):
        _torch_check(out, obj, x0, main)
    _claim_final(ex, out, obj, runs)
    _optimize_figures(ex, ctx, out, obj, runs, main_label)
    return out


def _label(spec: dict) -> str:
    return f"{spec.get('method', 'gd')}, η = {spec.get('lr', 0.01):g}"


def _run(obj, x0, spec: dict, ex: Exercise) -> optim.Run:
    hyper = {k: spec[k] for k in optim.HYPER_KEYS if k in spec}
    try:
        return optim.minimize(obj, x0, spec.get("method", "gd"), spec.get("lr", 0.01),
                              spec.get("steps", 1000), spec.get("tol", optim.DEFAULT_TOL),
                              **hyper)
    except WorkbenchError as exc:
        raise InputError(f"{ex.where()}: {exc}") from None


#: float64 agreement with torch.optim over the whole run; differences are round-off
#: (the two differentiate f by different code) and stay near 1e-15 on contracting runs
TORCH_TOL = 1e-10


def _torch_check(out, obj, x0, run):
    try:
        ref = optim.torch_path(obj, x0, run.method, run.lr, run.steps, **run.hyper)
    except InputError as exc:   # torch not installed: said in the checks, not on the page
        out.check("reference run against torch.optim: not run", True, str(exc))
        return
    gap = float(np.max(np.abs(ref - run.path)))
    name = f"torch.optim.{optim.TORCH_OPTIMIZERS[run.method][0]}"
    out.check(f"step for step equal to {name} (float64, autograd) over {run.steps} steps",
              gap < TORCH_TOL, f"max |w - w_torch| = {gap:.1e} (tolerance {TORCH_TOL:g})")


def _claim_final(ex, out, obj, runs):
    claimed = _claimed(ex, "final")
    if claimed is None:
        return
    label = _claimed(ex, "run") or next(iter(runs))
    if label not in runs:
        raise InputError(f"{ex.where('claimed.run')}: no run labelled {label!r} "
                         f"(runs: {', '.join(runs)})")
    run = runs[label]
    tol = float(_claimed(ex, "tolerance") or 1e-3)
    dist = math.dist(run.final, [float(c) for c in claimed]) if not run.diverged else math.inf
    out.claim(f"{label} ends at ${point_text(claimed)}$", dist <= tol,
              f"the run ends at ${point_text(run.final)}$ with $f = {run.value:.3g}$; the "
              f"claimed point has $f = {obj.value(claimed):.3g}$ (distance {dist:.3g}, "
              f"tolerance {tol:g})")


def _optimize_figures(ex, ctx, out, obj, runs, main_label):
    good = {k: r for k, r in runs.items() if not r.diverged}
    if obj.n != 2 or not good:
        return
    paths = figure_paths(ctx, ex, "contours")
    if paths:
        optim_plots.contour_paths(obj, good, paths)
        out.add(Figure(paths[0], "Log-spaced contours with each path (circle: start, square: "
                                 "end, star: known minimum)."))
    paths = figure_paths(ctx, ex, "loss")
    if paths:
        optim_plots.loss_curves({k: np.maximum(r.values, 1e-300) for k, r in good.items()},
                                paths, f"{obj.name}: f along each run", "step", "f")
        out.add(Figure(paths[0], "$f$ along each run (log scale)."))
    if ex.fields.get("surface") and main_label in good:
        paths = figure_paths(ctx, ex, "surface")
        if paths:
            optim_plots.surface_path(obj, good[main_label], paths)
            out.add(Figure(paths[0], "The surface of $\\log_{10} f$ with the path of the first "
                                     "run."))


