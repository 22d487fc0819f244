"""workbench.testing, used the way a project's own test suite would use it.

Every expected derivative below is worked out by hand; every wrong claim is
wrong in one known component, and the failure message must name it, give a
point and both values, and print the true result.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
import sympy

import workbench
from workbench.testing import (
    assert_critical_points,
    assert_derivative,
    assert_gradient,
    assert_hessian,
    assert_identity,
    assert_jacobian,
    assert_matrix_gradient,
    assert_matrix_hessian,
)

pytest_plugins = ["pytester"]

x, y = sympy.symbols("x y")   # plain symbols, as a user writes them: matched by name


def failure(call, *args, **kwargs) -> str:
    with pytest.raises(AssertionError) as info:
        call(*args, **kwargs)
    return str(info.value)


def point_of(message: str) -> dict[str, float]:
    """The counterexample point printed in a message ("at x = 1.5, y = -2 (...)")."""
    line = next(ln for ln in message.splitlines() if ln.startswith("at "))
    return {k: float(v) for k, v in re.findall(r"(\w+) = (-?[\d.e+-]+)", line)}


def values(line: str) -> tuple[float, float]:
    """The claimed and the true value printed on one component's line."""
    return (float(re.search(r"claimed (-?[\d.e+-]+)", line).group(1)),
            float(re.search(r"true (-?[\d.e+-]+)", line).group(1)))


# ---------------------------------------------------------------------------- gradient


def test_gradient_right_claims_pass_in_every_form():
    f = "x**2*y + y**3"                      # ∇f = (2xy, x² + 3y²) by hand
    assert assert_gradient(f, ["2*x*y", "x**2 + 3*y**2"]) == "proved symbolically"
    assert assert_gradient(f, [2 * x * y, x**2 + 3 * y**2]) == "proved symbolically"
    assert assert_gradient(workbench.function(f), ["2*y*x", "3*y**2 + x**2"])
    assert "float64" in assert_gradient(f, lambda x, y: [2 * x * y, x**2 + 3 * y**2])


def test_gradient_wrong_component_is_named_with_point_and_values():
    msg = failure(assert_gradient, "x**2*y", ["2*x", "x**2"])   # ∂f/∂x is 2xy, not 2x
    first = msg.splitlines()[0]
    assert first == "gradient of f = x**2*y: 1 of 2 components wrong (∂f/∂x)"
    p = point_of(msg)
    line = next(ln for ln in msg.splitlines() if ln.strip().startswith("∂f/∂x"))
    claimed, true = values(line)
    # both printed values, recomputed by hand at the printed point (10 digits printed)
    assert claimed == pytest.approx(2 * p["x"], rel=1e-8)
    assert true == pytest.approx(2 * p["x"] * p["y"], rel=1e-8)
    assert "= 2*x;" in line and "= 2*x*y" in line
    assert "true result: ∇f = [2*x*y, x**2] (certified" in msg


def test_gradient_wrong_callable_fails_in_float64():
    msg = failure(assert_gradient, "x**2*y", lambda x, y: [2 * x * y, 2 * x])
    assert "(∂f/∂y)" in msg.splitlines()[0]
    assert "float64" in msg


def test_gradient_that_vanishes_at_the_minimum_is_still_wrong():
    # claimed components vanish at (3, 1/2) like the true Beale gradient does, but differ
    beale = "(1.5 - x + x*y)**2 + (2.25 - x + x*y**2)**2 + (2.625 - x + x*y**3)**2"
    msg = failure(assert_gradient, beale, ["(x - 3)", "(y - 0.5)"], points=["x=3,y=0.5"])
    assert "2 of 2 components wrong (∂f/∂x, ∂f/∂y)" in msg


def test_wrong_shape_is_an_assertion_error():
    assert "shape (3,)" in failure(assert_gradient, "x*y", ["y", "x", "0"])


# ---------------------------------------------------------------------------- Hessian


def test_hand_hessian_with_plain_symbols_passes():
    f = x**2 * y + y**3                      # ∇²f = [[2y, 2x], [2x, 6y]] by hand
    assert assert_hessian(f, sympy.Matrix([["2*y", "2*x"], ["2*x", "6*y"]]))
    assert assert_hessian(f, sympy.Matrix([[2 * y, 2 * x], [2 * x, 6 * y]]))
    assert assert_hessian(f, lambda x, y: [[2 * y, 2 * x], [2 * x, 6 * y]])


