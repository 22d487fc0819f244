r"""Reading answers written in LaTeX: a tokenizer and a recursive-descent grammar.

Students write answers the way a textbook prints them, ``\frac{\partial f}{\partial x}
= 2xy + e^{x}``, not in Python syntax.  This module reads that notation into the
same expressions the safe text parser builds, without ever handing the text to
``eval``, ``sympify`` or SymPy's own LaTeX parser:

1. a **tokenizer** cuts the text into numbers, single letters (``xy`` is x·y, as
   in print), whitelisted commands and symbols; any other command is refused,
   and TeX primitives that could act on a TeX run (``\input``, ``\def``,
   ``\catcode``, ``\write18``) are refused by name;
2. a **grammar** (one function per rule) builds a small tree of :class:`Node`;
   implicit multiplication binds like ``\cdot``::

       sum     := ['+'|'-'] product (('+'|'-') product)*
       product := power (('\cdot'|'\times'|'/'| juxtaposition) power)*
       power   := atom ['_' sub] ['^' exponent]
       atom    := number | letter | \greek | \pi | \frac{sum}{sum} | \sqrt[n]{sum}
                | \func [^k] argument | (sum) | |sum| | \|sum\| | \langle sum, sum\rangle
                | \begin{pmatrix} rows \end{pmatrix}

3. two **builders** walk that tree: :func:`read_latex` builds the scalar SymPy
   expression that :func:`workbench.core.parse.parse` builds from the equivalent
   text (the same real symbols, exact rationals, the same power limits), and
   :func:`latex_to_matrix_text` writes the text syntax of
   :mod:`workbench.matrix_calculus.parse` (``A^\top(Ax-b)`` becomes
   ``A.T @ (A @ x - b)``), which that parser then checks and builds.

Sizes are bounded like the text parser's: at most ``MAX_LENGTH`` characters and
``MAX_DEPTH`` levels of nesting, checked before any recursion.  Every refusal is
a :class:`~workbench.core.errors.ParseError` naming the token and its column.

>>> read_latex(r"2xy + e^{x}\sin x")
2*x*y + exp(x)*sin(x)
>>> read_answer(r"\frac{\partial f}{\partial x_1} = \frac{1}{2}\sqrt{x_1}", ["x1"]).component
'x1'
>>> latex_to_matrix_text(r"A^\top(Ax - b)")
'A.T @ (A @ x - b)'
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import sympy as sp

from .errors import ParseError
from .functions import sigmoid
from .parse import CONSTANTS, FUNCTIONS, check_power, check_size, symbols_for

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


def _error(message: str, tok: Token | None, text: str) -> ParseError:
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


class _Grammar:
    """Recursive descent over the tokens; one method per rule of the module's grammar."""

    def __init__(self, tokens: list[Token], text: str):
        self.toks = tokens
        self.i = 0
        self.text = text
        self.bars = 0  # open |...| groups: a '|' then closes instead of opening

    # -- token helpers ------------------------------------------------------------------
    def peek(self, k: int = 0) -> Token:
        return self.toks[min(self.i + k, len(self.toks) - 1)]

    def next(self) -> Token:
        tok = self.peek()
        self.i += 1
        return tok

    def is_(self, kind: str, value: str, k: int = 0) -> bool:
        tok = self.peek(k)
        return tok.kind == kind and tok.value == value

    def expect(self, kind: str, value: str) -> Token:
        if not self.is_(kind, value):
            want = "\\" + value if kind == "cmd" else value
            raise _error(f"expected {want!r}, found", self.peek(), self.text)
        return self.next()

    def fail(self, message: str, tok: Token | None = None) -> ParseError:
        return _error(message, tok or self.peek(), self.text)

    # -- rules --------------------------------------------------------------------------
    def sum(self) -> Node:
        col = self.peek().column
        terms = []
        sign = 1
        if self.is_("sym", "+") or self.is_("sym", "-"):
            sign = -1 if self.next().value == "-" else 1
        while True:
            term = self.product()
            terms.append(term if sign > 0 else Node("neg", [term], term.column))
            if self.is_("sym", "+") or self.is_("sym", "-"):
                sign = -1 if self.next().value == "-" else 1
                continue
            break
        return terms[0] if len(terms) == 1 else Node("add", terms, col)

    def product(self) -> Node:
        left = self.power()
        while True:
            tok = self.peek()
            if tok.kind == "cmd" and tok.value in ("cdot", "times", "ast", "cdotp") or \
                    self.is_("sym", "*"):
                self.next()
                left = Node("mul", [left, self.signed_power()], tok.column)
            elif self.is_("sym", "/"):
                self.next()
                left = Node("div", [left, self.signed_power()], tok.column)
            elif tok.value == "(" and self.is_("cmd", "text", 1):
                self.skip_remark()
            elif self.starts_atom(tok):
                left = Node("mul", [left, self.power()], tok.column)
            else:
                return left

    def skip_remark(self) -> None:
        """Drop ``(\text{condition number})`` after a value: words, not math."""
        start = self.next()
        self.next()
        self.word()
        if not self.is_("sym", ")"):
            raise self.fail("a remark in words must be alone in its parentheses:", start)
        self.next()

    def signed_power(self) -> Node:
        if self.is_("sym", "-"):
            tok = self.next()
            return Node("neg", [self.signed_power()], tok.column)
        return self.power()

    def starts_atom(self, tok: Token) -> bool:
        if tok.kind in ("num", "letter"):
            return True
        if tok.kind == "sym":
            return tok.value in "({[" or (tok.value == "|" and self.bars == 0)
        return tok.kind == "cmd" and tok.value not in (
            "cdot", "times", "ast", "cdotp", "end", "\\", "rangle", "approx", "top",
            "intercal", "}", "rVert", "rvert") and not (tok.value in ("|", "Vert", "vert")
                                                       and self.bars)

    def power(self) -> Node:
        base = self.atom()
        if self.is_("sym", "_"):
            self.next()
            base = self.subscripted(base)
        if self.is_("sym", "^"):
            tok = self.next()
            base = self.exponent(base, tok)
        if self.is_("sym", "'"):
            raise self.fail("primes are not read; write the derivative out:")
        return base

    def subscripted(self, base: Node) -> Node:
        sub = self.subscript_text()
        if base.kind == "name":
            return Node("name", [f"{base.args[0]}_{sub}"], base.column)
        if base.kind == "norm":
            return Node("norm", [base.args[0], sub], base.column)
        raise self.fail("a subscript needs a variable name before it:")

    def subscript_text(self) -> str:
        """``_1``, ``_{12}``, ``_{\\max}``, ``_{\\text{opt}}`` as a name suffix."""
        if not self.is_("sym", "{"):
            tok = self.next()
            if tok.kind == "num":
                return tok.value[0] + self._split_number(tok)
            if tok.kind in ("letter",) or tok.kind == "cmd" and tok.value in GREEK:
                return tok.value
            raise self.fail("unreadable subscript:", tok)
        self.next()
        parts = []
        while not self.is_("sym", "}"):
            tok = self.next()
            if tok.kind in ("num", "letter") or tok.kind == "cmd" and (
                    tok.value in GREEK or tok.value in ("max", "min")):
                parts.append(tok.value)
            elif tok.kind == "cmd" and tok.value in ("text", "mathrm", "textrm", "operatorname"):
                parts.append(self.word())
            elif tok.kind == "sym" and tok.value == ",":
                parts.append("_")
            else:
                raise self.fail("unreadable subscript:", tok)
        self.next()
        if not parts:
            raise self.fail("empty subscript before")
        return "".join(parts)

    def _split_number(self, tok: Token) -> str:
        """LaTeX takes one character after ``^`` or ``_``: put the rest back."""
        rest = tok.value[1:]
        if tok.value[0] == "." or rest.startswith("."):
            raise _error("a decimal here needs braces, e.g. ^{1.5}:", tok, self.text)
        if rest:
            self.i -= 1
            self.toks[self.i] = Token("num", rest, tok.column + 1)
        return ""

    def exponent(self, base: Node, caret: Token) -> Node:
        tok = self.peek()
        if tok.kind == "cmd" and tok.value in ("top", "intercal") or self.is_("letter", "T"):
            self.next()
            return Node("transpose", [base], caret.column)
        if self.is_("sym", "{") and (self.is_("cmd", "top", 1) or self.is_("letter", "T", 1) or
                                     self.is_("cmd", "intercal", 1)) and self.is_("sym", "}", 2):
            self.i += 3
            return Node("transpose", [base], caret.column)
        if self.is_("sym", "{") and self.is_("sym", "-", 1) and self.is_("sym", "}", 3) and (
                self.is_("letter", "T", 2) or self.is_("cmd", "top", 2)):
            self.i += 4
            return Node("inverse_transpose", [base], caret.column)
        if self.is_("sym", "{"):
            exp = self.group()
        elif tok.kind == "num":
            self.next()
            digit = tok.value[0]
            self._split_number(tok)
            exp = Node("num", [digit], tok.column)
        elif tok.kind in ("letter", "cmd"):
            exp = self.atom()
        else:
            raise self.fail("unreadable exponent:")
        return Node("pow", [base, exp], caret.column)

    def group(self) -> Node:
        self.expect("sym", "{")
        inner = self.sum()
        self.expect("sym", "}")
        return inner

    def argument(self) -> Node:
        """A command's argument: ``{...}`` or a single token (``\\frac12``)."""
        if self.is_("sym", "{"):
            return self.group()
        tok = self.next()
        if tok.kind == "num":
            digit = tok.value[0]
            self._split_number(tok)
            return Node("num", [digit], tok.column)
        if tok.kind == "letter":
            return Node("name", [tok.value], tok.column)
        raise self.fail("expected an argument in braces, found", tok)

    def word(self) -> str:
        """The letters of ``{...}`` after ``\\text``/``\\operatorname``."""
        self.expect("sym", "{")
        parts = []
        while not self.is_("sym", "}"):
            tok = self.next()
            if tok.kind == "end":
                raise self.fail("unclosed brace before", tok)
            if tok.kind in ("letter", "num"):
                parts.append(tok.value)
        self.next()
        return "".join(parts)

    def atom(self) -> Node:
        tok = self.peek()
        if tok.kind == "num":
            self.next()
            return Node("num", [tok.value], tok.column)
        if tok.kind == "letter":
            self.next()
            return Node("name", [tok.value], tok.column)
        if tok.kind == "sym":
            return self.bracketed(tok)
        if tok.kind == "cmd":
            return self.command(tok)
        if tok.kind == "unknown":
            raise self.fail("unknown LaTeX command:")
        raise self.fail("expected a number, variable or function, found")

    def bracketed(self, tok: Token) -> Node:
        closing = {"(": ")", "[": "]", "{": "}"}
        if tok.value in closing:
            self.next()
            saved, self.bars = self.bars, 0
            if self.is_("cmd", "text"):  # "(\text{condition number})": a remark, not math
                raise self.fail("a remark in words is not part of an answer:")
            inner = self.sum()
            if tok.value == "(" and self.is_("sym", ","):
                args = [inner]
                while self.is_("sym", ","):
                    self.next()
                    args.append(self.sum())
                self.expect("sym", ")")
                self.bars = saved
                return Node("tuple", args, tok.column)
            self.expect("sym", closing[tok.value])
            self.bars = saved
            return inner
        if tok.value == "|":
            self.next()
            self.bars += 1
            inner = self.sum()
            self.expect("sym", "|")
            self.bars -= 1
            return Node("abs", [inner], tok.column)
        raise self.fail("unexpected symbol")

    def command(self, tok: Token) -> Node:
        name = tok.value
        handler = getattr(self, "cmd_" + ("Vert" if name == "|" else name), None)
        if handler is not None:
            self.next()
            return handler(tok)
        if name in FUNCTION_COMMANDS:
            self.next()
            return self.function(FUNCTION_COMMANDS[name], tok)
        if name in GREEK:
            self.next()
            return Node("name", [name], tok.column)
        raise self.fail("unexpected")

    def function(self, fname: str, tok: Token) -> Node:
        base = None
        if fname == "log" and self.is_("sym", "_"):
            self.next()
            base = self.argument()
        power = None
        if self.is_("sym", "^"):  # \sin^2 x = (sin x)^2
            self.next()
            power = self.argument()
        if self.is_("sym", "("):
            arg = self.atom()
        elif self.is_("sym", "{"):
            arg = self.group()
        else:  # \sin 2x: implicit products up to the next operator or function
            arg = self.power()
            while self.starts_atom(self.peek()) and not (
                    self.peek().kind == "cmd" and (self.peek().value in FUNCTION_COMMANDS
                                                   or self.peek().value in ("frac", "sqrt"))):
                arg = Node("mul", [arg, self.power()], arg.column)
        args = arg.args if arg.kind == "tuple" else [arg]
        if base is not None:
            args = [*args, base]
        out = Node("call", [fname, args], tok.column)
        return out if power is None else Node("pow", [out, power], tok.column)

    # -- commands with their own syntax ---------------------------------------------------
    def cmd_frac(self, tok: Token) -> Node:
        num = self.argument()
        den = self.argument()
        return Node("div", [num, den], tok.column)

    cmd_dfrac = cmd_tfrac = cmd_frac

    def cmd_sqrt(self, tok: Token) -> Node:
        index = None
        if self.is_("sym", "["):
            self.next()
            index = self.sum()
            self.expect("sym", "]")
        arg = self.argument()
        return Node("root", [arg, index], tok.column)

    def cmd_pi(self, tok: Token) -> Node:
        return Node("pi", [], tok.column)

    def cmd_sigma(self, tok: Token) -> Node:
        if self.is_("sym", "("):  # sigma(z) is the logistic function; sigma alone a variable
            return self.function("sigmoid", tok)
        return Node("name", ["sigma"], tok.column)

    def cmd_operatorname(self, tok: Token) -> Node:
        word = self.word()
        if word not in OPERATOR_NAMES:
            raise self.fail(f"unknown operator name {word!r} (known: "
                            f"{', '.join(sorted(OPERATOR_NAMES))}) before", self.peek())
        return self.function(OPERATOR_NAMES[word], tok)

    def cmd_mathrm(self, tok: Token) -> Node:
        if self.is_("sym", "{") and self.is_("letter", "e", 1) and self.is_("sym", "}", 2):
            self.i += 3
            return Node("name", ["e"], tok.column)
        return self.cmd_operatorname(tok)

    def cmd_mathbf(self, tok: Token) -> Node:
        self.expect("sym", "{")
        inner = self.next()
        self.expect("sym", "}")
        if inner.kind == "num" and inner.value == "1":
            return Node("ones", [], tok.column)
        if inner.kind == "letter" or inner.kind == "cmd" and inner.value in GREEK:
            return Node("name", [inner.value], tok.column)
        raise self.fail("\\mathbf takes one letter (a vector) or 1 (the ones vector):", inner)

    cmd_boldsymbol = cmd_bm = cmd_mathsf = cmd_mathbf

    def cmd_text(self, tok: Token) -> Node:
        raise self.fail("words are not part of an answer:", tok)

    cmd_textrm = cmd_text

    def cmd_langle(self, tok: Token) -> Node:
        a = self.sum()
        self.expect("sym", ",")
        b = self.sum()
        self.expect("cmd", "rangle")
        return Node("inner", [a, b], tok.column)

    def _norm(self, tok: Token, closer: Sequence[tuple[str, str]]) -> Node:
        self.bars += 1
        inner = self.sum()
        self.bars -= 1
        if not any(self.is_(k, v) for k, v in closer):
            raise self.fail("expected \\| to close the norm, found")
        self.next()
        return Node("norm", [inner, None], tok.column)

    def cmd_Vert(self, tok: Token) -> Node:
        return self._norm(tok, [("cmd", "|"), ("cmd", "Vert"), ("cmd", "rVert")])

    cmd_lVert = cmd_Vert

    def cmd_vert(self, tok: Token) -> Node:
        self.bars += 1
        inner = self.sum()
        self.bars -= 1
        if not (self.is_("cmd", "vert") or self.is_("cmd", "rvert") or self.is_("sym", "|")):
            raise self.fail("expected | to close the absolute value, found")
        self.next()
        return Node("abs", [inner], tok.column)

    cmd_lvert = cmd_vert

    def cmd_begin(self, tok: Token) -> Node:
        env = self.word()
        if env not in ENVIRONMENTS:
            raise self.fail(f"unknown environment {env!r} (known: "
                            f"{', '.join(sorted(ENVIRONMENTS))}) at", tok)
        if env == "vmatrix":
            raise self.fail("determinant bars are not read; write \\det:", tok)
        rows = [[self.sum()]]
        while True:
            if self.is_("sym", "&"):
                self.next()
                rows[-1].append(self.sum())
            elif self.is_("cmd", "\\"):
                self.next()
                if self.is_("cmd", "end"):
                    continue
                rows.append([self.sum()])
            elif self.is_("cmd", "end"):
                self.next()
                if self.word() != env:
                    raise self.fail(f"\\begin{{{env}}} closed by another environment at", tok)
                break
            else:
                raise self.fail(f"expected &, \\\\ or \\end{{{env}}}, found")
        if len({len(r) for r in rows}) != 1:
            raise self.fail("matrix rows of different lengths in", tok)
        return Node("matrix", rows, tok.column)


