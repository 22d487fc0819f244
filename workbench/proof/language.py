"""The language of proof steps: math text to a validated tree, its names, and LaTeX.

A step's math is ordinary expression syntax, read by :func:`workbench.core.parse.read`
(the safe parser's front end: Python's grammar, a whitelist of node types,
nothing is ever evaluated), extended by the operators of analysis and linear
algebra a proof about optimisation needs:

=======================  ============================  ===========================
text                     meaning                       printed
=======================  ============================  ===========================
``grad(f, x)``           ∇f(x)                         ``\\nabla f(x)``
``hess(f, x)``           ∇²f(x)                        ``\\nabla^{2} f(x)``
``norm(v)``              ‖v‖₂ of a vector              ``\\left\\| v \\right\\|``
``lmin(M)``/``lmax(M)``  extreme eigenvalues, M = Mᵀ   ``\\lambda_{\\min}(M)``
``integral(e, s, a, b)`` ∫ₐᵇ e ds                      ``\\int_{a}^{b} e \\, ds``
``sum(e, k, a, b)``      Σ_{k=a}^{b} e                 ``\\sum_{k=a}^{b} e``
``deriv(e, s)``          d/ds e at the current s       ``\\frac{d}{ds} e``
``deriv(e, s, a)``       d/ds e at s = a               ``\\frac{d}{ds} e \\big|_{s=a}``
``entry(v, i)``          vᵢ (1-based)                  ``v_{i}``
``x.T``, ``x @ y``       transpose, matrix product     ``x^{\\top}``, ``x y``
``eye()``, ``diag(v)``,  identity, diagonal matrix,
``inv(M)``               inverse
=======================  ============================  ===========================

plus the scalar functions of :data:`workbench.core.parse.FUNCTIONS` and ``oo`` (∞,
only as an integration bound).  The second argument of ``integral``, ``sum``
and ``deriv`` is a *bound* variable: it is local to that operator.

>>> tree = read_math("beta/2 * norm(w1 - w2)**2")
>>> to_tex(tree)
'\\\\frac{\\\\beta}{2} \\\\left\\\\| w_{1} - w_{2} \\\\right\\\\|^{2}'
>>> sorted(free_names(read_math("integral(grad(f, x + t*u).T @ u, t, 0, 1)")))
['f', 'u', 'x']
"""

from __future__ import annotations

import ast
from collections.abc import Callable

import sympy as sp

from ..core.errors import InputError, ParseError
from ..core.functions import spellings
from ..core.parse import CONSTANTS as PARSER_CONSTANTS
from ..core.parse import FUNCTIONS, read

#: Operators beyond the scalar functions: name -> allowed argument counts.
OPERATORS: dict[str, tuple[int, ...]] = {
    "grad": (2,), "hess": (2,), "norm": (1,), "lmin": (1,), "lmax": (1,),
    "integral": (4,), "sum": (4,), "deriv": (2, 3), "entry": (2,), "eye": (0,),
    "diag": (1,), "inv": (1,),
}

#: Operators whose second argument is a variable bound by the operator.
BINDERS = frozenset({"integral", "sum", "deriv"})

#: Names with a fixed meaning (not objects).
CONSTANTS = frozenset(PARSER_CONSTANTS) | {"oo"}

#: Relations a checked step may state, and their LaTeX.
RELATIONS = {"=": "=", "<=": r"\le", "<": "<", ">=": r"\ge", ">": ">"}

#: Relations a stated (unchecked) step may display in addition.
DISPLAY_RELATIONS = {**RELATIONS, "->": r"\to", ":=": r"\mathrel{:=}"}


def read_math(text: str, where: str = "") -> ast.expr:
    """The validated tree of ``text``; a :class:`InputError` prefixed with ``where`` if refused.

    Besides the safe parser's own checks, every call must name a known operator,
    a scalar function or (checked later, against the objects) a callable object,
    with the right number of arguments, and bound variables must be plain names.
    """
    prefix = f"{where}: " if where else ""
    if not isinstance(text, str):
        raise InputError(f"{prefix}expected a math string, got {type(text).__name__}")
    try:
        tree = read(text).body
    except ParseError as exc:
        raise InputError(f"{prefix}{exc}") from None
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            _check_call(node, prefix)
    return tree


