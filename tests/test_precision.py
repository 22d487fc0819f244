"""Precision studies, machine arithmetic, one-sided derivatives, the fd command and tasks.

Expected values are closed forms by hand, plain Python float arithmetic
(IEEE 754 double, independent of NumPy and of the code under test), and exact
powers of two for machine epsilon.
"""

from __future__ import annotations

import json
import math

import mpmath
import numpy as np
import pytest
import sympy as sp

from workbench.core.errors import DomainError, InputError
from workbench.core.parse import parse
from workbench.numerics import precision as P
from workbench.tasks import runner
from workbench.tasks.registry import Context

from .conftest import BEALE, course_exercises

HW1_Q4 = "exp(x1 + x2**3)*x3 + sqrt(x3*sin(pi/2*(x1 - x2)))"
TASK3 = "exp(exp(x) + exp(x)**2) + sin(exp(x) + exp(x)**2)"


def _task3_prime(x: float) -> float:  # by hand: u = e^x + e^2x, f' = u' (e^u + cos u)
    u = math.exp(x) + math.exp(2 * x)
    return (math.exp(x) + 2 * math.exp(2 * x)) * (math.exp(u) + math.cos(u))


# (expression, variables, point, partial, true derivative by hand)
DONE_SET = [
    ("x**2", ["x"], {"x": 3}, None, 6.0),
    ("exp(x)", ["x"], {"x": 1}, None, math.e),
    ("sin(x)", ["x"], {"x": 1}, None, math.cos(1.0)),
    (TASK3, ["x"], {"x": sp.Rational(1, 2)}, None, _task3_prime(0.5)),
    (BEALE, ["x", "y"], {"x": 1, "y": 1}, "x", 0.0),    # f(x, 1) is constant
    (BEALE, ["x", "y"], {"x": 1, "y": 1}, "y", 27.75),  # 2(1.5) + 4(2.25) + 6(2.625)
]


def _study(case, dtype="float64"):
    expr, names, point, wrt, _ = case
    return P.study(parse(expr, names), names, point, wrt, dtype)


@pytest.fixture(scope="module")
def studies():
    return {(i, d): _study(c, d) for i, c in enumerate(DONE_SET) for d in ("float64", "float32")}


# ------------------------------------------------------------------ the study

@pytest.mark.parametrize("i", range(len(DONE_SET)))
def test_float64_study_reaches_the_promised_accuracy(studies, i):
    s = studies[i, "float64"]
    true = DONE_SET[i][4]
    assert s.status == "ok" and s.truth.ok
    # the 50-digit truth against the closed form: only the closed form's own rounding
    assert s.true == pytest.approx(true, rel=4e-16, abs=1e-300)
    m = s.methods
    assert m["central"].min_rel_error <= 1e-10
    assert m["richardson"].min_rel_error <= 1e-12
    assert m["complex_step"].min_rel_error <= 1e-15


@pytest.mark.parametrize("i", range(len(DONE_SET)))
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_measured_optimal_step_within_factor_10_of_theory(studies, i, dtype):
    s = studies[i, dtype]
    compared = 0
    for method in ("forward", "central"):
        r = s.methods[method]
        if r.h_opt_theory is None:  # f^(p+1) = 0: no interior optimum (x**2 central, Beale ∂x)
            assert "truncation term vanishes" in r.note
            continue
        assert 0.1 <= r.h_opt_measured / r.h_opt_theory <= 10
        compared += 1
    assert compared >= (0 if DONE_SET[i][3] == "x" else 1)


@pytest.mark.parametrize("i", [0, 1, 2, 3, 5])
def test_float32_optimum_moves_as_theory_predicts(studies, i):
    """h* ∝ ε^(1/(p+1)): float32 steps are (ε32/ε64)^(1/2) ≈ 2.3e4 times larger (forward)."""
    for method, p in (("forward", 1), ("central", 2)):
        h64 = studies[i, "float64"].methods[method].h_opt_measured
        h32 = studies[i, "float32"].methods[method].h_opt_measured
        if studies[i, "float64"].methods[method].h_opt_theory is None:
            continue
        predicted = (2.0**-23 / 2.0**-52) ** (1 / (p + 1))
        assert 0.1 <= (h32 / h64) / predicted <= 10
    # and float32's best forward error is near √ε32 ≈ 3e-4, float64's near √ε64 ≈ 1e-8
    assert studies[i, "float32"].methods["forward"].min_rel_error > 1e-6
    assert studies[i, "float64"].methods["forward"].min_rel_error < 1e-7


def test_float32_study_evaluates_in_float32():
    line = P.make_line(parse(TASK3), ["x"], {"x": sp.Rational(1, 2)})
    for name in ("float16", "float32", "float64"):
        g = line.np(np.dtype(name))
        assert g(np.asarray(0.5, dtype=name)).dtype == np.dtype(name)


