"""Tests for the matrix-calculus engine, its certificate, the ``matrix`` command and task.

Expected values never come from the engine: they are hand-derived formulas
(textbook forms, the Matrix Cookbook), explicit SymPy differentiation of
``MatrixSymbol.as_explicit()`` entries, or JAX / torch autodiff of functions
written here directly in ``jax.numpy`` / ``torch``.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.backends import jaxutil
from workbench.certification.matrix import certify_derivation, solve
from workbench.certification.matrix_algebras import ArrayAlgebra, evaluate
from workbench.certification.matrix_claims import check_claim
from workbench.core.errors import InputError, ParseError, ShapeError
from workbench.matrix_calculus.derive import derive
from workbench.matrix_calculus.expr import depends_on
from workbench.matrix_calculus.parse import parse_matrix
from workbench.matrix_calculus.printing import NUMPY_NAMES, OUTPUT_FUNCTIONS, to_latex, to_numpy

from .conftest import course_exercise_tables, course_exercises

jax, jnp = jaxutil.jax(), jaxutil.jnp()
# The certificate without its JAX part (one XLA compilation per problem); JAX is the
# reference of the cookbook and exercise tests below, through functions written here.
FAST = {"numeric_sizes": (3, 20), "autodiff_sizes": ()}


def rng_values(shapes: dict[str, tuple[int, int]], seed: int = 0, spd=(), sym=(), prob=()):
    """Random float instances: square matrices near I (well conditioned), SPD, symmetric."""
    rng = np.random.default_rng(seed)
    out = {}
    for name, (r, c) in shapes.items():
        if name in spd:
            B = rng.standard_normal((r, r))
            out[name] = B @ B.T / r + np.eye(r)
        elif name in prob:
            w = rng.uniform(0.2, 1.0, (r, c))
            out[name] = w / (w.sum() if c == 1 else w.sum(axis=1, keepdims=True))
        else:
            M = rng.standard_normal((r, c)) / np.sqrt(c)
            if r == c and c > 1:
                M = np.eye(r) + 0.5 * M
            out[name] = (M + M.T) / 2 if name in sym else M
    return out


def ev(value, values, dims):
    return np.asarray(evaluate(value, ArrayAlgebra(np, values, dims)), dtype=float)


def close(a, b, tol=1e-9):
    a, b = np.asarray(a, float), np.asarray(b, float)
    assert a.shape == b.shape, (a.shape, b.shape)
    # float64 evaluations of the same quantity in a different order: round-off only
    assert np.max(np.abs(a - b)) <= tol * max(1.0, np.max(np.abs(b))), (a, b)


# ----------------------------------------------------------------------------- front end


def test_shape_conventions_and_overrides():
    p = parse_matrix("x.T @ A @ x + c * sum(w)", shapes="w=m", scalars="c")
    n, m = sp.Symbol("n", integer=True, positive=True), sp.Symbol("m", integer=True,
                                                                  positive=True)
    assert p.declarations.shapes == {"A": (n, n), "x": (n, 1), "w": (m, 1)}
    assert p.declarations.scalars == {"c"}
    assert p.declarations.dims == {"n", "m"}


@pytest.mark.parametrize("text, kwargs, error, words", [
    ("A @ x", {"shapes": "A=m,n x=m"}, ShapeError, ["A @ x", "(m×n)", "(m×1)"]),
    ("x + y", {"shapes": "y=m"}, ShapeError, ["(n×1)", "(m×1)"]),
    ("det(A)", {"shapes": "A=m,n"}, ShapeError, ["det", "square", "(m×n)"]),
    ("trace(x)", {}, ShapeError, ["trace", "square", "(n×1)"]),
    ("inv(B)", {"shapes": "B=2,3"}, ShapeError, ["inv", "(2×3)"]),
    ("x @ 2", {}, ShapeError, ["@", "scalar"]),
    ("sin(x.T @ x)", {}, ParseError, ["not supported", "sin"]),
    ("x.T @ x; import os", {}, ParseError, ["unexpected character"]),
    ("__import__('os')", {}, ParseError, []),
    ("x[0]", {}, ParseError, ["indexing"]),
    ("eye(k)", {}, ParseError, ["eye"]),
    ("n * x", {"scalars": "n"}, InputError, ["dimension"]),
    ("x.T @ x", {"symmetric": "x"}, ShapeError, ["square"]),
    ("x.T @ A @ x", {"pd": "B"}, InputError, ["--pd", "B"]),
])
def test_bad_input_names_the_problem(text, kwargs, error, words):
    with pytest.raises(error) as info:
        parse_matrix(text, **kwargs)
    for w in words:
        assert w in str(info.value)


@pytest.mark.parametrize("wrt, words", [("y", ["y", "does not appear"]),
                                        ("n", ["dimension"])])
def test_differentiating_with_respect_to_a_non_variable(wrt, words):
    with pytest.raises(InputError) as info:
        derive(parse_matrix("x.T @ A @ x"), wrt)
    for w in words:
        assert w in str(info.value)


# ----------------------------------------------------------------------------- textbook forms

TEXTBOOK = [
    # (expression, wrt, options, gradient, Hessian) -- as a textbook prints them
    ("norm(A @ x - b)**2 / 2", "x", {"shapes": "A=m,n b=m"}, "A.T @ (A @ x - b)", "A.T @ A"),
    ("x.T @ A @ x", "x", {}, "(A + A.T) @ x", "A + A.T"),
    ("x.T @ A @ x", "x", {"symmetric": "A"}, "2*A @ x", "2*A"),
    ("-exp(-x.T @ x)", "x", {}, "2*exp(-norm(x)**2)*x",
     "2*exp(-norm(x)**2)*(eye(n) - 2*outer(x, x))"),
    ("log(sum(exp(A @ x + b)))", "x", {"shapes": "A=m,n b=m"}, "A.T @ softmax(A @ x + b)",
     "A.T @ (diag(softmax(A @ x + b)) - outer(softmax(A @ x + b), softmax(A @ x + b))) @ A"),
    ("log(det(X))", "X", {}, "inv(X).T", None),
    ("log(det(X))", "X", {"pd": "X"}, "inv(X)", None),
    ("det(X)", "X", {}, "det(X)*inv(X).T", None),
    ("trace(A @ X @ B)", "X", {}, "A.T @ B.T", None),
    ("log(1 + exp(a.T @ x))", "x", {}, "sigmoid(a.T @ x)*a", None),
    ("norm(x)", "x", {}, "x/norm(x)", None),
    ("norm(A - U @ V)**2", "U", {"shapes": "A=m,n U=m,r V=r,n"}, "2*(U @ V - A) @ V.T", None),
    ("-sum(y*log(sigmoid(X @ w)) + (1 - y)*log(1 - sigmoid(X @ w)))/m", "w",
     {"shapes": "X=m,d y=m w=d"}, "X.T @ (sigmoid(X @ w) - y)/m", None),
    ("-sum(Y * log(softmax(X @ T)))/m", "T", {"shapes": "X=m,d T=d,k Y=m,k",
                                               "stochastic": "Y"},
     "X.T @ (softmax(X @ T) - Y)/m", None),
    ("-y.T @ log(softmax(W @ x + b))", "W", {"shapes": "W=k,n x=n b=k y=k",
                                              "stochastic": "y"},
     "outer(softmax(W @ x + b) - y, x)", None),
]


@pytest.mark.parametrize("text, wrt, opts, grad, hess", TEXTBOOK)
def test_textbook_forms(text, wrt, opts, grad, hess):
    d = derive(parse_matrix(text, **opts), wrt, hessian=hess is not None)
    assert to_numpy(d.gradient) == grad
    if hess is not None:
        assert to_numpy(d.hessian) == hess


def test_latex_forms():
    d = derive(parse_matrix("log(det(X))"), "X", hessian=True)
    assert to_latex(d.gradient) == r"X^{-\top}"
    assert to_latex(d.hvp) == r"- X^{-\top} V^{\top} X^{-\top}"
    assert to_latex(d.hessian_kron) == r"- \left(X^{-1} \otimes X^{-\top}\right) K_{n,n}"
    d = derive(parse_matrix("norm(A @ x - b)**2 / 2"), "x")
    assert to_latex(d.gradient) == r"A^{\top} \left(A x - b\right)"


# ----------------------------------------------------------------------------- exactness


def test_exact_gradient_of_quadratic_form_matches_explicit_sympy():
    """∇ xᵀAx against SymPy's own entrywise derivative at n = 3, exactly."""
    A, x = sp.MatrixSymbol("A", 3, 3).as_explicit(), sp.MatrixSymbol("x", 3, 1).as_explicit()
    f = (x.T * A * x)[0, 0]
    truth = sp.Matrix([sp.diff(f, xi) for xi in x])
    d = derive(parse_matrix("x.T @ A @ x"), "x", hessian=True)
    from workbench.certification.matrix_algebras import ExactAlgebra

    got = evaluate(d.gradient, ExactAlgebra({"A": A, "x": x}, {"n": 3}))
    assert sp.expand(got - truth) == sp.zeros(3, 1)
    H = evaluate(d.hessian, ExactAlgebra({"A": A, "x": x}, {"n": 3}))
    assert sp.expand(H - sp.hessian(f, list(x))) == sp.zeros(3, 3)


