"""One way in: every input form a public function accepts, turned into the workbench's own terms.

The workbench's variables are **real** SymPy symbols created by the safe parser
(``Symbol("x", real=True)``).  SymPy treats ``Symbol("x")`` and
``Symbol("x", real=True)`` as *different* variables, so an expression built from
a user's own ``sympy.symbols("x y")`` differentiated with respect to the
workbench's ``x`` is silently 0.  This module is the single place where input
crosses into the workbench, and it maps every form onto the same symbols:

* **text** goes through the safe parser (:func:`workbench.core.parse.parse`);
  nothing is ever evaluated;
* **SymPy expressions** have their symbols mapped *by name* onto the
  workbench's real symbols.  A symbol whose assumptions contradict being real
  (``imaginary=True``, ``extended_real=False`` ...) is refused.  Assumptions
  compatible with real (``positive=True``, ``integer=True``, ``nonzero=True``)
  are accepted and **dropped**: the variable becomes the workbench's real
  symbol, so results equal those for the same text.  What SymPy already
  simplified while the user built the expression stays simplified
  (``sqrt(x**2)`` with a positive ``x`` was turned into ``x`` before the
  workbench saw it);
* **workbench functions** (any object with a ``__workbench_function__`` method
  returning ``(expression, variables)``, e.g. :class:`workbench.explore.Function`)
  give their expression and variables;
* **Python callables** are accepted only where a numeric reference is meant
  (a claimed gradient): :func:`is_numeric_reference` says so.

Anything else is a :class:`TypeError` naming the type and the accepted forms.

>>> import sympy as sp
>>> x, y = sp.symbols("x y")                     # plain symbols: not real
>>> e = expression(x**2*y)
>>> [s.is_real for s in sorted(e.free_symbols, key=str)]
[True, True]
>>> e == expression("x**2*y")
True
>>> expression(sp.Symbol("z", imaginary=True))  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
workbench.core.errors.InputError: symbol z is declared imaginary=True; the workbench's ...
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Sequence

import sympy as sp
from sympy.core.function import AppliedUndef

from .errors import InputError, ParseError
from .parse import parse, symbols_for

#: the method a workbench object implements to be accepted as a function
PROTOCOL = "__workbench_function__"

ACCEPTED = ("a math string, a SymPy expression, or a workbench Function "
            "(workbench.function(...))")

#: SymPy node types the workbench cannot compile or certify: refused with their name
_UNEVALUATED = (sp.Derivative, sp.Integral, sp.Limit, sp.Sum, sp.Product, sp.Subs, AppliedUndef)


def _check_symbol(s: sp.Basic) -> str:
    """The name of a user's symbol, after checking it can be a real workbench variable."""
    if isinstance(s, sp.Dummy | sp.Wild) or not isinstance(s, sp.Symbol):
        raise InputError(f"{type(s).__name__} {s} cannot be a variable: use a named "
                         "sympy.Symbol or a string")
    if s.is_real is False:  # imaginary=True, real=False, ...: contradicts real
        given = getattr(s, "_assumptions_orig", None) or {}
        stated = ", ".join(f"{k}={v}" for k, v in given.items()) or "not real"
        raise InputError(f"symbol {s.name} is declared {stated}; "
                         "the workbench's variables are real")
    symbols_for([s.name])  # a valid identifier and not a function name
    return s.name


def _from_sympy(expr: sp.Basic) -> sp.Expr:
    if isinstance(expr, sp.MatrixBase | sp.MatrixExpr):
        raise TypeError("a scalar expression is needed here, got a matrix "
                        "(matrix calculus: workbench.matrix)")
    if not isinstance(expr, sp.Expr):
        raise TypeError(f"a scalar expression is needed here, got SymPy {type(expr).__name__}")
    for node in sp.preorder_traversal(expr):
        if isinstance(node, _UNEVALUATED):
            kind = "undefined function" if isinstance(node, AppliedUndef) else "unevaluated"
            raise InputError(f"{kind} {type(node).__name__} in the expression: {node}")
    mapping = {s: sp.Symbol(_check_symbol(s), real=True) for s in expr.free_symbols}
    out = expr.xreplace(mapping)
    if out.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        raise InputError(f"expression has an infinity or undefined value: {out}")
    if out.has(sp.I):
        raise InputError(f"expression has a complex constant (I): {out}; "
                         "the workbench works over the reals")
    return out


