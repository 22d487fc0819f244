"""Finite-difference quotients: a precision study (``fd``), printed quotients (``fd_values``).

A difference quotient (f(x + h) − f(x))/h approximates f'(x) with two errors that
pull h in opposite directions: truncation, about A·hᵖ for a stencil of order p,
shrinks with h; round-off, about ε·|f|/h, grows as h shrinks.  Their sum is
smallest near h* ~ ε^(1/(p+1)).

* ``fd`` - every finite-difference method over a sweep of steps against the
  50-digit truth (:func:`workbench.numerics.precision.study`): table, log-log figure,
  theory against measurement; at a kink, both one-sided derivatives.
* ``fd_values`` - single quotients at given steps, printed as Python prints
  them, so numbers quoted by a source can be compared bit for bit.

The step rule at a stated working precision is :mod:`workbench.tasks.fd_step`;
machine epsilon and cancellation are :mod:`workbench.tasks.floating_point`.  The
helpers those tasks share (reading the exercise's line, typesetting numbers,
judging a claimed derivative) are public here.  Every number a source states is a
claim (``claimed``) checked against these measurements, never copied.  A number is
typeset with every digit a program prints:

>>> typeset_digits("1.0000000000000002e-05")
'$1.0000000000000002 \\\\times 10^{-5}$'
"""
from __future__ import annotations

import math
import re

import mpmath
import numpy as np
import sympy as sp

from ..core.errors import InputError, WorkbenchError
from ..core.parse import parse, parse_number, variables_of
from ..core.printing import inline_math, latex_number, to_latex
from ..numerics import finite_diff as fd
from ..numerics import precision
from ..symbolic.calculus import symbols
from .common import claimed_value as _claimed
from .common import field_expr, parse_at
from .model import Boxed, Figure, Math, Outcome, Steps, Table, Text
from .registry import Context, Exercise, task
from .schema import EXPR, POINT, VARIABLES, Field

LINE_FIELDS = {
    "wrt": Field(str, "the variable of the partial derivative (default: the only one)",
                 kind="name"),
    "variables": VARIABLES,
}
DTYPE = Field(str, "floating-point type", choices=tuple(precision.DTYPES))
DTYPES = Field(list, "floating-point types (float16, float32, float64)", limit="list_items")
METHOD = Field(str, "difference method", choices=fd.METHODS)
STEPS = Field(list, 'steps h: numbers or expressions in eps, e.g. "sqrt(eps)"',
              limit="list_items")
DERIVATIVE = Field(str, 'the derivative\'s value: exact ("exp(2)") or a decimal that must '
                   "round correctly", kind="number")


# ------------------------------------------------------------------ shared helpers

def exercise_line(ex: Exercise) -> precision.Line:
    """The exercise's function, point and partial as a :class:`precision.Line`."""
    names = ex.fields.get("variables")
    expr = field_expr(ex, "expr", names)
    names = list(names) if names else variables_of(expr)
    point = parse_at(ex, ex.fields["at"])
    try:
        return precision.make_line(expr, names, point, ex.fields.get("wrt"))
    except WorkbenchError as exc:
        raise InputError(f"{ex.where('at')}: {exc}") from None


def exercise_dtype(ex: Exercise, name: str, key: str = "dtype") -> str:
    """``name`` when it is a floating-point type; else an InputError naming field ``key``."""
    try:
        precision.dtype_of(name)
    except WorkbenchError as exc:
        raise InputError(f"{ex.where(key)}: {exc}") from None
    return name


def partial_latex(line: precision.Line) -> str:
    r"""The derivative being taken, typeset: ``\frac{d f}{d x}`` or a partial."""
    x = to_latex(sp.Symbol(line.wrt))
    return (rf"\frac{{\partial f}}{{\partial {x}}}" if len(line.variables) > 1
            else rf"\frac{{d f}}{{d {x}}}")


def point_latex(line: precision.Line) -> str:
    """The point, typeset: ``x = 2,\\ y = 1``."""
    return ",\\ ".join(f"{to_latex(sp.Symbol(v))} = {to_latex(p)}"
                       for v, p in zip(line.variables, line.point, strict=True))


def f_math(line: precision.Line) -> Math:
    """The function as a displayed equation ``f(x, y) = …``."""
    args = ", ".join(to_latex(sp.Symbol(v)) for v in line.variables)
    return Math(f"f({args}) = {to_latex(line.expr)}")


def exact_derivative(line: precision.Line) -> tuple[sp.Expr, sp.Expr]:
    """The symbolic partial and its exact value at the point."""
    d = sp.diff(line.expr, symbols([line.wrt])[0])
    subs = dict(zip(symbols(line.variables), line.point, strict=True))
    return d, sp.simplify(d.subs(subs, simultaneous=True))


