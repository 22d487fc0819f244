"""The LaTeX answer reader: notation, equality with the text parser, refusals, round trips.

Expected expressions are written by hand in the safe parser's text syntax and
built by :func:`workbench.core.parse.parse` (an independent front end), so each
case checks that both readers agree exactly.
"""

from __future__ import annotations

import random

import mpmath
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.core.errors import ParseError
from workbench.core.functions import sigmoid
from workbench.core.latex import latex_to_matrix_text, read_answer, read_latex, tokenize
from workbench.core.parse import parse
from workbench.core.printing import to_latex
from workbench.matrix_calculus.parse import parse_matrix

SCALAR = [
    (r"2xy", "2*x*y"),
    (r"x\sin x", "x*sin(x)"),
    (r"2(x+1)", "2*(x + 1)"),
    (r"\frac{\partial}{} ", None),
    (r"e^{x}", "exp(x)"),
    (r"e^x y", "exp(x)*y"),
    (r"\exp\left(-x^2\right)", "exp(-x**2)"),
    (r"\ln(1 + e^{x})", "log(1 + exp(x))"),
    (r"\log_{2} x", "log(x, 2)"),
    (r"\sqrt{x^2 + y^2}", "sqrt(x**2 + y**2)"),
    (r"\sqrt[3]{x}", "cbrt(x)"),
    (r"\sin^2 x + \cos^{2}x", "sin(x)**2 + cos(x)**2"),
    (r"\tan x \tanh y", "tan(x)*tanh(y)"),
    (r"\sigma(x)(1 - \sigma(x))", "sigmoid(x)*(1 - sigmoid(x))"),
    (r"x \cdot y \times 3", "3*x*y"),
    (r"\frac{1}{2} x^{-1}", "1/(2*x)"),
    (r"\frac12 x", "x/2"),
    (r"x_1 x_{2}^3", "x1*x2**3"),
    (r"\alpha^2 \beta", "alpha**2*beta"),
    (r"\pi r^2", "pi*r**2"),
    (r"1.5 - x + xy", "1.5 - x + x*y"),
    (r"\left| x - y \right|", "abs(x - y)"),
    (r"x^23", "3*x**2"),  # LaTeX takes one character after ^
    (r"\max(x, y)", "max(x, y)"),
    (r"\mathrm{e}^{2x}", "exp(2*x)"),
    (r"\frac{x}{y}\,\cos 2x \sin y", "x/y*cos(2*x)*sin(y)"),
]


@pytest.mark.parametrize("tex,text", [c for c in SCALAR if c[1] is not None])
def test_scalar_reads_as_the_text_parser_builds(tex, text):
    names = sorted({s.name for s in parse(text).free_symbols})
    assert read_latex(tex, names) == parse(text, names)


def test_subscripts_match_declared_names_and_symbols_are_real():
    got = read_latex(r"x_1 + x_2", ["x1", "x2"])
    assert got == parse("x1 + x2", ["x1", "x2"])
    assert all(s.is_real for s in got.free_symbols)
    assert read_latex("x_1") == sp.Symbol("x_1", real=True)


@pytest.mark.parametrize("tex,component", [
    (r"\frac{\partial f}{\partial x} = 2xy", "x"),
    (r"\frac{\partial y}{\partial x_2} = 3e^3 \approx 60.25", "x2"),
    (r"\dfrac{\partial f}{\partial \theta} = 2\theta", "theta"),
])
def test_a_partial_label_names_the_component(tex, component):
    ans = read_answer(tex, ["x", "y", "x2", "theta"])
    assert ans.component == component and not ans.gradient and len(ans.values) == 1


def test_a_chain_is_read_at_its_last_side_and_approx_kept():
    ans = read_answer(r"\frac{\partial y}{\partial x_2} = \bar{v}_2 \cdot 3 = 3e^3 \approx 60.25",
                      ["x1", "x2", "x3"])
    assert ans.values == [3 * sp.E**3]
    assert ans.approx == sp.Rational("60.25")


