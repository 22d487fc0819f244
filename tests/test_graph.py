"""Computation graphs and autodiff traces: exact answers, references, flags, errors, CLI.

Expected values are derived by hand (written out in the comments) or computed by
independent code: SymPy's own ``diff`` of the parsed text, JAX's ``grad``/``jvp``,
mpmath closed forms.  Never by the engine under test.
"""

from __future__ import annotations

import json
import math

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from workbench.autodiff.cost import costs, difference_errors, peak_live
from workbench.autodiff.graph import from_assignments, from_expr, from_function, from_text, ops
from workbench.autodiff.primitives import EXACT, Dual, DualAlgebra
from workbench.autodiff.tables import draw, latex_table, text_table, to_dict
from workbench.autodiff.trace import FLOAT, backward_equations, bar, forward, hvp, jvp, reverse, vjp
from workbench.backends import jaxutil
from workbench.certification.traces import check, check_hvp, one_sided
from workbench.core.errors import DomainError, InputError, ShapeError
from workbench.core.parse import parse

Q4 = "exp(x1 + x2**3)*x3 + sqrt(x3*sin(pi/2*(x1 - x2)))"
AT = {"x1": 2, "x2": 1, "x3": 1}
E3 = sp.exp(3)


def jax_grad(text: str, names: list[str], point: list[float]) -> np.ndarray:
    """JAX's gradient of the parsed text: an autodiff that shares no code with the graph."""
    jax, jnp = jaxutil.jax(), jaxutil.jnp()
    xs = [sp.Symbol(n, real=True) for n in names]
    f = sp.lambdify(xs, parse(text, names), modules="jax")

    def scalar(v):  # a constant expression returns a Python int: make it a float64 scalar
        return jnp.asarray(f(*[v[i] for i in range(len(xs))]), dtype=jnp.float64)

    return np.asarray(jax.grad(scalar)(jnp.asarray(point, dtype=jnp.float64)))


def mixed(a, b) -> float:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b)) / max(1.0, float(np.max(np.abs(b)))))


# ----------------------------------------------------------------------------- HW1 Question 4

def test_q4_graph_numbering_and_internal_variables():
    g = from_text(Q4, ["x1", "x2", "x3"])
    assert [n.name for n in g.inputs] == ["v-2", "v-1", "v0"]  # v_{-n+1} ... v_0
    assert [n.variable for n in g.inputs] == ["x1", "x2", "x3"]
    assert len(g.intermediates) >= 2
    # as written: x2**3, x1 + ., exp, * x3, x1 - x2, pi/2 * ., sin, x3 * ., sqrt, +
    assert [n.op for n in g.intermediates] == ["powc", "add", "exp", "mul", "sub", "scale",
                                               "sin", "mul", "sqrt", "add"]
    assert [n.index for n in g.intermediates] == list(range(1, 11))
    for n in g.intermediates:  # topological: inputs come before the node
        assert all(k < n.index for k in n.inputs)


def test_q4_forward_mode_dy_dx1_is_exactly_e3():
    tr = forward(from_text(Q4), AT, "x1")
    # by hand: ∂y/∂x1 = x3 e^{x1+x2³} + x3 cos(π/2(x1−x2))·(π/2)/(2√(…)) = e³ + 0
    assert tr.derivative == E3
    assert tr.value == 1 + E3  # y = e³·1 + √(1·sin(π/2)) = e³ + 1
    assert all(c.passed for c in check(tr))


def test_q4_reverse_mode_gives_the_whole_gradient_exactly():
    tr = reverse(from_text(Q4), AT)
    # by hand: ∂y/∂x2 = 3x2²x3 e^{x1+x2³} − (π/4)x3 cos(π/2)/√1 = 3e³;
    #          ∂y/∂x3 = e³ + sin(π/2)/(2√1) = e³ + 1/2
    assert tr.gradient == {"x1": E3, "x2": 3 * E3, "x3": E3 + sp.Rational(1, 2)}
    # the same against SymPy's diff of the parsed text and against JAX
    f = parse(Q4)
    subs = {sp.Symbol(k, real=True): v for k, v in AT.items()}
    for k, v in tr.gradient.items():
        assert sp.simplify(sp.diff(f, sp.Symbol(k, real=True)).subs(subs) - v) == 0
    ref = jax_grad(Q4, ["x1", "x2", "x3"], [2.0, 1.0, 1.0])
    got = [float(v) for v in tr.gradient.values()]
    assert mixed(got, ref) < 1e-14  # float64 JAX against the exact value: round-off only
    assert all(c.passed for c in check(tr))


