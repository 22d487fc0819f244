"""Textbook form: the simplest of several equal forms of a result, by a stated rule.

SymPy returns a derivative in whatever form differentiation left it: the chain
rule's dz/dt comes out as ``72 sin²(2t) − 46 sin(4t) − 72 cos²(2t)`` where a
textbook writes ``−46 sin 4t − 72 cos 4t``.  "Simplest" is made precise here:

* **candidates** — the raw result and what ``simplify``, ``trigsimp`` (also
  with Fu's products-to-sums rules), ``factor``, ``collect`` (in the free
  variables), ``expand_trig`` followed by ``trigsimp``, ``cancel`` and
  ``together`` make of it (:data:`FORMS`), all of a result's entries worked
  out in one bounded step (:mod:`workbench.core.budget`: counted operations
  decide whether a form is tried, a clock only aborts, with an error);
* **the rule** — fewest operations (``sympy.count_ops``), ties broken by the
  shorter printed text, then by the order of :data:`FORMS`;
* **certified** — a candidate counts only when its difference from the raw
  result simplifies exactly to 0.  A candidate that cannot be certified (the
  difference does not simplify) is dropped, so the worst case is the raw
  result itself, never an uncertified form.

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

from collections.abc import Callable, Sequence

import sympy as sp
from sympy.functions.elementary.hyperbolic import HyperbolicFunction
from sympy.functions.elementary.trigonometric import TrigonometricFunction

from ..core import budget
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
#: Forms that change only trigonometric and hyperbolic functions: on an expression
#: without them each returns it unchanged, so they are not tried there.
TRIG_FORMS = frozenset({"trigsimp", "trigsimp (Fu)", "expand_trig + trigsimp"})
_TRIG = (TrigonometricFunction, HyperbolicFunction)
#: forms already chosen in this process: expression -> (form, how)
_chosen: dict[sp.Expr, tuple[sp.Expr, str]] = {}


def _size(e: sp.Expr) -> tuple[int, int]:
    """The rule's key: operations, then printed length."""
    return sp.count_ops(e), len(to_text(e))


def _candidates(expr: sp.Expr) -> list[tuple[str, sp.Expr]]:
    """Every form of :data:`FORMS` that applies."""
    out = []
    trig = expr.has(*_TRIG)
    for name, form in FORMS.items():
        if name in TRIG_FORMS and not trig:
            continue
        try:
            out.append((name, form(expr)))
        except (sp.PolynomialError, NotImplementedError, ValueError, TypeError):
            continue  # a form that does not apply: not a candidate
    return out


def _certified(form: sp.Expr, raw: sp.Expr) -> bool:
    return budget.vanishes(form - raw)


def _choose(expr: sp.Expr) -> tuple[sp.Expr, str]:
    # an atom has no operation to save and no shorter spelling
    if not isinstance(expr, sp.Expr) or expr.is_Atom or sp.count_ops(expr) > budget.SIMPLIFY_OPS:
        return expr, "raw"
    for name, form in sorted(_candidates(expr), key=lambda c: _size(c[1])):
        if _size(form) >= _size(expr):
            break
        if _certified(form, expr):
            return form, name
    return expr, "raw"


def textbook_forms(exprs: Sequence[sp.Expr]) -> list[tuple[sp.Expr, str]]:
    """``(form, how)`` for each expression: its textbook form and the form that gave it.

    ``how`` is "raw" when no form was simpler; expressions over the simplifier's
    budget (:data:`~workbench.core.budget.SIMPLIFY_OPS` operations) stay as they
    are.  All of them are worked out in one bounded step: a runaway aborts with
    :class:`~workbench.core.errors.BudgetExceeded`, it never changes a form.
    """
    exprs = [sp.sympify(e) for e in exprs]
    todo = list(dict.fromkeys(e for e in exprs if e not in _chosen))
    if todo:
        found = budget.bounded(lambda: [_choose(e) for e in todo], "the textbook forms")
        _chosen.update(zip(todo, found, strict=True))
    return [_chosen[e] for e in exprs]


def textbook_form(expr: sp.Expr) -> tuple[sp.Expr, str]:
    """``(form, how)`` for one expression (see :func:`textbook_forms`)."""
    return textbook_forms([expr])[0]


def textbook(expr: sp.Expr) -> sp.Expr:
    """The simplest certified form of ``expr`` (see the module's rule), or ``expr`` itself.

    >>> x, y = sp.symbols("x y", real=True)
    >>> textbook(x*y + x*y**2 - x)
    x*(y**2 + y - 1)
    """
    return textbook_form(expr)[0]


def textbook_all(exprs: Sequence[sp.Expr]) -> list[sp.Expr]:
    """Each of ``exprs`` in textbook form, worked out together in one bounded step."""
    return [form for form, _ in textbook_forms(exprs)]


def textbook_matrix(m: sp.MatrixBase) -> sp.MatrixBase:
    """Each entry of ``m`` in textbook form."""
    return type(m)(m.rows, m.cols, textbook_all(list(m)))