def parse_tree(text: str) -> Node:
    """The tree of one expression (no ``=``); :class:`ParseError` with a column otherwise."""
    return _whole(_Grammar(tokenize(text), text))


def _whole(grammar: _Grammar) -> Node:
    """One sum that uses every token up to the end."""
    try:
        node = grammar.sum()
    except RecursionError:
        raise ParseError("answer too complex to read") from None
    if grammar.peek().kind != "end":
        raise grammar.fail("unexpected")
    return node


# -- scalar builder -------------------------------------------------------------------------

class _ScalarBuilder:
    """Builds the SymPy expression the safe text parser builds for the same math."""

    def __init__(self, text: str, variables: Iterable[str] | None):
        self.text = text
        self.symbols = symbols_for(variables) if variables is not None else None
        self.free: dict[str, sp.Symbol] = {}

    def fail(self, message: str, node: Node) -> ParseError:
        end = self.text.find(" ", node.column) if node.column else -1
        token = self.text[node.column - 1:end if end > 0 else node.column + 10]
        return ParseError(message, token=token.strip()[:40], column=node.column, text=self.text)

    def build(self, node: Node) -> sp.Expr:
        return getattr(self, "_" + node.kind)(node)

    def name(self, name: str, node: Node) -> sp.Expr:
        for candidate in (name, name.replace("_", "")):
            if self.symbols is not None and candidate in self.symbols:
                return self.symbols[candidate]
        if name in CONSTANTS:
            return CONSTANTS[name]
        if self.symbols is not None:
            declared = ", ".join(self.symbols) or "none"
            raise self.fail(f"undeclared variable {name} (declared: {declared}):", node)
        return self.free.setdefault(name, sp.Symbol(name, real=True))

    def _num(self, node: Node) -> sp.Expr:
        return sp.Rational(node.args[0])

    def _name(self, node: Node) -> sp.Expr:
        return self.name(node.args[0], node)

    def _pi(self, node: Node) -> sp.Expr:
        return sp.pi

    def _neg(self, node: Node) -> sp.Expr:
        return -self.build(node.args[0])

    def _add(self, node: Node) -> sp.Expr:
        return sp.Add(*(self.build(a) for a in node.args))

    def _mul(self, node: Node) -> sp.Expr:
        return self.build(node.args[0]) * self.build(node.args[1])

    def _div(self, node: Node) -> sp.Expr:
        num, den = self.build(node.args[0]), self.build(node.args[1])
        if den.is_zero:
            raise self.fail("division by zero:", node)
        return num / den

    def _pow(self, node: Node) -> sp.Expr:
        base, exp = self.build(node.args[0]), self.build(node.args[1])
        loc = _Where(node.column)
        check_power(base, exp, loc, self.text)
        if base.is_zero and exp.is_negative:
            raise self.fail("division by zero:", node)
        return base**exp

    def _root(self, node: Node) -> sp.Expr:
        arg = self.build(node.args[0])
        if node.args[1] is None:
            return sp.sqrt(arg)
        index = self.build(node.args[1])
        if not (index.is_Integer and 2 <= index <= 1000):
            raise self.fail("the index of a root must be an integer from 2 to 1000:", node)
        return arg ** sp.Rational(1, int(index))

    def _abs(self, node: Node) -> sp.Expr:
        return sp.Abs(self.build(node.args[0]))

    def _call(self, node: Node) -> sp.Expr:
        fname, args = node.args
        if fname not in FUNCTIONS:
            raise self.fail(f"{fname} is a matrix function; read the answer as a matrix one:",
                            node)
        builder, arities = FUNCTIONS[fname]
        if fname == "sigmoid":
            builder = sigmoid
        if len(args) not in arities:
            want = " or ".join(map(str, arities))
            raise self.fail(f"{fname} takes {want} argument(s), got {len(args)}:", node)
        return builder(*(self.build(a) for a in args))

    def _tuple(self, node: Node) -> sp.Expr:
        raise self.fail("a list of values where one value belongs:", node)

    def _refuse(self, node: Node) -> sp.Expr:
        raise self.fail(f"{node.kind.replace('_', ' ')} in a scalar answer "
                        "(read it as a matrix answer):", node)

    _transpose = _inverse_transpose = _norm = _inner = _ones = _matrix = _refuse