def test_reverse_records_the_sum_over_children():
    g = from_text(Q4)
    tr = reverse(g, AT)
    x3 = tr.row(0)  # v0 = x3 feeds v4 = v3·v0 and v8 = v0·v7
    assert [t.node for t in x3.terms] == [4, 8]
    # v̄4 ∂v4/∂v0 = 1·e³ and v̄8 ∂v8/∂v0 = (1/2)·sin(π/2) = 1/2
    assert [t.value for t in x3.terms] == [E3, sp.Rational(1, 2)]


def test_repeated_inputs_get_one_term_per_position():
    # x/x: v1 = v0/v0, partials (1/x, −x/x²) = (1/2, −1/2) at x = 2; the sum is 0
    tr = reverse(from_text("x/x"), {"x": 2})
    assert [(t.position, t.value) for t in tr.row(0).terms] == [
        (0, sp.Rational(1, 2)), (1, -sp.Rational(1, 2))]
    assert tr.gradient == {"x": 0}
    assert r"1 \cdot \frac{1}{2} + 1 \cdot \left(- \frac{1}{2}\right) = 0" in latex_table(tr)


def test_q4_at_111_flags_the_sqrt_node_instead_of_inf():
    g = from_text(Q4)
    point = {"x1": 1, "x2": 1, "x3": 1}
    rev = reverse(g, point)
    assert len(rev.flags) == 1 and rev.flags[0].startswith("v9:")  # v9 = sqrt(v8), v8 = 0
    assert rev.row(9).partials == (None,)
    assert rev.gradient == {"x1": None, "x2": None, "x3": None}
    fwd = forward(g, point, "x3")
    assert fwd.derivative is None
    data = to_dict(rev, check(rev))
    text = json.dumps(data, allow_nan=False)  # no NaN or Infinity anywhere in the JSON
    assert "Infinity" not in text and data["verified"] is False
    assert "undefined" in text_table(rev) and "nan" not in text_table(rev).lower()
    assert "zoo" not in latex_table(rev) and r"\infty" not in latex_table(rev).split("dagger")[0]


def test_one_sided_quotients_decide_what_the_chain_rule_cannot():
    g = from_text(Q4)
    point = {"x1": 1, "x2": 1, "x3": 1}
    # along x3 the sqrt term is √(x3·sin 0) = 0 for every x3, so ∂y/∂x3 = e^{1+1} = e²
    along_x3 = one_sided(g, point, "x3")
    assert along_x3.exists and along_x3.right == pytest.approx(math.exp(2), rel=1e-12)
    # along x1, √(sin(π/2·h)) ~ √h: infinite slope on the right, not real on the left
    along_x1 = one_sided(g, point, "x1")
    assert not along_x1.exists and along_x1.left is None and along_x1.right > 1e8


def test_hvp_forward_over_reverse_against_hand_hessian_and_jax():
    g = from_text(Q4)
    res = hvp(g, AT, "x2")
    pi2 = sp.pi**2 / 8
    # by hand (second column of the Hessian at (2,1,1), cos(π/2) = 0, sin(π/2) = 1):
    # H12 = 3e³ + π²/8, H22 = (6 + 9)e³ − π²/8, H32 = 3e³
    assert [sp.simplify(res.hvp[k] - v) for k, v in
            (("x1", 3 * E3 + pi2), ("x2", 15 * E3 - pi2), ("x3", 3 * E3))] == [0, 0, 0]
    assert res.gradient["x2"] == 3 * E3
    assert all(c.passed for c in check_hvp(g, AT, res))


