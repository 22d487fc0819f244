"""Printers for matrix expressions: NumPy-evaluable text and textbook LaTeX.

Both are SymPy printers (one ``_print_X`` method per expression type) extended
with one ``_node_X`` method per matrix node type of :mod:`workbench.matrix_calculus.expr`.

**Text** uses only the declared names, numbers, ``+ - * / ** @ .T``,
parentheses and the functions ``exp log sqrt sigmoid erf softmax inv det trace
norm sum diag outer eye(n)``.  It evaluates with NumPy when vectors are 1-D arrays,
matrices 2-D arrays, dimensions integers, and the names are bound to
:data:`NUMPY_NAMES`: a column-times-row product is printed ``outer(u, v)``
(with 1-D vectors ``u @ v.T`` would be a number), ``*`` is the elementwise
product, and functions outside the list are written with the ``expand`` of their
row of the function table (softplus z = log(1 + exp z), tanh z = 2σ(2z) − 1,
silu z = z σ(z)).

**LaTeX** prints Aᵀ, X⁻ᵀ, ‖x‖₂, ‖X‖_F, tr, det, σ, ⊙ for the Hadamard product
and 𝟏 for the ones vector.

>>> from workbench.matrix_calculus.expr import Leaf, dim, matmul, transpose, sub
>>> n = dim("n")
>>> A, x, b = Leaf("A", n, n), Leaf("x", n, 1), Leaf("b", n, 1)
>>> g = matmul(transpose(A), sub(matmul(A, x), b))
>>> to_numpy(g)
'A.T @ (A @ x - b)'
>>> to_latex(g)
'A^{\\\\top} \\\\left(A x - b\\\\right)'
"""

from __future__ import annotations

import numpy as np
import sympy as sp
from sympy.printing.precedence import PRECEDENCE
from sympy.printing.str import StrPrinter

from ..core.functions import SYMPY, TABLE, numeric
from ..core.printing import TexPrinter
from . import expr as mx

#: The output vocabulary of :func:`to_numpy`: the only function names it prints.
OUTPUT_FUNCTIONS = ("exp", "log", "sqrt", "sigmoid", "erf", "softmax", "inv", "det", "trace",
                    "norm", "sum", "diag", "outer", "eye")


