"""The ``trace`` task: computation graph, forward and reverse traces, costs, for the sheets.

An exercise gives a function (``expr``, or named ``assignments`` as lecture notes
write a forward pass) and usually a point ``at``.  The task draws the graph,
tabulates the forward trace (tangents along ``seed``) and the reverse trace
(adjoints, the whole gradient), optionally the Hessian-vector product ``hvp`` and
the cost comparison ``costs``, and checks everything against SymPy and JAX.
Results are boxed only when their checks pass; at a point where the chain rule
breaks down the flagged nodes are reported instead (``expect_flags = true``
makes that the expected outcome).

Claims (``claimed = {...}``) are compared with the checked results:

* ``value``, ``derivative`` - strings; ``gradient`` - {variable: string or list};
  an exact expression (``"3*exp(3)"``) must be equal, a decimal prefixed with
  ``~`` (``"~60.25"``) must agree to half a unit in its last digit, or to the
  relative tolerance ``claim_rtol`` when the exercise gives one;
* ``adjoints`` - {name: expression in names and ``<name>_bar``}: the notes'
  backward-pass equations; ``partials`` - {"C/X": expression}: local partials;
* ``forward_cheap_to_add`` / ``reverse_cheap_to_add`` (``"inputs"`` or
  ``"outputs"``), ``forward_memory`` / ``reverse_memory`` (``"high"`` or
  ``"low"``), ``numerical_roundoff_small_steps`` (bool): the usual statements
  about the methods, checked against the operation counts and a measurement.

The module stays whole although it is over 500 lines because it is one task: its
sections (graph, traces, claims, named backward steps, HVP, costs) each present or
judge the same graph and traces for one exercise, and no other module uses them;
the traces themselves are computed in :mod:`workbench.autodiff` and certified in
:mod:`workbench.certification.traces`.  A claim reads in the sheet as the source
wrote it, a decimal kept as a decimal:

>>> _said("~60.25"), _said("3*exp(3)")
('\\\\approx 60.25', '= 3 e^{3}')
"""

from __future__ import annotations

import re

import sympy as sp

from ..autodiff import tables
from ..autodiff.cost import EPS, costs, difference_errors
from ..autodiff.graph import Graph, from_assignments, from_text, inlined_subs
from ..autodiff.trace import backward_equations, bar, forward, hvp, reverse
from ..certification.base import tolerance
from ..certification.traces import Agreement, check, check_hvp, one_sided, same, trace_error
from ..core.errors import InputError, WorkbenchError
from ..core.parse import parse, parse_number
from ..core.printing import inline_math, latex_number, to_latex
from ..symbolic.calculus import symbols
from .common import fmt, parse_at
from .model import Boxed, Figure, Math, Outcome, RawLatex, Steps, Table, Text
from .registry import Context, Exercise, task
from .schema import EXPR, POINT, VARIABLES, Field

OPTIONAL = {
    "expr": EXPR,
    "assignments": Field(list, 'the program, one step a line: "z = w*x + b"',
                         limit="list_items"),
    "wrt": VARIABLES, "at": POINT,
    "mode": Field(str, "which sweeps", choices=("forward", "reverse", "both")),
    "seed": Field(str, "the input whose tangent the forward sweep seeds", kind="name"),
    "hvp": Field(str, "a Hessian-vector product in this direction (a variable)", kind="name"),
    "costs": Field(bool, "operation and memory counts of both modes"),
    "figure": Field(bool, "draw the graph"),
    "latex_names": Field(dict, "LaTeX for names: { lam = '\\lambda' }"),
    "claim_rtol": Field(float, "relative tolerance for approximate claims (~555.97)", above=0),
    "expect_flags": Field(bool, "check the trace's warning flags"),
    "min_internal": Field(int, "fewest internal nodes the graph must have", min=0,
                          limit="list_items"),
    "agree_rtol": Field(float, "tolerance of SymPy against JAX", above=0),
    "difference_errors": Field(str, "tabulate difference errors for this variable",
                               kind="name"),
}
CLAIMS = {
    "value": Field(str, "the output's value"),
    "derivative": Field((str, list), "dy/d(seed): exact, or ~decimal"),
    "gradient": Field(dict, 'per variable: { x2 = ["3*exp(3)", "~60.25"] }'),
    "partials": Field(dict, "local partials: { 'z/w' = 'x' }"),
    "adjoints": Field(dict, "adjoints of the backward pass: { L = 'Loss_bar' }"),
    "forward_cheap_to_add": Field(str, "what forward mode makes cheap to add",
                                  choices=("inputs", "outputs")),
    "reverse_cheap_to_add": Field(str, "what reverse mode makes cheap to add",
                                  choices=("inputs", "outputs")),
    "forward_memory": Field(str, "forward mode's memory", choices=("high", "low")),
    "reverse_memory": Field(str, "reverse mode's memory", choices=("high", "low")),
    "numerical_roundoff_small_steps": Field(bool, "difference errors grow for small steps"),
}


