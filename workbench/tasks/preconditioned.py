"""The task ``preconditioned``: preconditioned GD and gradient flow (HW1 Q2), on examples.

With a preconditioner A the step is w ← w − ηA∇f.  For f = wᵀHw/2, A = H⁻¹ and
η = 1 reach the minimizer in one step; for β-smooth f the descent lemma gives a
step-size bound, checked on a quadratic and a logistic loss (and shown tight by a
two-point oscillation); the flow ẇ = −A∇f is integrated by RK4 against its exact
solution exp(−tAH)w(0).  The explanations are the course's, from the exercise
file's ``prose``.

>>> rng = np.random.default_rng(0)
>>> bool(np.linalg.eigvalsh(random_preconditioner(rng, 3)).min() >= 0.2)
True
"""

from __future__ import annotations

import math

import numpy as np

from ..core.printing import to_latex
from ..optim import convergence as cv
from ..optim import models
from ..optim import plots as optim_plots
from .common import claimed_value as _claimed
from .common import decimal, figure_paths, sci
from .model import Figure, Math, Outcome, Table, Text
from .registry import Context, Exercise, task
from .schema import SEED, Field

#: The paragraphs an exercise file may give, in the order they are printed.
PROSE = {"newton": "before the one-step solution with A = H⁻¹",
         "step_bound": "before the step-size bound's examples",
         "boundary": "before the counterexample at the bound",
         "flow": "before the gradient flow"}

@task("preconditioned", required={},
      optional={"d": Field(int, "dimension", min=2, limit="dimension"),
                "kappa": Field(float, "condition number", min=1), "seed": SEED},
      claims={"bound_inclusive_converges": Field(bool, "GD converges at η = 2/λmax")},
      prose=PROSE,
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
    _paragraph(ex, out, "newton")
    out.add(Math(r"w(1) = w(0) - H^{-1} H\, w(0) = 0"))
    out.check("w(0) − inv(H)Hw(0) simplifies to 0 for a symbolic 2×2 H", sym, "SymPy")
    out.check(f"one step reaches the minimizer on a random SPD H (d = {d}, κ = {kappa:g})",
              rel < 1e-12 * kappa, f"‖w(1)‖/‖w(0)‖ = {rel:.1e} (round-off scales with κ)")
    out.claim("$A = H^{-1}$ with $\\eta = 1$ converges in a single step",
              sym and rel < 1e-12 * kappa,
              "checked symbolically and numerically")
    _step_bound(ex, ctx, out, H, w0, rng)
    _flow(ex, ctx, out, H, w0, rng)
    return out


#: Problem names as typeset in the table (the figure's legend keeps the plain ones).
TYPESET = {"quadratic wᵀHw/2": "quadratic $\\tfrac12 w^\\top H w$"}


def _paragraph(ex: Exercise, out: Outcome, name: str) -> None:
    if ex.paragraph(name):
        out.add(Text(ex.paragraph(name)))


def random_preconditioner(rng, n: int) -> np.ndarray:
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
    _paragraph(ex, out, "step_bound")
    rows, curves = [], {}
    A = random_preconditioner(rng, len(H))
    f_log, g_log, beta_log, n_log = _logistic_problem(rng)
    A_log = random_preconditioner(rng, n_log)
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
            rows.append([TYPESET.get(name, name), decimal(beta), decimal(bound),
                         f"{frac:g} × bound", decimal(values[0]),
                         decimal(values[-1]), sci(worst)])
            out.check(f"{name}, η = {frac:g}·bound: f never increases", ok,
                      f"largest step change {worst:.1e}")
            curves[f"{name}, η = {frac:g}·bound"] = values - min(values.min(), 0) + 1e-300
    out.add(Table(["problem", "$\\beta$", "bound", "$\\eta$", "$f(w_0)$", "$f(w_{300})$",
                   "largest step change of $f$"], rows))
    seq = cv.boundary_counterexample()
    _paragraph(ex, out, "boundary")
    out.add(Math(r"w(t) = " + ",\\ ".join(map(to_latex, seq)) + r",\ \dots"))
    bounces = all(seq[i] == (-1) ** i for i in range(len(seq)))
    out.check("counterexample at the boundary: w(t) = (−1)^t w(0), exact", bounces)
    claimed = _claimed(ex, "bound_inclusive_converges")
    if claimed is not None:
        out.claim("$0 < \\eta \\le 2\\lambda_{\\min}(A)/(\\beta\\lambda_{\\max}(A^\\top A))$ "
                  "guarantees convergence to a critical point",
                  not bounces, "fails at equality: the iterates oscillate between $w(0)$ and "
                  "$-w(0)$; the proof needs $\\eta$ strictly below the bound (then $c > 0$)")
    paths = figure_paths(ctx, ex, "monotone")
    if paths:
        optim_plots.loss_curves(curves, paths, "Preconditioned GD below the step-size bound",
                                "step", "f − min(f, 0)")
        out.add(Figure(paths[0], "$f$ along preconditioned GD: monotone for $\\eta$ up to the "
                                 "bound."))


def _flow(ex, ctx, out, H, w0, rng):
    _paragraph(ex, out, "flow")
    A = random_preconditioner(rng, len(H))
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
    A_log = random_preconditioner(rng, n_log)
    t2, ys_log = cv.gradient_flow(g_log, A_log, np.zeros(n_log), 500.0, 5000)
    f_path = np.array([f_log(w) for w in ys_log])
    gnorm = np.array([np.linalg.norm(g_log(w)) for w in ys_log])
    out.check("logistic loss: f decreases along the flow and ‖∇f‖ shrinks by 100×",
              bool(np.all(np.diff(f_path) <= 1e-12)) and gnorm[-1] < 1e-2 * gnorm[0],
              f"‖∇f‖: {gnorm[0]:.3g} → {gnorm[-1]:.3g}")
    paths = figure_paths(ctx, ex, "flow")
    if paths:
        optim_plots.loss_curves({"quadratic: f(w(t))": fvals, "logistic: ‖∇f(w(t))‖": gnorm},
                                paths, "Gradient flow ẇ = −A∇f (RK4)", "RK4 step", "value")
        out.add(Figure(paths[0], "Along the flow $f$ falls and the gradient vanishes."))


