"""Safe parsing of math strings into SymPy expressions.

Math text comes from users and exercise files, so it is never handed to
``eval``, ``sympify`` or ``parse_expr``.  Instead Python's own parser turns the
text into a syntax tree, and a whitelist walker builds the SymPy expression node
by node.  Anything outside the whitelist is a :class:`ParseError` naming the
token and its column.

Two layers:

* :func:`read` checks the text (length, nesting depth, allowed node types) and
  returns the validated ``ast`` tree.  It is shared by every front end (the
  scalar one here, the matrix one in :mod:`workbench.matrix_calculus`).
* :func:`parse` builds a scalar SymPy expression from it.

Decimal literals become exact rationals, so answers stay exact::

    >>> parse("1.5*x**2")
    3*x**2/2

Typeset notation is read as a person means it (the table :data:`NOTATION`, applied
to the text before the grammar, so columns in errors still point at what was typed):

=============================  ============================
typed                          read as
=============================  ============================
``x^2``                        ``x**2`` (power, as in SymPy's own parser)
``x²``, ``x⁻¹``                ``x**2``, ``x**(-1)`` (superscript digits)
``x·y``, ``x⋅y``, ``x×y``      ``x*y``
``x − y`` (U+2212)             ``x - y``
``π``                          ``pi``
=============================  ============================

Letters from other scripts that look like Latin ones (Cyrillic ``х`` U+0445,
Greek ``ο`` U+03BF ...) are refused with their code point and column: they would
otherwise become a second variable that prints like the first::

    >>> parse("x^2 · π − 1")
    pi*x**2 - 1

Limits keep hostile input cheap: at most ``MAX_LENGTH`` characters,
``MAX_DEPTH`` levels of nesting, and integer powers whose result would have
more than ``MAX_POWER_DIGITS`` digits are refused (``9**9**9**9`` answers at
once with an error instead of trying to build a number with 10^369693099
digits).
"""

from __future__ import annotations

import ast
import math
import unicodedata
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from functools import partial

import sympy as sp

from .errors import ParseError
from .functions import SYMPY, spellings
from .limits import LIMITS

MAX_LENGTH = LIMITS["expression_length"].maximum
MAX_DEPTH = 150
MAX_POWER_DIGITS = 2000
MAX_EXPONENT = 1000

#: Constants every expression may use (a declared variable of the same name wins).
CONSTANTS: dict[str, sp.Expr] = {"pi": sp.pi, "E": sp.E, "e": sp.E}


#: Scalar functions: name -> (builder, allowed argument counts), from the function table.
FUNCTIONS: dict[str, tuple[Callable[..., sp.Expr], tuple[int, ...]]] = {
    name: (partial(s.build, SYMPY), s.arities) for name, s in spellings().items()
}

_BINOPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.MatMult)
_UNARY = (ast.USub, ast.UAdd)
_ALLOWED = (
    ast.Expression, ast.BinOp, ast.UnaryOp, ast.Call, ast.Name, ast.Constant,
    ast.Attribute, ast.Load, *_BINOPS, *_UNARY,
)
_HINTS = {
    ast.BitXor: "use ** for powers, not",
    ast.Compare: "comparisons are not expressions:",
    ast.Lambda: "lambda is not allowed:",
    ast.Subscript: "indexing is not supported:",
    ast.keyword: "keyword arguments are not supported:",
}


def _fail(message: str, node: ast.AST | None, text: str) -> ParseError:
    if node is None or not hasattr(node, "col_offset"):
        return ParseError(message, text=text)
    start = node.col_offset
    end = getattr(node, "end_col_offset", None) or start + 1
    line = text.splitlines()[node.lineno - 1] if text.splitlines() else text
    return ParseError(message, token=line[start:end][:40], column=start + 1, text=text)


def check_size(text: str, what: str, opens: str = "([", closes: str = ")]") -> int:
    """Length and nesting depth of ``text``, checked before a recursive reader sees it.

    Returns the final depth (0 when the brackets balance); raises :class:`ParseError`
    for an empty or over-long ``what``, or nesting deeper than :data:`MAX_DEPTH`.
    """
    if len(text) > MAX_LENGTH:
        raise ParseError(f"{what} too long ({len(text)} characters, at most {MAX_LENGTH})")
    if not text.strip():
        raise ParseError(f"empty {what}")
    depth = 0
    for col, ch in enumerate(text, 1):
        if ch in opens:
            depth += 1
            if depth > MAX_DEPTH:
                raise ParseError(f"nesting deeper than {MAX_DEPTH}", token=ch, column=col)
        elif ch in closes:
            depth -= 1
    return depth