def error_cell(v) -> str:
    """An error or step for a table cell, three digits, typeset."""
    return "-" if v is None or (isinstance(v, float) and not math.isfinite(v)) else \
        inline_math(latex_number(v, 3))


def typeset_digits(text: str) -> str:
    r"""A number as a program prints it (``1.0000000000000002e-05``), every digit kept,
    typeset: ``$1.0000000000000002 \times 10^{-5}$``."""
    mant, _, exp = str(text).partition("e")
    return inline_math(mant + (rf" \times 10^{{{int(exp)}}}" if exp else ""))


def claim_number(ex: Exercise, key: str, text) -> sp.Expr:
    """The number claimed under ``claimed.key``, parsed exactly; else an InputError."""
    try:
        return parse_number(str(text))
    except WorkbenchError as exc:
        raise InputError(f"{ex.where('claimed.' + key)}: {exc}") from None


_DECIMAL = re.compile(r"^[+-]?\d+\.(\d+)$")


def claim_derivative(ex: Exercise, out: Outcome, line, exact, truth) -> None:
    """``claimed.derivative``: exact claims must equal f' exactly; a decimal like 555.9719
    must round correctly (within half a unit of its last digit)."""
    text = _claimed(ex, "derivative")
    if text is None:
        return
    value = claim_number(ex, "derivative", text)
    if truth is None:
        out.claim(f"the derivative is {inline_math(value)}", False,
                  "no derivative exists at this point")
        return
    m = _DECIMAL.match(str(text).strip())
    with mpmath.workdps(precision.DIGITS):
        t = truth.value
        gap = abs(mpmath.mpf(sp.N(value, precision.DIGITS)) - t)
        if m:
            tol = mpmath.mpf(10) ** -len(m.group(1)) / 2
            holds = gap <= tol
            how = f"within ±{typeset_digits(mpmath.nstr(tol, 2))} (its last digit)"
        else:
            holds = sp.simplify(value - exact) == 0 and gap <= mpmath.mpf(10) ** -30
            how = "exactly"
    out.claim(f"the derivative is {inline_math(value)}", bool(holds),
              f"true value {typeset_digits(mpmath.nstr(truth.value, 20))}; the claim "
              f"{'agrees' if holds else 'does not agree'} {how}")


# ------------------------------------------------------------------ task: fd

@task("fd", required={"expr": EXPR, "at": POINT},
      optional={**LINE_FIELDS, "dtypes": DTYPES,
                "compare": Field(bool, "compare every method in a figure")},
      claims={"derivative": DERIVATIVE,
              "differentiable": Field(bool, "whether the derivative exists at the point"),
              "h_opt": Field(dict, 'optimal step per method: { forward = "sqrt(eps)" }'),
              "orders": Field(dict, "error order per method: { forward = 1 }"),
              "more_accurate": Field(list, "[better, worse]: two method names")},
      example='''
expr = "exp(x)"
at = "x=2"
dtypes = ["float64", "float32"]
claimed = { derivative = "exp(2)", orders = { forward = 1, central = 2 } }
''')
def fd_task(ex: Exercise, ctx: Context) -> Outcome:
    """Precision study: every finite-difference method against the 50-digit truth."""
    out = Outcome()
    line = exercise_line(ex)
    dtypes = [exercise_dtype(ex, d, "dtypes") for d in ex.fields.get("dtypes", ["float64"])]
    if not dtypes:
        raise InputError(f"{ex.where('dtypes')}: name at least one dtype")
    out.add(f_math(line))
    studies = [precision.study(line.expr, line.variables,
                               dict(zip(line.variables, line.point, strict=True)),
                               line.wrt, d) for d in dtypes]
    first = studies[0]
    if first.status != "ok":
        _nondifferentiable(ex, out, first)
        return out
    exact_d, exact_value = exact_derivative(line)
    _truth_blocks(out, line, first, exact_d, exact_value)
    out.add(*_model_blocks())
    for s in studies:
        _study_blocks(ex, ctx, out, s)
    if ex.fields.get("compare"):
        out.add(compare_table(line, "central"))
    _fd_claims(ex, out, first, exact_value)
    return out


