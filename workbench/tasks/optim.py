"""Tasks for optimization: step tables, optimizer runs, convergence theory, learning models.

Each task derives the theory (SymPy), runs the experiment (NumPy, JAX, PyTorch
as a reference), and checks that the two agree; the source's statements are
recorded as claims and checked, never copied.

* ``step_table``      GD/GA by hand in exact arithmetic, and the learning-rate effect (slides);
* ``optimize``        an optimizer on a named function, paths on contours and the surface,
                      step for step against ``torch.optim`` (HW1 Task 2);
* ``rate``            rate(η), η*, R* derived as a piecewise function (HW1 Q3.2–3.4);
* ``convergence``     f(w(t)) in closed form and rate(η) measured on random SPD H (Q3);
* ``preconditioned``  A = H⁻¹ in one step, the step-size bound, gradient flow (Q2);
* ``local_rate``      Hessian at a minimum → κ and the locally optimal η vs GD (Beale);
* ``classifier``      logistic/softmax regression: gradient derived and certified, batch vs SGD;
* ``mlp``             backprop with a gradient check, step decay and early stopping (lab);
* ``factorize``       low-rank GD on Iris against the Eckart–Young optimum (HW1 Task 4).
"""

from __future__ import annotations

import math

import numpy as np
import sympy as sp

from ..certification.scalar import certify
from ..core.errors import InputError, WorkbenchError
from ..core.parse import parse, parse_number
from ..core.printing import to_latex, to_text
from ..optim import convergence as cv
from ..optim import factorization as fz
from ..optim import models
from ..optim import optimizers as optim
from ..optim import plots as optim_plots
from .common import claimed_value as _claimed
from .common import expr_and_vars, fmt, parse_at, verification_table
from .model import Boxed, Figure, InstructorOnly, Math, Outcome, Steps, Table, Text
from .registry import Context, Exercise, task
from .schema import EXPR, LEARNING_RATE, POINT, SEED, STEPS, VARIABLES, Field

_FUNC = Field(str, 'a named test function ("beale", "rosenbrock", ...) or an expression')


def _figure(ctx: Context, ex: Exercise, name: str):
    """The figure's PDF path (as a list of paths to save), or None when figures are off."""
    pdf = ctx.figure_path(ex, name)
    return None if pdf is None else [pdf]


def _number(ex: Exercise, name: str, default=None) -> sp.Expr:
    raw = ex.fields.get(name, default)
    if raw is None:
        raise InputError(f"{ex.where(name)}: required")
    try:
        return parse_number(str(raw)) if not isinstance(raw, sp.Basic) else raw
    except WorkbenchError as exc:
        raise InputError(f"{ex.where(name)}: {exc}") from None


def _g(x: float) -> str:
    return f"{x:.6g}"


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
    x0 = _number(ex, "x0", "0")
    eta = _number(ex, "eta", "0.1")
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
             _g(float(xs[k + 1]))] for k in range(steps)]
    verb = "ascent" if ascent else "descent"
    n = names[0]
    out.add(Table(["step k", f"{n}(k)", f"f'({n}(k))", f"{n}(k+1)", "decimal"], rows,
                  f"Gradient {verb} from {to_text(x0)} with η = {to_text(eta)}, exact "
                  "arithmetic", (1, 2, 3)))
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
    """For a quadratic f the iteration is linear: solve it with rsolve and check every row."""
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
    factor = sp.simplify(1 + sign * eta * sp.diff(df, x))
    out.add(Text("The update is linear in x, so the recurrence has a closed form (rsolve); each "
                 "step multiplies the distance to the stationary point by the factor c:"),
            Math(f"{to_latex(x)}_k = {to_latex(closed)}"), Math(f"c = {to_latex(factor)}"))
    out.check("closed form reproduces every row of the table", ok, "exact comparison")
    behaviour = ("converges monotonically" if 0 <= factor < 1 else
                 "converges, overshooting back and forth" if -1 < factor < 0 else
                 "does not converge")
    out.add(Text(f"|c| = {to_text(sp.Abs(factor))}: the iteration {behaviour}."))


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
              f"step(s) {wrong} differ: computed {[to_text(g) for g in got]}")
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
        rows.append([to_text(ev)] + [_g(float(v)) for v in xs[1:]])
    out.add(Text("The effect of the learning rate: the same start, the same number of steps."),
            Table(["η"] + [f"{names[0]}({k})" for k in range(1, steps + 1)], rows))
    paths = _figure(ctx, ex, "learning-rates")
    if paths:
        optim_plots.lr_comparison(obj, tables, paths, maximize=ascent,
                                  title=("gradient ascent" if ascent else "gradient descent")
                                  + f" from x0 = {to_text(x0)}, {steps} steps")
        out.add(Figure(paths[0], "Iterates for each learning rate (numbers are the step "
                                 "index): small η creeps, large η overshoots."))


# ------------------------------------------------------------------------------- optimize