def _prescan(text: str) -> None:
    """Cheap checks before Python's parser sees the text (it can recurse deeply)."""
    depth = check_size(text, "expression")
    for col, ch in enumerate(text, 1):
        if ch in ";\n\r" or ord(ch) < 32:
            raise ParseError("unexpected character", token=ch, column=col)
    if depth != 0:
        raise ParseError("unbalanced parentheses")


def read(text: str, functions: Iterable[str] | None = None) -> ast.Expression:
    """Parse ``text`` with Python's grammar and check every node against the whitelist.

    Returns the ``ast.Expression``; raises :class:`ParseError` naming the first
    offending token (outermost first).  ``functions``, when given, are the only
    names that may be called.  No code is ever executed.
    """
    if not isinstance(text, str):
        raise ParseError(f"expected a string, got {type(text).__name__}")
    _prescan(text)
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        col = exc.offset or 0
        token = text.strip()[col - 1 : col] if col else ""
        raise ParseError(f"syntax error ({exc.msg})", token=token, column=col, text=text) from None
    except (RecursionError, MemoryError, ValueError):
        raise ParseError("expression too complex to parse") from None
    text = text.strip()
    known = set(functions) if functions is not None else None
    queue = deque([(tree, 0)])
    while queue:  # iterative, so a deep tree cannot exhaust the Python stack
        node, depth = queue.popleft()
        if depth > MAX_DEPTH:
            raise _fail(f"expression nests deeper than {MAX_DEPTH} levels at", node, text)
        if not isinstance(node, _ALLOWED):
            hint = _HINTS.get(type(node), "not allowed:")
            op = getattr(node, "op", None)
            if isinstance(node, ast.BinOp) and op is not None:
                hint = _HINTS.get(type(op), f"operator {type(op).__name__} not allowed:")
            raise _fail(hint, node, text)
        if isinstance(node, ast.BinOp) and not isinstance(node.op, _BINOPS):
            hint = _HINTS.get(type(node.op), f"operator {type(node.op).__name__} not allowed:")
            raise _fail(hint, node, text)
        if isinstance(node, ast.UnaryOp) and not isinstance(node.op, _UNARY):
            raise _fail("operator not allowed:", node, text)
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name):
                raise _fail("only named functions can be called:", node.func, text)
            if known is not None and node.func.id not in known:
                raise _fail(f"unknown function (known: {', '.join(sorted(known))}):",
                            node.func, text)
            if node.keywords:
                raise _fail("keyword arguments are not supported:", node.keywords[0].value, text)
            if any(isinstance(a, ast.Starred) for a in node.args):
                raise _fail("starred arguments are not supported:", node, text)
        if isinstance(node, ast.Attribute) and node.attr != "T":
            raise _fail("only the transpose attribute .T is allowed:", node, text)
        if isinstance(node, ast.Constant) and (
            isinstance(node.value, bool) or not isinstance(node.value, int | float)
        ):
            raise _fail("only real number literals are allowed:", node, text)
        queue.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return tree


def literal(node: ast.Constant, text: str) -> sp.Rational:
    """The exact rational value of a number literal, read from its source text."""
    if isinstance(node.value, int):
        if node.value.bit_length() > 3 * MAX_POWER_DIGITS:
            raise _fail(f"number literal longer than {MAX_POWER_DIGITS} digits:", node, text)
        return sp.Integer(node.value)
    if not math.isfinite(node.value) or node.value and not 1e-300 < abs(node.value) < 1e300:
        raise _fail("number literal out of range (beyond 1e±300):", node, text)
    source = ast.get_source_segment(text, node) or repr(node.value)
    source = source.replace("_", "")
    try:
        return sp.Rational(source)
    except (TypeError, ValueError):
        return sp.Rational(repr(node.value))


def check_power(base: sp.Expr, exponent: sp.Expr, node: ast.AST, text: str) -> None:
    """Refuse powers that would build astronomically large numbers or expressions."""
    if not exponent.is_number:
        return
    if exponent.is_Rational and abs(exponent) > MAX_EXPONENT:
        if base.is_number and base.is_Rational and abs(base) in (0, 1):
            return
        raise _fail(f"exponent larger than {MAX_EXPONENT}:", node, text)
    if base.is_Rational and exponent.is_Integer and base not in (0, 1, -1):
        digits = abs(int(exponent)) * math.log10(max(abs(base.p), abs(base.q), 2))
        if digits > MAX_POWER_DIGITS:
            raise _fail("power too large:", node, text)


# ------------------------------------------------------------------ notation
# A preprocessing step, separate from the grammar: the text a person types or pastes
# from a document is mapped onto the ASCII grammar before Python's parser sees it.

