"""Tasks for numerical differentiation: precision studies, printed quotients, step rules, ε.

* ``fd`` - every finite-difference method over a sweep of steps against the
  50-digit truth (:func:`workbench.numerics.precision.study`): table, log-log figure,
  theory against measurement; at a kink, both one-sided derivatives.
* ``fd_values`` - single quotients at given steps, printed as Python prints
  them, so numbers quoted by a source can be compared bit for bit.
* ``fd_step`` - one derivative with a stated working precision ε and the step
  rule h = √ε(1 + ‖x‖), in exact, ε-precision and float64 arithmetic.
* ``machine_eps`` - machine epsilon per type, 1 + ε against 1 + 1e-16.
* ``cancellation`` - digits lost in f(x + h) − f(x), and one derivative in
  float16, float32, float64 and 50 digits.

Every number a source states is a claim (``claimed``) checked against these
measurements, never copied.
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

_LINE_FIELDS = {
    "wrt": Field(str, "the variable of the partial derivative (default: the only one)",
                 kind="name"),
    "variables": VARIABLES,
}
_DTYPE = Field(str, "floating-point type", choices=tuple(precision.DTYPES))
_DTYPES = Field(list, "floating-point types (float16, float32, float64)", limit="list_items")
_METHOD = Field(str, "difference method", choices=fd.METHODS)
_STEPS = Field(list, 'steps h: numbers or expressions in eps, e.g. "sqrt(eps)"',
               limit="list_items")
_DERIVATIVE = Field(str, 'the derivative\'s value: exact ("exp(2)") or a decimal that must '
                    "round correctly", kind="number")


# ------------------------------------------------------------------ shared helpers

def _line(ex: Exercise) -> precision.Line:
    """The exercise's function, point and partial as a :class:`precision.Line`."""
    names = ex.fields.get("variables")
    expr = field_expr(ex, "expr", names)
    names = list(names) if names else variables_of(expr)
    point = parse_at(ex, ex.fields["at"])
    try:
        return precision.make_line(expr, names, point, ex.fields.get("wrt"))
    except WorkbenchError as exc:
        raise InputError(f"{ex.where('at')}: {exc}") from None


def _dtype(ex: Exercise, name: str, key: str = "dtype") -> str:
    try:
        precision.dtype_of(name)
    except WorkbenchError as exc:
        raise InputError(f"{ex.where(key)}: {exc}") from None
    return name


def _partial_latex(line: precision.Line) -> str:
    x = to_latex(sp.Symbol(line.wrt))
    return (rf"\frac{{\partial f}}{{\partial {x}}}" if len(line.variables) > 1
            else rf"\frac{{d f}}{{d {x}}}")


def _point_latex(line: precision.Line) -> str:
    return ",\\ ".join(f"{to_latex(sp.Symbol(v))} = {to_latex(p)}"
                       for v, p in zip(line.variables, line.point, strict=True))


def _f_math(line: precision.Line) -> Math:
    args = ", ".join(to_latex(sp.Symbol(v)) for v in line.variables)
    return Math(f"f({args}) = {to_latex(line.expr)}")


def _exact_derivative(line: precision.Line) -> tuple[sp.Expr, sp.Expr]:
    """The symbolic partial and its exact value at the point."""
    d = sp.diff(line.expr, symbols([line.wrt])[0])
    subs = dict(zip(symbols(line.variables), line.point, strict=True))
    return d, sp.simplify(d.subs(subs, simultaneous=True))


def _e(v) -> str:
    """An error or step for a table cell, three digits, typeset."""
    return "-" if v is None or (isinstance(v, float) and not math.isfinite(v)) else \
        inline_math(latex_number(v, 3))


def _digits(text: str) -> str:
    r"""A number as a program prints it (``1.0000000000000002e-05``), every digit kept,
    typeset: ``$1.0000000000000002 \times 10^{-5}$``."""
    mant, _, exp = str(text).partition("e")
    return inline_math(mant + (rf" \times 10^{{{int(exp)}}}" if exp else ""))


def _claim_number(ex: Exercise, key: str, text) -> sp.Expr:
    try:
        return parse_number(str(text))
    except WorkbenchError as exc:
        raise InputError(f"{ex.where('claimed.' + key)}: {exc}") from None


