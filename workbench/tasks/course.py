"""Tasks for the course documents' prose items: answers with checked claims, gradient fields, rules.

* ``answer``          an explanation question answered in prose; every checkable
                      statement (the workbench's own and the document's) is a named
                      check from ONE table, :data:`CHECKS`, each returning
                      ``(holds, evidence)``: a counterexample, a measured cost, the
                      output of the document's own code;
* ``gradient_field``  ∇f of a function of two variables drawn as arrows, with the
                      direction θ = atan2(f_y, f_x) and the magnitude ‖∇f‖ at a point;
* ``rules``           the notes' differential rules and VJP/JVP/HVP identities, each
                      certified on random instances against JAX and central differences
                      (table :data:`RULES`).

A rule is certified when, for random X, dX of three sizes, the rule's differential
agrees with JAX's directional derivative (``jax.jvp``) to 1e-10 and with a central
difference (f(X + h dX) − f(X − h dX))/2h, h = 1e-6, to 1e-6:

>>> ok, _ = certify_rule(RULES["inverse"])
>>> ok
True
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import sympy as sp

from ..autodiff.cost import costs
from ..autodiff.graph import from_text
from ..backends import jaxutil
from ..core.errors import InputError
from ..core.printing import to_latex
from ..plots.figures import pyplot, save
from .common import expr_and_vars, parse_at
from .model import Boxed, Figure, Math, Outcome, Table, Text
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
    return v == 0.0, (f"the document's beale_f gives {v:g} at (3, 0.5), not the printed 0.0: "
                      "its third term is (2.625 − x + xy²) unsquared instead of "
                      "(2.625 − x + xy³)², so the printed output cannot come from the code as "
                      "printed (a transcription slip in the code or the output)")


def _beale_grads_printed():
    g = _doc_beale_grads(3.0, 0.5)
    x, y = sp.symbols("x y")
    true = [sp.diff((sp.Rational(3, 2) - x + x*y)**2 + (sp.Rational(9, 4) - x + x*y**2)**2
                    + (sp.Rational(21, 8) - x + x*y**3)**2, v) for v in (x, y)]
    at = [float(t.subs({x: 3, y: sp.Rational(1, 2)})) for t in true]
    ok = bool(np.all(g == 0))
    return ok, (f"the document's beale_grads gives ({g[0]:g}, {g[1]:g}) at (3, 0.5), not the "
                f"printed [-0, 0] (the true gradient there is ({at[0]:g}, {at[1]:g})): dy's "
                "first term lacks the factor x and the third terms use y² for y³, so the "
                "printed output cannot come from the code as printed")


def _q1_gradient_of_difference():
    t, w1, w2 = sp.Rational(1, 2), sp.Integer(1), sp.Integer(0)
    w = sp.Symbol("w")
    f = w**3 / 3
    fp = sp.diff(f, w)
    a = w + t * (w1 - w)  # the argument as a function of w₂ = w
    literal = sp.diff(f.subs(w, a) - f, w).subs(w, w2)
    intended = (fp.subs(w, a) - fp).subs(w, w2)
    return literal == intended, (
        f"for f(w) = w³/3, w₁ = 1, w₂ = 0, t = 1/2 the gradient of the difference "
        f"∇_{{w₂}}[f(w₂ + t(w₁ − w₂)) − f(w₂)] is {literal}, while ∇f(a) − ∇f(b) = {intended}: "
        "the step needs the difference of gradients, not the gradient of the difference")


def _newton_one_step():
    rng = np.random.default_rng(0)
    M = rng.standard_normal((50, 50))
    H = M @ M.T + 50 * np.eye(50)
    w0 = rng.standard_normal(50)
    w1 = w0 - np.linalg.solve(H, H @ w0)
    err = float(np.linalg.norm(w1))
    return err < 1e-10, (f"A = H⁻¹, η = 1 on a random 50 × 50 SPD H: ‖w(1)‖ = {err:.1e} "
                         "after one step (round-off; tolerance 1e-10)")


def _inverse_infeasible():
    d = 10 ** 6
    memory_tb = 8 * d * d / 1e12
    flops = d ** 3 / 3
    days = flops / 1e12 / 86400
    return True, (f"for d = 10⁶ parameters H has 10¹² entries ({memory_tb:g} TB in float64); "
                  f"a Cholesky factorization costs d³/3 ≈ {flops:.1e} flops ({days:.1f} days at "
                  "10¹² flop/s), against O(d) for a gradient step")


def _jacobi_preconditioner():
    rng = np.random.default_rng(1)
    d = 40
    scales = np.logspace(0, 4, d)
    M = rng.standard_normal((d, d)) / np.sqrt(d)
    H = np.diag(scales) @ (M @ M.T + np.eye(d)) @ np.diag(scales)
    Dm = np.diag(1 / np.sqrt(np.diag(H)))
    before, after = np.linalg.cond(H), np.linalg.cond(Dm @ H @ Dm)
    return bool(after < before / 100), (f"diagonal preconditioner A = diag(H)⁻¹ on a badly scaled "
                                  f"SPD H (d = 40): κ drops from {before:.2e} to {after:.2e}, "
                                  "at O(d) memory")


def _preconditioning_answer():
    return False, ("the algorithm (*) already multiplies by a preconditioning matrix A; the "
                   "question asks which cheap A approximates H⁻¹ — a diagonal (Jacobi, "
                   "AdaGrad/Adam-style) A, quasi-Newton (L-BFGS) or Hessian-free conjugate "
                   "gradients with Hessian-vector products; the answer names none")


def _continuity_at_infinity():
    x = sp.Symbol("x", real=True)
    at_inf = sp.limit(sp.sin(x), x, sp.oo)  # SymPy answers with the interval it oscillates in
    sign_limit = sp.limit(sp.sign(x), x, sp.oo)
    left, right = sp.limit(sp.sign(x), x, 0, "-"), sp.limit(sp.sign(x), x, 0, "+")
    refuted = not at_inf.is_number and sign_limit.is_number and left != right
    return not refuted, ("sin x is continuous everywhere but lim_(x→∞) sin x does not exist "
                         f"(it oscillates in [−1, 1]); sign x has lim_(x→∞) = {sign_limit} yet "
                         f"jumps from {left} to {right} at 0: the condition must read x → a")


def _continuity_limit_is_a():
    x = sp.Symbol("x", real=True)
    lim = sp.limit(x**2, x, 2)
    return False, (f"x² is continuous at a = 2 but lim_(x→2) x² = {lim} ≠ 2: the condition "
                   "must read lim_(x→a) f(x) = f(a)")


def _chain_rule_n():
    x = sp.Symbol("x", real=True)
    u2, u1 = sp.Symbol("u2"), sp.Symbol("u1")
    f1, f2, f3 = sp.sin(u1), sp.exp(u2), x**2  # f1(f2(f3(x)))
    true = sp.diff(sp.sin(sp.exp(x**2)), x)
    printed = (sp.diff(f1, u1).subs(u1, f2) * sp.diff(f2, u2)).subs(u2, f3)
    full = printed * sp.diff(f3, x)
    ok_full = sp.simplify(full - true) == 0
    same = sp.simplify(printed - true) == 0
    return same, ("for f₁(f₂(f₃(x))) = sin(exp(x²)) the printed product stops at df₂/df₃ = "
                  "exp(x²) and gives cos(exp(x²))·exp(x²), but the derivative is "
                  "cos(exp(x²))·exp(x²)·2x (SymPy)" +
                  (": the last factor df₃/dx is dropped" if ok_full and not same else ""))


def _sin_continuous():
    x, a = sp.symbols("x a", real=True)
    lim = sp.limit(sp.sin(x), x, a)
    return lim == sp.sin(a), f"SymPy: lim_(x→a) sin x = {lim} for a symbolic real a"


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
        notes.append(f"{shown} where Python prints {value}" +
                     (" (one extra digit)" if drop_one else ""))
    return ok, ("every printed value is Python's output" if ok else
                "the slides print " + "; ".join(notes) + ": 17 significant digits where a "
                "float64 repr has at most 16 here — a transcription slip, not an error of "
                "the method")


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
        + ", ".join(f"{r:.1f}" for r in rows) + " times the evaluation (N primitives, 2P "
        "partials and multiply-adds): a constant independent of the number of inputs, as "
        "the notes mean, but nearer 4 than 2 (Baur–Strassen/Griewank bound ≈ 4–5)")


def _gradient_orthogonal_to_contour():
    x = sp.Symbol("x", real=True)
    y = sp.Function("y")(x)
    X, Y = sp.symbols("X Y", real=True)
    F = X * sp.exp(-(X**2 + Y**2)) + X * Y  # a level curve F(x, y(x)) = c
    fx, fy = sp.diff(F, X), sp.diff(F, Y)
    slope = sp.solve(sp.diff(F.subs({X: x, Y: y}), x), sp.diff(y, x))[0]
    dot = sp.simplify(fx + fy * slope.subs(y, Y).subs(x, X))
    return dot == 0, ("along a level curve y(x) of F = x e^(−(x²+y²)) + xy, implicit "
                      "differentiation gives y' = −F_x/F_y and ∇F·(1, y') simplifies to "
                      f"{dot}: the gradient is orthogonal to the contour")


def _chain_rule_jacobian():
    t = sp.Symbol("t", real=True)
    x = sp.Matrix([sp.sin(t), t**2, sp.exp(t)])
    X = sp.symbols("x1:4", real=True)
    f = sp.Matrix([X[0] * X[1] + X[2], sp.cos(X[0]) * X[2]])
    J = f.jacobian(X).subs(dict(zip(X, x, strict=True)))
    lhs = f.subs(dict(zip(X, x, strict=True))).diff(t)
    ok = sp.simplify(lhs - J * x.diff(t)) == sp.zeros(2, 1)
    return ok, ("f = (x₁x₂ + x₃, cos x₁ · x₃), x(t) = (sin t, t², eᵗ): ∂f/∂t computed "
                "directly equals J ∂x/∂t exactly (SymPy)")


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
            Boxed(f"At ({', '.join(str(at[s]) for s in xs)})",
                  rf"\nabla f = \left({to_latex(gx)},\ {to_latex(gy)}\right),\quad "
                  rf"\theta = \operatorname{{atan2}}(f_y, f_x) = {to_latex(theta)} \approx "
                  rf"{float(theta):.6f},\quad \|\nabla f\| = {to_latex(mag)} \approx "
                  rf"{float(mag):.6f}"))
    num = np.array([float(gx), float(gy)])
    back = float(mag) * np.array([math.cos(float(theta)), math.sin(float(theta))])
    out.check("(‖∇f‖ cos θ, ‖∇f‖ sin θ) reproduces ∇f", np.allclose(back, num, rtol=1e-12),
              f"{back} vs {num}")
    same = bool(sp.simplify(sp.cos(slides - theta) - 1) == 0)
    out.claim("the direction is θ = tan⁻¹(f_y / f_x)", same,
              "here f_x > 0, where tan⁻¹ and atan2 agree" if same else
              f"here f_x = {float(gx):.6f} < 0, so tan⁻¹(f_y/f_x) = {float(slides):.6f} points "
              f"the opposite way; the direction is atan2(f_y, f_x) = {float(theta):.6f}")
    paths = ctx.figure_path(ex, "field")
    if paths is not None:
        _quiver(f, xs, [float(at[s]) for s in xs], ex.fields.get("window", [-2, 2]), [paths])
        out.add(Figure(paths, "Contours of f with ∇f as arrows (length ∝ ‖∇f‖); the star marks "
                              "the point, its arrow points along θ."))
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


# -------------------------------------------------------------------------------- rules


@dataclass(frozen=True)
class Rule:
    """A differential rule: f(X) and its claimed differential df(X; dX), numerically."""

    latex: str
    f: Callable
    df: Callable
    make: Callable  # (rng, n) -> tuple of arguments; the first is the variable


def _spd(rng, n):
    M = rng.standard_normal((n, n))
    return (M @ M.T + n * np.eye(n),)


def _square(rng, n):
    return (rng.standard_normal((n, n)) + n * np.eye(n),)


def _jnp():
    return jaxutil.jnp()


#: The notes' list of differential rules and autodiff identities (A, B constant).
RULES: dict[str, Rule] = {
    "scale": Rule(r"d(\alpha X) = \alpha\, dX", lambda X: 2.5 * X, lambda X, dX: 2.5 * dX,
                  _square),
    "AXB": Rule(r"d(AXB) = A\,dX\,B",
                lambda X: _C(X) @ X @ _C(X).T, lambda X, dX: _C(X) @ dX @ _C(X).T, _square),
    "transpose": Rule(r"d(X^\top) = (dX)^\top", lambda X: X.T, lambda X, dX: dX.T, _square),
    "product": Rule(r"d(XY) = dX\,Y + X\,dY \quad (Y = X^2)", lambda X: X @ (X @ X),
                    lambda X, dX: dX @ (X @ X) + X @ (dX @ X + X @ dX), _square),
    "inner": Rule(r"d\langle X, X\rangle = 2\langle dX, X\rangle", lambda X: (X * X).sum(),
                  lambda X, dX: 2 * (dX * X).sum(), _square),
    "quotient": Rule(r"d\!\left(\frac{X}{\varphi}\right) = \frac{\varphi\,dX - d\varphi\,X}"
                     r"{\varphi^2},\ \varphi = \operatorname{tr}(X^\top X)",
                     lambda X: X / (X * X).sum(),
                     lambda X, dX: ((X * X).sum() * dX - 2 * (X * dX).sum() * X)
                     / (X * X).sum() ** 2, _square),
    "det": Rule(r"d(\det X) = \det X\,\langle X^{-\top}, dX\rangle", lambda X: _det(X),
                lambda X, dX: _det(X) * (_inv(X).T * dX).sum(), _square),
    "trace": Rule(r"d(\operatorname{tr} X) = \langle I, dX\rangle", lambda X: _trace(X),
                  lambda X, dX: _trace(dX), _square),
    "inverse": Rule(r"d(X^{-1}) = -X^{-1}\,dX\,X^{-1}", lambda X: _inv(X),
                    lambda X, dX: -_inv(X) @ dX @ _inv(X), _spd),
    "exp_jvp": Rule(r"y = \exp(z):\ J = \operatorname{diag}(\exp z),\ dy = \exp(z) \odot dz",
                    lambda z: _exp(z), lambda z, dz: _exp(z) * dz,
                    lambda rng, n: (rng.standard_normal(n),)),
    "sum": Rule(r"d(X + Y) = dX + dY \quad (Y = X^\top X)", lambda X: X + X.T @ X,
                lambda X, dX: dX + dX.T @ X + X.T @ dX, _square),
    "chain": Rule(r"d f(g(X)) = \frac{df}{dg}\, dg(X),\ f = \log, g = \det",
                  lambda X: _log(_det(X)), lambda X, dX: (_inv(X).T * dX).sum(), _spd),
}


def _C(X):
    n = X.shape[0]
    return np.arange(1.0, n * n + 1).reshape(n, n) / n


def _is_jax(X) -> bool:
    return type(X).__module__.startswith("jax")


def _det(X):
    return _jnp().linalg.det(X) if _is_jax(X) else np.linalg.det(X)


def _inv(X):
    return _jnp().linalg.inv(X) if _is_jax(X) else np.linalg.inv(X)


def _trace(X):
    return _jnp().trace(X) if _is_jax(X) else np.trace(X)


def _exp(z):
    return _jnp().exp(z) if _is_jax(z) else np.exp(z)


def _log(z):
    return _jnp().log(z) if _is_jax(z) else np.log(z)


#: JAX's jvp is float64 autodiff of the same f: round-off only.
RULE_JAX_TOL = 1e-10
#: central differences, h = 1e-6: truncation O(h²) plus round-off ε/h, relative.
RULE_FD_TOL = 1e-6


def certify_rule(rule: Rule, sizes=(2, 3, 5), seed: int = 0) -> tuple[bool, str]:
    """Compare the rule's differential with jax.jvp and central differences at random X, dX."""
    jax = jaxutil.jax()
    rng = np.random.default_rng(seed)
    worst_jax = worst_fd = 0.0
    for n in sizes:
        X, = rule.make(rng, n)
        dX = rng.standard_normal(X.shape)
        claimed = np.asarray(rule.df(X, dX))
        _, ref = jax.jvp(rule.f, (_jnp().asarray(X),), (_jnp().asarray(dX),))
        h = 1e-6
        fd = (np.asarray(rule.f(X + h * dX)) - np.asarray(rule.f(X - h * dX))) / (2 * h)
        scale = max(float(np.max(np.abs(ref))), 1.0)
        worst_jax = max(worst_jax, float(np.max(np.abs(claimed - np.asarray(ref)))) / scale)
        worst_fd = max(worst_fd, float(np.max(np.abs(claimed - fd))) / scale)
    ok = worst_jax < RULE_JAX_TOL and worst_fd < RULE_FD_TOL
    return ok, f"{worst_jax:.1e} vs JAX jvp, {worst_fd:.1e} vs central differences"


