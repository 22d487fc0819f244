"""Finite-difference engine: the stencil table, steps, dtypes, vector forms, bad input.

Expected values come from closed forms (derivatives by hand), exact rational
arithmetic on polynomials, plain Python floats, and numdifftools (an
independent implementation of Richardson-extrapolated differences).
"""

from __future__ import annotations

import math
from fractions import Fraction

import numdifftools as nd
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.core.errors import InputError
from workbench.numerics import finite_diff as fd

EPS = float(np.finfo(np.float64).eps)


def task3(x):
    u = np.exp(x) + np.exp(x) ** 2
    return np.exp(u) + np.sin(u)


def task3_prime(x):  # by hand: u' = e^x + 2e^(2x), f' = u'(e^u + cos u)
    u = math.exp(x) + math.exp(2 * x)
    return (math.exp(x) + 2 * math.exp(2 * x)) * (math.exp(u) + math.cos(u))


def beale(x, y):
    return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2


# ------------------------------------------------------------------ the stencil table

@pytest.mark.parametrize("method, order, truncation", [
    # truncation constants by hand from Taylor series: (f(x+h) - f(x))/h = f' + h f''/2 + ...,
    # central: f' + h² f'''/6, five-point: f' - h⁴ f⁽⁵⁾/30
    ("forward", 1, Fraction(1, 2)),
    ("backward", 1, Fraction(-1, 2)),
    ("central", 2, Fraction(1, 6)),
    ("five_point", 4, Fraction(-1, 30)),
])
def test_stencil_order_and_truncation_constant(method, order, truncation):
    s = fd.STENCILS[method]
    assert s.order == order
    assert s.truncation == truncation


def test_richardson_stencil_by_hand():
    # (4 D(h/2) - D(h)) / 3 with D the central difference: weights at -1, -1/2, 1/2, 1
    one = fd.richardson_stencil(1)
    assert one.offsets == (-1, Fraction(-1, 2), Fraction(1, 2), 1)
    assert one.weights == (Fraction(1, 6), Fraction(-4, 3), Fraction(4, 3), Fraction(-1, 6))
    assert one.order == 4 and one.truncation == Fraction(-1, 480)
    assert fd.richardson_stencil(2).order == 6
    assert fd.order("richardson", levels=3) == 8


def _apply_exact(stencil, coeffs, x, h):
    """Σ wᵢ p(x + cᵢh) / h for the polynomial with ``coeffs`` (constant first), exactly."""
    def p(t):
        return sum(c * t**k for k, c in enumerate(coeffs))
    return sum(w * p(x + c * h) for c, w in zip(stencil.offsets, stencil.weights,
                                                strict=True)) / h


rationals = st.fractions(min_value=-5, max_value=5, max_denominator=50)
steps = st.fractions(min_value=Fraction(1, 50), max_value=2, max_denominator=50)
stencils = st.sampled_from([fd.STENCILS[m] for m in fd.STENCILS] + [fd.richardson_stencil(2)])


@settings(max_examples=60, deadline=None)
@given(stencil=stencils, data=st.data(), x=rationals, h=steps)
def test_stencil_exact_up_to_its_order(stencil, data, x, h):
    """Order p means exact for every polynomial of degree ≤ p (exact rational arithmetic)."""
    p = stencil.order
    coeffs = data.draw(st.lists(rationals, min_size=p + 1, max_size=p + 1))
    derivative = sum(k * c * x ** (k - 1) for k, c in enumerate(coeffs) if k)
    assert _apply_exact(stencil, coeffs, x, h) == derivative


@settings(max_examples=40, deadline=None)
@given(stencil=stencils, x=rationals, h=steps)
def test_stencil_error_on_the_next_power_is_its_truncation_term(stencil, x, h):
    """For f = t^(p+1): D − f' = m_(p+1) · (p+1)! · hᵖ exactly (higher derivatives vanish)."""
    p = stencil.order
    coeffs = [0] * (p + 1) + [1]
    error = _apply_exact(stencil, coeffs, x, h) - (p + 1) * x**p
    assert error == stencil.truncation * math.factorial(p + 1) * h**p