@pytest.mark.parametrize("text", ["sqrt(2)*x + log(3)", "sigmoid(x) + softplus(x)",
                                  "abs(x)*max(x, 1) + relu(x) + min(x, 2)", "x**(1/3) + pi*x",
                                  "tanh(x)*E + atan(x) + cbrt(x) + log10(x) + 2**x"])
def test_numeric_keeps_the_working_precision(text):
    g = P.numeric(parse(text), ["x"])
    for name in ("float16", "float32"):
        assert g(np.asarray([0.5, 1.5], dtype=name)).dtype == np.dtype(name)


def test_sweep_json_contract(studies):
    d = studies[1, "float64"].to_dict()
    json.dumps(d)  # only JSON types inside
    assert isinstance(d["true"], float)
    assert set(d["methods"]) == {"forward", "backward", "central", "five_point", "richardson",
                                 "complex_step"}
    for r in d["methods"].values():
        assert {"h_opt_theory", "h_opt_measured", "min_rel_error"} <= set(r)
    assert len(d["sweep"]) == 121  # 15 decades × 8 + 1
    first = d["sweep"][0]
    assert first["h"] == pytest.approx(1e-16) and set(first) >= {"h", "forward", "richardson"}
    assert d["sweep"][-1]["h"] == pytest.approx(1e-1)


def test_measured_truncation_slopes_equal_the_orders(studies):
    m = studies[1, "float64"].methods  # exp at 1: every derivative is e, no degenerate term
    for method, p in (("forward", 1), ("backward", 1), ("central", 2), ("five_point", 4)):
        assert m[method].slope_truncation == pytest.approx(p, abs=0.15)
        assert m[method].slope_roundoff == pytest.approx(-1, abs=0.15)


def test_float16_study_runs_without_complex_step():
    s = P.study(parse("exp(x)"), ["x"], {"x": 1}, dtype="float16")
    assert s.methods["complex_step"].min_rel_error is None
    assert "no complex float16" in s.methods["complex_step"].note
    assert 1e-4 < s.methods["central"].min_rel_error < 1e-1  # ε16 ≈ 1e-3, ε16^(2/3) ≈ 1e-2


# ------------------------------------------------------------------ the slides' printed numbers

SLIDE_STEPS = [0.01, 0.001, 0.0001, 0.00001]


def test_slides_forward_differences_reproduced_exactly():
    line = P.make_line(parse("x**2"), ["x"], {"x": 3})
    ieee = [((3 + h) ** 2 - 9) / h for h in SLIDE_STEPS]  # the slides' code, in Python floats
    ours = [P.quotient(line, "forward", h) for h in SLIDE_STEPS]
    assert ours == ieee
    assert [repr(v) for v in ours] == ["6.009999999999849", "6.000999999999479",
                                       "6.000100000012054", "6.000009999951316"]
    # the slides print one extra 9 in three of the four: those three are not these floats
    printed = ["6.0099999999999849", "6.0009999999999479", "6.000100000012054",
               "6.0000099999951316"]
    assert [float(t) == v for t, v in zip(printed, ours, strict=True)] == [False, False, True,
                                                                          False]


def test_slides_tiny_steps():
    line = P.make_line(parse("x**2"), ["x"], {"x": 3})
    assert P.quotient(line, "forward", 1e-16) == 0.0 == ((3 + 1e-16) ** 2 - 9) / 1e-16
    h = 1e-15
    forward, central = P.quotient(line, "forward", h), P.quotient(line, "central", h)
    assert forward == ((3 + h) ** 2 - 9) / h == 5.329070518200751
    assert central == ((3 + h) ** 2 - (3 - h) ** 2) / (2 * h) == 5.329070518200751
    # the slides print 6.217248937900877 and 6.128431095930864: not what IEEE doubles give
    assert forward != 6.217248937900877 and central != 6.128431095930864
    assert P.quotient(line, "forward", math.sqrt(2.0**-52)) == 6.0


def test_machine_epsilon_and_one_plus():
    assert [P.machine_epsilon(d) for d in ("float16", "float32", "float64")] == \
        [2.0**-10, 2.0**-23, 2.0**-52]
    assert [P.measured_epsilon(d) for d in ("float16", "float32", "float64")] == \
        [2.0**-10, 2.0**-23, 2.0**-52]
    assert P.one_plus(1e-16) == "1.0"
    assert P.one_plus(2.0**-52) == "1.0000000000000002"
    assert P.one_plus(1e-4, "float16") == "1.0"           # ε16 ≈ 9.8e-4
    rows = {r["dtype"]: r for r in P.machine_table()}
    assert rows["float32"]["mantissa_bits"] == 24 and rows["float64"]["decimal_digits"] == 15


