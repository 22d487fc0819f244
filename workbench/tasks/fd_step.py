"""The ``fd_step`` task: one derivative at a working precision ε, step h = √ε(1 + ‖x‖).

A source fixes the precision of its arithmetic (ε = 10⁻⁴, say) and a step rule.
The rule √ε(1 + ‖x‖) balances truncation ~ h against round-off ~ ε/h, the
trade-off of a one-sided difference; a central difference (order 2) balances at
h ≈ ε^(1/3)·max(1, |x|) instead.  The task computes the quotient three ways:
in exact arithmetic (50 digits, leaving the truncation error alone), rounded to
the bits of ε at h/10, h and 10h (round-off appears), and in float64, and checks
the exact-arithmetic error against the truncation model m_(p+1) f^(p+1) hᵖ.  The
source's claims (the step, "the difference is exact here", "the size of h does
not matter", the derivative) are judged against those numbers.  The steps at
which the ε-precision quotient is shown:

>>> [str(s) for s in STEP_SCALES]
['1/10', '1', '10']
"""

from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp

from ..core.errors import InputError
from ..core.printing import inline_math, latex_number, to_latex
from ..numerics import finite_diff as fd
from ..numerics import precision
from .common import claimed_value as _claimed
from .fd import (
    DERIVATIVE,
    LINE_FIELDS,
    METHOD,
    claim_derivative,
    claim_number,
    error_cell,
    exact_derivative,
    exercise_line,
    f_math,
    partial_latex,
    point_latex,
    typeset_digits,
)
from .model import Boxed, Outcome, Steps, Table, Text
from .registry import Context, Exercise, task
from .schema import EXPR, POINT, VARIABLES, Field


@task("fd_step", required={"expr": EXPR, "at": POINT, "wrt": LINE_FIELDS["wrt"],
                           "eps": Field(float, "the working precision ε", above=0, max=1)},
      optional={"variables": VARIABLES, "method": METHOD},
      claims={"h": Field(str, "the step size", kind="number"),
              "exact": Field(bool, "the difference is exact here"),
              "h_irrelevant": Field(bool, "the size of h does not matter"),
              "derivative": DERIVATIVE},
      example='''
expr = "x1*x3 + x2"
variables = ["x1", "x2", "x3"]
at = "x1=1,x2=1,x3=1"
wrt = "x3"
eps = 1e-4
method = "central"
claimed = { exact = true }
''')
def fd_step_task(ex: Exercise, ctx: Context) -> Outcome:
    """One derivative at a stated working precision ε with the step h = √ε(1 + ‖x‖)."""
    out = Outcome()
    line = exercise_line(ex)
    method = ex.fields.get("method", "central")
    if method not in fd.STENCILS:
        raise InputError(f"{ex.where('method')}: expected one of {', '.join(fd.STENCILS)}")
    eps_value = ex.fields["eps"]
    if not 0 < eps_value < 1:
        raise InputError(f"{ex.where('eps')}: a working precision between 0 and 1, "
                         f"got {eps_value}")
    eps = sp.nsimplify(sp.Rational(str(eps_value)))
    norm = sp.sqrt(sum(p**2 for p in line.point))
    h = sp.sqrt(eps) * (1 + norm)
    hf = float(sp.N(h, 30))
    out.add(f_math(line), Steps([
        (r"\lVert x\rVert", to_latex(norm), "at the point"),
        ("h", r"\sqrt{\varepsilon}\,(1 + \lVert x\rVert) = " + to_latex(sp.simplify(h)),
         f"ε = {eps_value:g}"),
        ("h", f"{hf:.10g}", "")]))
    tr = precision.truth(line)
    _, exact_value = exact_derivative(line)
    out.check("ground truth: mpmath.diff agrees with the exact derivative", tr.ok,
              f"difference {tr.agreement:.1e}")
    # the quotients the table, the theory and the claims all read, computed once
    bits = precision.bits_for(eps_value)
    exact = precision.quotient_exact(line, method, h)
    scaled = [(h * s, precision.quotient_at_precision(line, method, h * s, bits))
              for s in STEP_SCALES]
    _step_table(out, line, method, h, hf, tr, bits, exact, scaled)
    _step_theory(out, line, method, hf, tr, eps_value, exact)
    if tr.ok:
        out.add(Boxed("Derivative", rf"{partial_latex(line)}\Big|_{{{point_latex(line)}}} = "
                                    f"{to_latex(exact_value)}"))
    _step_claims(ex, out, line, method, h, tr, eps_value, exact_value, exact, scaled)
    return out