def test_costs_of_the_q4_graph_counted_by_hand():
    c = costs(from_text(Q4))
    # N = 10 nodes; P = 1+2+1+2+2+1+1+2+1+2 = 15 local partials
    assert (c.n, c.m, c.N, c.P) == (3, 1, 10, 15)
    fwd, rev = c.method("forward"), c.method("reverse")
    assert fwd.operations == 3 * (10 + 2 * 15) and fwd.stored == 0
    assert rev.operations == 10 + 15 + 15 and rev.stored == 25
    assert (fwd.per_input, fwd.per_output, rev.per_input, rev.per_output) == (40, 0, 0, 15)
    assert c.method("forward differences").operations == 4 * 10
    assert c.method("central").operations == 6 * 10
    big = costs(from_text(Q4), n=10**6)
    assert big.method("forward").operations == 10**6 * 40
    assert big.method("reverse").operations == 40  # independent of the number of inputs


def test_peak_live_values_by_hand():
    # x*y + sin(x): v1 = x*y, v2 = sin(x) (x dies), v3 = v1 + v2
    # live: {x,y} → +v1 (3) → y dies after v1: {x, v1} → +v2 (3) → x dies → +v3
    assert peak_live(from_text("x*y + sin(x)")) == 3


def test_difference_errors_show_truncation_and_roundoff():
    errs = difference_errors(from_text(Q4), AT, "x1")
    central = [e.central for e in errs]
    best = min(central)
    assert best < 1e-9  # near h ≈ ε^(1/3) the central difference is good to ~1e-11
    assert central[0] > 100 * best and central[-1] > 100 * best  # the V shape


# ----------------------------------------------------------------------------- HW1 Task 3

def test_task3_forward_reverse_symbolic_jax_agree_to_1e_12():
    text = "exp(exp(x) + exp(x)**2) + sin(exp(x) + exp(x)**2)"
    g = from_text(text)
    assert [n.op for n in g.intermediates].count("exp") == 2  # e^x once, shared; e^u once
    fwd, rev = forward(g, {"x": 0.5}, "x"), reverse(g, {"x": 0.5})
    # by hand: u = eˣ + e²ˣ, f' = (eᵘ + cos u)(eˣ + 2e²ˣ), evaluated with mpmath
    with mpmath.workdps(50):
        x = mpmath.mpf(1) / 2
        u = mpmath.exp(x) + mpmath.exp(2 * x)
        truth = float((mpmath.exp(u) + mpmath.cos(u)) * (mpmath.exp(x) + 2 * mpmath.exp(2 * x)))
    jax_value = float(jax_grad(text, ["x"], [0.5])[0])
    for got in (float(fwd.derivative), float(rev.gradient["x"]), jax_value):
        assert got == pytest.approx(truth, rel=1e-12)
    assert truth == pytest.approx(555.9719679015081, rel=1e-15)
    assert float(reverse(g, {"x": 0.5}, algebra=FLOAT).gradient["x"]) == pytest.approx(
        truth, rel=1e-12)


# ----------------------------------------------------------------------------- notes: logistic

STEPS = ["z = w*x + b", "y = sigmoid(z)", "L = (y - t)**2/2", "R = w**2/2", "Loss = L + lam*R"]


def test_logistic_backward_equations_match_the_notes():
    g = from_assignments(STEPS)
    assert g.variables == ["w", "x", "b", "t", "lam"]
    assert g.label(g.output) == "Loss"
    eqs = {x: rhs for x, rhs, _ in backward_equations(g)}
    w, x, t, lam, y, z, R = sp.symbols("w x t lam y z R", real=True)
    from workbench.core.functions import sigmoid

    sig_prime = sigmoid(z) * (1 - sigmoid(z))  # sigma' through the workbench's sigmoid
    expected = {  # the notes' backward pass, typed in by hand
        "Loss": 1, "R": bar("Loss") * lam, "L": bar("Loss"), "y": bar("L") * (y - t),
        "z": bar("y") * sig_prime, "w": bar("z") * x + bar("R") * w, "b": bar("z"),
        "x": bar("z") * w, "t": bar("L") * (t - y), "lam": bar("Loss") * R,
    }
    for k, v in expected.items():
        assert sp.simplify(eqs[k] - v) == 0, k


