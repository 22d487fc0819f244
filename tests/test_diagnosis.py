"""Mistake diagnosis: hand-made cases, a generated class of answers, and the CLI.

The generator below injects one known mistake into a known gradient (computed by
``sympy.diff``, independently of the diagnosis module) and builds correct
answers in other but equal forms; every answer travels through LaTeX
(``to_latex`` then ``read_latex``) as a student's would.  Each reported mistake
is re-checked here at 30 random points in 60 digits with SymPy's own ``evalf``
(not the module's compiled evaluation): the corrected claim must equal the truth.
"""

from __future__ import annotations

import random
from collections import Counter

import pytest
import sympy as sp

from workbench.certification.diagnosis import Mistake, diagnose
from workbench.core.functions import sigmoid
from workbench.core.latex import read_latex
from workbench.core.printing import to_latex

X, Y = sp.symbols("x y", real=True)
NAMES = ["x", "y"]


def _equal_at_random_points(a: sp.Expr, b: sp.Expr, n: int = 30) -> bool:
    """a = b at n random points to 1e-40 (60-digit evalf); a certificate independent of
    the diagnosis module's compiled mpmath evaluation."""
    rng = random.Random(3)
    for _ in range(n):
        at = {X: sp.Float(rng.uniform(-2, 2), 60), Y: sp.Float(rng.uniform(-2, 2), 60)}
        va, vb = sp.N(a.xreplace(at), 60), sp.N(b.xreplace(at), 60)
        if not (va.is_real and vb.is_real):
            continue
        if abs(va - vb) > sp.Float("1e-40", 60) * max(1, abs(vb)):
            return False
    return True


def _assert_certified(m: Mistake, truth: list[sp.Expr]) -> None:
    assert m.method in ("symbolic", "numeric")
    assert _equal_at_random_points(m.corrected, truth[NAMES.index(m.component)])


# -- hand-made cases: the expected kind decided by hand ------------------------------------------

CASES = [
    ("x**2*y + y**3", ["2*x*y", "x**2 + 3*y**3"], "y", "exponent slip"),
    ("x**2*y", ["x**2", "2*x*y"], "x", "components swapped"),
    ("x**2*y", ["-2*x*y", "x**2"], "x", "sign flipped"),
    ("x**2*y + sin(y)", ["2*x*y", "x**2 - cos(y)"], "y", "sign flipped"),
    ("x*sin(x) + y", ["sin(x)", "1"], "x", "product rule half applied"),
    ("sin(x**2) + y", ["cos(x**2)", "1"], "x", "chain rule factor missing"),
    ("x**3 + y", ["x**2", "1"], "x", "constant factor"),
    ("x**2 + x*y", ["2*x", "x"], "x", "term dropped"),
    ("x**2 + x*y", ["2*x + y + y**2", "x"], "x", "term added"),
    ("x**2 + x*y**2", ["2*x + x**2", "2*x*y"], "x", "index slip"),
]


@pytest.mark.parametrize("f, claimed, component, kind", CASES)
def test_each_kind_is_named_and_certified(f, claimed, component, kind):
    d = diagnose(f, claimed, NAMES)
    assert d.verdict == "incorrect"
    assert (component, kind) in [(m.component, m.kind) for m in d.mistakes]
    assert {m.kind for m in d.mistakes} == {kind}
    truth = [sp.diff(sp.sympify(f, locals={"x": X, "y": Y}), v) for v in (X, Y)]
    for m in d.mistakes:
        _assert_certified(m, truth)


def test_a_correct_claim_has_no_diagnosis():
    d = diagnose("x**2*y", ["2*x*y", "x**2"], NAMES)
    assert d.verdict == "correct" and d.mistakes == [] and d.to_dict()["diagnosis"] == []


def test_an_unexplained_claim_keeps_its_counterexample_and_names_nothing():
    d = diagnose("x**2*y", ["exp(x)", "x**2"], NAMES)
    assert d.verdict == "incorrect" and d.mistakes == []
    assert d.to_dict()["counterexample"] is not None


def test_two_mistakes_in_different_terms_are_both_named():
    # the submitted HW1 Beale gradient (hw1.toml): dy misses the inner factor x in its
    # first term and writes y**2 for y**3 in its last term
    f = "(1.5 - x + x*y)**2 + (2.25 - x + x*y**2)**2 + (2.625 - x + x*y**3)**2"
    claimed = ["2*(y-1)*(1.5 - x + x*y) + 2*(y**2 - 1)*(2.25 - x + x*y**2) "
               "+ 2*(y**2 - 1)*(2.625 - x + x*y**2)",
               "2*(1.5 - x + x*y) + 4*x*y*(2.25 - x + x*y**2) + 6*x*y**2*(2.625 - x + x*y**2)"]
    d = diagnose(f, claimed, NAMES)
    kinds = sorted((m.component, m.kind) for m in d.mistakes)
    assert kinds == [("x", "exponent slip"), ("y", "chain rule factor missing"),
                     ("y", "exponent slip")]