def _model_blocks() -> list:
    """The error model every study table is read against, typeset once per exercise."""
    return [
        Text("Each method is a stencil of order p. Its error is modelled as truncation plus "
             "round-off, with u = ε/2 the unit round-off and m_k = Σ w_i c_i^k / k! the "
             "stencil's moments (Taylor expansion):"),
        Math(r"f'(x) \approx \frac{1}{h}\sum_i w_i\, f(x + c_i h), \qquad "
             r"E(h) \approx A\,h^{p} + \frac{B}{h}"),
        Math(r"A = \left|m_{p+1}\, f^{(p+1)}(x)\right|, \qquad "
             r"B = u\Big(|f(x)| \sum_i |w_i| + |x\, f'(x)| \sum_{c_i \neq 0} |w_i|\Big)"),
        Math(r"h^{*} = \left(\frac{B}{p\,A}\right)^{1/(p+1)} \;\sim\; \sqrt{\varepsilon}"
             r"\ \text{(one-sided)}, \quad \sqrt[3]{\varepsilon}\ \text{(central)}"),
        Text("The complex step Im f(x + ih)/h subtracts nothing, so it has no B term and "
             "reaches round-off level for every small h. Errors are measured against "
             "mpmath.diff at 50 digits, itself checked against the exact derivative."),
    ]


def _truth_blocks(out, line, s, exact_d, exact_value) -> None:
    lhs = partial_latex(line)
    out.add(Steps([(lhs, to_latex(exact_d), "exact"),
                   (rf"{lhs}\Big|_{{{point_latex(line)}}}", to_latex(exact_value),
                    "at the point")]))
    out.check("ground truth: mpmath.diff (50 digits) agrees with the exact derivative",
              s.truth.ok, f"difference {s.truth.agreement:.1e} (tolerance 1e-30)")
    if s.truth.ok:
        out.add(Boxed("True derivative (50 digits)",
                      f"{lhs} = {typeset_digits(mpmath.nstr(s.truth.value, 25))[1:-1]}"))


def _study_blocks(ex, ctx, out, s: precision.Study) -> None:
    rows = []
    for m, r in s.methods.items():
        rows.append([m.replace("_", "-"), str(r.order)]
                    + [error_cell(v) for v in (r.h_rule, r.error_at_rule, r.h_opt_theory,
                                               r.h_opt_measured, r.min_rel_error)])
    out.add(Table(["method", "order", "default h", "error there", "h* theory", "h* measured",
                   "min. error"], rows,
                  f"{s.dtype} (" + inline_math(r"\varepsilon = " + latex_number(s.eps, 3)) + "): "
                  f"{s.error_kind} error of each method; steps swept over "
                  "$10^{-16}$ … $10^{-1}$, 8 per decade."))
    notes = [f"{m.replace('_', '-')}: {r.note}." for m, r in s.methods.items() if r.note]
    if notes:
        out.add(Text(" ".join(notes)))
    pdf = ctx.figure_path(ex, f"precision-{s.dtype}")
    if pdf is not None:
        precision.plot_study(s, pdf)
        out.add(Figure(pdf, f"Error against step h in {s.dtype}: measured (dots), truncation "
                            "~ h^p (dashed), round-off ~ ε/h (dotted), ε (grey); the star "
                            "marks the measured optimum, the dash-dotted line the model's.",
                       "\\textwidth"))
    for method in ("forward", "central"):
        r = s.methods[method]
        if r.h_opt_theory and r.h_opt_measured:
            ratio = r.h_opt_measured / r.h_opt_theory
            out.check(f"{s.dtype} {method}: measured optimal h within a factor 10 of theory",
                      0.1 <= ratio <= 10, f"measured {r.h_opt_measured:.2e}, model "
                                         f"{r.h_opt_theory:.2e} (ratio {ratio:.2f})")
    cs = s.methods["complex_step"]
    if cs.min_rel_error is not None:
        out.check(f"{s.dtype} complex step reaches round-off level (≤ 10ε)",
                  cs.min_rel_error <= 10 * s.eps, f"min. error {cs.min_rel_error:.1e}, "
                                                  f"10ε = {10 * s.eps:.1e}")


def _nondifferentiable(ex, out, s: precision.Study) -> None:
    line = s.line

    def show(side):
        if side.status == "undefined":
            return "undefined (f is not real on that side)"
        if side.status == "diverges":
            return f"diverges to {'+' if side.value > 0 else '−'}∞ (vertical tangent)"
        return inline_math(latex_number(side.value, 15))

    est = s.estimates
    out.add(Text("The one-sided difference quotients at 100 digits "
                 "($h = 10^{-20}, 10^{-25}, 10^{-30}$) "
                 "do not approach a common limit, so the derivative does not exist here. "
                 "Both sides are reported; averaging them (a central difference) would "
                 "produce a number that is no derivative."),
            Table(["side", "one-sided derivative", f"{s.dtype} difference at the default h"],
                  [["left", show(s.sides.left), _repr(est.get("backward"))],
                   ["right", show(s.sides.right), _repr(est.get("forward"))],
                   ["central (average)", "-", _repr(est.get("central"))]],
                  s.sides.note),
            Boxed("Not differentiable",
                  rf"{partial_latex(line)} \text{{ does not exist at }} {point_latex(line)}"))
    out.check("both one-sided derivatives determined", True, s.sides.note)
    claimed = _claimed(ex, "differentiable")
    if claimed is not None:
        out.claim(_differentiable_statement(claimed), claimed is False, s.sides.note)
    claim_derivative(ex, out, line, None, None)