def test_logistic_numeric_backward_pass_against_jax():
    g = from_assignments(STEPS)
    point = {"w": 0.5, "x": 2, "b": -0.5, "t": 1, "lam": 0.1}
    tr = reverse(g, point)
    jax, jnp = jaxutil.jax(), jaxutil.jnp()

    def loss(v):  # the notes' forward pass written directly in JAX
        w, x, b, t, lam = v
        y = 1 / (1 + jnp.exp(-(w * x + b)))
        return 0.5 * (y - t) ** 2 + lam * 0.5 * w**2

    ref = np.asarray(jax.grad(loss)(jnp.asarray([0.5, 2.0, -0.5, 1.0, 0.1])))
    got = [float(tr.gradient[k]) for k in ["w", "x", "b", "t", "lam"]]
    assert mixed(got, ref) < 1e-14  # round-off of a handful of float64 operations
    # z = 0.5, y = σ(1/2): ȳ = y − t, z̄ = ȳ σ(1−σ), w̄ = z̄ x + λ w (by hand)
    sig = 1 / (1 + math.exp(-0.5))
    zbar = (sig - 1) * sig * (1 - sig)
    assert got[0] == pytest.approx(zbar * 2 + 0.1 * 0.5, rel=1e-14)
    assert got[2] == pytest.approx(zbar, rel=1e-14)


def test_symbolic_reverse_trace_equals_sympy_gradient():
    g = from_assignments(STEPS)
    tr = reverse(g, None)
    # the composition typed out by hand, not the graph's own inlining
    f = parse("(sigmoid(w*x + b) - t)**2/2 + lam*w**2/2", ["w", "x", "b", "t", "lam"])
    assert sp.simplify(g.source[0] - f) == 0
    for k, v in tr.gradient.items():
        assert sp.simplify(v - sp.diff(f, sp.Symbol(k, real=True))) == 0
    assert all(c.passed for c in check(tr))


# ----------------------------------------------------------------------------- property test

_LEAF = st.sampled_from(["x", "y", "z", "2", "0.5", "3"])


def _extend(children):
    unary = st.sampled_from(["sin", "cos", "tanh", "sigmoid", "exp", "softplus", "atan"])
    return st.one_of(
        st.tuples(unary, children).map(lambda t: f"{t[0]}({t[1]})"),
        st.tuples(children, st.sampled_from(["+", "-", "*"]), children)
        .map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(children, children).map(lambda t: f"({t[0]})/(1 + ({t[1]})**2)"),
        children.map(lambda c: f"sqrt(1 + ({c})**2)"),
        st.tuples(children, st.integers(2, 3)).map(lambda t: f"({t[0]})**{t[1]}"),
    )


EXPRESSIONS = st.recursive(_LEAF, _extend, max_leaves=7)
COORD = st.integers(-1500, 1500).map(lambda k: k / 1000)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(EXPRESSIONS, st.tuples(COORD, COORD, COORD))
def test_forward_reverse_symbolic_and_jax_gradients_agree(text, xyz):
    names = ["x", "y", "z"]
    point = dict(zip(names, xyz, strict=True))
    g = from_text(text, names)
    rev = reverse(g, point, algebra=FLOAT)
    grad = np.array([float(rev.gradient[k]) for k in names])
    assume(np.all(np.isfinite(grad)) and np.max(np.abs(grad)) < 1e8)
    fwd = np.array([float(forward(g, point, k, algebra=FLOAT).derivative) for k in names])
    f = parse(text, names)
    subs = {sp.Symbol(k, real=True): sp.Rational(repr(v)) for k, v in point.items()}
    sym = np.array([float(sp.N(sp.diff(f, sp.Symbol(k, real=True)).subs(subs), 30))
                    for k in names])
    ad = jax_grad(text, names, list(xyz))
    via_sympy = reverse(from_expr(f, names), point, algebra=FLOAT)  # SymPy's form of the tree
    assert mixed([float(via_sympy.gradient[k]) for k in names], sym) < 1e-9
    # all float64 except the symbolic values; sweeps of ≤ 30 operations on bounded values
    # lose at most a few hundred ulps, far inside 1e-9
    assert mixed(grad, sym) < 1e-9
    assert mixed(fwd, sym) < 1e-9
    assert mixed(ad, sym) < 1e-9
    exact = reverse(g, point)  # the exact sweep agrees with SymPy to 30 digits
    assert mixed([float(sp.N(exact.gradient[k], 30)) for k in names], sym) < 1e-14


