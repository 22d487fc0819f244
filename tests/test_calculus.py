"""Symbolic calculus: exact derivatives, limits, Taylor polynomials, critical points."""

from __future__ import annotations

import sympy as sp

from workbench.core.parse import parse
from workbench.symbolic import calculus

from .conftest import BEALE

x, y, t = sp.symbols("x y t", real=True)


def test_gradient_and_hessian_exact():
    f = parse("x**3*y + exp(x*y)")
    assert calculus.gradient(f, ["x", "y"]) == [3 * x**2 * y + y * sp.exp(x * y),
                                                x**3 + x * sp.exp(x * y)]
    H = calculus.hessian(f, ["x", "y"])
    assert sp.simplify(H[0, 1] - (3 * x**2 + sp.exp(x * y) + x * y * sp.exp(x * y))) == 0
    assert H == H.T


def test_slides_examples():
    # the slides' gradient example: f = 2x + 3y² − sin z → (2, 6y, −cos z)
    z = sp.Symbol("z", real=True)
    assert calculus.gradient(parse("2*x + 3*y**2 - sin(z)"), ["x", "y", "z"]) == \
        [2, 6 * y, -sp.cos(z)]
    # quotient rule example x²/(x+1)
    d = calculus.gradient(parse("x**2/(x+1)"), ["x"])[0]
    assert sp.simplify(d - (2 * x * (x + 1) - x**2) / (x + 1) ** 2) == 0


def test_jacobian_rows_are_outputs():
    J = calculus.jacobian([parse("x*y"), parse("x + y"), parse("y**2")], ["x", "y"])
    assert J.shape == (3, 2)
    assert sp.Matrix([[y, x], [1, 1], [0, 2 * y]]) == J


def test_directional_derivative_unit_direction():
    d = calculus.directional_derivative(parse("x**2 + y**2"), ["x", "y"], [3, 4])
    assert sp.simplify(d - (6 * x + 8 * y) / 5) == 0


def test_taylor_polynomial():
    T = calculus.taylor(parse("exp(x)*cos(y)"), ["x", "y"], {"x": 0, "y": 0}, 2)
    assert sp.expand(T - (1 + x + x**2 / 2 - y**2 / 2)) == 0


def test_limits_one_and_two_sided():
    lim = calculus.limit(parse("1/x"), "x", 0)
    assert not lim.exists and lim.left == -sp.oo and lim.right == sp.oo
    assert calculus.limit(parse("2*x"), "x", 3).value == 6
    assert calculus.limit(parse("sin(x)/x"), "x", 0).value == 1
    assert not calculus.limit(parse("sin(x)"), "x", "oo").exists


def test_beale_critical_points_exact_and_complete():
    found = calculus.critical_points(parse(BEALE), ["x", "y"])
    assert found.complete
    by_point = {tuple(p.point.values()): p for p in found.points}
    minimum = by_point[(sp.Integer(3), sp.Rational(1, 2))]
    assert minimum.kind == "minimum" and minimum.value == 0
    saddle = by_point[(sp.Integer(0), sp.Integer(1))]
    assert saddle.kind == "saddle" and saddle.value == sp.Rational(909, 64)
    assert len(found.points) == 3
    # the third point: x from the real root of 3y³ + 11y² + 10y + 5 (a factor of the
    # Gröbner basis' last polynomial), checked by substituting it back in high precision
    third = [p for p in found.points if p not in (minimum, saddle)][0]
    yv = third.point["y"]
    assert abs(sp.N(3 * yv**3 + 11 * yv**2 + 10 * yv + 5, 40)) < 1e-30
    grad = calculus.gradient(parse(BEALE), ["x", "y"])
    subs = {x: third.point["x"], y: yv}
    assert all(abs(sp.N(g.subs(subs), 40)) < 1e-25 for g in grad)


def test_classification_of_simple_shapes():
    def kinds(text):
        return [p.kind for p in calculus.critical_points(parse(text), ["x", "y"]).points]

    assert kinds("x**2 + y**2") == ["minimum"]
    assert kinds("-x**2 - y**2") == ["maximum"]
    assert kinds("x**2 - y**2") == ["saddle"]
    # singular Hessian: the higher-order test decides (x⁴ ≥ 0 along the kernel, y² across it)
    assert kinds("x**4 + y**2") == ["degenerate minimum"]
    assert kinds("x**4 + y**4") == ["degenerate minimum"]
    assert kinds("x**4 - y**4") == ["degenerate saddle"]
    assert kinds("x**3 + y**2") == ["degenerate saddle"]
    assert kinds("-x**4 - y**4") == ["degenerate maximum"]
    assert kinds("-x**6 - y**2") == ["degenerate maximum"]
    # Peano: a minimum along every line through 0, yet a saddle (y between x² and 2x² is < 0)
    assert kinds("(y - x**2)*(y - 2*x**2)") == ["degenerate saddle"]


def test_transcendental_system_marked_incomplete():
    found = calculus.critical_points(parse("sin(x) + y**2"), ["x", "y"])
    assert not found.complete
    assert found.points  # cos x = 0 has solutions; at least one is found
    for p in found.points:
        assert abs(sp.cos(p.numeric["x"])) < 1e-12 and abs(p.numeric["y"]) < 1e-12