def test_digits_lost_and_cancellation_rows():
    assert P.digits_lost(1.0, 1.001) == pytest.approx(3.0, abs=0.01)
    assert P.digits_lost(2.0, 2.0) == math.inf
    line = P.make_line(parse("x**2"), ["x"], {"x": 3})
    rows = P.cancellation(line, [1e-4, 1e-16])
    assert rows[1].computed == 0.0
    assert rows[1].exact == pytest.approx(6e-16, rel=1e-12)  # (3+h)² − 9 = 6h + h² exactly
    assert rows[0].digits_lost == pytest.approx(math.log10(9.0006 / 6.0001e-4), abs=1e-3)
    # the digits left after cancellation are the ones float64 still has: ≈ 16 − lost
    assert rows[0].correct_digits + rows[0].digits_lost == pytest.approx(16, abs=2)


def test_compare_dtypes_shows_truncation_alone_at_50_digits():
    line = P.make_line(parse("exp(x)"), ["x"], {"x": 1})
    rows = {r["dtype"]: r for r in P.compare_dtypes(line, "central")}
    assert set(rows) == {"float16", "float32", "float64", "mpmath (50 digits)"}
    assert rows["float16"]["rel_error"] > rows["float32"]["rel_error"] > \
        rows["float64"]["rel_error"]
    h = rows["mpmath (50 digits)"]["h"]
    # central difference of exp: (e^(1+h) − e^(1−h))/(2h) = e·sinh(h)/h, so error = sinh(h)/h − 1
    assert rows["mpmath (50 digits)"]["rel_error"] == pytest.approx(math.sinh(h) / h - 1,
                                                                    rel=1e-6)


# ------------------------------------------------------------------ HW1 Question 4

def _hw1(wrt):
    return P.make_line(parse(HW1_Q4, ["x1", "x2", "x3"]), ["x1", "x2", "x3"],
                       {"x1": 1, "x2": 1, "x3": 1}, wrt)


def test_hw1_q4_step_and_exactness():
    line = _hw1("x3")
    h = (1 + sp.sqrt(3)) / 100
    with mpmath.workdps(50):
        gap = abs(P.quotient_exact(line, "central", h) - mpmath.e**2)
    assert gap < mpmath.mpf(10) ** -45  # f is linear in x3 along this line: no truncation
    # but at a working precision of ε ≈ 1e-4 (14 bits) the error still depends on h (∝ ε/h)
    errs = [abs(P.quotient_at_precision(line, "central", h * k, P.bits_for(1e-4)) - math.e**2)
            for k in (sp.Rational(1, 10), 1, 10)]
    assert errs[0] > 3 * errs[2]


def test_hw1_q4_partials_at_the_kink():
    s = P.study(parse(HW1_Q4, ["x1", "x2", "x3"]), ["x1", "x2", "x3"],
                {"x1": 1, "x2": 1, "x3": 1}, "x1")
    assert s.status == "nondifferentiable"
    assert (s.sides.left.status, s.sides.right.status) == ("undefined", "diverges")
    assert s.sides.right.value == math.inf
    assert s.to_dict()["true"] is None and s.to_dict()["methods"] == {}
    s3 = P.study(parse(HW1_Q4, ["x1", "x2", "x3"]), ["x1", "x2", "x3"],
                 {"x1": 1, "x2": 1, "x3": 1}, "x3")
    assert s3.status == "ok" and s3.true == pytest.approx(math.exp(2), rel=1e-15)


@pytest.mark.parametrize("text, left, right", [
    ("abs(x)", ("converged", -1.0), ("converged", 1.0)),
    ("sqrt(x)", ("undefined", None), ("diverges", math.inf)),
    ("x**(1/3)", ("undefined", None), ("diverges", math.inf)),
])
def test_one_sided_derivatives_are_reported_not_averaged(text, left, right):
    s = P.study(parse(text), ["x"], {"x": 0})
    assert s.status == "nondifferentiable"
    assert (s.sides.left.status, s.sides.left.value) == left
    assert (s.sides.right.status, s.sides.right.value) == right


def test_smooth_at_zero_is_not_flagged():
    # |x|^1.5 and x·relu(x) are differentiable at 0 with derivative 0
    for text in ("abs(x)**1.5", "x*relu(x)"):
        s = P.study(parse(text), ["x"], {"x": 0})
        assert s.status == "ok" and s.true == 0.0 and s.error_kind == "absolute"


@pytest.mark.parametrize("text, at, message", [
    ("log(x)", {"x": -1}, "outside the domain"),
    ("sqrt(x)", {"x": -1}, "outside the domain"),
    ("1/x", {"x": 0}, "outside the domain"),
])
def test_points_outside_the_domain(text, at, message):
    with pytest.raises(DomainError, match=message):
        P.study(parse(text), ["x"], at)