# ----------------------------------------------------------------------------- construction

def test_shared_subexpressions_appear_once_and_tracer_matches_text():
    traced = from_function(lambda x: ops.exp(ops.exp(x) + ops.exp(x) ** 2)
                           + ops.sin(ops.exp(x) + ops.exp(x) ** 2), ["x"])
    text = from_text("exp(exp(x) + exp(x)**2) + sin(exp(x) + exp(x)**2)")
    assert [(n.op, n.inputs) for n in traced.nodes] == [(n.op, n.inputs) for n in text.nodes]
    assert len(traced.intermediates) == 6  # e^x, (e^x)², u = sum, e^u, sin u, result
    assert traced.source is not None  # re-run on SymPy symbols: an independent reference
    assert all(c.passed for c in check(reverse(traced, {"x": 0.5})))


def test_from_expr_pulls_constants_out_of_sums():
    g = from_expr(parse(Q4))
    # SymPy writes π(x1/2 − x2/2); the graph reads (π/2)·(x1 − x2) as in the seeds
    scale = [n for n in g.intermediates if n.op == "scale"]
    assert len(scale) == 1 and scale[0].param == sp.pi / 2
    assert reverse(g, AT).gradient == {"x1": E3, "x2": 3 * E3, "x3": E3 + sp.Rational(1, 2)}


def test_jvp_and_vjp_of_a_vector_function():
    g = from_function(lambda x, y: (x * y, ops.sin(x) + y), ["x", "y"])
    point = {"x": 1, "y": 2}
    # J = [[y, x], [cos x, 1]] = [[2, 1], [cos 1, 1]] at (1, 2)
    assert jvp(g, point, [1, 1]) == [3, sp.cos(1) + 1]
    assert vjp(g, point, [1, -1]) == {"x": 2 - sp.cos(1), "y": 0}
    with pytest.raises(InputError, match="outputs"):
        reverse(g, point)  # two outputs need a cotangent
    with pytest.raises(ShapeError, match="cotangent"):
        vjp(g, point, [1, 2, 3])


def test_kinks_are_flagged():
    for text, point in (("abs(x)", {"x": 0}), ("max(x, 0)", {"x": 0}),
                        ("max(x, y)", {"x": 1, "y": 1})):
        tr = reverse(from_text(text), point)
        assert tr.flags and all(v is None for v in tr.gradient.values()), text
    # away from the kink the partial is the slope: d|x|/dx = sign(x)
    assert reverse(from_text("abs(x)"), {"x": -2}).gradient == {"x": -1}


def test_a_node_not_reached_by_the_seed_is_not_undefined():
    # √y at y = 0 is flagged, but along x nothing passes through it: ∂/∂x (x² + √y) = 2x
    tr = forward(from_text("x**2 + sqrt(y)"), {"x": 3, "y": 0}, "x")
    assert tr.flags and tr.derivative == 6


def test_dual_numbers_follow_the_primitive_table():
    d = DualAlgebra(EXACT).sin(Dual(sp.Integer(0), sp.Integer(2)))
    assert (d.v, d.t) == (0, 2)  # sin(0 + 2ε) = 0 + 2cos(0)ε
    q = Dual(sp.Integer(3), sp.Integer(1)) / Dual(sp.Integer(2), sp.Integer(0))
    assert (q.v, q.t) == (sp.Rational(3, 2), sp.Rational(1, 2))


# ----------------------------------------------------------------------------- bad input