def test_exact_rationals_survive():
    d = derive(parse_matrix("0.25 * x.T @ A @ x"), "x", hessian=True)
    assert to_numpy(d.hessian) == "(A + A.T)/4"
    assert parse_matrix("det(2*X)").value == 2 ** sp.Symbol("n", integer=True, positive=True) \
        * parse_matrix("det(X)").value


# ----------------------------------------------------------------------------- SymPy's gaps


def test_sympy_matrixexpr_diff_gets_these_wrong():
    """The motivation: SymPy's MatrixExpr.diff returns 0 or raises on these."""
    n = sp.Symbol("n", integer=True, positive=True)
    X, x = sp.MatrixSymbol("X", n, n), sp.MatrixSymbol("x", n, 1)

    def zero(r):
        return r == 0 or bool(getattr(r, "is_ZeroMatrix", False))

    assert zero(sp.log(sp.Determinant(X)).diff(X))        # truth: X⁻ᵀ
    assert zero(sp.exp(-(x.T * x)[0, 0]).diff(x))          # truth: −2 exp(−xᵀx) x
    with pytest.raises(TypeError):
        sp.sqrt((x.T * x)[0, 0]).diff(x)


@pytest.mark.parametrize("text, wrt, jfun", [
    ("log(det(X))", "X", lambda v: jnp.log(jnp.linalg.det(v["X"]))),
    ("exp(-x.T @ x)", "x", lambda v: jnp.exp(-jnp.sum(v["x"] ** 2))),
    ("norm(x)", "x", lambda v: jnp.sqrt(jnp.sum(v["x"] ** 2))),
    ("log(x.T @ A @ x)", "x", lambda v: jnp.log((v["x"].T @ v["A"] @ v["x"])[0, 0])),
    ("log(sum(exp(A @ x + b)))", "x",
     lambda v: jnp.log(jnp.sum(jnp.exp(v["A"] @ v["x"] + v["b"])))),
    ("det(X)", "X", lambda v: jnp.linalg.det(v["X"])),
])
def test_cases_where_sympy_fails_are_answered(text, wrt, jfun):
    d = derive(parse_matrix(text), wrt)
    cert = certify_derivation(d, **FAST)
    assert cert.verdict == "certified"
    names = parse_matrix(text).declarations.shapes
    shapes = {k: (4, 4) if k[0].isupper() else (4, 1) for k in names}
    vals = rng_values(shapes, 3)
    want = jax.grad(lambda w: jfun({**vals, wrt: w}))(jnp.asarray(vals[wrt]))
    close(ev(d.gradient, vals, {"n": 4}), want)


