"""Compiled functions: every backend agrees, the fused kernel is right and robust.

Agreement tolerance: 1e-12 in the mixed relative error ‖a − b‖∞ / max(‖b‖∞, 1)
per point.  All backends evaluate the same exact formulas in float64; they
differ only in rounding (libm vs libmvec vs XLA's vector math, a few ulp per
function call), far below 1e-12 for these well-conditioned inputs.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.backends import fused
from workbench.backends.compile import AUTO_MIN_POINTS, available_backends, compile
from workbench.backends.jaxutil import jax, jnp
from workbench.core.errors import InputError
from workbench.core.functions import erf, sigmoid, silu, softplus
from workbench.core.parse import parse
from workbench.symbolic.calculus import gradient, hessian, symbols

from .conftest import BEALE, beale_gradient_by_hand

TOL = 1e-12
Q4 = "exp(x1 + x2**3)*x3 + sqrt(x3*sin(pi/2*(x1 - x2)))"
X, Y = sp.symbols("x y", real=True)


def mixed(a, b) -> float:
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    a, b = a.reshape(-1, a.shape[-1]), b.reshape(-1, b.shape[-1])
    return float(np.max(np.max(np.abs(a - b), axis=0) / np.maximum(np.max(np.abs(b), axis=0), 1)))


def q4_points(n, seed=0):
    rng = np.random.default_rng(seed)
    x2 = rng.uniform(-1, 1, n)
    return [x2 + rng.uniform(0.1, 1.9, n), x2, rng.uniform(0.1, 2.0, n)]


def jax_gradient(text, names, points):
    f = sp.lambdify(symbols(names), parse(text, names), modules="jax")
    d = jax().vmap(jax().grad(f, argnums=tuple(range(len(names)))))
    return np.stack([np.asarray(v) for v in d(*(jnp().asarray(p) for p in points))])


CPU_BACKENDS = ["auto", "numpy", "fused", "jax"]


# ------------------------------------------------------------------ values

@pytest.mark.parametrize("backend", CPU_BACKENDS)
def test_beale_gradient_matches_the_hand_derivation(backend):
    g = gradient(parse(BEALE, ["x", "y"]), ["x", "y"])
    rng = np.random.default_rng(1)
    x, y = rng.uniform(-4.5, 4.5, 500), rng.uniform(-4.5, 4.5, 500)
    got = np.asarray(compile(g, ["x", "y"], backend)(x, y))
    assert got.shape == (2, 500)
    assert mixed(got, beale_gradient_by_hand(x, y)) < TOL
    # the minimum (3, 1/2): the gradient vanishes there exactly
    assert np.asarray(compile(g, ["x", "y"], backend)(3.0, 0.5)).tolist() == [0.0, 0.0]


@pytest.mark.parametrize("backend", CPU_BACKENDS)
def test_q4_gradient_matches_jax_autodiff(backend):
    names = ["x1", "x2", "x3"]
    g = gradient(parse(Q4, names), names)
    pts = q4_points(400)
    got = np.asarray(compile(g, names, backend)(*pts))
    assert mixed(got, jax_gradient(Q4, names, pts)) < TOL


def test_all_backends_agree_on_a_hessian_with_constant_entries():
    f = parse("x**4*y - 3*x*y + y**2 + exp(x/3)", ["x", "y"])
    H = hessian(f, ["x", "y"])  # H[1,1] = 2 is constant
    pts = [np.linspace(-2, 2, 300), np.linspace(1, -1, 300)]
    ref = compile(H, ["x", "y"], "numpy")(*pts)
    assert ref.shape == (2, 2, 300) and np.all(ref[1, 1] == 2.0)
    x, y = pts  # the Hessian by hand
    off = 4 * x**3 - 3
    assert mixed(ref, np.array([[12 * x**2 * y + np.exp(x / 3) / 9, off], [off, 2 + 0 * x]])) < TOL
    for backend in ["auto", "fused", "jax"]:
        assert mixed(compile(H, ["x", "y"], backend)(*pts), ref) < TOL, backend
    hp = compile(H, ["x", "y"], "mpmath", 30)(pts[0][:5], pts[1][:5])
    assert mixed(np.asarray(hp, dtype=float), ref[..., :5]) < TOL


# Functions the kernel printer handles specially, with NumPy formulas written out.
SPECIAL = [
    (sigmoid(X * Y), lambda x, y: 1 / (1 + np.exp(-x * y))),
    (softplus(X - Y), lambda x, y: np.log1p(np.exp(x - y))),
    (silu(X * Y), lambda x, y: x * y / (1 + np.exp(-x * y))),
    (erf(X - Y), lambda x, y: np.vectorize(math.erf)(x - y)),
    (sp.Max(X, Y) + sp.Min(X, 2 * Y), lambda x, y: np.maximum(x, y) + np.minimum(x, 2 * y)),
    (sp.Abs(X) * sp.sign(Y), lambda x, y: np.abs(x) * np.sign(y)),
    (sp.Heaviside(X - 1), lambda x, y: np.heaviside(x - 1, 0.5)),
    (X**-3 + Y**7, lambda x, y: x**-3.0 + y**7.0),
    (sp.sqrt(X) ** 3 + 1 / sp.sqrt(X), lambda x, y: x**1.5 + x**-0.5),
    (X ** sp.Rational(1, 3) * Y**12, lambda x, y: np.cbrt(x) * y**12.0),
    (sp.pi * X + sp.E * Y, lambda x, y: np.pi * x + np.e * y),
    (sp.Integer(10) ** 40 * X, lambda x, y: 1e40 * x),
    (X**Y, lambda x, y: x**y),
    (sp.Piecewise((X, X > 1), (X**2, True)), lambda x, y: np.where(x > 1, x, x**2)),
]


def test_fused_special_functions_match_numpy_formulas():
    exprs = [e for e, _ in SPECIAL]
    x = np.array([0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0])
    y = np.array([-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.5])
    got = compile(exprs, [X, Y], "fused")(x, y)
    want = np.stack([np.broadcast_to(fn(x, y), x.shape) for _, fn in SPECIAL])
    for k, (e, _) in enumerate(SPECIAL):
        assert mixed(got[k:k + 1], want[k:k + 1]) < TOL, e


def test_fused_softplus_and_sigmoid_do_not_overflow():
    c = compile([softplus(X), sigmoid(X)], [X], "fused")
    out = c(np.array([-800.0, 800.0]))
    assert out.tolist() == [[0.0, 800.0], [0.0, 1.0]]


# ------------------------------------------------------------------ shapes

@pytest.mark.parametrize("backend", ["auto", "numpy", "fused"])
def test_shapes_follow_the_call_convention(backend):
    H = hessian(parse("x**3*y + y**2", ["x", "y"]), ["x", "y"])
    c = compile(H, ["x", "y"], backend)
    assert c(1.0, 2.0).shape == (2, 2)
    assert c(np.ones(5), 2.0).shape == (2, 2, 5)
    assert c(np.ones((3, 1)), np.ones((1, 4))).shape == (2, 2, 3, 4)
    assert c(np.ones(0), np.ones(0)).shape == (2, 2, 0)
    s = compile(parse("x*y", ["x", "y"]), ["x", "y"], backend)
    assert s(np.arange(3.0), 2.0).tolist() == [0.0, 2.0, 4.0]
    # a 2-D grid of points, as contour plots pass them
    gx, gy = np.meshgrid(np.arange(3.0), np.arange(2.0))
    assert s(gx, gy).tolist() == (gx * gy).tolist()


def test_wrong_argument_count_names_the_variables():
    c = compile([X * Y], [X, Y], "fused")
    with pytest.raises(InputError, match="expected 2 arguments \\(x, y\\)"):
        c(1.0)


# ------------------------------------------------------------------ auto

def test_auto_is_numpy_for_small_batches_and_fused_for_large():
    g = gradient(parse(BEALE, ["x", "y"]), ["x", "y"])
    c = compile(g, ["x", "y"])  # the default backend
    assert c.backend == "auto"
    small = np.linspace(-1, 1, 100)
    assert np.array_equal(c(small, small), compile(g, ["x", "y"], "numpy")(small, small))
    assert c.fn.engine is None  # nothing built for small batches
    big = np.linspace(-4, 4, AUTO_MIN_POINTS)
    got = c(big, big[::-1])
    assert isinstance(got, np.ndarray) and c.fn.engine == "fused"
    assert mixed(got, beale_gradient_by_hand(big, big[::-1])) < TOL


def test_auto_keeps_complex_inputs_on_numpy():
    c = compile(X**2, [X])
    z = np.full(AUTO_MIN_POINTS, 1j)
    assert np.all(c(z) == -1)


def test_auto_falls_back_to_jax_without_a_compiler(monkeypatch):
    monkeypatch.setattr(fused.cache, "compiler", lambda: None)
    with pytest.raises(fused.NoCompiler, match="needs a C compiler"):
        compile([X * Y], [X, Y], "fused")
    c = compile([X * Y, sp.exp(X)], [X, Y])
    x = np.linspace(0, 1, AUTO_MIN_POINTS)
    got = c(x, 2.0)
    assert c.fn.engine == "jax" and "C compiler" in c.fn.why
    assert mixed(got, np.stack([2 * x, np.exp(x)])) < TOL


def test_a_function_c_cannot_print_is_named():
    with pytest.raises(fused.NotPrintable, match=r"no C code for erfinv\(x\)"):
        compile([sp.erfinv(X) + 1, X], [X], "fused")
    c = compile([sp.erfinv(X / 2), X], [X])
    with pytest.raises(NameError):  # NumPy has no erfinv either: no silent wrong value
        c(np.zeros(AUTO_MIN_POINTS))
    assert c.fn.engine == "numpy" and "erfinv" in c.fn.why


def test_fused_refuses_complex_inputs():
    with pytest.raises(InputError, match="float64; got a complex input"):
        compile([X], [X], "fused")(np.array([1j]))


def test_unknown_backend_and_misplaced_array_module_are_refused():
    with pytest.raises(InputError, match="unknown backend 'fortran'"):
        compile(X, [X], "fortran")
    with pytest.raises(InputError, match="array_module applies to the cupy backend only"):
        compile(X, [X], "numpy", array_module=np)
    assert {"auto", "numpy", "fused", "jax", "mpmath"} <= set(available_backends())


# ------------------------------------------------------------------ the GPU path on a CPU

def test_cupy_code_path_runs_on_numpy():
    names = ["x1", "x2", "x3"]
    f = parse(Q4, names)
    g, H = gradient(f, names), hessian(f, names)
    pts = q4_points(200, seed=3)
    for exprs in (g, H):
        got = compile(exprs, names, "cupy", array_module=np)(*pts)
        assert isinstance(got, np.ndarray)
        assert mixed(got, compile(exprs, names, "numpy")(*pts)) < TOL
    assert mixed(compile(g, names, "cupy", array_module=np)(*pts),
                 jax_gradient(Q4, names, pts)) < TOL


# ------------------------------------------------------------------ the kernel itself

def test_large_kernels_are_split_into_loops_and_stay_exact():
    n = 12
    xs = symbols([f"x{i}" for i in range(n)])
    f = sp.Add(*[100 * (xs[i + 1] - xs[i] ** 2) ** 2 + (1 - xs[i]) ** 2 for i in range(n - 1)])
    f += sp.exp(sum(xs) / 50)  # one term shared by every entry: shared temporaries
    g, H = gradient(f, xs), hessian(f, xs)
    src = fused.source([e for e in H if e.free_symbols], xs)
    assert src.count("static __attribute__((noinline)) int wb_loop") > 5
    assert "shared" in src.splitlines()[1] and " 0 shared" not in src.splitlines()[1]
    rng = np.random.default_rng(7)
    pts = [rng.uniform(-1, 1, 3000) for _ in xs]
    for exprs in (g, H):
        assert mixed(compile(exprs, xs, "fused")(*pts), compile(exprs, xs, "numpy")(*pts)) < TOL


def test_kernel_source_contains_no_user_names():
    secret = sp.Symbol("system", real=True)
    src = fused.source([secret**2 + sp.sin(secret)], [secret])
    assert "system" not in src and "in0_v" in src


def test_kernels_are_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_CACHE", str(tmp_path))
    expr = [X * Y + sp.Rational(17, 13)]  # a kernel no other test builds
    first = fused.kernel(expr, [X, Y]).built
    again = fused.kernel(expr, [X, Y]).built
    assert first.seconds > 0 and again.seconds == 0.0 and first.path == again.path
    assert first.path.parent == tmp_path / "kernels"


def test_thread_policy(monkeypatch):
    monkeypatch.setenv("WORKBENCH_THREADS", "3")
    assert fused.threads(10) == 3
    monkeypatch.delenv("WORKBENCH_THREADS")
    assert fused.threads(fused.PARALLEL_MIN_POINTS - 1) == 1
    monkeypatch.setattr(fused.runtime, "_busy_cores", lambda: 0)
    assert fused.threads(10**6) == fused.cores()
    monkeypatch.setattr(fused.runtime, "_busy_cores", lambda: 99)
    assert fused.threads(10**6) == 1


def test_multithreaded_and_single_threaded_kernels_agree(monkeypatch):
    names = ["x1", "x2", "x3"]
    g = gradient(parse(Q4, names), names)
    pts = q4_points(fused.PARALLEL_MIN_POINTS * 2 + 17, seed=5)
    c = compile(g, names, "fused")
    monkeypatch.setenv("WORKBENCH_THREADS", "1")
    one = c(*pts)
    monkeypatch.setenv("WORKBENCH_THREADS", "2")
    assert np.array_equal(one, c(*pts))


# ------------------------------------------------------------------ properties

POINTS = st.lists(st.floats(-3, 3, allow_nan=False), min_size=1, max_size=40)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(xs=POINTS, y=st.floats(-3, 3, allow_nan=False))
def test_property_fused_beale_gradient_matches_hand_formula(xs, y):
    g = _beale_fused()
    x = np.array(xs)
    assert mixed(g(x, y), beale_gradient_by_hand(x, np.full_like(x, y))) < TOL


_CACHE: dict = {}


def _beale_fused():
    if "beale" not in _CACHE:
        _CACHE["beale"] = compile(gradient(parse(BEALE, ["x", "y"]), ["x", "y"]), ["x", "y"],
                                  "fused")
    return _CACHE["beale"]


TERMS = st.sampled_from(["x", "y", "x*y", "x**2", "y**3", "sin(x)", "exp(y/4)", "cos(x*y)",
                         "sqrt(x**2 + 1)", "log(y**2 + 1)", "tanh(x - y)", "1/(x**2 + 2)"])


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(terms=st.lists(TERMS, min_size=1, max_size=4),
       coeffs=st.lists(st.integers(-5, 5), min_size=4, max_size=4))
def test_property_fused_agrees_with_numpy_on_random_functions(terms, coeffs):
    text = " + ".join(f"({c})*{t}" for c, t in zip(coeffs, terms, strict=False))
    f = parse(text, ["x", "y"])
    if not f.free_symbols:
        return
    g = gradient(f, ["x", "y"])
    rng = np.random.default_rng(len(text))
    pts = [rng.uniform(-2, 2, 64), rng.uniform(-2, 2, 64)]
    assert mixed(compile(g, ["x", "y"], "fused")(*pts), compile(g, ["x", "y"], "numpy")(*pts)) \
        < TOL


@pytest.mark.parametrize("backend", ["numpy", "mpmath", "jax", "fused"])
def test_dirac_delta_is_zero_off_its_kink_and_undefined_on_it(backend):
    # the Hessian of x·relu(x − y) holds x·δ(x − y): no library has δ, every backend prints it
    x, y = sp.symbols("x y", real=True)
    H = hessian(x * sp.Max(0, x - y), [x, y])
    assert H.has(sp.DiracDelta)
    got = np.asarray(compile(H, [x, y], backend)(np.array([1.5, 1.0]), np.array([0.5, 1.0])),
                     dtype=float)
    assert got[:, :, 0].tolist() == [[2.0, -1.0], [-1.0, 0.0]]  # x > y: H by hand
    assert np.isnan(got[0, 0, 1]) and np.isnan(got[1, 1, 1])    # x = y: no second derivative
