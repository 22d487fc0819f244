"""The function table: every engine reads one row per function; erf and silu added as rows.

References are independent of the code under test: derivatives are typed out
by hand (d/dx erf x = 2/√π e^{−x²}; silu x = x/(1 + e^{−x}), so silu′ x =
1/(1 + e^{−x}) + x e^{−x}/(1 + e^{−x})²), values come from SciPy's erf and
from mpmath at 50 digits.
"""

from __future__ import annotations

import re

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench import compile as wb_compile
from workbench.autodiff.graph import from_text
from workbench.autodiff.primitives import EXACT, FLOAT, PRIMITIVES
from workbench.autodiff.trace import reverse
from workbench.backends import fused
from workbench.core.functions import SYMPY, TABLE, erf, numeric, sigmoid, silu, spellings
from workbench.core.parse import FUNCTIONS, parse
from workbench.core.printing import to_latex, to_text
from workbench.matrix_calculus.derive import derive
from workbench.matrix_calculus.parse import ELEMENTWISE, parse_matrix
from workbench.matrix_calculus.printing import NUMPY_NAMES, to_numpy
from workbench.matrix_calculus.printing import to_latex as matrix_latex
from workbench.proof.language import read_math, to_tex
from workbench.proof.numeric import SCALAR_FUNCTIONS, Evaluator

x, x1, x2 = sp.symbols("x x1 x2", real=True)


def silu_by_hand(t):
    return t / (1 + sp.exp(-t))


def silu_prime_by_hand(t):
    return 1 / (1 + sp.exp(-t)) + t * sp.exp(-t) / (1 + sp.exp(-t)) ** 2


def erf_prime_by_hand(t):
    return 2 / sp.sqrt(sp.pi) * sp.exp(-t**2)


def same(a: sp.Expr, b: sp.Expr) -> bool:
    """Exactly equal: the difference, σ and silu written with exp, simplifies to 0."""
    return sp.simplify((a - b).rewrite(sp.exp)) == 0


# ----------------------------------------------------------------------------- the table

def test_every_engine_reads_the_table():
    for name in ("erf", "silu"):
        assert name in FUNCTIONS and name in PRIMITIVES and name in ELEMENTWISE
        assert name in SCALAR_FUNCTIONS and name in spellings()
    assert set(TABLE) <= set(FUNCTIONS) and set(TABLE) <= set(PRIMITIVES)


@pytest.mark.parametrize("name", [n for n, fn in TABLE.items()
                                  if fn.arity == 1 and isinstance(fn.sympy, type)
                                  and fn.sympy.__module__.startswith("sympy")
                                  and n != "sign"])  # SymPy: 2δ(x); the graphs: 0, a jump at 0
def test_each_rule_agrees_with_sympys_own_derivative(name):
    """For SymPy's own functions the table's rule and SymPy's diff are independent."""
    fn = TABLE[name]
    f = fn.sympy(x)
    assert sp.simplify(sp.diff(f, x) - fn.derivative(SYMPY, f, x)) == 0


def test_new_rows_match_the_hand_derivatives():
    assert sp.diff(erf(x), x) == erf_prime_by_hand(x)
    assert same(sp.diff(silu(x), x), silu_prime_by_hand(x))
    assert same(silu(x), silu_by_hand(x))
    assert erf(0) == 0 and silu(0) == 0 and erf(-x) == -erf(x)
    assert mpmath.almosteq(mpmath.mpf(str(silu(sp.Rational(1, 3)).evalf(40))),
                           mpmath.mpf(1) / 3 / (1 + mpmath.exp(-mpmath.mpf(1) / 3)), 1e-35)


# ----------------------------------------------------------------------------- parser, LaTeX

def test_parser_builds_the_classes_and_text_round_trips():
    e = parse("silu(x1)*erf(x2) + erf(silu(x1) - 1)")
    assert e.has(silu) and e.has(erf)
    assert parse(to_text(e)) == e
    assert to_text(parse("silu(x)")) == "silu(x)"


@settings(max_examples=60, deadline=None)
@given(st.recursive(st.sampled_from(["x", "y", "2", "0.5"]),
                    lambda inner: st.one_of(
                        st.tuples(st.sampled_from(["erf", "silu", "sigmoid"]), inner)
                        .map(lambda t: f"{t[0]}({t[1]})"),
                        st.tuples(inner, st.sampled_from(["+", "-", "*"]), inner)
                        .map(lambda t: f"({t[0]} {t[1]} {t[2]})")),
                    max_leaves=6))
def test_text_round_trip_property(text):
    e = parse(text)
    assert parse(to_text(e)) == e


def test_latex_forms():
    assert to_latex(parse("silu(x)")) == r"\operatorname{silu}\left(x\right)"
    assert to_latex(parse("erf(x)")) == r"\operatorname{erf}\left(x\right)"
    assert to_latex(parse("silu(x)**2")) == r"\operatorname{silu}\left(x\right)^{2}"
    assert PRIMITIVES["silu"].latex.format("v") == r"\operatorname{silu}\left(v\right)"
    assert to_tex(read_math("erf(u) + silu(u)")) == (
        r"\operatorname{erf}(u) + \operatorname{silu}(u)")