@pytest.mark.parametrize("env", ["pmatrix", "bmatrix"])
def test_a_gradient_vector_is_one_value_per_row(env):
    tex = rf"\nabla f = \begin{{{env}}} 2xy \\ x^2 + 3y^2 \end{{{env}}}"
    ans = read_answer(tex, ["x", "y"])
    assert ans.gradient
    assert ans.values == [parse("2*x*y", ["x", "y"]), parse("x**2 + 3*y**2", ["x", "y"])]
    row = read_answer(rf"\begin{{{env}}} 2xy & x^2 \end{{{env}}}", ["x", "y"])
    assert row.values == ans.values[:1] + [parse("x**2", ["x", "y"])]


MATRIX = [
    (r"X^{-T}", "inv(X).T"),
    (r"X^{-1}", "inv(X)"),
    (r"A^\top(Ax-b)", "A.T @ (A @ x - b)"),
    (r"A^T A", "A.T @ A"),
    (r"\operatorname{tr}(AXB)", "trace(A @ X @ B)"),
    (r"\mathrm{tr}(X^\top X)", "trace(X.T @ X)"),
    (r"\det(X)\, X^{-T}", "det(X) * inv(X).T"),
    (r"\|x\|_2^2", "norm(x)**2"),
    (r"\frac{1}{2}\left\|Ax - b\right\|^2", "norm(A @ x - b)**2 / 2"),
    (r"\langle x, y \rangle", "inner(x, y)"),
    (r"\mathbf{1}^\top \exp(x)", "sum(exp(x))"),
    (r"\mathbf{x}^\top A \mathbf{x}", "x.T @ A @ x"),
    (r"(A + A^\top)x", "(A + A.T) @ x"),
    (r"2Ax", "2 * A @ x"),
    (r"\log\det X", "log(det(X))"),
]


@pytest.mark.parametrize("tex,text", MATRIX)
def test_matrix_answers_become_the_matrix_parsers_text(tex, text):
    got = parse_matrix(latex_to_matrix_text(tex))
    want = parse_matrix(text)
    assert got.value == want.value


@pytest.mark.parametrize("tex,token,column", [
    (r"\input{/etc/passwd}", r"\input", 1),
    (r"x + \def\y{1}", r"\def", 5),
    (r"\catcode`\^=7", r"\catcode", 1),
    (r"x\immediate\write18{rm -rf /}", r"\immediate", 2),
    (r"2 + \foo x", r"\foo", 5),
    (r"x $ y", "$", 3),
    (r"x + )", ")", 5),
    (r"\frac{1}{0}", r"\frac{1}{0}", 1),
    (r"9^{9^{9^9}}", "^", 5),
    (r"\begin{vmatrix} x \end{vmatrix}", r"\begin", 1),
])
def test_refusals_name_the_token_and_column(tex, token, column):
    with pytest.raises(ParseError) as err:
        read_latex(tex)
    assert err.value.token == token and err.value.column == column


def test_hostile_sizes_are_refused_before_any_work():
    with pytest.raises(ParseError, match="too long"):
        read_latex("x+" * 50_000 + "x")
    with pytest.raises(ParseError, match="nesting deeper") as err:
        read_latex("{" * 200 + "x" + "}" * 200)
    assert err.value.column == 151
    with pytest.raises(ParseError, match="nesting deeper"):
        read_latex(r"\sqrt{" * 200 + "x" + "}" * 200)
    # the hostile check applies to every side of a chain, not only the one read
    with pytest.raises(ParseError, match="refused"):
        read_answer(r"y = \input{x} = 2")


def test_undeclared_names_and_unread_middle_sides():
    with pytest.raises(ParseError, match="undeclared variable z"):
        read_latex("x + z", ["x"])
    with pytest.raises(ParseError, match="unknown LaTeX command") as err:
        read_answer(r"y = \dot{v} + 1")
    assert err.value.column == 5


