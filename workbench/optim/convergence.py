"""Convergence of gradient descent on quadratics, derived with SymPy and measured numerically.

For f(w) = ½ wᵀHw with H = XᵀX = UΛUᵀ (λ₁ ≤ … ≤ λ_d, all > 0), ∇f = Hw and a GD
step is w ← (I − ηH)w.  In the eigenbasis z = Uᵀw the modes decouple::

    z_i(t+1) = (1 − ηλ_i) z_i(t)   ⇒   z_i(t) = (1 − ηλ_i)ᵗ z_i(0)
    f(w(t))  = ½ Σᵢ (1 − ηλ_i)^{2t} λ_i z_i(0)²

so the slowest mode sets the per-step contraction

    rate(η) = max(|1 − ηλ_min|, |1 − ηλ_max|)
            = 1 − ηλ_max   for η ≤ 0
              1 − ηλ_min   for 0 < η ≤ 2/(λ_min + λ_max)
              ηλ_max − 1   for η > 2/(λ_min + λ_max)

which is smallest at η* = 2/(λ_max + λ_min), where R* = (κ − 1)/(κ + 1) with
κ = λ_max/λ_min, and exceeds 1 (GD diverges) for η > 2/λ_max.

:func:`derive_rate` and :func:`derive_trajectory` obtain these formulas with
SymPy (``rsolve``, ``factor``, ``solve``) and check them exactly;
:func:`check_quadratic` runs GD on random SPD matrices and measures what the
formulas predict.  Preconditioned GD w ← w − ηA∇f (HW1 Q2), its step-size
bound, and gradient flow ẇ = −A∇f (integrated by :func:`rk4`) are here too, as
is the local picture at a minimum of a non-quadratic f (:func:`local_analysis`).

>>> r = derive_rate()
>>> r.eta_opt
2/(lambda_max + lambda_min)
>>> [float(v) for v in optimal_rate([1, 100])]
[100.0, 0.019801980198019802, 0.9801980198019802]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from ..core.errors import InputError
from ..symbolic.calculus import gradient, hessian, symbols
from .optimizers import Objective, Optimizer, exact

# --------------------------------------------------------------------------- symbolic theory

ETA = sp.Symbol("eta", real=True)
LMIN = sp.Symbol("lambda_min", positive=True)
LMAX = sp.Symbol("lambda_max", positive=True)
KAPPA = sp.Symbol("kappa", positive=True)


@dataclass
class RateDerivation:
    """rate(η) as a piecewise function, η*, R*, the divergence threshold, and the checks."""

    piecewise: sp.Piecewise       # Max(|1 − ηλmin|, |1 − ηλmax|) branch by branch
    eta_opt: sp.Expr
    rate_opt: sp.Expr
    rate_opt_kappa: sp.Expr
    eta_max: sp.Expr              # GD converges iff 0 < η < eta_max
    steps: list[tuple[str, str, str]] = field(default_factory=list)
    checks: dict[str, bool] = field(default_factory=dict)


def derive_rate(samples: int = 60, seed: int = 0) -> RateDerivation:
    """Derive the piecewise rate, η* and R* with SymPy, and check each exactly.

    The branch boundaries come from factoring the difference of the squared
    branches, (1 − ηλmin)² − (1 − ηλmax)² = η(λmax − λmin)(2 − η(λmax + λmin));
    the piecewise form is then checked against the max of absolute values at
    ``samples`` random exact rational points (λmin < λmax, η on both sides of
    each breakpoint), which is exact arithmetic, not a float comparison.
    """
    a, b, eta = LMIN, LMAX, ETA
    diff = sp.factor(sp.expand((1 - eta * a) ** 2 - (1 - eta * b) ** 2))
    breaks = sorted(sp.solve(diff, eta), key=lambda e: 0 if e == 0 else 1)
    piece = sp.Piecewise((1 - eta * b, eta <= 0), (1 - eta * a, eta <= breaks[1]),
                         (eta * b - 1, True))
    # η* sits where the falling branch 1 − ηλmin meets the rising branch ηλmax − 1
    eta_opt = sp.solve(sp.Eq(1 - eta * a, eta * b - 1), eta)[0]
    rate_opt = sp.factor(sp.simplify((1 - eta * a).subs(eta, eta_opt)))
    rate_kappa = sp.simplify(rate_opt.subs(b, KAPPA * a))
    eta_max = sp.solve(sp.Eq(eta * b - 1, 1), eta)[0]

    agree = piecewise_agrees(piece, samples, seed)
    slopes = (sp.diff(1 - eta * a, eta), sp.diff(eta * b - 1, eta))
    checks = {
        "breakpoints are 0 and 2/(λmax+λmin)": breaks == [0, 2 / (a + b)],
        "piecewise form equals max(|1−ηλmin|, |1−ηλmax|) at exact sample points": agree,
        "rate falls before η* and rises after it": bool(slopes[0] < 0 and slopes[1] > 0),
        "η* = 2/(λmax+λmin)": sp.simplify(eta_opt - 2 / (a + b)) == 0,
        "R* = (κ−1)/(κ+1)": sp.simplify(rate_kappa - (KAPPA - 1) / (KAPPA + 1)) == 0,
        "both branches equal R* at η*": sp.simplify((eta * b - 1).subs(eta, eta_opt)
                                                    - rate_opt) == 0,
        "divergence threshold 2/λmax": sp.simplify(eta_max - 2 / b) == 0,
    }
    L = sp.latex
    steps = [
        (r"(1-\eta\lambda_{\min})^2-(1-\eta\lambda_{\max})^2", L(diff),
         "sign decides which mode is slower"),
        (r"\operatorname{rate}(\eta)", L(piece),
         r"$\eta \le 2/(\lambda_{\min}+\lambda_{\max}) \le 1/\lambda_{\min}$ keeps "
         r"$1-\eta\lambda_{\min} \ge 0$"),
        (r"\eta^*", L(eta_opt), "falling branch meets rising branch"),
        (r"R^* = \operatorname{rate}(\eta^*)", L(rate_opt) + " = " + L(rate_kappa),
         r"$\kappa = \lambda_{\max}/\lambda_{\min}$"),
        (r"\operatorname{rate}(\eta) < 1", r"0 < \eta < " + L(eta_max), "else GD diverges"),
    ]
    return RateDerivation(piece, eta_opt, rate_opt, rate_kappa, eta_max, steps, checks)


def piecewise_agrees(piece: sp.Expr, samples: int = 60, seed: int = 0) -> bool:
    """Does ``piece`` (in η, λmin, λmax) equal max(|1 − ηλmin|, |1 − ηλmax|) at exact samples?

    Samples are random rationals λmin < λmax and η at −η*/3, η*/5, η*, 7η*/5, 3η*:
    every region of the piecewise form, each compared in exact arithmetic.
    """
    a, b, eta = LMIN, LMAX, ETA
    rate = sp.Max(sp.Abs(1 - eta * a), sp.Abs(1 - eta * b))
    rng = np.random.default_rng(seed)
    for _ in range(samples):
        lo, hi = sorted(rng.choice(np.arange(1, 400), 2, replace=False))
        av, bv = sp.Rational(int(lo), 7), sp.Rational(int(hi), 7)
        e_star = 2 / (av + bv)
        for e in (-e_star / 3, e_star / 5, e_star, e_star * sp.Rational(7, 5), 3 * e_star):
            subs = {a: av, b: bv, eta: e}  # xreplace: exact numbers in, no assumption queries
            if rate.xreplace(subs) != piece.xreplace(subs):
                return False
    return True


@dataclass
class TrajectoryDerivation:
    """z_i(t) from the recurrence, f(w(t)) in closed form, and an exact check."""

    mode: sp.Expr            # z_i(t)
    value: sp.Expr           # f(w(t)) as a Sum over modes
    gradient_is_Hw: bool
    exact_check: bool
    steps: list[tuple[str, str, str]] = field(default_factory=list)


def derive_trajectory(check_steps: int = 8) -> TrajectoryDerivation:
    """Solve z(t+1) = (1 − ηλ)z(t) with ``rsolve`` and assemble f(w(t)); check it exactly.

    The check runs GD in exact rational arithmetic on H = U·diag(1, 4)·Uᵀ with the
    rational rotation U = [[3/5, −4/5], [4/5, 3/5]], η = 1/5, w(0) = (1, 2), and
    compares f(w(t)) with the closed form for t = 0, …, ``check_steps``.
    """
    t = sp.Symbol("t", integer=True, nonnegative=True)
    # z_i(0) is named so that it prints as z_i(0), not z_{i(0)}
    lam, z0 = sp.Symbol("lambda_i", positive=True), sp.Symbol("z_{i}(0)", real=True)
    z = sp.Function("z")
    mode = sp.rsolve(z(t + 1) - (1 - ETA * lam) * z(t), z(t), {z(0): z0})
    i, d = sp.symbols("i d", integer=True, positive=True)
    lam_i, z_i = sp.IndexedBase("lambda"), sp.IndexedBase("z0")
    value = sp.Rational(1, 2) * sp.Sum((1 - ETA * lam_i[i]) ** (2 * t) * lam_i[i] * z_i[i] ** 2,
                                       (i, 1, d))

    # ∇(½wᵀHw) = Hw for a symmetric H, derived entry by entry
    h11, h12, h22, w1, w2 = sp.symbols("h11 h12 h22 w1 w2", real=True)
    Hs = sp.Matrix([[h11, h12], [h12, h22]])
    ws = sp.Matrix([w1, w2])
    f = (ws.T * Hs * ws)[0] / 2
    grad_ok = sp.simplify(sp.Matrix(gradient(f, [w1, w2])) - Hs * ws) == sp.zeros(2, 1)

    U = sp.Matrix([[sp.Rational(3, 5), -sp.Rational(4, 5)], [sp.Rational(4, 5), sp.Rational(3, 5)]])
    lams = [sp.Integer(1), sp.Integer(4)]
    H = U * sp.diag(*lams) * U.T
    eta = sp.Rational(1, 5)
    w = sp.Matrix([1, 2])
    zs = U.T * w
    ok = True
    for k in range(check_steps + 1):
        closed = sp.Rational(1, 2) * sum((1 - eta * lams[j]) ** (2 * k) * lams[j] * zs[j] ** 2
                                         for j in range(2))
        ok &= (w.T * H * w)[0] / 2 == closed
        w = w - eta * H * w
    L = sp.latex
    steps = [
        (r"\nabla f(w)", "Hw", "$H$ symmetric"),
        (r"z(t+1) = U^\top w(t+1)", r"U^\top(I-\eta H)w(t) = (I-\eta\Lambda)\,z(t)",
         r"$U^\top H = \Lambda U^\top$"),
        (r"z_i(t)", L(mode), "the recurrence solved"),
        (r"f(w(t)) = \tfrac12 z(t)^\top \Lambda z(t)", L(value), ""),
    ]
    return TrajectoryDerivation(mode, value, bool(grad_ok), bool(ok), steps)


def optimal_rate(eigs: Sequence) -> tuple[sp.Expr, sp.Expr, sp.Expr]:
    """(κ, η*, R*) for the eigenvalues of an SPD matrix, exact when the eigenvalues are."""
    vals = [exact(v) for v in eigs]
    if not vals:
        raise InputError("no eigenvalues given")
    bad = [v for v in vals if not v.is_positive]
    if bad:
        raise InputError(f"eigenvalue {bad[0]} is not positive: H must be symmetric positive "
                         "definite (all eigenvalues > 0)")
    lo, hi = min(vals, key=float), max(vals, key=float)
    return tidy(hi / lo), tidy(2 / (hi + lo)), tidy((hi - lo) / (hi + lo))


def tidy(e: sp.Expr) -> sp.Expr:
    """Rationalize denominators and expand: (√5 + 5)²/20 becomes 3/2 + √5/2."""
    return sp.expand(sp.radsimp(e))


def rate(eta, eigs: Sequence) -> sp.Expr:
    """rate(η) = max(|1 − ηλmin|, |1 − ηλmax|), exact for exact inputs."""
    vals = [exact(v) for v in eigs]
    e = exact(eta)
    lo, hi = min(vals, key=float), max(vals, key=float)
    return sp.Max(sp.Abs(1 - e * lo), sp.Abs(1 - e * hi))


# --------------------------------------------------------------------------- numeric checks


def spd_eigenvalues(H, name: str = "H") -> np.ndarray:
    """Eigenvalues of ``H`` (ascending) after checking that it is symmetric positive definite."""
    H = np.asarray(H, dtype=float)
    if H.ndim != 2 or H.shape[0] != H.shape[1]:
        raise InputError(f"{name} must be a square matrix, got shape {H.shape}")
    if not np.all(np.isfinite(H)):
        raise InputError(f"{name} has non-finite entries")
    scale = max(np.max(np.abs(H)), 1e-300)
    asym = np.max(np.abs(H - H.T))
    if asym > 1e-12 * scale:
        raise InputError(f"{name} is not symmetric (max |{name} − {name}ᵀ| = {asym:.3g}); "
                         "a symmetric positive definite matrix is required")
    eig = np.linalg.eigvalsh((H + H.T) / 2)
    if eig[0] <= 0:
        raise InputError(f"{name} is not positive definite: smallest eigenvalue {eig[0]:.6g} ≤ 0")
    return eig


def random_spd(d: int, kappa: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(H, X) with H = XᵀX = UΛUᵀ, eigenvalues log-spaced from 1 to κ, U Haar-random."""
    if d < 2:
        raise InputError(f"dimension must be at least 2, got {d}")
    if not kappa >= 1:
        raise InputError(f"condition number must be ≥ 1, got {kappa}")
    rng = np.random.default_rng(seed)
    Q, R = np.linalg.qr(rng.standard_normal((d, d)))
    Q = Q * np.sign(np.diag(R))  # sign fix makes Q Haar-distributed
    lam = np.geomspace(1.0, kappa, d)
    X = np.sqrt(lam)[:, None] * Q.T
    H = X.T @ X
    return (H + H.T) / 2, X


