r"""The grammar of LaTeX answers: recursive descent, one method per rule.

The rules (see :mod:`workbench.core.latex`) build a small tree of
:class:`~workbench.core.latex.tokens.Node`; implicit multiplication binds like
``\cdot``.  The grammar is one class because its rules call one another; the
builders that turn a tree into a SymPy expression or matrix text live beside it.

>>> parse_tree(r"\frac{1}{2}x").kind
'mul'
"""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import ParseError
from .tokens import (
    ENVIRONMENTS,
    FUNCTION_COMMANDS,
    GREEK,
    OPERATOR_NAMES,
    Node,
    Token,
    syntax_error,
    tokenize,
)


class Grammar:
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
            raise syntax_error(f"expected {want!r}, found", self.peek(), self.text)
        return self.next()

    def fail(self, message: str, tok: Token | None = None) -> ParseError:
        return syntax_error(message, tok or self.peek(), self.text)

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
            raise syntax_error("a decimal here needs braces, e.g. ^{1.5}:", tok, self.text)
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
    return whole_tree(Grammar(tokenize(text), text))


def whole_tree(grammar: Grammar) -> Node:
    """One sum that uses every token up to the end."""
    try:
        node = grammar.sum()
    except RecursionError:
        raise ParseError("answer too complex to read") from None
    if grammar.peek().kind != "end":
        raise grammar.fail("unexpected")
    return node
