"""Printers: SymPy expressions as text that parses back, and as LaTeX.

Output formats are printers, not string surgery.  :class:`TextPrinter` differs
from SymPy's ``StrPrinter`` only where the safe parser spells a function
differently (``abs`` for ``Abs``, ``max`` for ``Max``), so that
``parse(to_text(e)) == e`` for every expression the parser can build.

>>> import sympy as sp
>>> x = sp.Symbol("x", real=True)
>>> to_text(sp.Abs(x) + sp.Rational(3, 2))
'abs(x) + 3/2'
"""

from __future__ import annotations

import re

import sympy as sp
from sympy.printing.latex import LatexPrinter
from sympy.printing.str import StrPrinter


class TextPrinter(StrPrinter):
    """Plain text in the safe parser's own vocabulary."""

    def _print_Abs(self, expr):
        return f"abs({self._print(expr.args[0])})"

    def _print_Max(self, expr):
        return self._nested("max", expr.args)

    def _print_Min(self, expr):
        return self._nested("min", expr.args)

    def _print_Exp1(self, expr):
        return "E"

    def _print_Mul(self, expr):
        # StrPrinter writes (1/2)/(x + y) as 1/(2*(x + y)), which parses back
        # as 1/(2*x + 2*y): SymPy distributes a number over a sum.  Keep the
        # fraction in front when the denominator holds a sum.
        coeff, rest = expr.as_coeff_Mul()
        if coeff.is_Rational and coeff.q != 1 and any(
                f.is_Pow and f.exp.is_negative and f.base.is_Add for f in sp.Mul.make_args(rest)):
            return f"{self._print(coeff)}*({self._print(rest)})"
        return super()._print_Mul(expr)

    def _nested(self, name: str, args) -> str:
        # the parser's max/min take two arguments; SymPy's take any number
        head, *rest = args
        if not rest:
            return self._print(head)
        return f"{name}({self._print(head)}, {self._nested(name, rest)})"


class TexPrinter(LatexPrinter):
    """LaTeX with the machine-learning names of :mod:`workbench.functions`."""

    def __init__(self, settings=None):
        super().__init__({"mul_symbol": None, "ln_notation": True, **(settings or {})})


def to_text(expr: sp.Basic) -> str:
    """Text for ``expr`` that :func:`~.parse.parse` reads back to the same expression."""
    return TextPrinter().doprint(expr)


def to_latex(expr: sp.Basic, **settings) -> str:
    """LaTeX for ``expr`` (σ for sigmoid, ln for the natural log)."""
    return TexPrinter(settings).doprint(expr)


# -- values on a typeset page -------------------------------------------------------------------

def latex_number(x, digits: int = 6) -> str:
    r"""A number as LaTeX: exact SymPy numbers exactly, floats to ``digits`` significant digits.

    Powers of ten are written ``\times 10^{k}``, never ``e-07``.

    >>> latex_number(0.19837475069223798), latex_number(sp.Rational(3, 2)), latex_number(30.0)
    ('0.198375', '\\frac{3}{2}', '30')
    >>> latex_number(1.5e-9), latex_number(float("nan"))
    ('1.5 \\times 10^{-9}', '\\mathrm{NaN}')
    """
    if isinstance(x, sp.Basic) and not isinstance(x, sp.Float):
        return to_latex(x)
    try:
        v = float(x)
    except (TypeError, ValueError):
        return to_latex(sp.sympify(x)) if isinstance(x, sp.Basic) else str(x)
    if v != v:
        return r"\mathrm{NaN}"
    if v in (float("inf"), float("-inf")):
        return r"\infty" if v > 0 else r"-\infty"
    text = f"{v:.{digits}g}"
    if "e" in text:
        mant, exp = text.split("e")
        return f"{mant} \\times 10^{{{int(exp)}}}"
    return text


def latex_value(x, digits: int = 6) -> str:
    """Any value a task computes: a number, an exact expression, or a sequence as a tuple."""
    if isinstance(x, sp.MatrixBase):
        return latex_vector(list(x)) if 1 in x.shape else to_latex(x)
    if isinstance(x, (list, tuple)) or type(x).__name__ == "ndarray":
        return latex_vector(list(x), digits)
    if isinstance(x, str):
        return x
    if isinstance(x, sp.Basic) and not x.is_Number:
        return to_latex(x)
    return latex_number(x, digits)


