"""The fused GPU path: the CuPy element-wise kernel's body, checked as plain C.

Without a GPU the body of the ``cupy`` backend's kernel is wrapped in a C loop
with the same parameter declarations and built with the fused backend's C
compiler; its values are compared with the fused CPU kernel's and with NumPy's
on random points.  Tolerance: 1e-12 in the mixed relative error, as in
tests/test_compile.py: the same formulas in float64, differing only in libm vs
libmvec vs the inline polynomials (a few ulp per call).  The CuPy call itself
runs only where CuPy imports and sees a GPU.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
import sympy as sp

from workbench.backends import fused
from workbench.backends.compile import compile
from workbench.backends.fused import gpu
from workbench.core.functions import erf, sigmoid, silu, softplus
from workbench.core.parse import parse
from workbench.symbolic.calculus import gradient, hessian, symbols

TOL = 1e-12
Q4 = "exp(x1 + x2**3)*x3 + sqrt(x3*sin(pi/2*(x1 - x2)))"  # HW1 Q4
X, Y = sp.symbols("x y", real=True)
needs_cc = pytest.mark.skipif(fused.compiler() is None, reason="needs a C compiler")


def mixed(a, b) -> float:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1)))


def q4_points(n, seed=0):
    rng = np.random.default_rng(seed)
    x2 = rng.uniform(-1, 1, n)
    return [x2 + rng.uniform(0.1, 1.9, n), x2, rng.uniform(0.1, 2.0, n)]


def rosenbrock(n):
    xs = symbols([f"x{i}" for i in range(n)])
    f = sp.Add(*[100 * (xs[i + 1] - xs[i] ** 2) ** 2 + (1 - xs[i]) ** 2 for i in range(n - 1)])
    return f, xs


def cases():
    names = ["x1", "x2", "x3"]
    f = parse(Q4, names)
    rng = np.random.default_rng(11)
    r, rs = rosenbrock(6)
    xy = [rng.uniform(-3, 3, 500), rng.uniform(-3, 3, 500)]
    funcs = [sp.sin(X) * sp.cos(Y), sp.exp(X - Y), erf(X * Y), silu(X + Y), sigmoid(X),
             softplus(Y), sp.Max(X, Y) + X**9, sp.sqrt(X**2 + 1) ** 3]
    return {
        "HW1 Q4 gradient": (list(gradient(f, names)), symbols(names), q4_points(500, 1)),
        "HW1 Q4 Hessian": (list(hessian(f, names)), symbols(names), q4_points(500, 2)),
        "Rosenbrock gradient": (list(gradient(r, rs)), rs,
                                [rng.uniform(-2, 2, 500) for _ in rs]),
        "Rosenbrock Hessian": (list(hessian(r, rs)), rs, [rng.uniform(-2, 2, 500) for _ in rs]),
        "sin cos exp erf silu": (funcs, [X, Y], xy),
    }


CASES = cases()


@needs_cc
@pytest.mark.parametrize("name", list(CASES))
def test_elementwise_body_compiles_as_c_and_agrees_with_the_cpu_kernel(name):
    exprs, xs, pts = CASES[name]
    on_gpu_path = gpu.cpu_kernel(exprs, xs)(*pts)
    assert mixed(on_gpu_path, fused.kernel(exprs, xs)(*pts)) < TOL
    assert mixed(on_gpu_path, compile(exprs, xs, "numpy")(*pts)) < TOL


def test_elementwise_body_is_the_cpu_kernels_common_subexpressions():
    exprs, xs, _ = CASES["HW1 Q4 gradient"]
    ew = gpu.elementwise(exprs, xs)
    names, temps, reduced = fused.common_subexpressions(exprs, xs)
    assert ew.variables == [str(n) for n in names] == ["in0_v", "in1_v", "in2_v"]
    assert ew.in_params == "float64 in0_v, float64 in1_v, float64 in2_v"
    assert ew.out_params == ", ".join(f"float64 out{k}" for k in range(len(exprs)))
    lines = ew.operation.splitlines()
    assert [ln.split(" = ")[0] for ln in lines] == \
        [f"const double {t}" for t, _ in temps] + [f"out{k}" for k in range(len(reduced))]
    assert re.fullmatch(r"wb_fused_[0-9a-f]{16}", ew.name)


def test_user_names_never_reach_the_gpu_kernel():
    secret = sp.Symbol("system", real=True)
    ew = gpu.elementwise([secret**2 + sp.sin(secret)], [secret])
    assert "system" not in ew.operation + ew.in_params + ew.out_params


def test_a_function_c_cannot_print_is_named():
    with pytest.raises(fused.NotPrintable, match=r"no C code for erfinv\(x\)"):
        gpu.elementwise([sp.erfinv(X) + 1], [X])


@needs_cc
def test_constant_outputs_are_filled_around_the_kernel():
    got = gpu.cpu_kernel([X * Y, sp.Integer(2), sp.zoo], [X, Y])(np.array([1.0, 2.0]), 3.0)
    assert got[0].tolist() == [3.0, 6.0] and got[1].tolist() == [2.0, 2.0]
    assert np.isnan(got[2]).all()


def _cupy_with_a_gpu():
    cupy = pytest.importorskip("cupy", reason="the cupy backend runs only where CuPy imports")
    try:
        if cupy.cuda.runtime.getDeviceCount() < 1:
            pytest.skip("CuPy imports but sees no GPU")
    except cupy.cuda.runtime.CUDARuntimeError as exc:
        pytest.skip(f"CuPy imports but sees no GPU ({exc})")
    return cupy


@pytest.mark.parametrize("name", list(CASES))
def test_cupy_backend_runs_one_elementwise_kernel(name):
    cupy = _cupy_with_a_gpu()
    exprs, xs, pts = CASES[name]
    got = compile(exprs, xs, "cupy")(*pts)
    assert isinstance(got, cupy.ndarray)
    assert mixed(cupy.asnumpy(got), compile(exprs, xs, "numpy")(*pts)) < TOL
