"""Fast derivatives are the SymPy path's derivatives.

The ``sympy`` engine must return structurally identical expressions (``==``)
to :mod:`workbench.symbolic.calculus`; the ``symengine`` engine must return equal ones
(identical on the Rosenbrock family, the B2 benchmark; ``expand(a − b) == 0``
on random polynomials; ``simplify(a − b) == 0`` on the course functions).
"""

from __future__ import annotations

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.problems import rosenbrock  # the B2 family
from workbench.core.errors import InputError, ShapeError
from workbench.core.parse import parse
from workbench.symbolic import calculus, fastdiff

from .conftest import BEALE

CORPUS = [
    (BEALE, ["x", "y"]),
    ("exp(x1 + x2**3)*x3 + sqrt(x3*sin(pi/2*(x1 - x2)))", ["x1", "x2", "x3"]),
    ("x**2*y + y**3", ["x", "y"]),
    ("log(1 + exp(x*y)) - y*x", ["x", "y"]),
    ("sin(x)*cos(y) + tan(x*y) + atan(x/y)", ["x", "y"]),
    ("sinh(x)/(1 + y**2) + cosh(x*y)**3 - tanh(y)", ["x", "y"]),
    ("x**y + y**x", ["x", "y"]),
    ("sqrt(x**2 + y**2 + 1) + 1/(x - y)", ["x", "y"]),
    ("sigmoid(x*y) + softplus(x - 2*y)", ["x", "y"]),
    ("abs(x) + max(x, y)", ["x", "y"]),
    ("x*y*z + x**2*z**3 - 7*y", ["x", "y", "z"]),
    ("exp(-(x**2 + y**2)/2)", ["x", "y"]),
]


@pytest.mark.parametrize("text,names", CORPUS)
def test_sympy_engine_is_identical_to_the_sympy_path(text, names):
    f = parse(text, names)
    g, hs = fastdiff.derivatives(f, names, engine="sympy")
    assert g == calculus.gradient(f, names)
    assert hs == calculus.hessian(f, names)


@pytest.mark.parametrize("text,names", CORPUS)
def test_auto_engine_equals_the_sympy_path(text, names):
    f = parse(text, names)
    g, hs = fastdiff.derivatives(f, names)
    for a, b in zip(list(g) + list(hs), calculus.gradient(f, names) + list(
            calculus.hessian(f, names)), strict=True):
        assert a == b or sp.simplify(a - b) == 0, (a, b)


@pytest.mark.parametrize("n", [3, 10, 20])
@pytest.mark.parametrize("engine", ["sympy", "symengine"])
def test_rosenbrock_is_identical_to_sympy_hessian(n, engine):
    f, xs = rosenbrock(n)
    g, hs = fastdiff.derivatives(f, xs, engine=engine)
    assert hs == sp.hessian(f, xs)
    assert g == [sp.diff(f, x) for x in xs]
    # tridiagonal, with the hand-derived entries
    x1, x2 = xs[0], xs[1]
    assert hs[0, 0] == 1200 * x1**2 - 400 * x2 + 2
    assert hs[0, 1] == -400 * x1 and hs[0, 2] == 0


def test_engine_choice():
    x, y = sp.symbols("x y", real=True)
    assert fastdiff.engine_for(x**2 * y + sp.exp(y), [x, y]) == "symengine"
    assert fastdiff.engine_for(sp.sqrt(x) * sp.sin(y), [x, y]) == "symengine"
    for f in (x**y, sp.Abs(x), sp.Max(x, y), parse("sigmoid(x)", ["x"]), sp.Float(1.5) * x):
        assert fastdiff.engine_for(f, [x, y]) == "sympy", f
    # two symbols named alike would merge in SymEngine
    assert fastdiff.engine_for(x + sp.Symbol("x"), [x]) == "sympy"


def test_errors_name_the_problem():
    x = sp.Symbol("x", real=True)
    with pytest.raises(InputError, match="unknown differentiation engine 'maple'"):
        fastdiff.gradient(x**2, [x], engine="maple")
    with pytest.raises(ShapeError, match="scalar function is needed"):
        fastdiff.hessian(sp.Matrix([x, x**2]), [x])


def test_without_symengine_auto_uses_sympy(monkeypatch):
    monkeypatch.setattr(fastdiff, "symengine_available", lambda: False)
    f, xs = rosenbrock(5)
    assert fastdiff.engine_for(f, xs) == "sympy"
    with pytest.raises(InputError, match="pip install 'workbench\\[fast\\]'"):
        fastdiff.gradient(f, xs, engine="symengine")
    assert fastdiff.hessian(f, xs) == sp.hessian(f, xs)


def test_variables_absent_from_f_get_zero_rows():
    x, y, z = sp.symbols("x y z", real=True)
    for engine in ("sympy", "symengine"):
        g, hs = fastdiff.derivatives(x**3 * y, [x, y, z], engine=engine)
        assert g == [3 * x**2 * y, x**3, 0]
        assert hs == sp.Matrix([[6 * x * y, 3 * x**2, 0], [3 * x**2, 0, 0], [0, 0, 0]])


MONOMIALS = st.tuples(st.integers(-9, 9), st.integers(0, 3), st.integers(0, 3), st.integers(0, 2))