def latex_vector(values, digits: int = 6) -> str:
    r"""A vector as a tuple ``(v_1, …, v_n)`` (arrays and lists alike; 1×1 arrays too).

    >>> latex_vector([0, 0]), latex_vector([sp.Rational(1, 2), 0.25])
    ('\\left(0, 0\\right)', '\\left(\\frac{1}{2}, 0.25\\right)')
    """
    items = list(values) if isinstance(values, sp.MatrixBase) else \
        list(values.ravel()) if hasattr(values, "ravel") else list(values)
    return r"\left(" + ", ".join(latex_value(v, digits) for v in items) + r"\right)"


def latex_name(name: str) -> str:
    r"""A variable name as LaTeX (``x1`` is :math:`x_{1}`, ``lamda`` is λ)."""
    return to_latex(sp.Symbol(str(name)))


def latex_point(names, values, digits: int = 6) -> str:
    r"""A point as ``(x, y) = (0.198375, 1)``; one coordinate as ``x = …``.

    >>> latex_point(["x", "y"], [0.19837475069223798, 1])
    '\\left(x, y\\right) = \\left(0.198375, 1\\right)'
    >>> latex_point(["x1"], [sp.Integer(2)])
    'x_{1} = 2'
    """
    names, values = list(names), list(values)
    if len(names) == 1:
        return f"{latex_name(names[0])} = {latex_value(values[0], digits)}"
    return (r"\left(" + ", ".join(map(latex_name, names)) + r"\right) = "
            + latex_vector(values, digits))


def latex_partial(var: str, f: str = "f") -> str:
    r"""The component of a gradient named as a partial derivative.

    >>> latex_partial("y")
    '\\frac{\\partial f}{\\partial y}'
    """
    return rf"\frac{{\partial {f}}}{{\partial {latex_name(var)}}}"


# -- how wide a formula is, and where it may break ----------------------------------------------

#: Width of the text block in characters of math at 11 pt (A4, 2.2 cm margins: about 470 pt).
LINE_WIDTH = 62

_CMD = re.compile(r"\\([A-Za-z]+|.)")
_ZERO_WIDTH = {"left", "right", "frac", "dfrac", "begin", "end", "mathrm", "operatorname",
               "text", "mathbf", "mathbb", "displaystyle", ",", ";", "!", "limits", "sqrt"}


def latex_width(latex: str) -> float:
    r"""A rough width of typeset ``latex`` in characters: what decides a line break.

    Commands count as one glyph (``\alpha``) or their name (``\sin``); braces and
    sizing commands count nothing; a fraction counts its wider part; scripts count 0.7.

    >>> latex_width(r"x^{2} + \sin{\left(y \right)}"), latex_width(r"\frac{1}{2}")
    (9.7, 1.0)
    """
    return _width(latex, 0, len(latex))[0]


def _group(latex: str, i: int) -> int:
    """Index just past the brace group (or single token) starting at ``i``."""
    if i < len(latex) and latex[i] == "{":
        depth = 0
        for j in range(i, len(latex)):
            depth += {"{": 1, "}": -1}.get(latex[j], 0)
            if depth == 0:
                return j + 1
        return len(latex)
    m = _CMD.match(latex, i)
    return m.end() if m else i + 1


def _width(latex: str, i: int, end: int) -> tuple[float, int]:
    w = 0.0
    while i < end:
        c = latex[i]
        if c == "\\":
            m = _CMD.match(latex, i)
            name = m.group(1)
            i = m.end()
            if name in ("frac", "dfrac"):
                j = _group(latex, i)
                k = _group(latex, j)
                w += max(_width(latex, i, j)[0], _width(latex, j, k)[0])
                i = k
            elif name in ("begin", "end"):
                i = _group(latex, i)
            elif name == "\\":
                w += 0
            elif name not in _ZERO_WIDTH:
                w += 1 if len(name) <= 1 or name in _GREEK_NAMES else len(name)
        elif c in "^_":
            j = _group(latex, i + 1)
            w += 0.7 * _width(latex, i + 1, j)[0]
            i = j
        elif c in "{}" or c == " ":
            i += 1
        else:
            # a binary operator or relation is its glyph plus a medium space on each side
            w += 2 if c in "+-=<>" else 1
            i += 1
    return round(w, 2), i