def test_bad_requests_name_the_problem():
    f = parse("exp(x)")
    with pytest.raises(InputError, match="unknown dtype 'float8'"):
        P.study(f, ["x"], {"x": 1}, dtype="float8")
    with pytest.raises(InputError, match="step range must be positive"):
        P.study(f, ["x"], {"x": 1}, h_range=(0, 1e-1))
    with pytest.raises(InputError, match="from small to large"):
        P.study(f, ["x"], {"x": 1}, h_range=(1e-1, 1e-3))
    with pytest.raises(InputError, match="overflows float64"):
        P.study(parse("exp(1000*x)"), ["x"], {"x": 1})
    with pytest.raises(InputError, match="needs --wrt"):
        P.study(parse("x*y"), ["x", "y"], {"x": 1, "y": 2})
    with pytest.raises(InputError, match="no value for y"):
        P.study(parse("x*y"), ["x", "y"], {"x": 1}, "x")
    with pytest.raises(InputError, match="step h must be positive"):
        P.quotient(P.make_line(f, ["x"], {"x": 1}), "forward", -1e-3)


def test_plot_is_written(tmp_path, studies):
    path = P.plot_study(studies[3, "float64"], tmp_path / "study.png")
    assert path.exists() and path.stat().st_size > 20_000


# ------------------------------------------------------------------ the fd command

def test_cli_fd_json(cli_json, tmp_path):
    plot = tmp_path / "sin.png"
    code, d, err = cli_json("fd", "sin(x)", "--at", "x=1", "--plot", str(plot), "--h", "1e-6")
    assert code == 0 and err == ""
    assert d["true"] == pytest.approx(math.cos(1.0), rel=1e-15)
    assert d["methods"]["central"]["min_rel_error"] <= 1e-10
    assert d["at_h"]["forward"]["h"] == 1e-6 and plot.exists() and d["plot"] == str(plot)
    assert all(c["passed"] for c in d["checks"])


def test_cli_fd_partial_and_float32(cli_json):
    code, d, _ = cli_json("fd", BEALE, "--at", "x=1,y=1", "--wrt", "y", "--dtype", "float32")
    assert code == 0 and d["true"] == 27.75 and d["dtype"] == "float32"
    assert d["methods"]["forward"]["h_opt_measured"] > 1e-5  # √ε32 territory, not 1e-8


def test_cli_fd_nondifferentiable_exit_1(cli_json):
    code, d, _ = cli_json("fd", "abs(x)", "--at", "x=0")
    assert code == 1 and d["status"] == "nondifferentiable"
    assert d["left"]["value"] == -1.0 and d["right"]["value"] == 1.0 and d["true"] is None


@pytest.mark.parametrize("argv, message", [
    (["fd", "exp(x)", "--at", "x=1", "--dtype", "float8"], "unknown dtype"),
    (["fd", "exp(x)", "--at", "x=1", "--h", "0"], "step h must be positive"),
    (["fd", "exp(x)", "--at", "x=1", "--h=-1e-3"], "step h must be positive"),
    (["fd", "log(x)", "--at", "x=-1"], "outside the domain"),
    (["fd", "exp(x)", "--at", "y=1"], "unknown y"),
    (["fd", "exp(x)", "--at", "x=1", "--plot", "out.txt"], "--plot out.txt"),
    (["fd", "exp(x) +", "--at", "x=1"], "syntax error"),
])
def test_cli_fd_bad_input_one_line_exit_2(cli, argv, message):
    code, out, err = cli(*argv)
    assert code == 2 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


# ------------------------------------------------------------------ the exercises

EXPECTED_CLAIMS = {  # exercise id -> verdicts in order (each checked by the tests above)
    "slides-forward-x2": [False, False, True, False, True],
    "slides-tiny-step": [True],
    "slides-machine-epsilon": [True, True, True, False],
    "slides-sqrt-eps-step": [True, True],
    "slides-symmetric": [False, False],
    "slides-precision-study": [True, True, True],
    "slides-cancellation": [True],
    "hw1-q4-4-step": [True, True, False, True],
    "hw1-q4-x3-study": [True],
    "hw1-q4-x1-kink": [True],
    "hw1-task3-precision": [],
    "abs-at-zero": [True],
}


def test_course_exercises_pass_and_judge_the_claims():
    for ex in course_exercises(EXPECTED_CLAIMS).values():
        out = runner.run(ex, Context(figures=False))
        assert out.passed, (ex.id, [c for c in out.checks if not c.passed])
        assert [c.holds for c in out.claims] == EXPECTED_CLAIMS[ex.id], ex.id


def test_smallest_addend_claim_is_refuted_by_arithmetic():
    # independent of the task: the double just above ε/2 survives 1 + v (round to nearest)
    v = float(np.nextafter(2.0**-53, 1.0))
    assert v < 2.0**-52 and 1.0 + v > 1.0