def names(variables: str | sp.Symbol | Iterable[str | sp.Symbol] | None) -> list[str] | None:
    """Variable names from a name, ``"x,y"``, a Symbol, or a list of names and Symbols.

    >>> names(["x", sp.Symbol("y", positive=True)])
    ['x', 'y']
    >>> names("x, y")
    ['x', 'y']
    """
    if variables is None:
        return None
    if isinstance(variables, str):
        items: list = [v.strip() for v in variables.split(",") if v.strip()]
    elif isinstance(variables, sp.Symbol):
        items = [variables]
    elif isinstance(variables, Iterable):
        items = list(variables)
    else:
        raise TypeError(f"variables must be names or SymPy symbols, got "
                        f"{type(variables).__name__}")
    out = []
    for v in items:
        if isinstance(v, sp.Basic):
            out.append(_check_symbol(v))
        elif isinstance(v, str):
            out.append(v.strip())
        else:
            raise TypeError(f"a variable must be a name or a SymPy symbol, got "
                            f"{type(v).__name__} {v!r}")
    symbols_for(out)
    if len(set(out)) != len(out):
        raise InputError(f"a variable is named twice: {', '.join(out)}")
    return out


def expression(obj, variables: Sequence[str] | None = None) -> sp.Expr:
    """``obj`` as a SymPy expression over the workbench's real symbols.

    ``variables`` (names), when given, restricts text to those names; for SymPy
    input and functions the names are checked by :func:`function_of`.
    """
    if isinstance(obj, str):
        return parse(obj, variables)
    if hasattr(obj, PROTOCOL):
        return getattr(obj, PROTOCOL)()[0]
    if isinstance(obj, sp.Basic | sp.MatrixBase):
        return _from_sympy(obj)
    raise TypeError(f"expected {ACCEPTED}; got {type(obj).__name__}")


def function_of(obj, variables=None, parameters: bool = False) -> tuple[sp.Expr, list[str]]:
    """``(expression, variable names)`` for any accepted input.

    Variables default to those of a workbench function, else to the free names in
    sorted order.  Every free name must be a listed variable, unless
    ``parameters`` allows other names (a limit in ``x`` of ``sin(a*x)/x``).

    >>> function_of("x**2*y", ["y", "x"])
    (x**2*y, ['y', 'x'])
    >>> import sympy as sp
    >>> function_of(sp.Symbol("x") * sp.Symbol("y"), ["x"])
    Traceback (most recent call last):
    ...
    workbench.core.errors.InputError: the expression uses y, not among the variables (x)
    """
    wanted = names(variables)
    if isinstance(obj, str) and wanted is not None and not parameters:
        return parse(obj, wanted), wanted  # the parser names an undeclared token and its column
    own = getattr(obj, PROTOCOL)()[1] if hasattr(obj, PROTOCOL) else None
    expr = expression(obj, None)
    free = sorted(s.name for s in expr.free_symbols)
    listed = wanted if wanted is not None else (list(own) if own is not None else free)
    other = [v for v in free if v not in listed]
    if other and not parameters:
        raise InputError(f"the expression uses {', '.join(other)}, not among the variables "
                         f"({', '.join(listed) or 'none'})")
    if isinstance(obj, str) and wanted is not None:
        # read again with the names declared: a declared variable named e or pi wins.
        # Only parameters get here, so a name the first reading cancelled (y in y - y)
        # is a parameter too, and that reading stands.
        with contextlib.suppress(ParseError):
            expr = parse(obj, [*wanted, *other])
    return expr, listed


def is_numeric_reference(obj) -> bool:
    """A Python callable meant as a numeric reference (not a workbench function or SymPy).

    >>> is_numeric_reference(lambda x, y: (2*x*y, x**2)), is_numeric_reference("2*x")
    (True, False)
    """
    return callable(obj) and not hasattr(obj, PROTOCOL) and not isinstance(obj, sp.Basic | str)


def numeric_reference(obj) -> Callable:
    """``obj`` if it is a callable numeric reference, else a :class:`TypeError`."""
    if not is_numeric_reference(obj):
        raise TypeError(f"expected a Python callable, got {type(obj).__name__}")
    return obj