#: Typeset notation and its ASCII meaning, one character at a time.
NOTATION: dict[str, str] = {
    "^": "**",      # power, as in SymPy's own parser by default (not XOR)
    "\u00b7": "*",  # · middle dot
    "\u22c5": "*",  # ⋅ dot operator
    "\u00d7": "*",  # × multiplication sign
    "\u2212": "-",  # − minus sign
    "\u03c0": "pi",  # π
}

#: Superscript characters; a run of them after a term is a power: x² = x**2, x⁻¹ = x**(-1).
SUPERSCRIPTS: dict[str, str] = {
    **{chr(c): str(d) for d, c in zip(range(10), (0x2070, 0xB9, 0xB2, 0xB3, *range(0x2074,
                                                                                   0x207A)),
                                       strict=True)},
    "\u207b": "-",  # ⁻
}

#: Letters from other scripts that look like Latin ones: refused, never a second variable.
LOOKALIKES: dict[str, str] = {
    **dict(zip("\u0430\u0435\u043e\u0440\u0441\u0443\u0445\u0456\u0458\u0455\u0501\u04bb"
               "\u051b\u051d\u04af\u04cf", "aeopcyxijsdhqwyl", strict=True)),  # Cyrillic lower
    **dict(zip("\u0410\u0412\u0415\u041a\u041c\u041d\u041e\u0420\u0421\u0422\u0425\u0423"
               "\u0406\u0408\u0405", "ABEKMHOPCTXYIJS", strict=True)),  # Cyrillic upper
    **dict(zip("\u03bf\u0391\u0392\u0395\u0396\u0397\u0399\u039a\u039c\u039d\u039f"
               "\u03a1\u03a4\u03a5\u03a7\u03f2\u03f3", "oABEZHIKMNOPTYXcj",
               strict=True)),  # Greek
}


def notation(text: str) -> tuple[str, list[int]]:
    """Map typeset notation onto the ASCII grammar; also where each output character came from.

    Returns the ASCII text and, for each of its characters, the index of the
    original character it stands for (so errors point at what the person typed).
    Look-alike letters from other scripts are refused with their code point.

    >>> notation("2·x² − π")[0]
    '2*x**2 - pi'
    >>> notation("х + 1")
    Traceback (most recent call last):
    ...
    workbench.core.errors.ParseError: Cyrillic letter 'х' (U+0445) looks like Latin 'x' \
(type x instead): 'х' at column 1
    """
    out: list[str] = []
    origin: list[int] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch in LOOKALIKES:
            script = unicodedata.name(ch, "").split(" ")[0].capitalize()
            raise ParseError(f"{script} letter {ch!r} (U+{ord(ch):04X}) looks like Latin "
                             f"{LOOKALIKES[ch]!r} (type {LOOKALIKES[ch]} instead):", token=ch,
                             column=i + 1, text=text)
        if ch in SUPERSCRIPTS:
            j = i
            while j < len(text) and text[j] in SUPERSCRIPTS:
                j += 1
            power = "".join(SUPERSCRIPTS[c] for c in text[i:j])
            piece = "**" + (f"({power})" if power.startswith("-") else power)
            out.append(piece)
            origin.extend([i] * len(piece))
            i = j
            continue
        piece = NOTATION.get(ch, ch)
        out.append(piece)
        origin.extend([i] * len(piece))
        i += 1
    return "".join(out), origin


def _located(err: ParseError, text: str, origin: list[int]) -> ParseError:
    """``err``, raised on the ASCII form, with its token and column in the original text."""
    if not err.column:
        return ParseError(err.message, token=err.token, text=text)
    lead = len(text) - len(text.lstrip())  # columns of tree errors count from the stripped text
    start = origin[min(lead + err.column - 1, len(origin) - 1)]
    stop = origin[min(lead + err.column - 1 + max(len(err.token), 1), len(origin)) - 1] + 1
    return ParseError(err.message, token=text[start:stop][:40] if err.token else "",
                      column=start - lead + 1, text=text)