def test_tokens_carry_columns():
    toks = tokenize(r"2x\cdot y")
    assert [(t.kind, t.column) for t in toks[:4]] == [
        ("num", 1), ("letter", 2), ("cmd", 3), ("letter", 9)]


# -- round trips ---------------------------------------------------------------------------------

X, Y = sp.symbols("x y", real=True)
_atoms = st.sampled_from([X, Y, sp.Integer(2), sp.Integer(3), sp.Rational(1, 2), sp.pi])
_unary = [sp.exp, sp.sin, sp.cos, sp.tanh, sigmoid,
          lambda a: sp.log(1 + a**2), lambda a: sp.sqrt(1 + a**2)]


def _combine(children):
    return st.one_of(
        st.tuples(children, children).map(lambda p: p[0] + p[1]),
        st.tuples(children, children).map(lambda p: p[0] - p[1]),
        st.tuples(children, children).map(lambda p: p[0] * p[1]),
        st.tuples(children, children).map(lambda p: p[0] / (2 + p[1] ** 2)),
        st.tuples(children, st.integers(2, 4)).map(lambda p: p[0] ** p[1]),
        st.tuples(st.sampled_from(_unary), children).map(lambda p: p[0](p[1])),
    )


expressions = st.recursive(_atoms, _combine, max_leaves=8)


def _same(a: sp.Expr, b: sp.Expr) -> bool:
    """Equal at 8 random points in 50 digits (simplify can time out on nested sigmoids)."""
    if a == b:
        return True
    rng = random.Random(7)
    with mpmath.workdps(50):
        for _ in range(8):
            at = {X: sp.Float(rng.uniform(-2, 2), 50), Y: sp.Float(rng.uniform(-2, 2), 50)}
            va, vb = sp.N(a.xreplace(at), 50), sp.N(b.xreplace(at), 50)
            if abs(va - vb) > sp.Float("1e-40") * max(1, abs(vb)):
                return False
    return True


@settings(max_examples=60, deadline=None)
@given(expressions)
def test_to_latex_then_read_latex_gives_the_same_expression(expr):
    # Equality: structural where SymPy's printer keeps the structure, otherwise
    # 50-digit agreement at 8 random points (a printed 2^{-1} x comes back as x/2).
    back = read_latex(to_latex(expr), ["x", "y"])
    assert _same(back, expr), (to_latex(expr), back, expr)


_PIECES = [r"\frac", r"\sqrt", "{", "}", "(", ")", "^", "_", "x", "y", "2", "1.5", "+", "-",
           r"\cdot", r"\sin", r"\ln", "e", r"\left(", r"\right)", "|", r"\|", r"\pi", r"\alpha",
           r"\begin{pmatrix}", r"\end{pmatrix}", "&", r"\\", "=", r"\top", "[", "]", ",",
           r"\partial", r"\nabla", r"\operatorname{tr}", r"\mathbf{1}", r"\langle", r"\rangle",
           r"\input", "'", "$", r"\approx", r"\text{a}", "T", "-1", r"\sigma"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=25))
def test_any_token_soup_is_read_or_refused_with_a_parse_error(pieces):
    text = " ".join(pieces)
    for reader in (read_latex, read_answer, latex_to_matrix_text):
        try:
            out = reader(text)
        except ParseError as exc:
            assert str(exc)  # a message, never another exception type
            continue
        assert out is not None


@pytest.mark.parametrize("opening, closing", [
    ("(", ")"), (r"\sqrt{", "}"), ("e^{", "}"), (r"\frac{1}{", "}"), (r"\left|", r"\right|")])
def test_nesting_just_under_the_limit_is_read_or_refused_never_a_crash(opening, closing):
    text = opening * 149 + "x" + closing * 149
    for reader in (read_latex, read_answer, latex_to_matrix_text):
        try:
            reader(text)
        except ParseError as exc:
            assert "too complex" in str(exc) or "absolute value" in str(exc)