@dataclass(frozen=True)
class _Where:
    """A location in the shape :func:`workbench.core.parse.check_power` reports."""

    col_offset: int
    lineno: int = 1

    def __post_init__(self):
        object.__setattr__(self, "col_offset", max(self.col_offset - 1, 0))

    @property
    def end_col_offset(self) -> int:
        return self.col_offset + 1


def _finish(expr: sp.Expr, text: str) -> sp.Expr:
    if expr.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        raise ParseError("answer evaluates to an infinity or undefined value", text=text)
    if expr.has(sp.I):
        raise ParseError("answer has a complex constant; the workbench works over the reals",
                         text=text)
    return expr


def _bounded(walk, tree: Node):
    """Walk a tree; one too deep for Python's stack is refused, not a crash."""
    try:
        return walk(tree)
    except RecursionError:
        raise ParseError("answer too complex to read") from None


def _flat(text: str) -> str:
    return re.sub(r"\s", " ", text) if isinstance(text, str) else text


def read_latex(text: str, variables: Iterable[str] | None = None) -> sp.Expr:
    r"""A scalar LaTeX expression as the SymPy expression :func:`~.parse.parse` builds.

    ``variables`` declares the allowed names as in :func:`~.parse.parse`; a
    subscripted ``x_1`` matches a declared ``x1``.  ``e`` is Euler's number
    unless declared.

    >>> read_latex(r"\frac{1}{2}\sqrt[3]{x} + \ln\left(1 + e^{-y}\right)", ["x", "y"])
    x**(1/3)/2 + log(1 + exp(-y))
    """
    text = _flat(text)
    tree = parse_tree(text)
    if tree.kind == "matrix":
        raise ParseError("a vector where one value belongs (read it with read_answer)", text=text)
    return _finish(_bounded(_ScalarBuilder(text, variables).build, tree), text)