def _softmax(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


#: NumPy meanings of the printed function names (vectors are 1-D arrays); the
#: elementwise ones are the function table's.
NUMPY_NAMES = {
    **{name: numeric(name, "numpy") for name in OUTPUT_FUNCTIONS if name in TABLE},
    "softmax": _softmax, "inv": np.linalg.inv, "det": np.linalg.det, "trace": np.trace,
    "norm": np.linalg.norm, "sum": np.sum, "diag": np.diag, "outer": np.outer, "eye": np.eye,
}

#: Functions outside the vocabulary, by SymPy class: printed through their ``expand``.
_EXPANDED = {fn.sympy: fn for fn in TABLE.values()
             if fn.expand is not None and fn.name not in OUTPUT_FUNCTIONS}


def _split_mul(expr: sp.Mul):
    """(scalar part, matrix factors, matrix divisors) of an elementwise product."""
    scalar, num, den = [], [], []
    for f in expr.args:
        if not mx.matrix_atoms(f):
            scalar.append(f)
        elif f.is_Pow and f.exp.is_negative:
            den.append(f.base ** -f.exp)
        else:
            num.append(f)
    num.sort(key=lambda f: (not isinstance(f, mx.Atom), isinstance(f, sp.Add),
                            sp.default_sort_key(f)))
    return sp.Mul(*scalar), num, den


def _term_key(term: sp.Expr):
    """Textbook order in sums: positive terms first, then the more matrix-like ones."""
    return (term.could_extract_minus_sign(), -len(mx.matrix_atoms(term)),
            -len(mx.atoms_of(term)), -sp.count_ops(term), sp.default_sort_key(term))


class _MatrixNodes:
    """What both printers share: matrix nodes go to ``_node_<Type>``, scalars to SymPy."""

    def doprint(self, v) -> str:
        return self._node(v) if isinstance(v, mx.Node) else super().doprint(v)

    def _as_ordered_terms(self, expr, order=None):
        if not mx.atoms_of(expr):   # plain scalars (a polynomial): SymPy's own order
            return super()._as_ordered_terms(expr, order)
        return sorted(expr.args, key=_term_key)

    def _print_Atom(self, a) -> str:
        return self._node(a.node)

    def _node(self, node) -> str:
        return getattr(self, "_node_" + type(node).__name__)(node)

    def _factors(self, top, wrap, sep: str) -> str:
        """A scalar coefficient; a product such as xᵀAx inside it keeps its parentheses."""
        return sep.join(wrap(self._print(f)) if isinstance(f, mx.Atom)
                        and isinstance(f.node, mx.MatMul)
                        else self.parenthesize(f, PRECEDENCE["Mul"])
                        for f in top.as_ordered_factors())


class NumpyPrinter(_MatrixNodes, StrPrinter):
    """Text in the vocabulary of :data:`OUTPUT_FUNCTIONS`."""

    printmethod = "_workbench_numpy"

    def _print_Mul(self, expr) -> str:
        """Scalars first, then the matrix factors; c*A @ x needs no parentheses."""
        scalar, num, den = _split_mul(expr)
        if not num and not den:
            return super()._print_Mul(expr)
        top, bottom = sp.fraction(scalar, exact=True)
        sign = ""
        if top.could_extract_minus_sign():
            sign, top = "-", -top
        chain = (len(num) == 1 and not den and isinstance(num[0], mx.Atom)
                 and isinstance(num[0].node, mx.MatMul))
        parts = [] if top == 1 else [self._factors(top, lambda t: f"({t})", "*")]
        parts += [self._node(f.node) if chain else self.parenthesize(f, PRECEDENCE["Mul"])
                  for f in num] or ["1"]
        text = sign + "*".join(parts)
        below = ([bottom] if bottom != 1 else []) + den
        if below:
            if len(below) == 1:
                text += "/" + self.parenthesize(below[0], PRECEDENCE["Pow"])
            else:
                text += "/(" + "*".join(self.parenthesize(b, PRECEDENCE["Mul"])
                                        for b in below) + ")"
        return text

    # ---- scalar functions outside the output vocabulary
    def _print_expanded(self, e) -> str:
        """f(z) written with its row's ``expand``; a sum or product in parentheses."""
        body = _EXPANDED[e.func].expand(SYMPY, e.args[0])
        text = self._print(body)
        return text if isinstance(body, sp.Function | sp.Pow) else f"({text})"

    def _print_Exp1(self, e) -> str:
        return "exp(1)"

    def _print_Pi(self, e) -> str:
        return repr(float(sp.pi))

    # ---- nodes
    def _node_Leaf(self, n) -> str:
        return n.name

    def _wrap(self, node) -> str:
        """A factor of @ or the operand of .T, parenthesized unless it is atomic."""
        text = self._node(node)
        atomic = isinstance(node, mx.Leaf | mx.Identity | mx.Inverse | mx.Softmax | mx.Diag
                            | mx.DiagOf | mx.Kron | mx.Vec | mx.Commutation)
        atomic = atomic or (isinstance(node, mx.Transpose)
                            and isinstance(node.arg, mx.Leaf | mx.Inverse))
        if isinstance(node, mx.Elem) and isinstance(node.expr, sp.Function | mx.Atom):
            atomic = True
        return text if atomic else f"({text})"

    def _node_Transpose(self, n) -> str:
        return f"{self._wrap(n.arg)}.T"

    def _node_Inverse(self, n) -> str:
        return f"inv({self._node(n.arg)})"

    def _node_Identity(self, n) -> str:
        return f"eye({self._print(n.n)})"

    def _ones_vector(self, k) -> str:
        return f"diag(eye({self._print(k)}))"

    def _node_Elem(self, n) -> str:
        if mx.matrix_atoms(n.expr):
            return self._print(n.expr)
        r, c = n.shape
        if n.expr == 0 and r == c:
            return f"0*eye({self._print(r)})"
        if c == 1:
            ones = self._ones_vector(r)
        elif r == 1:
            ones = self._ones_vector(c)
        else:
            ones = f"outer({self._ones_vector(r)}, {self._ones_vector(c)})"
        if n.expr == 1:
            return ones
        return f"{self.parenthesize(n.expr, PRECEDENCE['Mul'])}*{ones}"

    def _chain(self, factors) -> str:
        return " @ ".join(self._wrap(f) for f in factors)

    def _node_MatMul(self, n) -> str:
        fs = n.factors
        for i in range(1, len(fs)):  # column times row: an outer product
            if fs[i - 1].shape[1] == 1 and fs[i].shape[0] == 1:
                left = mx.matmul(*fs[:i])
                right = mx.transpose(mx.matmul(*fs[i:]))
                return f"outer({self._node(left)}, {self._node(right)})"
        return self._chain(fs)

    def _node_Softmax(self, n) -> str:
        return f"softmax({self._node(n.arg)})"

    def _node_Diag(self, n) -> str:
        return f"diag({self._node(n.arg)})"

    _node_DiagOf = _node_Diag

    def _node_Det(self, n) -> str:
        return f"det({self._node(n.arg)})"

    def _node_Trace(self, n) -> str:
        return f"trace({self._node(n.arg)})"

    def _node_Norm(self, n) -> str:
        return f"norm({self._node(n.arg)})"

    def _node_SumAll(self, n) -> str:
        return f"sum({self._node(n.arg)})"

    # Kronecker forms are LaTeX-only answers; these spellings are for messages.
    def _node_Vec(self, n) -> str:
        return f"vec({self._node(n.arg)})"

    def _node_Kron(self, n) -> str:
        return f"kron({self._node(n.left)}, {self._node(n.right)})"

    def _node_Commutation(self, n) -> str:
        return f"commutation({self._print(n.m)}, {self._print(n.n)})"


for _cls in _EXPANDED:  # SymPy printers dispatch on the class name: _print_tanh, ...
    setattr(NumpyPrinter, f"_print_{_cls.__name__}", NumpyPrinter._print_expanded)


class MatrixTexPrinter(_MatrixNodes, TexPrinter):
    """Textbook LaTeX for matrix expressions (⊙ for elementwise products)."""

    def _print_Mul(self, expr) -> str:
        scalar, num, den = _split_mul(expr)
        if not num:
            return super()._print_Mul(expr)

        def hadamard(fs):
            return r" \odot ".join(self.parenthesize(f, PRECEDENCE["Mul"], strict=True)
                                   for f in fs)

        top, bottom = sp.fraction(scalar, exact=True)
        alone = len(num) == 1 and (den or bottom != 1) and top in (1, -1)
        body = self._print(num[0]) if alone else hadamard(num)
        if den:
            body = rf"\frac{{{body}}}{{{hadamard(den)}}}"
        sign = ""
        if top.could_extract_minus_sign():
            sign, top = "- ", -top
        coeff = "" if top == 1 else self._coefficient(top) + " "
        if bottom != 1:
            return sign + rf"\frac{{{coeff}{body}}}{{{self._print(bottom)}}}"
        return sign + coeff + body

    def _coefficient(self, top) -> str:
        if isinstance(top, sp.Add):
            return rf"\left({self._print(top)}\right)"
        return self._factors(top, lambda t: rf"\left({t}\right)", " ")

    def _print_Pow(self, expr, exp=None):
        # σ and softplus print themselves and take no exponent: (σ(z))^k
        if isinstance(expr.base, sp.Function) and hasattr(expr.base, "_latex") and \
                expr.exp.is_Integer and expr.exp > 0:
            base, exp = self._print(expr.base), self._print(expr.exp)
            return rf"\left({base}\right)^{{{exp}}}"
        return super()._print_Pow(expr)

    def parenthesize_super(self, s: str) -> str:
        # a norm's own subscript already closes it: ‖A − xxᵀ‖_F^2 needs no parentheses
        return s if s.startswith(r"\left\|") else super().parenthesize_super(s)

    # ---- nodes
    def _name(self, name: str) -> str:
        return sp.latex(sp.Symbol(name))

    def _node_Leaf(self, n) -> str:
        if n.differential and n.name.startswith("d"):
            return r"\mathrm{d}" + self._name(n.name[1:])
        return self._name(n.name)

    def _wrap(self, node) -> str:
        text = self._node(node)
        atomic = isinstance(node, mx.Leaf | mx.Identity | mx.Inverse | mx.Transpose | mx.Softmax
                            | mx.Diag | mx.DiagOf | mx.Vec | mx.Commutation | mx.Kron)
        if isinstance(node, mx.Elem) and (isinstance(node.expr, sp.Function | mx.Atom)
                                          or not mx.matrix_atoms(node.expr)):
            atomic = True
        return text if atomic else rf"\left({text}\right)"

    def _node_Transpose(self, n) -> str:
        if isinstance(n.arg, mx.Inverse):
            return self._power(n.arg.arg, r"-\top")
        return self._power(n.arg, r"\top")

    def _power(self, node, exponent: str) -> str:
        base = self._node(node)
        if not isinstance(node, mx.Leaf):
            base = rf"\left({base}\right)"
        return f"{base}^{{{exponent}}}"

    def _node_Inverse(self, n) -> str:
        return self._power(n.arg, "-1")

    def _node_Identity(self, n) -> str:
        return "I"

    def _node_Elem(self, n) -> str:
        if mx.matrix_atoms(n.expr):
            return self._print(n.expr)
        r, c = n.shape
        ones = r"\mathbf{1}" if 1 in (r, c) else r"\mathbf{1}\mathbf{1}^{\top}"
        if r == 1 and c != 1:
            ones = r"\mathbf{1}^{\top}"
        if n.expr == 0:
            return "0"
        if n.expr == 1:
            return ones
        return f"{self.parenthesize(n.expr, PRECEDENCE['Mul'])} {ones}"

    def _node_MatMul(self, n) -> str:
        def differential(f):
            f = f.arg if isinstance(f, mx.Transpose) else f
            return isinstance(f, mx.Leaf) and f.differential

        parts = [self._wrap(f) for f in n.factors]
        return "".join(p if i == 0 else (r"\, " if differential(f) else " ") + p
                       for i, (p, f) in enumerate(zip(parts, n.factors, strict=True)))

    def _call(self, name: str, node) -> str:
        return rf"\operatorname{{{name}}}\left({self._node(node)}\right)"

    def _node_Softmax(self, n) -> str:
        return self._call("softmax", n.arg)

    def _node_Diag(self, n) -> str:
        return self._call("diag", n.arg)

    _node_DiagOf = _node_Diag

    def _node_Det(self, n) -> str:
        return rf"\det\left({self._node(n.arg)}\right)"

    def _node_Trace(self, n) -> str:
        return self._call("tr", n.arg)

    def _node_Norm(self, n) -> str:
        sub = "2" if n.arg.shape[1] == 1 or n.arg.shape[0] == 1 else "F"
        return rf"\left\|{self._node(n.arg)}\right\|_{{{sub}}}"

    def _node_SumAll(self, n) -> str:
        return self._call("sum", n.arg)

    def _node_Vec(self, n) -> str:
        return self._call("vec", n.arg)

    def _node_Kron(self, n) -> str:
        return rf"\left({self._wrap(n.left)} \otimes {self._wrap(n.right)}\right)"

    def _node_Commutation(self, n) -> str:
        return rf"K_{{{self._print(n.m)},{self._print(n.n)}}}"


def to_numpy(v) -> str:
    """NumPy-evaluable text for a scalar or matrix value (see the module docstring)."""
    return NumpyPrinter().doprint(v)


def to_latex(v) -> str:
    """Textbook LaTeX for a scalar or matrix value."""
    return MatrixTexPrinter().doprint(v)


mx.Node.spell = to_numpy  # a node's repr is its NumPy spelling
