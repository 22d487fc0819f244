"""Tasks for the calculus basics: derivatives, critical points, limits, Jacobians, Taylor.

Each task derives with :mod:`workbench.symbolic.calculus`, certifies with
:mod:`workbench.certification.scalar`, and checks the source's claims with
:mod:`workbench.certification.claims` — an answer is boxed only once it is certified.
"""

from __future__ import annotations

import sympy as sp

from ..backends.compile import compile
from ..certification.claims import check_claim
from ..certification.scalar import certify
from ..core.errors import InputError, WorkbenchError
from ..core.parse import parse, parse_number
from ..core.printing import (
    inline_math,
    latex_name,
    latex_number,
    latex_partial,
    latex_point,
    latex_vector,
    matrix_rows,
    to_latex,
)
from ..plots import figures as plots
from ..symbolic import calculus
from ..symbolic.textbook import textbook_all, textbook_matrix
from . import derivation
from .common import claim_text, expr_and_vars, field_expr, parse_at, verification_table
from .model import Boxed, Figure, Math, Outcome, Steps, Table, Text
from .registry import Context, Exercise, task
from .schema import EXPR, POINT, VARIABLES, Field


def _grad_steps(names, grad) -> Steps:
    """∂f/∂xᵢ = … rows, one per variable."""
    return Steps([(latex_partial(n), to_latex(g), "")
                  for n, g in zip(names, grad, strict=True)])


def _substitute(ex: Exercise, f: sp.Expr) -> tuple[sp.Expr, Steps | None]:
    """Apply ``substitute = {x = "3*sin(2*t)", ...}``: the chain-rule setting."""
    subs = ex.fields.get("substitute")
    if not subs:
        return f, None
    inner = {}
    for k, v in subs.items():
        if not isinstance(v, str):
            raise InputError(f"{ex.where('substitute.' + k)}: expected an expression string")
        try:
            inner[sp.Symbol(k, real=True)] = parse(v)
        except WorkbenchError as exc:
            raise InputError(f"{ex.where('substitute.' + k)}: {exc}") from None
    rows = [(to_latex(k), to_latex(v), "inner function") for k, v in inner.items()]
    return f.subs(inner, simultaneous=True), Steps(rows)


@task("derive", required={"expr": EXPR},
      optional={"wrt": VARIABLES, "at": POINT,
                "hessian": Field(bool, "also the Hessian"),
                "substitute": Field(dict, 'chain rule: {x = "3*sin(2*t)"} replaces x before '
                                    "differentiating in wrt"),
                "simplify": Field(bool, "simplify the gradient")},
      claims={"gradient": Field(list, "the gradient, one expression per variable",
                                kind="exprs"),
              "mixed": Field(str, "the mixed partial ∂²f/∂x∂y", kind="expr")},
      example='''
expr = "x**2*y + y**3"
wrt = ["x", "y"]
at = "x=1,y=2"
hessian = true
claimed = { gradient = ["2*x*y", "x**2 + 3*y**2"] }
''')
def derive(ex: Exercise, ctx: Context) -> Outcome:
    """Gradient (and Hessian) of an expression, certified; values at a point."""
    out = Outcome()
    # with inner functions substituted, the outer variables are not the ones in wrt
    outer = field_expr(ex, "expr", None if "substitute" in ex.fields else ex.fields.get("wrt"))
    f, inner_steps = _substitute(ex, outer)
    names = list(ex.fields.get("wrt") or sorted(map(str, f.free_symbols)))
    out.add(Math(f"f({', '.join(map(to_latex, map(sp.Symbol, names)))}) = {to_latex(outer)}"))
    if inner_steps is not None:
        out.add(Text("Chain rule: substitute the inner functions and differentiate, "
                     "dz/dt = Σ ∂f/∂xᵢ · dxᵢ/dt."), inner_steps)
    if inner_steps is not None and len(names) == 1:
        inner = {sp.Symbol(k, real=True): parse(v) for k, v in ex.fields["substitute"].items()}
        derivation.chain(out, outer, inner, sp.Symbol(names[0], real=True))
    else:
        derivation.partials(out, f, names)
    grad = calculus.gradient(f, names)
    if ex.fields.get("simplify"):
        grad = [sp.simplify(g) for g in grad]
    shown = textbook_all(grad)  # each certified equal to its derivative
    out.add(_grad_steps(names, shown))
    H = calculus.hessian(f, names) if ex.fields.get("hessian") else None
    if H is not None:
        out.add(Text("Hessian:"), Steps([(lhs, rhs, "") for lhs, rhs in
                                         matrix_rows(r"\nabla^2 f", textbook_matrix(H))]))
    point = parse_at(ex, ex.fields["at"]) if "at" in ex.fields else None
    cert = certify(f, names, [point] if point else (), n_random=100, with_hessian=H is not None,
                   grad=grad, hess=H)
    out.check("symbolic derivative certified", cert.ok,
              f"{cert.verdict}; max errors " +
              ", ".join(f"{k} {v:.1e}" for k, v in cert.max_rel_error.items()))
    out.add(verification_table(cert, "gradient" + (" and Hessian" if H is not None else "")))
    if cert.ok:
        out.add(Boxed("Answer", r"\nabla f = " + to_latex(sp.Matrix(shown))))
    if point is not None and cert.ok:
        subs = {sp.Symbol(k, real=True): v for k, v in point.items()}
        gv = [sp.simplify(g.subs(subs)) for g in grad]
        fv = sp.simplify(f.subs(subs))
        at = ",\\ ".join(f"{to_latex(sp.Symbol(k))} = {to_latex(v)}" for k, v in point.items())
        out.add(Boxed("At the given point",
                      rf"{at}:\quad f = {to_latex(fv)},\quad \nabla f = {to_latex(sp.Matrix(gv))}"))
    _claims(ex, out, f, names, H)
    return out