def _vjp_rows() -> list[tuple[str, bool, str]]:
    """The autodidact VJPs of add, multiply, subtract, divide, and the HVP identity."""
    jax, jnp = jaxutil.jax(), jaxutil.jnp()
    rng = np.random.default_rng(3)
    x, y, g = rng.standard_normal(5), rng.standard_normal(5) + 3, rng.standard_normal(5)
    table = {"add": (jnp.add, (g, g)), "multiply": (jnp.multiply, (y * g, x * g)),
             "subtract": (jnp.subtract, (g, -g)), "divide": (jnp.divide, (g / y, -g * x / y**2))}
    rows = []
    for name, (op, claimed) in table.items():
        _, vjp = jax.vjp(op, x, y)
        ref = vjp(g)
        err = max(float(np.max(np.abs(np.asarray(r) - c))) for r, c in zip(ref, claimed,
                                                                          strict=True))
        rows.append((f"VJP of {name}", err < RULE_JAX_TOL, f"{err:.1e} vs jax.vjp"))

    def f(v):
        return jnp.sum(jnp.sin(v) * v**2) + jnp.prod(v[:3])

    v = rng.standard_normal(5)
    hvp = jax.grad(lambda z: jnp.vdot(jax.grad(f)(z), v))(x)  # the notes' code
    full = jax.hessian(f)(x) @ v
    err = float(np.max(np.abs(np.asarray(hvp) - np.asarray(full))))
    rows.append(("HVP: ∂²f(x)v = ∂[x → ∂f(x)·v]", err < RULE_JAX_TOL,
                 f"{err:.1e} vs the full Hessian times v"))
    H, Jg = np.asarray(jax.hessian(f)(x)), np.asarray(jax.jacfwd(jax.grad(f))(x))
    err = float(np.max(np.abs(H - Jg.T)))
    rows.append(("H = (J(∇f))ᵀ", err < RULE_JAX_TOL,
                 f"{err:.1e} between the Hessian and the transposed Jacobian of the gradient"))
    return rows