def _differentiable_statement(claimed) -> str:
    return "the derivative exists here" if claimed else "the derivative does not exist here"


def _repr(v) -> str:
    return "nan (undefined)" if v is None or (isinstance(v, float) and math.isnan(v)) \
        else typeset_digits(repr(float(v)))


def compare_table(line, method: str) -> Table:
    """One difference quotient in every precision at its own default step."""
    rows = [[r["dtype"], error_cell(r["eps"]), error_cell(r["h"]),
             typeset_digits(repr(r["estimate"])), error_cell(r["rel_error"])]
            for r in precision.compare_dtypes(line, method)]
    return Table(["precision", "ε", "default h", f"{method} estimate", "error"], rows,
                 f"The same {method} difference in every precision at its own default step; "
                 "the 50-digit row uses the float64 step exactly, leaving the truncation "
                 "error alone.")


def _fd_claims(ex, out, s: precision.Study, exact_value) -> None:
    claim_derivative(ex, out, s.line, exact_value, s.truth)
    claimed = _claimed(ex, "differentiable")
    if claimed is not None:
        out.claim(_differentiable_statement(claimed), claimed is True,
                  "both one-sided derivatives agree")
    for method, text in (_claimed(ex, "h_opt") or {}).items():
        _claim_h_opt(ex, out, s, method, text)
    for method, p in (_claimed(ex, "orders") or {}).items():
        r = _method(ex, s, method, "orders")
        got = r.slope_truncation
        out.claim(f"the {method} error shrinks like h^{p}",
                  got is not None and abs(got - p) <= 0.25,
                  f"measured log-log slope {got:.2f}" if got is not None else
                  "no truncation regime to measure")
    better = _claimed(ex, "more_accurate")
    if better is not None:
        if not (isinstance(better, list) and len(better) == 2):
            raise InputError(f"{ex.where('claimed.more_accurate')}: expected [better, worse]")
        a, b = (_method(ex, s, m, "more_accurate") for m in better)
        out.claim(f"{better[0]} is more accurate than {better[1]}",
                  a.min_rel_error < b.min_rel_error,
                  f"best errors {a.min_rel_error:.1e} vs {b.min_rel_error:.1e}")


def _method(ex, s, method, key):
    if method not in s.methods:
        raise InputError(f"{ex.where('claimed.' + key)}: unknown method {method!r} "
                         f"(choose from {', '.join(fd.METHODS)})")
    return s.methods[method]


def _claim_h_opt(ex, out, s, method, text) -> None:
    r = _method(ex, s, method, "h_opt")
    try:
        h = float(parse(str(text), ["eps"]).subs(sp.Symbol("eps", real=True), s.eps))
    except (WorkbenchError, TypeError) as exc:
        raise InputError(f"{ex.where('claimed.h_opt.' + method)}: {exc}") from None
    ratio = r.h_opt_measured / h if r.h_opt_measured else float("nan")
    out.claim(f"h = {text} ≈ {h:.2e} is (near) optimal for the {method} difference",
              0.1 <= ratio <= 10,
              f"measured optimum {r.h_opt_measured:.2e} (within a factor 10 counts)")


# ------------------------------------------------------------------ task: fd_values

def steps_field(ex: Exercise, dtype: str) -> list[float]:
    """``h`` entries: numbers, or expressions in ``eps`` (the dtype's machine epsilon)."""
    eps = precision.machine_epsilon(dtype)
    out = []
    for k, item in enumerate(ex.fields["h"]):
        where = ex.where(f"h[{k}]")
        if isinstance(item, bool) or not isinstance(item, int | float | str):
            raise InputError(f"{where}: expected a number or an expression in eps")
        if isinstance(item, str):
            try:
                item = float(parse(item, ["eps"]).subs(sp.Symbol("eps", real=True), eps))
            except (WorkbenchError, TypeError) as exc:
                raise InputError(f"{where}: {exc}") from None
        try:
            out.append(float(fd.check_step(float(item))))
        except WorkbenchError as exc:
            raise InputError(f"{where}: {exc}") from None
    return out


