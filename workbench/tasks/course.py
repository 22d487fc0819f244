"""Tasks for the course documents' prose items: answers with checked claims, gradient fields.

* ``answer``          an explanation question answered in prose; every checkable
                      statement (the workbench's own and the document's) is a named
                      check from ONE table, :data:`CHECKS`, each returning
                      ``(holds, evidence)``: a counterexample, a measured cost, the
                      output of the document's own code;
* ``gradient_field``  ∇f of a function of two variables drawn as arrows, with the
                      direction θ = atan2(f_y, f_x) and the magnitude ‖∇f‖ at a point;

One concept: a statement of the course about a function of one or two variables,
answered in words and judged by a computation.  (The notes' matrix rules are
:mod:`workbench.tasks.rules`.)  Every check returns ``(holds, evidence)``:

>>> CHECKS["sin_continuous"]()[0]
True
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import sympy as sp

from ..autodiff.cost import costs
from ..autodiff.graph import from_text
from ..core.errors import InputError
from ..core.printing import to_latex
from ..plots.figures import pyplot, save
from .common import expr_and_vars, parse_at
from .model import Boxed, Figure, Math, Outcome, Text
from .registry import Context, Exercise, task
from .schema import EXPR, POINT, VARIABLES, Field

# ------------------------------------------------------------------------- named checks


def _doc_beale_f(x, y):
    """HW1 Task 1.2's beale_f exactly as the document prints it."""
    return (1.5 - x + x*y)**2 + (2.25 - x + x*y**2)**2 + (2.625 - x + x*y**2)


def _doc_beale_grads(x, y):
    """HW1 Task 1.3's beale_grads exactly as the document prints it."""
    dx = (2*(y-1)*(1.5 - x + x*y) + 2*(y**2 - 1)*(2.25 - x + x*y**2)
          + 2*(y**2 - 1)*(2.625 - x + x*y**2))
    dy = 2*(1.5 - x + x*y) + 4*x*y*(2.25 - x + x*y**2) + 6*x*y**2*(2.625 - x + x*y**2)
    return np.array([dx, dy])


def _beale_f_printed():
    v = _doc_beale_f(3.0, 0.5)
    return v == 0.0, (f"the document's function gives {v:g} at $(3, 0.5)$, not the printed "
                      "0.0: its third term is $(2.625 - x + xy^2)$ unsquared instead of "
                      "$(2.625 - x + xy^3)^2$, so the printed output cannot come from the code "
                      "as printed (a transcription slip in the code or the output)")


def _beale_grads_printed():
    g = _doc_beale_grads(3.0, 0.5)
    x, y = sp.symbols("x y")
    true = [sp.diff((sp.Rational(3, 2) - x + x*y)**2 + (sp.Rational(9, 4) - x + x*y**2)**2
                    + (sp.Rational(21, 8) - x + x*y**3)**2, v) for v in (x, y)]
    at = [float(t.subs({x: 3, y: sp.Rational(1, 2)})) for t in true]
    ok = bool(np.all(g == 0))
    return ok, (f"the document's gradient gives $({g[0]:g}, {g[1]:g})$ at $(3, 0.5)$, not the "
                f"printed $(-0, 0)$ (the true gradient there is $({at[0]:g}, {at[1]:g})$): the "
                "first term of $\\partial f/\\partial y$ lacks the factor $x$ and the third "
                "terms use $y^2$ for $y^3$, so the printed output cannot come from the code as "
                "printed")


def _q1_gradient_of_difference():
    t, w1, w2 = sp.Rational(1, 2), sp.Integer(1), sp.Integer(0)
    w = sp.Symbol("w")
    f = w**3 / 3
    fp = sp.diff(f, w)
    a = w + t * (w1 - w)  # the argument as a function of w₂ = w
    literal = sp.diff(f.subs(w, a) - f, w).subs(w, w2)
    intended = (fp.subs(w, a) - fp).subs(w, w2)
    return literal == intended, (
        "for $f(w) = w^3/3$, $w_1 = 1$, $w_2 = 0$, $t = 1/2$ the gradient of the difference "
        f"$\\nabla_{{w_2}}[f(w_2 + t(w_1 - w_2)) - f(w_2)]$ is ${sp.latex(literal)}$, while "
        f"$\\nabla f(a) - \\nabla f(b) = {sp.latex(intended)}$: the step needs the difference "
        "of gradients, not the gradient of the difference")