_DECIMAL = re.compile(r"^[+-]?\d+\.(\d+)$")


def _claim_derivative(ex: Exercise, out: Outcome, line, exact, truth) -> None:
    """``claimed.derivative``: exact claims must equal f' exactly; a decimal like 555.9719
    must round correctly (within half a unit of its last digit)."""
    text = _claimed(ex, "derivative")
    if text is None:
        return
    value = _claim_number(ex, "derivative", text)
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
            holds, how = gap <= tol, f"within ±{_digits(mpmath.nstr(tol, 2))} (its last digit)"
        else:
            holds = sp.simplify(value - exact) == 0 and gap <= mpmath.mpf(10) ** -30
            how = "exactly"
    out.claim(f"the derivative is {inline_math(value)}", bool(holds),
              f"true value {_digits(mpmath.nstr(truth.value, 20))}; the claim "
              f"{'agrees' if holds else 'does not agree'} {how}")


# ------------------------------------------------------------------ task: fd

@task("fd", required={"expr": EXPR, "at": POINT},
      optional={**_LINE_FIELDS, "dtypes": _DTYPES,
                "compare": Field(bool, "compare every method in a figure")},
      claims={"derivative": _DERIVATIVE,
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
    line = _line(ex)
    dtypes = [_dtype(ex, d, "dtypes") for d in ex.fields.get("dtypes", ["float64"])]
    if not dtypes:
        raise InputError(f"{ex.where('dtypes')}: name at least one dtype")
    out.add(_f_math(line))
    studies = [precision.study(line.expr, line.variables,
                               dict(zip(line.variables, line.point, strict=True)),
                               line.wrt, d) for d in dtypes]
    first = studies[0]
    if first.status != "ok":
        _nondifferentiable(ex, out, first)
        return out
    exact_d, exact_value = _exact_derivative(line)
    _truth_blocks(out, line, first, exact_d, exact_value)
    out.add(*_model_blocks())
    for s in studies:
        _study_blocks(ex, ctx, out, s)
    if ex.fields.get("compare"):
        out.add(_compare_table(line, "central"))
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
    lhs = _partial_latex(line)
    out.add(Steps([(lhs, to_latex(exact_d), "exact"),
                   (rf"{lhs}\Big|_{{{_point_latex(line)}}}", to_latex(exact_value),
                    "at the point")]))
    out.check("ground truth: mpmath.diff (50 digits) agrees with the exact derivative",
              s.truth.ok, f"difference {s.truth.agreement:.1e} (tolerance 1e-30)")
    if s.truth.ok:
        out.add(Boxed("True derivative (50 digits)",
                      f"{lhs} = {_digits(mpmath.nstr(s.truth.value, 25))[1:-1]}"))


def _study_blocks(ex, ctx, out, s: precision.Study) -> None:
    rows = []
    for m, r in s.methods.items():
        rows.append([m.replace("_", "-"), str(r.order), _e(r.h_rule), _e(r.error_at_rule),
                     _e(r.h_opt_theory), _e(r.h_opt_measured), _e(r.min_rel_error)])
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
                  rf"{_partial_latex(line)} \text{{ does not exist at }} {_point_latex(line)}"))
    out.check("both one-sided derivatives determined", True, s.sides.note)
    claimed = _claimed(ex, "differentiable")
    if claimed is not None:
        out.claim(_differentiable_statement(claimed), claimed is False, s.sides.note)
    _claim_derivative(ex, out, line, None, None)


def _differentiable_statement(claimed) -> str:
    return "the derivative exists here" if claimed else "the derivative does not exist here"


def _repr(v) -> str:
    return "nan (undefined)" if v is None or (isinstance(v, float) and math.isnan(v)) \
        else _digits(repr(float(v)))


def _compare_table(line, method: str) -> Table:
    rows = [[r["dtype"], _e(r["eps"]), _e(r["h"]), _digits(repr(r["estimate"])),
             _e(r["rel_error"])] for r in precision.compare_dtypes(line, method)]
    return Table(["precision", "ε", "default h", f"{method} estimate", "error"], rows,
                 f"The same {method} difference in every precision at its own default step; "
                 "the 50-digit row uses the float64 step exactly, leaving the truncation "
                 "error alone.")