def _claims(ex, out, f, names, H):
    claimed = claim_text(ex, "gradient", names)
    if claimed is not None:
        res = check_claim(f, claimed, names)
        detail = "equals the true gradient" if res.verdict == "correct" else \
            _counterexample(res, names)
        shown = ", ".join(inline_math(f"{latex_partial(n)} = {to_latex(c)}")
                          for n, c in zip(names, claimed, strict=False))
        out.claim(f"claimed gradient: {shown}", res.verdict == "correct", detail)
    mixed = claim_text(ex, "mixed", names)
    if mixed is not None and H is not None and len(names) >= 2:
        true = H[0, 1]
        holds = sp.simplify(mixed - true) == 0
        x0, x1 = latex_name(names[0]), latex_name(names[1])
        name = rf"\frac{{\partial^2 f}}{{\partial {x0} \partial {x1}}}"
        out.claim(f"claimed mixed partial {inline_math(name + ' = ' + to_latex(mixed))}", holds,
                  f"true value {inline_math(true)}")


def _counterexample(res, names) -> str:
    """Which components are wrong (named ∂f/∂x) and where, in typeset form."""
    wrong = ", ".join(inline_math(latex_partial(names[i])) for i in res.wrong_components)
    c = res.counterexample or {}
    if not c:
        return f"wrong component(s) {wrong}"
    point = c.get("point", {})
    at = latex_point(list(point), list(point.values())) if isinstance(point, dict) else \
        latex_point(names, point)
    return (f"wrong component(s) {wrong}; at {inline_math(at)} the claim gives "
            f"{inline_math(latex_vector(c['claimed']))}, the true gradient is "
            f"{inline_math(latex_vector(c['true']))}")


def _box(ex: Exercise, names: list[str]) -> dict | None:
    """The optional ``box = { x = [a, b], y = [c, d] }`` field, checked."""
    spec = ex.fields.get("box")
    if spec is None:
        return None
    try:
        ranges = {k: tuple(str(e) for e in v) for k, v in spec.items()}
        return calculus.read_box(ranges, names)
    except (WorkbenchError, TypeError, AttributeError) as exc:
        raise InputError(f"{ex.where('box')}: {exc} (expected {{ x = [a, b], ... }})") from None


def _proof(p) -> str:
    status = "proved" if p.proved else "kind not proved"
    return status + (", on the boundary" if p.on_boundary else "")