def _newton_one_step():
    rng = np.random.default_rng(0)
    M = rng.standard_normal((50, 50))
    H = M @ M.T + 50 * np.eye(50)
    w0 = rng.standard_normal(50)
    w1 = w0 - np.linalg.solve(H, H @ w0)
    err = float(np.linalg.norm(w1))
    return err < 1e-10, (f"$A = H^{{-1}}$, $\\eta = 1$ on a random 50 × 50 symmetric positive "
                         f"definite $H$: $\\|w(1)\\| = {err:.1e}$ after one step (round-off; "
                         "tolerance 1e-10)")


def _inverse_infeasible():
    d = 10 ** 6
    memory_tb = 8 * d * d / 1e12
    flops = d ** 3 / 3
    days = flops / 1e12 / 86400
    return True, (f"for $d = 10^6$ parameters $H$ has $10^{{12}}$ entries ({memory_tb:g} TB in "
                  f"float64); a Cholesky factorization costs $d^3/3$, about {flops:.1e} "
                  f"operations ({days:.1f} days at $10^{{12}}$ per second), against $O(d)$ for a "
                  "gradient step")


def _jacobi_preconditioner():
    rng = np.random.default_rng(1)
    d = 40
    scales = np.logspace(0, 4, d)
    M = rng.standard_normal((d, d)) / np.sqrt(d)
    H = np.diag(scales) @ (M @ M.T + np.eye(d)) @ np.diag(scales)
    Dm = np.diag(1 / np.sqrt(np.diag(H)))
    before, after = np.linalg.cond(H), np.linalg.cond(Dm @ H @ Dm)
    return bool(after < before / 100), (
        "diagonal preconditioner $A = \\operatorname{diag}(H)^{-1}$ on a badly scaled symmetric "
        f"positive definite $H$ ($d = 40$): $\\kappa$ drops from {before:.2e} to {after:.2e}, "
        "at $O(d)$ memory")


def _preconditioning_answer():
    return False, ("the algorithm (*) already multiplies by a preconditioning matrix $A$; the "
                   "question asks which cheap $A$ approximates $H^{-1}$: a diagonal $A$ "
                   "(Jacobi, AdaGrad or Adam style), quasi-Newton (L-BFGS) or Hessian-free "
                   "conjugate gradients with Hessian-vector products; the answer names none")


def _continuity_at_infinity():
    x = sp.Symbol("x", real=True)
    at_inf = sp.limit(sp.sin(x), x, sp.oo)  # the answer is the interval it oscillates in
    sign_limit = sp.limit(sp.sign(x), x, sp.oo)
    left, right = sp.limit(sp.sign(x), x, 0, "-"), sp.limit(sp.sign(x), x, 0, "+")
    refuted = not at_inf.is_number and sign_limit.is_number and left != right
    return not refuted, ("$\\sin x$ is continuous everywhere but $\\lim_{x\\to\\infty} \\sin x$ "
                         "does not exist (it oscillates in $[-1, 1]$); $\\operatorname{sign} x$ "
                         f"has $\\lim_{{x\\to\\infty}} \\operatorname{{sign}} x = {sign_limit}$ "
                         f"yet jumps from ${left}$ to ${right}$ at 0: the condition must read "
                         "$x \\to a$")


def _continuity_limit_is_a():
    x = sp.Symbol("x", real=True)
    lim = sp.limit(x**2, x, 2)
    return False, (f"$x^2$ is continuous at $a = 2$ but $\\lim_{{x\\to 2}} x^2 = {lim}$, not 2: "
                   "the condition must read $\\lim_{x\\to a} f(x) = f(a)$")