_GREEK_NAMES = frozenset(
    [
        "alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta",
        "iota", "kappa", "lambda", "mu", "nu", "xi", "pi", "rho", "sigma", "tau", "upsilon",
        "phi", "varphi", "chi", "psi", "omega", "Gamma", "Delta", "Theta", "Lambda", "Xi",
        "Pi", "Sigma", "Phi", "Psi", "Omega", "nabla", "partial", "cdot", "times", "infty",
        "top", "le", "ge", "in", "to", "pm", "mp", "odot", "otimes"
    ])


def split_terms(latex: str) -> list[str]:
    r"""``latex`` cut before each top-level `` + `` and `` - `` (outside braces and \left…\right).

    >>> split_terms(r"x^{2} + \left(a + b\right) - \frac{1}{y + 1}")
    ['x^{2}', '+ \\left(a + b\\right)', '- \\frac{1}{y + 1}']
    >>> split_terms(r"\begin{cases} a + 1 & b \end{cases} + c")
    ['\\begin{cases} a + 1 & b \\end{cases}', '+ c']
    """
    parts, depth, start, i = [], 0, 0, 0
    while i < len(latex):
        for word, step in ((r"\begin", 1), (r"\end", -1)):  # an environment is one term
            if latex.startswith(word, i) and not latex[i + len(word):i + len(word) + 1].isalpha():
                depth, i = depth + step, i + len(word)
                break
        else:
            step = 0
        if step:
            continue
        if latex.startswith(r"\left", i) and not latex[i + 5:i + 6].isalpha():
            depth, i = depth + 1, i + 5
            continue
        if latex.startswith(r"\right", i) and not latex[i + 6:i + 7].isalpha():
            depth, i = depth - 1, i + 6
            continue
        c = latex[i]
        if c == "\\":
            i += 2
            continue
        depth += {"{": 1, "}": -1}.get(c, 0)
        if depth == 0 and latex.startswith((" + ", " - "), i) and i > start:
            parts.append(latex[start:i].strip())
            start = i + 1
        i += 1
    parts.append(latex[start:].strip())
    return [p for p in parts if p]


def break_lines(latex: str, width: float = LINE_WIDTH) -> list[str]:
    r"""``latex`` as lines no wider than ``width`` where it can break at a top-level ``+``/``-``.

    >>> break_lines("a + b + c", width=4)
    ['a + b', '+ c']
    """
    lines: list[str] = []
    for term in split_terms(latex):
        if lines and latex_width(lines[-1] + " " + term) <= width:
            lines[-1] += " " + term
        else:
            lines.append(term)
    return lines or [latex]


def matrix_rows(name: str, M: sp.MatrixBase, width: float = LINE_WIDTH) -> list[tuple[str, str]]:
    r"""``(lhs, rhs)`` rows showing ``name = M``: the whole matrix when it fits the line,
    else entry by entry, ``(name)_{ij} = …`` (1-based; the upper triangle of a symmetric one).

    >>> matrix_rows("H", sp.Matrix([[1, 2], [2, 3]]))
    [('H', '\\left[\\begin{matrix}1 & 2\\\\2 & 3\\end{matrix}\\right]')]
    >>> x = sp.Symbol("x")
    >>> [lhs for lhs, _ in matrix_rows("H", sp.Matrix([[x**9, 1], [1, 0]]), width=5)]
    ['H_{11}', 'H_{12}', 'H_{22}']
    """
    whole = to_latex(M)
    cells = [[to_latex(e) for e in M.row(i)] for i in range(M.rows)]
    row_width = max(sum(latex_width(c) + 2 for c in row) for row in cells)
    if row_width <= width:
        return [(name, whole)]
    symmetric = M.is_square and M == M.T
    base = name if not any(ch in name for ch in "^_ ") else rf"\left({name}\right)"
    return [(f"{base}_{{{i + 1}{j + 1}}}", cells[i][j])
            for i in range(M.rows) for j in range(M.cols) if not (symmetric and j < i)]


def inline_math(value, digits: int = 6) -> str:
    r"""``$…$`` for prose: a LaTeX string as it is, any other value through :func:`latex_value`.

    >>> inline_math(sp.Rational(1, 2)), inline_math(r"\nabla f")
    ('$\\frac{1}{2}$', '$\\nabla f$')
    """
    return "$" + (value if isinstance(value, str) else latex_value(value, digits)) + "$"