def _python_quotient(line: precision.Line, method: str, h: float) -> float | None:
    """The textbook formula in plain Python floats: an implementation independent of NumPy."""
    f = sp.lambdify(symbols(line.variables), line.expr, modules="math")
    point = [float(sp.N(p, 30)) for p in line.point]
    i = line.index
    x = point[i]

    def g(t):
        return f(*point[:i], t, *point[i + 1:])

    formulas = {"forward": lambda h: (g(x + h) - g(x)) / h,
                "backward": lambda h: (g(x) - g(x - h)) / h,
                "central": lambda h: (g(x + h) - g(x - h)) / (2 * h)}
    if method not in formulas:
        return None
    try:
        return formulas[method](h)
    except (ValueError, ZeroDivisionError, OverflowError):
        return None


@task("fd_values", required={"expr": EXPR, "at": POINT, "h": STEPS},
      optional={**LINE_FIELDS, "methods": Field(list, "difference methods (default: forward)",
                                                 limit="list_items"),
                "dtype": DTYPE},
      claims={"values": Field(list, "the printed quotients, one string per step and method",
                              limit="list_items"),
              "derivative": DERIVATIVE},
      example='''
expr = "x**2"
at = "x=3"
h = [0.01, 0.001]
claimed = { values = ["6.0099999999999849", "6.0009999999996951"] }
''')
def fd_values_task(ex: Exercise, ctx: Context) -> Outcome:
    """Difference quotients at given steps, printed exactly, against the truth."""
    out = Outcome()
    line = exercise_line(ex)
    dtype = exercise_dtype(ex, ex.fields.get("dtype", "float64"))
    methods = ex.fields.get("methods", ["forward"])
    for m in methods:
        if m not in fd.METHODS:
            raise InputError(f"{ex.where('methods')}: unknown method {m!r} "
                             f"(choose from {', '.join(fd.METHODS)})")
    hs = steps_field(ex, dtype)
    tr = precision.truth(line, order=1)
    claimed = _claimed(ex, "values")
    n = len(hs) * len(methods)
    if claimed is not None and (not isinstance(claimed, list) or len(claimed) != n):
        raise InputError(f"{ex.where('claimed.values')}: expected {n} printed values "
                         f"(one per step and method, steps first)")
    out.add(f_math(line))
    rows, k = [], 0
    for h in hs:
        for m in methods:
            value = precision.quotient(line, m, h, dtype)
            err = float(precision.errors_against(np.asarray(value), tr.value))
            row = [error_cell(h), m, typeset_digits(repr(value)), error_cell(err)]
            if claimed is not None:
                row.append(str(claimed[k]))
                _claim_value(ex, out, h, m, value, str(claimed[k]))
            rows.append(row)
            if dtype == "float64":
                _check_python(out, line, m, h, value)
            k += 1
    header = ["h", "method", f"computed ({dtype}, as Python prints it)", "error"]
    truth_text = typeset_digits(mpmath.nstr(tr.value, 20))
    out.add(Table(header + (["source prints"] if claimed is not None else []), rows,
                  f"True derivative (mpmath, 50 digits): {truth_text}."))
    _, exact_value = exact_derivative(line)
    out.check("ground truth: mpmath.diff agrees with the exact derivative", tr.ok,
              f"difference {tr.agreement:.1e}")
    claim_derivative(ex, out, line, exact_value, tr)
    return out


def _claim_value(ex, out, h, method, value, text) -> None:
    try:
        printed = float(text)
    except ValueError:
        raise InputError(f"{ex.where('claimed.values')}: {text!r} is not a number") from None
    same = printed == value
    detail = ("the same float64" if same else
              f"computed {typeset_digits(repr(value))}; the printed number differs by "
              f"{error_cell(abs(printed - value))}")
    if not same and any(text[:i] + text[i + 1:] == repr(value) for i in range(len(text))):
        detail += ("; deleting one digit of the printed text gives Python's output exactly, "
                   "so this looks like a transcription slip (an extra digit)")
    out.claim(f"{method} difference with {inline_math('h = ' + latex_number(h))} prints "
              f"{typeset_digits(text)}", same, detail)


def _check_python(out, line, method, h, value) -> None:
    ref = _python_quotient(line, method, h)
    if ref is None:
        return
    same = ref == value or (math.isnan(ref) and math.isnan(value))
    out.check(f"{method} at h = {h:g} recomputed in plain Python floats", same,
              f"{ref!r} vs {value!r}")