def _chain_rule_n():
    x = sp.Symbol("x", real=True)
    u2, u1 = sp.Symbol("u2"), sp.Symbol("u1")
    f1, f2, f3 = sp.sin(u1), sp.exp(u2), x**2  # f1(f2(f3(x)))
    true = sp.diff(sp.sin(sp.exp(x**2)), x)
    printed = (sp.diff(f1, u1).subs(u1, f2) * sp.diff(f2, u2)).subs(u2, f3)
    full = printed * sp.diff(f3, x)
    ok_full = sp.simplify(full - true) == 0
    same = sp.simplify(printed - true) == 0
    return same, ("for $f_1(f_2(f_3(x))) = \\sin(e^{x^2})$ the printed product stops at "
                  "$\\frac{df_2}{df_3} = e^{x^2}$ and gives $\\cos(e^{x^2}) e^{x^2}$, but the "
                  "derivative is $2x\\cos(e^{x^2}) e^{x^2}$" +
                  (": the last factor $\\frac{df_3}{dx}$ is dropped" if ok_full and not same
                   else ""))


def _sin_continuous():
    x, a = sp.symbols("x a", real=True)
    lim = sp.limit(sp.sin(x), x, a)
    return lim == sp.sin(a), (f"$\\lim_{{x\\to a}} \\sin x = {sp.latex(lim)}$ for every real $a$, "
                              "computed symbolically")


#: the slides' printed forward differences of x² at 3, as printed
SLIDES_PRINTED = ("6.0099999999999849", "6.0009999999999479", "6.000100000012054",
                  "6.0000099999951316")


def _printed_digits():
    f = lambda v: v * v  # noqa: E731 - the slide's f(x) = x**2
    notes, ok = [], True
    for h, shown in zip((0.01, 0.001, 0.0001, 0.00001), SLIDES_PRINTED, strict=True):
        value = repr((f(3 + h) - f(3)) / h)
        if shown == value:
            continue
        ok = False
        drop_one = any(shown[:i] + shown[i + 1:] == value for i in range(len(shown)))
        notes.append(f"{shown} where float64 arithmetic gives {value}" +
                     (" (one extra digit)" if drop_one else ""))
    return ok, ("every printed value is the float64 result" if ok else
                "the slides print " + "; ".join(notes) + ": 17 significant digits where the "
                "shortest float64 form has at most 16 here, a transcription slip, not an "
                "error of the method")


def _gradient_cost_twice():
    rows = []
    for text in ("exp(x1 + x2**3)*x3 + sqrt(x3*sin(pi/2*(x1 - x2)))",
                 "(1.5 - x + x*y)**2 + (2.25 - x + x*y**2)**2 + (2.625 - x + x*y**3)**2",
                 "log(1 + exp(-(w1*x1 + w2*x2 + b)))"):
        c = costs(from_text(text))
        rows.append(c.method("reverse").operations / c.N)
    worst = max(rows)
    return worst <= 2.5, (
        "counted on three graphs (HW1 Q4, Beale, logistic loss), one reverse sweep costs "
        + ", ".join(f"{r:.1f}" for r in rows) + " times the evaluation ($N$ primitives, $2P$ "
        "partials and multiply-adds): a constant independent of the number of inputs, as "
        "the notes mean, but nearer 4 than 2 (the Baur–Strassen and Griewank bound is about "
        "4 to 5)")


def _gradient_orthogonal_to_contour():
    x = sp.Symbol("x", real=True)
    y = sp.Function("y")(x)
    X, Y = sp.symbols("X Y", real=True)
    F = X * sp.exp(-(X**2 + Y**2)) + X * Y  # a level curve F(x, y(x)) = c
    fx, fy = sp.diff(F, X), sp.diff(F, Y)
    slope = sp.solve(sp.diff(F.subs({X: x, Y: y}), x), sp.diff(y, x))[0]
    dot = sp.simplify(fx + fy * slope.subs(y, Y).subs(x, X))
    return dot == 0, ("along a level curve $y(x)$ of $F = x e^{-(x^2+y^2)} + xy$, implicit "
                      "differentiation gives $y' = -F_x/F_y$ and $\\nabla F \\cdot (1, y')$ "
                      f"simplifies to ${dot}$: the gradient is orthogonal to the contour")