def _graph(ex: Exercise) -> Graph:
    wrt = ex.fields.get("wrt")
    try:
        if "assignments" in ex.fields:
            return from_assignments(ex.fields["assignments"], wrt)
        if "expr" in ex.fields:
            return from_text(ex.fields["expr"], wrt)
    except WorkbenchError as exc:
        field = "assignments" if "assignments" in ex.fields else "expr"
        raise InputError(f"{ex.where(field)}: {exc}") from None
    raise InputError(f"{ex.where()}: give 'expr' or 'assignments'")


def _names(ex: Exercise) -> dict[sp.Symbol, str]:
    """LaTeX for symbols: the exercise's ``latex_names``, and a bar over every name."""
    raw = ex.fields.get("latex_names", {})
    out = tables.symbol_names(raw)
    for name in _all_names(ex):
        out[bar(name)] = rf"\bar{{{raw.get(name, to_latex(sp.Symbol(name)))}}}"
    return out


def _all_names(ex: Exercise) -> list[str]:
    """Every name an exercise's steps assign or use (for the bars of the backward pass)."""
    found: list[str] = []
    for line in ex.fields.get("assignments", []):
        for tok in re.findall(r"[A-Za-z_]\w*", line):
            if tok not in found:
                found.append(tok)
    return found


def _tex(expr, ex: Exercise) -> str:
    return to_latex(expr, symbol_names=_names(ex))


def _bar_tex(name: str, ex: Exercise) -> str:
    return _names(ex).get(bar(name), rf"\bar{{{to_latex(sp.Symbol(name))}}}")


def _out_tex(ex: Exercise, g: Graph) -> str:
    """The output's name in LaTeX: the last step's name, or y."""
    label = g.label(g.output)
    return _tex(sp.Symbol(label, real=True), ex) if label else "y"


@task("trace", required={}, optional=OPTIONAL, claims=CLAIMS, example='''
expr = "exp(x1 + x2**3)*x3"
wrt = ["x1", "x2", "x3"]
at = "x1=1,x2=1,x3=1"
mode = "reverse"
claimed = { value = "exp(2)" }
''')
def trace_task(ex: Exercise, ctx: Context) -> Outcome:
    """Computation graph with forward/reverse traces, checked against SymPy and JAX."""
    out = Outcome()
    g = _graph(ex)
    _describe_graph(ex, ctx, out, g)
    point = parse_at(ex, ex.fields["at"]) if "at" in ex.fields else None
    mode = ex.fields.get("mode", "both")
    if mode not in ("forward", "reverse", "both"):
        raise InputError(f"{ex.where('mode')}: expected forward, reverse or both, got {mode!r}")
    traces = []
    try:
        if mode in ("forward", "both") and point is not None:
            traces.append(forward(g, point, ex.fields.get("seed")))
        if mode in ("reverse", "both") or point is None:
            traces.append(reverse(g, point))
    except WorkbenchError as exc:
        raise InputError(f"{ex.where('at' if point else 'seed')}: {exc}") from None
    errors = []
    for tr in traces:
        errors += _present(ex, ctx, out, g, tr)
    if "agree_rtol" in ex.fields and errors:
        tol = ex.fields["agree_rtol"]
        worst = max(errors)
        out.check(f"forward, reverse, symbolic and JAX agree to {tol:g} (relative)",
                  worst <= tol, f"largest mixed relative disagreement {worst:.1e}")
    if g.definitions:
        swept = next((tr for tr in traces if tr.mode == "reverse"), None)
        _named_backward(ex, out, g, point, swept)
    if "hvp" in ex.fields and point is not None:
        _hvp(ex, out, g, point)
    if ex.fields.get("costs"):
        _costs(ex, out, g, point)
    return out


