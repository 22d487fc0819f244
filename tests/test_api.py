"""The public API: every input form accepted or refused, never silently wrong.

Expected values are worked out by hand in the comments (∂(x²y)/∂x = 2xy ...), never
produced by the code under test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import sympy as sp
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import workbench
from workbench.core.errors import InputError, ParseError, ShapeError
from workbench.explore.result import MAX_LIST

from .conftest import ROOT

# the workbench's own variables are real symbols; answers are compared in them
X, Y = sp.symbols("x y", real=True)
PLAIN = sp.symbols("x y")
REAL = sp.symbols("x y", real=True)
POSITIVE = sp.symbols("x y", positive=True)


@pytest.mark.parametrize("syms", [PLAIN, REAL, POSITIVE], ids=["plain", "real", "positive"])
def test_sympy_gradient_is_in_the_users_variables(syms):
    x, y = syms
    # ∇(x²y) = (2xy, x²) by hand
    assert workbench.function(x**2 * y).gradient() == [2 * X * Y, X**2]
    assert workbench.gradient(x**2 * y, ["x", "y"]) == [2 * X * Y, X**2]
    assert workbench.gradient(x**2 * y, [x, y]) == [2 * X * Y, X**2]


@pytest.mark.parametrize("syms", [PLAIN, POSITIVE], ids=["plain", "positive"])
def test_sympy_claim_critical_points_and_certificate(syms):
    x, y = syms
    assert workbench.check_claim(x**2 * y, ["2*x*y", "x**2"]).verdict == "correct"
    assert workbench.check_claim(x**2 * y, [2 * x * y, x**2]).verdict == "correct"
    # x² + y² − 2x = (x − 1)² + y² − 1: one critical point, the minimum (1, 0)
    found = workbench.critical_points(x**2 + y**2 - 2 * x)
    assert [(p.point, p.kind) for p in found.points] == [({"x": 1, "y": 0}, "minimum")]
    assert found.complete
    assert workbench.function(x**2 * y).certify(n_random=5).verdict == "certified"


def test_limit_of_text_is_parsed_safely():
    # sin(x)/x → 1 at 0 (the classical limit)
    lim = workbench.limit("sin(x)/x", "x", 0)
    assert lim.value == 1 and lim.exists and lim.left == 1 and lim.right == 1
    assert workbench.limit(sp.sin(PLAIN[0]) / PLAIN[0], "x", 0).value == 1
    # a parameter a: sin(a x)/x → a
    a = sp.Symbol("a", real=True)
    assert workbench.limit("sin(a*x)/x", "x", 0).value == a
    assert not workbench.limit("1/x", "x", 0).exists
    assert workbench.limit("exp(-x)", "x", "oo").value == 0


def test_check_claim_takes_a_function_and_a_callable():
    f = workbench.function("x**2*y")
    assert workbench.check_claim(f, ["2*x*y", "x**2"]).verdict == "correct"
    assert workbench.check_claim(f, lambda x, y: (2 * x * y, x**2)).verdict == "correct"
    wrong = workbench.check_claim(f, lambda x, y: (2 * x, x**2))
    assert wrong.verdict == "incorrect" and wrong.wrong_components == [0]


def test_function_of_a_function_keeps_its_variables():
    f = workbench.function("x*y", ["y", "x"])
    g = workbench.function(f)
    assert g.variables == ["y", "x"] and g.gradient() == [X, Y]


def test_scalar_methods_against_hand_values():
    f = workbench.function("x**2*y")
    # H(x²y) = [[2y, 2x], [2x, 0]], at (1, 2): [[4, 2], [2, 0]]
    assert f.hessian_at(x=1, y=2) == sp.Matrix([[4, 2], [2, 0]])
    assert f.jacobian() == sp.Matrix([[2 * X * Y, X**2]])
    # e^x cos y ≈ 1 + x + x²/2 − y²/2 to order 2
    T = workbench.function("exp(x)*cos(y)").taylor({"x": 0, "y": 0}, 2)
    assert sp.expand(T - (1 + X + X**2 / 2 - Y**2 / 2)) == 0
    assert workbench.function("sin(x)/x").limit().value == 1
    assert workbench.jacobian(["x*y", "x + y"]) == sp.Matrix([[Y, X], [1, 1]])


@pytest.mark.parametrize("bad", [3, 2.5, None, [1, 2], np.array([1.0]), object(), b"x**2"])
def test_other_types_are_a_clear_type_error(bad):
    with pytest.raises(TypeError, match="expected a math string, a SymPy expression"):
        workbench.function(bad)
    with pytest.raises(TypeError):
        workbench.gradient(bad)


def test_matrix_input_to_a_scalar_function_is_refused():
    with pytest.raises(TypeError, match="matrix"):
        workbench.function(sp.Matrix([[PLAIN[0]]]))
    with pytest.raises(TypeError, match="matrix"):
        workbench.function(sp.MatrixSymbol("A", 2, 2))


@pytest.mark.parametrize("assumption", [{"imaginary": True}, {"real": False},
                                        {"extended_real": False}])
def test_symbols_that_are_not_real_are_refused(assumption):
    z = sp.Symbol("z", **assumption)
    with pytest.raises(InputError, match="symbol z is declared .* variables are real"):
        workbench.function(z**2)
    with pytest.raises(InputError, match="symbol z"):
        workbench.gradient("z**2", [z])


def test_sympy_input_that_cannot_be_certified_is_refused():
    x = PLAIN[0]
    with pytest.raises(InputError, match="undefined function"):
        workbench.function(sp.Function("g")(x))
    with pytest.raises(InputError, match="unevaluated Derivative"):
        workbench.function(sp.Derivative(sp.sin(x) * sp.Function("g")(x), x, evaluate=False))
    with pytest.raises(InputError, match="complex constant"):
        workbench.function(sp.I * x)
    with pytest.raises(InputError, match="Dummy"):
        workbench.function(sp.Dummy("x") ** 2)


def test_undeclared_names_are_refused_not_differentiated_as_constants():
    with pytest.raises(ParseError, match="undeclared variable"):
        workbench.gradient("x*y", ["x"])
    with pytest.raises(InputError, match="uses y, not among the variables"):
        workbench.gradient(PLAIN[0] * PLAIN[1], ["x"])
    with pytest.raises(InputError, match="named twice"):
        workbench.gradient("x*y", ["x", "x"])


def test_positivity_is_dropped_so_results_equal_text():
    x = POSITIVE[0]
    # log(x) for x > 0 and log(x) over the reals: the same formula 1/x
    assert workbench.gradient(sp.log(x)) == workbench.gradient("log(x)") == [1 / X]
    # what SymPy simplified at construction stays simplified: sqrt(x²) = x for x > 0
    assert workbench.gradient(sp.sqrt(x**2)) == [1]


def test_points_and_orders_are_checked_before_work():
    f = workbench.function("x**2*y")
    with pytest.raises(InputError, match="missing y"):
        f.gradient_at(x=1)
    with pytest.raises(InputError, match="unknown z"):
        f.hessian_at(x=1, y=2, z=3)
    with pytest.raises(InputError, match="order"):
        f.taylor({"x": 0, "y": 0}, -1)
    with pytest.raises(TypeError, match="claimed must be a list"):
        workbench.check_claim(f, "2*x*y")


# ------------------------------------------------ property: every input form, same answers
# A small strategy over the parser's grammar, rendered twice: as text, and built directly
# with SymPy operations on the user's own symbols (not through the parser).

_UNARY = {"exp": sp.exp, "sin": sp.sin, "cos": sp.cos}
_BINARY = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b}


def _trees(polynomial: bool):
    leaves = st.sampled_from(["x", "y", 1, 2, 3])

    def extend(inner):
        ops = [st.tuples(st.sampled_from(sorted(_BINARY)), inner, inner),
               st.tuples(st.just("**"), inner, st.sampled_from([2, 3]))]
        if not polynomial:
            ops.append(st.tuples(st.sampled_from(sorted(_UNARY)), inner))
        return st.one_of(*ops)

    return st.recursive(leaves, extend, max_leaves=5)


def _text(t) -> str:
    if not isinstance(t, tuple):
        return str(t)
    if t[0] in _UNARY:
        return f"{t[0]}({_text(t[1])})"
    if t[0] == "**":
        return f"({_text(t[1])})**{t[2]}"
    return f"({_text(t[1])} {t[0]} {_text(t[2])})"


def _sympy(t, syms):
    if isinstance(t, int):
        return sp.Integer(t)
    if isinstance(t, str):
        return syms[t]
    if t[0] in _UNARY:
        return _UNARY[t[0]](_sympy(t[1], syms))
    if t[0] == "**":
        return _sympy(t[1], syms) ** t[2]
    return _BINARY[t[0]](_sympy(t[1], syms), _sympy(t[2], syms))


def _forms(t):
    """The same function as text, as SymPy in plain, real and positive symbols, and a Function."""
    text = _text(t)
    out = [text] + [_sympy(t, dict(zip("xy", s, strict=True))) for s in (PLAIN, REAL, POSITIVE)]
    return out + [workbench.function(text, ["x", "y"])]


def _same(results):
    first = results[0]
    for r in results[1:]:
        assert r == first, (first, r)


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_trees(polynomial=False))
@example(("-", "y", "y"))  # y cancels: the text's y is still a parameter of a limit in x
def test_every_input_form_gives_the_same_symbolic_results(t):
    forms = _forms(t)
    _same([workbench.gradient(f, ["x", "y"]) for f in forms])
    _same([workbench.hessian(f, ["x", "y"]) for f in forms])
    _same([workbench.jacobian([f, "x*y"], ["x", "y"]) for f in forms])
    _same([workbench.taylor(f, {"x": 0, "y": 1}, 2, ["x", "y"]) for f in forms])
    _same([workbench.limit(f, "x", 1) for f in forms])
    _same([workbench.function(f, ["x", "y"]).gradient_at(x=1, y=0.5) for f in forms])


@pytest.mark.slow
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_trees(polynomial=False))
def test_every_input_form_gives_the_same_verdicts(t):
    forms = _forms(t)
    text = _text(t)
    _same([workbench.certify(f, ["x", "y"], n_random=3).verdict for f in forms])
    # a claim: the y-component swapped for 0 is wrong unless ∂f/∂y vanishes identically
    g = workbench.gradient(text, ["x", "y"])
    _same([workbench.check_claim(f, [g[0], "0"], ["x", "y"], n_random=5).verdict
           for f in forms])


@pytest.mark.slow
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_trees(polynomial=True))
def test_every_input_form_gives_the_same_critical_points(t):
    def summary(f):
        found = workbench.critical_points(f, ["x", "y"])
        return [(p.point, p.kind) for p in found.points], found.complete

    _same([summary(f) for f in _forms(t)])


# ------------------------------------------------ the whole workbench, mirroring the CLI
# to_dict() of a Python call equals the command's --json for the same request, and its
# text equals the command's output.

BOOTH = "(x + 2*y - 7)**2 + (2*x + y - 5)**2"


@pytest.mark.parametrize("call, argv", [
    (lambda: workbench.derive("x**2*y", at={"x": 3, "y": 0.5}, with_hessian=True, n_random=5),
     ["derive", "x**2*y", "--at", "x=3,y=0.5", "--hessian", "--random", "5"]),
    (lambda: workbench.critical_points("x**3 - 3*x + y**2"), ["critical", "x**3 - 3*x + y**2"]),
    (lambda: workbench.function("x**2 - 2*x + cos(y)").critical_points(box="x=-1:2,y=-1:1"),
     ["critical", "x**2 - 2*x + cos(y)", "--box", "x=-1:2,y=-1:1"]),
    (lambda: workbench.diagnose("x**2*y", ["2*x", "x**2"]),
     ["check", "x**2*y", "--claimed", "2*x", "--claimed", "x**2"]),
    (lambda: workbench.matrix("norm(A @ x - b)**2/2", "x", shapes={"A": "m,n", "b": "m"},
                              hessian=True),
     ["matrix", "norm(A @ x - b)**2/2", "--wrt", "x", "--shapes", "A=m,n b=m", "--hessian"]),
    (lambda: workbench.trace("exp(x1 + x2**3)*x3", at={"x1": 2, "x2": 1, "x3": 1},
                             mode="forward", seed="x1", costs=True),
     ["trace", "exp(x1 + x2**3)*x3", "--at", "x1=2,x2=1,x3=1", "--mode", "forward",
      "--seed", "x1", "--costs"]),
    (lambda: workbench.fd("exp(x)", {"x": 1}, dtype="float32", h=1e-3),
     ["fd", "exp(x)", "--at", "x=1", "--dtype", "float32", "--h", "0.001"]),
    (lambda: workbench.optimize(BOOTH, [0, 0], method="adam", lr=0.1, steps=200),
     ["optimize", BOOTH, "--x0", "0,0", "--method", "adam", "--lr", "0.1", "--steps", "200"]),
    (lambda: workbench.rate(matrix=[[2, 1], [1, 3]], eta=0.3),
     ["rate", "--matrix", "2,1;1,3", "--eta", "0.3"]),
], ids=["derive", "critical", "critical-box", "check", "matrix", "trace", "fd", "optimize", "rate"])
def test_python_calls_equal_the_cli(cli, cli_json, call, argv):
    result = call()
    code, data, _ = cli_json(*argv)
    assert json.loads(json.dumps(result.to_dict(), default=str)) == data
    _, text, _ = cli(*argv)
    assert str(result) + "\n" == text
    assert (code == 0) == (getattr(result, "ok", None) is not False and
                           getattr(result, "verdict", "correct") == "correct")


@pytest.mark.slow
def test_verify_and_sheet_equal_the_cli(cli_json, tmp_path, monkeypatch):
    beale = str(ROOT / "exercises" / "beale.toml")
    result = workbench.verify([beale], jobs=1)
    code, data, _ = cli_json("verify", beale, "-j", "1")
    assert result.to_dict() == data and result.ok and code == 0
    out = tmp_path / "out"
    built = workbench.sheet(beale, out, jobs=1)
    assert (out / "beale.tex").exists()
    code, data, _ = cli_json("sheet", beale, "-o", str(out), "-j", "1")
    assert built.to_dict() == data and code == 0


def test_public_names_are_exactly_the_api():
    assert sorted(dir(workbench)) == sorted([*workbench.__all__, "__version__"])
    for name in ("function", "matrix", "trace", "fd", "optimize", "rate", "check_claim",
                 "sheet", "verify", "derive", "critical_points"):
        assert callable(getattr(workbench, name)) and getattr(workbench, name).__doc__
    assert workbench.matrix_calculus.__name__ == "workbench.matrix_calculus"  # internals reachable
    with pytest.raises(AttributeError):
        workbench.no_such_name  # noqa: B018


# ------------------------------------------------ every result renders


def test_tables_render_as_html_without_dumping_arrays():
    found = workbench.critical_points("x**3 - 3*x + y**2")
    html = found._repr_html_()
    assert html.count("<tr>") == 3 and "saddle" in html and "minimum" in html
    assert len(repr(found)) < 200
    cert = workbench.certify("x**2*y", n_random=5)
    assert "autodiff" in cert._repr_html_() and "certified" in str(cert)
    claim = workbench.check_claim("x**2*y", ["2*x", "x**2"])
    assert "wrong" in claim._repr_html_() and "counterexample" in claim._repr_html_()
    run = workbench.optimize(BOOTH, [0, 0], lr=0.05, steps=3000, tol=0)
    assert len(run["path"]) > MAX_LIST
    assert f"{len(run['path'])} entries" in run._repr_html_()
    assert len(run._repr_html_()) < 5000


def test_math_renders_as_latex():
    assert workbench.function("x**2*y")._repr_latex_() == "$f(x, y) = x^{2} y$"
    assert workbench.limit("sin(x)/x", "x", 0)._repr_latex_() == \
        r"$\lim_{x \to 0} f = 1$"
    assert "does not exist" in workbench.limit("1/x", "x", 0)._repr_latex_()
    d = workbench.derive("x**2*y", n_random=5)
    assert d._repr_latex_().startswith(r"$\nabla f(x, y) =") and d.certificate.ok
    m = workbench.matrix("x.T @ A @ x", "x", symmetric="A")
    assert m._repr_latex_() == r"$\nabla_{x} f = 2 A x$"


def test_plots_return_figures_and_leave_the_backend_alone(tmp_path):
    # a fresh interpreter with a non-default backend: a workbench plot must not switch it,
    # and the user's own pyplot figure must still be there to show
    script = (
        "import matplotlib, matplotlib.pyplot as plt, workbench\n"
        "plt.plot([0, 1], [0, 1])\n"
        f"fig = workbench.function('x**2 + y**2').plot(path={str(tmp_path / 'f.png')!r})\n"
        "workbench.function('sin(x)').plot()\n"
        "assert type(fig).__name__ == 'Figure'\n"
        "print(matplotlib.get_backend(), plt.get_fignums())\n")
    env = {**os.environ, "MPLBACKEND": "svg", "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                         text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["svg", "[1]"]
    assert (tmp_path / "f.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_no_matplotlib_use_in_the_package():
    offenders = [p for p in (ROOT / "workbench").rglob("*.py")
                 if "matplotlib.use(" in p.read_text()]
    assert offenders == []


# ------------------------------------------------ matrix input: columns, never silently not NumPy


@pytest.mark.parametrize("text", ["sum(x @ x.T)", "x.T @ x.T", "x @ x", "sum((A @ x) @ x.T)",
                                  "sum(x @ (A @ x).T)"])
def test_matrix_text_that_numpy_reads_otherwise_is_refused(text):
    with pytest.raises(ShapeError, match=r"dot\(u, v\)") as err:
        workbench.matrix(text, "x")
    assert "outer(u, v)" in str(err.value) and "NumPy" in str(err.value)


@pytest.mark.parametrize("text, gradient", [
    # ∇ xᵀx = 2x, by hand; the same for dot(x, x); ∇ Σᵢⱼ xᵢxⱼ = 2 (Σⱼ xⱼ) 1
    ("x.T @ x", lambda x: 2 * x),
    ("dot(x, x)", lambda x: 2 * x),
    ("sum(outer(x, x))", lambda x: 2 * np.sum(x) * np.ones_like(x)),
])
def test_unambiguous_spellings_are_accepted(text, gradient):
    from workbench.matrix_calculus.printing import NUMPY_NAMES

    r = workbench.matrix(text, "x")
    assert r.ok
    x = np.array([0.3, -1.2, 2.0])  # a 1-D NumPy vector, as the printed text promises
    namespace = {**NUMPY_NAMES, "x": x, "n": 3, "__builtins__": {}}
    got = eval(compile(r["gradient"], "<printed gradient>", "eval"), namespace)  # our output
    # printed formulas evaluate exactly up to float64 round-off in a few operations
    assert np.allclose(got, gradient(x), rtol=1e-12, atol=1e-12)


# ------------------------------------------------ the tutorial notebook runs


@pytest.mark.slow
def test_tutorial_notebook_executes_with_rich_outputs(monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel", reason="executing a notebook needs a Jupyter kernel")
    monkeypatch.setenv("PYTHONPATH", str(ROOT))  # the kernel imports this checkout
    monkeypatch.delenv("MPLBACKEND", raising=False)
    nb = nbformat.read(ROOT / "docs" / "tutorial.ipynb", as_version=4)
    nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(ROOT)}}).execute()
    cells = [c for c in nb.cells if c.cell_type == "code"]

    def mimes(source_start: str) -> set[str]:
        cell = next(c for c in cells if c.source.startswith(source_start))
        return {m for out in cell.outputs for m in out.get("data", {})}

    assert "text/latex" in mimes("%matplotlib inline")                 # the Function
    assert "text/html" in mimes("f.certify(")                         # the certificate
    assert "text/html" in mimes("workbench.critical_points(")         # critical points
    assert "text/latex" in mimes("workbench.limit(")                  # the limit
    assert "text/html" in mimes("workbench.check_claim(")             # the claim check
    assert "image/png" in mimes("f.plot(")                            # a workbench figure
    assert {"text/latex", "text/html"} <= mimes("workbench.matrix(")  # formula and table
    assert "image/png" in mimes("import matplotlib.pyplot")           # the user's own plot
    check = next(c for c in cells if c.source.startswith("import sympy"))
    assert check.outputs[0]["data"]["text/plain"] == "True"


def test_compile_takes_sympy_in_the_users_symbols():
    x, y = PLAIN
    g = workbench.compile([2 * x * y, x**2], ["x", "y"], "numpy")
    # (2xy, x²) at (1, 3) and (2, 4), by hand: (6, 1) and (16, 4)
    got = np.asarray(g(np.array([1.0, 2.0]), np.array([3.0, 4.0])))
    assert got.tolist() == [[6.0, 16.0], [1.0, 4.0]]
    with pytest.raises(TypeError):
        workbench.compile(3, ["x"])
