"""Derivations as steps: each rule, a corrupted step rejected, random expressions verify."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import workbench
from workbench.core.functions import TABLE, sigmoid, silu, softplus
from workbench.core.parse import parse
from workbench.symbolic import steps as steps_mod
from workbench.symbolic.steps import RULES, Rule, StepError, differentiate, steps, verify

x, y = sp.Symbol("x", real=True), sp.Symbol("y", real=True)


def rules_of(expr, var=x) -> list[str]:
    return [s.note for s in differentiate(expr, var).steps]


@pytest.mark.parametrize(("text", "first"), [
    ("x**2 + sin(x)", "sum rule"),
    ("5*x**3", "constant factor"),
    ("x**7", "power rule"),
    ("x*sin(x)", "product rule"),
    ("sin(x)/(x + 1)", "quotient rule"),
    ("sin(x**2)", "chain rule: sin"),
    ("(x**2 + 1)**3", "chain rule: power 3"),
    ("exp(x)", "known derivative: exp"),
    ("sigmoid(x)", "known derivative: sigmoid"),
    ("softplus(3*x)", "chain rule: softplus"),
    ("2**x", "exponential rule"),
    ("x**x", "logarithmic differentiation"),
    ("x", "variable"),
    ("y", "constant"),
])
def test_each_rule_is_named(text, first):
    assert rules_of(parse(text))[0] == first


def test_product_rule_step_is_the_textbook_equation():
    d = differentiate(x**2 * sp.sin(x), x)
    s = d.steps[0]
    u, v = sp.Derivative(x**2, x), sp.Derivative(sp.sin(x), x)
    # d/dx[x² sin x] = d/dx[x²]·sin x + x²·d/dx[sin x], written out by hand
    assert sp.expand(s.rhs - (u * sp.sin(x) + x**2 * v)) == 0
    assert set(s.uses) == {x**2, sp.sin(x)}
    assert d.result == 2 * x * sp.sin(x) + x**2 * sp.cos(x)


def test_quotient_rule_step_by_hand():
    n, den = sp.sin(x), x**2 + 1
    s = differentiate(n / den, x).steps[0]
    dn, dd = sp.Derivative(n, x), sp.Derivative(den, x)
    assert sp.simplify(s.rhs - (den * dn - n * dd) / den**2) == 0


def test_known_derivatives_come_from_the_function_table():
    # the step's derivative of σ is the table's σ(1 − σ), not SymPy's own exp form
    s = differentiate(sigmoid(x), x).steps[0]
    assert s.rhs == TABLE["sigmoid"].derivative(None, sigmoid(x), x)
    assert differentiate(softplus(x), x).steps[0].rhs == sigmoid(x)
    assert verify(differentiate(silu(x) * sp.erf(x), x)).ok


def test_a_sympy_function_outside_the_table_uses_sympys_rule_and_verifies():
    d = steps(sp.sec(x**2), x)
    assert d.steps[0].note == "chain rule: sec"
    assert sp.simplify(d.final - 2 * x * sp.tan(x**2) * sp.sec(x**2)) == 0  # sec′ = sec·tan


def test_partial_derivative_holds_other_variables_constant():
    d = steps(x**2 * y + sp.sin(y), x)
    assert d.final == 2 * x * y and d.partial
    assert "∂/∂x" in str(d)


def test_chain_rule_steps_compose():
    d = steps(sp.exp(sp.sin(3 * x)), x)
    assert [s.rule for s in d.steps] == ["chain rule", "chain rule", "constant factor"]
    assert sp.simplify(d.final - 3 * sp.cos(3 * x) * sp.exp(sp.sin(3 * x))) == 0


def test_a_sign_flipped_product_rule_is_rejected_naming_the_step():
    d = differentiate(x**2 * sp.sin(x), x)
    first = d.steps[0]
    a, b = first.rhs.args
    bad = replace(d, steps=[replace(first, rhs=a - b), *d.steps[1:]])
    check = verify(bad)
    assert not check.ok
    assert "step 1 (product rule)" in check.problems[0]


def test_a_wrong_known_derivative_is_rejected():
    d = differentiate(sp.cos(x) * x, x)
    i = next(i for i, s in enumerate(d.steps) if s.detail == "cos")
    corrupted = list(d.steps)
    corrupted[i] = replace(d.steps[i], rhs=sp.sin(x))  # cos′ = sin: the classic slip
    problems = verify(replace(d, steps=corrupted)).problems
    assert any(f"step {i + 1} (known derivative: cos)" in p for p in problems)


def test_a_wrong_result_is_rejected():
    d = differentiate(x**3, x)
    assert not verify(replace(d, shown=3 * x)).ok


def test_a_broken_rule_never_shows_a_derivation(monkeypatch):
    key = next(k for k, r in RULES.items() if r.name == "product rule")

    def flipped(u, var):
        a, b = u.args[0], sp.Mul(*u.args[1:])
        return sp.Derivative(a, var) * b - a * sp.Derivative(b, var), (a, b)

    monkeypatch.setitem(RULES, key, Rule("product rule", flipped))
    with pytest.raises(StepError, match=r"step 1 \(product rule\)"):
        steps(x * sp.exp(x), x, textbook_result=False)


def test_numeric_fallback_is_stated(monkeypatch):
    # a simplifier that settles nothing: equality is then checked to 50 digits, and said so
    monkeypatch.setattr(steps_mod.budget, "vanishes", lambda e: e == 0)
    how = steps_mod.equal(sp.sin(x)**2 + sp.cos(x)**2, sp.Integer(1))
    assert how is not None and how.startswith("numeric: equal to 50 digits")
    assert steps_mod.equal(sp.sin(x)**2, sp.cos(x)**2) is None
    # a difference of 10⁻³⁵, far below float64 resolution, is still seen at 50 digits
    assert steps_mod.equal(x + sp.Rational(1, 10**35), x) is None


def test_text_has_no_python_syntax_and_latex_is_aligned():
    d = steps(parse("x**2*exp(-x)"), x)
    text = str(d)
    assert "**" not in text and "Derivative" not in text and "product rule" in text
    assert d._repr_latex_().count("&=") == len(d.steps) + 2  # f, the steps, the result
    assert r"\frac{d}{d x}" in d.latex()


# ------------------------------------------------------------------ random expressions


UNARY = [sp.exp, sp.sin, sp.cos, sp.tanh, sp.atan, sigmoid, softplus, silu, sp.erf,
         TABLE["sinh"].sympy, sp.Abs,
         lambda u: sp.log(u**2 + 1), lambda u: sp.sqrt(u**2 + 1)]
LEAVES = st.sampled_from([x, x, y, sp.Integer(2), sp.Rational(-3, 2), sp.Integer(3)])


def _combine(children):
    one = st.builds(lambda f, u: f(u), st.sampled_from(UNARY), children)
    two = st.builds(lambda a, b, op: op(a, b), children, children,
                    st.sampled_from([sp.Add, sp.Mul, lambda a, b: a / (b**2 + 1),
                                     lambda a, b: a - b]))
    power = st.builds(lambda a, n: a**n, children, st.sampled_from([2, 3, -1]))
    return one | two | power


EXPRESSIONS = st.recursive(LEAVES, _combine, max_leaves=6)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(EXPRESSIONS)
def test_random_expressions_verify_and_end_in_diff(f):
    d = steps(f, x, textbook_result=False)
    assert d.verification.ok
    assert steps_mod.equal(d.result, sp.diff(f, x)) is not None
    # every derivative a step uses is worked out once, after the first step that uses it
    # (a part shared by two steps, like x**2 in x**2/(x**2 + 1)**2, is not derived twice)
    lhs = [s.lhs for s in d.steps]
    assert len(set(lhs)) == len(lhs)
    for v in {v for s in d.steps for v in s.uses}:
        first_use = min(i for i, s in enumerate(d.steps) if v in s.uses)
        assert lhs.index(v) > first_use


# ------------------------------------------------------------------ front door and CLI


def test_function_steps_method_and_front_door_agree():
    f = workbench.function("x*sin(x)")
    d = f.steps()
    assert [s.rule for s in d.steps] == ["product rule", "known derivative"]
    assert d.final == sp.diff(parse("x*sin(x)"), x)
    assert d._repr_latex_().startswith("$$")
    assert repr(d) == str(d) and str(d).startswith("f = x·sin(x)")  # what the REPL shows
    assert str(workbench.steps("x*sin(x)")) == str(d)
    assert str(workbench.steps(sp.Symbol("x") * sp.sin(sp.Symbol("x")), "x")) == str(d)
    with pytest.raises(workbench.WorkbenchError, match="name the variable"):
        workbench.function("x*y").steps()


def test_cli_derive_steps_text(cli):
    code, out, _ = cli("derive", "x*sin(x)/(x + 1) + exp(x**2)", "--steps")
    assert code == 0
    for rule in ("product rule", "quotient rule", "chain rule: exp", "each verified"):
        assert rule in out


def test_cli_derive_steps_json(cli):
    code, out, _ = cli("derive", "x**2*y", "--steps", "--json")
    d = json.loads(out)
    assert code == 0 and d["steps_verified"] is True
    rows = d["steps"]["x"]
    assert {"rule", "lhs", "rhs", "lhs_latex", "rhs_latex"} <= set(rows[0])
    assert rows[0]["checked"] == "exact"
    assert rows[-1]["rhs"] == "2·x·y" and rows[-1]["rule"] == "the steps combined"
    assert d["steps"]["y"][-1]["rhs"] == "x^2"


# ------------------------------------------------------------------ solution sheets


def test_sheet_shows_the_slides_chain_rule_with_steps_and_textbook_answer():
    from workbench.tasks.loader import load
    from workbench.tasks.model import Boxed, Steps
    from workbench.tasks.registry import Context
    from workbench.tasks.runner import run

    from .conftest import ROOT

    course = load(ROOT / "exercises" / "slides.toml")
    ex = next(e for e in course.exercises if e.id == "chain-dz-dt")
    out = run(ex, Context(figures=False))
    notes = {row[2] for b in out.blocks if isinstance(b, Steps) for row in b.rows}
    assert {"chain rule", "chain rule: sin", "chain rule: cos", "power rule"} <= notes
    answer = next(b for b in out.blocks if isinstance(b, Boxed)).latex
    assert r"- 46 \sin{\left(4 t \right)} - 72 \cos{\left(4 t \right)}" in answer
    verified = [c for c in out.checks if c.name.startswith("derivation steps verified")]
    assert verified and all(c.passed for c in verified)


def test_sheet_reports_a_derivation_that_does_not_verify(monkeypatch):
    from workbench.tasks import derivation
    from workbench.tasks.model import Outcome, Steps

    key = next(k for k, r in RULES.items() if r.name == "power rule")
    monkeypatch.setitem(RULES, key, Rule("power rule", lambda u, v: (u.exp * u, ())))
    out = Outcome()
    derivation.partials(out, x**3 + x, ["x"])
    assert not out.passed and "step 2 (power rule)" in out.checks[-1].detail
    assert not any(isinstance(b, Steps) for b in out.blocks)  # never shown


def test_cli_reports_steps_that_do_not_verify_as_a_failure(cli, monkeypatch):
    key = next(k for k, r in RULES.items() if r.name == "power rule")
    monkeypatch.setitem(RULES, key, Rule("power rule", lambda u, v: (u.exp * u, ())))
    code, out, _ = cli("derive", "x**3 + x", "--steps", "--random", "5")
    assert code == 1
    assert "steps NOT VERIFIED, not shown" in out and "step 2 (power rule)" in out
    assert "df/dx =" not in out