# ----------------------------------------------------------------------------- graph

def _describe_graph(ex: Exercise, ctx: Context, out: Outcome, g: Graph) -> None:
    if g.source is not None and not g.definitions:
        out.add(Math(f"y = {_tex(g.source[0], ex)}"))
    out.add(Text(f"Computation graph: {len(g.variables)} inputs (numbered from "
                 f"{-len(g.variables) + 1} to 0) and {len(g.intermediates)} internal variables "
                 "in topological order; a shared subexpression is computed once."))
    rows = [(n.latex_name, _tex(sp.Symbol(n.variable, real=True), ex), "input")
            for n in g.inputs]
    for n in g.intermediates:
        label = g.label(n.index)
        lhs = n.latex_name + (rf"\ ({_tex(sp.Symbol(label, real=True), ex)})" if label else "")
        rows.append((lhs, g.formula_latex(n), ""))
    out.add(Steps(rows))
    if "min_internal" in ex.fields:
        k = ex.fields["min_internal"]
        out.check(f"graph has at least {k} internal variables", len(g.intermediates) >= k,
                  f"{len(g.intermediates)} internal variables")


# ----------------------------------------------------------------------------- traces

def _present(ex, ctx, out, g, tr) -> list[float]:
    """Table, figure, checks, boxed answer and claims of one sweep; returns measured errors."""
    names = ex.fields.get("latex_names", {})
    forward_mode = tr.mode == "forward"
    if forward_mode:
        lhs = ", ".join(rf"\dot {to_latex(sp.Symbol(k))}" for k in tr.seed)
        rhs = ", ".join(to_latex(v) for v in tr.seed.values())
        out.add(Text("Forward mode: every node carries its tangent along the seed direction "
                     "(the derivative of the node with respect to the seeded input)."),
                Math(rf"\left({lhs}\right) = \left({rhs}\right)"))
    else:
        out.add(Text("Reverse mode: record the values (the tape), then sweep backwards from "
                     "the output's adjoint 1, summing over each node's children."))
    out.add(RawLatex(tables.latex_table(tr, names)))
    pdf = ctx.figure_path(ex, f"graph-{tr.mode}") if ex.fields.get("figure", True) else None
    if pdf is not None:
        tables.draw(tr, pdf)
        out.add(Figure(pdf, f"The computation graph with each node's value and "
                            f"{'tangent' if forward_mode else 'adjoint'}; edges carry the "
                            "local partials.", "\\textwidth"))
    checks = check(tr)
    if tr.flags:
        _flagged(ex, out, g, tr, checks)
        return []
    for c in checks:
        out.check(f"{tr.mode}: {c.name}", c.passed, c.detail)
    ok = all(c.passed for c in checks)
    errors = [c.error for c in checks if c.error == c.error]
    if ok and tr.point is not None:
        _box(ex, out, g, tr)
    elif ok:
        out.add(Boxed("Gradient", r"\nabla y = " + _tex(sp.Matrix(list(tr.gradient.values())),
                                                         ex)))
    if ok:
        _claims(ex, out, g, tr)
    return errors