@task("critical", required={"expr": EXPR},
      optional={"wrt": VARIABLES,
                "plot": Field(dict, "surface and contour figure: {x = [lo, hi], y = [lo, hi]}"),
                "global_min": Field(bool, "check that the minimum value is 0"),
                "box": Field(dict, "search every critical point in this closed box, with proof: "
                                   "{x = [a, b], y = [c, d]}")},
      claims={"minimum": Field(str, "a minimizer", kind="point")},
      example='''
expr = "(1.5 - x + x*y)**2 + (2.25 - x + x*y**2)**2 + (2.625 - x + x*y**3)**2"
wrt = ["x", "y"]
claimed = { minimum = "x=3,y=0.5" }
''')
def critical(ex: Exercise, ctx: Context) -> Outcome:
    """All real critical points (in ``box`` when given, each proved), classified; figures."""
    out = Outcome()
    f, names = expr_and_vars(ex)
    box = _box(ex, names)
    out.add(Math(f"f({', '.join(map(to_latex, map(sp.Symbol, names)))}) = {to_latex(f)}"))
    grad, hess = calculus.gradient(f, names), calculus.hessian(f, names)
    out.add(Text("Set the gradient to zero:"), _grad_steps(names, grad))
    found = calculus.critical_points(f, names, box=box)
    rows = []
    for p in found.points:
        # long radicals go to the exact list below the table; the table stays readable
        short = p.exact and all(len(to_latex(v)) < 40 for v in p.point.values())
        where = ", ".join(to_latex(v) if short else latex_number(p.numeric[k])
                          for k, v in p.point.items())
        eig = ", ".join(latex_number(e) for e in p.eigenvalues)
        rows.append([rf"\left({where}\right)", p.kind, latex_number(p.value_float), eig,
                     _proof(p)])
    ranges = (r" \times ".join(rf"\left[{to_latex(a)}, {to_latex(b)}\right]"
                               for a, b in box.values()) if box is not None else "")
    if box is not None and found.method == "interval-krawczyk":
        out.add(Text(f"Search box {inline_math(ranges)} (closed): interval arithmetic "
                     "with outward rounding discards the parts where ∇f cannot vanish; "
                     "the Krawczyk test proves "
                     "exactly one critical point in each remaining part."))
    elif box is not None:
        out.add(Text(f"Search box {inline_math(ranges)} (closed): the exact solutions of "
                     "∇f = 0 that lie in it."))
    for st in found.sets:
        out.add(Text("Critical set (not isolated points): " + st.text() + ":"),
                Math(st.latex()))
    out.add(Text(f"Solutions of ∇f = 0 ({found.note}):"),
            Table(["point", "kind", "f", "Hessian eigenvalues", "proof"], rows, "", (0, 2, 3)))
    out.check("critical point list complete", found.complete or not ex.fields.get("global_min"),
              found.note)
    if box is not None:
        out.check("every critical point in the box found, each proved", found.complete and all(
            p.proved for p in found.points), found.note)
    cert = certify(f, names, [p.point for p in found.points if p.exact], n_random=100,
                   grad=grad, hess=hess)
    out.check("gradient and Hessian certified at the critical points and 100 random points",
              cert.ok, cert.verdict)
    out.add(verification_table(cert))
    minima = [p for p in found.points if p.kind == "minimum"]
    if minima and cert.ok:
        best = min(minima, key=lambda p: p.value_float)
        H = hess.subs({sp.Symbol(k, real=True): v for k, v in best.point.items()})
        eig = best.eigenvalues
        kappa = max(eig) / min(eig)
        at = ", ".join(to_latex(v) for v in best.point.values())
        lower = "f is a sum of squares, so f ≥ 0 and " if ex.fields.get("global_min") else ""
        out.add(Text(f"{lower}the minimum value {inline_math(best.value)} is attained here."),
                Boxed("Minimum", rf"\left({at}\right),\quad f = {to_latex(best.value)}"),
                Steps([(lhs, rhs, "") for lhs, rhs in matrix_rows(r"\nabla^2 f", H)]),
                Text(f"Hessian eigenvalues {inline_math(latex_number(eig[0]))} and "
                     f"{inline_math(latex_number(eig[-1]))}; condition number "
                     + inline_math(r"\kappa = " + latex_number(kappa)) + "."))
        if ex.fields.get("global_min"):
            out.check("global minimum value is 0 (sum of squares attains its bound)",
                      best.value == 0, f"f = {best.value}")
    _claim_point(ex, out, found)
    _figures(ex, ctx, out, f, names, found)
    return out


def _claim_point(ex, out, found):
    if not isinstance(ex.claimed, dict) or "minimum" not in ex.claimed:
        return
    point = parse_at(ex, ex.claimed["minimum"], "claimed.minimum")
    match = [p for p in found.points if p.kind == "minimum" and all(
        sp.simplify(p.point[k] - v) == 0 for k, v in point.items() if k in p.point)]
    shown = inline_math(latex_point(list(point), list(point.values())))
    on_set = [st for st in found.sets if st.kind_at(point) == "minimum"]
    if on_set and not match:
        out.claim(f"claimed minimum at {shown}", True,
                  f"it lies on {on_set[0].description}, where f has a local minimum")
        return
    out.claim(f"claimed minimum at {shown}", bool(match),
              "it is a critical point with positive definite Hessian" if match else
              "no minimum there")


