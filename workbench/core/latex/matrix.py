r"""LaTeX matrix answers written as the matrix-calculus text syntax.

:func:`latex_to_matrix_text` writes the text of
:mod:`workbench.matrix_calculus.parse` (``A^\top(Ax-b)`` becomes
``A.T @ (A @ x - b)``), which that parser then checks and builds; juxtaposition
is a matrix product unless a side is a declared scalar.

>>> latex_to_matrix_text(r"2c\,x^\top x", scalars=["c"])
'2 * c * x.T @ x'
"""

from __future__ import annotations

from collections.abc import Iterable

from ..errors import ParseError
from .answers import side_tree, split_sides
from .scalar import bounded_walk, flat_text
from .tokens import Node, tokenize

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
    text = flat_text(text)
    sides = split_sides(tokenize(text, strict=False))
    while len(sides) > 1 and sides[-1][0] == "approx":
        sides.pop()
    tree = side_tree(sides[-1][1], text)
    return bounded_walk(_MatrixWriter(text, set(scalars)).write, tree)