def _box(ex, out, g, tr) -> None:
    at = ",\\ ".join(f"{to_latex(sp.Symbol(k))} = {to_latex(v)}" for k, v in tr.point.items())
    if tr.mode == "forward":
        seeded = [k for k, v in tr.seed.items() if v != 0]
        y = _out_tex(ex, g)
        lhs = (rf"\frac{{\partial {y}}}{{\partial {to_latex(sp.Symbol(seeded[0]))}}}"
               if len(seeded) == 1 and tr.seed[seeded[0]] == 1 else rf"\nabla {y} \cdot d")
        out.add(Boxed("Forward mode", rf"{lhs} = {to_latex(tr.derivative)} "
                                      rf"\approx {_approx(tr.derivative)}"
                                      rf"\quad\text{{at }} {at}"))
    else:
        y = _out_tex(ex, g)
        parts = ",\\ ".join(
            rf"\frac{{\partial {y}}}{{\partial {_tex(sp.Symbol(k, real=True), ex)}}}"
            + (f" = {to_latex(v)}" if len(to_latex(v)) <= 40 else
               rf" \approx {_approx(v)}")
            for k, v in tr.gradient.items())
        out.add(Boxed("Reverse mode (one sweep, the whole gradient)", parts))


def _approx(value) -> str:
    """A value's 12-digit decimal approximation, typeset (``1.5 \\times 10^{-9}``)."""
    return latex_number(tables.approx(value), 12)


def _flagged(ex, out, g, tr, checks: list[Agreement]) -> None:
    out.add(Text("The chain rule breaks down at this point: " + "; ".join(tr.flags) +
                 ". The trace shows 'undefined' instead of an inf or nan; whether the "
                 "derivative itself exists is a question for the function, asked below "
                 "with one-sided difference quotients."))
    directions = ([("seed", tr.seed)] if tr.mode == "forward" else
                  [(v, v) for v in g.variables])
    def side(v):
        return r"\text{undefined}" if v is None else latex_number(v, 12)

    rows = []
    for label, d in directions:
        res = one_sided(g, tr.point, d)
        rows.append([f"along {inline_math(to_latex(sp.Symbol(label)))}" if label != "seed"
                     else "along the seed",
                     side(res.right), side(res.left),
                     "exists" if res.exists else "does not exist"])
    out.add(Table(["direction", "right quotient", "left quotient", "derivative"], rows,
                  "One-sided difference quotients at 50 digits, $h = 10^{-20}$.", (1, 2)))
    expected = ex.fields.get("expect_flags", False)
    for c in checks:
        if c.undefined and expected:
            out.check(f"{tr.mode}: nondifferentiable partial flagged, as expected", True,
                      c.detail)
        else:
            out.check(f"{tr.mode}: {c.name}", c.passed, c.detail)


# ----------------------------------------------------------------------------- claims

def _claimed(ex: Exercise) -> dict:
    return ex.claimed if isinstance(ex.claimed, dict) else {}


def _claim_number(ex: Exercise, key: str, text: str, truth) -> tuple[bool, str]:
    """Does the claimed text match the (checked) true value?"""
    x = tables.approx(truth)
    if isinstance(text, str) and text.strip()[:1] in ("~", "≈"):
        raw = text.strip()[1:].strip()
        try:
            c = parse_number(raw)
        except WorkbenchError as exc:
            raise InputError(f"{ex.where('claimed.' + key)}: {exc}") from None
        rtol = ex.fields.get("claim_rtol")
        decimals = len(raw.split(".")[1]) if "." in raw else 0
        tol = rtol * abs(x) if rtol is not None else 0.5 * 10.0 ** -decimals
        err = abs(float(c) - x)
        rounded = f"{x:.{decimals}f}"
        how = (f"relative tolerance {inline_math(latex_number(rtol))}" if rtol is not None else
               f"half a unit in the last digit, {inline_math(latex_number(tol))}")
        value = inline_math(latex_number(x, 12))
        return err <= tol, (f"true value {inline_math(truth)} = {value}; "
                            f"rounded to {decimals} decimals {inline_math(rounded)}; off by "
                            f"{fmt(err)} ({how})")
    try:
        c = parse(text, [])
    except WorkbenchError as exc:
        raise InputError(f"{ex.where('claimed.' + key)}: {exc}") from None
    holds = trace_error([c], [truth]) <= tolerance("trace_exact")
    return holds, f"true value {inline_math(truth)} ≈ {inline_math(latex_number(x, 12))}"