def gd_quadratic(H: np.ndarray, eta: float, w0: np.ndarray, steps: int) -> np.ndarray:
    """GD on ½wᵀHw (∇f = Hw) with the library's optimizer; returns the (steps+1, d) path."""
    opt = Optimizer("gd", eta)
    path = [np.asarray(w0, dtype=float)]
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps):
            path.append(opt.step(path[-1], H @ path[-1]))
    return np.array(path)


def rotated_diag(eigs: Sequence[float], seed: int = 0) -> np.ndarray:
    """Q·diag(λ)·Qᵀ with Q from the QR of a seeded Gaussian matrix: a quadratic with
    eigenvalues λ whose eigenbasis is not the trivial one."""
    H = np.diag([float(v) for v in eigs])
    d = len(H)
    Q, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((d, d)))
    return Q @ H @ Q.T


def measured_rate(H: np.ndarray, eta: float, steps: int = 30, seed: int = 1,
                  U: np.ndarray | None = None) -> float:
    """Per-step contraction of GD measured on a run: maxᵢ |z_i(T)/z_i(0)|^{1/T}, z = Uᵀw.

    The eigenvectors come from ``numpy.linalg.eigh`` (pass ``U = eigh(H)[1]`` to
    reuse them across calls); the contraction is read off the GD iterates, so this
    measures the dynamics, not the formula.
    """
    if U is None:
        _, U = np.linalg.eigh(H)
    rng = np.random.default_rng(seed)
    z0 = rng.choice([-1.0, 1.0], len(H)) * rng.uniform(0.5, 1.5, len(H))
    path = gd_quadratic(H, eta, U @ z0, steps)
    zT = U.T @ path[-1]
    return float(np.max(np.abs(zT / z0) ** (1.0 / steps)))