# ----------------------------------------------------------------------------- derive, trace

@pytest.mark.slow
def test_derive_gradient_is_exact_and_certified(cli_json):
    code, out, _ = cli_json("derive", "silu(x1)*erf(x2)", "--at", "x1=0.5,x2=-0.3")
    assert code == 0 and out["certificate"]["verdict"] == "certified"
    g1, g2 = (parse(t) for t in out["gradient"])
    assert same(g1, silu_prime_by_hand(x1) * erf(x2))
    assert same(g2, silu_by_hand(x1) * erf_prime_by_hand(x2))


@pytest.mark.slow
def test_trace_reverse_matches_the_hand_derivative(cli_json):
    code, out, _ = cli_json("trace", "silu(x1)*erf(x2)", "--at", "x1=2,x2=1",
                            "--mode", "reverse")
    assert code == 0 and out["mode"] == "reverse" and out["verified"]
    at = {x1: 2, x2: 1}
    want = {"x1": silu_prime_by_hand(x1) * erf(x2), "x2": silu_by_hand(x1) * erf_prime_by_hand(x2)}
    for name, hand in want.items():
        assert same(parse(out["gradient_exact"][name]), hand.subs(at))
        # float64 sweep vs the exact value: a few roundings of O(1) numbers
        assert out["gradient"][name] == pytest.approx(float(hand.subs(at).evalf(30)), rel=1e-14)
    assert [r["op"] for r in out["rows"] if r["op"] in ("silu", "erf")] == ["silu", "erf"]


def test_graph_partials_in_every_algebra():
    g = from_text("silu(x1)*erf(x2)")
    grad = reverse(g, {"x1": sp.Rational(1, 2), "x2": sp.Rational(-3, 10)}).gradient
    assert same(grad["x1"], (silu_prime_by_hand(x1) * erf(x2)).subs({x1: sp.Rational(1, 2),
                                                                  x2: sp.Rational(-3, 10)}))
    for name, hand in (("silu", silu_prime_by_hand), ("erf", erf_prime_by_hand)):
        prim = PRIMITIVES[name]
        a = prim.value(EXACT, None, x)
        assert same(prim.partials(EXACT, None, a, x)[0], hand(x))
        v = prim.value(FLOAT, None, 0.7)
        assert prim.partials(FLOAT, None, v, 0.7)[0] == pytest.approx(
            float(hand(sp.Float(0.7, 30))), rel=1e-14)


# ----------------------------------------------------------------------------- matrix engine

@pytest.mark.parametrize("text, prime", [
    ("sum(silu(A @ x))", lambda z: (1 / (1 + np.exp(-z))) * (1 + z - z / (1 + np.exp(-z)))),
    ("sum(erf(A @ x))", lambda z: 2 / np.sqrt(np.pi) * np.exp(-z * z)),
])
def test_matrix_elementwise_gradient_certified(cli_json, text, prime):
    code, out, _ = cli_json("matrix", text, "--wrt", "x")
    assert code == 0 and out["certificate"]["verdict"] == "certified"
    # the printed answer, run under NumPy, against ∇ Σ f(Ax) = Aᵀ f′(Ax) typed by hand
    d = derive(parse_matrix(text), "x")
    rng = np.random.default_rng(5)
    A, xv = rng.normal(size=(4, 4)), rng.normal(size=4)
    got = eval(to_numpy(d.gradient), {"__builtins__": {}},  # noqa: S307 - our own output
               {**NUMPY_NAMES, "A": A, "x": xv, "n": 4})
    np.testing.assert_allclose(got, A.T @ prime(A @ xv), rtol=1e-12)  # a few float64 roundings


def test_matrix_latex_speaks_silu_as_sigma():
    d = derive(parse_matrix("sum(silu(A @ x))"), "x")
    assert r"\sigma\left(A x\right)" in matrix_latex(d.gradient)


# ----------------------------------------------------------------------------- compiled code

FUNCS = [erf(x), silu(x), sp.diff(erf(x), x), sp.diff(silu(x), x)]


def references(v: np.ndarray) -> np.ndarray:
    """erf, silu and their derivatives, from SciPy and typed-out NumPy formulas."""
    from scipy.special import erf as scipy_erf

    s = 1 / (1 + np.exp(-v))
    return np.stack([scipy_erf(v), v * s, 2 / np.sqrt(np.pi) * np.exp(-v * v),
                     s + v * s * (1 - s)])


def mixed(a, b) -> float:
    return float(np.max(np.abs(np.asarray(a, float) - b) / np.maximum(np.abs(b), 1)))