def test_hessian_wrong_entry_is_named():
    msg = failure(assert_hessian, "x**2*y + y**3", [["2*y", "2*x"], ["2*x", "6*x"]])
    assert msg.splitlines()[0].endswith("1 of 4 components wrong (∂²f/∂y∂y)")
    p = point_of(msg)
    line = next(ln for ln in msg.splitlines() if ln.strip().startswith("∂²f/∂y∂y"))
    claimed, true = values(line)
    assert claimed == pytest.approx(6 * p["x"], rel=1e-8)   # 10 digits printed
    assert true == pytest.approx(6 * p["y"], rel=1e-8)
    assert "∇²f = [[2*y, 2*x], [2*x, 6*y]]" in msg


# ---------------------------------------------------------------------------- Jacobian, derivative


def test_jacobian():
    # F = (x y, x + y², sin x): J = [[y, x], [1, 2y], [cos x, 0]] by hand
    F = ["x*y", "x + y**2", "sin(x)"]
    assert assert_jacobian(F, [["y", "x"], ["1", "2*y"], ["cos(x)", "0"]])
    msg = failure(assert_jacobian, F, [["y", "x"], ["1", "2*y"], ["cos(x)", "1"]])
    assert "1 of 6 components wrong (∂f3/∂y)" in msg
    assert "claimed 1 = 1; true 0 = 0" in msg


def test_derivative_of_higher_order_and_with_a_parameter():
    assert assert_derivative("sin(x)", "-sin(x)", order=2) == "proved symbolically"
    assert assert_derivative("exp(a*x)", "a**2*exp(a*x)", wrt="x", order=2)
    assert assert_derivative("sin(x)", np.cos)
    msg = failure(assert_derivative, "sin(a*x)", "a*cos(x)", wrt="x")
    assert "(∂f/∂x)" in msg.splitlines()[0]
    assert "true result: ∂f/∂x = a*cos(a*x)" in msg
    p = point_of(msg)
    line = next(ln for ln in msg.splitlines() if ln.strip().startswith("∂f/∂x:"))
    assert values(line)[1] == pytest.approx(p["a"] * np.cos(p["a"] * p["x"]), rel=1e-8)


def test_derivative_needs_a_variable_when_there_are_several():
    assert "name one with wrt=" in failure(assert_derivative, "x*y", "y")


# ---------------------------------------------------------------------------- identities


def test_scalar_identity_says_how_it_was_decided():
    assert assert_identity("sin(x)**2", "(1 - cos(2*x))/2") == "proved symbolically"
    assert assert_identity(sympy.exp(x + y), sympy.exp(x) * sympy.exp(y))
    msg = failure(assert_identity, "sin(x)**2", "(1 - cos(x))/2")
    assert msg.splitlines()[0].endswith("(lhs − rhs)")
    assert "rhs = 1/2 - cos(x)/2" in msg


def test_matrix_identity():
    assert assert_identity("(A @ B).T", "B.T @ A.T").startswith("holds on exact rational")
    assert assert_identity("trace(A @ B @ C)", "trace(C @ A @ B)")
    msg = failure(assert_identity, "(A @ B).T", "A.T @ B.T")
    assert msg.startswith("matrix identity (A @ B).T = A.T @ B.T does not hold on exact")
    assert assert_identity("x.T @ A @ x", "x.T @ A.T @ x", shapes="A=n,n x=n")


# ---------------------------------------------------------------------------- critical points


def test_critical_points():
    # f = x³ − 3x + y²: ∇f = (3x² − 3, 2y) = 0 at (±1, 0); f_xx = 6x: (1, 0) minimum, (−1, 0) saddle
    f = "x**3 - 3*x + y**2"
    assert_critical_points(f, [("x=1,y=0", "minimum"), ({"x": -1, "y": 0}, "saddle")])
    msg = failure(assert_critical_points, f, [("x=1,y=0", "minimum"), ("x=-1,y=0", "minimum"),
                                              "x=2,y=0"])
    assert "expected (x = 2, y = 0): not a critical point" in msg
    assert "(x = -1, y = 0): expected a minimum, it is a saddle" in msg
    missing = failure(assert_critical_points, f, ["x=1,y=0"])
    assert "not expected: (x = -1, y = 0), a saddle" in missing


# ---------------------------------------------------------------------------- matrix calculus


def test_matrix_gradient_with_and_without_assumptions():
    # ∇ xᵀAx = (A + Aᵀ)x in general, 2Ax for symmetric A (by hand)
    assert assert_matrix_gradient("x.T @ A @ x", "(A + A.T) @ x", "x")
    assert assert_matrix_gradient("x.T @ A @ x", "2 * A @ x", "x", assume={"A": "symmetric"})
    msg = failure(assert_matrix_gradient, "x.T @ A @ x", "2 * A @ x", "x")
    assert "claimed: 2 * A @ x" in msg and "true:    (A + A.T) @ x (certified" in msg