def _claims(ex: Exercise, out: Outcome, g: Graph, tr) -> None:
    claimed = _claimed(ex)
    if tr.point is None:
        return
    if "value" in claimed and tr.mode == "reverse":
        holds, detail = _claim_number(ex, "value", claimed["value"], tr.value)
        out.claim(f"{inline_math('y ' + _said(claimed['value']))} at the point", holds, detail)
    if "derivative" in claimed and tr.mode == "forward":
        for text in _as_list(claimed["derivative"]):
            holds, detail = _claim_number(ex, "derivative", text, tr.derivative)
            out.claim(f"forward-mode derivative {inline_math(_said(text))}", holds, detail)
    if "gradient" in claimed and tr.mode == "reverse":
        for var, texts in claimed["gradient"].items():
            if var not in tr.gradient:
                raise InputError(f"{ex.where('claimed.gradient')}: unknown variable {var!r}")
            for text in _as_list(texts):
                holds, detail = _claim_number(ex, f"gradient.{var}", text, tr.gradient[var])
                partial = rf"\frac{{\partial y}}{{\partial {to_latex(sp.Symbol(var))}}} "
                out.claim(inline_math(partial + _said(text)), holds, detail)


def _said(text: str) -> str:
    r"""How a claim reads in the sheet, LaTeX: '~60.25' is shown as '\approx 60.25'."""
    text = str(text).strip()
    approx = text[:1] in ("~", "≈")
    body = text[1:].strip() if approx else text
    try:  # a decimal is shown as written (60.25, not 241/4)
        shown = body if re.fullmatch(r"-?\d+(\.\d+)?", body) else to_latex(parse(body, []))
    except WorkbenchError:
        shown = r"\text{(unreadable)}"
    return (r"\approx " if approx else "= ") + shown


def _as_list(x) -> list:
    return list(x) if isinstance(x, list) else [x]


# ----------------------------------------------------------------------------- named steps

def _named_backward(ex: Exercise, out: Outcome, g: Graph, point, swept=None) -> None:
    """The notes' backward pass on names, checked against the primitive-level sweep.

    ``swept`` is the reverse trace the task already ran (at ``point``, or symbolic when
    there is no point); the sweeps it does not cover are run here.
    """
    eqs = backward_equations(g)
    rows = []
    for x, rhs, parts in eqs:
        spelled = " + ".join(
            rf"{_bar_tex(c, ex)}\,\frac{{\partial {_tex(sp.Symbol(c, real=True), ex)}}}"
            rf"{{\partial {_tex(sp.Symbol(x, real=True), ex)}}}" for c, _ in parts)
        rows.append((_bar_tex(x, ex), (spelled + " = " if spelled else "") + _tex(rhs, ex), ""))
    out.add(Text("Backward pass on the named steps: each adjoint sums over the steps that "
                 "use it, with the local partial of that step's definition."), Steps(rows))
    symbolic = swept if swept is not None and swept.point is None else reverse(g, None)
    truth = _true_adjoints(g, symbolic)
    inlined = inlined_subs(g.inlined())
    xs = symbols(g.variables)
    bars = {bar(k): v for k, v in truth.items()}
    ok = all(same(rhs.subs(bars, simultaneous=True).subs(inlined, simultaneous=True),
                   truth[x], xs) for x, rhs, _ in eqs)
    out.check("named backward equations agree with the primitive-level reverse sweep", ok,
              "every adjoint, with names and adjoints substituted, equals the sweep's "
              "(simplified difference 0, or 50-digit agreement at random points)")
    if point is not None:
        numeric = swept if swept is not None and swept.point is not None else reverse(g, point)
        at = {sp.Symbol(k, real=True): v for k, v in numeric.point.items()}
        values = {k: (numeric.row(g.names[k]).adjoint if k in g.names else
                      numeric.gradient[k]) for k in truth}
        err = max(trace_error([sp.sympify(truth[k]).subs(at)], [values[k]]) for k in truth)
        out.check("named backward equations at the point equal the numeric reverse sweep",
                  err <= tolerance("trace_exact"),
                  f"max mixed rel. error {err:.1e} (exact arithmetic)")
    _named_claims(ex, out, g, truth, inlined, xs, bars)


