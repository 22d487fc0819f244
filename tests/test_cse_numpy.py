"""NumPy code printed straight from SymEngine: each node's text, the fallback, and the values."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.backends import compile as compile_module
from workbench.backends import cse_numpy

se = pytest.importorskip("symengine")

X, Y = se.symbols("x y")
PRINTER = cse_numpy.CSEPrinter({X: "x_0", Y: "x_1"})


@pytest.mark.parametrize(("node", "text"), [
    (X, "x_0"),
    (se.Integer(7), "7"),
    (se.Integer(-7), "-7"),
    (se.Rational(2, 3), "2/3"),
    (se.Rational(-2, 3), "-2/3"),
    (se.pi, "pi"),
    (se.E, "e"),
    (X + Y, "x_1 + x_0"),
    (X - 2 * Y, "-2*x_1 + x_0"),
    (-X - Y, "-x_1 - x_0"),
    (2 * X * Y, "2*x_0*x_1"),
    (-X / Y, "-x_0/x_1"),
    (2 * X / 3, "2*x_0/3"),
    (X / 3, "x_0/3"),
    (X / (Y**2 * (X + Y)), "x_0/(x_1**2*(x_1 + x_0))"),
    ((X + Y) ** 2, "(x_1 + x_0)**2"),
    (X**se.Rational(3, 2), "x_0**(3/2)"),
    (X**-1, "1/x_0"),
    (X**-2, "1/x_0**2"),
    (se.sqrt(X), "sqrt(x_0)"),
    (1 / se.sqrt(X), "1/sqrt(x_0)"),
    (se.exp(X + 1), "exp(1 + x_0)"),
    (se.log(X), "log(x_0)"),
    (se.sin(X), "sin(x_0)"),
    (se.cos(X), "cos(x_0)"),
    (se.tan(X), "tan(x_0)"),
    (se.sinh(X), "sinh(x_0)"),
    (se.cosh(X), "cosh(x_0)"),
    (se.tanh(X), "tanh(x_0)"),
    (se.asin(X), "arcsin(x_0)"),
    (se.acos(X), "arccos(x_0)"),
    (se.atan(X), "arctan(x_0)"),
    (se.pi * X, "x_0*pi"),
])
def test_each_node_prints_as_numpy_source(node, text):
    assert PRINTER.doprint(node) == text


@pytest.mark.parametrize("node", [se.gamma(X), se.Abs(X), X**Y, se.Symbol("z"), se.I * X,
                                  se.oo, se.Float(0.5) * X])
def test_a_node_outside_the_table_is_refused(node):
    with pytest.raises(cse_numpy.OutsideTable):
        PRINTER.doprint(node)


def test_shared_subtrees_become_temporaries_defined_before_use():
    x, y = sp.symbols("x y")
    s = sp.exp(x) + sp.exp(y)
    fn = cse_numpy.numpy_function([x, y], [sp.exp(x) / s, -sp.exp(x + y) / s**2])
    assert fn.source == (
        "def _cse_numpy(x_0, x_1):\n"
        "    c_0 = exp(x_0)\n"
        "    c_1 = exp(x_1) + c_0\n"
        "    return [c_0/c_1, -exp(x_1 + x_0)/c_1**2]")


def test_outputs_may_repeat_and_be_plain_variables():
    x, y = sp.symbols("x y")
    fn = cse_numpy.numpy_function([x, y], [x * y, x * y, y, sp.Integer(3)])
    assert [float(v) for v in fn(2.0, 5.0)] == [10.0, 10.0, 5.0, 3.0]


def test_symbol_names_need_not_be_identifiers():
    a, b = sp.Symbol("lambda"), sp.Symbol("x[1]")
    fn = cse_numpy.numpy_function([a, b], [a * b + sp.sin(a)])
    assert "lambda" not in fn.source and "[1]" not in fn.source.split("return")[0]
    assert float(fn(2.0, 3.0)[0]) == pytest.approx(6.0 + np.sin(2.0), rel=1e-15)


@pytest.mark.parametrize("exprs", [
    lambda x, y: [sp.Abs(x) * y],                 # a function SymEngine is not trusted with
    lambda x, y: [x**y],                          # a symbolic exponent
    lambda x, y: [sp.Float(0.5) * x],             # a float: exact rationals only
    lambda x, y: [x * sp.Symbol("x", positive=True)],  # two symbols of one name
])
def test_anything_else_falls_back(exprs):
    x, y = sp.symbols("x y")
    assert cse_numpy.numpy_function([x, y], exprs(x, y)) is None


def test_compile_at_scale_falls_back_to_sympys_printer_outside_the_table():
    """250 entries with Abs: SymPy's path, the same values as entry-by-entry lambdify."""
    xs = sp.symbols("x0:5")
    exprs = [sp.Abs(xs[k % 5] - k) * xs[(k + 1) % 5] for k in range(250)]
    assert len(exprs) >= compile_module.FAST_CSE_MIN
    rng = np.random.default_rng(3)
    pts = [rng.uniform(-3, 3, 7) for _ in xs]
    got = compile_module.compile(exprs, xs, "numpy")(*pts)
    want = np.array([sp.lambdify(xs, e, "numpy")(*pts) for e in exprs])
    np.testing.assert_array_equal(got, want)