def test_float_stencils_match_textbook_formulas_bit_for_bit():
    x, h = 3.0, 1e-3
    f = np.exp
    assert fd.forward(f, x, h) == (math.exp(x + h) - math.exp(x)) / h
    assert fd.backward(f, x, h) == (math.exp(x) - math.exp(x - h)) / h
    assert fd.central(f, x, h) == (math.exp(x + h) - math.exp(x - h)) / (2 * h)


def test_richardson_table_is_its_stencil():
    x = np.array([0.3, 1.0, 2.5])
    h = 0.05
    via_table = fd.richardson(np.sin, x, h)
    via_stencil = fd.richardson_stencil(2)(np.sin, x, h)
    # the two sum the same terms in a different order: agreement to round-off (ε/h ~ 1e-14)
    np.testing.assert_allclose(via_table, via_stencil, rtol=0, atol=1e-13)


# ------------------------------------------------------------------ steps

def test_default_steps_follow_the_theory():
    for x, scale in ((0.5, 1.0), (3.0, 3.0), (-40.0, 40.0)):
        assert fd.derivative(np.exp, x, "forward").h == pytest.approx(math.sqrt(EPS) * scale)
        assert fd.derivative(np.exp, x, "central").h == pytest.approx(EPS ** (1 / 3) * scale)
        assert fd.derivative(np.exp, x, "five_point").h == pytest.approx(EPS ** 0.2 * scale)
    assert fd.derivative(np.exp, 1.0, "complex_step").h == 1e-20


def test_float32_uses_its_own_epsilon_and_stays_float32():
    e = fd.derivative(np.exp, np.float32(1.0), "forward")
    assert e.value.dtype == np.float32
    assert float(e.h) == pytest.approx(math.sqrt(2.0**-23), rel=1e-6)
    # float32 forward difference: error near √ε32 ≈ 3.5e-4, far from float64's 1e-8
    assert 1e-5 < abs(float(e.value) - math.e) / math.e < 1e-2


def test_norm_step_of_hw1():
    # √ε (1 + ‖(1,1,1)‖) with ε = 1e-4 is 0.01 (1 + √3)
    assert fd.norm_step([1, 1, 1], eps=1e-4) == pytest.approx(0.01 * (1 + math.sqrt(3)),
                                                              rel=1e-15)
    with pytest.raises(InputError, match="eps"):
        fd.norm_step([1.0], eps=0)


def test_every_estimate_reports_its_step_and_richardson_its_error():
    e = fd.derivative(np.sin, 1.0, "richardson")
    assert e.h > 0 and e.order == 6
    true = math.cos(1.0)
    assert abs(float(e) - true) <= float(e.error)  # the estimate bounds the real error here
    assert fd.derivative(np.sin, 1.0, "forward").error is None


# ------------------------------------------------------------------ accuracy

CASES = [  # (f, x, f'(x) by hand)
    (lambda x: x**2, 3.0, 6.0),
    (np.exp, 1.0, math.e),
    (np.sin, 1.0, math.cos(1.0)),
    (task3, 0.5, task3_prime(0.5)),
    (lambda x: beale(x, 1.0), 1.0, 0.0),   # f(x, 1) is constant in x
    (lambda y: beale(1.0, y), 1.0, 27.75),  # 2(1.5) + 4(2.25) + 6(2.625) by hand
]


@pytest.mark.parametrize("f, x, true", CASES)
def test_methods_at_default_steps(f, x, true):
    def err(method):
        return abs(float(fd.derivative(f, x, method).value) - true) / max(abs(true), 1.0)

    # the rule steps are balanced for |f| ~ |f''|; Task 3's f'' is 9x its f' so allow more
    assert err("forward") < 2e-7
    assert err("central") < 1e-9
    assert err("richardson") < 1e-8
    assert err("complex_step") < 4e-16