# -- the generated class ------------------------------------------------------------------------

#: Known functions of x and y (one per line of a course's exercise sheet, roughly).
FUNCTIONS = [
    X**2 * Y + Y**3,
    X * sp.sin(X * Y) + sp.exp(2 * X),
    sp.log(1 + X**2) + X * Y**2,
    (X - 2 * Y) ** 3 + sp.cos(X * Y),
    sp.exp(X * Y) + X**3,
    sp.sqrt(1 + X**2 + Y**2) + X * Y,
    sigmoid(X * Y) + Y**2,
    X**2 * sp.exp(X * Y) + sp.sin(X) * sp.cos(Y),
    (sp.Rational(3, 2) - X + X * Y) ** 2 + (sp.Rational(9, 4) - X + X * Y**2) ** 2,
    sp.tanh(X + Y**2) + X * Y,
    Y * sp.exp(X * Y) + X * sp.cos(Y),
    sp.sin(X) * sp.exp(X + Y) + Y**2,
]


def _terms(e):
    return list(sp.Add.make_args(e))


def _inject(kind: str, f: sp.Expr, i: int, rng: random.Random) -> list[sp.Expr] | None:
    """The gradient of f with one mistake of ``kind`` in component i (None if it has none)."""
    xs = [X, Y]
    x, other = xs[i], xs[1 - i]
    truth = [sp.diff(f, v) for v in xs]
    t = truth[i]
    terms = _terms(t)
    T = rng.choice(terms)
    wrong = None
    if kind == "sign flipped":
        wrong = t - 2 * T
    elif kind == "constant factor":
        wrong = rng.choice([2, sp.Rational(1, 2), 3]) * t
    elif kind == "term dropped" and len(terms) > 1:
        wrong = t - T
    elif kind == "term added":
        extra = [a for a in _terms(f) if a.has(x)]
        wrong = t + rng.choice(extra)
    elif kind == "components swapped":
        return [truth[1], truth[0]]
    elif kind == "exponent slip":
        pows = [(S, P) for S in terms for P in sp.preorder_traversal(S)
                if P.is_Pow and P.exp.is_Integer and P.exp >= 2 and P.base.has(X, Y)]
        if pows:
            S, P = rng.choice(pows)
            wrong = t - S + S.xreplace({P: P.base ** (P.exp + 1)})
    elif kind == "index slip":
        with_x = [S for S in terms if S.has(x)]
        if with_x:
            S = rng.choice(with_x)
            wrong = t - S + S.xreplace({x: other})
    elif kind == "chain rule factor missing":
        inner = [a for F in sp.preorder_traversal(f)
                 if isinstance(F, sp.Function | sp.Pow)
                 for a in (F.args[:1] if isinstance(F, sp.Function) else (F.base,))
                 if a.has(x) and a != x and not a.is_Symbol]
        if inner:
            u = rng.choice(inner)
            U = sp.Symbol("U", real=True)
            g = f.xreplace({u: U})
            if not g.has(U):
                return None
            # d/dx with u' taken as 1: the explicit x-derivative plus dg/dU alone
            wrong = (sp.diff(g, x) + sp.diff(g, U)).xreplace({U: u})
    elif kind == "product rule half applied":
        products = [M for M in _terms(f) if M.is_Mul and sum(a.has(x) for a in M.args) == 2]
        if products:
            M = rng.choice(products)
            u = next(a for a in M.args if a.has(x))
            v = M / u
            wrong = t - u * sp.diff(v, x)
    if wrong is None or sp.simplify(wrong - t) == 0:
        return None
    out = list(truth)
    out[i] = wrong
    return out


KINDS = ["sign flipped", "constant factor", "term dropped", "term added", "components swapped",
         "exponent slip", "index slip", "chain rule factor missing", "product rule half applied"]


def _equivalent_forms(t: sp.Expr) -> list[sp.Expr]:
    forms = [sp.expand(t), sp.factor(t), t.rewrite(sp.exp), sp.together(t)]
    return [e for e in forms if e.is_real is not False]


def generated_class(seed: int = 20):
    """(function, claimed gradient, injected kind or None, component) for the whole class."""
    rng = random.Random(seed)
    out = []
    for f in FUNCTIONS:
        for kind in KINDS:
            for i in rng.sample([0, 1], 2):  # the other component when one has no such term
                claimed = _inject(kind, f, i, rng)
                if claimed is not None:
                    out.append((f, claimed, kind, NAMES[i]))
                    break
        truth = [sp.diff(f, v) for v in (X, Y)]
        form = rng.choice(_equivalent_forms(truth[0]))
        out.append((f, [form, truth[1]], None, None))
    return out


def _as_student_writes(e: sp.Expr) -> sp.Expr:
    return read_latex(to_latex(e), NAMES)


