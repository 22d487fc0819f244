"""The REPL facade and the README's example."""

from __future__ import annotations

import numpy as np
import sympy as sp

import workbench

from .conftest import BEALE, beale_gradient_by_hand


def test_readme_session():
    f = workbench.function(BEALE)
    assert f.gradient_at(x=3, y=0.5) == [0, 0]
    last = f.critical_points().points[-1]
    assert last.point == {"x": 3, "y": sp.Rational(1, 2)} and last.kind == "minimum"
    assert f.certify({"x": 3, "y": 0.5}, n_random=20).verdict == "certified"
    g = f.compile("jax")
    xs = np.array([3.0, 1.0])
    ys = np.array([0.5, 1.0])
    # compiled JAX gradient against the gradient by hand: round-off only
    assert np.allclose(np.asarray(g(xs, ys)), beale_gradient_by_hand(xs, ys),
                       rtol=1e-13, atol=1e-13)


def test_latex_repr_and_hessian():
    f = workbench.function("sigmoid(x)*y")
    assert f._repr_latex_() == r"$f(x, y) = y \sigma\left(x\right)$"
    H = f.hessian()
    x, y = sp.symbols("x y", real=True)
    s = workbench.core.functions.sigmoid(x)
    assert sp.simplify(H[0, 1] - s * (1 - s)) == 0 and H[1, 1] == 0