@pytest.mark.slow
def test_matrix_hessian():
    # ∇² ½‖Ax − b‖² = AᵀA (by hand)
    assert assert_matrix_hessian("norm(A @ x - b)**2 / 2", "A.T @ A", "x", shapes="A=m,n x=n b=m")
    msg = failure(assert_matrix_hessian, "norm(A @ x - b)**2 / 2", "A @ A.T", "x")
    assert "true:    A.T @ A" in msg


def test_unknown_assumption_is_refused():
    assert "unknown property 'spd'" in failure(assert_matrix_gradient, "x.T @ A @ x",
                                               "2 * A @ x", "x", assume={"A": "spd"})


# ---------------------------------------------------------------------------- the pytest plugin

SHEET = """[sheet]
title = "Plugin"

[[exercise]]
id = "good"
task = "limit"
expr = "((3 + h)**2 - 3**2)/h"
var = "h"
to = "0"
answer = { value = "6" }

[[exercise]]
id = "bad"
task = "limit"
expr = "((3 + h)**2 - 3**2)/h"
var = "h"
to = "0"
answer = { value = "5" }

[[exercise]]
id = "run"
task = "optimize"
func = "beale"
x0 = [0.7, 1.4]
"""


@pytest.fixture
def run_pytest(pytester):
    """pytest in this process with the plugin loaded by hand (-p), as the installed entry
    point loads it; returns the exit code and the output."""
    import workbench.proof
    import workbench.pytest_plugin  # noqa: F401 - imported before the runs, see below
    from workbench.tasks.registry import load_all

    load_all()   # imported once here: pytester drops modules first imported by a run
    pytester.makefile(".toml", hw=SHEET)

    # installed, the entry point loads the plugin already; from a bare checkout, -p does
    from importlib.metadata import entry_points

    installed = any(e.value == "workbench.pytest_plugin" for e in entry_points(group="pytest11"))
    load = [] if installed else ["-p", "workbench.pytest_plugin"]

    def run(*args) -> tuple[int, str]:
        result = pytester.runpytest_inprocess(*load, "-p", "no:cacheprovider",
                                              "-p", "no:hypothesispytest", *args)
        return int(result.ret), "\n".join(result.outlines + result.errlines)

    return run


def test_plugin_collects_one_item_per_exercise_with_markers(run_pytest):
    code, out = run_pytest("--collect-only", "-q", "hw.toml")
    assert code == 0, out
    assert "hw.toml::good" in out and "hw.toml::run" in out and "3 tests collected" in out
    code, out = run_pytest("--collect-only", "-q", "-m", "not slow", "hw.toml")
    assert "2/3 tests collected (1 deselected)" in out, out
    code, out = run_pytest("--collect-only", "-q", "-m", "task_optimize", "hw.toml")
    assert "1/3 tests collected (2 deselected)" in out, out


def test_plugin_fails_a_wrong_answer_with_its_file_and_id(run_pytest):
    code, out = run_pytest("-k", "good or bad", "hw.toml")
    assert code == 1, out
    assert "1 failed, 1 passed, 1 deselected" in out, out
    assert "hw.toml::bad: answer key: claimed limit 5" in out
    assert "Traceback" not in out
    code, out = run_pytest("-x", "-k", "good", "hw.toml")
    assert code == 0 and "1 passed" in out, out


def test_plugin_reports_a_bad_file_as_one_collection_error(run_pytest, pytester):
    pytester.makefile(".toml", hw=SHEET.replace('to = "0"', 'to = "zero"', 1))
    code, out = run_pytest("hw.toml")
    assert code == 2, out
    assert "hw.toml: exercise 'good': field 'to':" in out


@pytest.mark.slow
def test_plugin_runs_a_proof_and_names_a_broken_step(run_pytest, pytester):
    from pathlib import Path

    src = Path(__file__).parents[1] / "proofs" / "hw1-q3-1-gd-quadratic-closed-form.toml"
    pytester.makefile(".toml", p=src.read_text(encoding="utf-8"))
    code, out = run_pytest("p.toml")
    assert code == 0 and "1 passed" in out, out
    # yᵀXᵀXy = ‖Xy‖², not ‖Xy‖: the mutated step fails, located
    text = src.read_text(encoding="utf-8").replace('rhs = "norm(X @ y)**2"', 'rhs = "norm(X @ y)"')
    pytester.makefile(".toml", p=text)
    code, out = run_pytest("p.toml")
    assert code == 1 and "1 failed" in out, out
    assert "step 2" in out and "Traceback" not in out, out