# -- answers: "label = expression" ------------------------------------------------------------

@dataclass
class LatexAnswer:
    """One answer: what its left side names, and its value(s).

    ``component`` is the variable of a ``\\frac{\\partial f}{\\partial x}`` label;
    ``gradient`` is true for ``\\nabla f = ...``; ``values`` holds one scalar
    expression, or one per component of a vector answer.
    """

    values: list[sp.Expr]
    component: str | None = None
    gradient: bool = False
    label: str = ""
    approx: sp.Expr | None = None


def _sides(tokens: list[Token]) -> list[tuple[str, list[Token]]]:
    """Split at top-level ``=`` and ``\\approx``: [(relation, tokens)]."""
    sides: list[tuple[str, list[Token]]] = [("", [])]
    depth = 0
    for tok in tokens[:-1]:
        if tok.kind == "sym" and tok.value in "({[" or tok.kind == "cmd" and tok.value == "begin":
            depth += 1
        elif tok.kind == "sym" and tok.value in ")}]" or tok.kind == "cmd" and tok.value == "end":
            depth -= 1
        if depth == 0 and (tok.kind == "sym" and tok.value == "=" or
                           tok.kind == "cmd" and tok.value == "approx"):
            sides.append(("=" if tok.value == "=" else "approx", []))
            continue
        sides[-1][1].append(tok)
    return sides