def _true_adjoints(g: Graph, symbolic) -> dict[str, sp.Expr]:
    """Adjoint of every named step and input (in the inputs) from the symbolic sweep."""
    out = {k: symbolic.row(i).adjoint for k, i in g.names.items()}
    out.update(symbolic.gradient)
    return out


def _named_claims(ex, out, g, truth, inlined, xs, bars) -> None:
    claimed = _claimed(ex)
    allowed = list(g.variables) + list(g.definitions) + [f"{k}_bar" for k in truth]
    for x, text in claimed.get("adjoints", {}).items():
        if x not in truth:
            raise InputError(f"{ex.where('claimed.adjoints')}: unknown name {x!r}")
        try:
            c = parse(text, allowed)
        except WorkbenchError as exc:
            raise InputError(f"{ex.where('claimed.adjoints.' + x)}: {exc}") from None
        value = c.subs(bars, simultaneous=True).subs(inlined, simultaneous=True)
        holds = same(value, truth[x], xs)
        y_name, x_name = (to_latex(sp.Symbol(k)) for k in (g.label(g.output) or "y", x))
        out.claim(inline_math(rf"\bar{{{x_name}}} = {_tex(c, ex)}"), holds,
                  "equals the true adjoint " +
                  inline_math(rf"\frac{{\partial {y_name}}}{{\partial {x_name}}}") if holds
                  else f"the true adjoint is {inline_math(_tex(truth[x], ex))}")
    for key, text in claimed.get("partials", {}).items():
        c_name, _, x = key.partition("/")
        if c_name not in g.definitions:
            raise InputError(f"{ex.where('claimed.partials')}: {key!r}: no step {c_name!r}")
        try:
            c = parse(text, allowed)
        except WorkbenchError as exc:
            raise InputError(f"{ex.where('claimed.partials.' + key)}: {exc}") from None
        true = sp.diff(g.definitions[c_name], sp.Symbol(x, real=True))
        syms = sorted(true.free_symbols | c.free_symbols, key=str)
        holds = same(c, true, syms)
        c_tex, x_tex = (to_latex(sp.Symbol(k)) for k in (c_name, x))
        partial = rf"\frac{{\partial {c_tex}}}{{\partial {x_tex}}}"
        out.claim(inline_math(f"{partial} = {_tex(c, ex)}"), holds,
                  f"local partial of {inline_math(c_tex + ' = ' + _tex(g.definitions[c_name], ex))}"
                  f": {inline_math(_tex(true, ex))}")


# ----------------------------------------------------------------------------- HVP

def _hvp(ex: Exercise, out: Outcome, g: Graph, point) -> None:
    text = ex.fields["hvp"]
    direction = parse_at(ex, text, "hvp") if "=" in text else text.strip()
    res = hvp(g, point, direction)
    checks = check_hvp(g, point, res)
    for c in checks:
        out.check(c.name, c.passed, c.detail)
    out.add(Text("Hessian-vector product by forward-over-reverse: the reverse sweep run on "
                 "dual numbers x + d·ε; the ε-parts of the adjoints are ∇²f·d."))
    if all(c.passed for c in checks):
        d = to_latex(sp.Matrix([res.direction[v] for v in g.variables]))
        out.add(Boxed("Hessian-vector product", r"\nabla^2 y \cdot d = " +
                      to_latex(sp.Matrix([res.hvp[v] for v in g.variables])) +
                      rf"\quad\text{{for }} d = {d}"))


# ----------------------------------------------------------------------------- costs

