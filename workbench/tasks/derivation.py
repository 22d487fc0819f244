"""Worked derivations on a sheet: each scalar derivative as verified rule applications.

A solution sheet shows how a derivative is obtained, not only the result.  For
every partial derivative a task asks for, :func:`partials` adds a ``Steps`` block
whose rows are the rule applications of :mod:`workbench.symbolic.steps` (sum,
product, quotient, chain, known derivative ...; the note of each row is its
rule), ending in the result in textbook form (:mod:`workbench.symbolic.textbook`).
Every step is verified before it is shown; a derivation that does not verify
is not shown, and the task's Check says so.

:func:`chain` does the same for the multivariable chain rule of a composition
z(x₁(t), …, xₙ(t)): the steps of each ∂z/∂xᵢ and dxᵢ/dt, then
dz/dt = Σ ∂z/∂xᵢ · dxᵢ/dt, checked against the derivative of the composition.

>>> import sympy as sp
>>> from workbench.tasks.model import Outcome
>>> x = sp.Symbol("x", real=True)
>>> out = Outcome()
>>> partials(out, x*sp.sin(x), ["x"])
>>> [row[2] for row in out.blocks[-1].rows], out.passed
(['product rule', 'known derivative: sin', 'the steps combined'], True)
"""

from __future__ import annotations

import sympy as sp

from ..core.printing import to_latex
from ..symbolic import steps as derivation
from ..symbolic.textbook import textbook
from .model import Outcome, Steps, Text

#: the longest derivation printed in full (rows); a longer one is verified and summarized
MAX_ROWS = 24

#: the Check every derivation adds (its detail says how the steps were checked)
CHECK = "derivation steps verified"


def _show(out: Outcome, d: derivation.Derivation, what: str) -> None:
    rows = d.rows()
    if len(rows) > MAX_ROWS:
        out.add(Text(f"{what}: {len(d.steps)} rule applications, each verified "
                     "(too many to print)."))
        return
    out.add(Text(f"{what}, rule by rule:"), Steps(rows))


def _name(v: str, f: sp.Expr) -> str:
    d = "∂" if len(f.free_symbols) > 1 else "d"
    return f"{d}f/{d}{v}"


def partials(out: Outcome, f: sp.Expr, names: list[str]) -> None:
    """A verified derivation of each ∂f/∂xᵢ (a Steps block each) and one Check for all."""
    problems = []
    for v in names:
        try:
            d = derivation.steps(f, sp.Symbol(v, real=True))
        except derivation.StepError as exc:
            problems.append(f"{_name(v, f)}: {exc}")
            continue
        _show(out, d, _name(v, f))
    out.check(CHECK, not problems, "; ".join(problems) or "each step equals the derivative "
              "of its left side")


def chain(out: Outcome, outer: sp.Expr, inner: dict[sp.Symbol, sp.Expr], t: sp.Symbol
          ) -> None:
    """dz/dt = Σ ∂z/∂xᵢ · dxᵢ/dt for z = outer(x(t)): each factor's steps, then the sum."""
    problems, total, terms = [], sp.Integer(0), []
    for xi, xt in inner.items():
        try:
            d_out, d_in = derivation.steps(outer, xi), derivation.steps(xt, t)
        except derivation.StepError as exc:
            problems.append(str(exc))
            continue
        _show(out, d_out, f"∂f/∂{xi}")
        d_in.name = str(xi)  # dx/dt, not df/dt
        _show(out, d_in, f"d{xi}/d{t}")
        total += d_out.final.subs(inner, simultaneous=True) * d_in.final
        terms.append(rf"\frac{{\partial f}}{{\partial {to_latex(xi)}}}"
                     rf"\frac{{d {to_latex(xi)}}}{{d {to_latex(t)}}}")
    truth = sp.diff(outer.subs(inner, simultaneous=True), t)
    if not problems and derivation.equal(total, truth) is None:
        problems.append("Σ ∂f/∂xᵢ · dxᵢ/dt does not equal the derivative of the composition")
    if not problems:
        dt = rf"\frac{{d f}}{{d {to_latex(t)}}}"
        out.add(Text("Chain rule: combine the factors."),
                Steps([(dt, " + ".join(terms), "chain rule"),
                       ("", to_latex(total), "substituted"),
                       ("", to_latex(textbook(total)), "simplest form")]))
    out.check(CHECK, not problems, "; ".join(problems) or "each step, and the chain rule's "
              "sum, equals the derivative")