def _label(tokens: list[Token], text: str, variables) -> tuple[str | None, bool, str]:
    """(component, is_gradient, label text) of a left-hand side."""
    if not tokens:
        return None, False, ""
    start, end = tokens[0].column - 1, tokens[-1].column + len(tokens[-1].value)
    label = text[start:end].strip()
    vals = [(t.kind, t.value) for t in tokens]
    if vals[0] == ("cmd", "nabla"):
        return None, True, label
    partials = [i for i, v in enumerate(vals) if v == ("cmd", "partial")]
    if vals[0] in (("cmd", "frac"), ("cmd", "dfrac")) and len(partials) == 2:
        wrt = tokens[partials[1] + 1:]
        name = _label_name(wrt, text)
        if variables is not None and name not in variables and name.replace("_", "") in variables:
            name = name.replace("_", "")
        return name, False, label
    return None, False, label


def _label_name(tokens: list[Token], text: str) -> str:
    parts = []
    for t in tokens:
        if t.kind in ("letter", "num") or t.kind == "cmd" and t.value in GREEK:
            parts.append(t.value)
        elif t.kind == "sym" and t.value == "_":
            parts.append("_")
        elif t.kind == "sym" and t.value in "{}":
            continue
        else:
            break
    if not parts:
        raise ParseError("the left side names no variable:", text=text)
    return "".join(parts)