#: h/10, h, 10h: the steps at which the ε-precision quotient is shown.
STEP_SCALES = (sp.Rational(1, 10), 1, 10)


def _step_table(out, line, method, h, hf, tr, bits, exact, scaled) -> None:
    rows = []
    rows.append(["exact arithmetic (50 digits)", _h(h), typeset_digits(mpmath.nstr(exact, 17)),
                 error_cell(_rel(exact, tr.value))])
    for hh, q in scaled:
        eps_shown = inline_math(r"\varepsilon \approx " + latex_number(2.0 ** (1 - bits), 2))
        rows.append([f"working precision {eps_shown} ({bits} bits)", _h(hh),
                     typeset_digits(mpmath.nstr(q, 8)), error_cell(_rel(q, tr.value))])
    q64 = precision.quotient(line, method, hf)
    rows.append(["float64", _h(h), typeset_digits(repr(q64)),
                 error_cell(float(precision.errors_against(np.asarray(q64), tr.value)))])
    truth_text = typeset_digits(mpmath.nstr(tr.value, 20))
    out.add(Table(["arithmetic", "h", f"{method} quotient", "error"], rows,
                  f"True value {truth_text} (mpmath, 50 digits). The "
                  f"ε-precision rows round every operation to {bits} bits."))


def _h(h) -> str:
    return inline_math(latex_number(float(sp.N(h, 20)), 4))


def _rel(q, t) -> float:
    with mpmath.workdps(precision.DIGITS):
        return float(abs(mpmath.mpf(q) - t) / (abs(t) if t else 1))


def _step_theory(out, line, method, hf, tr, eps_value, exact) -> None:
    st = fd.STENCILS[method]
    p = st.order
    x = float(sp.N(line.x, 30))
    rule = float(fd.step(method, x, eps=eps_value))  # ε^(1/(p+1))·max(1, |x|)
    trunc = abs(float(st.truncation)) * abs(float(tr.derivs[p + 1])) * hf ** p
    out.add(Text(
        f"The rule √ε(1 + ‖x‖) balances truncation ~ h against round-off ~ ε/h, the "
        f"trade-off of a one-sided difference. For a {method} difference (order {p}) the "
        "balance is at " + inline_math(rf"h \approx \varepsilon^{{1/{p + 1}}} \max(1, |x|)") + " = "
        f"{error_cell(rule)}. Here the truncation term "
        f"{inline_math(rf'|m_{{{p + 1}}} f^{{({p + 1})}}| h^{{{p}}}')} is {error_cell(trunc)}"
        + (" (zero: f is a polynomial of degree ≤ p along this line), so only round-off "
           "is left, and it shrinks as h grows." if trunc == 0 else ".")))
    measured = _rel(exact, tr.value) * (abs(float(tr.value)) or 1.0)
    ok = (measured <= 1e-40 and trunc <= 1e-40) or (trunc > 0 and 0.5 <= measured / trunc <= 2)
    out.check("exact-arithmetic error matches the truncation model m_(p+1) f^(p+1) h^p", ok,
              f"measured {measured:.2e}, model {trunc:.2e}")


def _step_claims(ex, out, line, method, h, tr, eps_value, exact_value, exact, scaled) -> None:
    text = _claimed(ex, "h")
    if text is not None:
        claimed = claim_number(ex, "h", text)
        holds = sp.simplify(claimed - h) == 0
        out.claim(f"step size {inline_math('h = ' + to_latex(claimed))}", bool(holds),
                  f"√ε(1 + ‖x‖) = {inline_math(sp.simplify(h))} ≈ "
                  f"{inline_math(latex_number(float(sp.N(h, 20)), 10))}")
    if _claimed(ex, "exact") is not None:
        err = _rel(exact, tr.value)
        holds = (err <= 1e-40) == bool(_claimed(ex, "exact"))
        out.claim(f"the {method} difference is exact here", holds,
                  f"in exact arithmetic its error is {error_cell(err)} "
                  + ("(no truncation error)" if err <= 1e-40 else "(truncation error)"))
    if _claimed(ex, "h_irrelevant") is not None:
        errs = [_rel(q, tr.value) for _, q in scaled]
        depends = max(errs) > 3 * max(min(errs), 1e-300)
        out.claim("the size of h is not important", depends != bool(_claimed(ex, "h_irrelevant")),
                  f"with ε ≈ {error_cell(eps_value)} arithmetic the errors at h/10, h, 10h are "
                  + ", ".join(error_cell(e) for e in errs)
                  + ("; round-off ~ ε/h still depends on h (only the truncation error "
                     "vanishes)" if depends else "; they do not depend on h"))
    claim_derivative(ex, out, line, exact_value, tr)
