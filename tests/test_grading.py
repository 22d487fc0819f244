"""Grading a class: the key's checks, the submission reader, units, reports, the CLI.

Expected scores follow from the rubric by hand (points per component, the
key's deductions); expected statuses and mistakes from the answers as written.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from workbench.core.errors import InputError
from workbench.grading.grade import grade_class, grade_unit, write_reports
from workbench.grading.key import load_key, parse_key
from workbench.grading.submission import read_submission, read_submission_text

ROOT = Path(__file__).resolve().parents[1]
HW1_KEY = ROOT / "exercises" / "keys" / "hw1-key.toml"
HW1_SUBMISSION = ROOT / "exercises" / "submissions" / "hw1-seed.md"

KEY = {
    "deductions": {"sign flipped": 1, "chain rule factor missing": 1.5},
    "exercise": [
        {"id": "grad", "kind": "gradient", "expr": "x**2*y + sin(y)", "variables": ["x", "y"],
         "points": 2},
        {"id": "deriv", "kind": "derivative", "expr": "x**2*y", "variables": ["x", "y"],
         "wrt": "x", "at": "x=2,y=3", "points": 1},
    ],
}

STUDENTS = {
    "ann": "## grad\n$$\\nabla f = \\begin{pmatrix} 2xy \\\\ x^2 + \\cos y \\end{pmatrix}$$\n"
           "## deriv\n$$\\frac{\\partial f}{\\partial x} = 12$$\n",
    "bob": "## grad\n$$\\frac{\\partial f}{\\partial x} = 2xy$$\n"
           "$$\\frac{\\partial f}{\\partial y} = x^2 - \\cos y$$\n"
           "## deriv\n$$\\frac{\\partial f}{\\partial x} = 18$$\n",
    "cat": "## grad\n```python\ndx = 2*x*y\ndy = x**2 + cos(y)\n```\n"
           "## deriv\n$$\\input{/etc/passwd}$$\n",
    "dan": "# nothing under the exercises' headings\n$$2xy$$\n",
}


def _class():
    key = parse_key(KEY, "key.toml")
    subs = [read_submission_text(text, name) for name, text in STUDENTS.items()]
    return key, subs


def _by(results):
    return {(r.student, r.exercise): r for r in results}


def test_scores_statuses_and_mistakes_follow_the_rubric():
    key, subs = _class()
    r = _by(grade_class(key, subs, jobs=1))
    assert (r["ann", "grad"].status, r["ann", "grad"].score) == ("correct", 4)
    assert (r["ann", "deriv"].status, r["ann", "deriv"].score) == ("correct", 1)
    # bob: dy has a flipped sign (2 - 1 point); deriv evaluated at x = 3 instead of 2
    assert (r["bob", "grad"].status, r["bob", "grad"].score) == ("partial", 3)
    assert [m["kind"] for m in r["bob", "grad"].mistakes] == ["sign flipped"]
    assert r["bob", "deriv"].mistakes[0]["kind"] == "evaluated at the wrong point"
    assert r["bob", "deriv"].score == 0.5  # the default deduction: half the points
    # cat: code answers are read by the safe parser; hostile LaTeX is unreadable, not wrong
    assert (r["cat", "grad"].status, r["cat", "grad"].score) == ("correct", 4)
    assert r["cat", "deriv"].status == "unreadable"
    assert "TeX primitive refused" in r["cat", "deriv"].feedback[0]
    assert {r["dan", e].status for e in ("grad", "deriv")} == {"missing"}


def test_process_pool_gives_the_same_results():
    key, subs = _class()
    assert grade_class(key, subs, jobs=2) == grade_class(key, subs, jobs=1)


def test_reports(tmp_path):
    key, subs = _class()
    summary = write_reports(key, grade_class(key, subs, jobs=1), tmp_path)
    rows = list(csv.reader((tmp_path / "class.csv").read_text(encoding="utf-8").splitlines()))
    assert rows[0] == ["student", "grad", "deriv", "total", "max"]
    assert rows[1] == ["ann", "4", "1", "5", "5"]
    assert rows[2] == ["bob", "3", "0.5", "3.5", "5"]
    data = json.loads((tmp_path / "class.json").read_text(encoding="utf-8"))
    assert data == summary
    assert data["mistakes_by_kind"] == {"grad": {"sign flipped": 1},
                                        "deriv": {"evaluated at the wrong point": 1}}
    feedback = (tmp_path / "feedback" / "bob.md").read_text(encoding="utf-8")
    assert "Score: 3.5 / 5" in feedback and "sign flipped" in feedback
    assert "Sympy" not in feedback and "Symbol(" not in feedback
    assert (tmp_path / "class.png").stat().st_size > 0


def test_the_hw1_submission_graded_with_its_diagnoses():
    key = load_key(HW1_KEY)
    results = _by(grade_class(key, [read_submission(HW1_SUBMISSION)], jobs=1))
    statuses = {e: results["hw1-seed", e].status for e in
                ("q4-graph-forward", "q4-reverse", "hw1-q4-4-step", "beale-gradient")}
    assert statuses == {"q4-graph-forward": "correct", "q4-reverse": "correct",
                        "hw1-q4-4-step": "correct", "beale-gradient": "partial"}
    beale = results["hw1-seed", "beale-gradient"]
    assert sorted((m["component"], m["kind"]) for m in beale.mistakes) == [
        ("x", "exponent slip"), ("y", "chain rule factor missing"), ("y", "exponent slip")]
    assert beale.score == (2 - 0.5) + (2 - 1 - 0.5)


@pytest.mark.parametrize("change, needle", [
    ({"kind": "integral"}, "field 'kind'"),
    ({"expr": "x +* y"}, "exercise grad: syntax error"),
    ({"points": -1}, "field 'points'"),
    ({"deductions": {"typo": 1}}, "unknown mistake kind 'typo'"),
    ({"colour": 1}, "unknown field 'colour'"),
])
def test_key_errors_name_file_exercise_and_field(change, needle):
    bad = {"exercise": [{**KEY["exercise"][0], **change}]}
    with pytest.raises(InputError, match="key.toml: exercise grad") as err:
        parse_key(bad, "key.toml")
    assert needle in str(err.value)


def test_derivative_needs_a_full_point():
    row = {**KEY["exercise"][1], "at": "x=2"}
    with pytest.raises(InputError, match="field 'at'"):
        parse_key({"exercise": [row]}, "key.toml")


def test_submission_reader_keeps_lines_and_code_names():
    sub = read_submission_text("intro $$x$$\n## e1\n$$a$$\n```\ndx = 2*x\n```\n", "s")
    assert [(a.text, a.latex, a.line, a.name) for a in sub.answers["e1"]] == [
        ("a", True, 3, ""), ("2*x", False, 5, "dx")]


def test_grade_unit_without_answers_is_missing():
    key, _ = _class()
    assert grade_unit(key.exercises[0], None, "eve").status == "missing"


def test_grade_command(cli_json, tmp_path):
    folder = tmp_path / "subs"
    folder.mkdir()
    for name, text in STUDENTS.items():
        (folder / f"{name}.md").write_text(text, encoding="utf-8")
    key = tmp_path / "key.toml"
    key.write_text(KEY_TOML, encoding="utf-8")
    code, d, _ = cli_json("grade", str(key), str(folder), "-o", str(tmp_path / "out"), "-j", "1")
    assert code == 0 and d["students"] == 4
    assert d["scores"] == {"ann": 5, "bob": 3.5, "cat": 4, "dan": 0}
    assert (tmp_path / "out" / "feedback" / "cat.md").exists()


def test_grade_command_bad_input(cli, tmp_path):
    code, _, err = cli("grade", str(tmp_path / "none.toml"), str(tmp_path), "-o", str(tmp_path))
    assert code == 2 and "no such answer key file" in err


KEY_TOML = """
[deductions]
"sign flipped" = 1
"chain rule factor missing" = 1.5

[[exercise]]
id = "grad"
kind = "gradient"
expr = "x**2*y + sin(y)"
variables = ["x", "y"]
points = 2

[[exercise]]
id = "deriv"
kind = "derivative"
expr = "x**2*y"
variables = ["x", "y"]
wrt = "x"
at = "x=2,y=3"
points = 1
"""


def test_grading_benchmark_smoke(capsys):
    from benchmarks import grading

    key, subs = grading.build(3, 2)
    assert [e.id for e in key.exercises] == ["e0", "e1"] and len(subs) == 3
    assert grading.main(["--students", "2", "--exercises", "1", "-j", "1"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["units"] == 2 and 1 <= out["distinct_units"] <= 2