class _ScalarBuilder:
    """Builds a scalar SymPy expression from a validated tree, one method per node type."""

    def __init__(self, text: str, symbols: Mapping[str, sp.Symbol] | None):
        self.text = text
        self.symbols = dict(symbols) if symbols is not None else None
        self.free: dict[str, sp.Symbol] = {}

    def build(self, node: ast.AST) -> sp.Expr:
        method = getattr(self, "_" + type(node).__name__)
        return method(node)

    def _Expression(self, node: ast.Expression) -> sp.Expr:
        return self.build(node.body)

    def _Constant(self, node: ast.Constant) -> sp.Expr:
        return literal(node, self.text)

    def _Name(self, node: ast.Name) -> sp.Expr:
        name = node.id
        if self.symbols is not None and name in self.symbols:
            return self.symbols[name]
        if name in CONSTANTS:
            return CONSTANTS[name]
        if name in FUNCTIONS:
            raise _fail("function used without arguments:", node, self.text)
        if self.symbols is not None:
            declared = ", ".join(self.symbols) or "none"
            raise _fail(f"undeclared variable (declared: {declared}):", node, self.text)
        return self.free.setdefault(name, sp.Symbol(name, real=True))

    def _UnaryOp(self, node: ast.UnaryOp) -> sp.Expr:
        operand = self.build(node.operand)
        return -operand if isinstance(node.op, ast.USub) else operand

    def _BinOp(self, node: ast.BinOp) -> sp.Expr:
        left, right = self.build(node.left), self.build(node.right)
        op = node.op
        if isinstance(op, ast.Add):
            return left + right
        if isinstance(op, ast.Sub):
            return left - right
        if isinstance(op, ast.Mult):
            return left * right
        if isinstance(op, ast.Div):
            if right.is_zero:
                raise _fail("division by zero:", node, self.text)
            return left / right
        if isinstance(op, ast.Pow):
            check_power(left, right, node, self.text)
            if left.is_zero and right.is_negative:
                raise _fail("division by zero:", node, self.text)
            return left**right
        raise _fail("matrix product @ needs vector or matrix operands (use `workbench matrix`):",
                    node, self.text)

    def _Call(self, node: ast.Call) -> sp.Expr:
        name = node.func.id
        if name not in FUNCTIONS:
            known = ", ".join(sorted(FUNCTIONS))
            raise _fail(f"unknown function (known: {known}):", node.func, self.text)
        builder, arities = FUNCTIONS[name]
        if len(node.args) not in arities:
            want = " or ".join(map(str, arities))
            raise _fail(f"{name} takes {want} argument(s), got {len(node.args)}:", node, self.text)
        return builder(*(self.build(a) for a in node.args))

    def _Attribute(self, node: ast.Attribute) -> sp.Expr:
        raise _fail("transpose .T needs a vector or matrix (use `workbench matrix`):",
                    node, self.text)


def symbols_for(names: Iterable[str]) -> dict[str, sp.Symbol]:
    """Real SymPy symbols for the given variable names, validated as identifiers."""
    out = {}
    for name in names:
        name = name.strip()
        if not name.isidentifier() or name in FUNCTIONS:
            raise ParseError("not a valid variable name:", token=name)
        out[name] = sp.Symbol(name, real=True)
    return out


def parse(text: str, variables: Iterable[str] | None = None) -> sp.Expr:
    """Parse a scalar math string into an exact SymPy expression.

    ``variables`` declares the allowed names; any other name is an error.  With
    ``variables=None`` every free name becomes a real symbol.

    >>> parse("exp(-x**2) + 0.25*y", ["x", "y"])
    y/4 + exp(-x**2)
    >>> parse("import os")
    Traceback (most recent call last):
    ...
    workbench.core.errors.ParseError: syntax error (invalid syntax) 'i' at column 1
    """
    if not isinstance(text, str):
        raise ParseError(f"expected a string, got {type(text).__name__}")
    _prescan(text)
    ascii_text, origin = notation(text)
    symbols = symbols_for(variables) if variables is not None else None
    try:
        tree = read(ascii_text, FUNCTIONS)
        expr = _ScalarBuilder(ascii_text.strip(), symbols).build(tree)
    except RecursionError:
        raise ParseError("expression too complex to build") from None
    except ParseError as err:
        if ascii_text == text:
            raise
        raise _located(err, text, origin) from None
    if not isinstance(expr, sp.Expr):
        raise ParseError("not a scalar expression", text=text)
    if expr.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        raise ParseError("expression evaluates to an infinity or undefined value", text=text)
    if expr.has(sp.I):
        raise ParseError("expression has a complex constant (a root or log of a negative "
                         "number); the workbench works over the reals", text=text)
    return expr


def parse_number(text: str) -> sp.Expr:
    """Parse a constant (``3``, ``0.5``, ``pi/2``, ``-1e-3``) exactly; names are refused."""
    value = parse(text, variables=[])
    if not value.is_real:
        raise ParseError("not a real number:", token=text)
    return value


def parse_assignments(text: str) -> dict[str, sp.Expr]:
    """Parse ``"x=3,y=0.5"`` into ``{"x": 3, "y": 1/2}`` with exact values."""
    out: dict[str, sp.Expr] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, value = part.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            raise ParseError("expected name=value in", token=part)
        if name in out:
            raise ParseError("variable given twice:", token=name)
        out[name] = parse_number(value)
    if not out:
        raise ParseError("expected name=value pairs, got nothing")
    return out


def variables_of(expr: sp.Expr) -> list[str]:
    """Free variable names of ``expr`` in sorted order (the default ``--wrt``)."""
    return sorted(s.name for s in expr.free_symbols)