# ----------------------------------------------------------------------------- Matrix Cookbook

COOKBOOK = [
    # (text, wrt, options, shapes at test size, jax function, cookbook formula (numpy))
    ("trace(A @ X @ B)", "X", {"shapes": "A=m,n X=n,p B=p,m"},
     {"A": (3, 4), "X": (4, 5), "B": (5, 3)},
     lambda v: jnp.trace(v["A"] @ v["X"] @ v["B"]), lambda v: v["A"].T @ v["B"].T),
    ("trace(X.T @ B @ X)", "X", {}, {"X": (4, 4), "B": (4, 4)},
     lambda v: jnp.trace(v["X"].T @ v["B"] @ v["X"]), lambda v: (v["B"] + v["B"].T) @ v["X"]),
    ("trace(inv(X) @ A)", "X", {}, {"X": (4, 4), "A": (4, 4)},
     lambda v: jnp.trace(jnp.linalg.inv(v["X"]) @ v["A"]),
     lambda v: -(np.linalg.inv(v["X"]) @ v["A"] @ np.linalg.inv(v["X"])).T),
    ("a.T @ inv(X) @ b", "X", {}, {"X": (4, 4), "a": (4, 1), "b": (4, 1)},
     lambda v: (v["a"].T @ jnp.linalg.inv(v["X"]) @ v["b"])[0, 0],
     lambda v: -np.linalg.inv(v["X"]).T @ v["a"] @ v["b"].T @ np.linalg.inv(v["X"]).T),
    ("det(A @ X @ B)", "X", {}, {"A": (4, 4), "X": (4, 4), "B": (4, 4)},
     lambda v: jnp.linalg.det(v["A"] @ v["X"] @ v["B"]),
     lambda v: np.linalg.det(v["A"] @ v["X"] @ v["B"]) * np.linalg.inv(v["X"]).T),
    ("a.T @ X.T @ X @ b", "X", {}, {"X": (4, 4), "a": (4, 1), "b": (4, 1)},
     lambda v: (v["a"].T @ v["X"].T @ v["X"] @ v["b"])[0, 0],
     lambda v: v["X"] @ (v["a"] @ v["b"].T + v["b"] @ v["a"].T)),
    ("(A @ x + b).T @ C @ (D @ x + e)", "x", {"shapes": "e=n"}, {k: (4, 4) if k in "ACD"
                                                                else (4, 1) for k in "ACDxbe"},
     lambda v: ((v["A"] @ v["x"] + v["b"]).T @ v["C"] @ (v["D"] @ v["x"] + v["e"]))[0, 0],
     lambda v: v["A"].T @ v["C"] @ (v["D"] @ v["x"] + v["e"])
     + v["D"].T @ v["C"].T @ (v["A"] @ v["x"] + v["b"])),
    ("norm(X)**2", "X", {"shapes": "X=m,n"}, {"X": (3, 5)},
     lambda v: jnp.sum(v["X"] ** 2), lambda v: 2 * v["X"]),
    ("trace(X @ X)", "X", {}, {"X": (4, 4)},
     lambda v: jnp.trace(v["X"] @ v["X"]), lambda v: 2 * v["X"].T),
    ("trace(A @ X.T)", "X", {}, {"X": (4, 4), "A": (4, 4)},
     lambda v: jnp.trace(v["A"] @ v["X"].T), lambda v: v["A"]),
    ("norm(A @ X - B)", "X", {"shapes": "A=m,k X=k,n B=m,n"},
     {"A": (3, 4), "X": (4, 5), "B": (3, 5)},
     lambda v: jnp.sqrt(jnp.sum((v["A"] @ v["X"] - v["B"]) ** 2)),
     lambda v: v["A"].T @ (v["A"] @ v["X"] - v["B"]) / np.linalg.norm(v["A"] @ v["X"] - v["B"])),
    ("x.T @ inv(A) @ x", "A", {}, {"A": (4, 4), "x": (4, 1)},
     lambda v: (v["x"].T @ jnp.linalg.inv(v["A"]) @ v["x"])[0, 0],
     lambda v: -np.linalg.inv(v["A"]).T @ v["x"] @ v["x"].T @ np.linalg.inv(v["A"]).T),
    ("trace(A @ X @ X @ B @ inv(X).T)", "X", {}, {"A": (4, 4), "X": (4, 4), "B": (4, 4)},
     lambda v: jnp.trace(v["A"] @ v["X"] @ v["X"] @ v["B"] @ jnp.linalg.inv(v["X"]).T),
     lambda v: (v["A"].T @ np.linalg.inv(v["X"]) @ v["B"].T @ v["X"].T
                + v["X"].T @ v["A"].T @ np.linalg.inv(v["X"]) @ v["B"].T
                - np.linalg.inv(v["X"]).T @ v["A"] @ v["X"] @ v["X"] @ v["B"]
                @ np.linalg.inv(v["X"]).T)),
]


