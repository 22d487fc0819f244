"""Prose answers, gradient fields and the rule table of the course documents."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from workbench.tasks import course, rules
from workbench.tasks.registry import Context, Exercise
from workbench.tasks.runner import run


def _ex(task, claimed=None, **fields):
    return Exercise("t.toml", "t", "t", task, "", fields, claimed)


def test_the_documents_beale_code_evaluated_by_hand():
    # (1.5 − 3 + 1.5)² + (2.25 − 3 + 0.75)² + (2.625 − 3 + 0.75) = 0 + 0 + 0.375
    assert course._doc_beale_f(3.0, 0.5) == 0.375
    # dx = 2(y²−1)(2.625 − x + xy²) = 2(−0.75)(0.375); dy = 6xy²(0.375) = 6·3·0.25·0.375
    assert np.allclose(course._doc_beale_grads(3.0, 0.5), [-0.5625, 1.6875], rtol=0, atol=1e-15)
    holds, detail = course.CHECKS["hw1_beale_f_printed_output"]()
    assert not holds and "0.375" in detail


def test_printed_digits_found_by_deleting_one_character():
    # Python's repr of (3.01² − 9)/0.01, typed from an interpreter session
    assert repr((3.01 ** 2 - 9) / 0.01) == "6.009999999999849"
    holds, detail = course.CHECKS["slides_printed_digits"]()
    assert not holds and detail.count("one extra digit") == 3


def test_answer_reports_checks_and_judges_claims():
    out = run(_ex("answer", text="text", checks=["sin_continuous"],
                  claimed=[{"statement": "s", "check": "slides_chain_rule_n"}]),
              Context(figures=False))
    assert out.passed and [c.holds for c in out.claims] == [False]


_HEADER = '[sheet]\ntitle = "t"\n\n[[exercise]]\nid = "a"\n'


@pytest.mark.parametrize("fields,field,word", [
    ('task = "answer"\ntext = "a"\nchecks = ["no_such_check"]', "checks[0]", "not one of"),
    ('task = "answer"\ntext = "a"\nclaimed = [{ statement = "s" }]', "claimed[0].check",
     "required"),
    ('task = "answer"\ntext = "a"\nclaimed = { statement = "s", check = "nope" }',
     "claimed.check", "not one of"),
    ('task = "answer"\nanswer = "prose"', "text", "required"),
    ('task = "rules"\nnames = ["inverse", "invers"]', "names[1]", "not one of"),
    ('task = "rules"\nsizes = [2, 100]', "sizes[1]", "over the limit"),
    ('task = "gradient_field"\nexpr = "x*y"\nat = "x=1,y=2"\nwindow = [2, -2]', "window",
     "below"),
    ('task = "gradient_field"\nexpr = "x*y +"\nat = "x=1,y=2"', "expr", "syntax"),
])
def test_bad_fields_are_refused_at_load_time(tmp_path, fields, field, word):
    from workbench.core.errors import InputError
    from workbench.tasks.loader import load

    f = tmp_path / "bad.toml"
    f.write_text(_HEADER + fields + "\n", encoding="utf-8")
    where = rf"bad.toml: exercise 'a': field '{re.escape(field)}'"
    with pytest.raises(InputError, match=where) as exc:
        load(f)
    assert word in str(exc.value)


def test_gradient_field_direction_and_magnitude_by_hand(tmp_path):
    # ∇(x² + y²) at (1, 2) = (2, 4): θ = atan2(4, 2), ‖∇f‖ = √20
    out = run(_ex("gradient_field", expr="x**2 + y**2", at="x=1,y=2", wrt=["x", "y"]),
              Context(figure_dir=tmp_path))
    assert out.passed and [c.holds for c in out.claims] == [True]
    boxed = next(b for b in out.blocks if type(b).__name__ == "Boxed")
    assert f"{math.atan2(4, 2):.6f}" in boxed.latex and f"{math.sqrt(20):.6f}" in boxed.latex
    assert any(type(b).__name__ == "Figure" and b.path.exists() for b in out.blocks)


def test_gradient_field_flags_the_arctangent_where_fx_is_negative():
    # f = −x + y at (0, 0): ∇f = (−1, 1) points to 3π/4; atan(1/−1) = −π/4 points away
    out = run(_ex("gradient_field", expr="-x + y", at="x=0,y=0", wrt=["x", "y"]),
              Context(figures=False))
    assert [c.holds for c in out.claims] == [False]
    assert f"{3 * math.pi / 4:.6f}" in out.claims[0].detail


def test_a_wrong_rule_is_not_certified():
    # d(X⁻¹) with the sign flipped is wrong by 2‖X⁻¹dX X⁻¹‖
    wrong = rules.Rule("", rules.RULES["inverse"].f,
                        lambda X, dX: np.linalg.inv(X) @ dX @ np.linalg.inv(X), rules._spd)
    ok, _ = rules.certify_rule(wrong)
    assert not ok
    det_as_trace = rules.Rule("", rules.RULES["det"].f, lambda X, dX: np.trace(dX),
                               rules._square)
    assert not rules.certify_rule(det_as_trace)[0]


@pytest.mark.slow
def test_every_rule_of_the_notes_is_certified():
    out = run(_ex("rules", sizes=[2, 3]), Context(figures=False))
    assert out.passed and len(out.checks) == len(rules.RULES) + 6


def test_every_course_exercise_names_its_source_item():
    from .conftest import course_exercise_tables

    missing = [t["id"] for t in course_exercise_tables() if not t.get("source", "").strip()]
    assert missing == []


def test_verify_json_names_the_source_and_the_verdict(cli, tmp_path):
    import json

    f = tmp_path / "doc.toml"
    f.write_text('[sheet]\ntitle = "t"\n\n[[exercise]]\nid = "a"\ntask = "answer"\n'
                 'source = "Doc 1.2"\ntext = "x"\n'
                 'claimed = { statement = "s", check = "slides_continuity_limit_is_a" }\n')
    code, out, _ = cli("verify", str(f), "--json")
    claim = json.loads(out)["claims"][0]
    assert code == 0 and claim["source"] == "Doc 1.2" and claim["holds"] is False
    assert "f(a)" in claim["detail"]


def test_the_slides_printed_differences_are_called_transcription_slips():
    from .conftest import course_exercises

    ex = course_exercises(("slides-forward-x2",))["slides-forward-x2"]
    out = run(ex, Context(figures=False))
    wrong = [c for c in out.claims if not c.holds]
    # three of the four printed values carry an extra digit (see SLIDES_PRINTED)
    assert len(wrong) == 3 and all("transcription slip" in c.detail for c in wrong)