def _chain_rule_jacobian():
    t = sp.Symbol("t", real=True)
    x = sp.Matrix([sp.sin(t), t**2, sp.exp(t)])
    X = sp.symbols("x1:4", real=True)
    f = sp.Matrix([X[0] * X[1] + X[2], sp.cos(X[0]) * X[2]])
    J = f.jacobian(X).subs(dict(zip(X, x, strict=True)))
    lhs = f.subs(dict(zip(X, x, strict=True))).diff(t)
    ok = sp.simplify(lhs - J * x.diff(t)) == sp.zeros(2, 1)
    return ok, ("$f = (x_1 x_2 + x_3, x_3\\cos x_1)$, $x(t) = (\\sin t, t^2, e^t)$: "
                "$\\partial f/\\partial t$ computed directly equals $J \\partial x/\\partial t$ "
                "exactly")


#: name -> check; each returns (holds, evidence in one or two sentences).
CHECKS: dict[str, Callable[[], tuple[bool, str]]] = {
    "hw1_beale_f_printed_output": _beale_f_printed,
    "hw1_beale_grads_printed_output": _beale_grads_printed,
    "hw1_q1_gradient_of_difference": _q1_gradient_of_difference,
    "newton_one_step": _newton_one_step,
    "hessian_inverse_infeasible": _inverse_infeasible,
    "jacobi_preconditioner": _jacobi_preconditioner,
    "hw1_q2_1_preconditioning_answer": _preconditioning_answer,
    "slides_continuity_at_infinity": _continuity_at_infinity,
    "slides_continuity_limit_is_a": _continuity_limit_is_a,
    "slides_chain_rule_n": _chain_rule_n,
    "sin_continuous": _sin_continuous,
    "slides_printed_digits": _printed_digits,
    "notes_gradient_costs_twice": _gradient_cost_twice,
    "gradient_orthogonal_to_contour": _gradient_orthogonal_to_contour,
    "chain_rule_jacobian": _chain_rule_jacobian,
}


@task("answer", required={"text": Field(str, "the answer, in prose")},
      optional={"checks": Field(list, "named checks of the answer's own facts; each must hold",
                                choices=tuple(CHECKS), limit="list_items")},
      claims={"statement": Field(str, "the document's statement, quoted", required=True),
              "check": Field(str, "the named check that judges it", choices=tuple(CHECKS),
                             required=True)},
      claim_list=True,
      example='''
text = "sin is continuous at every a: lim_(x→a) sin x = sin a."
checks = ["sin_continuous"]
claimed = { statement = "continuity needs lim f(x) = a", check = "slides_continuity_limit_is_a" }
''')
def answer(ex: Exercise, ctx: Context) -> Outcome:
    """A prose answer; its checkable facts and the document's statements judged by named checks."""
    out = Outcome()
    claims = ex.claimed if isinstance(ex.claimed, list) else [ex.claimed] if ex.claimed else []
    out.add(Text(ex.fields["text"]))
    for name in ex.fields.get("checks", []):
        ok, detail = CHECKS[name]()
        out.check(name.replace("_", " "), ok, detail)
    for c in claims:
        holds, detail = CHECKS[c["check"]]()
        out.claim(c["statement"], holds, detail)
    return out


# ----------------------------------------------------------------------- gradient field


