"""NumPy code printed straight from SymEngine's common subexpressions.

A gradient or Hessian at scale has thousands of entries built from a few
shared pieces: every entry of log-sum-exp's Hessian, −exp(xᵢ + xⱼ)/S², shares
S = Σₖ exp(xₖ).  Common-subexpression elimination (CSE) turns the entries into
a straight-line program: temporaries cₖ = vₖ, each defined from the variables
and earlier temporaries, then the outputs from them.

The program is read off the expressions' DAG: SymPy -> SymEngine conversion
(:func:`workbench.symbolic.fastdiff.to_symengine`) keeps each shared subtree
one node, and every compound node reached from two places (two parents, or a
parent and an output) becomes a temporary, defined after its own children.
That is the tree part of SymPy's ``cse``, linear in the number of distinct
nodes.  (SymEngine's own C++ ``cse`` also looks for common terms of sums and
products, pair by pair: 2 s on log-sum-exp's 5,050 Hessian entries, more than
the rest of compiling; the NumPy code gains little from it.)  Converting back
to SymPy to let SymPy's printer write the code would cost seconds more (every
SymPy node is built with evaluation and assumption queries), so the code is
printed from SymEngine's own nodes: one ``_print_<Node>`` per node type the
fast path admits (the types SymEngine differentiates like SymPy: symbols,
integers, rationals, sums, products, rational powers, exp, log, the
trigonometric and hyperbolic functions and their inverses, π and e).  Any other
node means "not for this printer" (:class:`OutsideTable`), and the caller takes
SymPy's path.  Products print as numerator/denominator like SymPy's printer
(``a/b``, not ``a*b**(-1)``), square roots as ``sqrt``.

The variables and temporaries get generated identifiers (``x_0``, ``c_0``: a
user's symbol name need not be a Python identifier), so the source is ours
alone, never user text, and is built into a function the way
:func:`sympy.lambdify` builds its own.

>>> import sympy as sp
>>> x, y = sp.symbols("x y")
>>> fn = numpy_function([x, y], [x*sp.exp(x + y), sp.exp(x + y)/y])
>>> print(fn.source)
def _cse_numpy(x_0, x_1):
    c_0 = exp(x_1 + x_0)
    return [x_0*c_0, c_0/x_1]
>>> float(fn(0.0, 1.0)[1])
2.718281828459045
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import sympy as sp

from ..symbolic import fastdiff

#: SymEngine function -> the NumPy function printed for it
FUNCTIONS = {
    "log": "log", "sin": "sin", "cos": "cos", "tan": "tan", "sinh": "sinh", "cosh": "cosh",
    "tanh": "tanh", "asin": "arcsin", "acos": "arccos", "atan": "arctan",
}
#: the names the generated code uses, bound to NumPy's
NAMESPACE = {name: getattr(np, name) for name in (*FUNCTIONS.values(), "exp", "sqrt")} | {
    "pi": np.pi, "e": np.e}

# binding strength, as Python parses the printed text
_ADD, _MUL, _POW, _ATOM = 1, 2, 3, 4


class OutsideTable(Exception):
    """A SymEngine node this printer has no rule for: the caller prints another way."""


class CSEPrinter:
    """SymEngine nodes -> NumPy source text, symbols by the identifiers in ``names``.

    >>> import symengine as se
    >>> x = se.Symbol("x")
    >>> CSEPrinter({x: "x_0"}).doprint(-2*x**2/3 + se.sqrt(x))
    'sqrt(x_0) - 2*x_0**2/3'
    """

    def __init__(self, names: dict):
        self.names = names  # SymEngine Symbol -> identifier

    def doprint(self, node) -> str:
        return self._print(node)[0]

    def _print(self, node) -> tuple[str, int]:
        """(text, binding strength of its outermost operation)."""
        name = self.names.get(node)
        if name is not None:  # a variable, or a shared subtree computed once
            return name, _ATOM
        for cls in type(node).__mro__:
            method = getattr(self, "_print_" + cls.__name__, None)
            if method is not None:
                return method(node)
        raise OutsideTable(type(node).__name__)

    def _wrap(self, node, strength: int) -> str:
        """``node``'s text, in parentheses unless it binds at least ``strength``."""
        text, own = self._print(node)
        return text if own >= strength else f"({text})"

    def _print_Symbol(self, node) -> tuple[str, int]:
        raise OutsideTable(f"symbol {node} is not a variable")

    def _print_Integer(self, node) -> tuple[str, int]:
        n = int(node)
        return str(n), (_ATOM if n >= 0 else _ADD)

    def _print_Rational(self, node) -> tuple[str, int]:
        # p/q divides in float64 (Python's true division), as SymPy's NumPy printer does
        p, q = node.get_num_den()
        return f"{int(p)}/{int(q)}", _MUL if int(p) >= 0 else _ADD

    def _print_Pi(self, node) -> tuple[str, int]:
        return "pi", _ATOM

    def _print_Exp1(self, node) -> tuple[str, int]:
        return "e", _ATOM

    def _print_Function(self, node) -> tuple[str, int]:
        name = FUNCTIONS.get(type(node).__name__)
        if name is None:
            raise OutsideTable(type(node).__name__)
        return f"{name}({self.doprint(node.args[0])})", _ATOM

    def _print_Add(self, node) -> tuple[str, int]:
        pieces = []
        for term in node.args:
            negative, magnitude = (False, term) if term in self.names else _split_sign(term)
            if negative:
                pieces += [" - ", self._wrap(magnitude, _ADD + 1)]
            else:
                pieces += [" + ", self._wrap(term, _ADD)]
        first = "-" if pieces[0] == " - " else ""
        return first + "".join(pieces[1:]), _ADD

    def _print_Mul(self, node) -> tuple[str, int]:
        negative, magnitude = _split_sign(node)
        top, bottom = _numerator_denominator(magnitude, self.names)
        num = "*".join(self._wrap(f, _MUL) for f in top) if top else "1"
        if bottom:
            if len(bottom) == 1:  # a/b**2, a/sqrt(b), a/(b + c)
                den = self._wrap(bottom[0], _POW)
            else:
                den = "(" + "*".join(self._wrap(f, _MUL) for f in bottom) + ")"
            num = f"{num}/{den}"
        return (f"-{num}", _ADD) if negative else (num, _MUL)

    def _print_Pow(self, node) -> tuple[str, int]:
        import symengine as se

        base, power = node.args
        if base == se.E:
            return f"exp({self.doprint(power)})", _ATOM
        if not isinstance(power, se.Rational):
            raise OutsideTable("a power with a symbolic exponent")
        if power == se.Rational(1, 2):
            return f"sqrt({self.doprint(base)})", _ATOM
        if power.is_negative:  # 1/b**n: a negative integer power of an integer array is an error
            return self._print_Mul(node)
        return f"{self._wrap(base, _ATOM)}**{self._wrap(power, _ATOM)}", _POW