def _costs(ex: Exercise, out: Outcome, g: Graph, point) -> None:
    c = costs(g)
    rows = [[m.method, m.sweeps, str(m.operations), str(m.stored), f"+{m.per_input}",
             f"+{m.per_output}"] for m in c.methods]
    out.add(Text(f"Cost of the full Jacobian for this graph: n = {c.n} inputs, m = {c.m} "
                 f"output(s), N = {c.N} operations, P = {c.P} local partials; one unit per "
                 "primitive, per local partial and per chain-rule multiply-add."),
            Table(["method", "sweeps", "operations", "stored", "+1 input", "+1 output"], rows,
                  "Operations and stored values for the full Jacobian, and what one more "
                  "input or output adds."),
            Table(["method", "accuracy"], [[m.method, m.accuracy] for m in c.methods]))
    big = costs(g, n=10**6, m=1)
    out.add(Text(f"The same graph as one piece of a model with a million inputs and one loss: "
                 f"forward mode {_count(big.method('forward').operations)} operations, "
                 f"reverse mode {_count(big.method('reverse').operations)} (storing "
                 f"{big.method('reverse').stored} values), central differences "
                 f"{_count(big.method('central').operations)}."))
    measured = None
    if "difference_errors" in ex.fields and point is not None:
        measured = _measure(ex, out, g, point)
    _cost_claims(ex, out, c, measured)


def _count(n: float) -> str:
    """A large count in prose, typeset with three digits: ``$3 \\times 10^{6}$``."""
    return inline_math(latex_number(n, 3))


def _measure(ex, out, g, point):
    var = ex.fields["difference_errors"]
    if var not in g.variables:
        raise InputError(f"{ex.where('difference_errors')}: unknown variable {var!r}")
    errs = difference_errors(g, point, var)
    out.add(Table(["step h", "forward difference error", "central difference error"],
                  [[latex_number(e.h, 1), latex_number(e.forward, 2), latex_number(e.central, 2)]
                   for e in errs],
                  "Relative error of difference quotients for "
                  + inline_math(rf"\partial y / \partial {to_latex(sp.Symbol(var))}")
                  + " in float64 (" + inline_math(r"\varepsilon = " + latex_number(EPS, 2)) + "): "
                  "truncation dominates for large h, round-off for small h.", (0, 1, 2)))
    return errs


def _cost_claims(ex, out, c, measured) -> None:
    claimed = _claimed(ex)
    fwd, rev = c.method("forward"), c.method("reverse")

    def cheap(m):
        return "outputs" if m.per_output < m.per_input else "inputs"

    facts = {
        "forward_cheap_to_add": (cheap(fwd), f"forward mode: +{fwd.per_input} operations per "
                                 f"added input (one more sweep), +{fwd.per_output} per added "
                                 "output (each sweep carries every output's tangent)"),
        "reverse_cheap_to_add": (cheap(rev), f"reverse mode: +{rev.per_input} per added input "
                                 f"(one sweep gives every input's adjoint), +{rev.per_output} "
                                 "per added output (one more backward sweep)"),
        "forward_memory": ("high" if fwd.stored else "low", f"forward mode stores {fwd.stored} "
                           "values: tangents are computed alongside values and discarded with "
                           "them"),
        "reverse_memory": ("high" if rev.stored else "low", f"reverse mode stores the tape: "
                           f"{rev.stored} values (N = {c.N} values + P = {c.P} partials)"),
    }
    for key, (truth, detail) in facts.items():
        if key in claimed:
            out.claim(f"{key.replace('_', ' ')}: {claimed[key]}", claimed[key] == truth,
                      f"{detail}; so: {truth}")
    if "numerical_roundoff_small_steps" in claimed:
        if measured is None:
            raise InputError(f"{ex.where('claimed.numerical_roundoff_small_steps')}: needs "
                             "the field 'difference_errors' (a variable) and 'at'")
        best = min(e.central for e in measured)
        smallest = measured[-1]
        grows = smallest.central > 100 * best
        out.claim("numerical differentiation suffers round-off for small steps",
                  grows == bool(claimed["numerical_roundoff_small_steps"]),
                  f"central-difference error {fmt(best)} at the best step but "
                  f"{fmt(smallest.central)} at {inline_math('h = ' + latex_number(smallest.h, 1))}")