@task("gradient_field", required={"expr": EXPR, "at": POINT},
      optional={"wrt": VARIABLES,
                "window": Field(list, "the plotted square, [lo, hi] in both variables "
                                "(default [-2, 2])", kind="interval")},
      example='''
expr = "x*exp(-(x**2 + y**2))"
wrt = ["x", "y"]
at = "x=1,y=1/2"
window = [-2, 2]
''')
def gradient_field(ex: Exercise, ctx: Context) -> Outcome:
    """∇f as arrows; θ = atan2(f_y, f_x) and ‖∇f‖ at a point; the slides' atan formula judged."""
    out = Outcome()
    f, names = expr_and_vars(ex)
    if len(names) != 2:
        raise InputError(f"{ex.where('expr')}: a gradient field needs two variables, got "
                         f"{', '.join(names) or 'none'}")
    xs = [sp.Symbol(n, real=True) for n in names]
    f = f.subs({sp.Symbol(n): s for n, s in zip(names, xs, strict=True)})
    point = parse_at(ex, ex.fields["at"])
    at = {s: point[n] for n, s in zip(names, xs, strict=True) if n in point}
    if len(at) != 2:
        raise InputError(f"{ex.where('at')}: give both {names[0]} and {names[1]}")
    g = [sp.simplify(sp.diff(f, s)) for s in xs]
    gx, gy = (sp.nsimplify(sp.simplify(c.subs(at))) for c in g)
    theta = sp.atan2(gy, gx)
    mag = sp.sqrt(gx**2 + gy**2)
    slides = sp.atan(gy / gx) if gx != 0 else sp.pi / 2 * sp.sign(gy)
    out.add(Math(rf"\nabla f = \left({to_latex(g[0])},\ {to_latex(g[1])}\right)"),
            Boxed("At $(" + ", ".join(sp.latex(at[s]) for s in xs) + ")$",
                  rf"\nabla f = \left({to_latex(gx)},\ {to_latex(gy)}\right),\quad "
                  rf"\theta = \operatorname{{atan2}}(f_y, f_x) = {to_latex(theta)} \approx "
                  rf"{float(theta):.6f},\quad \|\nabla f\| = {to_latex(mag)} \approx "
                  rf"{float(mag):.6f}"))
    num = np.array([float(gx), float(gy)])
    back = float(mag) * np.array([math.cos(float(theta)), math.sin(float(theta))])
    out.check("(‖∇f‖ cos θ, ‖∇f‖ sin θ) reproduces ∇f", np.allclose(back, num, rtol=1e-12),
              f"({back[0]:.6g}, {back[1]:.6g}) against ({num[0]:.6g}, {num[1]:.6g})")
    same = bool(sp.simplify(sp.cos(slides - theta) - 1) == 0)
    out.claim("the direction is $\\theta = \\operatorname{atan}(f_y / f_x)$", same,
              "here $f_x > 0$, where $\\operatorname{atan}$ and $\\operatorname{atan2}$ agree"
              if same else
              f"here $f_x = {float(gx):.6f} < 0$, so $\\operatorname{{atan}}(f_y/f_x) = "
              f"{float(slides):.6f}$ points the opposite way; the direction is "
              f"$\\operatorname{{atan2}}(f_y, f_x) = {float(theta):.6f}$")
    paths = ctx.figure_path(ex, "field")
    if paths is not None:
        _quiver(f, xs, [float(at[s]) for s in xs], ex.fields.get("window", [-2, 2]), [paths])
        out.add(Figure(paths, "Contours of $f$ with $\\nabla f$ as arrows (length proportional "
                              "to $\\|\\nabla f\\|$); the star marks the point, its arrow "
                              "points along $\\theta$."))
    return out


def _quiver(f, xs, point, window, paths):
    lo, hi = float(window[0]), float(window[1])
    fn = sp.lambdify(xs, f, "numpy")
    gn = [sp.lambdify(xs, sp.diff(f, s), "numpy") for s in xs]
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.5, 6))
    G = np.linspace(lo, hi, 200)
    A, B = np.meshgrid(G, G)
    ax.contour(A, B, fn(A, B), 20, cmap="viridis", linewidths=0.8)
    Q = np.linspace(lo, hi, 17)
    QA, QB = np.meshgrid(Q, Q)
    ax.quiver(QA, QB, gn[0](QA, QB) + 0 * QA, gn[1](QA, QB) + 0 * QB, color="tab:red")
    ax.plot(*point, "k*", markersize=14)
    ax.set_xlabel(f"${sp.latex(xs[0])}$")
    ax.set_ylabel(f"${sp.latex(xs[1])}$")
    ax.set_aspect("equal")
    ax.set_title(f"$\\nabla f$ for $f = {sp.latex(f)}$")
    save(fig, paths)
