r"""Inline math in prose: which ``$…$`` segments may reach the typeset page.

Statements and titles in exercise files are prose, escaped character by
character when typeset, except inline math between dollar signs, which is kept
as LaTeX when it stays inside a small, safe subset of TeX:

* control sequences from :data:`COMMANDS` only (Greek letters, ``\frac``,
  ``\sum``, ``\nabla``, ``\partial``, ``\|``, ``\top``, ``\langle``, the named
  functions ``\log``, ``\exp``, ``\sin``, …); TeX primitives that act on a run
  (``\input``, ``\def``, ``\catcode``) are simply not in the list;
* the characters ``^ _ { } ( ) [ ] + - = < > , . | ' / * ! : ;``, digits,
  letters and spaces; ``%``, ``&``, ``#``, ``~`` and ``$`` are refused;
* balanced braces, ``\left``/``\right`` in pairs, each followed by a delimiter;
  every ``^``/``_`` followed by an argument and never doubled (``x^^41`` is
  TeX's character code notation, ``x^2^3`` a "double superscript" error);
* the argument of ``\text``, ``\mathrm``, ``\operatorname``, ``\mathbb``,
  ``\mathbf`` written in braces with letters, digits, spaces and plain
  punctuation only (it is typeset in text mode, where ``^`` is an error);
* at most :data:`MAX_MATH` characters.

:func:`math_problem` names the first offending token (``None`` when the
segment is fine); :func:`segments` cuts prose into text and math parts.  The
loader refuses an exercise file whose statement holds a bad segment; the sheet
printer escapes any other bad segment as text, so nothing that reaches TeX can
break the document.

>>> segments(r"Show that $\nabla f = 0$ at 50% of $x$")
[('text', 'Show that '), ('math', '\\nabla f = 0'), ('text', ' at 50% of '), ('math', 'x')]
>>> math_problem(r"\frac{1}{2}\|x\|^2")
>>> math_problem(r"\input{/etc/passwd}")
'\\input'
"""

from __future__ import annotations

import re

#: Longest inline math segment kept as LaTeX (longer ones are displayed math, not prose).
MAX_MATH = 400

_GREEK = [
    "alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta",
    "vartheta", "iota", "kappa", "lambda", "mu", "nu", "xi", "pi", "varpi", "rho", "varrho",
    "sigma", "varsigma", "tau", "upsilon", "phi", "varphi", "chi", "psi", "omega", "Gamma",
    "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon", "Phi", "Psi", "Omega"
]

#: Control sequences allowed inside ``$…$`` in prose.
COMMANDS = frozenset(_GREEK + [
    "frac", "dfrac", "tfrac", "sum", "prod", "int", "nabla", "partial", "top", "langle",
    "rangle", "mathbb", "mathbf", "mathrm", "mathcal", "mathit", "operatorname", "text",
    "log", "ln", "exp", "sin", "cos", "tan", "tanh", "sinh", "cosh", "sqrt", "cdot",
    "cdots", "ldots", "dots", "times", "le", "leq", "ge", "geq", "lt", "gt", "ne", "neq",
    "approx", "sim", "to", "mapsto", "infty", "in", "notin", "subset", "subseteq", "odot",
    "otimes", "oplus", "circ", "left", "right", "min", "max", "arg", "argmin", "argmax",
    "lim", "limsup", "liminf", "sup", "inf", "det", "tr", "mid", "quad", "qquad", "forall",
    "exists", "Rightarrow", "Leftarrow", "rightarrow", "leftarrow", "iff", "pm", "mp",
    "star", "ell", "hat", "bar", "tilde", "vec", "dot", "ddot", "prime", "transpose",
    "lVert", "rVert", "lvert", "rvert", "vert", "Vert", "overline", "underline",
    "displaystyle"
]) | frozenset("|,;! {}")

#: Commands that take arguments: each must be followed by one.
_TAKES_ARGUMENT = frozenset({"frac", "dfrac", "tfrac", "sqrt", "hat", "bar", "tilde", "vec",
                             "dot", "ddot", "overline", "underline"})

#: Commands whose one braced argument is typeset as text: plain words only.
TEXT_ARGUMENT = frozenset({"text", "mathrm", "operatorname", "mathbb", "mathbf", "mathcal",
                           "mathit"})

_TEXT_ARG = re.compile(r"\{[A-Za-z0-9 ,.;:!'()+=/-]*\}")
_ALLOWED_CHARS = re.compile(r"[A-Za-z0-9 \t\n^_{}()\[\]+\-=<>,.|'/*!:;]")
_DELIMITERS = set("()[]|./") | {r"\{", r"\}", r"\|", r"\langle", r"\rangle", r"\lVert",
                                r"\rVert", r"\lvert", r"\rvert", r"\vert", r"\Vert"}