def _figures(ex, ctx, out, f, names, found):
    spec = ex.fields.get("plot")
    if not spec or len(names) != 2:
        return
    pdf = ctx.figure_path(ex, "surface")
    if pdf is None:
        return
    fn = compile(f, names)
    xr, yr = tuple(spec.get("x", (-5, 5))), tuple(spec.get("y", (-5, 5)))
    marks = _kind_marks(found, names, xr, yr)
    minima = [m[:3] for m in marks if m[3] == KIND_MARKERS["minimum"]]
    plots.surface(fn, xr, yr, [pdf, pdf.with_suffix(".png")], minima, "")
    cpdf = ctx.figure_path(ex, "contours")
    plots.contours(fn, xr, yr, [cpdf, cpdf.with_suffix(".png")], marks, "")
    out.add(Figure(pdf, "The surface on a logarithmic scale (height and colour); the minimum "
                        "is starred."),
            Figure(cpdf, "Contour levels spaced logarithmically from 0.3 to 100 000; critical "
                         "points marked by kind: minima starred, maxima as triangles, saddles "
                         "as crosses, degenerate points as circles."))


#: Marker (matplotlib format) for each kind of critical point in the figures.
KIND_MARKERS = {"minimum": "r*", "maximum": "b^", "saddle": "kx"}


def _kind_marks(found, names, xr, yr) -> list[tuple]:
    """(x, y, label, marker) for every critical point in the plotted window, by kind."""
    marks = []
    labelled: set[str] = set()
    for p in found.points:
        px, py = p.numeric[names[0]], p.numeric[names[1]]
        if not (xr[0] <= px <= xr[1] and yr[0] <= py <= yr[1]):
            continue
        marker = KIND_MARKERS.get(p.kind, "mo")
        if p.kind == "minimum":
            label = f"minimum ({px:g}, {py:g})"
        else:  # one legend entry per kind
            label = p.kind if p.kind not in labelled else ""
        labelled.add(p.kind)
        marks.append((px, py, label, marker))
    return marks


@task("limit", required={"expr": EXPR, "var": Field(str, "the variable", kind="name"),
                         "to": Field(str, 'the limit point: a constant, "oo" or "-oo"',
                                     kind="limit_value")},
      optional={},
      claims={"value": Field(str, 'the limit, or "dne" (does not exist)', kind="limit_value"),
              "left": Field(str, "the left-hand limit", kind="limit_value"),
              "right": Field(str, "the right-hand limit", kind="limit_value")},
      example='''
expr = "((3 + h)**2 - 3**2)/h"
var = "h"
to = "0"
claimed = { value = "6" }
''')
def limit_task(ex: Exercise, ctx: Context) -> Outcome:
    """A limit with both one-sided limits; 'does not exist' when they differ."""
    out = Outcome()
    f = field_expr(ex, "expr")
    var = ex.fields["var"]
    to = ex.fields["to"]
    point = to if to in ("oo", "-oo") else parse_number(to)
    lim = calculus.limit(f, var, point)
    x = to_latex(sp.Symbol(var))
    p = to_latex(sp.oo if to == "oo" else (-sp.oo if to == "-oo" else point))
    rows = []
    if to not in ("oo", "-oo"):
        rows = [(rf"\lim_{{{x} \to {p}^-}} {to_latex(f)}", to_latex(lim.left), "from the left"),
                (rf"\lim_{{{x} \to {p}^+}} {to_latex(f)}", to_latex(lim.right),
                 "from the right")]
        out.add(Steps(rows))
    answer = to_latex(lim.value) if lim.exists else r"\text{does not exist}"
    out.add(Boxed("Limit", rf"\lim_{{{x} \to {p}}} {to_latex(f)} = {answer}"))
    if lim.note:
        out.add(Text(lim.note))
    # an independent numeric look: f at points approaching from each side in 50 digits
    out.check("limit decided", lim.left is not None or lim.exists, lim.note or "decided")
    if isinstance(ex.claimed, dict) and "value" in ex.claimed:
        c = ex.claimed["value"]
        if c == "dne":
            holds = not lim.exists
        else:
            cv = sp.oo if c == "oo" else (-sp.oo if c == "-oo" else parse_number(c))
            holds = lim.exists and sp.simplify(lim.value - cv) == 0 if cv.is_finite else \
                lim.exists and lim.value == cv
        shown = r"\text{does not exist}" if c == "dne" else _limit_latex(c)
        out.claim(f"claimed limit {inline_math(shown)}", holds, f"computed: {inline_math(answer)}")
    for side, key in (("left", "left"), ("right", "right")):
        if isinstance(ex.claimed, dict) and key in ex.claimed:
            c = ex.claimed[key]
            cv = sp.oo if c == "oo" else (-sp.oo if c == "-oo" else parse_number(c))
            got = getattr(lim, key)
            out.claim(f"claimed {side}-hand limit {inline_math(_limit_latex(c))}", got == cv,
                      f"computed {inline_math(got)}")
    return out


