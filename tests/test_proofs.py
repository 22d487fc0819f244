"""Machine-checked proofs: the shipped HW1 proofs verify, false steps are rejected.

Expected verdicts are worked out by hand from the mathematics (the comments say
how), and numeric references come from numpy/scipy, never from the engine under
test.
"""

from __future__ import annotations

import json
import random
import tomllib
from pathlib import Path

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import solve_ivp

from workbench.core.errors import InputError
from workbench.proof import check, load, parse, rules, verify, verify_all
from workbench.proof.instances import KINDS, Draw
from workbench.proof.language import free_names, read_math, to_tex
from workbench.proof.numeric import EvaluationError, Evaluator
from workbench.proof.symbolic import SymbolTable, prove_equal
from workbench.proof.verifier import compose, implies
from workbench.sheets.latex import escape
from workbench.tasks import runner
from workbench.tasks.registry import Context

from .conftest import ROOT, course_exercise_tables, course_exercises

PROOFS = ROOT / "proofs"
Q1 = PROOFS / "hw1-q1-beta-smooth-lemma.toml"
Q22 = PROOFS / "hw1-q2-2-gradient-flow.toml"
Q23 = PROOFS / "hw1-q2-3-preconditioned-gd.toml"
Q31 = PROOFS / "hw1-q3-1-gd-quadratic-closed-form.toml"
Q34 = PROOFS / "hw1-q3-2-4-optimal-rate.toml"


@pytest.fixture(scope="module")
def results():
    return {r.id: r for r in verify_all(PROOFS)}


def claim(result, fragment: str):
    found = [c for c in result.claims if fragment in c.claim.statement]
    assert len(found) == 1, fragment
    return found[0]


# ---------------------------------------------------------------- shipped proofs

def test_every_shipped_proof_verifies(results):
    assert set(results) == {"hw1-q1-beta-smooth-lemma", "hw1-q2-2-gradient-flow",
                            "hw1-q2-3-preconditioned-gd", "hw1-q3-1-gd-quadratic-closed-form",
                            "hw1-q3-2-4-optimal-rate"}
    for r in results.values():
        assert r.passed, r.failures
        assert r.goals and all(g.established for g in r.goals), r.id
        assert all(s.status in ("proved", "verified", "stated") for s in r.steps)
        json.dumps(r.to_dict())  # the result is JSON-safe for `workbench verify --json`


def test_stated_steps_say_so_and_checked_steps_say_how(results):
    r = results["hw1-q2-2-gradient-flow"]
    stated = [s for s in r.steps if not s.step.checked]
    assert stated and all(s.status == "stated" and "not machine-checked" in s.detail
                          for s in stated)
    checked = [s for s in r.steps if s.step.checked]
    assert all("random instances" in s.detail or "SymPy" in s.detail for s in checked)


def test_scalar_algebra_is_proved_by_sympy(results):
    # steps 7, 11, 12, 19 of the rate proof are rational identities in λ_min, λ_max
    steps = {s.step.number: s for s in results["hw1-q3-2-4-optimal-rate"].steps}
    for n in (7, 11, 12, 19):
        assert steps[n].status == "proved", n
        assert steps[n].method.startswith("left side − right side"), n
    # rate(η) = 1 − ηλ_min holds only on the case 0 ≤ η ≤ η*: SymPy cannot, numbers do
    assert steps[8].status == "verified"


