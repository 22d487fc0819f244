"""The safe parser: exact values, located errors, hostile input, round trips."""

from __future__ import annotations

import cmath
import re
import time

import pytest
import sympy as sp
from hypothesis import example, given, settings
from hypothesis import strategies as st

from workbench.core.errors import ParseError
from workbench.core.functions import sigmoid, softplus
from workbench.core.parse import parse, parse_assignments
from workbench.core.printing import to_text

x, y = sp.symbols("x y", real=True)


def test_decimals_become_exact_rationals():
    assert parse("1.5*x") == sp.Rational(3, 2) * x
    assert parse("2.625") == sp.Rational(21, 8)
    assert parse("1e-3") == sp.Rational(1, 1000)
    assert parse("0.1") == sp.Rational(1, 10)  # not the binary float 0.1000000000000000055…


def test_functions_and_constants():
    assert parse("exp(x) + log(y) + sqrt(x)") == sp.exp(x) + sp.log(y) + sp.sqrt(x)
    assert parse("sigmoid(x) + softplus(y)") == sigmoid(x) + softplus(y)
    assert parse("sin(pi/2*(x - y))") == sp.sin(sp.pi / 2 * (x - y))
    assert parse("abs(x)") == sp.Abs(x)
    assert parse("log(8, 2)") == 3


def test_declared_variables():
    assert parse("x*y", ["x", "y"]) == x * y
    with pytest.raises(ParseError, match="undeclared variable") as err:
        parse("x*z", ["x", "y"])
    assert err.value.token == "z" and err.value.column == 3


@pytest.mark.parametrize("text, token, message", [
    ("__import__('os')", "__import__", "unknown function"),
    ("x.real", "x.real", "transpose"),
    ("foo(x)", "foo", "unknown function"),
    ("x & 2", "x & 2", "operator BitAnd not allowed"),
    ("x if y else 1", "", "not allowed"),
    ("[x, y]", "", "not allowed"),
    ("x < y", "x < y", "comparisons"),
    ("lambda: 1", "lambda: 1", "lambda"),
    ("exp(x, y)", "exp(x, y)", "takes 1"),
    ("1/0", "1/0", "division by zero"),
    ("'text'", "'text'", "real number"),
    ("1j*x", "1j", "real number"),
])
def test_refusals_name_token(text, token, message):
    with pytest.raises(ParseError, match=message) as err:
        parse(text)
    assert token in str(err.value)


def test_hostile_sizes_answer_fast():
    for text in ["9**9**9**9", "(" * 10_000 + "x" + ")" * 10_000, "-" * 100_000 + "x",
                 "x" + "+x" * 3000, "2**1000000", "x**(10**9)", "1" * 6000]:
        start = time.perf_counter()
        with pytest.raises(ParseError):
            parse(text)
        assert time.perf_counter() - start < 1.0, text


def test_assignments_exact():
    assert parse_assignments("x=3,y=0.5") == {"x": 3, "y": sp.Rational(1, 2)}
    assert parse_assignments("t=pi/2") == {"t": sp.pi / 2}
    with pytest.raises(ParseError, match="name=value"):
        parse_assignments("x3")
    with pytest.raises(ParseError, match="undeclared"):
        parse_assignments("x=y")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_random_text_never_executes(text):
    """Any string either parses to a SymPy expression or raises ParseError - nothing else."""
    try:
        result = parse(text)
    except ParseError:
        return
    assert isinstance(result, sp.Expr)


HOSTILE = st.sampled_from([
    "__import__", "os", "system", "eval", "exec", "open", "(", ")", ".", "__class__",
    "lambda", ":", ",", "[", "]", "{", "}", "'", '"', ";", "\n", "**", "*", "x", "9", "@",
    "getattr", "globals", "=", "==", " ", "-", "e", "1.5", "sin", "exp(", "T",
])


@settings(max_examples=300, deadline=None)
@given(st.lists(HOSTILE, max_size=25).map("".join))
def test_hostile_token_soup_only_parse_errors(text):
    try:
        result = parse(text)
    except ParseError:
        return
    assert isinstance(result, sp.Expr)


LEAVES = st.sampled_from(["x", "y", "2", "0.5", "3/7", "pi"])
UNARY = st.sampled_from(["exp", "log", "sin", "cos", "tanh", "sigmoid", "softplus", "sqrt",
                         "abs", "atan", "erf", "silu"])


def _exprs():
    return st.recursive(
        LEAVES,
        lambda inner: st.one_of(
            st.tuples(UNARY, inner).map(lambda t: f"{t[0]}({t[1]})"),
            st.tuples(inner, st.sampled_from(["+", "-", "*", "/"]), inner).map(
                lambda t: f"({t[0]} {t[1]} {t[2]})"),
            st.tuples(inner, st.sampled_from(["2", "3", "-1", "0.5"])).map(
                lambda t: f"({t[0]})**{t[1]}"),
        ),
        max_leaves=8,
    )