@task("optimize", required={"func": _FUNC, "x0": Field(list, "the start", kind="floats",
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
            Math(optim.RULES[main.method].latex))
    cert = certify(obj.expr, obj.variables, [x0], n_random=30, with_hessian=False,
                   grad=obj.grad_exprs)
    out.check("symbolic gradient certified (start point + 30 random points)", cert.ok,
              cert.verdict)
    out.add(verification_table(cert, "gradient"))
    rows = []
    for label, run in runs.items():
        dist = (min(math.dist(run.final, m) for m in obj.known.minima)
                if obj.known and not run.diverged else float("nan"))
        final = ", ".join(f"{v:.6f}" for v in run.final) if not run.diverged else "—"
        rows.append([label, str(run.steps), run.status, f"({final})",
                     f"{run.value:.3e}" if not run.diverged else "diverged", fmt(dist)])
        out.check(f"{label}: did not diverge", not run.diverged, run.message)
    out.add(Table(["run", "steps", "stopped", "final point", "f", "distance to minimum"], rows,
                  f"Start ({', '.join(map(_g, x0))}); stopping rule |change of f| < tol or the "
                  "step budget"))
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
    except InputError as exc:
        out.add(InstructorOnly([Text(f"PyTorch reference not run: {exc}")]))
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
    out.claim(f"{label} ends at ({', '.join(map(str, claimed))})", dist <= tol,
              f"the run ends at ({', '.join(f'{v:.4f}' for v in run.final)}) with f = "
              f"{run.value:.3g}; the claimed point has f = {obj.value(claimed):.3g} "
              f"(distance {dist:.3g}, tolerance {tol:g})")


def _optimize_figures(ex, ctx, out, obj, runs, main_label):
    good = {k: r for k, r in runs.items() if not r.diverged}
    if obj.n != 2 or not good:
        return
    paths = _figure(ctx, ex, "contours")
    if paths:
        optim_plots.contour_paths(obj, good, paths)
        out.add(Figure(paths[0], "Log-spaced contours with each path (circle: start, square: "
                                 "end, star: known minimum)."))
    paths = _figure(ctx, ex, "loss")
    if paths:
        optim_plots.loss_curves({k: np.maximum(r.values, 1e-300) for k, r in good.items()},
                                paths, f"{obj.name}: f along each run", "step", "f")
        out.add(Figure(paths[0], "f along each run (log scale)."))
    if ex.fields.get("surface") and main_label in good:
        paths = _figure(ctx, ex, "surface")
        if paths:
            optim_plots.surface_path(obj, good[main_label], paths)
            out.add(Figure(paths[0], "The surface of log10 f with the path of the first run."))


# ----------------------------------------------------------------------------- rate theory

RATE_NAMES = ["eta", "lmin", "lmax", "kappa"]


@task("rate", required={},
      optional={"eigs": Field(list, "eigenvalues of the Hessian (positive)", kind="numbers",
                              above=0, limit="list_items"),
                "eta": Field((str, float), "a step size to evaluate", kind="number")},
      claims={"eta_opt": Field(str, "η* in lmin, lmax (or kappa)", kind="expr"),
              "rate_opt": Field(str, "R* in lmin, lmax (or kappa)", kind="expr"),
              "rate_negative_eta": Field(str, "rate(η) for η < 0", kind="expr")},
      example='''
eigs = ["1", "10"]
claimed = { eta_opt = "2/(lmax + lmin)" }
''')
def rate_task(ex: Exercise, ctx: Context) -> Outcome:
    """rate(η) as a piecewise function, η* and R*, derived and checked; numbers for given λ."""
    out = Outcome()
    d = cv.derive_rate()
    out.add(Text("For f(w) = wᵀHw/2 the error in eigen-direction i is multiplied by 1 − ηλ_i "
                 "each step, so the slowest mode sets the rate. Which mode is slowest depends "
                 "on the sign of the difference of the squares:"),
            Steps(d.steps))
    for name, ok in d.checks.items():
        out.check(name, ok, "SymPy, exact")
    out.add(Boxed("Optimal step and rate",
                  rf"\eta^* = {to_latex(d.eta_opt)},\quad R^* = {to_latex(d.rate_opt)}"
                  rf" = {to_latex(d.rate_opt_kappa)}"))
    eigs = ex.fields.get("eigs")
    if eigs:
        _rate_numbers(ex, ctx, out, eigs)
    _rate_claims(ex, out, d)
    return out


def _rate_numbers(ex, ctx, out, eigs):
    try:
        vals = [parse_number(str(e)) for e in eigs]
        kappa, eta_opt, rate_opt = cv.optimal_rate(vals)
    except WorkbenchError as exc:
        raise InputError(f"{ex.where('eigs')}: {exc}") from None
    hi = max(vals, key=float)
    rows = [["κ", to_latex(kappa), _g(float(kappa))], ["η*", to_latex(eta_opt), _g(float(eta_opt))],
            ["R*", to_latex(rate_opt), _g(float(rate_opt))],
            ["2/λmax", to_latex(cv.tidy(2 / hi)), _g(float(2 / hi))]]
    H = cv.rotated_diag(vals)
    U = np.linalg.eigh(H)[1]
    measured = cv.measured_rate(H, float(eta_opt), 20, U=U)
    out.check("measured contraction at η* equals R*", abs(measured - float(rate_opt)) < 1e-9,
              f"measured {measured:.15f}, predicted {float(rate_opt):.15f}")
    if "eta" in ex.fields:
        eta = _number(ex, "eta")
        r = cv.tidy(cv.rate(eta, vals))
        rows.append([f"rate({to_text(eta)})", to_latex(r), _g(float(r))])
        m = cv.measured_rate(H, float(eta), 20, U=U)
        out.check(f"measured contraction at η = {to_text(eta)} equals rate(η)",
                  abs(m - float(r)) < 1e-9, f"measured {m:.15f}")
    out.add(Table(["quantity", "exact", "decimal"], rows,
                  f"Eigenvalues {', '.join(map(to_text, vals))}", (1,)))
    paths = _figure(ctx, ex, "rate")
    if paths:
        grid = np.linspace(0.02, 1.2 * 2 / float(hi), 40)
        meas = np.array([cv.measured_rate(H, e, 20, U=U) for e in grid])
        optim_plots.rate_curve([float(v) for v in vals], paths, (grid, np.minimum(meas, 1.3)))
        out.add(Figure(paths[0], "rate(η) and its two branches; dots: contraction measured on "
                                 "GD runs; green: η*; red: 2/λmax, beyond which GD diverges."))


def _rate_claims(ex, out, d):
    if not isinstance(ex.claimed, dict):
        return
    a, b, eta, kappa = cv.LMIN, cv.LMAX, cv.ETA, cv.KAPPA
    subs = {sp.Symbol("lmin", real=True): a, sp.Symbol("lmax", real=True): b,
            sp.Symbol("eta", real=True): eta, sp.Symbol("kappa", real=True): kappa}

    def read(key):
        try:
            return parse(str(ex.claimed[key]), RATE_NAMES).subs(subs)
        except WorkbenchError as exc:
            raise InputError(f"{ex.where('claimed.' + key)}: {exc}") from None

    if "eta_opt" in ex.claimed:
        c = read("eta_opt")
        out.claim(f"η* = {ex.claimed['eta_opt']}", sp.simplify(c - d.eta_opt) == 0,
                  f"derived η* = {to_text(d.eta_opt)}")
    if "rate_opt" in ex.claimed:
        c = read("rate_opt").subs(b, kappa * a)
        holds = sp.simplify(c - d.rate_opt_kappa) == 0
        out.claim(f"R* = {ex.claimed['rate_opt']}", holds,
                  f"derived R* = {to_text(d.rate_opt_kappa)} with κ = λmax/λmin" +
                  ("" if holds else "; R* < 1 while κ ≥ 1, so R* is not κ itself"))
    if "rate_negative_eta" in ex.claimed:
        c = read("rate_negative_eta")
        true = d.piecewise.args[0][0]
        holds = sp.simplify(c - true) == 0
        out.claim(f"for η < 0, rate(η) = {ex.claimed['rate_negative_eta']}", holds,
                  f"for η < 0 both |1 − ηλ| exceed 1 and the larger is {to_text(true)}" +
                  ("" if holds else f"; e.g. λmin = 1, λmax = 2, η = −1: claimed "
                   f"{to_text(c.subs({a: 1, b: 2, eta: -1}))}, true 3"))


# -------------------------------------------------------------------------- convergence (Q3)


@task("convergence", required={},
      optional={"kappas": Field(list, "condition numbers κ ≥ 1", kind="numbers", min=1,
                                limit="list_items"),
                "d": Field(int, "dimension of the quadratic", min=2, limit="dimension"),
                "seed": SEED},
      example='''
kappas = [10, 100]
d = 6
''')
def convergence_task(ex: Exercise, ctx: Context) -> Outcome:
    """f(w(t)) in closed form and rate(η) measured on GD runs on random SPD H with given κ."""
    out = Outcome()
    traj = cv.derive_trajectory()
    out.add(Text("In the eigenbasis z = Uᵀw of H = XᵀX = U diag(λ) Uᵀ each GD step scales "
                 "the modes separately:"), Steps(traj.steps))
    out.check("∇(wᵀHw/2) = Hw (SymPy, symmetric H)", traj.gradient_is_Hw)
    out.check("closed form equals exact GD on a rational example for t = 0..8",
              traj.exact_check, "H = U diag(1, 4) Uᵀ, U a rational rotation, η = 1/5")
    kappas = ex.fields.get("kappas", [10, 100, 1000])
    d, seed = int(ex.fields.get("d", 6)), int(ex.fields.get("seed", 0))
    rows, results = [], []
    for k in kappas:
        try:
            c = cv.check_quadratic(float(k), d, seed)
        except WorkbenchError as exc:
            raise InputError(f"{ex.where('kappas')}: {exc}") from None
        results.append(c)
        rows.append([_g(c.kappa), _g(c.eta_opt), f"{c.rate_opt:.8f}",
                     f"{c.measured[np.argmin(c.measured)]:.8f}", fmt(c.rate_error),
                     fmt(c.value_error), f"{c.diverge_rate:.4f}", f"{c.diverge_growth:.3g}"])
        out.check(f"κ = {_g(c.kappa)}: measured per-step contraction equals rate(η) on "
                  f"{len(c.etas)} step sizes", c.rate_error < 1e-6,
                  f"max |measured − predicted| = {c.rate_error:.1e} (tolerance 1e-6)")
        out.check(f"κ = {_g(c.kappa)}: η* minimizes the measured rate over the grid",
                  c.argmin_is_opt)
        out.check(f"κ = {_g(c.kappa)}: f(w(t)) follows Σ(1−ηλ)^(2t)λz²/2 (rel. error < 1e-10)",
                  c.value_error < 1e-10, fmt(c.value_error))
        out.check(f"κ = {_g(c.kappa)}: GD diverges at η = 1.05·2/λmax",
                  c.diverge_rate > 1 and c.diverge_growth > 1e3,
                  f"measured rate {c.diverge_rate:.4f}, ‖w(200)‖/‖w(0)‖ = "
                  f"{c.diverge_growth:.3g}")
    out.add(Table(["κ", "η*", "R*", "min measured", "max rate error", "f(w(t)) error",
                   "rate at 1.05·2/λmax", "growth in 200 steps"], rows,
                  f"Random SPD H (d = {d}, eigenvalues log-spaced in [1, κ]); rates measured "
                  "from GD iterates projected on the eigenvectors"))
    paths = _figure(ctx, ex, "rates")
    if paths and results:
        c = min(results, key=lambda r: r.kappa)  # the smallest κ shows the V shape best
        optim_plots.rate_curve(c.eigenvalues, paths, (c.etas, c.measured))
        out.add(Figure(paths[0], f"κ = {_g(c.kappa)}: rate(η) (black), its branches, and the "
                                 "contraction measured on GD runs (red dots)."))
    paths = _figure(ctx, ex, "decay")
    if paths and results:
        decay = {}
        for c in results:
            H, _ = cv.random_spd(d, c.kappa, seed)
            w0 = np.random.default_rng(seed + 2).standard_normal(d)
            p = cv.gd_quadratic(H, c.eta_opt, w0, 400)
            f = 0.5 * np.einsum("ti,ij,tj->t", p, H, p)
            decay[f"κ = {_g(c.kappa)}: f(w(t))/f(w(0)) at η*"] = f / f[0]
        optim_plots.loss_curves(decay, paths, "GD at η* on random SPD quadratics", "step t",
                                "f(w(t)) / f(w(0))")
        out.add(Figure(paths[0], "Larger κ, slower decay: the slope of log f is 2·log R*."))
    return out


# -------------------------------------------------------------------- preconditioned GD (Q2)


@task("preconditioned", required={},
      optional={"d": Field(int, "dimension", min=2, limit="dimension"),
                "kappa": Field(float, "condition number", min=1), "seed": SEED},
      claims={"bound_inclusive_converges": Field(bool, "GD converges at η = 2/λmax")},
      example='''
d = 5
kappa = 100.0
''')
def preconditioned(ex: Exercise, ctx: Context) -> Outcome:
    """A = H⁻¹, η = 1 in one step; the step-size bound on examples; gradient flow by RK4."""
    out = Outcome()
    d, kappa, seed = int(ex.fields.get("d", 5)), float(ex.fields.get("kappa", 100)), \
        int(ex.fields.get("seed", 0))
    H, _ = cv.random_spd(d, kappa, seed)
    rng = np.random.default_rng(seed + 1)
    w0 = rng.standard_normal(d)
    # Q2.1: one Newton-like step
    sym = cv.newton_step_symbolic()
    w1 = cv.newton_step(H, w0)
    rel = float(np.linalg.norm(w1) / np.linalg.norm(w0))
    out.add(Text("Q2.1: ∇f = Hw, so with A = inv(H) and η = 1 the step is w − inv(H)Hw = 0, the "
                 "minimizer, whatever w is."),
            Math(r"w(1) = w(0) - H^{-1} H\, w(0) = 0"))
    out.check("w(0) − inv(H)Hw(0) simplifies to 0 for a symbolic 2×2 H", sym, "SymPy")
    out.check(f"one step reaches the minimizer on a random SPD H (d = {d}, κ = {kappa:g})",
              rel < 1e-12 * kappa, f"‖w(1)‖/‖w(0)‖ = {rel:.1e} (round-off scales with κ)")
    out.claim("A = inv(H) with η = 1 converges in a single step", sym and rel < 1e-12 * kappa,
              "checked symbolically and numerically")
    _step_bound(ex, ctx, out, H, w0, rng)
    _flow(ex, ctx, out, H, w0, rng)
    return out


def _random_preconditioner(rng, n: int) -> np.ndarray:
    """A = MMᵀ/n + 0.2·I with M an n × n Gaussian from ``rng``: SPD, λmin ≥ 0.2."""
    M = rng.standard_normal((n, n))
    return M @ M.T / n + 0.2 * np.eye(n)


def _logistic_problem(rng):
    # overlapping classes, so the loss has a minimizer (separable data would push ‖w‖ → ∞)
    X, y = models.make_classification(80, 3, 2, separation=1.0, seed=int(rng.integers(1 << 30)))
    Xb = models.add_bias(X)
    T = y.reshape(-1, 1).astype(float)

    def f(w):
        return models.loss("logistic", w.reshape(-1, 1), Xb, T)

    def g(w):
        return models.grad("logistic", w.reshape(-1, 1), Xb, T).ravel()

    beta = float(np.linalg.eigvalsh(Xb.T @ Xb)[-1] / (4 * len(Xb)))  # σ' ≤ 1/4
    return f, g, beta, Xb.shape[1]


def _step_bound(ex, ctx, out, H, w0, rng):
    out.add(Text("Q2.3: for β-smooth f, f(w(t+1)) − f(w(t)) ≤ −η(λmin(A) − ηβλmax(AᵀA)/2)"
                 "‖∇f‖², so f decreases monotonically when 0 < η ≤ 2λmin(A)/(βλmax(AᵀA)). "
                 "Examples with a random SPD preconditioner A:"))
    rows, curves = [], {}
    A = _random_preconditioner(rng, len(H))
    f_log, g_log, beta_log, n_log = _logistic_problem(rng)
    A_log = _random_preconditioner(rng, n_log)
    problems = [
        ("quadratic wᵀHw/2", lambda w: 0.5 * w @ H @ w, lambda w: H @ w,
         float(np.linalg.eigvalsh(H)[-1]), A, w0),
        ("logistic regression loss", f_log, g_log, beta_log, A_log, np.zeros(n_log)),
    ]
    for name, f, g, beta, Ap, start in problems:
        bound = cv.step_bound(Ap, beta)
        for frac in (0.5, 1.0):
            path, values = cv.preconditioned_run(f, g, Ap, frac * bound, start, 300)
            worst = float(np.max(np.diff(values)))
            ok = worst <= 1e-12 * max(1.0, abs(values[0]))
            rows.append([name, _g(beta), _g(bound), f"{frac:g}·bound", _g(values[0]),
                         _g(values[-1]), f"{worst:.1e}"])
            out.check(f"{name}, η = {frac:g}·bound: f never increases", ok,
                      f"largest step change {worst:.1e}")
            curves[f"{name}, η = {frac:g}·bound"] = values - min(values.min(), 0) + 1e-300
    out.add(Table(["problem", "β", "bound", "η", "f(w_0)", "f(w_300)", "largest step change of f"],
                  rows))
    seq = cv.boundary_counterexample()
    out.add(Text("At η equal to the bound the argument gives only f(w(t+1)) ≤ f(w(t)), with no "
                 "decrease forced: for f = (β/2)w², A = 1, η = 2/β the iterates are"),
            Math(r"w(t) = " + ",\\ ".join(map(to_latex, seq)) + r",\ \dots"))
    bounces = all(seq[i] == (-1) ** i for i in range(len(seq)))
    out.check("counterexample at the boundary: w(t) = (−1)^t w(0), exact", bounces)
    claimed = _claimed(ex, "bound_inclusive_converges")
    if claimed is not None:
        out.claim("0 < η ≤ 2λmin(A)/(βλmax(AᵀA)) guarantees convergence to a critical point",
                  not bounces, "fails at equality: the iterates oscillate between w(0) and "
                  "−w(0); the proof needs η strictly below the bound (then c > 0)")
    paths = _figure(ctx, ex, "monotone")
    if paths:
        optim_plots.loss_curves(curves, paths, "Preconditioned GD below the step-size bound",
                                "step", "f − min(f, 0)")
        out.add(Figure(paths[0], "f along preconditioned GD: monotone for η up to the bound."))


def _flow(ex, ctx, out, H, w0, rng):
    out.add(Text("Q2.2: gradient flow dw/dt = −A∇f, integrated with classical RK4. On the "
                 "quadratic the exact solution is w(t) = exp(−tAH)w(0)."))
    A = _random_preconditioner(rng, len(H))
    lam = np.real(np.linalg.eigvals(A @ H))
    lam_max = float(np.max(lam))
    t_end = 5.0 / float(np.min(lam))

    def rk4_error(steps):
        """RK4 path with ``steps`` steps and its max error against exp(−tAH)w(0), relative."""
        times, ys = cv.gradient_flow(lambda w: H @ w, A, w0, t_end, steps)
        exact = cv.flow_exact_quadratic(H, A, w0, times)
        return ys, float(np.max(np.linalg.norm(ys - exact, axis=1)) / np.linalg.norm(w0))

    n = int(np.ceil(t_end * lam_max / 0.1))  # hλmax = 0.1: RK4's error ~ (hλ)⁴ ≈ 1e-4·t
    ys, err = rk4_error(n)
    _, err2 = rk4_error(2 * n)
    order = math.log2(err / err2) if err2 > 0 else float("inf")
    out.check("RK4 follows the exact flow (max rel. error < 1e-6)", err < 1e-6,
              f"{err:.1e} with {n} steps of h = {t_end / n:.3g}")
    out.check("RK4 error shrinks as h^4 (observed order within 3.5–4.5)", 3.5 < order < 4.5,
              f"observed order {order:.2f} (errors {err:.1e} → {err2:.1e})")
    fvals = 0.5 * np.einsum("ti,ij,tj->t", ys, H, ys)
    out.check("f decreases along the flow", bool(np.all(np.diff(fvals) <= 1e-15)),
              f"f: {fvals[0]:.3g} → {fvals[-1]:.3g}")
    f_log, g_log, _, n_log = _logistic_problem(rng)
    A_log = _random_preconditioner(rng, n_log)
    t2, ys_log = cv.gradient_flow(g_log, A_log, np.zeros(n_log), 500.0, 5000)
    f_path = np.array([f_log(w) for w in ys_log])
    gnorm = np.array([np.linalg.norm(g_log(w)) for w in ys_log])
    out.check("logistic loss: f decreases along the flow and ‖∇f‖ shrinks by 100×",
              bool(np.all(np.diff(f_path) <= 1e-12)) and gnorm[-1] < 1e-2 * gnorm[0],
              f"‖∇f‖: {gnorm[0]:.3g} → {gnorm[-1]:.3g}")
    paths = _figure(ctx, ex, "flow")
    if paths:
        optim_plots.loss_curves({"quadratic: f(w(t))": fvals, "logistic: ‖∇f(w(t))‖": gnorm},
                                paths, "Gradient flow ẇ = −A∇f (RK4)", "RK4 step", "value")
        out.add(Figure(paths[0], "Along the flow f falls and the gradient vanishes."))


# ------------------------------------------------------------------------ local rate (Beale)


@task("local_rate", required={"func": _FUNC, "at": POINT},
      optional={"start": Field(list, "a start near the minimum", kind="floats",
                               limit="list_items"),
                "steps": STEPS},
      example='''
func = "beale"
at = "x=3,y=0.5"
start = [0.7, 1.4]
''')
def local_rate(ex: Exercise, ctx: Context) -> Outcome:
    """Hessian at a minimum → κ, the locally optimal η, and what GD does near the minimum."""
    out = Outcome()
    obj = optim.objective(ex.fields["func"])
    point = parse_at(ex, ex.fields["at"])
    missing = [v for v in obj.variables if v not in point]
    if missing:
        raise InputError(f"{ex.where('at')}: missing {', '.join(missing)}")
    pt = [point[v] for v in obj.variables]
    grad0 = [sp.simplify(g.subs({sp.Symbol(v, real=True): point[v] for v in obj.variables}))
             for g in obj.grad_exprs]
    out.check("the gradient vanishes at the point (exact)", all(g == 0 for g in grad0),
              f"∇f = {[to_text(g) for g in grad0]}")
    la = cv.local_analysis(obj, pt)
    lo, hi = (float(e) for e in (la.eigenvalues[0], la.eigenvalues[-1]))
    out.add(Math(r"\nabla^2 f = " + to_latex(la.hessian)),
            Math(r"\lambda = " + ",\\ ".join(map(to_latex, la.eigenvalues))),
            Boxed("Locally optimal step",
                  rf"\kappa = {float(la.kappa):.6g},\quad \eta^* = {to_latex(la.eta_opt)}"
                  rf" \approx {float(la.eta_opt):.6g},\quad R^* \approx {float(la.rate_opt):.6g}"
                  rf",\quad 2/\lambda_{{\max}} \approx {float(la.eta_max):.6g}"))
    rows, curves = [], {}
    w_star = np.array([float(v) for v in pt])
    for label, eta in (("η*/2", float(la.eta_opt) / 2), ("η*", float(la.eta_opt)),
                       ("1.02·2/λmax", 1.02 * float(la.eta_max))):
        predicted = max(abs(1 - eta * lo), abs(1 - eta * hi))
        # a diverging run starts closer (1e-9), so after growing 1.04²⁰⁰ ≈ 2500-fold it is
        # still where the quadratic model holds
        measured = cv.local_contraction(obj, w_star, eta, 1e-6 if predicted < 1 else 1e-9)
        rows.append([label, _g(eta), f"{predicted:.8f}", f"{measured:.8f}"])
        out.check(f"near the minimum, GD at {label} contracts at rate(η) (within 1e-5)",
                  abs(measured - predicted) < 1e-5,
                  f"measured {measured:.8f}, quadratic model {predicted:.8f}")
    out.add(Table(["η", "value", "rate(η) of the local quadratic", "measured near w*"], rows,
                  "GD started 1e-6 (1e-9 for the diverging η) from the minimizer; contraction "
                  "of ‖w − w*‖ per step over steps 100–200"))
    start = ex.fields.get("start")
    if start:
        steps = int(ex.fields.get("steps", 5000))
        run = optim.minimize(obj, [float(v) for v in start], "gd", float(la.eta_opt), steps, 0)
        out.add(Text(f"From ({', '.join(map(str, start))}) GD with the locally optimal η* "
                     f"{'diverges: ' + run.message if run.diverged else 'ends after ' + str(run.steps) + ' steps at f = ' + f'{run.value:.3g}'}. "  # noqa: E501
                     "Far from w* the curvature differs, so the local rate governs only "
                     "the final approach."))
        if not run.diverged:
            err = np.linalg.norm(run.path - w_star, axis=1)
            curves["GD at η* from the start"] = np.maximum(err, 1e-300)
            tail = err[-200:]
            if tail[-1] > 0 and tail[0] > 0 and tail[-1] < 1e-3:
                slope = (tail[-1] / tail[0]) ** (1 / (len(tail) - 1))
                out.add(Text(f"Its last 200 steps contract ‖w − w*‖ by {slope:.6f} per step "
                             f"(R* = {float(la.rate_opt):.6f})."))
            paths = _figure(ctx, ex, "local")
            if paths:
                t = np.arange(len(err))
                curves["R*ᵗ (local prediction)"] = err[0] * float(la.rate_opt) ** t
                optim_plots.loss_curves(curves, paths, "Distance to the minimizer", "step",
                                        "‖w − w*‖")
                out.add(Figure(paths[0], "Far away the path wanders; near w* the decay "
                                         "settles on the slope predicted by R*."))
    return out


# ---------------------------------------------------------------------------- classifiers


@task("classifier", required={"kind": Field(str, "the model", choices=models.KINDS)},
      optional={"n_samples": Field(int, "data points", min=2, limit="samples"),
                "n_features": Field(int, "features", min=1, limit="features"),
                "n_classes": Field(int, "classes (softmax)", min=2, limit="classes"),
                "lr": LEARNING_RATE, "epochs": STEPS, "sgd_epochs": STEPS, "seed": SEED,
                "separation": Field(float, "distance between the classes", above=0)},
      example='''
kind = "logistic"
n_samples = 200
lr = 0.1
epochs = 1000
''')
def classifier(ex: Exercise, ctx: Context) -> Outcome:
    """Logistic/softmax regression: gradient (1/m)Xᵀ(P − Y) derived and certified; batch vs SGD."""
    out = Outcome()
    kind = ex.fields["kind"]
    if kind not in models.KINDS:
        raise InputError(f"{ex.where('kind')}: choose from {', '.join(models.KINDS)}")
    k = 2 if kind == "logistic" else int(ex.fields.get("n_classes", 3))
    der = models.derive_gradient(kind, 2, 2, max(k, 2))
    loss_tex = (r"J(\theta) = -\frac1m\sum_i \left[y_i\log\sigma(z_i) + (1-y_i)\log(1-\sigma(z_i))"
                r"\right]" if kind == "logistic" else
                r"J(\theta) = -\frac1m\sum_i\sum_k y_{ik}\log\frac{e^{z_{ik}}}{\sum_j e^{z_{ij}}}")
    out.add(Math(loss_tex + r",\qquad Z = X\theta"),
            Boxed("Gradient", r"\nabla_\theta J = \frac1m X^\top (P - Y)"))
    out.check("SymPy: ∂J/∂θ entry by entry equals (1/m)Xᵀ(P − Y) (symbolic 2×2 data)",
              der.equal, "each entry of the difference simplifies to 0")
    cert = models.certify_gradient(kind, k=max(k, 2))
    out.check("closed form certified on rational data (JAX, finite differences, 50 digits)",
              cert.ok, cert.verdict)
    out.add(verification_table(cert, "gradient (1/m)Xᵀ(P − Y)"))
    out.claim("the gradient of the loss is (1/m)Xᵀ(P − Y) for both models", der.equal and cert.ok,
              "derived and certified")
    n = int(ex.fields.get("n_features", 2))
    m = int(ex.fields.get("n_samples", 200))
    seed = int(ex.fields.get("seed", 0))
    X, y = models.make_classification(m, n, k, float(ex.fields.get("separation", 2.5)), seed)
    lr = float(ex.fields.get("lr", 0.1))
    epochs = int(ex.fields.get("epochs", 1000))
    sgd_epochs = int(ex.fields.get("sgd_epochs", 50))
    fits = {"batch GD": models.fit_linear(X, y, kind, "batch", lr, epochs, seed),
            "SGD": models.fit_linear(X, y, kind, "sgd", lr, sgd_epochs, seed)}
    rows = [[name, str(f.epochs), str(f.epochs * (1 if name == "batch GD" else m)),
             f"{f.losses[0]:.4f}", f"{f.losses[-1]:.4f}", f"{100 * f.accuracy:.1f}%"]
            for name, f in fits.items()]
    out.add(Table(["method", "epochs", "parameter updates", "initial loss", "final loss",
                   "training accuracy"], rows,
                  f"{m} synthetic samples, {n} features, {k} classes; η = {lr:g}"))
    for name, f in fits.items():
        out.check(f"{name}: the loss decreased", f.losses[-1] < f.losses[0],
                  f"{f.losses[0]:.4f} → {f.losses[-1]:.4f}")
    paths = _figure(ctx, ex, "loss")
    if paths:
        optim_plots.loss_curves({k_: f.losses for k_, f in fits.items()}, paths,
                                f"{kind} regression: training loss per epoch", "epoch",
                                "cross-entropy")
        out.add(Figure(paths[0], "Per epoch SGD makes m updates, batch GD one: SGD's loss "
                                 "falls in far fewer epochs."))
    paths = _figure(ctx, ex, "regions")
    if paths and n == 2:
        theta = fits["batch GD"].params
        optim_plots.decision_regions(lambda G: models.predict(kind, theta, G), X, y, paths,
                                     f"{kind} regression (batch GD): decision regions")
        out.add(Figure(paths[0], "Linear decision boundaries learned by batch GD."))
    return out


# ------------------------------------------------------------------------------------ MLP


@task("mlp", required={},
      optional={"hidden": Field(list, "units per hidden layer", kind="units",
                                limit="list_items"),
                "data": Field(str, "the data set", choices=("blobs", "rings", "xor")),
                "n_samples": Field(int, "data points", min=2, limit="samples"),
                "lr": LEARNING_RATE, "epochs": STEPS,
                "gamma": Field(float, "step decay factor", above=0, max=1),
                "every": Field(int, "epochs between decays", min=1, limit="iterations"),
                "patience": Field(int, "early-stopping patience (epochs)", min=1,
                                  limit="iterations"),
                "min_delta": Field(float, "smallest improvement that counts", min=0),
                "seed": SEED},
      example='''
hidden = [16]
data = "rings"
epochs = 2000
''')
def mlp_task(ex: Exercise, ctx: Context) -> Outcome:
    """An MLP trained by hand-written backprop: gradient check, step decay, early stopping."""
    out = Outcome()
    seed = int(ex.fields.get("seed", 0))
    X, y = models.make_classification(int(ex.fields.get("n_samples", 200)), 2, 2, seed=seed,
                                      kind=ex.fields.get("data", "rings"))
    Y = models.one_hot(y)
    hidden = [int(h) for h in ex.fields.get("hidden", [16])]
    out.add(Math(r"dZ_L = \tfrac1m(P - Y),\quad dW_l = A_{l-1}^\top dZ_l,\quad "
                 r"db_l = \textstyle\sum_i dZ_l,\quad dZ_{l-1} = (dZ_l W_l^\top)\odot"
                 r"[Z_{l-1} > 0]"))
    rows = []
    for sizes in ([2, 8, 2], [2, 8, 6, 2]):
        net = models.MLP(sizes, seed, bias_scale=0.1)
        gc = models.gradient_check(net, X[:40], Y[:40])
        rows.append(["–".join(map(str, sizes)), str(gc.params), f"{gc.rel_error_fd:.1e}",
                     f"{gc.rel_error_jax:.1e}", f"{gc.kink_margin:.1e}"])
        out.check(f"backprop gradient check, layers {sizes} (rel. error < 1e-7)", gc.ok,
                  f"vs finite differences {gc.rel_error_fd:.1e}, vs JAX {gc.rel_error_jax:.1e}")
        out.check(f"layers {sizes}: no pre-activation within 100·h of the ReLU kink",
                  gc.kink_free, f"margin {gc.kink_margin:.1e}, h = {gc.step:g}")
    out.add(Table(["layers", "parameters", "rel. error vs FD", "rel. error vs JAX",
                   "kink margin"], rows,
                  "‖g − g_ref‖/(‖g‖ + ‖g_ref‖) on 40 samples; FD: Richardson central "
                  "differences, h = 1e-6"))
    lr = float(ex.fields.get("lr", 0.5))
    epochs = int(ex.fields.get("epochs", 2000))
    schedule = optim.StepDecay(float(ex.fields.get("gamma", 0.5)), int(ex.fields.get("every",
                                                                                    500)))
    patience = int(ex.fields.get("patience", 20))
    min_delta = float(ex.fields.get("min_delta", 1e-5))
    stopper = optim.EarlyStopping(patience, min_delta)
    net, fit = models.fit_mlp(X, y, hidden, lr, epochs, seed, schedule=schedule,
                              early_stopping=stopper)
    linear = models.fit_linear(X, y, "softmax", "batch", lr, fit.epochs, seed)
    out.add(Table(["model", "epochs", "final loss", "training accuracy"],
                  [[f"MLP {[2, *hidden, 2]}", str(fit.epochs), f"{fit.losses[-1]:.4f}",
                    f"{100 * fit.accuracy:.1f}%"],
                   ["softmax regression", str(linear.epochs), f"{linear.losses[-1]:.4f}",
                    f"{100 * linear.accuracy:.1f}%"]],
                  f"{len(X)} samples ({ex.fields.get('data', 'rings')}); initial η = {lr:g}, step "
                  f"decay ×{schedule.gamma:g} every {schedule.every} epochs; early stopping "
                  f"patience {patience}, min_delta {min_delta:g}"))
    out.check("the MLP separates data a linear model cannot (accuracy ≥ 95%, and above the "
              "linear model)", fit.accuracy >= 0.95 and fit.accuracy > linear.accuracy,
              f"MLP {100 * fit.accuracy:.1f}%, linear {100 * linear.accuracy:.1f}%")
    lab_stop = lab_early_stopping(fit.losses, patience, min_delta)
    ours = optim.EarlyStopping(patience, min_delta)
    our_stop = next((i for i, v in enumerate(fit.losses[1:], 1) if ours.update(v)), None)
    out.add(Text(f"On this loss curve our rule stops at epoch {our_stop}; the lab's rule "
                 f"(count only when |loss − best| ≤ min_delta, reset on any improvement) "
                 f"{'stops at epoch ' + str(lab_stop) if lab_stop else 'never stops'}."))
    out.claim("the lab's rule stops after `patience` epochs without an improvement above "
              "min_delta", lab_stop == our_stop,
              "it resets the counter on any decrease, however small, and ignores epochs that "
              "are worse by more than min_delta" if lab_stop != our_stop else
              "it agrees with the definition on this run")
    paths = _figure(ctx, ex, "loss")
    if paths:
        optim_plots.loss_curves({"MLP (backprop)": fit.losses,
                                 "softmax regression": linear.losses}, paths,
                                "Training loss with step decay and early stopping", "epoch",
                                "cross-entropy")
        out.add(Figure(paths[0], "The MLP's loss keeps falling where the linear model "
                                 "plateaus; kinks mark the learning-rate decays."))
    paths = _figure(ctx, ex, "regions")
    if paths:
        optim_plots.decision_regions(lambda G: np.argmax(net.forward(G), axis=1), X, y, paths,
                                     "MLP decision regions")
        out.add(Figure(paths[0], "The hidden layer bends the boundary around the rings."))
    return out


def lab_early_stopping(losses, patience: int, min_delta: float) -> int | None:
    """The lab's early stopping, transcribed: returns the epoch it stops at, or None."""
    best, waited = float("inf"), 0
    for epoch, value in enumerate(losses):
        if value < best:
            best, waited = value, 0
        elif abs(value - best) <= min_delta:
            waited += 1
            if waited >= patience:
                return epoch
    return None


# ----------------------------------------------------------------------------- factorize


@task("factorize", required={"rank": Field(int, "rank of U V (the Iris data has 4 features)",
                                            min=1, max=4)},
      optional={"epochs": STEPS, "lr": LEARNING_RATE, "seed": SEED,
                "seeds": Field(int, "random restarts", min=1, limit="restarts")},
      claims={"loss": Field(float, "the final loss")},
      example='''
rank = 2
epochs = 1000
lr = 0.01
claimed = { loss = 15.54 }
''')
def factorize_task(ex: Exercise, ctx: Context) -> Outcome:
    """GD on ‖A − UV‖²_F for the centered Iris data against the Eckart–Young optimum."""
    out = Outcome()
    A = fz.load_iris(center=True)
    r = ex.fields["rank"]
    epochs, lr = int(ex.fields.get("epochs", 1000)), float(ex.fields.get("lr", 0.01))
    seed = int(ex.fields.get("seed", 0))
    out.add(Math(r"L(U, V) = \|A - UV\|_F^2,\quad \nabla_U L = -2(A - UV)V^\top,\quad "
                 r"\nabla_V L = -2U^\top(A - UV)"))
    out.check("gradients derived entry by entry (SymPy) equal the matrix forms",
              fz.derive_gradients(), "2×3 matrix, rank 1, all symbolic")
    _jax_factor_check(out, A, r, seed)
    try:
        res = fz.factorize(A, r, epochs, lr, seed)
    except WorkbenchError as exc:
        raise InputError(f"{ex.where()}: {exc}") from None
    s = res.singular_values
    out.add(Math(r"\sigma = " + ",\\ ".join(f"{v:.6f}" for v in s) +
                 rf",\qquad \min_{{\operatorname{{rank}} \le {r}}} \|A - B\|_F^2 = "
                 rf"\sum_{{i>{r}}}\sigma_i^2 = {res.optimum:.6f}"))
    out.add(Table(["quantity", "value"],
                  [["GD loss after the last epoch", f"{res.final:.6f}"],
                   ["Eckart–Young optimum", f"{res.optimum:.6f}"],
                   ["gap", f"{res.gap:.3e} ({100 * res.relative_gap:.4f}%)"]],
                  f"Iris (150 × 4, centered), rank {r}, {epochs} epochs, lr {lr:g}, "
                  f"uniform [0, 1) start (seed {seed})"))
    out.check("GD never beats the optimum (Eckart–Young is a lower bound)",
              res.final >= res.optimum * (1 - 1e-12), f"{res.final:.6f} ≥ {res.optimum:.6f}")
    out.check("GD ends within 1% of the Eckart–Young optimum", res.relative_gap < 0.01,
              f"relative gap {res.relative_gap:.2e}")
    n_seeds = int(ex.fields.get("seeds", 0))
    if n_seeds:
        gaps = [fz.factorize(A, r, epochs, lr, s_).relative_gap for s_ in range(n_seeds)]
        within = sum(g < 0.01 for g in gaps)
        out.add(Text(f"Over seeds 0–{n_seeds - 1}, {within} of {n_seeds} runs end within 1% "
                     f"of the optimum (worst gap {100 * max(gaps):.2f}%): a start near the "
                     "rank-1 saddle can leave GD on its plateau past the epoch budget."))
    claimed = _claimed(ex, "loss")
    if claimed is not None:
        c = float(claimed)
        holds = abs(c - res.optimum) <= 0.01 * res.optimum
        out.claim(f"the reconstruction loss is about {c:g}", holds,
                  f"the attainable minimum is {res.optimum:.4f}; {c:g} is "
                  f"{100 * (c - res.optimum) / res.optimum:.1f}% above it" +
                  ("" if holds else " (GD had not finished)"))
    paths = _figure(ctx, ex, "loss")
    if paths:
        optim_plots.loss_curves({f"GD, lr {lr:g}": res.losses}, paths,
                                f"Rank-{r} factorization of centered Iris", "epoch",
                                r"$\|A - UV\|_F^2$",
                                hlines={f"Eckart–Young optimum {res.optimum:.4f}": res.optimum})
        out.add(Figure(paths[0], "The loss drops fast, lingers near the rank-1 saddle, then "
                                 "settles on the optimum."))
    return out


def _jax_factor_check(out, A, r, seed):
    from ..backends import jaxutil

    jax, jnp = jaxutil.jax(), jaxutil.jnp()
    rng = np.random.default_rng(seed)
    U, V = rng.random((A.shape[0], r)), rng.random((r, A.shape[1]))
    gU, gV = jax.grad(lambda u, v: jnp.sum((jnp.asarray(A) - u @ v) ** 2), (0, 1))(
        jnp.asarray(U), jnp.asarray(V))
    mU, mV = fz.gradients(A, U, V)
    err = max(float(np.max(np.abs(mU - gU)) / np.max(np.abs(gU))),
              float(np.max(np.abs(mV - gV)) / np.max(np.abs(gV))))
    out.check("matrix gradients agree with JAX autodiff on Iris (rel. error < 1e-12)",
              err < 1e-12, f"{err:.1e}")
