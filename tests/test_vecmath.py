"""Inline exp/sin/cos of the fused kernels: proven polynomial bounds, measured ulps, fallback."""

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.backends import fused, vecmath

X = sp.Symbol("x", real=True)
FUNCTIONS = {"exp": (sp.exp, mpmath.exp, np.exp), "sin": (sp.sin, mpmath.sin, np.sin),
             "cos": (sp.cos, mpmath.cos, np.cos)}
#: The inline functions measure at most about 1.5 ulp against 50-digit values:
#: the polynomial is within 1/16 ulp (proven below), the reduction within about
#: half an ulp of r, and Horner's rule and the last rounding add about one ulp.
#: Two ulp is the stated accuracy (glibc's vector functions promise four).
ULP_LIMIT = 2.0

pytestmark = pytest.mark.skipif(fused.compiler() is None, reason="needs a C compiler")


@pytest.fixture(scope="module")
def kernels():
    return {name: fused.kernel([f(X)], [X]) for name, (f, _, _) in FUNCTIONS.items()}


def ulps(got: np.ndarray, points: np.ndarray, exact) -> np.ndarray:
    """|got − f(x)| in units of the last place of f(x), f evaluated at 50 digits."""
    with mpmath.workdps(50):
        out = []
        for g, x in zip(got, points, strict=True):
            true = exact(mpmath.mpf(float(x)))
            spacing = np.spacing(abs(float(true))) if true != 0 else np.spacing(0.0)
            out.append(float(abs(mpmath.mpf(float(g)) - true) / spacing))
    return np.array(out)


# ------------------------------------------------------------------ the polynomials


@pytest.mark.parametrize("name", ["exp", "sin", "cos"])
def test_polynomial_bound_holds_on_a_dense_grid_and_is_below_the_target(name):
    approx = vecmath.approximation(name)
    assert approx.bound <= vecmath.TRUNCATION
    f = vecmath._functions()[name]
    exact = FUNCTIONS[name][1]
    with mpmath.workdps(50):
        worst = mpmath.mpf(0)
        for r in mpmath.linspace(-f.radius, f.radius, 801):
            if r == 0:
                continue
            p = sum(mpmath.mpf(c) * r**k for k, c in approx.coeffs.items())
            scale = abs(r) * 2 / mpmath.pi if name == "sin" else abs(exact(r))
            worst = max(worst, abs(p - exact(r)) / scale)
    # the bound is a proof for every r; the grid only shows it is not vacuous
    assert worst <= approx.bound
    assert worst > approx.bound / 1e3


def test_economized_polynomials_are_shorter_than_the_taylor_polynomials():
    # Taylor degrees with the same 2^-56 target: 13 (exp), 17 (sin), 16 (cos)
    assert {n: vecmath.approximation(n).degree for n in ("exp", "sin", "cos")} == \
        {"exp": 12, "sin": 15, "cos": 14}
    assert vecmath.approximation("sin").coeffs[1] == 1.0
    assert vecmath.approximation("cos").coeffs[0] == 1.0


# ------------------------------------------------------------------ the compiled functions


def _near_multiples_of_half_pi(rng, n):
    k = rng.integers(-(2**19), 2**19, n)
    with mpmath.workdps(40):
        near = np.array([float(mpmath.pi / 2 * int(j)) for j in k])
    return np.concatenate([near, np.nextafter(near, np.inf), np.nextafter(near, -np.inf)])


@pytest.mark.parametrize("name", ["exp", "sin", "cos"])
def test_inline_functions_are_within_two_ulp_of_mpmath(kernels, name):
    rng = np.random.default_rng(11)
    n = 3000
    signs = np.where(rng.random(n) < 0.5, -1.0, 1.0)
    if name == "exp":
        pts = np.concatenate([rng.uniform(-708, 708, n), signs * 10 ** rng.uniform(-300, 2.85, n)])
    else:
        pts = np.concatenate([signs * 10 ** rng.uniform(-300, 6, n),
                              _near_multiples_of_half_pi(rng, n // 3)])
    got = kernels[name](pts)[0]
    assert ulps(got, pts, FUNCTIONS[name][1]).max() <= ULP_LIMIT


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-2.0**20, 2.0**20, allow_nan=False), min_size=1, max_size=40))
def test_property_sin_and_cos_within_two_ulp(xs):
    pts = np.array(xs)
    for name in ("sin", "cos"):
        got = fused.kernel([FUNCTIONS[name][0](X)], [X])(pts)[0]
        assert ulps(got, pts, FUNCTIONS[name][1]).max() <= ULP_LIMIT


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-708.0, 708.0, allow_nan=False), min_size=1, max_size=40))
def test_property_exp_within_two_ulp(xs):
    pts = np.array(xs)
    got = fused.kernel([sp.exp(X)], [X])(pts)[0]
    assert ulps(got, pts, mpmath.exp).max() <= ULP_LIMIT