@pytest.mark.parametrize("text, wrt, opts, shapes, jfun, formula", COOKBOOK,
                         ids=[c[0] for c in COOKBOOK])
def test_cookbook_identities_hold_against_jax(text, wrt, opts, shapes, jfun, formula):
    d = derive(parse_matrix(text, **opts), wrt)
    vals = rng_values(shapes, 11)
    dims = {}
    for name, (r, c) in shapes.items():
        for dim, size in zip(parse_matrix(text, **opts).declarations.shapes[name], (r, c),
                             strict=True):
            if isinstance(dim, sp.Symbol):
                dims[str(dim)] = size
    got = ev(d.gradient, vals, dims)
    want = np.asarray(jax.grad(lambda w: jfun({**vals, wrt: w}))(jnp.asarray(vals[wrt])))
    close(got, want)
    close(got, formula(vals))


# ----------------------------------------------------------------------------- all exercises


def _exercises():
    return [t for t in course_exercise_tables() if t["task"] == "matrix"]


def _tfun(ident: str):
    """The exercise's function written directly in torch (the independent reference)."""
    torch = pytest.importorskip("torch")
    sig, det, inv = torch.sigmoid, torch.linalg.det, torch.linalg.inv

    def quadratic(v):
        return 0.5 * (v["x"].T @ v["A"] @ v["x"])[0, 0] + (v["b"].T @ v["x"])[0, 0] + v["c"]

    def sq(t):
        return torch.sum(t ** 2)

    return {
        "mc-01": lambda v: v["A"] @ v["x"],
        "mc-02": lambda v: (v["c"].T @ v["x"])[0, 0],
        "mc-03": quadratic,
        "mc-03-sym": quadratic,
        "mc-04": lambda v: -torch.exp(-sq(v["x"])),
        "mc-05": lambda v: 0.5 * sq(v["A"] @ v["x"] - v["b"]),
        "mc-06": lambda v: torch.sqrt(sq(v["x"])),
        "mc-07": lambda v: torch.sqrt(sq(v["A"] @ v["x"])),
        "mc-08": lambda v: -1 / (1 + sq(v["x"])),
        "mc-09": lambda v: torch.log((v["x"].T @ v["A"] @ v["x"])[0, 0]),
        "mc-10": lambda v: det(v["X"]),
        "mc-11": lambda v: torch.log(det(v["X"])),
        "mc-12": lambda v: torch.logsumexp((v["A"] @ v["x"] + v["b"]).flatten(), 0),
        "mc-13": lambda v: v["A"].T @ (v["A"] @ v["x"] - v["b"]),
        "mc-14a": lambda v: torch.trace(v["X"]),
        "mc-14b": lambda v: det(v["X"]),
        "mc-15": lambda v: sq(v["X"]),
        "mc-16": lambda v: -torch.sum((1 - v["y"]) * torch.log(1 - sig(v["X"] @ v["theta"]))
                                      + v["y"] * torch.log(sig(v["X"] @ v["theta"]))),
        "mc-16-two-thetas": lambda v: -torch.sum(
            (1 - v["y"]) * torch.log(1 - sig(v["X"] @ (v["t1"] - v["t2"])))
            + v["y"] * torch.log(sig(v["X"] @ (v["t1"] - v["t2"])))),
        "mc-17": lambda v: torch.trace(v["A"] @ v["X"]),
        "mc-18": lambda v: torch.sum(v["S"] * v["X"]) - torch.log(det(v["X"])),
        "mc-19": lambda v: torch.log((v["x"].T @ v["A"] @ v["x"])[0, 0]),
        "mc-20": lambda v: torch.log1p(torch.exp((v["a"].T @ v["x"])[0, 0])),
        "mc-21": lambda v: sq(v["x"]) ** 1.5 / 3,
        "mc-22": lambda v: torch.sqrt(sq(v["A"] @ v["X"] - v["B"])),
        "mc-23": lambda v: -torch.sum(v["y"] * torch.log_softmax(v["W"] @ v["x"] + v["b"], 0)),
        "mc-24": lambda v: sq(v["x"]) ** sq(v["x"]),
        "mc-25": lambda v: (v["x"].T @ v["A"] @ v["x"])[0, 0] / sq(v["x"]),
        "mc-26": lambda v: 0.5 * sq(v["A"] - v["x"] @ v["x"].T),
        "mc-27": lambda v: sq(v["x"]),
        "mc-28": lambda v: torch.sum(torch.nn.functional.softplus(v["A"] @ v["x"]))
        / v["x"].shape[0] + v["mu"] / 2 * sq(v["x"]),
        "mc-29a": lambda v: torch.log(det(v["X"])),
        "mc-29b": lambda v: torch.trace(v["X"]),
        "mc-29c": lambda v: det(v["X"]),
        "mc-29d": lambda v: torch.trace(inv(v["X"])),
        "mc-30": lambda v: det(v["A"] - v["t"] * torch.eye(v["A"].shape[0], dtype=torch.float64)),
        "mc-31": lambda v: torch.trace(v["A"] @ v["X"] @ v["X"] @ v["B"] @ inv(v["X"]).T),
        "ad-1": lambda v: sum((-1) ** k * v["x"] ** (2 * k) / float(np.prod(range(1, 2 * k + 1)))
                              for k in range(6)),
        "ad-2": lambda v: torch.mean((v["w"] * v["x"] - v["y"]) ** 2),
        "ad-3": lambda v: torch.tanh(v["x"]),
        "ad-4": quadratic,
        "ad-5": lambda v: torch.trace(v["A"] @ v["X"] @ v["B"]),
        "ad-6": lambda v: 0.5 * sq(v["A"] @ v["x"] - v["b"]),
        "ad-7": lambda v: torch.log1p(torch.exp((v["a"].T @ v["x"])[0, 0])),
        "hw1-task4-gradients": lambda v: sq(v["A"] - v["U"] @ v["V"]),
        "lab-logistic-gradient": lambda v: -torch.mean(
            v["y"] * torch.log(sig(v["X"] @ v["theta"]))
            + (1 - v["y"]) * torch.log(1 - sig(v["X"] @ v["theta"]))),
        "lab-softmax-gradient": lambda v: -torch.sum(
            v["Y"] * torch.log_softmax(v["X"] @ v["Theta"], 1)) / v["X"].shape[0],
        "lab-softmax-classifier": lambda v: -torch.sum(
            v["Y"] * torch.log_softmax(v["X"] @ v["W"].T, 1)) / v["X"].shape[0],
    }[ident]