def _limit_latex(value: str) -> str:
    """A claimed limit value (a number, ``oo`` or ``-oo``) as LaTeX."""
    return to_latex(sp.oo if value == "oo" else (-sp.oo if value == "-oo" else
                                                 parse_number(value)))


@task("jacobian", required={"exprs": Field(list, "the outputs F_i", kind="exprs",
                                            limit="list_items")},
      optional={"wrt": VARIABLES, "at": POINT},
      claims={"shape": Field(str, 'the shape of J, "m" x "n", e.g. "2x3"')},
      example='''
exprs = ["x*y*z", "x + y**2"]
wrt = ["x", "y", "z"]
claimed = { shape = "2x3" }
''')
def jacobian_task(ex: Exercise, ctx: Context) -> Outcome:
    """Jacobian J_ij = ∂F_i/∂x_j of a vector function (rows are outputs: m × n)."""
    out = Outcome()
    fs = [parse(e, ex.fields.get("wrt")) for e in ex.fields["exprs"]]
    names = list(ex.fields.get("wrt") or sorted({str(s) for e in fs for s in e.free_symbols}))
    J = calculus.jacobian(fs, names)
    out.add(Math("F = " + to_latex(sp.Matrix(fs))), Boxed("Jacobian", "J = " + to_latex(J)))
    m, n = J.shape
    space_n, space_m = (inline_math(rf"\mathbb{{R}}^{{{k}}}") for k in (n, m))
    out.add(Text(f"F maps {space_n} to {space_m}, so J has {m} rows (outputs) "
                 f"and {n} columns (inputs)."))
    for i, fi in enumerate(fs):
        cert = certify(fi, names, n_random=30, with_hessian=False, grad=list(J.row(i)))
        out.check(f"row {i + 1} of J certified", cert.ok, cert.verdict)
    if isinstance(ex.claimed, dict) and "shape" in ex.claimed:
        cs = ex.claimed["shape"]
        shown = cs.replace("x", r" \times ") if cs.replace("x", "").isdigit() else cs
        true_shape = inline_math(rf"{m} \times {n}")
        out.claim(f"claimed shape {inline_math(shown) if shown != cs else cs}",
                  cs == f"{m}x{n}", f"true shape {true_shape} (m × n)")
    return out


@task("taylor", required={"expr": EXPR, "at": POINT,
                          "order": Field(int, "the order", min=0, limit="taylor_order")},
      optional={"wrt": VARIABLES},
      example='''
expr = "exp(x)"
at = "x=0"
order = 3
''')
def taylor_task(ex: Exercise, ctx: Context) -> Outcome:
    """Taylor polynomial about a point; checked against the function's own derivatives."""
    out = Outcome()
    f, names = expr_and_vars(ex)
    point = parse_at(ex, ex.fields["at"])
    k = ex.fields["order"]
    T = calculus.taylor(f, names, point, k)
    out.add(Boxed(f"Taylor polynomial of order {k}", f"T_{k} = {to_latex(T)}"))
    # T and f must agree in every derivative of order ≤ k at the point
    subs = {sp.Symbol(n, real=True): point[n] for n in names}
    ok = all(sp.simplify((sp.diff(f, *([sp.Symbol(names[0], real=True)] * j))
                          - sp.diff(T, *([sp.Symbol(names[0], real=True)] * j))).subs(subs)) == 0
             for j in range(k + 1))
    out.check(f"derivatives of order ≤ {k} match at the point", ok)
    return out
