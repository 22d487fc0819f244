"""Course text lives in the exercise files, and what the optimization tasks print is typeset.

* the ``prose`` table: declared per task, validated at load time, documented, and
  the only source of the course's paragraphs in the tasks that take it;
* the course files: every exercise has a statement, and inline math ``$…$`` stays
  inside the printer's whitelist of commands;
* the blocks and claims of the optimization and course tasks carry no Python
  syntax, reprs, long float reprs or tool names (checks, which go to the
  instructor, may name tools);
* captions and rates are computed from the data they describe.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from workbench.core.errors import InputError
from workbench.tasks import loader, runner
from workbench.tasks.learning import loss_caption
from workbench.tasks.model import Boxed, Figure, Table, Text
from workbench.tasks.rates import FLOOR, NEAR, contraction
from workbench.tasks.registry import Context, Exercise, load_all

from .conftest import ROOT, course_exercises

COURSE_FILES = ["hw1", "slides", "notes", "lab", "beale"]

#: The commands the sheet printer lets through in inline math (sheets/latex.py's whitelist).
WHITELIST = frozenset("""alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota
kappa lambda mu nu xi pi varpi rho sigma tau upsilon phi varphi chi psi omega Gamma Delta Theta
Lambda Xi Pi Sigma Phi Psi Omega frac tfrac sum prod nabla partial | top langle rangle mathbb
mathbf log exp sin cos tanh sqrt cdot le ge to infty in odot otimes operatorname mathrm text left
right min max arg lim quad ldots cdots"""
                      .replace("\n", " ").split(" "))

#: What must not reach a student: Python syntax and reprs, long float reprs, tools and files.
LEAKS = [r"\*\*", r"\{'", r"\['", r"\bnp\.", r"(?i)sympy", r"(?i)\bjax\b", r"(?i)torch",
         r"pip install", r"\.py\b", r"benchmarks/", r"array\(", r"rsolve"]
#: A float printed by a task with all its digits (the files may quote a source's digits).
LONG_FLOAT = r"\d\.\d{12,}"


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def _prose_of_file(name: str):
    """Every prose string of a course file: titles, statements, texts, notes, claims' words."""
    data = tomllib.loads((ROOT / "exercises" / f"{name}.toml").read_text(encoding="utf-8"))
    yield from _strings(data["sheet"].get("preamble", ""))
    for ex in data["exercise"]:
        for key in ("title", "statement", "text", "note", "out_of_scope", "prose"):
            yield from _strings(ex.get(key, ""))
        for claim in ex.get("claimed", []) if isinstance(ex.get("claimed"), list) else \
                [ex.get("claimed") or {}]:
            yield from _strings(claim.get("statement", ""))


def _printed(outcome) -> list[str]:
    """The strings of an outcome a student reads: blocks' prose and the claims."""
    out = []
    for b in outcome.blocks:
        if isinstance(b, Text):
            out.append(b.text)
        elif isinstance(b, Table):
            out += [b.caption, *b.header, *(c for row in b.rows for c in row)]
        elif isinstance(b, Boxed):
            out.append(b.label)
        elif isinstance(b, Figure):
            out.append(b.caption)
    for c in outcome.claims:
        out += [c.statement, c.detail]
    return out


# ------------------------------------------------------------------------------ the files


@pytest.mark.parametrize("name", COURSE_FILES)
def test_every_exercise_has_its_statement(name):
    for ex in loader.load(ROOT / "exercises" / f"{name}.toml").exercises:
        assert ex.statement.strip(), f"{name}: {ex.id} has no statement"


@pytest.mark.parametrize("name", COURSE_FILES)
def test_inline_math_in_the_course_files_stays_in_the_whitelist(name):
    for text in _prose_of_file(name):
        assert text.count("$") % 2 == 0, f"{name}: unbalanced $ in {text[:60]!r}"
        for math in re.findall(r"\$([^$]*)\$", text):
            for command in re.findall(r"\\([A-Za-z]+|.)", math):
                assert command in WHITELIST, f"{name}: \\{command} in ${math}$"