def _names(x):
    return [] if x is None else [x] if isinstance(x, str) else list(x)


def _instance(ex, problem, seed=5, base=3):
    """Concrete sizes (all dimensions different) and random values for every name."""
    decl = problem.declarations
    dims = {d: base + i for i, d in enumerate(sorted(decl.dims))}

    def size(e):
        return int(sp.sympify(e).subs({sp.Symbol(k, integer=True, positive=True): v
                                       for k, v in dims.items()}))

    shapes = {k: (size(r), size(c)) for k, (r, c) in decl.shapes.items()}
    vals = rng_values(shapes, seed, spd=decl.pd, sym=decl.symmetric, prob=decl.stochastic)
    for s in decl.scalars:
        vals[s] = 0.75
    return vals, dims


EXERCISES = _exercises()


def _references(tfun, vals, wrt, V, d):
    """Every torch autograd reference the derivation needs (float64, no compilation)."""
    import torch
    from torch.autograd.functional import hessian, hvp, jacobian

    tv = {k: torch.tensor(v, dtype=torch.float64) for k, v in vals.items()}
    w = tv.pop(wrt)

    def f(u):
        return tfun({**tv, wrt: u})

    out = {}
    if d.gradient is not None or d.jacobian is not None:
        out["first"] = jacobian(f, w)
    if d.hessian is not None:
        out["hessian"] = hessian(f, w)
    if d.hvp is not None:
        out["hvp"] = hvp(f, w, torch.tensor(V, dtype=torch.float64))[1]
    if d.derivatives:
        u = w.clone().requires_grad_(True)
        g = f(u)
        for k in range(1, max(d.derivatives) + 1):
            (g,) = torch.autograd.grad(g, u, create_graph=True)
            if k in d.derivatives:
                out[f"order {k}"] = g
    return {k: v.detach().numpy() for k, v in out.items()}


