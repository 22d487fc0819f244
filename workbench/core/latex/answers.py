r"""Answers of the form "label = expression": which derivative is answered, and its value.

A student writes ``\frac{\partial f}{\partial x_1} = 2x_1`` or
``\nabla f = \begin{pmatrix} … \end{pmatrix}``; :func:`read_answer` splits the
sides at top-level ``=`` and ``\approx``, reads the label (a component or the
gradient) and the exact value (an approximation is a remark).

>>> a = read_answer(r"\frac{\partial f}{\partial y} = 3y^2", ["x", "y"])
>>> a.component, a.values
('y', [3*y**2])
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sympy as sp

from ..errors import ParseError
from .grammar import Grammar, whole_tree
from .scalar import ScalarBuilder, bounded_walk, finish_scalar, flat_text
from .tokens import GREEK, Node, Token, tokenize


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


def split_sides(tokens: list[Token]) -> list[tuple[str, list[Token]]]:
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
    text = flat_text(text)
    variables = list(variables) if variables is not None else None
    tokens = tokenize(text, strict=False)
    sides = split_sides(tokens)
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
    tree = side_tree(last, text)
    if tree.kind == "matrix":
        cells = [c for row in tree.args for c in row]
        if len(tree.args) > 1 and len(tree.args[0]) > 1:
            raise ParseError("a matrix where a vector (one row or one column) belongs",
                             text=text)
        builder = ScalarBuilder(text, variables)
        values = [finish_scalar(bounded_walk(builder.build, c), text) for c in cells]
        return LatexAnswer(values, component, True, label, approx)
    value = finish_scalar(bounded_walk(ScalarBuilder(text, variables).build, tree), text)
    return LatexAnswer([value], component, is_grad, label, approx)


def side_tree(tokens: list[Token], text: str) -> Node:
    return whole_tree(Grammar([*tokens, Token("end", "", len(text) + 1)], text))


def _side_value(tokens: list[Token], text: str, variables) -> sp.Expr | None:
    try:
        tree = side_tree(tokens, text)
        return finish_scalar(bounded_walk(ScalarBuilder(text, variables).build, tree), text)
    except ParseError:
        return None  # an approximation is a remark; the exact side is the answer