@settings(max_examples=30, deadline=None)
@given(st.lists(MONOMIALS, min_size=1, max_size=6))
def test_property_random_polynomials(monomials):
    x, y, z = xs = sp.symbols("x y z", real=True)
    f = sp.Add(*[c * x**a * y**b * z**d for c, a, b, d in monomials])
    g_ref, hs_ref = calculus.gradient(f, xs), calculus.hessian(f, xs)
    g, hs = fastdiff.derivatives(f, xs, engine="sympy")
    assert g == g_ref and hs == hs_ref
    g, hs = fastdiff.derivatives(f, xs, engine="symengine")
    assert all(sp.expand(a - b) == 0 for a, b in zip(g, g_ref, strict=True))
    assert (hs - hs_ref).expand() == sp.zeros(3, 3)


# ------------------------------------------------------------------ derivation at scale

needs_symengine = pytest.mark.skipif(not fastdiff.symengine_available(),
                                     reason="SymEngine is not installed")


@needs_symengine
@pytest.mark.parametrize("n", [60, 150])
def test_rosenbrock_at_moderate_n_is_identical_to_the_sympy_path(n):
    f, xs = rosenbrock(n)
    g, hs = fastdiff.derivatives(f, xs)
    g_ref, h_ref = fastdiff.derivatives(f, xs, engine="sympy")
    assert g == g_ref == calculus.gradient(f, xs) and hs == h_ref


@needs_symengine
def test_log_sum_exp_dense_hessian_equals_the_sympy_path():
    from benchmarks.b2_scaling import exactly_equal
    from benchmarks.problems import log_sum_exp

    f, xs = log_sum_exp(12)
    g, hs = fastdiff.derivatives(f, xs)
    g_ref, h_ref = calculus.gradient(f, xs), calculus.hessian(f, xs)
    assert g == g_ref and fastdiff.derivatives(f, xs, engine="sympy")[1] == h_ref
    # SymEngine writes exp(x1 + x2) for SymPy's exp(x1)*exp(x2): equal, checked exactly
    assert exactly_equal(hs, h_ref) and all(e != 0 for e in hs)
    x1, x2 = xs[0], xs[1]
    s = sp.Add(*[sp.exp(x) for x in xs])
    assert sp.simplify(hs[0, 1] - (-sp.exp(x1) * sp.exp(x2) / s**2)) == 0


@needs_symengine
@pytest.mark.parametrize("text,names", [(t, n) for t, n in CORPUS if "max" not in t])
def test_node_by_node_conversion_is_symengines_own(text, names):
    f = parse(text, names)
    if fastdiff.engine_for(f, names) != "symengine":
        pytest.skip("not a SymEngine expression")
    conv = fastdiff._SymEngine(f, calculus.symbols(names))
    entries = conv.gradient() + [gi.diff(x) for gi in conv.gradient() for x in conv.xs]
    for e in entries:
        assert conv.to_sympy(e) == e._sympy_().xreplace(conv.back)


def test_symbol_sets_are_the_free_symbols():
    x, y, t = sp.symbols("x y t", real=True)
    shared = sp.exp(x) + y
    exprs = [shared / 2, shared**2 * t, sp.Integer(0), sp.Integral(x * t, (x, 0, 1)) + y]
    assert fastdiff.symbol_sets(exprs) == [e.free_symbols for e in exprs]


@pytest.mark.parametrize("names", [["x0", "x1", "x2"], ["a", "b", "c"]])
def test_cse_names_fresh_symbols_and_keeps_the_values(names):
    xs = calculus.symbols(names)
    exprs = [(xs[0] + xs[1]) ** 2 * sp.exp(xs[0] + xs[1]), sp.log(xs[0] + xs[1]) + xs[2],
             sp.sin(xs[2]) * (xs[0] + xs[1])]
    subs, reduced = fastdiff.cse(exprs)
    assert not {s for s, _ in subs} & set(xs)  # never one of the variables (x0, x1, ...)
    back = list(reduced)
    for s, v in reversed(subs):
        back = [e.xreplace({s: v}) for e in back]
    assert [sp.expand(a - b) for a, b in zip(back, exprs, strict=True)] == [0, 0, 0]


@needs_symengine
def test_large_results_compile_to_the_same_values(monkeypatch):
    import numpy as np

    from benchmarks.problems import log_sum_exp
    from workbench.backends import compile as compile_module
    from workbench.certification.base import mixed_error

    f, xs = log_sum_exp(16)  # 256 Hessian entries: SymEngine's CSE
    _, hs = fastdiff.derivatives(f, xs)
    rng = np.random.default_rng(0)
    pts = [rng.uniform(-3, 3, 40) for _ in xs]
    fast = compile_module.compile(hs, xs, "numpy")(*pts)
    monkeypatch.setattr(compile_module, "FAST_CSE_MIN", 10**9)  # SymPy's CSE
    slow = compile_module.compile(hs, xs, "numpy")(*pts)
    assert fast.shape == slow.shape == (16, 16, 40)
    assert np.max(mixed_error(fast, slow)) < 1e-14  # the same formulas, round-off apart


@needs_symengine
def test_large_sparse_hessian_compiles_to_the_same_values(monkeypatch):
    """Rosenbrock n = 120: zeros shared as constants, each off-diagonal entry printed once."""
    import numpy as np

    from workbench.backends import compile as compile_module
    from workbench.certification.base import mixed_error

    f, xs = rosenbrock(120)
    _, hs = fastdiff.derivatives(f, xs)
    rng = np.random.default_rng(1)
    pts = [rng.uniform(-2, 2, 30) for _ in xs]
    fast = compile_module.compile(hs, xs, "numpy")(*pts)
    monkeypatch.setattr(compile_module, "FAST_CSE_MIN", 10**9)
    slow = compile_module.compile(hs, xs, "numpy")(*pts)
    assert fast.shape == (120, 120, 30) and np.all(fast[0, 2] == 0)
    assert np.max(mixed_error(fast, slow)) < 1e-14