@pytest.mark.parametrize("name", COURSE_FILES)
def test_the_course_files_prose_names_no_tools_and_holds_no_code(name):
    for text in _prose_of_file(name):
        for leak in LEAKS:
            assert not re.search(leak, text), f"{name}: {leak} in {text[:80]!r}"


def test_prose_math_is_typeset_not_ascii():
    text = "\n".join(s for name in COURSE_FILES for s in _prose_of_file(name))
    for ascii_math in ("R^d", "U·Lambda·U^T", "Σ_i (1 - ηλ_i)^(2t)", "z_{i(0)}", "<x, x>",
                       "1/2 ||A - x x^T||_F^2", "lim_{x→0+}", "lambda_min", "w^T H w"):
        assert ascii_math not in text
    for typeset in (r"$\mathbb{R}^d$", r"U \Lambda U^\top", r"\sum_i (1 - \eta\lambda_i)^{2t}",
                    r"\tfrac12\|A - x x^\top\|_F^2", r"\lim_{x\to 0^+} 1/x = \infty",
                    r"\langle x, x\rangle"):
        assert typeset in text


# ------------------------------------------------------------------------- the prose table


def _load_text(tmp_path, body: str):
    path = tmp_path / "t.toml"
    path.write_text('[sheet]\ntitle = "T"\n[[exercise]]\nid = "q"\n' + body, encoding="utf-8")
    return loader.load(path)


def test_prose_is_read_from_the_file(tmp_path):
    body = 'task = "rate"\nprose = { intro = "Each mode: $1 - \\\\eta\\\\lambda_i$." }\n'
    f = _load_text(tmp_path, body)
    assert f.exercises[0].paragraph("intro") == r"Each mode: $1 - \eta\lambda_i$."
    assert f.exercises[0].paragraph("missing") == ""


@pytest.mark.parametrize("body, message", [
    ('task = "rate"\nprose = { outro = "x" }\n', "field 'prose.outro': not a paragraph of task "
                                                 "'rate' (allowed: intro)"),
    ('task = "rate"\nprose = "x"\n', "field 'prose': expected a table of paragraphs"),
    ('task = "rate"\nprose = { intro = 3 }\n', "field 'prose.intro': expected str"),
    ('task = "derive"\nexpr = "x"\nprose = { intro = "x" }\n',
     "task 'derive' prints no paragraphs of its own"),
])
def test_bad_prose_is_refused_at_load_time_naming_the_field(tmp_path, body, message):
    with pytest.raises(InputError) as err:
        _load_text(tmp_path, body)
    assert "t.toml: exercise 'q'" in str(err.value) and message in str(err.value)


def test_the_reference_lists_each_tasks_paragraphs():
    from workbench.tasks import reference

    text = reference.markdown()
    assert "Paragraphs of `prose`" in text
    for name, spec in load_all().items():
        for key in spec.prose:
            assert f"| `{key}` |" in text, (name, key)


def test_a_tasks_paragraph_comes_from_the_file_and_only_from_it():
    ctx = Context(figures=False)
    with_text = Exercise("t.toml", "t", "t", "rate", "", {}, prose={"intro": "FROM THE FILE"})
    without = Exercise("t.toml", "t", "t", "rate", "", {})
    texts = [b.text for b in runner.run(with_text, ctx).blocks if isinstance(b, Text)]
    assert texts == ["FROM THE FILE"]
    assert not [b for b in runner.run(without, ctx).blocks if isinstance(b, Text)]


def test_hw1s_paragraphs_reach_the_sheet():
    ex = course_exercises(("hw1-q3-rate",))["hw1-q3-rate"]
    texts = [b.text for b in runner.run(ex, Context(figures=False)).blocks
             if isinstance(b, Text)]
    assert texts[0] == ex.paragraph("intro") and r"1 - \eta\lambda_i" in texts[0]


# ------------------------------------------------------------------- what the tasks print


FAST = ("slides-gd-table", "slides-ga-table", "hw1-q3-rate", "beale-local-rate",
        "slides-continuity-definition", "slides-chain-rule-n", "slides-printed-digits",
        "slides-gradient-field", "hw1-task1-code-as-printed", "hw1-q2-1-infeasible",
        "hw1-q1-gradient-of-difference", "notes-gradient-orthogonal")