@settings(max_examples=150, deadline=None)
@given(_exprs())
@example("(0.5 / (x + y))")  # once printed as 1/(2*(x + y)), which reads back distributed
@example("(((3/7)**0.5)**3)**0.5")  # SymPy's own evaluation is not idempotent here ...
@example("(abs((x)**3))**0.5")  # ... nor here
def test_printed_text_parses_back(text):
    try:
        expr = parse(text)
    except ParseError:
        return  # e.g. a division that simplifies to 1/0
    back = parse(to_text(expr))
    if back != expr:
        # SymPy evaluates (((3/7)**(1/2))**3)**(1/2) to 21**(3/4)*sqrt(7)/49 and
        # sqrt(|x|³) to sqrt(|x|)*|x|, but those products, built afresh, to
        # 3**(3/4)*7**(1/4)/7 and |x|**(3/2): the text must still mean the same
        # function, and the rebuilt form must print and parse back exactly
        _assert_same_function(back, expr)
        assert parse(to_text(back)) == back


def _assert_same_function(a: sp.Expr, b: sp.Expr) -> None:
    """a = b at points of both signs, to 30 digits (a relative 1e-25 allows their rounding)."""
    for px, py in [(-2.3, 0.7), (0.4, -1.9), (3.1, 2.2), (-0.6, -0.45)]:
        point = {x: sp.Rational(str(px)), y: sp.Rational(str(py))}
        va, vb = (complex(sp.N(e.subs(point), 30)) for e in (a, b))
        if all(map(cmath.isfinite, (va, vb))):
            assert abs(va - vb) <= 1e-25 * max(1.0, abs(vb)), (a, b, point)
        else:
            assert cmath.isfinite(va) == cmath.isfinite(vb), (a, b, point)


def test_complex_constants_are_refused():
    with pytest.raises(ParseError, match="complex constant"):
        parse("(log(0.5))**0.5 + x")
    with pytest.raises(ParseError, match="complex constant"):
        parse("sqrt(-1)")


# ------------------------------------------------------------------ notation


@pytest.mark.parametrize("typed, meant", [
    ("x^2", x**2), ("x²", x**2), ("x³ + y¹⁰", x**3 + y**10), ("x⁻¹", 1 / x),
    ("(x + y)²", (x + y) ** 2), ("-x²", -(x**2)), ("x·y", x * y), ("x⋅y", x * y),
    ("x×y", x * y), ("x − y", x - y), ("π*x", sp.pi * x), ("2^3^2", sp.Integer(512)),
])
def test_notation_table(typed, meant):
    assert parse(typed) == meant


@pytest.mark.parametrize("text, char, code, column", [
    ("\u0445 + 1", "\u0445", "U+0445", 1),        # Cyrillic x
    ("x + \u0445", "\u0445", "U+0445", 5),
    ("\u03bf*x", "\u03bf", "U+03BF", 1),          # Greek omicron
    ("x\u00b2 + \u0430", "\u0430", "U+0430", 6),  # Cyrillic a after a superscript
    ("\u0410*x", "\u0410", "U+0410", 1),          # Cyrillic A
])
def test_lookalike_letters_are_refused_with_code_point(text, char, code, column):
    with pytest.raises(ParseError, match=re.escape(f"({code})")) as err:
        parse(text)
    assert err.value.token == char and err.value.column == column
    assert "looks like Latin" in str(err.value)


def test_greek_letters_that_are_names_stay_names():
    alpha, kappa = sp.symbols("α κ", real=True)
    assert parse("α*κ") == alpha * kappa


def test_errors_after_notation_point_at_what_was_typed():
    with pytest.raises(ParseError, match="unknown function") as err:
        parse("x² · π + foo(y)")
    assert err.value.token == "foo" and err.value.column == 10
    with pytest.raises(ParseError, match="division by zero") as err:
        parse("x·y + 1/0")
    assert err.value.token == "1/0" and err.value.column == 7


def _ascii_and_typeset(draw, depth: int = 0):
    """One random expression written twice: ASCII, and with notation chosen at random."""
    kind = draw(st.sampled_from(["leaf", "leaf", "op", "pow", "neg"] if depth < 3 else ["leaf"]))
    if kind == "leaf":
        leaf = draw(st.sampled_from(["x", "y", "2", "3", "pi"]))
        return leaf, ("π" if leaf == "pi" and draw(st.booleans()) else leaf)
    if kind == "neg":
        a, b = _ascii_and_typeset(draw, depth + 1)
        return f"-({a})", f"{draw(st.sampled_from(['-', '−']))}({b})"
    if kind == "pow":
        a, b = _ascii_and_typeset(draw, depth + 1)
        n = draw(st.integers(1, 12))
        sup = "".join("⁰¹²³⁴⁵⁶⁷⁸⁹"[int(d)] for d in str(n))
        typed = draw(st.sampled_from([f"({b})**{n}", f"({b})^{n}", f"({b}){sup}"]))
        return f"({a})**{n}", typed
    (a1, b1), (a2, b2) = _ascii_and_typeset(draw, depth + 1), _ascii_and_typeset(draw, depth + 1)
    op = draw(st.sampled_from(["+", "-", "*"]))
    typed_op = {"+": ["+"], "-": ["-", "−"], "*": ["*", "·", "⋅", "×"]}[op]
    return f"({a1}) {op} ({a2})", f"({b1}) {draw(st.sampled_from(typed_op))} ({b2})"


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_notation_forms_parse_like_ascii(data):
    ascii_text, typed = data.draw(st.composite(lambda draw: _ascii_and_typeset(draw))())
    assert parse(typed) == parse(ascii_text)