def test_point_outside_the_domain_names_the_node():
    with pytest.raises(DomainError, match=r"v9 = sqrt\(v8\).*v8 = -1"):
        reverse(from_text(Q4), {"x1": 1, "x2": 2, "x3": 1})
    with pytest.raises(DomainError, match="division by zero"):
        reverse(from_text("1/x"), {"x": 0})


def test_unknown_seed_and_bad_points():
    g = from_text(Q4)
    with pytest.raises(InputError, match="unknown seed variable 'x4'"):
        forward(g, AT, "x4")
    with pytest.raises(InputError, match="missing x3"):
        reverse(g, {"x1": 1, "x2": 1})
    with pytest.raises(ShapeError, match="2 components, expected 3"):
        forward(g, AT, [1, 0])
    with pytest.raises(InputError, match="assigned twice"):
        from_assignments(["z = x", "z = 2*x"])


# ----------------------------------------------------------------------------- CLI and output

def test_cli_forward_json_contract(cli_json):
    code, data, err = cli_json("trace", Q4, "--at", "x1=2,x2=1,x3=1", "--mode", "forward",
                               "--seed", "x1")
    assert code == 0 and err == ""
    assert data["mode"] == "forward" and data["derivative_exact"] == "exp(3)"
    assert data["derivative"] == pytest.approx(math.exp(3), rel=1e-15)
    assert {"name", "op", "inputs", "value", "tangent"} <= set(data["rows"][0])
    assert data["output"]["exact"] == "1 + exp(3)"


def test_cli_reverse_json_gradient(cli_json):
    code, data, _ = cli_json("trace", Q4, "--at", "x1=2,x2=1,x3=1")
    assert code == 0 and data["mode"] == "reverse"
    assert data["gradient"]["x2"] == pytest.approx(3 * math.exp(3), rel=1e-15)
    assert all("adjoint" in r for r in data["rows"])


def test_cli_flagged_point_exits_1_and_bad_input_exits_2(cli):
    code, out, _ = cli("trace", Q4, "--at", "x1=1,x2=1,x3=1", "--seed", "x3")
    assert code == 1 and "NOT AN ANSWER" in out and "they agree" in out
    code, out, err = cli("trace", Q4, "--at", "x1=1,x2=2,x3=1")
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert "outside the domain" in err
    code, _, err = cli("trace", Q4, "--at", "x1=2,x2=1,x3=1", "--seed", "x9")
    assert code == 2 and "unknown seed variable 'x9'" in err


def test_cli_latex_and_assignments(cli):
    code, out, _ = cli("trace", "z = w*x + b; y = sigmoid(z)", "--at", "w=1,x=2,b=-2",
                       "--latex")
    assert code == 0 and r"\toprule" in out and r"\bottomrule" in out


def test_draw_writes_a_figure(tmp_path):
    path = draw(reverse(from_text(Q4), {"x1": 1, "x2": 1, "x3": 1}), tmp_path / "g.png")
    assert path.exists() and path.stat().st_size > 10_000


# ----------------------------------------------------------------------------- sheets

def test_course_exercises_checks_and_claims():
    from workbench.tasks import runner
    from workbench.tasks.registry import Context

    from .conftest import course_exercises

    picked = course_exercises(("q4-reverse", "q4-costs", "q4-singular-point"))
    verdicts = {}
    for ex_id in ("q4-reverse", "q4-costs", "q4-singular-point"):
        out = runner.run(picked[ex_id], Context(figures=False))
        assert out.passed, [c for c in out.checks if not c.passed]
        verdicts.update({c.statement: c.holds for c in out.claims})
    assert verdicts[r"$\frac{\partial y}{\partial x_{2}} = 3 e^{3}$"] is True
    # 3e³ = 60.2566…, which rounds to 60.26
    assert verdicts[r"$\frac{\partial y}{\partial x_{2}} \approx 60.25$"] is False
    assert verdicts["forward memory: high"] is False  # forward mode keeps no tape
    assert verdicts["forward cheap to add: inputs"] is False  # one sweep per input
    assert verdicts["reverse memory: high"] is True