def test_claim_verdicts_match_the_mathematics(results):
    q1 = results["hw1-q1-beta-smooth-lemma"]
    assert claim(q1, "The lemma as stated").holds is True
    assert claim(q1, "argument 2").holds is True

    q22 = results["hw1-q2-2-gradient-flow"]
    # sin(t²)/t → 0 while its derivative is 2 at t = √(2πk): the inference is invalid
    assert claim(q22, "d/dt f(w(t)) → 0").holds is False
    # x²e^(−x) flows to infinity from x = 3: w(t) need not converge
    assert claim(q22, "read literally").holds is False
    assert claim(q22, "−λ_min").holds is True

    q23 = results["hw1-q2-3-preconditioned-gd"]
    # ‖w(t+1) − w(t)‖² = η²‖A∇f‖², not ‖∇f‖²
    assert claim(q23, "first line").holds is False
    # ‖Av‖² = vᵀAᵀAv ≤ λ_max(AᵀA)‖v‖² (Rayleigh for AᵀA)
    assert claim(q23, "λ_max(AᵀA)‖∇f(w(t))‖²").holds is True
    # η = 2/β on (β/2)‖w‖² with A = I: w(t+1) = −w(t), no convergence
    assert claim(q23, "bound included").holds is False
    assert claim(q23, "Σ (t ≥ 0)").holds is False

    q31 = results["hw1-q3-1-gd-quadratic-closed-form"]
    assert all(c.holds for c in q31.claims)

    q34 = results["hw1-q3-2-4-optimal-rate"]
    assert claim(q34, "Question 3.2").holds is True
    assert claim(q34, "Question 3.3").holds is True
    assert claim(q34, "R_optimal").holds is True
    # (κ − 1)/(κ + 1) = κ would need κ² = −1
    assert claim(q34, "condition number").holds is False
    # for η < 0 both 1 − ηλ > 0, so the rate is 1 − ηλ_max, not ηλ_max − 1 < 0
    assert claim(q34, "η < 0").holds is False
    assert claim(q34, "0 ≤ η ≤").holds is True


def test_result_speaks_the_verify_commands_vocabulary(results):
    r = results["hw1-q1-beta-smooth-lemma"]
    assert (r.name, r.ok, r.reason) == (r.id, True, "")
    assert r.file.endswith("hw1-q1-beta-smooth-lemma.toml")
    # 7 checked steps, 1 goal, 2 claim relations
    assert r.checks == 10


# ---------------------------------------------------------------- mutated steps

def mutate(path: Path, number: int, **fields):
    """The proof with step ``number`` changed (a fresh tree, as if the file said so)."""
    proof = load(path)
    step = proof.steps[number - 1]
    for key, value in fields.items():
        setattr(step, key, read_math(value) if key in ("lhs", "rhs") else value)
    return proof


def assert_rejected(proof, number: int, words: str = ""):
    result = check(proof, only={number})
    assert not result.passed
    (message,) = result.failures
    assert message.startswith(f"{proof.path}: proof '{proof.id}': step {number}: "), message
    assert words in message
    return message


@pytest.mark.parametrize("path, number, fields, words", [
    # wrong sign: + ∇f(w2)ᵀ(w1 − w2) after the fundamental theorem of calculus
    (Q1, 4, {"rhs": "integral(grad(f, w2 + t*(w1 - w2)).T @ (w1 - w2), t, 0, 1)"
                    " + grad(f, w2).T @ (w1 - w2)"}, "differs"),
    # dropped factor: ∫₀¹ βt‖u‖² dt written as β‖u‖²
    (Q1, 9, {"rhs": "beta * norm(w1 - w2)**2"}, "differs"),
    # wrong inequality direction: Cauchy–Schwarz used as ≥
    (Q1, 6, {"rel": ">="}, ">= fails"),
    # dropped factor t in the β-smoothness bound: the bound becomes too weak to follow
    (Q1, 8, {"rhs": "integral(beta * norm(w1 - w2)**2, t, 0, 1)"}, "differs"),
    # the submitted answer's first line in Q2.3: (β/2)‖∇f‖² for (βη²/2)‖A∇f‖²
    (Q23, 5, {"rhs": "-eta * grad(f, w(k)).T @ A @ grad(f, w(k))"
                     " + beta/2 * norm(grad(f, w(k)))**2"}, "differs"),
    # wrong direction of the Rayleigh bound along the flow
    (Q22, 6, {"rel": ">="}, ">= fails"),
    # wrong sign in the eigen-coordinate recursion
    (Q31, 8, {"rhs": "(eye() + eta*Lam) @ z(t - 1)"}, "differs"),
    # scalar identity with a sign error: SymPy is inconclusive, the numbers decide
    (Q34, 7, {"rhs": "eta*(lmax - lmin)*(2 + eta*(lmin + lmax))"}, "differs"),
    # the case η ≥ η* with the other branch
    (Q34, 9, {"rhs": "1 - eta*lmin"}, "differs"),
    # a strict inequality turned around
    (Q23, 9, {"rel": "<"}, "< fails"),
])
def test_mutated_step_is_rejected_with_a_located_error(path, number, fields, words):
    original = check(load(path), only={number})
    assert original.passed, original.failures
    assert_rejected(mutate(path, number, **fields), number, words)


