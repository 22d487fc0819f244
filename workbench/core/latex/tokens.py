r"""The tokens of a LaTeX answer, and the tables of what the reader accepts.

The tokenizer cuts the text into numbers, single letters (``xy`` is x·y, as in
print), whitelisted commands (:data:`GREEK`, :data:`FUNCTION_COMMANDS`,
:data:`OPERATOR_NAMES`, :data:`STRUCTURE`, :data:`SILENT`) and symbols.  TeX
primitives that act on a TeX run (:data:`HOSTILE`: ``\input``, ``\def``,
``\write18``) are refused by name, other unknown commands with their column.

>>> [t.value for t in tokenize(r"2x\cdot e^{y}")]
['2', 'x', 'cdot', 'e', '^', '{', 'y', '}', '']
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import ParseError
from ..parse import check_size

#: TeX primitives that act on a TeX run (files, definitions, shell escape): refused by name.
HOSTILE = frozenset({
    "input", "include", "def", "edef", "gdef", "xdef", "let", "catcode", "write", "write18",
    "immediate", "openout", "openin", "read", "csname", "expandafter", "newcommand",
    "renewcommand", "providecommand", "usepackage", "special", "directlua", "jobname",
    "loop", "repeat", "futurelet", "uppercase", "lowercase", "scantokens", "endinput",
})

#: Greek letters read as variables (named in Latin letters, ``\lambda`` -> ``lambda``).
GREEK = frozenset([
    "alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta",
    "vartheta", "iota", "kappa", "lambda", "mu", "nu", "xi", "rho", "varrho", "sigma", "tau",
    "upsilon", "phi", "varphi", "chi", "psi", "omega", "Gamma", "Delta", "Theta", "Lambda",
    "Xi", "Sigma", "Phi", "Psi", "Omega"])

#: Function commands -> the safe parser's function name.
FUNCTION_COMMANDS = {
    "sin": "sin", "cos": "cos", "tan": "tan", "sinh": "sinh", "cosh": "cosh", "tanh": "tanh",
    "arcsin": "asin", "arccos": "acos", "arctan": "atan", "exp": "exp", "ln": "log",
    "log": "log", "max": "max", "min": "min", "det": "det", "tr": "trace",
}

#: ``\operatorname{...}`` / ``\mathrm{...}`` names -> function name.
OPERATOR_NAMES = {
    "tr": "trace", "trace": "trace", "Tr": "trace", "det": "det", "sigmoid": "sigmoid",
    "softplus": "softplus", "relu": "relu", "ReLU": "relu", "diag": "diag", "logdet": "logdet",
    "softmax": "softmax", "logsumexp": "logsumexp", "sign": "sign", "sgn": "sign",
    "exp": "exp", "log": "log", "ln": "log", "tanh": "tanh", "inv": "inv",
}

#: Commands that only space or size: dropped by the tokenizer.
SILENT = frozenset({",", ";", ":", "!", " ", "quad", "qquad", "left", "right", "big", "Big",
                    "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "biggl", "biggr",
                    "displaystyle", "textstyle", "limits"})

#: Every other command the grammar knows.
STRUCTURE = frozenset({
    "frac", "dfrac", "tfrac", "sqrt", "begin", "end", "cdot", "times", "top", "intercal",
    "partial", "nabla", "mathbf", "boldsymbol", "bm", "operatorname", "mathrm", "text",
    "textrm", "mathsf", "langle", "rangle", "|", "\\", "{", "}", "pi", "approx", "sigma",
    "vert", "lVert", "rVert", "Vert", "lvert", "rvert", "cdotp", "ast",
})

ENVIRONMENTS = frozenset({"pmatrix", "bmatrix", "matrix", "vmatrix", "Bmatrix"})

_TOKEN = re.compile(r"\\([A-Za-z]+|.)|(\d+(?:\.\d+)?|\.\d+)|([A-Za-z])|(\s+)|(.)", re.S)


@dataclass(frozen=True)
class Token:
    kind: str  # cmd | num | letter | sym | end
    value: str
    column: int  # 1-based


@dataclass
class Node:
    """One node of the answer's tree: ``kind`` with its ``args``, found at ``column``."""

    kind: str
    args: list = field(default_factory=list)
    column: int = 0


def syntax_error(message: str, tok: Token | None, text: str) -> ParseError:
    if tok is None or tok.kind == "end":
        return ParseError(f"{message} at the end of", token=text[-20:], text=text)
    shown = "\\" + tok.value if tok.kind in ("cmd", "unknown") else tok.value
    return ParseError(message, token=shown, column=tok.column, text=text)


def _prescan(text: str) -> None:
    """Length and nesting depth, checked before the recursive grammar runs."""
    if not isinstance(text, str):
        raise ParseError(f"expected a string, got {type(text).__name__}")
    check_size(text, "answer", "({[", ")}]")


def tokenize(text: str, strict: bool = True) -> list[Token]:
    r"""Tokens of ``text``; unknown and hostile commands refused with their column.

    With ``strict=False`` an unknown (not hostile) command becomes an
    ``unknown`` token, refused only if the grammar reaches it: the middle of a
    chain ``a = \dot{v}_5 = b`` is not read.

    >>> [t.value for t in tokenize(r"2xy\,\cdot\sin x")]
    ['2', 'x', 'y', 'cdot', 'sin', 'x', '']
    """
    _prescan(text)
    out: list[Token] = []
    for m in _TOKEN.finditer(text):
        col = m.start() + 1
        cmd, num, letter, space, sym = m.groups()
        if space is not None:
            continue
        if cmd is not None:
            if cmd in HOSTILE:
                raise ParseError("TeX primitive refused (answers are read, never run):",
                                 token="\\" + cmd, column=col, text=text)
            if cmd in SILENT:
                continue
            if not (cmd in STRUCTURE or cmd in GREEK or cmd in FUNCTION_COMMANDS
                    or cmd in ("sigma", "min", "max")):
                if not strict:
                    out.append(Token("unknown", cmd, col))
                    continue
                raise ParseError("unknown LaTeX command:", token="\\" + cmd, column=col,
                                 text=text)
            out.append(Token("cmd", cmd, col))
        elif num is not None:
            out.append(Token("num", num, col))
        elif letter is not None:
            out.append(Token("letter", letter, col))
        else:
            if sym not in "+-*/^_(){}[]=&|,'.<>":
                raise ParseError("unexpected character", token=sym, column=col, text=text)
            out.append(Token("sym", sym, col))
    out.append(Token("end", "", len(text) + 1))
    return out
