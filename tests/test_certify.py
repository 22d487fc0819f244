"""Certificates: the verdicts, and symbolic = autodiff on random expressions."""

from __future__ import annotations

import numpy as np
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.certification.claims import check_claim
from workbench.certification.scalar import certify, point_status
from workbench.core.parse import parse
from workbench.symbolic.calculus import gradient

from .conftest import BEALE

x, y = sp.symbols("x y", real=True)


def test_beale_certified_at_minimum_and_100_random_points():
    cert = certify(parse(BEALE), ["x", "y"], [{"x": 3, "y": sp.Rational(1, 2)}], n_random=100)
    assert cert.verdict == "certified"
    assert cert.points_checked == 101
    # float64 against float64 autodiff: round-off only
    assert cert.max_rel_error["autodiff"] < 1e-12
    assert cert.max_rel_error["high_precision"] < 1e-12


def test_wrong_formula_is_a_mismatch():
    f = parse(BEALE)
    g = gradient(f, ["x", "y"])
    cert = certify(f, ["x", "y"], n_random=10, grad=[g[0], g[1] + sp.Rational(1, 10**6)])
    assert cert.verdict == "mismatch"
    assert {fl.reference for fl in cert.failures} >= {"high_precision"}


def test_nondifferentiable_and_undefined_points():
    assert point_status(parse("sqrt(x)"), ["x"], [0]) == "nondifferentiable"
    assert point_status(parse("abs(x)"), ["x"], [0]) == "nondifferentiable"
    assert point_status(parse("abs(x)"), ["x"], [1]) == "ok"
    assert point_status(parse("log(x)"), ["x"], [-1]) == "undefined"
    assert certify(parse("abs(x)*y"), ["x", "y"], [[0, 1]]).verdict == "nondifferentiable"
    assert certify(parse("log(x)"), ["x"], [[-2]]).verdict == "undefined"


def test_random_points_respect_the_domain():
    cert = certify(parse("log(x) + sqrt(y)"), ["x", "y"], n_random=30)
    assert cert.verdict == "certified" and cert.points_checked == 30


LEAF = st.sampled_from(["x", "y", "2", "0.5", "1.25"])


def _expr():
    return st.recursive(
        LEAF,
        lambda inner: st.one_of(
            st.tuples(st.sampled_from(["exp", "sin", "log"]), inner).map(
                lambda t: f"{t[0]}({t[1]})" if t[0] != "log" else f"log(1 + ({t[1]})**2)"),
            st.tuples(inner, st.sampled_from(["+", "-", "*"]), inner).map(
                lambda t: f"({t[0]} {t[1]} {t[2]})"),
            st.tuples(inner, st.integers(2, 3)).map(lambda t: f"({t[0]})**{t[1]}"),
        ),
        max_leaves=6,
    )


@settings(max_examples=25, deadline=None)
@given(_expr())
def test_symbolic_equals_autodiff_on_random_compositions(text):
    """Random polynomials and compositions of exp/log/sin: SymPy's gradient = JAX's."""
    from workbench.backends import jaxutil

    f = parse(text, ["x", "y"])
    jax, jnp = jaxutil.jax(), jaxutil.jnp()
    fj = sp.lambdify([x, y], f, modules="jax")
    rng = np.random.default_rng(0)
    pts = rng.uniform(-1, 1, size=(8, 2))
    g = sp.lambdify([x, y], gradient(f, ["x", "y"]), modules="numpy")
    for p in pts:
        sym = np.array(g(*p), dtype=float)
        ad = np.array(jax.grad(lambda v: fj(v[0], v[1]) + 0.0 * v[0])(jnp.asarray(p)))
        if not np.all(np.isfinite(ad)):
            continue  # e.g. exp(exp(exp(...))) overflows in both
        # both are float64 evaluations of exact derivatives: round-off only
        assert np.allclose(sym, ad, rtol=1e-9, atol=1e-9), (text, p)


def test_claims_catch_agreement_at_the_minimum():
    """The submitted beale_grads is [0, 0] at (3, 1/2) but wrong elsewhere."""
    wrong = ["2*(y-1)*(1.5 - x + x*y) + 2*(y**2 - 1)*(2.25 - x + x*y**2) + "
             "2*(y**2 - 1)*(2.625 - x + x*y**2)",
             "2*(1.5 - x + x*y) + 4*x*y*(2.25 - x + x*y**2) + 6*x*y**2*(2.625 - x + x*y**2)"]
    res = check_claim(BEALE, wrong, ["x", "y"], points=[[3, 0.5]])
    assert res.verdict == "incorrect" and res.wrong_components == [0, 1]
    p = res.counterexample["point"]
    true = [float(g.subs({x: p["x"], y: p["y"]})) for g in gradient(parse(BEALE), ["x", "y"])]
    assert np.allclose(res.counterexample["true"], true, rtol=1e-12)
    assert not np.allclose(res.counterexample["claimed"], true, rtol=1e-3)


def test_claims_accept_equivalent_forms_and_callables():
    assert check_claim("sin(x)**2", ["2*sin(x)*cos(x)"], ["x"]).verdict == "correct"
    assert check_claim("sin(x)**2", ["sin(2*x)"], ["x"]).verdict == "correct"
    res = check_claim("x**2*y", lambda x, y: [2 * x * y, x**2], ["x", "y"])
    assert res.verdict == "correct"
    res = check_claim("x**2*y", lambda x, y: [2 * x * y, x**2 + 1e-3], ["x", "y"])
    assert res.wrong_components == [1]
