"""Values on a solution sheet are typeset: the printers, the inline-math whitelist, the layout."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from workbench.core.errors import InputError
from workbench.core.printing import (
    break_lines,
    inline_math,
    latex_number,
    latex_partial,
    latex_point,
    latex_vector,
    latex_width,
    matrix_rows,
    split_terms,
)
from workbench.core.texmath import COMMANDS, math_problem, prose_problem, segments
from workbench.sheets.build import build
from workbench.sheets.latex import SheetPrinter, escape
from workbench.tasks import loader
from workbench.tasks.model import Code, Steps, Table

x, y = sp.symbols("x y", real=True)


# -- value printers: expected strings written by hand ------------------------------------------

@pytest.mark.parametrize("value, expected", [
    (0.19837475069223798, "0.198375"),
    (30.0, "30"),
    (-2.5e-12, r"-2.5 \times 10^{-12}"),
    (1e20, r"1 \times 10^{20}"),
    (sp.Rational(-3, 2), r"- \frac{3}{2}"),
    (sp.Integer(7), "7"),
    (sp.sqrt(2), r"\sqrt{2}"),
    (float("inf"), r"\infty"),
])
def test_latex_number(value, expected):
    assert latex_number(value) == expected


def test_latex_number_digits():
    assert latex_number(3.14159265358979, 3) == "3.14"


def test_vectors_are_tuples_never_python_lists():
    import numpy as np

    assert latex_vector(["0", "0"]) == r"\left(0, 0\right)"
    assert latex_vector(np.array([30.0])) == r"\left(30\right)"
    assert latex_vector([sp.Rational(1, 2), x**2]) == r"\left(\frac{1}{2}, x^{2}\right)"
    assert latex_vector(sp.Matrix([1, 2])) == r"\left(1, 2\right)"


def test_points_name_their_coordinates():
    assert latex_point(["x", "y"], [0.19837475069223798, sp.Integer(1)]) == \
        r"\left(x, y\right) = \left(0.198375, 1\right)"
    assert latex_point(["x1"], [2.0]) == "x_{1} = 2"


def test_components_are_named_partials():
    assert latex_partial("x2") == r"\frac{\partial f}{\partial x_{2}}"
    assert inline_math(x**2) == "$x^{2}$"


def test_wide_matrix_is_shown_entry_by_entry_and_narrow_one_whole():
    beale = (sp.Rational(3, 2) - x + x * y)**2 + (sp.Rational(9, 4) - x + x * y**2)**2 \
        + (sp.Rational(21, 8) - x + x * y**3)**2
    H = sp.hessian(beale, (x, y))
    rows = matrix_rows(r"\nabla^2 f", H)
    assert [lhs for lhs, _ in rows] == [r"\left(\nabla^2 f\right)_{11}",
                                        r"\left(\nabla^2 f\right)_{12}",
                                        r"\left(\nabla^2 f\right)_{22}"]
    assert rows[1][1] == sp.latex(H[0, 1])
    assert matrix_rows("H", sp.Matrix([[2, 0], [0, 2]])) == \
        [("H", r"\left[\begin{matrix}2 & 0\\0 & 2\end{matrix}\right]")]


def test_long_sums_break_at_top_level_operators_only():
    assert split_terms(r"a + \left(b + c\right) - \frac{d + e}{2}") == \
        ["a", r"+ \left(b + c\right)", r"- \frac{d + e}{2}"]
    lines = break_lines(" + ".join(f"x_{{{i}}}^{{2}}" for i in range(40)), width=30)
    assert len(lines) > 1 and all(latex_width(ln) <= 30 for ln in lines)
    assert all(ln.startswith("+ ") for ln in lines[1:])


# -- block printers -----------------------------------------------------------------------------

def test_steps_one_equation_per_row_and_long_rows_continue_aligned():
    printer = SheetPrinter()
    assert printer.print_Steps(Steps([("a", "b", ""), ("", "c", "why")])) == (
        "\\begin{align*}\na &= b \\\\\n &= c && \\text{why}\n\\end{align*}\n")
    long = " + ".join(f"x_{{{i}}}" for i in range(60))
    out = printer.print_Steps(Steps([("f", long, "")]))
    body = out.split("\n")[1:-2]
    assert body[0].startswith("f &= x_{0} + ")
    assert all(line.startswith(r"&\quad {}+ ") for line in body[1:])


def test_long_note_gets_its_own_row():
    out = SheetPrinter().print_Steps(Steps([("a", "b", "x" * 40)]))
    assert out == ("\\begin{align*}\na &= b \\\\\n&\\quad \\text{\\small (" + "x" * 40 +
                   ")}\n\\end{align*}\n")


def test_claim_with_a_wide_formula_displays_it():
    from workbench.tasks.model import Claim

    wide = " + ".join(f"x_{{{i}}}^{{2}}" for i in range(30))
    out = SheetPrinter().print_claims([Claim(f"claimed $f = {wide}$ and $g$", False, "50%")])
    assert "\\begin{dmath*}\nf = " + wide + "\n\\end{dmath*}" in out
    assert " and $g$" in out and "50\\%" in out


def test_code_is_a_listing_not_prose():
    out = SheetPrinter().print_Code(Code("grad = 2*(U @ V - A) @ V.T", caption="In NumPy:"))
    assert out == ("\\noindent{\\small In NumPy:}\n\\begin{lstlisting}[language=Python]\n"
                   "grad = 2*(U @ V - A) @ V.T\n\\end{lstlisting}\n")
    hostile = SheetPrinter().print_Code(Code("x\n\\end{lstlisting}\n\\input{x}"))
    assert hostile.count("\\end{lstlisting}") == 1


def test_tables_stay_with_their_exercise_and_wide_ones_are_split():
    printer = SheetPrinter()
    small = printer.print_Table(Table(["a", "b"], [["1", "2"]]))
    assert small.startswith("\\begin{table}[H]")
    wide = printer.print_Table(Table([f"c{i}" for i in range(9)], [[str(i) for i in range(9)]],
                                     "cap", (0, 7)))
    assert wide.count("\\begin{tabularx}") == 2
    assert wide.count("\\caption*{cap}") == 1
    first, second = wide.split("\\end{table}")[:2]
    assert "\\textbf{c0}" in first and "\\textbf{c0}" in second  # the key column repeats
    assert "$7$" in second  # the math column stays math after the split


# -- inline math in prose -----------------------------------------------------------------------

@pytest.mark.parametrize("math", [
    r"\nabla f(x) = 0", r"\frac{1}{2}\|A - x x^\top\|_F^2", r"U^\top H = \Lambda U^\top",
    r"\sum_{i} (1 - \eta\lambda_i)^{2t}", r"\langle x, x \rangle", r"\mathbb{R}^d",
    r"\lim_{x \to 0} \frac{1}{x} = \infty", r"\operatorname{tr}(X)", r"x_{i}^{(0)}",
    r"\left( \frac{a}{b} \right)", r"\text{for all } x \in \mathbb{R}",
])
def test_whitelisted_math_passes(math):
    assert math_problem(math) is None
    assert escape(f"so ${math}$.") == f"so ${math}$."


@pytest.mark.parametrize("math, token", [
    (r"\input{/etc/passwd}", r"\input"), (r"\def\x{1}", r"\def"), (r"a \\ b", "\\\\"),
    ("x^2^3", "double superscript"), ("x_1_2", "double subscript"), ("x^^41", "^ needs"),
    ("{x", "unbalanced {"), ("x}", "unbalanced }"), (r"\left( x", r"\left without \right"),
    ("50%", "%"), ("a & b", "&"), (r"\text{a^b}", r"\text needs"), (r"\frac", r"\frac needs"),
    ("x" * 500, "500 characters"), ("λ", "λ"),
])
def test_unsafe_math_is_named_and_escaped(math, token):
    assert token in math_problem(math)
    assert "$" + math + "$" not in escape(f"${math}$")


def test_segments_and_dollars():
    assert segments(r"costs \$5 and $x$") == [("text", "costs $5 and "), ("math", "x")]
    assert segments("a $ b") == [("text", "a $ b")]
    assert prose_problem("$$x$$").startswith("$$")


#: Commands the text escaper itself writes outside inline math.
_ESCAPER_COMMANDS = {"textbackslash", "textasciitilde", "textasciicircum", "textless",
                     "textgreater", "textbar", "ding", "ldots", "approx", "nabla", "le", "ge",
                     "to", "times", "cdot", "infty", "lambda", "eta", "kappa", "beta",
                     "varepsilon", "sigma", "pi", "partial", "|", "top", "surd", "alpha", "mu",
                     "theta", "Delta", "delta", "gamma", "rho", "frac", "cdots", "neq", "pm",
                     "sum", "prod", "odot", "otimes", "mathbb", "forall", "Rightarrow", "int",
                     "circ", "ll", "gg", "propto", "Sigma", "in", "langle", "rangle", "%", "&",
                     "$", "#", "_", "{", "}"}


_PIECES = st.sampled_from(list("ab x^_{}()[]+-=<>,.|'/*$\\%&#~\n") +
                          ["\\frac", "\\input", "\\sum", "\\left(", "\\right)", "\\nabla",
                           "\\text{", "\\def", "λ", "∇", "$$"])


@given(st.lists(_PIECES, max_size=40).map("".join))
def test_any_text_escapes_to_balanced_latex_with_known_commands(text):
    out = escape(text, paragraphs=True)
    tokens = re.findall(r"\\([A-Za-z]+|.)|([{}$])", out, re.S)
    depth, dollars = 0, 0
    for command, char in tokens:
        if command:
            assert command in COMMANDS or command in _ESCAPER_COMMANDS, (text, out, command)
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            assert depth >= 0, (text, out)
        else:
            dollars += 1
    assert depth == 0 and dollars % 2 == 0, (text, out)
    for kind, part in segments(out):
        if kind == "math":
            assert math_problem(part) is None, (text, out, part)


# -- refusal at load time -------------------------------------------------------------------------

SHEET = '''
[sheet]
title = "T"
[[exercise]]
id = "a"
title = "Gradient of $f$"
task = "derive"
expr = "(1.5 - x + x*y)**2 + (2.25 - x + x*y**2)**2 + (2.625 - x + x*y**3)**2"
wrt = ["x", "y"]
hessian = true
statement = "Find $\\\\nabla f$ and $\\\\frac{\\\\partial^2 f}{\\\\partial x \\\\partial y}$."
claimed = { gradient = ["2*x*y", "x**2"], mixed = "2*x" }
'''


def test_statement_with_unknown_command_is_refused_naming_file_exercise_field_token(tmp_path):
    p = tmp_path / "ex.toml"
    p.write_text(SHEET.replace("\\\\nabla f", "\\\\input{x}"))
    with pytest.raises(InputError) as err:
        loader.load(p)
    message = str(err.value)
    assert "ex.toml" in message and "exercise 'a'" in message
    assert "field 'statement'" in message and "\\input" in message


def test_cli_refuses_unsafe_title_with_exit_2_and_writes_nothing(tmp_path, cli):
    p = tmp_path / "ex.toml"
    p.write_text(SHEET.replace("Gradient of $f$", "Gradient of $f^^41$"))
    code, _, err = cli("sheet", str(p), "-o", str(tmp_path / "out"))
    assert code == 2
    assert "field 'title'" in err and "inline math" in err
    assert not (tmp_path / "out" / "ex.tex").exists()


def test_derive_sheet_prints_no_python_syntax(tmp_path: Path):
    p = tmp_path / "ex.toml"
    p.write_text(SHEET)
    result = build(p, tmp_path / "out", progress=False)
    tex = result.tex.read_text()
    assert "**" not in tex and "['" not in tex and "{'" not in tex
    assert r"$\nabla f$" in tex  # the statement's inline math is kept
    assert r"\frac{\partial f}{\partial x}" in tex  # components named, 1-based
    assert r"\left(\nabla^2 f\right)_{11}" in tex  # the wide Hessian entry by entry