def _split_sign(node) -> tuple[bool, object]:
    """(whether ``node`` prints with a leading minus, ``node`` without it)."""
    import symengine as se

    if isinstance(node, se.Number) and node.is_negative:
        return True, -node
    if isinstance(node, se.Mul) and isinstance(node.args[0], se.Number) \
            and node.args[0].is_negative:
        return True, -node
    return False, node


def _numerator_denominator(node, names: dict) -> tuple[list, list]:
    """The factors of ``node`` above and below the fraction bar (b**(-e) goes below as b**e)."""
    import symengine as se

    factors = node.args if isinstance(node, se.Mul) else (node,)
    top, bottom = [], []
    for f in factors:
        if f in names:  # computed once already: used as it is
            top.append(f)
        elif isinstance(f, se.Rational) and not isinstance(f, se.Integer):
            p, q = f.get_num_den()
            if p != 1:
                top.append(p)
            bottom.append(q)
        elif isinstance(f, se.Pow) and isinstance(f.args[1], se.Rational) and f.args[1].is_negative:
            base, power = f.args
            bottom.append(base if power == -1 else se.Pow(base, -power))
        else:
            top.append(f)
    return top, bottom


def shared_subtrees(roots: Sequence) -> list:
    """The compound nodes reached from two places in the DAG of ``roots``, children first.

    A node counts once per parent that holds it and once per output it is:
    each one returned is worth computing once and naming.

    >>> import symengine as se
    >>> x, y = se.symbols("x y")
    >>> shared_subtrees([se.exp(x + y)*x, se.exp(x + y)/y, x + y])
    [x + y, exp(x + y)]
    """
    count: dict = {}
    order = []
    for root in roots:
        if root in count:
            count[root] += 1
            continue
        count[root] = 1
        stack = [(root, iter(root.args))]
        while stack:  # depth first without recursion; a node is expanded once
            node, children = stack[-1]
            for child in children:
                if child in count:
                    count[child] += 1
                elif child.args:
                    count[child] = 1
                    stack.append((child, iter(child.args)))
                    break
            else:
                stack.pop()
                order.append(node)
    return [node for node in order if count[node] > 1 and node.args]


def source(exprs: Sequence, names: dict) -> str:
    """The text of a function of the variables in ``names`` returning ``exprs`` (SymEngine).

    ``names`` maps each variable (a SymEngine symbol) to its identifier, in
    the order of the function's parameters.
    """
    names = dict(names)
    lines = [f"def _cse_numpy({', '.join(names.values())}):"]
    printer = CSEPrinter(names)
    for k, node in enumerate(shared_subtrees(exprs)):
        lines.append(f"    c_{k} = {printer.doprint(node)}")
        names[node] = f"c_{k}"
    lines.append(f"    return [{', '.join(printer.doprint(e) for e in exprs)}]")
    return "\n".join(lines)


def numpy_function(xs: Sequence[sp.Symbol], exprs: Sequence[sp.Expr]) -> Callable | None:
    """``sympy.lambdify(xs, exprs, "numpy", cse=True)``'s function, printed from SymEngine.

    It takes one array (or scalar) per variable and returns the list of the
    expressions' values.  None when SymEngine cannot take the expressions or
    one has a node outside this printer's table: the caller then takes SymPy's
    path.  The function's ``source`` is the generated text.
    """
    converted = fastdiff.to_symengine(exprs)
    if converted is None:
        return None
    import symengine as se

    names = {se.Symbol(str(x)): f"x_{i}" for i, x in enumerate(xs)}
    if len(names) != len(xs):  # two variables of one name
        return None
    try:
        text = source(converted, names)
    except (OutsideTable, RecursionError):
        return None
    namespace = dict(NAMESPACE)
    exec(compile(text, "<cse_numpy>", "exec"), namespace)  # our generated text, never user input
    fn = namespace["_cse_numpy"]
    fn.source = text
    return fn