@dataclass
class QuadraticCheck:
    """The Q3 predictions against GD runs on one random SPD matrix."""

    kappa: float
    eigenvalues: np.ndarray
    eta_opt: float
    rate_opt: float
    etas: np.ndarray
    measured: np.ndarray
    predicted: np.ndarray
    value_error: float            # f(w(t)) against ½Σ(1−ηλ)^{2t}λz², max relative
    diverge_eta: float
    diverge_rate: float
    diverge_growth: float         # ‖w(T)‖/‖w(0)‖ at diverge_eta

    @property
    def rate_error(self) -> float:
        return float(np.max(np.abs(self.measured - self.predicted)))

    @property
    def argmin_is_opt(self) -> bool:
        return bool(np.isclose(self.etas[int(np.argmin(self.measured))], self.eta_opt,
                               rtol=1e-12))


def check_quadratic(kappa: float, d: int = 6, seed: int = 0, grid: int = 41,
                    steps: int = 30) -> QuadraticCheck:
    """Measure rate(η) on an η grid in (0, 2/λmax) containing η*; f(w(t)); divergence."""
    H, _ = random_spd(d, kappa, seed)
    # eigvalsh and eigh differ in the last bits: λ (and η*) come from eigvalsh, the
    # eigenbasis (shared by every measured run) and the closed form's λ from eigh
    lam = np.linalg.eigvalsh(H)
    lam_e, U = np.linalg.eigh(H)
    lo, hi = lam[0], lam[-1]
    eta_opt = 2 / (lo + hi)
    etas = np.unique(np.append(np.linspace(0.02, 1.98, grid) / hi, eta_opt))
    measured = np.array([measured_rate(H, e, steps, seed + 1, U) for e in etas])
    predicted = np.maximum(np.abs(1 - etas * lo), np.abs(1 - etas * hi))

    # f(w(t)) against the closed form, along a run at η*
    w0 = np.random.default_rng(seed + 2).standard_normal(d)
    path = gd_quadratic(H, eta_opt, w0, steps)
    z0 = U.T @ w0
    f_run = 0.5 * np.einsum("ti,ij,tj->t", path, H, path)
    t = np.arange(steps + 1)[:, None]
    f_formula = 0.5 * np.sum((1 - eta_opt * lam_e) ** (2 * t) * lam_e * z0**2, axis=1)
    value_error = float(np.max(np.abs(f_run - f_formula) / np.abs(f_formula)))

    eta_div = 1.05 * 2 / hi
    w = gd_quadratic(H, eta_div, w0, 200)
    growth = float(np.linalg.norm(w[-1]) / np.linalg.norm(w0))
    return QuadraticCheck(float(hi / lo), lam, eta_opt, (hi - lo) / (hi + lo), etas, measured,
                          predicted, value_error, eta_div, measured_rate(H, eta_div, steps, U=U),
                          growth)


