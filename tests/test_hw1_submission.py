"""The HW1 student's answers, transcribed verbatim from LaTeX, are read by the reader.

Expected values are typed in by hand from the document (and from hw1.toml's claims);
the Beale gradient (submitted as Python) gets its certified diagnoses.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sympy as sp

from workbench.certification.diagnosis import diagnose
from workbench.core.latex import read_answer
from workbench.core.parse import parse

ROOT = Path(__file__).resolve().parents[1]
SUBMISSION = ROOT / "exercises" / "submissions" / "hw1-seed.md"
SEED_NAME = "hw1-optimization-autodiff.md"


def _sections(text: str) -> dict[str, list[str]]:
    """Exercise id -> its $$...$$ displays and code lines, in order."""
    out: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        if line.startswith("## "):
            current = line[3:].strip()
            out[current] = []
        elif current and (line.startswith("$$") or re.match(r"d[xy] = ", line)):
            out[current].append(line.strip().strip("$") if line.startswith("$$") else line)
    return out


ANSWERS = _sections(SUBMISSION.read_text())
E = sp.E
lmin, lmax, eta = (sp.Symbol(n, real=True) for n in ("lambda_min", "lambda_max", "eta"))


def test_forward_mode_answers():
    value, derivative = (read_answer(a, ["x1", "x2", "x3"]) for a in ANSWERS["q4-graph-forward"])
    assert value.values == [1 + E**3] and value.label == "y"
    assert derivative.component == "x1" and derivative.values == [E**3]


def test_reverse_mode_answers():
    for a in ANSWERS["q4-reverse"]:
        ans = read_answer(a, ["x1", "x2", "x3"])
        assert ans.component == "x2" and ans.values == [3 * E**3]
    assert read_answer(ANSWERS["q4-reverse"][1], ["x1", "x2", "x3"]).approx == sp.Rational(
        6025, 100)


def test_step_size_and_central_difference_answers():
    h_answer, quotient = (read_answer(a) for a in ANSWERS["hw1-q4-4-step"])
    assert sp.simplify(h_answer.values[0] - (1 + sp.sqrt(3)) / 100) == 0
    assert sp.simplify(quotient.values[0] - E**2) == 0


def test_rate_answers():
    rate, eta_opt, r_opt, r_value = (read_answer(a).values[0] for a in ANSWERS["hw1-q3-rate"])
    assert rate == sp.Max(sp.Abs(1 - eta * lmin), sp.Abs(1 - eta * lmax))
    assert eta_opt == 2 / (lmax + lmin)
    assert r_opt == sp.Symbol("kappa", real=True)  # the claim hw1.toml finds false
    assert sp.simplify(r_value - (lmax - lmin) / (lmax + lmin)) == 0


def test_beale_gradient_gets_its_diagnoses():
    dx, dy = (line.split("=", 1)[1] for line in ANSWERS["beale-gradient"])
    f = "(1.5 - x + x*y)**2 + (2.25 - x + x*y**2)**2 + (2.625 - x + x*y**3)**2"
    d = diagnose(f, [parse(dx, ["x", "y"]), parse(dy, ["x", "y"])], ["x", "y"])
    assert d.verdict == "incorrect" and d.check.wrong_components == [0, 1]
    assert sorted((m.component, m.kind) for m in d.mistakes) == [
        ("x", "exponent slip"), ("y", "chain rule factor missing"), ("y", "exponent slip")]


def _seed() -> Path | None:
    # the course's shared folder lies beside the checkout (or a few folders up)
    for base in ROOT.parents[:3]:
        path = base / "shared" / "seeds" / SEED_NAME
        if path.exists():
            return path
    return None


@pytest.mark.skipif(_seed() is None, reason="the seed document is not next to this checkout")
def test_transcription_is_verbatim():
    seed = _seed().read_text()
    lines = [line for line in SUBMISSION.read_text().splitlines()
             if line.startswith("$$") or re.match(r"d[xy] = ", line)]
    assert len(lines) == 12
    for line in lines:
        assert line in seed