def _check_call(node: ast.Call, prefix: str) -> None:
    name = node.func.id
    arities = OPERATORS.get(name) or (FUNCTIONS[name][1] if name in FUNCTIONS else None)
    if arities is not None and len(node.args) not in arities:
        want = " or ".join(map(str, arities))
        raise InputError(f"{prefix}{name} takes {want} argument(s), got {len(node.args)}")
    if name in BINDERS and not isinstance(node.args[1], ast.Name):
        raise InputError(f"{prefix}{name}: the second argument must be a variable name, "
                         f"got {ast.unparse(node.args[1])!r}")
    if name in ("grad", "hess") and not isinstance(node.args[0], ast.Name):
        raise InputError(f"{prefix}{name}: the first argument must name a function object, "
                         f"got {ast.unparse(node.args[0])!r}")


def same(a: ast.AST, b: ast.AST) -> bool:
    """Whether two trees are the same expression (spacing and redundant parentheses aside)."""
    return ast.dump(a) == ast.dump(b)


def free_names(tree: ast.AST) -> set[str]:
    """Names the expression needs from outside: not bound, not constants, not called."""
    out: set[str] = set()
    _collect(tree, frozenset(), out)
    return out


def _collect(node: ast.AST, bound: frozenset[str], out: set[str]) -> None:
    if isinstance(node, ast.Name):
        if node.id not in bound and node.id not in CONSTANTS:
            out.add(node.id)
        return
    if isinstance(node, ast.Call):
        name = node.func.id
        if name not in OPERATORS and name not in FUNCTIONS:
            out.add(name)  # a callable object: f(x), w(t), rate(eta)
        args = node.args
        if name in BINDERS:
            inner = bound | {args[1].id}
            _collect(args[0], inner, out)
            for extra in args[2:]:  # bounds and the evaluation point are outside the binder
                _collect(extra, bound, out)
            return
        for a in args:
            _collect(a, bound, out)
        return
    for child in ast.iter_child_nodes(node):
        _collect(child, bound, out)


def calls(tree: ast.AST) -> set[str]:
    """Every function or operator name the expression calls."""
    return {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call)}


def mentions(tree: ast.AST) -> set[str]:
    """Every name the expression mentions, called or not (for rule applicability)."""
    return calls(tree) | {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}


# ---------------------------------------------------------------- LaTeX printing

#: Names whose LaTeX is not what their spelling suggests.
NAME_TEX = {
    "lmin": r"\lambda_{\min}", "lmax": r"\lambda_{\max}", "fstar": "f_{*}", "lam": r"\lambda",
    "Lam": r"\Lambda", "lams": r"\lambda", "oo": r"\infty", "pi": r"\pi", "E": "e",
    "wdot": r"\dot{w}", "finf": r"f_{\infty}",
}


def tex_name(name: str) -> str:
    """LaTeX for a variable name: Greek letters, digit subscripts, a ``star`` suffix."""
    if name in NAME_TEX:
        return NAME_TEX[name]
    if name.endswith("star") and len(name) > 4:
        return f"{tex_name(name[:-4])}^{{*}}"
    out = sp.latex(sp.Symbol(name))
    if out.isalpha() and len(out) > 1:
        return rf"\mathrm{{{out}}}"
    return out


# precedence: larger binds tighter
_ADD, _MUL, _NEG, _POW, _ATOM = 10, 20, 25, 30, 40


def _group(inner: str) -> str:
    """Parentheses around a call's arguments: plain ones unless the content is tall."""
    tall = any(m in inner for m in (r"\frac", r"\sum", r"\int", r"\left."))
    return rf"\left({inner}\right)" if tall else f"({inner})"


def _prec(node: ast.AST) -> int:
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, ast.Add | ast.Sub):
            return _ADD
        if isinstance(node.op, ast.Pow):
            return _POW
        return _MUL
    if isinstance(node, ast.UnaryOp):
        return _NEG
    if isinstance(node, ast.Constant) and node.value < 0:
        return _NEG
    return _ATOM