# ------------------------------------------------------------ against sympy.lambdify

V = sp.symbols("v0:3")
UNARY = [sp.exp, sp.log, sp.sin, sp.cos, sp.tan, sp.sinh, sp.cosh, sp.tanh, sp.asin, sp.acos,
         sp.atan, sp.sqrt, lambda e: 1 / sp.sqrt(e)]
LEAVES = st.one_of(st.sampled_from(V), st.integers(-3, 3).map(sp.Integer),
                   st.sampled_from([sp.Rational(1, 2), sp.Rational(-2, 3), sp.pi, sp.E]))


def _grow(children):
    return st.one_of(
        st.tuples(children, children).map(lambda ab: ab[0] + ab[1]),
        st.tuples(children, children).map(lambda ab: ab[0] - ab[1]),
        st.tuples(children, children).map(lambda ab: ab[0] * ab[1]),
        st.tuples(children, children).map(lambda ab: ab[0] / ab[1]),
        st.tuples(children, st.sampled_from([2, 3, -1, -2, sp.Rational(3, 2)]))
          .map(lambda ab: ab[0] ** ab[1]),
        st.tuples(st.sampled_from(UNARY), children).map(lambda fa: fa[0](fa[1])),
    )


EXPRS = st.recursive(LEAVES, _grow, max_leaves=8)


def _agree(a, b, tol: float) -> bool:
    """Mixed relative agreement |a − b| ≤ tol·max(|b|, 1); NaN with NaN, ±inf with the same."""
    a, b = np.broadcast_arrays(np.asarray(a, dtype=complex), np.asarray(b, dtype=complex))
    both_nan = np.isnan(a) & np.isnan(b)
    same_inf = np.isinf(a) & np.isinf(b) & (a == b)
    with np.errstate(all="ignore"):
        close = np.abs(a - b) <= tol * np.maximum(np.abs(b), 1)
    return bool(np.all(both_nan | same_inf | close))


@settings(max_examples=150, deadline=None)
@given(st.lists(EXPRS, min_size=1, max_size=4))
def test_the_printed_function_agrees_with_sympys_lambdify(exprs):
    """The same formulas, summed and multiplied in other orders and with shared parts computed
    once: a few ulps per operation.  Leaves are at most 3 in size and trees at most 8
    leaves, so the terms stay moderate where both are finite and 1e-9 · max(|b|, 1) bounds
    the round-off with a wide margin; NaN and infinity must match exactly."""
    fn = cse_numpy.numpy_function(V, exprs)
    if fn is None:  # SymPy evaluated a leaf to a node outside the table (e.g. I, zoo)
        return
    rng = np.random.default_rng(0)
    pts = [rng.uniform(0.1, 0.9, 25) for _ in V]  # inside asin/acos/log/sqrt's real domains
    with np.errstate(all="ignore"):
        got = fn(*pts)
        want = sp.lambdify(V, exprs, modules="numpy")(*pts)
    for g, w in zip(got, want, strict=True):
        assert _agree(g, w, 1e-9), (exprs, g, w)