def test_auto_backend_runs_the_fused_kernel_and_agrees():
    if fused.compiler() is None:
        pytest.skip("no C compiler: the fused kernel cannot be built here")
    pytest.importorskip("scipy")
    v = np.linspace(-30, 30, 100_001)  # above AUTO_MIN_POINTS: the fused kernel
    c = wb_compile(FUNCS, [x], backend="auto")
    got = c(v)
    assert c.fn.engine == "fused"
    # libm/libmvec erf within 4 ulp, silu a division and an exp: a few ulp of O(1) values
    assert mixed(got, references(v)) < 1e-14
    assert mixed(got, wb_compile(FUNCS, [x], "numpy")(v)) < 1e-14
    src = fused.source([f.subs(x, sp.Symbol("x", real=True)) for f in FUNCS], [x])
    assert re.search(r"\berf\(", src) and "exp(-(" in src


def test_silu_is_stable_far_out():
    v = np.array([-800.0, -700.0, -40.0, 40.0, 800.0])
    for backend in ("numpy", "fused", "jax"):
        if backend == "fused" and fused.compiler() is None:
            continue
        got = np.asarray(wb_compile([silu(x)], [x], backend)(v))[0]
        assert np.all(np.isfinite(got)), backend
        # exact limits: silu(−800) underflows to −0, silu(x) = x for x ≫ 0
        assert got[0] == 0 and got[-1] == 800.0, backend
        assert got[1] == pytest.approx(-700 * float(mpmath.exp(-700)), rel=1e-12), backend


_COMPILED: dict = {}


def compiled(backend: str):
    if backend not in _COMPILED:
        _COMPILED[backend] = wb_compile(FUNCS, [x], backend)
    return _COMPILED[backend]


def truth(v: float) -> list[mpmath.mpf]:
    """erf, silu and the derivatives at 50 digits, typed out in mpmath."""
    with mpmath.workdps(50):
        t = mpmath.mpf(v)
        s = 1 / (1 + mpmath.exp(-t))
        return [mpmath.erf(t), t * s, 2 / mpmath.sqrt(mpmath.pi) * mpmath.exp(-t * t),
                s + t * s * (1 - s)]


@pytest.mark.slow
@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-40, 40, allow_nan=False), min_size=1, max_size=20))
def test_every_backend_agrees_with_mpmath_at_50_digits(points):
    """Mixed relative error ≤ 1e-13.  Each float64 value is a handful of operations
    within a few ulp on O(1) quantities, except that σ enters silu′ multiplied by x:
    |x| ≤ 40 times a few ulp of σ (XLA's tanh is 4 ulp off at 18.5) is about 4e-14."""
    v = np.array(points)
    want = np.array([[float(t) for t in truth(p)] for p in points]).T
    backends = ["numpy", "jax"] + (["fused"] if fused.compiler() else [])
    for backend in backends:
        assert mixed(np.asarray(compiled(backend)(v)), want) < 1e-13, backend
    got = np.array([[float(e) for e in compiled("mpmath")(p)] for p in points]).T
    assert mixed(got, want) < 1e-15
    table = np.array([[numeric("erf", "numpy")(p), numeric("silu", "numpy")(p)]
                      for p in points]).T
    assert mixed(table, want[:2]) < 1e-14
    for name, row in (("erf", 0), ("silu", 1)):  # the graphs' float algebra and its partials
        prim = PRIMITIVES[name]
        vals = [prim.value(FLOAT, None, p) for p in points]
        parts = [prim.partials(FLOAT, None, a, p)[0] for a, p in zip(vals, points, strict=True)]
        assert mixed(vals, want[row]) < 1e-13 and mixed(parts, want[row + 2]) < 1e-13


# ----------------------------------------------------------------------------- proofs

def test_proof_evaluator_checks_identities_at_50_digits():
    """erf is odd; silu(u) = u σ(u); d/dt erf t = 2/√π e^{−t²}, all at 50 digits."""
    for u in ("0.3", "-1.7", "4.2"):
        with mpmath.workdps(50):
            ev = Evaluator({"u": mpmath.mpf(u)}, dim=1)
        for identity in ("erf(u) + erf(-u)", "silu(u) - u*sigmoid(u)",
                         "deriv(erf(t), t, u) - 2/sqrt(pi)*exp(-u**2)",
                         "deriv(silu(t), t, u) - sigmoid(u)*(1 + u*(1 - sigmoid(u)))"):
            assert abs(ev.value(read_math(identity))) < mpmath.mpf(10) ** -40, identity
        with mpmath.workdps(50):
            assert mpmath.almosteq(ev.value(read_math("erf(u)")), mpmath.erf(mpmath.mpf(u)),
                                   mpmath.mpf(10) ** -45)


def test_the_sigmoid_is_one_row_too():
    # its numeric form is the one NumPy code prints: overflow-free at ±1000
    s = numeric("sigmoid", "numpy")(np.array([-1000.0, 0.0, 1000.0]))
    assert s.tolist() == [0.0, 0.5, 1.0]
    assert sp.diff(sigmoid(x), x) == sigmoid(x) * (1 - sigmoid(x))