# --------------------------------------------------------------------- preconditioned GD (Q2)


def newton_step_symbolic() -> bool:
    """With A = H⁻¹ and η = 1, w(1) = w(0) − H⁻¹Hw(0) = 0 for a generic SPD 2×2 H (exact)."""
    a, c = sp.symbols("a c", positive=True)
    b, w1, w2 = sp.symbols("b w1 w2", real=True)
    H = sp.Matrix([[a, b], [b, c]])
    w0 = sp.Matrix([w1, w2])
    return sp.simplify(w0 - H.inv() * (H * w0)) == sp.zeros(2, 1)


def newton_step(H: np.ndarray, w0: np.ndarray) -> np.ndarray:
    """One preconditioned step with A = H⁻¹, η = 1 on ½wᵀHw: lands on the minimizer 0."""
    spd_eigenvalues(H)
    A = np.linalg.inv(H)
    opt = Optimizer("preconditioned", 1.0, A=(A + A.T) / 2)
    return opt.step(np.asarray(w0, dtype=float), H @ w0)


def step_bound(A: np.ndarray, beta: float) -> float:
    """HW1 Q2.3: 2·λmin(A) / (β·λmax(AᵀA)); f decreases monotonically for 0 < η below it."""
    if not (np.isfinite(beta) and beta > 0):
        raise InputError(f"smoothness constant β must be positive, got {beta}")
    lam = spd_eigenvalues(A, "A")
    return float(2 * lam[0] / (beta * np.linalg.eigvalsh(A.T @ A)[-1]))