def test_exact_values_and_signed_zero(kernels):
    assert kernels["exp"](np.array([0.0]))[0][0] == 1.0
    assert kernels["cos"](np.array([0.0, -0.0]))[0].tolist() == [1.0, 1.0]
    s = kernels["sin"](np.array([0.0, -0.0, 5e-324]))[0]
    assert s[0] == 0.0 and np.signbit(s[1]) and s[2] == 5e-324


@pytest.mark.parametrize("name, outside", [
    ("exp", [709.5, -745.0, -1000.0, 1000.0, np.inf, -np.inf, np.nan]),
    ("sin", [2.0**20 * 1.5, 1e22, np.inf, np.nan]),
    ("cos", [-(2.0**21), 1e300, -np.inf, np.nan]),
])
def test_points_out_of_range_are_computed_by_glibc(kernels, name, outside):
    # one block of points: in-range values around the out-of-range ones
    pts = np.concatenate([np.linspace(-3, 3, 50), outside, np.linspace(3, 6, 50)])
    got = kernels[name](pts)[0]
    with np.errstate(over="ignore", invalid="ignore"):
        want = FUNCTIONS[name][2](pts)
    finite = np.isfinite(want) & (want != 0)
    assert np.array_equal(np.isnan(got), np.isnan(want))
    assert np.array_equal(got[~finite & ~np.isnan(want)], want[~finite & ~np.isnan(want)])
    # glibc's vector functions are within 4 ulp, NumPy's within 1
    assert np.all(np.abs(got[finite] - want[finite]) <= 5 * np.spacing(np.abs(want[finite])))


# ------------------------------------------------------------------ quarter turns

V = sp.Symbol("v", real=True)


@pytest.fixture(scope="module")
def quarter_kernels():
    return {name: fused.kernel([FUNCTIONS[name][0](sp.pi / 2 * V)], [V]) for name in ("sin", "cos")}


def _quarter_exact(name):
    # sinpi/cospi: exact zeros at integers, and no loss for large v
    f = {"sin": mpmath.sinpi, "cos": mpmath.cospi}[name]
    return lambda v: f(v / 2)


def test_quarter_turns_finds_multiples_of_pi_only():
    x, y = sp.symbols("x y", real=True)
    cases = {sp.pi * (x - y) / 2: x - y, sp.pi * x / 2 - sp.pi * y / 2: x - y,
             3 * sp.pi * x: 6 * x, sp.pi * x * y / 3: sp.Rational(2, 3) * x * y,
             sp.pi * (x + 1): 2 * x + 2, x + sp.pi: None, sp.sqrt(sp.pi) * x: None,
             x * y: None, sp.exp(sp.pi * x): None}
    for arg, v in cases.items():
        got = vecmath.quarter_turns(arg)
        assert got == v, arg
        if v is not None:
            assert sp.simplify(got * sp.pi / 2 - arg) == 0


def test_kernel_reduces_multiples_of_pi_in_quarter_turns():
    x, y = sp.symbols("x y", real=True)
    # the argument is a common subexpression of sin and cos: seen through, reduced once
    src = fused.source([sp.sin(sp.pi * (x - y) / 2) * sp.cos(sp.pi * (x - y) / 2)
                        + x * sp.sin(x)], [x, y])
    assert src.count("= in0_v - in1_v;") == 2  # the inline loop and its glibc twin
    assert "wb_sin_quarter(a" in src and "wb_cos_quarter(a" in src and "wb_sin(in0_v)" in src
    assert src.count("nan += wb_quarter_range(") == 1
    # the glibc twin computes sin(v·π/2) of the same v
    assert "sin((1.0/2.0)*3.141592653589793*a" in src


