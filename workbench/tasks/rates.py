"""Tasks on the convergence rate of gradient descent: rate(η), η*, R*, measured and local.

* ``rate``         rate(η) = max_i |1 − ηλ_i| as a piecewise function, η* and R* (HW1 Q3.2–3.4);
* ``convergence``  f(w(t)) in closed form and rate(η) measured on random SPD H (HW1 Q3);
* ``local_rate``   the Hessian at a minimum → κ, the locally optimal η, and GD near it.

One concept: on a quadratic with Hessian eigenvalues λ_i, GD multiplies the error
in eigen-direction i by 1 − ηλ_i per step, so the slowest mode sets the rate
R(η) = max(|1 − ηλmin|, |1 − ηλmax|), smallest at η* = 2/(λmin + λmax).  A measured
rate is the contraction per step before the iterates reach the float64 floor:

>>> rate, first, last = contraction([1e-4 * 0.5 ** k for k in range(60)])
>>> round(rate, 12), last   # 1e-4 / 2**26 is the last distance above 1e-12
(0.5, 26)
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from ..core.errors import InputError, WorkbenchError
from ..core.parse import parse, parse_number
from ..core.printing import to_latex
from ..optim import convergence as cv
from ..optim import optimizers as optim
from ..optim import plots as optim_plots
from .common import FUNC, decimal, exact_number, figure_paths, fmt, parse_at, point_text, sci
from .model import Boxed, Figure, Math, Outcome, Steps, Table, Text
from .registry import Context, Exercise, task
from .schema import POINT, SEED, STEPS, Field

#: Where a run's distance to the minimizer is read for a contraction rate: below
#: NEAR the quadratic model holds; FLOOR·max(1, ‖w*‖) is a few hundred float64 ulps
#: of w*, where the iterates stop moving and a measured "rate" would be round-off.
NEAR, FLOOR = 1e-3, 1e-12


def contraction(errors, scale: float = 1.0, window: int = 200) -> tuple[float, int, int]:
    """Per-step contraction of ``errors`` over its last ``window`` steps between NEAR and the floor.

    Returns ``(rate, first, last)``, the steps measured over (0-based indices into
    ``errors``), or ``(nan, -1, -1)`` when fewer than two steps lie in the band.

    >>> errs = [1e-2] + [1e-4 * 0.5 ** k for k in range(40)] + [0.0] * 5
    >>> rate, first, last = contraction(errs, window=10)
    >>> round(rate, 12), first, last
    (0.5, 18, 27)
    """
    e = np.asarray(errors, dtype=float)
    band = np.flatnonzero((e < NEAR) & (e > FLOOR * max(1.0, scale)))
    if len(band) < 2:
        return float("nan"), -1, -1
    last = int(band[-1])
    first = int(max(band[0], last - window + 1))
    return float((e[last] / e[first]) ** (1 / (last - first))), first, last

# ----------------------------------------------------------------------------- rate theory

RATE_NAMES = ["eta", "lmin", "lmax", "kappa"]


@task("rate", required={},
      optional={"eigs": Field(list, "eigenvalues of the Hessian (positive)", kind="numbers",
                              above=0, limit="list_items"),
                "eta": Field((str, float), "a step size to evaluate", kind="number")},
      claims={"eta_opt": Field(str, "η* in lmin, lmax (or kappa)", kind="expr"),
              "rate_opt": Field(str, "R* in lmin, lmax (or kappa)", kind="expr"),
              "rate_negative_eta": Field(str, "rate(η) for η < 0", kind="expr")},
      prose={"intro": "before the derivation of rate(η)"},
      example='''
eigs = ["1", "10"]
claimed = { eta_opt = "2/(lmax + lmin)" }
''')
def rate_task(ex: Exercise, ctx: Context) -> Outcome:
    """rate(η) as a piecewise function, η* and R*, derived and checked; numbers for given λ."""
    out = Outcome()
    d = cv.derive_rate()
    if ex.paragraph("intro"):
        out.add(Text(ex.paragraph("intro")))
    out.add(Steps(d.steps))
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
    rows = [["$\\kappa$", to_latex(kappa), decimal(float(kappa))],
            ["$\\eta^*$", to_latex(eta_opt), decimal(float(eta_opt))],
            ["$R^*$", to_latex(rate_opt), decimal(float(rate_opt))],
            ["$2/\\lambda_{\\max}$", to_latex(cv.tidy(2 / hi)), decimal(float(2 / hi))]]
    H = cv.rotated_diag(vals)
    U = np.linalg.eigh(H)[1]
    measured = cv.measured_rate(H, float(eta_opt), 20, U=U)
    out.check("measured contraction at η* equals R*", abs(measured - float(rate_opt)) < 1e-9,
              f"measured {measured:.15f}, predicted {float(rate_opt):.15f}")
    if "eta" in ex.fields:
        eta = exact_number(ex, "eta")
        r = cv.tidy(cv.rate(eta, vals))
        rows.append([f"$\\operatorname{{rate}}({to_latex(eta)})$", to_latex(r), decimal(float(r))])
        m = cv.measured_rate(H, float(eta), 20, U=U)
        out.check(f"measured contraction at η = {decimal(float(eta))} equals rate(η)",
                  abs(m - float(r)) < 1e-9, f"measured {m:.15f}")
    out.add(Table(["quantity", "exact", "decimal"], rows,
                  "Eigenvalues $" + ",\\ ".join(map(to_latex, vals)) + "$", (1,)))
    paths = figure_paths(ctx, ex, "rate")
    if paths:
        grid = np.linspace(0.02, 1.2 * 2 / float(hi), 40)
        meas = np.array([cv.measured_rate(H, e, 20, U=U) for e in grid])
        optim_plots.rate_curve([float(v) for v in vals], paths, (grid, np.minimum(meas, 1.3)))
        out.add(Figure(paths[0], "$\\operatorname{rate}(\\eta)$ and its two branches; dots: "
                                 "contraction measured on GD runs; green: $\\eta^*$; red: "
                                 "$2/\\lambda_{\\max}$, beyond which GD diverges."))


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
        out.claim(f"$\\eta^* = {to_latex(c)}$", sp.simplify(c - d.eta_opt) == 0,
                  f"derived: $\\eta^* = {to_latex(d.eta_opt)}$")
    if "rate_opt" in ex.claimed:
        c = read("rate_opt").subs(b, kappa * a)
        holds = sp.simplify(c - d.rate_opt_kappa) == 0
        out.claim(f"$R^* = {to_latex(read('rate_opt'))}$", holds,
                  f"derived: $R^* = {to_latex(d.rate_opt_kappa)}$ with "
                  "$\\kappa = \\lambda_{\\max}/\\lambda_{\\min}$" +
                  ("" if holds else "; $R^* < 1$ while $\\kappa \\ge 1$, so $R^*$ is not "
                   "$\\kappa$ itself"))
    if "rate_negative_eta" in ex.claimed:
        c = read("rate_negative_eta")
        true = d.piecewise.args[0][0]
        holds = sp.simplify(c - true) == 0
        out.claim(f"for $\\eta < 0$, $\\operatorname{{rate}}(\\eta) = {to_latex(c)}$", holds,
                  "for $\\eta < 0$ both $|1 - \\eta\\lambda|$ exceed 1 and the larger is "
                  f"${to_latex(true)}$" +
                  ("" if holds else "; e.g. $\\lambda_{\\min} = 1$, $\\lambda_{\\max} = 2$, "
                   f"$\\eta = -1$: claimed ${to_latex(c.subs({a: 1, b: 2, eta: -1}))}$, true 3"))


# -------------------------------------------------------------------------- convergence (Q3)


@task("convergence", required={},
      optional={"kappas": Field(list, "condition numbers κ ≥ 1", kind="numbers", min=1,
                                limit="list_items"),
                "d": Field(int, "dimension of the quadratic", min=2, limit="dimension"),
                "seed": SEED},
      prose={"intro": "before the closed form of f(w(t))"},
      example='''
kappas = [10, 100]
d = 6
''')
def convergence_task(ex: Exercise, ctx: Context) -> Outcome:
    """f(w(t)) in closed form and rate(η) measured on GD runs on random SPD H with given κ."""
    out = Outcome()
    traj = cv.derive_trajectory()
    if ex.paragraph("intro"):
        out.add(Text(ex.paragraph("intro")))
    out.add(Steps(traj.steps))
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
        rows.append([decimal(c.kappa), decimal(c.eta_opt), f"{c.rate_opt:.8f}",
                     f"{c.measured[np.argmin(c.measured)]:.8f}", sci(c.rate_error),
                     sci(c.value_error), f"{c.diverge_rate:.4f}", sci(c.diverge_growth, 3)])
        out.check(f"κ = {decimal(c.kappa)}: measured per-step contraction equals rate(η) on "
                  f"{len(c.etas)} step sizes", c.rate_error < 1e-6,
                  f"max |measured − predicted| = {c.rate_error:.1e} (tolerance 1e-6)")
        out.check(f"κ = {decimal(c.kappa)}: η* minimizes the measured rate over the grid",
                  c.argmin_is_opt)
        out.check(f"κ = {decimal(c.kappa)}: f(w(t)) follows Σ(1−ηλ)^(2t)λz²/2 (rel. error < 1e-10)",
                  c.value_error < 1e-10, fmt(c.value_error))
        out.check(f"κ = {decimal(c.kappa)}: GD diverges at η = 1.05·2/λmax",
                  c.diverge_rate > 1 and c.diverge_growth > 1e3,
                  f"measured rate {c.diverge_rate:.4f}, ‖w(200)‖/‖w(0)‖ = "
                  f"{c.diverge_growth:.3g}")
    out.add(Table(["$\\kappa$", "$\\eta^*$", "$R^*$", "min measured", "max rate error",
                   "$f(w(t))$ error", "rate at $1.05 \\cdot 2/\\lambda_{\\max}$",
                   "growth in 200 steps"], rows,
                  f"Random SPD $H$ ($d = {d}$, eigenvalues log-spaced in $[1, \\kappa]$); rates "
                  "measured from GD iterates projected on the eigenvectors"))
    paths = figure_paths(ctx, ex, "rates")
    if paths and results:
        c = min(results, key=lambda r: r.kappa)  # the smallest κ shows the V shape best
        optim_plots.rate_curve(c.eigenvalues, paths, (c.etas, c.measured))
        out.add(Figure(paths[0], f"$\\kappa = {decimal(c.kappa)}$: "
                                 "$\\operatorname{rate}(\\eta)$ (black), its branches, and the "
                                 "contraction measured on GD runs (red dots)."))
    paths = figure_paths(ctx, ex, "decay")
    if paths and results:
        decay = {}
        for c in results:
            H, _ = cv.random_spd(d, c.kappa, seed)
            w0 = np.random.default_rng(seed + 2).standard_normal(d)
            p = cv.gd_quadratic(H, c.eta_opt, w0, 400)
            f = 0.5 * np.einsum("ti,ij,tj->t", p, H, p)
            decay[f"κ = {decimal(c.kappa)}: f(w(t))/f(w(0)) at η*"] = f / f[0]
        optim_plots.loss_curves(decay, paths, "GD at η* on random SPD quadratics", "step t",
                                "f(w(t)) / f(w(0))")
        out.add(Figure(paths[0], "Larger $\\kappa$, slower decay: the slope of $\\log f$ is "
                                 "$2 \\log R^*$."))
    return out


# ------------------------------------------------------------------------ local rate (Beale)


@task("local_rate", required={"func": FUNC, "at": POINT},
      optional={"start": Field(list, "a start near the minimum", kind="floats",
                               limit="list_items"),
                "steps": STEPS},
      prose={"far": "after the run from the start: why the local rate governs only the end"},
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
              "∇f = (" + ", ".join(map(str, grad0)) + ")")
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
    for label, eta in (("$\\eta^*/2$", float(la.eta_opt) / 2), ("$\\eta^*$", float(la.eta_opt)),
                       ("$1.02 \\cdot 2/\\lambda_{\\max}$", 1.02 * float(la.eta_max))):
        predicted = max(abs(1 - eta * lo), abs(1 - eta * hi))
        # a diverging run starts closer (1e-9), so after growing 1.04²⁰⁰ ≈ 2500-fold it is
        # still where the quadratic model holds
        measured = cv.local_contraction(obj, w_star, eta, 1e-6 if predicted < 1 else 1e-9)
        rows.append([label, decimal(eta), f"{predicted:.8f}", f"{measured:.8f}"])
        out.check(f"near the minimum, GD at {label} contracts at rate(η) (within 1e-5)",
                  abs(measured - predicted) < 1e-5,
                  f"measured {measured:.8f}, quadratic model {predicted:.8f}")
    out.add(Table(["$\\eta$", "value", "$\\operatorname{rate}(\\eta)$ of the local quadratic",
                   "measured near $w^*$"], rows,
                  "GD started $10^{-6}$ ($10^{-9}$ for the diverging $\\eta$) from the minimizer; "
                  "contraction of $\\|w - w^*\\|$ per step over steps 100 to 200"))
    start = ex.fields.get("start")
    if start:
        steps = int(ex.fields.get("steps", 5000))
        run = optim.minimize(obj, [float(v) for v in start], "gd", float(la.eta_opt), steps, 0)
        outcome = (f"diverges ({run.message})" if run.diverged else
                   f"ends after {run.steps} steps at $f = {run.value:.3g}$")
        out.add(Text(f"From ${point_text(start)}$ GD with the locally optimal $\\eta^*$ "
                     f"{outcome}. {ex.paragraph('far')}".strip()))
        if not run.diverged:
            err = np.linalg.norm(run.path - w_star, axis=1)
            curves["GD at η* from the start"] = np.maximum(err, 1e-300)
            slope, first, last = contraction(err, float(np.linalg.norm(w_star)))
            if first >= 0:
                out.add(Text(f"Over steps {first} to {last}, the last within $10^{{-3}}$ of "
                             "$w^*$ before the distance reaches the float64 floor, "
                             f"$\\|w - w^*\\|$ contracts by {slope:.6f} per step "
                             f"($R^* = {float(la.rate_opt):.6f}$)."))
            paths = figure_paths(ctx, ex, "local")
            if paths:
                t = np.arange(len(err))
                curves["R*ᵗ (local prediction)"] = err[0] * float(la.rate_opt) ** t
                optim_plots.loss_curves(curves, paths, "Distance to the minimizer", "step",
                                        "‖w − w*‖")
                out.add(Figure(paths[0], "Far away the path wanders; near w* the decay "
                                         "settles on the slope predicted by R*."))
    return out