@pytest.mark.parametrize("f, x, true", CASES)
def test_richardson_agrees_with_numdifftools(f, x, true):
    ours = float(fd.derivative(f, x, "richardson").value)
    theirs = float(nd.Derivative(f)(x))
    assert abs(ours - theirs) <= 1e-10 * max(abs(theirs), 1.0)


def test_vectorized_over_points_and_steps():
    x = np.linspace(-2, 2, 7)
    d = fd.derivative(np.sin, x, "central")
    assert d.value.shape == (7,)
    np.testing.assert_allclose(d.value, np.cos(x), atol=1e-10)
    hs = np.logspace(-8, -2, 5)
    sweep = fd.derivative(np.exp, 1.0, "forward", hs)
    assert sweep.value.shape == (5,)
    # forward error ≈ h e / 2 at large h: the truncation term, by hand
    np.testing.assert_allclose(sweep.value[-1] - math.e, hs[-1] * math.e / 2, rtol=1e-2)


def test_complex_step_follows_abs_on_the_real_axis():
    # the complex step needs analytic operations; f = x |x| has f' = 2|x| = 4 at -2
    f = lambda x: x * (x * np.sign(np.real(x)))  # noqa: E731 - |x| continued off the axis
    assert float(fd.complex_step(f, -2.0)) == 4.0


# ------------------------------------------------------------------ gradients, Jacobians, Hessians

def test_gradient_jacobian_hessian_against_closed_forms():
    x = np.array([0.5, 1.5, -1.0])
    y = np.array([2.0, -0.5, 0.25])
    g = fd.gradient(lambda a, b: a * b**2, [x, y])
    assert g.shape == (2, 3)
    np.testing.assert_allclose(g, [y**2, 2 * x * y], atol=1e-9)

    def F(a, b):
        return np.stack(np.broadcast_arrays(a * b, np.sin(a) + b**2))

    J = fd.jacobian(F, [x, y])
    assert J.shape == (2, 2, 3)  # rows are outputs, columns inputs
    np.testing.assert_allclose(J, [[y, x], [np.cos(x), 2 * y]], atol=1e-9)
    Jc = fd.jacobian(F, [x, y], method="complex_step")
    np.testing.assert_allclose(Jc, [[y, x], [np.cos(x), 2 * y]], atol=1e-15)
    H = fd.hessian(lambda a, b: a**2 * b + np.exp(b), [x, y])
    assert H.shape == (2, 2, 3)
    np.testing.assert_allclose(H, [[2 * y, 2 * x], [2 * x, np.exp(y)]], atol=1e-5)


def test_gradient_keeps_the_certify_contract():
    g = fd.gradient(lambda a, b: a * b, [np.array([1.0, 2.0]), np.array([3.0, 4.0])], levels=2)
    np.testing.assert_allclose(g, [[3.0, 4.0], [1.0, 2.0]], atol=1e-12)
    assert fd.hessian(lambda a, b: a * b, [1.0, 2.0]).shape == (2, 2)


# ------------------------------------------------------------------ bad input

@pytest.mark.parametrize("h", [0, -1e-3, float("nan"), float("inf"), [1e-3, -1e-3]])
def test_nonpositive_steps_are_refused(h):
    with pytest.raises(InputError, match="step h must be positive"):
        fd.derivative(np.exp, 1.0, "central", h)


def test_other_bad_requests_name_the_problem():
    with pytest.raises(InputError, match="unknown finite-difference method 'sideways'"):
        fd.derivative(np.exp, 1.0, "sideways")
    with pytest.raises(InputError, match="underflows to 0 in float16"):
        fd.derivative(np.exp, np.float16(1.0), "forward", 1e-10)
    with pytest.raises(InputError, match="no complex float16"):
        fd.derivative(np.exp, np.float16(1.0), "complex_step")
    with pytest.raises(InputError, match="coordinate 2 out of range"):
        fd.partial(lambda a, b: a * b, [1.0, 2.0], 2)