@pytest.mark.parametrize("ex", EXERCISES, ids=[e["id"] for e in EXERCISES])
def test_every_exercise_is_derived_certified_and_agrees_with_torch(ex):
    problem = parse_matrix(ex["expr"], ex.get("shapes"), ex.get("scalars"), ex.get("symmetric"),
                           ex.get("pd"), ex.get("stochastic"))
    tfun = _tfun(ex["id"])
    vals, dims = _instance(ex, problem)
    for wrt in _names(ex["wrt"]):
        d = derive(problem, wrt, hessian=bool(ex.get("hessian")), order=ex.get("order", 1))
        cert = certify_derivation(d, **FAST)
        assert cert.verdict == "certified", cert.failures
        symmetric = d.kind == "matrix" and problem.declarations.leaf(wrt).symmetric
        V = rng_values({"V": np.shape(vals[wrt])}, 9, sym={"V"} if symmetric else ())["V"] \
            if d.kind != "scalar" else 0.5
        ref = _references(tfun, vals, wrt, V, d)
        if d.gradient is not None:
            close(ev(d.gradient, vals, dims), ref["first"])
        if d.jacobian is not None:
            J = ref["first"]
            if d.kind == "matrix":   # vec layout: rows vec(f), columns vec(X), columns stacked
                J = np.transpose(J, (1, 0, 3, 2)).reshape(J.shape[0] * J.shape[1], -1)
            got = ev(d.jacobian, vals, dims)
            close(got, J.reshape(got.shape))
        if d.hessian is not None:
            got = ev(d.hessian, vals, dims)
            close(got, ref["hessian"].reshape(got.shape), 1e-8)
        if d.hvp is not None:
            close(ev(d.hvp, {**vals, "V": V}, dims), ref["hvp"], 1e-8)
        for k, value in d.derivatives.items():
            close(ev(value, vals, dims), ref[f"order {k}"], 1e-8)


def test_course_files_cover_every_problem():
    sources = " ".join(e["source"] for e in EXERCISES)
    for k in range(1, 32):
        assert f"matrix calculus problem {k}" in sources, k
    for k in range(1, 8):
        assert f"automatic differentiation problem {k}" in sources, k
    assert "hw1 Task 4" in sources
    assert sum("lab linear classifiers" in e["source"] for e in EXERCISES) >= 2
    assert len({e["id"] for e in EXERCISES}) == len(EXERCISES)


# ----------------------------------------------------------------------------- the certificate


def test_certificate_rejects_a_wrong_formula():
    d = derive(parse_matrix("log(det(X))"), "X")
    d.gradient = derive(parse_matrix("log(det(X))", pd="X"), "X").gradient   # X⁻¹, not X⁻ᵀ
    cert = certify_derivation(d, **FAST)
    assert cert.verdict == "mismatch"
    assert {f["reference"] for f in cert.failures} >= {"symbolic", "finite_difference"}


def test_certificate_rejects_a_wrong_hessian():
    d = derive(parse_matrix("norm(A @ x - b)**2 / 2"), "x", hessian=True)
    d.hessian = parse_matrix("A @ A.T").value            # AAᵀ instead of AᵀA
    cert = certify_derivation(d, **FAST)
    assert cert.verdict == "mismatch"
    assert any(f["what"] == "hessian" for f in cert.failures)


def test_full_certificate_with_jax_at_size_50():
    r = solve("log(sum(exp(A @ x + b)))", "x", shapes="A=m,n b=m", hessian=True)
    assert r.certificate.verdict == "certified"
    assert r.certificate.max_rel_error["autodiff"] < 1e-10
    assert any(50 in s.values() for s in r.certificate.sizes)