def preconditioned_run(f: Callable, grad: Callable, A: np.ndarray, eta: float,
                       w0: np.ndarray, steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Path and values of w ← w − ηA∇f(w)."""
    spd_eigenvalues(A, "A")
    opt = Optimizer("preconditioned", eta, A=A)
    w = np.asarray(w0, dtype=float)
    path, values = [w], [f(w)]
    for _ in range(steps):
        w = opt.step(w, grad(w))
        path.append(w)
        values.append(f(w))
    return np.array(path), np.array(values)


def boundary_counterexample(beta=2) -> list[sp.Expr]:
    """At η equal to the bound the iterates need not converge: f = (β/2)w², A = 1, η = 2/β.

    Then w(t+1) = w(t) − (2/β)·βw(t) = −w(t): the iterates oscillate ±w(0) forever
    and f stays at f(w(0)), so the bound must be strict for the convergence proof.
    Returns w(0..4) computed exactly from w(0) = 1.
    """
    beta = exact(beta)
    w = sp.Symbol("w", real=True)
    f = beta / 2 * w**2
    g = sp.diff(f, w)
    eta = 2 / beta  # = 2·λmin(A)/(β·λmax(AᵀA)) with A = 1
    out = [sp.Integer(1)]
    for _ in range(4):
        out.append(out[-1] - eta * g.subs(w, out[-1]))
    return out


# ------------------------------------------------------------------------------ gradient flow


def rk4(fun: Callable[[float, np.ndarray], np.ndarray], y0, t_end: float,
        n: int) -> tuple[np.ndarray, np.ndarray]:
    """Classical fourth-order Runge–Kutta with ``n`` equal steps on [0, t_end].

        k₁ = F(t, y), k₂ = F(t + h/2, y + h k₁/2), k₃ = F(t + h/2, y + h k₂/2),
        k₄ = F(t + h, y + h k₃),   y ← y + h(k₁ + 2k₂ + 2k₃ + k₄)/6

    Global error O(h⁴): halving h divides it by about 16.
    """
    if n < 1 or not (t_end > 0):
        raise InputError(f"need n ≥ 1 steps and t_end > 0, got n={n}, t_end={t_end}")
    h = t_end / n
    y = np.asarray(y0, dtype=float)
    ys = [y]
    for k in range(n):
        t = k * h
        k1 = fun(t, y)
        k2 = fun(t + h / 2, y + h / 2 * k1)
        k3 = fun(t + h / 2, y + h / 2 * k2)
        k4 = fun(t + h, y + h * k3)
        y = y + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        ys.append(y)
    return np.linspace(0, t_end, n + 1), np.array(ys)


def gradient_flow(grad: Callable, A: np.ndarray, w0, t_end: float,
                  n: int) -> tuple[np.ndarray, np.ndarray]:
    """ẇ = −A∇f(w), integrated by :func:`rk4`."""
    spd_eigenvalues(A, "A")
    return rk4(lambda t, w: -A @ grad(w), w0, t_end, n)


def flow_exact_quadratic(H: np.ndarray, A: np.ndarray, w0, times) -> np.ndarray:
    """w(t) = exp(−tAH)w(0) for f = ½wᵀHw, through the symmetric S = A^{1/2}HA^{1/2} = QΛQᵀ.

    AH = A^{1/2} S A^{−1/2}, so exp(−tAH) = A^{1/2} Q e^{−tΛ} Qᵀ A^{−1/2}.
    """
    la, Va = np.linalg.eigh(A)
    root = Va @ np.diag(np.sqrt(la)) @ Va.T
    inv_root = Va @ np.diag(1 / np.sqrt(la)) @ Va.T
    lam, Q = np.linalg.eigh(root @ H @ root)
    c = Q.T @ inv_root @ np.asarray(w0, dtype=float)
    return np.array([root @ Q @ (np.exp(-t * lam) * c) for t in times])


# ---------------------------------------------------------------------- local analysis (Beale)


@dataclass
class LocalAnalysis:
    """Exact Hessian at a minimizer and the quadratic-model predictions for GD there."""

    point: list[sp.Expr]
    hessian: sp.Matrix
    eigenvalues: list[sp.Expr]
    kappa: sp.Expr
    eta_opt: sp.Expr
    rate_opt: sp.Expr
    eta_max: sp.Expr


def local_analysis(obj: Objective, point: Sequence) -> LocalAnalysis:
    """Hessian at ``point`` (exact), its eigenvalues, κ, η* = 2/(λmax+λmin), R*, 2/λmax."""
    xs = symbols(obj.variables)
    pt = [exact(v) for v in point]
    H = hessian(obj.expr, xs).subs(dict(zip(xs, pt, strict=True)), simultaneous=True)
    H = H.applyfunc(sp.nsimplify)
    eig = sorted(H.eigenvals(multiple=True), key=lambda e: float(sp.N(e, 30)))
    if not float(eig[0]) > 0:
        raise InputError(f"the Hessian at {point} is not positive definite "
                         f"(smallest eigenvalue {float(eig[0]):.6g}): not a strict minimum")
    lo, hi = eig[0], eig[-1]
    return LocalAnalysis(pt, H, eig, sp.radsimp(hi / lo), sp.radsimp(2 / (hi + lo)),
                         sp.radsimp((hi - lo) / (hi + lo)), sp.radsimp(2 / hi))


def local_contraction(obj: Objective, point: Sequence[float], eta: float,
                      offset: float = 1e-6, steps: int = 200, seed: int = 0) -> float:
    """GD from ``offset`` away from the minimizer: (‖e(T)‖/‖e(T/2)‖)^{2/T}, e = w − w*.

    Near w* the step is e ← (I − ηH*)e + O(‖e‖²), so this per-step contraction
    tends to the quadratic model's rate(η) as the offset shrinks.
    """
    rng = np.random.default_rng(seed)
    w_star = np.asarray(point, dtype=float)
    d = rng.standard_normal(len(w_star))
    w0 = w_star + offset * d / np.linalg.norm(d)
    opt = Optimizer("gd", eta)
    w, half = w0, None
    for k in range(steps):
        w = opt.step(w, obj.grad(w))
        if k + 1 == steps // 2:
            half = w  # measure over the second half: the fast modes have died out by then
    span = steps - steps // 2
    return float((np.linalg.norm(w - w_star) / np.linalg.norm(half - w_star)) ** (1 / span))