@task("rules", required={},
      optional={"names": Field(list, "the rules to certify (default: all)", choices=tuple(RULES),
                               limit="list_items"),
                "sizes": Field(list, "sizes n of the random n × n instances (default [2, 3, 5])",
                               kind="sizes", limit="list_items")},
      example='''
names = ["inverse", "det"]
sizes = [2, 3]
''')
def rules(ex: Exercise, ctx: Context) -> Outcome:
    """The notes' differential rules and autodiff identities, each certified on random instances."""
    out = Outcome()
    names = ex.fields.get("names", list(RULES))
    sizes = tuple(ex.fields.get("sizes", [2, 3, 5]))
    rows, tex = [], []
    for name in names:
        ok, detail = certify_rule(RULES[name], sizes)
        tex.append(RULES[name].latex)
        rows.append([name, "✓" if ok else "✗", detail])
        out.check(f"rule {name}", ok, detail)
    for name, ok, detail in _vjp_rows():
        rows.append([name, "✓" if ok else "✗", detail])
        out.check(name, ok, detail)
    out.add(*(Math(t) for t in tex))
    out.add(Table(["rule", "certified", "max. relative error"], rows,
                  f"Random X, dX of sizes {', '.join(map(str, sizes))} (X + nI or SPD where "
                  f"an inverse is needed); tolerances {RULE_JAX_TOL:g} against JAX, "
                  f"{RULE_FD_TOL:g} against central differences (h = 1e-6)"))
    return out