def read_answer(text: str, variables: Iterable[str] | None = None) -> LatexAnswer:
    r"""Read ``label = value`` (or a bare value): the label names the component.

    A chain ``a = b = c`` is read at its last side, the final answer; a trailing
    ``\approx v`` is kept as :attr:`LatexAnswer.approx`.  A ``pmatrix``/``bmatrix``
    value is a vector answer, one component per row (or column).

    >>> a = read_answer(r"\nabla f = \begin{pmatrix} 2xy \\ x^2 \end{pmatrix}")
    >>> a.gradient, a.values
    (True, [2*x*y, x**2])
    """
    text = _flat(text)
    variables = list(variables) if variables is not None else None
    tokens = tokenize(text, strict=False)
    sides = _sides(tokens)
    approx = None
    if len(sides) > 1 and sides[-1][0] == "approx":
        approx = _side_value(sides.pop()[1], text, variables)
    component, is_grad, label = None, False, ""
    for _, side in sides[:-1]:  # the first side that names a derivative labels the answer
        component, is_grad, label = _label(side, text, variables)
        if component is not None or is_grad:
            break
    last = sides[-1][1]
    if not last:
        raise ParseError("nothing after the last '='", text=text)
    tree = _side_tree(last, text)
    if tree.kind == "matrix":
        cells = [c for row in tree.args for c in row]
        if len(tree.args) > 1 and len(tree.args[0]) > 1:
            raise ParseError("a matrix where a vector (one row or one column) belongs",
                             text=text)
        builder = _ScalarBuilder(text, variables)
        values = [_finish(_bounded(builder.build, c), text) for c in cells]
        return LatexAnswer(values, component, True, label, approx)
    value = _finish(_bounded(_ScalarBuilder(text, variables).build, tree), text)
    return LatexAnswer([value], component, is_grad, label, approx)