_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|\\$|.", re.S)


def math_problem(math: str) -> str | None:
    """The first token that keeps ``math`` out of the safe subset, or None when it is safe."""
    if len(math) > MAX_MATH:
        return f"{len(math)} characters (at most {MAX_MATH} in inline math)"
    if not math.strip():
        return "empty math"
    tokens = _TOKEN.findall(math)
    depth, lefts = 0, 0
    # per brace group: the script last attached (to refuse x^2^3) and whether an atom followed
    scripts: list[str] = [""]
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.startswith("\\"):
            name = tok[1:]
            if name not in COMMANDS:
                return tok
            if name in TEXT_ARGUMENT:
                rest = "".join(tokens[i + 1:])
                m = _TEXT_ARG.match(rest)
                if not m:
                    return f"{tok} needs a braced argument of plain words"
                i += 1 + len(_TOKEN.findall(m.group()))
                scripts[-1] = ""
                continue
            if name in ("left", "right"):
                nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
                if nxt not in _DELIMITERS:
                    return f"{tok} needs a delimiter"
                lefts += 1 if name == "left" else -1
                if lefts < 0:
                    return r"\right without \left"
                i += 2
                scripts[-1] = ""
                continue
            if name in _TAKES_ARGUMENT and _next_solid(tokens, i + 1) in ("", "}", "^", "_"):
                return f"{tok} needs an argument"
            scripts[-1] = ""
        elif tok in "^_" and tok:
            nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
            if nxt in ("", "}", "^", "_", "'", " ") or nxt.isspace():
                return f"{tok} needs an argument"
            if scripts[-1] == tok:
                return f"double {'superscript' if tok == '^' else 'subscript'}"
            scripts[-1] = tok
            if nxt == "{":
                depth += 1
                scripts.append("")
                # the group's end restores this script marker
                i += 2
                continue
            i += 2
            continue
        elif tok == "{":
            depth += 1
            scripts[-1] = ""  # a group is an atom: x^2{}^3 is fine
            scripts.append("")
        elif tok == "}":
            depth -= 1
            if depth < 0:
                return "unbalanced }"
            scripts.pop()
            i += 1
            continue  # a closing script group leaves the outer marker as it was
        elif not _ALLOWED_CHARS.fullmatch(tok):
            return tok
        elif tok == "'" and scripts[-1] == "^":
            return "prime after a superscript"
        elif not tok.isspace():
            scripts[-1] = ""
        i += 1
    if depth:
        return "unbalanced {"
    if lefts:
        return r"\left without \right"
    return None


def _next_solid(tokens: list[str], i: int) -> str:
    while i < len(tokens) and tokens[i].isspace():
        i += 1
    return tokens[i] if i < len(tokens) else ""


def segments(text: str) -> list[tuple[str, str]]:
    r"""Prose cut into ``("text", …)`` and ``("math", …)`` parts at unescaped ``$``.

    ``\$`` is a literal dollar; an unpaired ``$`` and ``$$`` are text.
    """
    out: list[tuple[str, str]] = []
    buf, i = "", 0
    while i < len(text):
        c = text[i]
        if c == "\\" and text[i + 1:i + 2] == "$":
            buf += "$"
            i += 2
            continue
        if c == "$" and text[i + 1:i + 2] != "$":
            end = _closing(text, i + 1)
            if end is not None:
                if buf:
                    out.append(("text", buf))
                out.append(("math", text[i + 1:end]))
                buf, i = "", end + 1
                continue
        if c == "$":  # unpaired, or $$ (display math is not prose)
            run = len(text[i:]) - len(text[i:].lstrip("$"))
            buf += text[i:i + run]
            i += run
            continue
        buf += c
        i += 1
    if buf:
        out.append(("text", buf))
    return out


def _closing(text: str, start: int) -> int | None:
    """Index of the ``$`` closing a segment opened before ``start`` (no ``$$``)."""
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == "$":
            if text[i + 1:i + 2] == "$" or i == start:
                return None
            return i
        i += 1
    return None


def prose_problem(text: str) -> str | None:
    """The first problem of any ``$…$`` segment of ``text`` (None when all are safe)."""
    if "$$" in text:
        return "$$ (display math is not allowed in prose; use $…$)"
    for kind, part in segments(text):
        if kind == "math":
            problem = math_problem(part)
            if problem:
                return problem
    return None


def plain(text: str) -> str:
    r"""Prose for a terminal: the ``$`` of its inline math dropped, ``\$`` a dollar again.

    >>> plain(r"claimed limit $5$ for \$3")
    'claimed limit 5 for $3'
    """
    return "".join(part for _, part in segments(text))