@pytest.mark.slow
def test_generated_class_diagnosed_by_kind():
    named, wrong, missed = 0, 0, []
    for f, claimed, kind, component in generated_class():
        truth = [sp.diff(f, v) for v in (X, Y)]
        d = diagnose(f, [_as_student_writes(c) for c in claimed], NAMES)
        for m in d.mistakes:  # never a mistake that is not certified
            _assert_certified(m, truth)
        if kind is None:  # never calls a correct answer wrong
            assert d.verdict == "correct" and d.mistakes == [], (f, claimed)
            continue
        assert d.verdict == "incorrect"
        wrong += 1
        if kind in [m.kind for m in d.mistakes if m.component == component or
                    kind == "components swapped"]:
            named += 1
        else:
            missed.append((f, kind, [(m.component, m.kind) for m in d.mistakes]))
    # the few not named by their injected kind have another certified explanation
    # (a dropped term that is half a product rule; an added exp(2x) next to 2exp(2x))
    assert wrong >= 80
    assert named >= 0.9 * wrong, missed


def test_generated_class_is_varied():
    kinds = Counter(kind for *_, kind, _ in generated_class())
    assert set(KINDS) <= set(kinds) and kinds[None] == len(FUNCTIONS)


# -- the command line ---------------------------------------------------------------------------

def test_check_claimed_latex_components_and_diagnosis_json(cli_json):
    code, d, _ = cli_json("check", "x**2*y + sin(y)", "--claimed-latex",
                          r"\frac{\partial f}{\partial y} = x^2 - \cos y",
                          "--claimed-latex", r"\frac{\partial f}{\partial x} = 2xy")
    assert code == 1 and d["wrong_components"] == [1]
    assert d["diagnosis"] == [{"component": "y", "kind": "sign flipped",
                               "detail": "the term -cos(y) should be cos(y)",
                               "certified": True, "method": "symbolic"}]


def test_check_claimed_latex_gradient_vector(cli_json):
    code, d, _ = cli_json("check", "x**2*y", "--claimed-latex",
                          r"\nabla f = \begin{pmatrix} 2xy \\ x^{2} \end{pmatrix}")
    assert code == 0 and d["verdict"] == "correct" and d["diagnosis"] == []


def test_check_text_claims_get_a_diagnosis_too(cli_json):
    code, d, _ = cli_json("check", "x**2*y", "--claimed", "x**2", "--claimed", "2*x*y")
    assert code == 1
    assert [(m["component"], m["kind"]) for m in d["diagnosis"]] == [
        ("x", "components swapped"), ("y", "components swapped")]


@pytest.mark.parametrize("argv, needle", [
    (["--claimed-latex", r"\input{/etc/passwd}"], "TeX primitive refused"),
    (["--claimed-latex", r"\frac{\partial f}{\partial z} = 1"], "not one of the variables"),
    (["--claimed-latex", "2xy +"], "at the end"),
    (["--claimed", "2*x*y", "--claimed-latex", "x^2"], "not both"),
])
def test_check_claimed_latex_bad_input_exit_2(cli, argv, needle):
    code, _, err = cli("check", "x**2*y", *argv)
    assert code == 2 and needle in err and len(err.strip().splitlines()) == 1


# -- matrix answers ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def derivations():
    from workbench.certification.matrix import solve

    return {text: solve(text, wrt).derivation for text, wrt in [
        ("log(det(X))", "X"), ("norm(A @ x - b)**2/2", "x"), ("trace(A @ X @ B)", "X")]}


@pytest.mark.slow
@pytest.mark.parametrize("f, claimed, kind", [
    ("log(det(X))", r"X^{-1}", "transposed"),          # the textbook slip: X^{-1} for X^{-T}
    ("log(det(X))", r"X^{-T}", None),
    ("log(det(X))", r"-X^{-T}", "sign flipped"),
    ("norm(A @ x - b)**2/2", r"A^\top(Ax-b)", None),
    ("norm(A @ x - b)**2/2", r"2A^\top(Ax - b)", "constant factor"),
    ("norm(A @ x - b)**2/2", r"(Ax-b)^\top A", "transposed"),   # a row for a column
    ("norm(A @ x - b)**2/2", r"A(Ax-b)", "none certified"),
    ("trace(A @ X @ B)", r"BA", "transposed"),
    ("trace(A @ X @ B)", r"A^\top B^\top", None),
])
def test_matrix_answers_in_latex_diagnosed(derivations, f, claimed, kind):
    from workbench.certification.diagnosis import diagnose_matrix
    from workbench.core.latex import latex_to_matrix_text

    d = diagnose_matrix(derivations[f], latex_to_matrix_text(claimed))
    assert d.correct == (kind is None)
    assert [m.kind for m in d.mistakes] == ([] if kind in (None, "none certified") else [kind])