def test_claims_are_checked_against_the_certified_formula():
    d = derive(parse_matrix("log(det(X))"), "X")
    wrong = check_claim(d, "gradient", "inv(X)")
    assert not wrong.holds and wrong.holds_symmetric
    assert check_claim(d, "gradient", "inv(X).T").holds
    d = derive(parse_matrix("norm(w*x - y)**2/N", "x=N y=N", "w"), "w")
    assert check_claim(d, "gradient", "2*x.T @ (w*x - y)/N").holds
    assert not check_claim(d, "gradient", "2*x.T @ (w*x - y)").holds


# ----------------------------------------------------------------------------- printed text

PRINTED = [
    ("norm(A @ x - b)**2 / 2", "x", {"shapes": "A=m,n b=m"}, True),
    ("log(sum(exp(A @ x + b)))", "x", {"shapes": "A=m,n b=m"}, True),
    ("norm(A - outer(x, x))**2 / 2", "x", {"symmetric": "A"}, True),
    ("(A @ x).T @ x / norm(x)**2", "x", {"symmetric": "A"}, True),
    ("-y.T @ log(softmax(W @ x + b))", "W", {"shapes": "W=k,n x=n b=k y=k",
                                              "stochastic": "y"}, False),
    ("sum(softplus(A @ x)) + tanh(x.T @ x)", "x", {}, True),
    ("sum(silu(A @ x)) + erf(x.T @ x)", "x", {}, True),
    ("det(X) * trace(inv(X))", "X", {}, False),
]


@pytest.mark.parametrize("text, wrt, opts, hessian", PRINTED)
def test_printed_answers_evaluate_with_numpy_and_1d_vectors(text, wrt, opts, hessian):
    """The contract: the text runs under NumPy with the names bound, vectors 1-D."""
    p = parse_matrix(text, **opts)
    d = derive(p, wrt, hessian=hessian)
    vals, dims = _instance({}, p, seed=2)
    namespace = dict(NUMPY_NAMES)
    namespace.update({k: (v[:, 0] if v.ndim == 2 and v.shape[1] == 1 else v)
                      for k, v in vals.items()})
    namespace.update(dims)
    for value in (d.gradient, d.hessian):
        if value is None:
            continue
        text_out = to_numpy(value)
        called = set(re.findall(r"([A-Za-z_]\w*)\(", text_out))
        assert called <= set(OUTPUT_FUNCTIONS), called
        names = set(re.findall(r"[A-Za-z_]\w*", text_out)) - called - {"T"}
        assert names <= set(vals) | set(dims), names
        got = eval(text_out, {"__builtins__": {}}, namespace)  # noqa: S307 - our own output
        want = ev(value, vals, dims)
        close(np.reshape(got, want.shape), want)


# ----------------------------------------------------------------------------- command line


def test_cli_json_contract(cli_json):
    code, data, err = cli_json("matrix", "norm(A @ x - b)**2/2", "--wrt", "x", "--shapes",
                               "A=m,n b=m", "--hessian")
    assert code == 0 and err == ""
    assert data["gradient"] == "A.T @ (A @ x - b)"
    assert data["gradient_latex"] == r"A^{\top} \left(A x - b\right)"
    assert data["hessian"] == "A.T @ A" and data["hessian_latex"] == r"A^{\top} A"
    assert data["certificate"]["verdict"] == "certified"
    assert set(data["certificate"]["max_rel_error"]) >= {"symbolic", "autodiff",
                                                         "finite_difference"}


def test_cli_matrix_variable(cli_json):
    code, data, _ = cli_json("matrix", "log(det(X))", "--wrt", "X", "--hessian", "--pd", "X")
    assert code == 0
    assert data["gradient"] == "inv(X)" and data["hvp"] == "-inv(X) @ V @ inv(X)"
    assert data["hessian"] is None


@pytest.mark.parametrize("argv, words", [
    (["A @ x", "--wrt", "x", "--shapes", "A=m,n x=m"], ["(m×n)", "(m×1)"]),
    (["x.T @ x", "--wrt", "z"], ["z", "does not appear"]),
    (["det(A)", "--wrt", "A", "--shapes", "A=m,n"], ["square", "(m×n)"]),
    (["x.T @ x +", "--wrt", "x"], ["syntax error"]),
    (["exp(x", "--wrt", "x"], ["unbalanced parentheses"]),
])
def test_cli_bad_input_is_one_line_exit_2(cli, argv, words):
    code, out, err = cli("matrix", *argv)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    for w in words:
        assert w in err


def test_cli_withholds_a_formula_that_fails(cli_json, monkeypatch):
    import workbench.explore.matrix_call as command

    real = command.derive

    def wrong(problem, wrt, hessian=False):
        d = real(problem, wrt, hessian)
        d.gradient = parse_matrix("2 * x").value        # ∇ xᵀAx is not 2x for general A
        return d

    monkeypatch.setattr(command, "derive", wrong)
    code, data, _ = cli_json("matrix", "x.T @ A @ x", "--wrt", "x")
    assert code == 1
    assert data["gradient"] is None and data["gradient_latex"] is None
    assert data["certificate"]["verdict"] == "mismatch"
    assert data["rejected"]["gradient"] == "2*x"