def test_a_rule_that_does_not_apply_is_rejected():
    message = assert_rejected(mutate(Q1, 6, rule="rayleigh"), 6)
    assert "does not apply" in message and "lmin" in message


def test_a_false_rule_in_the_table_is_caught(monkeypatch):
    bogus = rules.Rule("reversed Cauchy–Schwarz", "|uᵀv| ≥ ‖u‖‖v‖",
                       lambda rng: not rules.RULES["cauchy-schwarz"].test(rng)
                       or abs(rng.gauss(0, 1)) < 0.01)
    monkeypatch.setitem(rules.RULES, "bogus", bogus)
    rules.self_test.cache_clear()
    try:
        assert "bogus" in rules.self_test()
        assert_rejected(mutate(Q1, 6, rule="bogus"), 6, "failed its own property test")
    finally:
        monkeypatch.delitem(rules.RULES, "bogus")
        rules.self_test.cache_clear()
    assert rules.self_test() == ()


def test_a_false_step_in_a_file_fails_the_whole_proof(tmp_path):
    text = Q1.read_text(encoding="utf-8").replace(
        'rhs = "integral(beta * t * norm(w1 - w2)**2, t, 0, 1)"',
        'rhs = "integral(beta * t**2 * norm(w1 - w2)**2, t, 0, 1)"')
    bad = tmp_path / "bad.toml"
    bad.write_text(text, encoding="utf-8")
    result = verify(bad)
    assert not result.passed
    assert result.failures[0].startswith(f"{bad}: proof 'hw1-q1-beta-smooth-lemma': step 8: ")
    # the chain no longer reaches the goal through verified steps
    assert any("goal 1" in f and "no chain" in f for f in result.failures)


# ---------------------------------------------------------------- malformed files

