"""Textbook forms: the simplest certified form by a stated rule (fewest operations, then length)."""

from __future__ import annotations

import itertools
import tomllib

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.core import budget
from workbench.core.parse import parse
from workbench.core.printing import to_text
from workbench.symbolic import calculus
from workbench.symbolic import textbook as textbook_mod
from workbench.symbolic.textbook import FORMS, TRIG_FORMS, textbook, textbook_all, textbook_form

from .conftest import BEALE, ROOT

t, x, y = (sp.Symbol(n, real=True) for n in "txy")


@pytest.fixture(autouse=True)
def _no_forms_chosen_before(monkeypatch):
    """Each test chooses its forms afresh: several change the rules the choice follows."""
    monkeypatch.setattr(textbook_mod, "_chosen", {})


def _slides_chain_rule_dz_dt() -> sp.Expr:
    """dz/dt of the slides' chain-rule exercise, read from the course file."""
    exercises = tomllib.loads((ROOT / "exercises" / "slides.toml").read_text())["exercise"]
    ex = next(e for e in exercises if e["id"] == "chain-dz-dt")
    inner = {sp.Symbol(k, real=True): parse(v) for k, v in ex["substitute"].items()}
    return sp.diff(parse(ex["expr"]).subs(inner, simultaneous=True), t)


def test_slides_chain_rule_answer_in_textbook_form():
    raw = _slides_chain_rule_dz_dt()
    # by hand: z = 9 sin²2t − 36 sin 2t cos 2t + 32 cos²2t = 41/2 + (23/2) cos 4t − 18 sin 4t,
    # so dz/dt = −46 sin 4t − 72 cos 4t (the slides print −64 sin 4t)
    assert textbook(raw) == -46 * sp.sin(4 * t) - 72 * sp.cos(4 * t)
    assert to_text(textbook(raw)) == "-46*sin(4*t) - 72*cos(4*t)"
    # SymPy's own simplify leaves the squares in
    assert sp.simplify(raw) != textbook(raw)


def _proportional_factors(e: sp.Expr) -> list[tuple]:
    """Pairs of sum factors of one product where one is a constant times the other."""
    found = []
    for node in sp.preorder_traversal(e):
        if node.is_Mul:
            sums = [f for f in node.args if f.is_Add]
            for a, b in itertools.combinations(sums, 2):
                if not sp.cancel(a / b).free_symbols:
                    found.append((a, b))
    return found


def test_beale_hessian_loses_proportional_factors():
    H = calculus.hessian(parse(BEALE, ["x", "y"]), ["x", "y"])
    assert _proportional_factors(H[0, 0])  # the raw entry: (y − 1)(2y − 2) + …
    for raw in H:
        form = textbook(raw)
        assert not _proportional_factors(form)
        assert sp.count_ops(form) <= sp.count_ops(raw)
        assert sp.expand(form - raw) == 0  # polynomials: expansion decides exactly
    # ∂²f/∂x² by hand: 2(y − 1)² + 2(y² − 1)² + 2(y³ − 1)²
    hand = 2 * (y - 1)**2 + 2 * (y**2 - 1)**2 + 2 * (y**3 - 1)**2
    assert sp.count_ops(textbook(H[0, 0])) <= sp.count_ops(hand)


def test_the_rule_picks_fewest_operations_among_certified_forms():
    raw = (x**2 - 1) / (x - 1) + sp.sin(x)**2 + sp.cos(x)**2
    form, how = textbook_form(raw)
    assert sp.simplify(form - (x + 2)) == 0 and how != "raw"
    for name, make in FORMS.items():
        other = make(raw)
        if sp.simplify(other - raw) == 0:
            assert sp.count_ops(form) <= sp.count_ops(other), name


def test_an_uncertified_form_is_never_shown(monkeypatch):
    # a "form" that is simpler but wrong: fewest operations, yet not equal to the result
    monkeypatch.setitem(FORMS, "wrong", lambda e: sp.Integer(0))
    raw = (x + 1)**2 - x**2
    assert textbook(raw) == 2 * x + 1


def test_no_simpler_form_keeps_the_result():
    assert textbook_form(x + sp.sin(y)) == (x + sp.sin(y), "raw")


def test_over_the_budget_stays_as_is(monkeypatch):
    monkeypatch.setattr(budget, "SIMPLIFY_OPS", 3)
    raw = (x - 1) * (2 * x - 2) + x
    assert textbook_mod.textbook_form(raw) == (raw, "raw")


def _trig_free() -> st.SearchStrategy:
    """Expressions in x, y of sums, products, powers, exp, log and sqrt: no trigonometry."""
    leaves = st.sampled_from([x, y, sp.Integer(2), sp.Rational(-3, 2), sp.Integer(1)])
    return st.recursive(leaves, lambda e: st.one_of(
        st.builds(sp.Add, e, e), st.builds(sp.Mul, e, e),
        st.builds(lambda b, k: b**k, e, st.integers(-2, 3)),
        st.builds(sp.exp, e), st.builds(lambda a: sp.log(1 + a**2), e),
        st.builds(lambda a: sp.sqrt(1 + a**2), e)), max_leaves=6)


@settings(max_examples=40, deadline=None)
@given(_trig_free())
def test_trig_forms_leave_trig_free_expressions_unchanged(e):
    # why the rule may skip them there: they could only tie with the raw result
    for name in TRIG_FORMS:
        assert FORMS[name](e) == e, name


def test_one_bounded_step_for_many_entries_and_none_for_known_ones(monkeypatch):
    calls = []
    real = budget.bounded
    monkeypatch.setattr(budget, "bounded", lambda step, what, *a: calls.append(what) or
                        real(step, what, *a))
    raw = [(x - 1) * (2 * x - 2), x * y + x * y**2 - x, x, sp.Integer(3)]
    assert textbook_all(raw) == [2 * (x - 1)**2, x * (y**2 + y - 1), x, 3]
    assert calls == ["the textbook forms"]
    assert textbook_all(raw[:2]) == [2 * (x - 1)**2, x * (y**2 + y - 1)]
    assert calls == ["the textbook forms"]  # chosen once in this process