# ----------------------------------------------------------------------------- the sheet task


def _run(ident):
    from workbench.tasks import runner
    from workbench.tasks.registry import Context

    return runner.run(course_exercises((ident,))[ident], Context(figures=False))


def test_task_checks_claims_and_concrete_data():
    out = _run("ad-2")
    assert out.passed
    assert [c.holds for c in out.claims] == [True, False]
    table = next(b for b in out.blocks if getattr(b, "caption", "").startswith("At the"))
    rows = {r[0]: r[1] for r in table.rows}
    # J(w) = mean((w x - y)^2) at w = 0: dJ/dw = (2/4) * sum(x * (-y)) = -30, the code's 4x
    assert float(rows["certified gradient in w"].strip("[] ")) == -30.0
    assert float(rows[r"claimed: $2 x^{\top} \left(w x - y\right)$"]) == -120.0


def test_task_symmetric_only_claim():
    out = _run("mc-29a")
    assert out.passed and len(out.claims) == 1
    assert not out.claims[0].holds and "symmetric" in out.claims[0].detail


def test_task_rewrite_identity_is_checked():
    out = _run("mc-27")
    assert out.passed
    assert any("rewrite" in c.name and c.passed for c in out.checks)


# ----------------------------------------------------------------------------- properties


VECTOR_LEAVES = ["x", "b", "(A @ x)", "(B @ x)"]


@st.composite
def scalar_expressions(draw, depth=0):
    """Random scalar functions of x built from the engine's rules, as text and as JAX."""

    def vec(depth):
        if depth > 1 or draw(st.booleans()):
            leaf = draw(st.sampled_from(VECTOR_LEAVES))
            fns = {"x": lambda v: v["x"], "b": lambda v: v["b"],
                   "(A @ x)": lambda v: v["A"] @ v["x"], "(B @ x)": lambda v: v["B"] @ v["x"]}
            return leaf, fns[leaf]
        kind = draw(st.sampled_from(["add", "had", "sig", "tanh", "mat", "soft"]))
        (ta, fa), (tb, fb) = vec(depth + 1), vec(depth + 1)
        return {
            "add": (f"({ta} - {tb})", lambda v: fa(v) - fb(v)),
            "had": (f"({ta} * {tb})", lambda v: fa(v) * fb(v)),
            "sig": (f"sigmoid({ta})", lambda v: jax.nn.sigmoid(fa(v))),
            "tanh": (f"tanh({ta})", lambda v: jnp.tanh(fa(v))),
            "mat": (f"(A.T @ {ta})", lambda v: v["A"].T @ fa(v)),
            "soft": (f"softmax({ta})", lambda v: jax.nn.softmax(fa(v), axis=0)),
        }[kind]

    (ta, fa), (tb, fb) = vec(depth), vec(depth)
    kind = draw(st.sampled_from(["inner", "norm2", "lse", "sum", "logq"]))
    return {
        "inner": (f"{ta}.T @ {tb}", lambda v: (fa(v).T @ fb(v))[0, 0]),
        "norm2": (f"norm({ta})**2", lambda v: jnp.sum(fa(v) ** 2)),
        "lse": (f"log(sum(exp({ta})))", lambda v: jax.scipy.special.logsumexp(fa(v))),
        "sum": (f"sum({ta} * {tb})", lambda v: jnp.sum(fa(v) * fb(v))),
        "logq": (f"log(1 + norm({ta})**2)", lambda v: jnp.log1p(jnp.sum(fa(v) ** 2))),
    }[kind]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scalar_expressions())
def test_random_expressions_match_jax(expr):
    text, jfun = expr
    p = parse_matrix(text)
    if not depends_on(p.value, "x"):      # e.g. x - x: nothing to differentiate
        return
    d = derive(p, "x")
    vals, dims = _instance({}, p, seed=4)
    jv = {k: jnp.asarray(v) for k, v in vals.items()}
    want = np.asarray(jax.jit(jax.grad(lambda w, c: jfun({**c, "x": w})))(jv["x"], jv))
    close(ev(d.gradient, vals, dims), want, 1e-8)
    # and the printed text reads back to the same values
    got = p.interpret(ArrayAlgebra(np, vals, dims), to_numpy(d.gradient))
    close(got, want, 1e-8)


def test_json_of_claim_free_exercise_roundtrips(cli):
    code, out, _ = cli("matrix", "trace(A @ X)", "--wrt", "X", "--json")
    data = json.loads(out)
    assert code == 0 and data["gradient"] == "A.T" and data["notes"] == []
