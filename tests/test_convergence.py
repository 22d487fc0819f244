"""Quadratic convergence theory (HW1 Q3), preconditioned GD and gradient flow (Q2), Beale."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
import sympy as sp

from workbench.core.errors import InputError
from workbench.optim import convergence as cv
from workbench.optim.optimizers import objective

R = sp.Rational
a, b, eta = cv.LMIN, cv.LMAX, cv.ETA


@pytest.fixture(scope="module")
def derivation():
    return cv.derive_rate()


def test_rate_derivation_checks_pass(derivation):
    assert all(derivation.checks.values()), derivation.checks
    assert sp.simplify(derivation.eta_opt - 2 / (a + b)) == 0
    assert sp.simplify(derivation.rate_opt - (b - a) / (b + a)) == 0
    assert sp.simplify(derivation.eta_max - 2 / b) == 0


def test_piecewise_rate_by_hand(derivation):
    pw = derivation.piecewise
    # λmin = 1, λmax = 3: η = 1/4 → max(3/4, 1/4); η = 1 → max(0, 2); η = −1 → max(2, 4)
    for e, want in ((R(1, 4), R(3, 4)), (1, 2), (-1, 4), (R(1, 2), R(1, 2))):
        assert pw.subs({a: 1, b: 3, eta: e}) == want


def test_the_submitted_piecewise_is_rejected():
    submitted = sp.Piecewise((eta * b - 1, eta < 0), (1 - eta * a, eta <= 2 / (a + b)),
                             (eta * b - 1, True))
    assert not cv.piecewise_agrees(submitted)


def test_trajectory_derivation():
    traj = cv.derive_trajectory()
    lam, z0 = sp.Symbol("lambda_i", positive=True), sp.Symbol("z_{i}(0)", real=True)
    t = sp.Symbol("t", integer=True, nonnegative=True)
    assert sp.simplify(traj.mode - z0 * (1 - eta * lam) ** t) == 0
    assert traj.gradient_is_Hw and traj.exact_check


def test_optimal_rate_exact():
    assert cv.optimal_rate([1, 100]) == (100, R(2, 101), R(99, 101))
    assert cv.optimal_rate(["0.5", "2"]) == (4, R(4, 5), R(3, 5))
    assert cv.rate("0.01", [1, 100]) == R(99, 100)
    with pytest.raises(InputError, match="not positive"):
        cv.optimal_rate([1, -2])


@pytest.mark.parametrize("kappa", [10, 100, 1000])
def test_measured_rates_match_theory_on_random_spd(kappa):
    c = cv.check_quadratic(kappa, d=6, seed=0)
    assert c.kappa == pytest.approx(kappa, rel=1e-10)
    # measured per-step contraction equals rate(η) on every grid point
    assert c.rate_error < 1e-6
    assert c.argmin_is_opt
    assert c.value_error < 1e-10
    # η = 1.05·2/λmax: rate |1 − 2.1| = 1.1 > 1, and ‖w‖ grows like 1.1^200
    assert c.diverge_rate == pytest.approx(1.1, abs=1e-9)
    assert c.diverge_growth > 1e6


def test_measured_rate_against_the_spectral_norm():
    H, X = cv.random_spd(5, 50.0, seed=3)
    np.testing.assert_allclose(X.T @ X, H, rtol=1e-12, atol=1e-12)
    for e in (0.001, 0.02, 0.039, 0.045):
        # ‖I − ηH‖₂ is an independent reference for the worst-case contraction
        ref = np.linalg.norm(np.eye(5) - e * H, 2)
        assert cv.measured_rate(H, e, steps=25) == pytest.approx(ref, rel=1e-9)


def test_spd_checks_name_the_problem():
    with pytest.raises(InputError, match="not symmetric"):
        cv.spd_eigenvalues(np.array([[1.0, 2.0], [0.0, 1.0]]))
    with pytest.raises(InputError, match="smallest eigenvalue -1"):
        cv.spd_eigenvalues(np.array([[1.0, 2.0], [2.0, 1.0]]))
    with pytest.raises(InputError, match="square"):
        cv.spd_eigenvalues(np.ones((2, 3)))
    with pytest.raises(InputError, match="A is not positive definite"):
        cv.step_bound(-np.eye(2), 1.0)
    with pytest.raises(InputError, match="β must be positive"):
        cv.step_bound(np.eye(2), 0.0)


# --------------------------------------------------------------------- preconditioned (Q2)


def test_newton_step_lands_on_the_minimizer():
    assert cv.newton_step_symbolic()
    H, _ = cv.random_spd(6, 1000.0, seed=1)
    w0 = np.arange(1.0, 7.0)
    # round-off of H⁻¹H is about κ·ε
    assert np.linalg.norm(cv.newton_step(H, w0)) < 1e-11 * np.linalg.norm(w0)
    with pytest.raises(InputError, match="not positive definite"):
        cv.newton_step(np.diag([1.0, -1.0]), np.ones(2))


def test_step_bound_by_hand_and_monotone_decrease():
    # A = diag(1, 2), β = 4: 2·λmin(A)/(β·λmax(AᵀA)) = 2·1/(4·4) = 1/8
    assert cv.step_bound(np.diag([1.0, 2.0]), 4.0) == pytest.approx(0.125, rel=1e-15)
    H, _ = cv.random_spd(4, 30.0, seed=2)
    rng = np.random.default_rng(0)
    M = rng.standard_normal((4, 4))
    A = M @ M.T + 0.1 * np.eye(4)
    beta = np.linalg.eigvalsh(H)[-1]
    bound = cv.step_bound(A, beta)
    for frac in (0.3, 1.0):
        _, values = cv.preconditioned_run(lambda w: 0.5 * w @ H @ w, lambda w: H @ w, A,
                                          frac * bound, np.ones(4), 200)
        assert np.all(np.diff(values) <= 1e-14)


def test_at_the_bound_gd_need_not_converge():
    assert cv.boundary_counterexample(2) == [1, -1, 1, -1, 1]
    assert cv.boundary_counterexample("0.5") == [1, -1, 1, -1, 1]


# ------------------------------------------------------------------------------ gradient flow


def test_rk4_on_exponential_decay_is_fourth_order():
    err = []
    for n in (20, 40):
        _, ys = cv.rk4(lambda t, y: -y, np.array([1.0]), 1.0, n)
        err.append(abs(ys[-1, 0] - np.exp(-1.0)))
    assert err[1] < 1e-8
    assert 3.8 < np.log2(err[0] / err[1]) < 4.2


def test_gradient_flow_matches_expm():
    H, _ = cv.random_spd(4, 20.0, seed=4)
    rng = np.random.default_rng(1)
    M = rng.standard_normal((4, 4))
    A = M @ M.T / 4 + 0.5 * np.eye(4)
    w0 = rng.standard_normal(4)
    times, ys = cv.gradient_flow(lambda w: H @ w, A, w0, 2.0, 2000)
    ref = np.array([scipy.linalg.expm(-t * A @ H) @ w0 for t in times[::100]])
    # RK4 with hλmax ≈ 0.05: global error ~1e-8 relative
    np.testing.assert_allclose(ys[::100], ref, atol=1e-7 * np.linalg.norm(w0))
    np.testing.assert_allclose(cv.flow_exact_quadratic(H, A, w0, times[::100]), ref,
                               atol=1e-12 * np.linalg.norm(w0))
    f = 0.5 * np.einsum("ti,ij,tj->t", ys, H, ys)
    assert np.all(np.diff(f) < 0)
    with pytest.raises(InputError, match="t_end"):
        cv.rk4(lambda t, y: -y, [1.0], -1.0, 10)


# --------------------------------------------------------------------------- Beale, locally


def test_beale_hessian_and_local_rate():
    beale = objective("beale")
    la = cv.local_analysis(beale, [3, R(1, 2)])
    # at a zero-residual minimum H = 2 Σ ∇rᵢ∇rᵢᵀ, with ∇rᵢ = (yⁱ − 1, i·x·yⁱ⁻¹) at (3, 1/2)
    J = np.array([[-0.5, 3.0], [-0.75, 3.0], [-0.875, 2.25]])
    gauss_newton = 2 * J.T @ J
    np.testing.assert_allclose(np.array(la.hessian, dtype=float), gauss_newton, rtol=1e-15)
    assert la.hessian == sp.Matrix([[R(101, 32), R(-183, 16)], [R(-183, 16), R(369, 8)]])
    assert la.eta_opt == R(64, 1577)  # 2/trace(H)
    lam = np.linalg.eigvalsh(gauss_newton)
    assert float(la.kappa) == pytest.approx(lam[1] / lam[0], rel=1e-12)
    rate_opt = (lam[1] - lam[0]) / (lam[1] + lam[0])
    assert float(la.rate_opt) == pytest.approx(rate_opt, rel=1e-12)
    # GD 1e-6 from the minimizer contracts at the quadratic model's rate
    measured = cv.local_contraction(beale, [3.0, 0.5], float(la.eta_opt))
    assert measured == pytest.approx(rate_opt, abs=1e-5)
    with pytest.raises(InputError, match="not positive definite"):
        cv.local_analysis(objective("x**2 - y**2"), [0, 0])