def _side_tree(tokens: list[Token], text: str) -> Node:
    return _whole(_Grammar([*tokens, Token("end", "", len(text) + 1)], text))


def _side_value(tokens: list[Token], text: str, variables) -> sp.Expr | None:
    try:
        tree = _side_tree(tokens, text)
        return _finish(_bounded(_ScalarBuilder(text, variables).build, tree), text)
    except ParseError:
        return None  # an approximation is a remark; the exact side is the answer


# -- matrix text writer -------------------------------------------------------------------------

#: Function names the matrix-calculus parser knows (LaTeX name -> its name).
_MATRIX_FUNCS = {name: name for name in (
    "sum", "det", "trace", "log", "exp", "sqrt", "sigmoid", "softplus", "tanh", "diag",
    "logdet", "softmax", "logsumexp", "inv", "sinh", "cosh")}


class _MatrixWriter:
    r"""Writes :mod:`workbench.matrix_calculus.parse` text.

    Juxtaposition and ``\cdot`` are matrix products (``@``) unless a side is a
    number or a declared scalar (then ``*``); ``^{-1}`` on a matrix is ``inv``;
    ``\mathbf{1}^\top v`` is ``sum(v)``.
    """

    def __init__(self, text: str, scalars: set[str]):
        self.text = text
        self.scalars = scalars

    def fail(self, message: str, node: Node) -> ParseError:
        return ParseError(message, token=self.text[node.column - 1:node.column + 9],
                          column=node.column, text=self.text)

    def write(self, node: Node) -> str:
        return getattr(self, "_" + node.kind)(node)

    def scalar(self, node: Node) -> bool:
        if node.kind in ("num", "pi", "norm", "inner", "abs") or node.kind == "name" and (
                node.args[0] in self.scalars or node.args[0] == "e"):
            return True
        if node.kind == "call":
            return node.args[0] in ("det", "trace", "logdet", "logsumexp", "sum")
        if node.kind in ("mul", "div", "pow"):
            return all(self.scalar(a) for a in node.args[:2] if isinstance(a, Node)) \
                if node.kind != "pow" else self.scalar(node.args[0])
        if node.kind == "neg":
            return self.scalar(node.args[0])
        if node.kind == "add":
            return all(self.scalar(a) for a in node.args)
        return False

    def wrap(self, node: Node) -> str:
        out = self.write(node)
        return out if node.kind in ("num", "name", "call", "transpose", "pi", "norm", "inner",
                                    "abs") else f"({out})"

    def _num(self, node: Node) -> str:
        return node.args[0]

    def _name(self, node: Node) -> str:
        name = node.args[0]
        return "lamda" if name == "lambda" else name.replace("__", "_")

    def _pi(self, node: Node) -> str:
        return "pi"

    def _neg(self, node: Node) -> str:
        return f"-{self.wrap(node.args[0])}"

    def _add(self, node: Node) -> str:
        out = self.write(node.args[0])
        for term in node.args[1:]:
            if term.kind == "neg":
                out += f" - {self.wrap(term.args[0])}"
            else:
                out += f" + {self.write(term)}"
        return out

    def _mul(self, node: Node) -> str:
        factors = self.factors(node)
        out, left = self.wrap(factors[0]), factors[0]
        for right in factors[1:]:
            op = "*" if self.scalar(left) or self.scalar(right) else "@"
            out, left = f"{out} {op} {self.wrap(right)}", Node("mul", [left, right])
        return out

    def factors(self, node: Node) -> list[Node]:
        """The factors of a product chain, with 1^T v read as sum(v)."""
        flat: list[Node] = []
        stack = [node]
        while stack:
            n = stack.pop()
            if n.kind == "mul":
                stack.extend(reversed(n.args))
            else:
                flat.append(n)
        out: list[Node] = []
        for n in flat:
            if out and out[-1].kind == "transpose" and out[-1].args[0].kind == "ones":
                out[-1] = Node("call", ["sum", [n]], n.column)
            else:
                out.append(n)
        return out

    def _div(self, node: Node) -> str:
        return f"{self.wrap(node.args[0])} / {self.wrap(node.args[1])}"

    def _pow(self, node: Node) -> str:
        base, exp = node.args
        if exp.kind == "neg" and exp.args[0].kind == "num" and exp.args[0].args[0] == "1" \
                and not self.scalar(base):
            return f"inv({self.write(base)})"
        return f"{self.wrap(base)}**{self.wrap(exp)}"

    def _transpose(self, node: Node) -> str:
        inner = node.args[0]
        if inner.kind == "ones":
            raise self.fail("the ones vector is read as 1^T v (a sum):", node)
        return f"{self.wrap(inner)}.T"

    def _inverse_transpose(self, node: Node) -> str:
        return f"inv({self.write(node.args[0])}).T"

    def _root(self, node: Node) -> str:
        if node.args[1] is not None:
            return f"{self.wrap(node.args[0])}**(1/{self.wrap(node.args[1])})"
        return f"sqrt({self.write(node.args[0])})"

    def _abs(self, node: Node) -> str:
        raise self.fail("absolute value bars in a matrix answer (use \\det or \\|...\\|):", node)

    def _norm(self, node: Node) -> str:
        inner, sub = node.args
        if sub not in (None, "2", "F"):
            raise self.fail(f"only the 2-norm and the Frobenius norm are read, not _{sub}:", node)
        return f"norm({self.write(inner)})"

    def _inner(self, node: Node) -> str:
        return f"inner({self.write(node.args[0])}, {self.write(node.args[1])})"

    def _call(self, node: Node) -> str:
        fname, args = node.args
        if fname not in _MATRIX_FUNCS:
            raise self.fail(f"{fname} is not a matrix-calculus function:", node)
        return f"{_MATRIX_FUNCS[fname]}({', '.join(self.write(a) for a in args)})"

    def _ones(self, node: Node) -> str:
        raise self.fail("the ones vector is read as 1^T v (a sum):", node)

    def _tuple(self, node: Node) -> str:
        raise self.fail("a list of values where one value belongs:", node)

    def _matrix(self, node: Node) -> str:
        raise self.fail("explicit matrices are not read in a matrix-calculus answer:", node)


def latex_to_matrix_text(text: str, scalars: Iterable[str] = ()) -> str:
    r"""The :mod:`workbench.matrix_calculus.parse` text of a LaTeX matrix answer.

    The result is only text: :func:`workbench.matrix_calculus.parse.parse_matrix`
    checks it (names, shapes) exactly as it checks typed text.  A label
    ``\nabla_x f = ...`` is dropped; the last side of a chain is the answer.

    >>> latex_to_matrix_text(r"\nabla_X f = X^{-T} + \operatorname{tr}(A)\,\mathbf{1}^\top x")
    'inv(X).T + trace(A) * sum(x)'
    """
    text = _flat(text)
    sides = _sides(tokenize(text, strict=False))
    while len(sides) > 1 and sides[-1][0] == "approx":
        sides.pop()
    tree = _side_tree(sides[-1][1], text)
    return _bounded(_MatrixWriter(text, set(scalars)).write, tree)