def _fd_claims(ex, out, s: precision.Study, exact_value) -> None:
    _claim_derivative(ex, out, s.line, exact_value, s.truth)
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

def _steps_field(ex: Exercise, dtype: str) -> list[float]:
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


@task("fd_values", required={"expr": EXPR, "at": POINT, "h": _STEPS},
      optional={**_LINE_FIELDS, "methods": Field(list, "difference methods (default: forward)",
                                                 limit="list_items"),
                "dtype": _DTYPE},
      claims={"values": Field(list, "the printed quotients, one string per step and method",
                              limit="list_items"),
              "derivative": _DERIVATIVE},
      example='''
expr = "x**2"
at = "x=3"
h = [0.01, 0.001]
claimed = { values = ["6.0099999999999849", "6.0009999999996951"] }
''')
def fd_values_task(ex: Exercise, ctx: Context) -> Outcome:
    """Difference quotients at given steps, printed exactly, against the truth."""
    out = Outcome()
    line = _line(ex)
    dtype = _dtype(ex, ex.fields.get("dtype", "float64"))
    methods = ex.fields.get("methods", ["forward"])
    for m in methods:
        if m not in fd.METHODS:
            raise InputError(f"{ex.where('methods')}: unknown method {m!r} "
                             f"(choose from {', '.join(fd.METHODS)})")
    hs = _steps_field(ex, dtype)
    tr = precision.truth(line, order=1)
    claimed = _claimed(ex, "values")
    n = len(hs) * len(methods)
    if claimed is not None and (not isinstance(claimed, list) or len(claimed) != n):
        raise InputError(f"{ex.where('claimed.values')}: expected {n} printed values "
                         f"(one per step and method, steps first)")
    out.add(_f_math(line))
    rows, k = [], 0
    for h in hs:
        for m in methods:
            value = precision.quotient(line, m, h, dtype)
            err = float(precision.errors_against(np.asarray(value), tr.value))
            row = [_e(h), m, _digits(repr(value)), _e(err)]
            if claimed is not None:
                row.append(str(claimed[k]))
                _claim_value(ex, out, h, m, value, str(claimed[k]))
            rows.append(row)
            if dtype == "float64":
                _check_python(out, line, m, h, value)
            k += 1
    header = ["h", "method", f"computed ({dtype}, as Python prints it)", "error"]
    out.add(Table(header + (["source prints"] if claimed is not None else []), rows,
                  f"True derivative (mpmath, 50 digits): {_digits(mpmath.nstr(tr.value, 20))}."))
    _, exact_value = _exact_derivative(line)
    out.check("ground truth: mpmath.diff agrees with the exact derivative", tr.ok,
              f"difference {tr.agreement:.1e}")
    _claim_derivative(ex, out, line, exact_value, tr)
    return out


def _claim_value(ex, out, h, method, value, text) -> None:
    try:
        printed = float(text)
    except ValueError:
        raise InputError(f"{ex.where('claimed.values')}: {text!r} is not a number") from None
    same = printed == value
    detail = ("the same float64" if same else
              f"computed {_digits(repr(value))}; the printed number differs by "
              f"{_e(abs(printed - value))}")
    if not same and any(text[:i] + text[i + 1:] == repr(value) for i in range(len(text))):
        detail += ("; deleting one digit of the printed text gives Python's output exactly, "
                   "so this looks like a transcription slip (an extra digit)")
    out.claim(f"{method} difference with {inline_math('h = ' + latex_number(h))} prints "
              f"{_digits(text)}", same, detail)


def _check_python(out, line, method, h, value) -> None:
    ref = _python_quotient(line, method, h)
    if ref is None:
        return
    same = ref == value or (math.isnan(ref) and math.isnan(value))
    out.check(f"{method} at h = {h:g} recomputed in plain Python floats", same,
              f"{ref!r} vs {value!r}")


# ------------------------------------------------------------------ task: fd_step

