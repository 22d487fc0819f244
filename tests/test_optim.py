"""Optimizers: hand-computed steps, PyTorch step for step, stopping rules, bad input, CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench import cli
from workbench.core.errors import DomainError, InputError
from workbench.optim.optimizers import (
    TEST_FUNCTIONS,
    EarlyStopping,
    Optimizer,
    StepDecay,
    exact_steps,
    minimize,
    objective,
)

R = sp.Rational

# ------------------------------------------------------------------ the slides' step tables


def test_slides_descent_table_is_exact():
    f = objective("parabola")
    xs = [p[0] for p in exact_steps(f.expr, ["x"], ["0"], "0.4", 5)]
    # by hand: x ← x − 0.4(2x − 4) = 0.2x + 1.6
    assert xs == [0, R(8, 5), R(48, 25), R(248, 125), R(1248, 625), R(6248, 3125)]
    assert [float(v) for v in xs[1:]] == [1.6, 1.92, 1.984, 1.9968, 1.99936]


def test_slides_ascent_on_minus_f_gives_the_same_table():
    g = objective("-(x**2 - 4*x + 4)")
    xs = [p[0] for p in exact_steps(g.expr, ["x"], [0], 0.4, 5, ascent=True)]
    assert xs[1:] == [R(8, 5), R(48, 25), R(248, 125), R(1248, 625), R(6248, 3125)]


def test_float_run_matches_the_table_and_other_rates():
    f = objective("parabola")
    run = minimize(f, [0.0], "gd", lr=0.4, steps=5, tol=0)
    # 1e-12: five float64 steps of an affine map accumulate a few ulps
    np.testing.assert_allclose(run.path[1:, 0], [1.6, 1.92, 1.984, 1.9968, 1.99936], atol=1e-12)
    big = minimize(f, [0.0], "gd", lr=0.9, steps=2, tol=0)
    # x1 = 0 + 0.9·4 = 3.6, x2 = 3.6 − 0.9·(7.2 − 4) = 0.72: overshooting back and forth
    np.testing.assert_allclose(big.path[:, 0], [0.0, 3.6, 0.72], atol=1e-12)
    small = minimize(f, [0.0], "gd", lr=0.1, steps=2, tol=0)
    np.testing.assert_allclose(small.path[:, 0], [0.0, 0.4, 0.72], atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(a=st.floats(0.1, 10).map(lambda v: round(v, 6)),
       c=st.floats(-5, 5).map(lambda v: round(v, 6)), x0=st.floats(-5, 5),
       frac=st.floats(0.05, 0.95))
def test_gd_on_a_parabola_follows_the_closed_form(a, c, x0, frac):
    # f = a(x − c)²: x_k − c = (1 − 2aη)^k (x0 − c), contracting for η < 1/a
    f = objective(f"{a!r}*(x - ({c!r}))**2")
    eta = frac / a
    run = minimize(f, [x0], "gd", lr=eta, steps=20, tol=0)
    k = np.arange(21)
    expected = c + (1 - 2 * a * eta) ** k * (x0 - c)
    # tolerance: round-off of 20 affine steps on values of size ≤ 10
    np.testing.assert_allclose(run.path[:, 0], expected, atol=1e-11)


# --------------------------------------------------------------------- rules by hand


def test_momentum_by_hand():
    # f = x², x0 = 1, η = 0.1, μ = 0.9: g=2, v=2, x=0.8; g=1.6, v=3.4, x=0.46
    run = minimize(objective("x**2"), [1.0], "momentum", lr=0.1, steps=2, tol=0, momentum=0.9)
    np.testing.assert_allclose(run.path[:, 0], [1.0, 0.8, 0.46], atol=1e-15)


def test_adam_first_step_is_lr_times_sign():
    # m̂₁ = g, ŝ₁ = g², so Δ = −η g/(|g| + ε)
    run = minimize(objective("3*x**2"), [2.0], "adam", lr=0.05, steps=1, tol=0)
    assert run.path[1, 0] == pytest.approx(2.0 - 0.05 * 12 / (12 + 1e-8), abs=1e-15)


def test_nesterov_is_the_look_ahead_method_in_shifted_variables():
    f = objective("rosenbrock")
    mu, eta = 0.9, 1e-4
    ours = minimize(f, [-1.2, 1.0], "nesterov", lr=eta, steps=200, tol=0, momentum=mu)
    # classical Nesterov: v ← μv − η∇f(w + μv), w ← w + v; ours tracks w + μv
    w, v = np.array([-1.2, 1.0]), np.zeros(2)
    shifted = [w + mu * v]
    for _ in range(200):
        x, y = w + mu * v
        grad = np.array([-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)])
        v = mu * v - eta * grad
        w = w + v
        shifted.append(w + mu * v)
    np.testing.assert_allclose(ours.path, np.array(shifted), rtol=1e-10, atol=1e-12)


def test_step_decay_and_early_stopping_by_hand():
    decay = StepDecay(0.5, 2)
    assert [decay(0.1, t) for t in range(5)] == [0.1, 0.1, 0.05, 0.05, 0.025]
    stop = EarlyStopping(patience=2, min_delta=0.1)
    # 1.0 improves; 0.95 gains only 0.05 (counts 1); 0.5 improves (reset); 0.6, 0.45 count
    assert [stop.update(v) for v in (1.0, 0.95, 0.5, 0.6, 0.45)] == [False, False, False,
                                                                     False, True]


def test_schedule_is_applied_in_a_run():
    run = minimize(objective("x**2"), [1.0], "gd", lr=0.1, steps=4, tol=0,
                   schedule=StepDecay(0.5, 2))
    assert run.lrs == [0.1, 0.1, 0.05, 0.05]
    # x ← (1 − 2η)x: 0.8, 0.64, 0.576, 0.5184
    np.testing.assert_allclose(run.path[:, 0], [1, 0.8, 0.64, 0.576, 0.5184], atol=1e-15)


# ------------------------------------------------------------------------ stopping rules


def test_tolerance_stops_and_zero_disables_it():
    f = objective("booth")
    run = minimize(f, [0.0, 0.0], "gd", lr=0.05, steps=5000, tol=1e-7)
    assert run.converged and run.steps < 5000
    assert abs(run.values[-1] - run.values[-2]) < 1e-7
    assert abs(run.values[-2] - run.values[-3]) >= 1e-7
    full = minimize(f, [0.0, 0.0], "gd", lr=0.05, steps=300, tol=0)
    assert full.steps == 300 and full.status == "budget"
    np.testing.assert_allclose(full.final, [1.0, 3.0], atol=1e-8)  # booth's minimum (1, 3)


def test_divergence_is_reported_not_returned():
    run = minimize(objective("parabola"), [0.0], "gd", lr=1.5, steps=10_000, tol=0)
    assert run.status == "diverged" and run.diverged and not run.converged
    assert "diverged at step" in run.message
    assert np.all(np.isfinite(run.path))
    d = run.to_dict()
    assert d["final"] is None and d["value"] is None and d["diverged"] is True


def test_leaving_the_domain_is_reported():
    # x = 1 − 2·(1/2) = 0 exactly: f is defined there, ∇f = 1/(2√x) is not
    run = minimize(objective("sqrt(x)"), [1.0], "gd", lr=2.0, steps=10, tol=0)
    assert run.status == "left_domain" and run.diverged
    assert "x=0" in run.message


def test_a_step_beyond_the_domain_is_reported_as_divergence():
    # x = 1 − 10·(1/2) = −4: f itself is NaN there
    run = minimize(objective("sqrt(x)"), [1.0], "gd", lr=10.0, steps=10, tol=0)
    assert run.status == "diverged" and "x=-4" in run.message


@pytest.mark.parametrize("kwargs, error, words", [
    ({"lr": -0.1}, InputError, "learning rate"),
    ({"lr": 0.0}, InputError, "learning rate"),
    ({"lr": float("nan")}, InputError, "learning rate"),
    ({"method": "sgdx"}, InputError, "unknown method"),
    ({"beta1": 1.0, "method": "adam"}, InputError, "beta1"),
    ({"eps": 0.0, "method": "adam"}, InputError, "eps"),
    ({"steps": -1}, InputError, "steps"),
    ({"tol": -1.0}, InputError, "tolerance"),
])
def test_bad_settings_name_the_problem(kwargs, error, words):
    with pytest.raises(error, match=words):
        minimize(objective("x**2"), [1.0], **{"lr": 0.1, **kwargs})


def test_bad_start_points():
    with pytest.raises(DomainError, match="outside the domain"):
        minimize(objective("log(x)"), [-1.0])
    with pytest.raises(InputError, match="2 coordinate"):
        minimize(objective("x**2"), [1.0, 2.0])
    with pytest.raises(InputError, match="no variables"):
        objective("3 + 4")
    with pytest.raises(InputError, match="preconditioned"):
        Optimizer("preconditioned", 0.1)


@pytest.mark.parametrize("name", sorted(TEST_FUNCTIONS))
def test_named_functions_have_zero_gradient_at_their_minima(name):
    f = objective(name)
    for m in f.known.minima:
        # the himmelblau/mccormick minimizers are 16-digit decimals; gradients ~1e-13 there
        assert np.max(np.abs(f.grad(m))) < 1e-9
        assert f.value(m) == pytest.approx(f.known.minimum_value, abs=1e-12)


# -------------------------------------------------------------------- PyTorch step for step


def _torch_run(method, lr, steps, x0, **kw):
    torch = pytest.importorskip("torch")

    def beale(p):
        x, y = p[0], p[1]
        return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2

    p = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    opt = (torch.optim.Adam([p], lr=lr, **kw) if method == "adam"
           else torch.optim.SGD([p], lr=lr, **kw))
    path = [p.detach().numpy().copy()]
    for _ in range(steps):
        opt.zero_grad()
        beale(p).backward()
        opt.step()
        path.append(p.detach().numpy().copy())
    return np.array(path)


@pytest.mark.parametrize("method, lr, torch_kw, ours_kw", [
    ("adam", 0.1, {"betas": (0.9, 0.999), "eps": 1e-8}, {}),
    ("gd", 0.01, {}, {}),
    ("momentum", 0.001, {"momentum": 0.9}, {"momentum": 0.9}),
    ("nesterov", 0.001, {"momentum": 0.9, "nesterov": True}, {"momentum": 0.9}),
])
def test_beale_runs_match_torch_optim_for_1000_steps(method, lr, torch_kw, ours_kw):
    ref = _torch_run(method, lr, 1000, [0.7, 1.4], **torch_kw)
    run = minimize(objective("beale"), [0.7, 1.4], method, lr=lr, steps=1000, tol=0, **ours_kw)
    assert run.steps == 1000
    # 1e-10: the two differentiate f by different code; the gap stays at round-off level
    assert np.max(np.abs(run.path - ref)) < 1e-10
    if method == "adam":
        np.testing.assert_allclose(run.final, [3.0, 0.5], atol=1e-8)


# ------------------------------------------------------------------------------------- CLI


def _cli(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_optimize_json_contract(capsys, tmp_path):
    code, out, err = _cli(capsys, "optimize", "beale", "--method", "adam", "--x0", "0.7,1.4",
                          "--lr", "0.1", "--steps", "300", "--tol", "0", "--json",
                          "--plot", str(tmp_path / "p.png"))
    assert code == 0, err
    d = json.loads(out)
    for key in ("path", "final", "value", "steps", "converged"):
        assert key in d
    assert d["steps"] == 300 and len(d["path"]) == 301 and d["converged"] is False
    assert d["path"][0] == [0.7, 1.4]
    assert d["certificate"]["verdict"] == "certified"
    assert (tmp_path / "p.png").stat().st_size > 10_000


def test_cli_optimize_divergence_and_bad_input(capsys):
    code, out, err = _cli(capsys, "optimize", "x**2", "--x0", "1", "--lr", "1.5", "--json")
    assert code == 1 and "diverged" in err
    assert json.loads(out)["final"] is None
    for argv, words in ((["--lr", "-0.1"], "--lr must be a positive"),
                        (["--x0", "1,2"], "coordinate"),
                        (["--x0", "abc"], "undeclared variable")):
        base = ["optimize", "x**2", "--x0", "1"]
        code, out, err = _cli(capsys, *base, *argv)
        assert code == 2 and words in err and len(err.strip().splitlines()) == 1
        assert "Traceback" not in err
    code, out, err = _cli(capsys, "optimize", "log(x)", "--x0=-1")
    assert code == 2 and "outside the domain" in err


def test_cli_rate_json_contract(capsys):
    code, out, err = _cli(capsys, "rate", "--eigs", "1,100", "--eta", "0.01", "--json")
    assert code == 0, err
    d = json.loads(out)
    # by hand: κ = 100, η* = 2/101, R* = 99/101, rate(0.01) = max(0.99, 0) = 0.99
    assert d["kappa"] == 100 and d["eta_opt"] == pytest.approx(2 / 101, rel=1e-15)
    assert d["rate_opt"] == pytest.approx(99 / 101, rel=1e-15)
    assert d["rate"] == pytest.approx(0.99, rel=1e-15)
    assert d["exact"]["eta_opt"] == "2/101" and d["exact"]["rate_opt"] == "99/101"
    assert d["verified"] is True


def test_cli_rate_refuses_non_spd(capsys):
    code, out, err = _cli(capsys, "rate", "--matrix", "1,2;2,1")
    assert code == 2 and "not positive definite" in err and "-1" in err
    code, out, err = _cli(capsys, "rate", "--eigs", "1,0")
    assert code == 2 and "not positive" in err
    code, out, err = _cli(capsys, "rate", "--matrix", "1,2;0,1")
    assert code == 2 and "not symmetric" in err


# ------------------------------------------------------------------------- sheet exercises


def test_course_exercises_validate_and_the_fast_ones_pass():
    from workbench.tasks import runner
    from workbench.tasks.registry import Context

    from .conftest import course_exercises

    by_id = course_exercises(("slides-gd-table", "hw1-q3-rate"))
    ctx = Context(figures=False)
    table = runner.run(by_id["slides-gd-table"], ctx)
    assert table.passed and [c.holds for c in table.claims] == [True]
    theory = runner.run(by_id["hw1-q3-rate"], ctx)
    assert theory.passed
    verdicts = {c.statement.split(" = ")[0]: c.holds for c in theory.claims}
    # η* = 2/(λmax+λmin) holds; "R* = κ" and the η < 0 branch "ηλmax − 1" do not
    assert verdicts == {"$\\eta^*": True, "$R^*": False,
                        "for $\\eta < 0$, $\\operatorname{rate}(\\eta)": False}
    # the claims are typeset from the parsed claim, not copied from the file's Python syntax
    statements = [c.statement for c in theory.claims]
    assert statements[1] == "$R^* = \\kappa$"
    assert statements[2].endswith(" - 1$") and "lmax" not in statements[2]
    assert not any("*" in s.replace("^*", "") for s in statements)