def test_two_spellings_of_one_quarter_turn_are_one_call():
    x, y = sp.symbols("x y", real=True)
    a, b = sp.sin(sp.pi * x / 2 + sp.pi * y / 2), sp.sin(sp.pi * (x + y) / 2)
    assert a != b  # SymPy keeps them apart; both are sin_quarter(x + y)
    src = fused.source([a + x, b * x * y], [x, y])
    loop = src[src.index("int wb_loop0("):src.index("int wb_loop0_libm(")]
    assert loop.count("wb_sin_quarter(") == 1 and loop.count("nan += ") == 1
    X, Y = np.linspace(-3, 3, 50001), np.linspace(2, -1, 50001)
    want = np.array([np.sin(np.pi * (X + Y) / 2) + X, np.sin(np.pi * (X + Y) / 2) * X * Y])
    # 1e-14: np.sin of the rounded π(x + y)/2 differs from sin(v·π/2) by round-off
    assert np.abs(fused.kernel([a + x, b * x * y], [x, y])(X, Y) - want).max() < 1e-14


@pytest.mark.parametrize("name", ["sin", "cos"])
def test_quarter_turn_functions_are_within_two_ulp_of_mpmath(quarter_kernels, name):
    rng = np.random.default_rng(5)
    n = 3000
    signs = np.where(rng.random(n) < 0.5, -1.0, 1.0)
    k = rng.integers(-(2**40), 2**40, n // 3).astype(float)
    pts = np.concatenate([signs * 10 ** rng.uniform(-300, 15, n),
                          k, np.nextafter(k, np.inf), np.nextafter(k, -np.inf),
                          rng.uniform(-4, 4, n)])
    got = quarter_kernels[name](pts)[0]
    assert ulps(got, pts, _quarter_exact(name)).max() <= ULP_LIMIT


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-2.0**50, 2.0**50, allow_nan=False), min_size=1, max_size=40))
def test_property_quarter_turns_within_two_ulp(vs):
    pts = np.array(vs)
    for name in ("sin", "cos"):
        got = fused.kernel([FUNCTIONS[name][0](sp.pi / 2 * V)], [V])(pts)[0]
        assert ulps(got, pts, _quarter_exact(name)).max() <= ULP_LIMIT


def test_quarter_turns_are_exact_at_integers(quarter_kernels):
    # sin(kπ) and cos((2k+1)π/2) are 0, exactly; glibc of the rounded v·π/2 is not
    k = np.arange(-40.0, 41.0)
    s = quarter_kernels["sin"](2 * k)[0]
    c = quarter_kernels["cos"](2 * k + 1)[0]
    assert np.all(s == 0) and np.all(c == 0)
    assert np.abs(np.sin(np.pi * k[k != 0])).min() > 0
    assert quarter_kernels["sin"](np.array([1.0, -1.0, 3.0]))[0].tolist() == [1.0, -1.0, -1.0]
    assert quarter_kernels["cos"](np.array([0.0, 2.0, 4.0]))[0].tolist() == [1.0, -1.0, 1.0]
    s = quarter_kernels["sin"](np.array([0.0, -0.0]))[0]
    assert s[0] == 0.0 and not np.signbit(s[0]) and np.signbit(s[1])


@pytest.mark.parametrize("name", ["sin", "cos"])
def test_quarter_turns_out_of_range_are_computed_by_glibc(quarter_kernels, name):
    pts = np.concatenate([np.linspace(-3, 3, 50), [2.0**51, -1e300, np.inf, np.nan],
                          np.linspace(3, 6, 50)])
    got = quarter_kernels[name](pts)[0]
    with np.errstate(invalid="ignore"):
        want = FUNCTIONS[name][2](np.pi / 2 * pts)
    assert np.array_equal(np.isnan(got), np.isnan(want))
    ok = ~np.isnan(want)
    # out of range: glibc's value of the rounded v·π/2 (within its 4 ulp)
    assert np.all(np.abs(got[ok] - want[ok]) <= 5 * np.spacing(np.abs(want[ok])) + 1e-15)


def test_kernel_uses_inline_math_with_a_library_fallback():
    src = fused.source([sp.exp(X) * sp.sin(X**2)], [X])
    assert "wb_exp(" in src and "wb_sin(" in src and "wb_loop0_libm" in src
    assert "wb_exp_range(" in src and "wb_trig_range(" in src