@task("fd_step", required={"expr": EXPR, "at": POINT, "wrt": _LINE_FIELDS["wrt"],
                           "eps": Field(float, "the working precision ε", above=0, max=1)},
      optional={"variables": VARIABLES, "method": _METHOD},
      claims={"h": Field(str, "the step size", kind="number"),
              "exact": Field(bool, "the difference is exact here"),
              "h_irrelevant": Field(bool, "the size of h does not matter"),
              "derivative": _DERIVATIVE},
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
    line = _line(ex)
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
    out.add(_f_math(line), Steps([
        (r"\lVert x\rVert", to_latex(norm), "at the point"),
        ("h", r"\sqrt{\varepsilon}\,(1 + \lVert x\rVert) = " + to_latex(sp.simplify(h)),
         f"ε = {eps_value:g}"),
        ("h", f"{hf:.10g}", "")]))
    tr = precision.truth(line)
    _, exact_value = _exact_derivative(line)
    out.check("ground truth: mpmath.diff agrees with the exact derivative", tr.ok,
              f"difference {tr.agreement:.1e}")
    # the quotients the table, the theory and the claims all read, computed once
    bits = precision.bits_for(eps_value)
    exact = precision.quotient_exact(line, method, h)
    scaled = [(h * s, precision.quotient_at_precision(line, method, h * s, bits))
              for s in _STEP_SCALES]
    _step_table(out, line, method, h, hf, tr, bits, exact, scaled)
    _step_theory(out, line, method, hf, tr, eps_value, exact)
    if tr.ok:
        out.add(Boxed("Derivative", rf"{_partial_latex(line)}\Big|_{{{_point_latex(line)}}} = "
                                    f"{to_latex(exact_value)}"))
    _step_claims(ex, out, line, method, h, tr, eps_value, exact_value, exact, scaled)
    return out


#: h/10, h, 10h: the steps at which the ε-precision quotient is shown.
_STEP_SCALES = (sp.Rational(1, 10), 1, 10)


def _step_table(out, line, method, h, hf, tr, bits, exact, scaled) -> None:
    rows = []
    rows.append(["exact arithmetic (50 digits)", _h(h), _digits(mpmath.nstr(exact, 17)),
                 _e(_rel(exact, tr.value))])
    for hh, q in scaled:
        eps_shown = inline_math(r"\varepsilon \approx " + latex_number(2.0 ** (1 - bits), 2))
        rows.append([f"working precision {eps_shown} ({bits} bits)", _h(hh),
                     _digits(mpmath.nstr(q, 8)), _e(_rel(q, tr.value))])
    q64 = precision.quotient(line, method, hf)
    rows.append(["float64", _h(h), _digits(repr(q64)),
                 _e(float(precision.errors_against(np.asarray(q64), tr.value)))])
    out.add(Table(["arithmetic", "h", f"{method} quotient", "error"], rows,
                  f"True value {_digits(mpmath.nstr(tr.value, 20))} (mpmath, 50 digits). The "
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
        f"{_e(rule)}. Here the truncation term "
        f"{inline_math(rf'|m_{{{p + 1}}} f^{{({p + 1})}}| h^{{{p}}}')} is {_e(trunc)}"
        + (" (zero: f is a polynomial of degree ≤ p along this line), so only round-off "
           "is left, and it shrinks as h grows." if trunc == 0 else ".")))
    measured = _rel(exact, tr.value) * (abs(float(tr.value)) or 1.0)
    ok = (measured <= 1e-40 and trunc <= 1e-40) or (trunc > 0 and 0.5 <= measured / trunc <= 2)
    out.check("exact-arithmetic error matches the truncation model m_(p+1) f^(p+1) h^p", ok,
              f"measured {measured:.2e}, model {trunc:.2e}")


def _step_claims(ex, out, line, method, h, tr, eps_value, exact_value, exact, scaled) -> None:
    text = _claimed(ex, "h")
    if text is not None:
        claimed = _claim_number(ex, "h", text)
        holds = sp.simplify(claimed - h) == 0
        out.claim(f"step size {inline_math('h = ' + to_latex(claimed))}", bool(holds),
                  f"√ε(1 + ‖x‖) = {inline_math(sp.simplify(h))} ≈ "
                  f"{inline_math(latex_number(float(sp.N(h, 20)), 10))}")
    if _claimed(ex, "exact") is not None:
        err = _rel(exact, tr.value)
        holds = (err <= 1e-40) == bool(_claimed(ex, "exact"))
        out.claim(f"the {method} difference is exact here", holds,
                  f"in exact arithmetic its error is {_e(err)} "
                  + ("(no truncation error)" if err <= 1e-40 else "(truncation error)"))
    if _claimed(ex, "h_irrelevant") is not None:
        errs = [_rel(q, tr.value) for _, q in scaled]
        depends = max(errs) > 3 * max(min(errs), 1e-300)
        out.claim("the size of h is not important", depends != bool(_claimed(ex, "h_irrelevant")),
                  f"with ε ≈ {_e(eps_value)} arithmetic the errors at h/10, h, 10h are "
                  + ", ".join(_e(e) for e in errs)
                  + ("; round-off ~ ε/h still depends on h (only the truncation error "
                     "vanishes)" if depends else "; they do not depend on h"))
    _claim_derivative(ex, out, line, exact_value, tr)


# ------------------------------------------------------------------ task: machine_eps

@task("machine_eps", required={},
      optional={"dtypes": _DTYPES,
                "values": Field(list, 'small numbers v for 1 + v: numbers or "eps"',
                                limit="list_items")},
      claims={"eps": Field(str, "float64 machine epsilon", kind="number"),
              "printed": Field(list, "how 1 + v prints, one string per value",
                               limit="list_items"),
              "smallest_addend": Field(bool, "ε is the smallest number that survives 1 + ε")},
      example='''
values = [1e-16, "eps"]
claimed = { eps = "2.22e-16" }
''')
def machine_eps_task(ex: Exercise, ctx: Context) -> Outcome:
    """Machine epsilon per type (finfo and measured), and 1 + v for small v."""
    out = Outcome()
    dtypes = [_dtype(ex, d, "dtypes") for d in ex.fields.get("dtypes", list(precision.DTYPES))]
    rows = []
    for r in precision.machine_table():
        if r["dtype"] not in dtypes:
            continue
        rows.append([r["dtype"], str(r["bits"]), str(r["mantissa_bits"]), f"{r['eps']:.6g}",
                     f"{r['eps_measured']:.6g}", str(r["decimal_digits"]),
                     f"{r['smallest_normal']:.3g}", f"{r['largest']:.4g}"])
        out.check(f"{r['dtype']}: ε by halving equals finfo.eps",
                  r["eps"] == r["eps_measured"], f"{r['eps_measured']!r}")
    out.add(Table(["type", "bits", "mantissa bits", "ε (finfo)", "ε (halving 1 + e > 1)",
                   "digits", "smallest normal", "largest"], rows,
                  "ε is the gap between 1 and the next representable number."))
    values = _values(ex)
    table = [[label] + [precision.one_plus(v, d) for d in dtypes] for label, v in values]
    out.add(Table(["v"] + [f"fl(1 + v) in {d}" for d in dtypes], table,
                  "Round to nearest: 1 + v is 1 again unless v exceeds ε/2."))
    for d in dtypes:
        e = precision.machine_epsilon(d)
        t = np.dtype(d).type
        half_lost = t(1) + t(e / 2) == t(1)
        out.check(f"{d}: 1 + ε > 1 and 1 + ε/2 = 1 (ties round to even)",
                  t(1) + t(e) > t(1) and half_lost, f"ε = {e:.3g}")
    _eps_claims(ex, out, values)
    return out


def _values(ex) -> list[tuple[str, float]]:
    raw = ex.fields.get("values", [1e-16, "eps"])
    out = []
    for k, v in enumerate(raw):
        if isinstance(v, str):
            try:
                num = float(parse(v, ["eps"]).subs(sp.Symbol("eps", real=True),
                                                   precision.machine_epsilon("float64")))
            except (WorkbenchError, TypeError) as exc:
                raise InputError(f"{ex.where(f'values[{k}]')}: {exc}") from None
            out.append((f"{v} = {num:.17g}", num))
        elif isinstance(v, int | float) and not isinstance(v, bool):
            out.append((f"{v!r}", float(v)))
        else:
            raise InputError(f"{ex.where(f'values[{k}]')}: expected a number or an expression "
                             "in eps")
    return out


def _eps_claims(ex, out, values) -> None:
    e64 = precision.machine_epsilon("float64")
    claimed = _claimed(ex, "eps")
    if claimed is not None:
        c = float(sp.N(_claim_number(ex, "eps", claimed), 30))
        digits = len(re.sub(r"[^0-9]", "", f"{claimed}".split("e")[0].lstrip("0.")))
        holds = float(f"{e64:.{max(digits, 1) - 1}e}") == c
        out.claim(f"float64 machine epsilon is {claimed}", holds, f"ε = {e64!r}")
    printed = _claimed(ex, "printed")
    if printed is not None:
        if not isinstance(printed, list) or len(printed) != len(values):
            raise InputError(f"{ex.where('claimed.printed')}: expected {len(values)} strings, "
                             "one per value")
        for (label, v), text in zip(values, printed, strict=True):
            got = precision.one_plus(v, "float64")
            out.claim(f"1 + {label.split(' =')[0]} prints {text}", got == str(text),
                      f"Python prints {got}")
    if _claimed(ex, "smallest_addend") is not None:
        just_above_half = float(np.nextafter(e64 / 2, 1.0))
        survives = 1.0 + just_above_half > 1.0
        holds = (not survives) == bool(_claimed(ex, "smallest_addend"))
        out.claim("ε is the smallest number that can be added to 1 without being lost", holds,
                  f"1 + {just_above_half!r} = {1.0 + just_above_half!r}: every v above ε/2 "
                  "survives (round to nearest); ε is the gap from 1 to the next float, "
                  "not the smallest addend")


# ------------------------------------------------------------------ task: cancellation

_DEFAULT_STEPS = [10.0 ** -k for k in range(2, 17, 2)]


@task("cancellation", required={"expr": EXPR, "at": POINT},
      optional={**_LINE_FIELDS, "h": _STEPS, "dtype": _DTYPE, "method": _METHOD},
      claims={"zero_at": Field(list, "steps h at which f(x + h) − f(x) rounds to 0",
                               limit="list_items")},
      example='''
expr = "x**2"
at = "x=3"
h = [1e-2, 1e-8, 1e-16]
claimed = { zero_at = [1e-16] }
''')
def cancellation_task(ex: Exercise, ctx: Context) -> Outcome:
    """Digits lost in f(x+h) − f(x), and one derivative in every precision."""
    out = Outcome()
    line = _line(ex)
    dtype = _dtype(ex, ex.fields.get("dtype", "float64"))
    hs = _steps_field(ex, dtype) if "h" in ex.fields else _DEFAULT_STEPS
    rows_ = precision.cancellation(line, hs, dtype)
    out.add(_f_math(line), Table(
        ["h", "f(x+h)", "f(x)", "computed difference", "exact difference", "digits lost",
         "correct digits"],
        [[f"{r.h:.0e}", repr(r.f_plus), repr(r.f_x), repr(r.computed), f"{r.exact:.6e}",
          f"{r.digits_lost:.1f}", f"{r.correct_digits:.1f}"] for r in rows_],
        f"{dtype}: subtracting nearly equal values cancels their leading digits; what is "
        "left is mostly rounding error."))
    _cancellation_check(out, line, rows_, dtype)
    method = ex.fields.get("method", "central")
    if method not in fd.METHODS:
        raise InputError(f"{ex.where('method')}: unknown method {method!r}")
    out.add(_compare_table(line, method))
    zeros = _claimed(ex, "zero_at")
    for h in zeros or []:
        match = [r for r in rows_ if r.h == float(h)]
        if not match:
            raise InputError(f"{ex.where('claimed.zero_at')}: {h} is not one of the steps h")
        out.claim(f"f(x + {h:g}) − f(x) rounds to 0", match[0].computed == 0,
                  f"computed difference {match[0].computed!r}")
    return out


def _cancellation_check(out, line, rows_, dtype) -> None:
    """Rounding-error bound: |computed − exact| ≤ 2u(|f(x+h)| + |f(x)|) + 2u|x + h|·|f'|."""
    u = precision.machine_epsilon(dtype) / 2
    tr = precision.truth(line, order=1)
    x = abs(float(sp.N(line.x, 30)))
    worst = 0.0
    for r in rows_:
        bound = 2 * u * (abs(r.f_plus) + abs(r.f_x)) + 2 * u * (x + r.h) * abs(float(tr.value))
        worst = max(worst, abs(r.computed - r.exact) / bound if bound else 0.0)
    out.check("every computed difference is within the rounding-error bound", worst <= 1,
              f"largest error / bound = {worst:.2f}")
