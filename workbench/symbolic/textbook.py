"""Textbook form: the simplest of several equal forms of a result, by a stated rule.

SymPy returns a derivative in whatever form differentiation left it: the chain
rule's dz/dt comes out as ``72 sin²(2t) − 46 sin(4t) − 72 cos²(2t)`` where a
textbook writes ``−46 sin 4t − 72 cos 4t``.  "Simplest" is made precise here:

* **candidates** — the raw result and what ``simplify``, ``trigsimp`` (also
  with Fu's products-to-sums rules), ``factor``, ``collect`` (in the free
  variables), ``expand_trig`` followed by ``trigsimp``, ``cancel`` and
  ``together`` make of it (:data:`FORMS`), each
  under the bounded simplifier's budget (:mod:`workbench.core.budget`: counted
  operations decide whether a form is tried, a clock only aborts);
* **the rule** — fewest operations (``sympy.count_ops``), ties broken by the
  shorter printed text, then by the order of :data:`FORMS`;
* **certified** — a candidate counts only when its difference from the raw
  result simplifies exactly to 0.  A candidate that cannot be certified (the
  difference does not simplify, or a form ran out of its budget) is dropped, so
  the worst case is the raw result itself, never an uncertified form.

>>> import sympy as sp
>>> t = sp.Symbol("t", real=True)
>>> raw = 72*sp.sin(2*t)**2 - 46*sp.sin(4*t) - 72*sp.cos(2*t)**2
>>> textbook(raw)
-46*sin(4*t) - 72*cos(4*t)
>>> x = sp.Symbol("x", real=True)
>>> textbook((x - 1)*(2*x - 2))
2*(x - 1)**2
"""

from __future__ import annotations

from collections.abc import Callable

import sympy as sp

from ..core import budget
from ..core.errors import BudgetExceeded
from ..core.printing import to_text


def _collect(e: sp.Expr) -> sp.Expr:
    return sp.collect(sp.expand(e), sorted(e.free_symbols, key=str))


#: name -> the form it gives; tried in this order (which also breaks exact ties).
FORMS: dict[str, Callable[[sp.Expr], sp.Expr]] = {
    "simplify": sp.simplify,
    "trigsimp": sp.trigsimp,
    # Fu's rules turn products and powers of sin/cos into sums: sin²2t → (1 − cos 4t)/2
    "trigsimp (Fu)": lambda e: sp.trigsimp(e, method="fu"),
    "factor": sp.factor,
    "collect": _collect,
    "expand_trig + trigsimp": lambda e: sp.trigsimp(sp.expand_trig(e)),
    "cancel": sp.cancel,
    "together": sp.together,
}


def _size(e: sp.Expr) -> tuple[int, int]:
    """The rule's key: operations, then printed length."""
    return sp.count_ops(e), len(to_text(e))


def _candidates(expr: sp.Expr) -> list[tuple[str, sp.Expr]]:
    """Every form of :data:`FORMS` that applies and finishes in its budget."""
    out = []
    for name, form in FORMS.items():
        try:
            out.append((name, budget.bounded(lambda form=form: form(expr), f"the {name} form")))
        except (BudgetExceeded, sp.PolynomialError, NotImplementedError, ValueError, TypeError):
            continue  # a form that does not apply, or runs away: not a candidate
    return out


def _certified(form: sp.Expr, raw: sp.Expr) -> bool:
    d = form - raw
    return d == 0 or budget.simplify(d) == 0


def textbook_form(expr: sp.Expr) -> tuple[sp.Expr, str]:
    """``(form, how)``: the textbook form and the form that gave it ("raw" if none was simpler).

    Expressions over the simplifier's budget (:data:`~workbench.core.budget.SIMPLIFY_OPS`
    operations), and those whose forms run out of time, stay as they are.
    """
    expr = sp.sympify(expr)
    if not isinstance(expr, sp.Expr) or sp.count_ops(expr) > budget.SIMPLIFY_OPS:
        return expr, "raw"
    best, how = expr, "raw"
    for name, form in sorted(_candidates(expr), key=lambda c: _size(c[1])):
        if _size(form) >= _size(best):
            break
        try:
            if _certified(form, expr):
                return form, name
        except BudgetExceeded:
            continue  # not certified in time: not shown
    return best, how


def textbook(expr: sp.Expr) -> sp.Expr:
    """The simplest certified form of ``expr`` (see the module's rule), or ``expr`` itself.

    >>> x, y = sp.symbols("x y", real=True)
    >>> textbook(x*y + x*y**2 - x)
    x*(y**2 + y - 1)
    """
    return textbook_form(expr)[0]


def textbook_matrix(m: sp.MatrixBase) -> sp.MatrixBase:
    """Each entry of ``m`` in textbook form."""
    return m.applyfunc(textbook)