class TexPrinter:
    """LaTeX for a step's tree, one method per node type and one per operator."""

    def doprint(self, node: ast.AST) -> str:
        return getattr(self, "_" + type(node).__name__)(node)

    def paren(self, node: ast.AST, above: int) -> str:
        """``node`` printed, in parentheses if it binds looser than ``above``."""
        out = self.doprint(node)
        return _group(out) if _prec(node) < above else out

    def _Constant(self, node: ast.Constant) -> str:
        return str(node.value) if isinstance(node.value, int) else repr(node.value)

    def _Name(self, node: ast.Name) -> str:
        return tex_name(node.id)

    def _UnaryOp(self, node: ast.UnaryOp) -> str:
        sign = "-" if isinstance(node.op, ast.USub) else "+"
        return sign + self.paren(node.operand, _MUL)

    def _Attribute(self, node: ast.Attribute) -> str:  # only .T passes the parser
        return self.paren(node.value, _ATOM) + r"^{\top}"

    def _BinOp(self, node: ast.BinOp) -> str:
        op = node.op
        if isinstance(op, ast.Add | ast.Sub):
            right = self.paren(node.right, _ADD + (1 if isinstance(op, ast.Sub) else 0))
            sign = " + " if isinstance(op, ast.Add) else " - "
            if isinstance(op, ast.Add) and right.startswith("-"):
                sign, right = " - ", right[1:]
            return self.doprint(node.left) + sign + right
        if isinstance(op, ast.Div):
            top, bottom = self.doprint(node.left), self.doprint(node.right)
            if isinstance(node.right, ast.Constant) and any(
                    m in top for m in (r"\sum", r"\int")):
                # ½ Σ … reads better than a sum on top of a fraction bar
                return rf"\frac{{1}}{{{bottom}}} {self.paren(node.left, _MUL)}"
            return rf"\frac{{{top}}}{{{bottom}}}"
        if isinstance(op, ast.Pow):
            base = self.paren(node.left, _POW + 1)
            return f"{base}^{{{self.doprint(node.right)}}}"
        left = self.paren(node.left, _MUL)
        right = self.paren(node.right, _MUL + 1)
        # a product whose right factor starts with a digit needs a visible dot
        glue = r" \cdot " if right[:1].isdigit() or right.startswith("-") else " "
        return left + glue + right

    def _Call(self, node: ast.Call) -> str:
        name = node.func.id
        method = getattr(self, "call_" + name, None)
        if method is not None:
            return method(*node.args)
        args = ", ".join(self.doprint(a) for a in node.args)
        if name in FUNCTIONS:
            return _FUNCTION_TEX.get(name, lambda a: rf"\operatorname{{{name}}}{_group(a)}")(args)
        return f"{tex_name(name)}{_group(args)}"

    # one method per operator
    def call_grad(self, f, x) -> str:
        return rf"\nabla {self.doprint(f)}{_group(self.doprint(x))}"

    def call_hess(self, f, x) -> str:
        return rf"\nabla^{{2}} {self.doprint(f)}{_group(self.doprint(x))}"

    def call_norm(self, v) -> str:
        return rf"\left\| {self.doprint(v)} \right\|"

    def call_abs(self, v) -> str:
        return rf"\left| {self.doprint(v)} \right|"

    def call_integral(self, e, s, a, b) -> str:
        return (rf"\int_{{{self.doprint(a)}}}^{{{self.doprint(b)}}} {self.paren(e, _MUL)}"
                rf" \, d{self.doprint(s)}")

    def call_sum(self, e, k, a, b) -> str:
        return (rf"\sum_{{{self.doprint(k)}={self.doprint(a)}}}^{{{self.doprint(b)}}} "
                + self.paren(e, _MUL))

    def call_deriv(self, e, s, at=None) -> str:
        body = rf"\frac{{d}}{{d{self.doprint(s)}}} {self.paren(e, _ATOM)}"
        if at is None:
            return body
        return rf"\left.{body}\right|_{{{self.doprint(s)}={self.doprint(at)}}}"

    def call_entry(self, v, i) -> str:
        index = self.doprint(i)
        if isinstance(v, ast.Call) and v.func.id not in OPERATORS and v.func.id not in FUNCTIONS:
            inner = ", ".join(self.doprint(a) for a in v.args)  # z(0) -> z_i(0)
            return rf"{tex_name(v.func.id)}_{{{index}}}{_group(inner)}"
        return f"{self.paren(v, _ATOM)}_{{{index}}}"

    def call_eye(self) -> str:
        return "I"

    def call_diag(self, v) -> str:
        return rf"\operatorname{{diag}}{_group(self.doprint(v))}"

    def call_inv(self, m) -> str:
        return f"{self.paren(m, _ATOM)}^{{-1}}"

    def call_sqrt(self, a) -> str:
        return rf"\sqrt{{{self.doprint(a)}}}"


def _named(tex: str) -> Callable[[str], str]:
    return lambda a: f"{tex}{_group(a)}"


#: LaTeX of the parser's function names: each name's operator from the function table.
_FUNCTION_TEX: dict[str, Callable[[str], str]] = {
    name: _named(s.tex) for name, s in spellings().items()
}


def to_tex(tree: ast.AST) -> str:
    """LaTeX for a step's expression, as written (terms are not reordered)."""
    return TexPrinter().doprint(tree)