GOOD = """
[proof]
id = "p"
title = "t"
source = "s"
statement = "x"
[proof.objects]
x = "scalar"
u = "vector"
f = { kind = "smooth", beta = "beta" }
[[proof.step]]
lhs = "(x + 1)**2"
rel = "="
rhs = "x**2 + 2*x + 1"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "p.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_minimal_file_verifies_by_sympy(tmp_path):
    result = verify(write(tmp_path, GOOD))
    assert result.passed and result.steps[0].status == "proved"


@pytest.mark.parametrize("change, words", [
    (("[proof]", "[proof"), "not valid TOML"),
    (('id = "p"', 'id = ""'), "field 'id'"),
    (('title = "t"', ""), "field 'title'"),
    (('rel = "="', 'rel = "=>"'), "step 1: field 'rel'"),
    (('rel = "="', 'rel = "<="'), "step 1: field 'rule': an inequality must name its rule"),
    (('rel = "="', 'rel = "<="\nrule = "magic"'), "unknown rule 'magic'"),
    (('rhs = "x**2 + 2*x + 1"', 'rhs = "x**2 + q"'), "step 1: field 'rhs': undeclared name(s) q"),
    (('rhs = "x**2 + 2*x + 1"', 'rhs = "x ^ 2"'), "step 1: field 'rhs': use ** for powers"),
    (('rhs = "x**2 + 2*x + 1"', 'rhs = "__import__(1)"'), "undeclared name(s) __import__"),
    (('rhs = "x**2 + 2*x + 1"', "rhs = \"open('x')\""), "only real number literals"),
    (('rhs = "x**2 + 2*x + 1"', 'rhs = "grad(x, u)"'), "not a function object"),
    (('rhs = "x**2 + 2*x + 1"', 'rhs = "f(u, u)"'), "f takes 1 argument(s), got 2"),
    (('rhs = "x**2 + 2*x + 1"', 'rhs = "norm(u, u)"'), "norm takes 1 argument(s)"),
    (('lhs = "(x + 1)**2"', ""), "field 'lhs': required (there is no previous step"),
    (('x = "scalar"', 'x = "tensor"'), "object 'x': field 'kind': unknown kind 'tensor'"),
    (('x = "scalar"', 'x = { kind = "scalar", mean = 1 }'), "object 'x': unknown field(s) mean"),
    (('x = "scalar"', 'x = { define = "y + 1" }'), "object 'x': field 'define': undeclared"),
    (('rel = "="', 'rel = "="\nwhen = 1'), "step 1: unknown field(s) when"),
    (('[[proof.step]]', '[[proof.step]]\nkind = "lemma"'), "step 1: field 'kind'"),
    (('[[proof.step]]', '[[proof.step]]\nassume = { u = { min = "0" } }'),
     "assume': u: only scalar or integer objects"),
])
def test_malformed_files_give_located_errors(tmp_path, change, words):
    old, new = change
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(InputError) as info:
        load(path)
    message = str(info.value)
    assert message.startswith(str(path)), message
    assert words in message, message


def test_folder_errors(tmp_path):
    with pytest.raises(InputError, match="no such proof folder"):
        verify_all(tmp_path / "missing")
    write(tmp_path, GOOD)
    (tmp_path / "q.toml").write_text(GOOD, encoding="utf-8")
    with pytest.raises(InputError, match="proof id 'p' is also used by"):
        verify_all(tmp_path)


def test_evaluation_problems_fail_the_step_not_the_program():
    data = tomllib.loads(GOOD)
    data["proof"]["step"] = [{"lhs": "u @ u", "rel": "=", "rhs": "x"}]
    result = check(parse(data, "mem.toml"))
    assert not result.passed
    assert "@ of a 3×1 and a 3×1: inner sizes differ" in result.failures[0]


# ---------------------------------------------------------------- the engine's parts

def test_relation_composition():
    assert compose("=", "<=") == "<=" and compose("<=", "<") == "<"
    assert compose("<=", ">=") is None and compose(None, "=") is None
    assert implies("<", "<=") and implies("=", ">=") and not implies("<=", "<")


def test_language_names_and_latex():
    tree = read_math("integral(grad(f, w2 + t*(w1 - w2)).T @ (w1 - w2), t, 0, 1)")
    assert free_names(tree) == {"f", "w1", "w2"}  # t is bound by the integral
    assert to_tex(read_math("beta/2 * norm(w1 - w2)**2")) == (
        r"\frac{\beta}{2} \left\| w_{1} - w_{2} \right\|^{2}")
    assert to_tex(read_math("lmin(A.T @ A)")) == r"\lambda_{\min}(A^{\top} A)"
    assert to_tex(read_math("entry(z(0), i)")) == r"z_{i}(0)"
    # a sum over 2 prints as ½ Σ, and tall arguments get growing parentheses
    assert to_tex(read_math("sum(k, k, 1, n)/2")) == r"\frac{1}{2} \sum_{k=1}^{n} k"
    assert to_tex(read_math("f(x/2)")) == r"f\left(\frac{x}{2}\right)"
    with pytest.raises(InputError, match="second argument must be a variable"):
        read_math("integral(x, 2*t, 0, 1)")


def test_evaluator_against_numpy():
    rng = np.random.default_rng(1)
    m = rng.normal(size=(3, 3))
    s = m + m.T
    v = rng.normal(size=3)
    env = {"S": mpmath.matrix(s.tolist()), "v": mpmath.matrix(v.tolist()), "x": mpmath.mpf(0.7)}
    ev = Evaluator(env, dim=3)
    lam = np.linalg.eigvalsh(s)
    # float64 references: agreement to 1e-12 is far below any formula error
    assert float(ev.value(read_math("lmin(S)"))) == pytest.approx(lam[0], abs=1e-12)
    assert float(ev.value(read_math("lmax(S)"))) == pytest.approx(lam[-1], abs=1e-12)
    assert float(ev.value(read_math("v.T @ S @ v"))) == pytest.approx(v @ s @ v, abs=1e-12)
    assert float(ev.value(read_math("norm(S @ v)"))) == pytest.approx(np.linalg.norm(s @ v))
    # closed forms at 50 digits: ∫₀¹ t² dt = 1/3, d/dx sin x = cos x, Σ_{k=1}^{10} k = 55
    with mpmath.workdps(50):
        assert abs(ev.value(read_math("integral(t**2, t, 0, 1)")) - mpmath.mpf(1) / 3) < 1e-45
        assert abs(ev.value(read_math("deriv(sin(x), x)")) - mpmath.cos(mpmath.mpf(0.7))) < 1e-40
        assert ev.value(read_math("sum(k, k, 1, 10)")) == 55
        assert abs(ev.value(read_math("integral(exp(-t), t, 0, oo)")) - 1) < 1e-40
    with pytest.raises(EvaluationError, match="cannot \\+ a 3×1 and a scalar"):
        ev.value(read_math("v + x"))
    with pytest.raises(EvaluationError, match="use @"):
        ev.value(read_math("S * S"))
    with pytest.raises(EvaluationError, match="not real"):
        ev.value(read_math("log(-x)"))


def test_smooth_instances_are_beta_smooth_with_correct_gradients():
    # the gradient and Hessian against central differences in float64; β against the
    # Lipschitz quotient of the gradient on random pairs
    for j in range(4):
        with mpmath.workdps(30):
            f, extra = KINDS["smooth"].make(Draw(random.Random(j), 3, j, {}, {}))
        beta = float(extra["beta"])

        def fx(x, f=f):
            with mpmath.workdps(30):
                return float(f.value(mpmath.matrix(list(x))))

        def gx(x, f=f):
            with mpmath.workdps(30):
                return np.array([float(v) for v in f.grad(mpmath.matrix(list(x)))])

        rng = np.random.default_rng(j)
        for _ in range(5):
            x, y = rng.normal(size=3), rng.normal(size=3)
            h = 1e-6
            fd = np.array([(fx(x + h * e) - fx(x - h * e)) / (2 * h) for e in np.eye(3)])
            assert np.allclose(fd, gx(x), atol=1e-7)  # O(h²) + round-off/h ≈ 1e-9
            with mpmath.workdps(30):
                H = np.array(f.hess(mpmath.matrix(list(x))).tolist(), dtype=float)
            fdH = np.array([(gx(x + h * e) - gx(x - h * e)) / (2 * h) for e in np.eye(3)])
            assert np.allclose(fdH, H, atol=1e-6)
            assert np.linalg.norm(gx(x) - gx(y)) <= beta * np.linalg.norm(x - y) + 1e-12
            assert fx(x) >= 0  # its minimum is 0, at m


def test_flow_matches_an_ode_solver_and_gd_matches_a_loop():
    rng = random.Random(3)
    with mpmath.workdps(30):
        f, _ = KINDS["quadratic"].make(Draw(rng, 3, 0, {}, {}))
        A = KINDS["spd"].make(Draw(rng, 3, 0, {"min": 1, "max": 2}, {}))[0]
        w0 = mpmath.matrix([1, -2, 0.5])
        flow, _ = KINDS["flow"].make(Draw(rng, 3, 0, {"f": f, "A": A, "start": w0}, {}))
        gd, _ = KINDS["gd"].make(Draw(rng, 3, 0, {"f": f, "A": A, "eta": mpmath.mpf(0.1),
                                                  "start": w0}, {}))
        P, m, An = (np.array(M.tolist(), dtype=float) for M in (f.P, f.m, A))
        m = m.ravel()
        ref = solve_ivp(lambda s, w: -An @ (P @ (w - m)), (0, 1.5), [1, -2, 0.5],
                        rtol=1e-12, atol=1e-12)
        mine = np.array([float(v) for v in flow(mpmath.mpf(1.5))])
        assert np.allclose(mine, ref.y[:, -1], atol=1e-9)  # the ODE solver's tolerance
        w = np.array([1, -2, 0.5])
        for _ in range(7):
            w = w - 0.1 * An @ (P @ (w - m))
        assert np.allclose([float(v) for v in gd(mpmath.mpf(7))], w, atol=1e-12)
    with pytest.raises(EvaluationError, match="iterates w\\(0\\), w\\(1\\)"):
        gd(mpmath.mpf(0.5))


def test_spd_and_orthogonal_instances():
    with mpmath.workdps(30):
        S = KINDS["spd"].make(Draw(random.Random(0), 4, 0, {"min": 1, "max": 2}, {}))[0]
        Q = KINDS["orthogonal"].make(Draw(random.Random(1), 4, 0, {}, {}))[0]
    lam = np.linalg.eigvalsh(np.array(S.tolist(), dtype=float))
    assert lam.min() >= 1 - 1e-12 and lam.max() <= 2 + 1e-12
    q = np.array(Q.tolist(), dtype=float)
    assert np.allclose(q.T @ q, np.eye(4), atol=1e-14)


def test_rule_table_holds():
    assert rules.self_test() == ()
    assert {"cauchy-schwarz", "rayleigh", "beta-smoothness", "triangle",
            "integral-monotonicity"} <= set(rules.RULES)


def test_sympy_equalities():
    sym = SymbolTable({"a": "positive", "b": "positive", "k": "integer"}, {})
    assert prove_equal(sym.build(read_math("(a/b - 1)/(a/b + 1)")),
                       sym.build(read_math("(a - b)/(a + b)"))) is not None
    # cos(2πk) = 1 needs k to be an integer symbol
    assert prove_equal(sym.build(read_math("deriv(sin(s**2)/s, s, sqrt(2*pi*k))")),
                       sym.build(read_math("2"))) is not None
    assert prove_equal(sym.build(read_math("(a - 1)/(a + 1)")), sym.build(read_math("a"))) is None
    assert sym.build(read_math("norm(a)")) is None  # not scalar SymPy: checked numerically


def proof_with(lhs: str, rhs: str, rel: str = "=", rule: str | None = None):
    step = {"lhs": lhs, "rel": rel, "rhs": rhs}
    if rule:
        step["rule"] = rule
    return parse({"proof": {"id": "h", "title": "t", "source": "s", "statement": "x",
                            "objects": {"x": "scalar", "u": "vector"}, "step": [step]}})


@settings(max_examples=25, deadline=None)
@given(st.integers(-9, 9), st.integers(-9, 9), st.integers(1, 5))
def test_polynomial_identities_proved_and_perturbations_rejected(a, b, bump):
    expanded = f"x**2 + ({a + b})*x + ({a * b})"
    assert check(proof_with(f"(x + {a})*(x + {b})", expanded)).passed
    wrong = f"x**2 + ({a + b})*x + ({a * b + bump})"
    assert not check(proof_with(f"(x + {a})*(x + {b})", wrong)).passed


@settings(max_examples=15, deadline=None)
@given(st.integers(-5, 5).filter(lambda c: c not in (-1, 0, 1)))
def test_vector_identities_numeric_path(c):
    # ‖c u‖² = c² uᵀu for every u; the exponent 1 instead of 2 is wrong unless c² = c
    assert check(proof_with(f"norm({c}*u)**2", f"({c})**2 * u.T @ u")).passed
    assert not check(proof_with(f"norm({c}*u)**2", f"({c}) * u.T @ u")).passed
    # the triangle inequality holds; reversed it fails when c < 0: |1 + c| < 1 + |c|
    assert check(proof_with(f"norm(u + {c}*u)", f"norm(u) + norm({c}*u)", "<=",
                            "triangle")).passed
    reverse = check(proof_with(f"norm(u + {c}*u)", f"norm(u) + norm({c}*u)", ">=",
                               "triangle"))
    assert reverse.passed == (c > 0)


# ---------------------------------------------------------------- the sheet task

def test_proof_task_renders_checked_steps_and_claims():
    ex = course_exercises(("q3-1-closed-form",))["q3-1-closed-form"]
    out = runner.run(ex, Context(figures=False))
    assert out.passed
    raw = "\n".join(b.latex for b in out.blocks if type(b).__name__ == "RawLatex")
    assert r"\begin{align*}" in raw and r"\tag*{(15)~" in raw and r"\ding{51}" in raw
    assert any(type(b).__name__ == "Boxed" for b in out.blocks)
    names = [c.name for c in out.checks]
    assert "step 3: >= (nonnegativity)" in names and "goal 1 established" in names
    assert [c.holds for c in out.claims] == [True, True]
    texts = " ".join(b.text for b in out.blocks if type(b).__name__ == "Text")
    assert "stated, not machine-checked" in texts


def test_proof_task_reports_a_missing_file():
    ex = course_exercises(("q3-1-closed-form",))["q3-1-closed-form"]
    ex.fields = {"proof": "proofs/nope.toml"}
    out = runner.run(ex, Context(figures=False))
    assert not out.passed
    assert "field 'proof'" in out.checks[0].detail


def test_prose_renders_without_unknown_characters():
    # the sheet's escaper turns characters pdflatex cannot typeset into '?'
    def strings(x):
        if isinstance(x, str):
            yield x
        elif isinstance(x, dict):
            for v in x.values():
                yield from strings(v)
        elif isinstance(x, list):
            for v in x:
                yield from strings(v)

    texts = []
    for path in PROOFS.glob("*.toml"):
        texts += list(strings(tomllib.loads(path.read_text(encoding="utf-8"))))
    texts += list(strings([t for t in course_exercise_tables() if t["task"] == "proof"]))
    texts += [k.description for k in KINDS.values()]
    texts += [r.title + r.statement for r in rules.RULES.values()]
    for text in texts:
        assert escape(text).count("?") == text.count("?"), text