@pytest.fixture(scope="module")
def fast_outcomes():
    exercises = course_exercises(FAST)
    return {i: runner.run(exercises[i], Context(figures=False)) for i in FAST}


@pytest.mark.parametrize("exercise_id", FAST)
def test_no_python_reaches_the_page(fast_outcomes, exercise_id):
    quoted = set(_strings(course_exercises((exercise_id,))[exercise_id].fields))
    for text in _printed(fast_outcomes[exercise_id]):
        # the printed-digits exercise is about the digits themselves
        long_ok = text in quoted or exercise_id == "slides-printed-digits"
        for leak in LEAKS + ([] if long_ok else [LONG_FLOAT]):
            assert not re.search(leak, text), f"{exercise_id}: {leak} in {text[:100]!r}"
        assert text.count("$") % 2 == 0, f"{exercise_id}: unbalanced $ in {text!r}"


def test_the_local_rate_is_measured_before_the_float64_floor(fast_outcomes):
    texts = [b.text for b in fast_outcomes["beale-local-rate"].blocks if isinstance(b, Text)]
    measured = [t for t in texts if "contracts by" in t]
    assert measured and "float64 floor" in measured[0]
    first, last = map(int, re.search(r"steps (\d+) to (\d+)", measured[0]).groups())
    rate = float(re.search(r"contracts by ([0-9.]+)", measured[0]).group(1))
    r_star = float(re.search(r"R\^\* = ([0-9.]+)", measured[0]).group(1))
    assert last > first and abs(rate - r_star) < 1e-3


@given(st.floats(0.05, 0.995), st.floats(1e-9, 5e-4))
def test_contraction_recovers_a_geometric_rate(ratio, start):
    errors = start * ratio ** np.arange(4000.0)
    rate, first, last = contraction(errors)
    assert abs(rate - ratio) < 1e-9 * max(1.0, 1 / (1 - ratio))
    assert errors[last] > FLOOR and errors[first] < NEAR and last - first <= 199


def test_contraction_ignores_the_floor_and_reports_no_band():
    floor = np.r_[1e-4 * 0.5 ** np.arange(27.0), np.full(100, 3e-16)]
    assert contraction(floor)[0] == pytest.approx(0.5, rel=1e-12)
    rate, first, last = contraction([1.0, 0.5, 0.25])
    assert np.isnan(rate) and first == last == -1


def test_the_sgd_caption_says_what_its_curves_show():
    sgd_worse = loss_caption(np.array([0.7, 0.3, 0.1]), np.array([0.7, 0.4]), 200)
    assert "higher than batch GD (0.3000)" in sgd_worse
    assert "far fewer epochs" not in sgd_worse
    sgd_better = loss_caption(np.array([0.7, 0.5]), np.array([0.7, 0.2]), 200)
    assert "lower than batch GD (0.5000)" in sgd_better and "ends at 0.2000" in sgd_better
    # the curves hold the loss before the first epoch too: 50 epochs are 51 values
    assert "After 50 epochs" in loss_caption(np.ones(1001), np.ones(51), 200)


def test_the_files_are_the_only_home_of_the_moved_text():
    source = "\n".join(p.read_text(encoding="utf-8") for p in
                       (ROOT / "workbench" / "tasks").glob("*.py"))
    for moved in ("Q2.1: ∇f = Hw", "Q2.3: for β-smooth", "Q2.2: gradient flow",
                  "In the eigenbasis z = Uᵀw", "For f(w) = wᵀHw/2 the error",
                  "The hidden layer bends the boundary", "PyTorch reference not run",
                  "far fewer epochs", "CIFAR-10 cannot be downloaded here, so"):
        assert moved not in source, moved
    assert Path(ROOT / "exercises" / "hw1.toml").read_text(encoding="utf-8").count("prose = {") >= 5


def test_the_derivations_notes_are_typeset_and_name_no_solver():
    from workbench.optim import convergence as cv

    steps = cv.derive_trajectory().steps + cv.derive_rate().steps
    assert not any("i(0)}" in lhs + rhs for lhs, rhs, _ in steps)
    notes = [note for _, _, note in steps]
    assert "rsolve" not in " ".join(notes)
    assert r"$U^\top H = \Lambda U^\top$" in notes
