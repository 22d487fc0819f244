"""The ``matrix`` task: matrix-calculus exercises, derived by differentials and certified.

An exercise gives an expression in NumPy syntax, the variable(s), shapes and
assumptions; the task shows the differential df, its canonical form
⟨∇f, dX⟩, the boxed gradient (and Hessian, Jacobian, higher derivatives), the
certificate's evidence, and the verdicts on the source's claims::

    [[exercise]]
    id = "mc-5"
    task = "matrix"
    expr = "norm(A @ x - b)**2 / 2"
    wrt = "x"
    shapes = "A=m,n b=m"
    hessian = true
    claimed = { statement = "...", what = "gradient", formula = "A.T @ (A @ x - b)" }

Optional fields: ``scalars``, ``symmetric``, ``pd``, ``stochastic`` (names),
``order`` (higher derivatives of a scalar function of a scalar), ``rewrite``
(prose: how the source's expression was rewritten for the engine) with
``identity`` (a named numeric check of that rewrite, see :data:`IDENTITIES`),
``hessian_of`` (show that the Jacobian of ``expr`` is the Hessian of this
function), ``at`` (one concrete instance: name -> number or nested list),
``points`` (values of a scalar variable for a table of f⁽ᵏ⁾ against JAX),
``note`` and ``out_of_scope`` (prose).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import sympy as sp

from ..backends import jaxutil
from ..certification.base import tolerance
from ..certification.matrix import MatrixCertificate, certify_derivation
from ..certification.matrix_algebras import ArrayAlgebra, evaluate
from ..certification.matrix_claims import check_claim
from ..core.errors import InputError, WorkbenchError
from ..core.printing import inline_math, latex_number, latex_vector
from ..matrix_calculus.derive import Derivation, Unsupported, derive
from ..matrix_calculus.expr import Commutation, Kron, Vec, walk
from ..matrix_calculus.parse import MatrixProblem, SymbolicAlgebra, parse_matrix
from ..matrix_calculus.printing import to_latex, to_numpy
from .common import fmt
from .model import Boxed, Code, InstructorOnly, Math, Outcome, RawLatex, Steps, Table, Text
from .registry import Context, Exercise, task
from .schema import Field

NAMES = (str, list)


def _rng():
    return np.random.default_rng(7)


def _sum_eig_is_trace() -> tuple[bool, str]:
    errs = []
    for n in (2, 5, 10):
        X = _rng().standard_normal((n, n))
        errs.append(abs(np.sum(np.linalg.eigvals(X)) - np.trace(X)) / max(1, abs(np.trace(X))))
    return max(errs) < 1e-10, f"|Σ eig X − tr X| / max(1, |tr X|) ≤ {max(errs):.1e} (n = 2, 5, 10)"


def _prod_eig_is_det() -> tuple[bool, str]:
    errs = []
    for n in (2, 5, 10):
        X = _rng().standard_normal((n, n))
        d = np.linalg.det(X)
        errs.append(abs(np.prod(np.linalg.eigvals(X)) - d) / max(1, abs(d)))
    return max(errs) < 1e-10, f"|∏ eig X − det X| / max(1, |det X|) ≤ {max(errs):.1e}"


def _spectral_norm_rank_one() -> tuple[bool, str]:
    errs = []
    for n in (2, 5, 10):
        x = _rng().standard_normal(n)
        errs.append(abs(np.linalg.norm(np.outer(x, x), 2) - x @ x) / (x @ x))
    return max(errs) < 1e-12, f"|‖xxᵀ‖₂ − xᵀx| / xᵀx ≤ {max(errs):.1e} (n = 2, 5, 10)"


def _binary_softmax_is_sigmoid() -> tuple[bool, str]:
    z = _rng().standard_normal((100, 2)) * 5
    p = np.exp(z[:, 0]) / np.exp(z).sum(axis=1)
    s = 1 / (1 + np.exp(-(z[:, 0] - z[:, 1])))
    err = float(np.max(np.abs(p - s)))
    return err < 1e-14, f"max |softmax(z)₁ − σ(z₁ − z₂)| = {err:.1e} on 100 random pairs"


#: Rewrites the exercises rely on, each with a numeric check on random instances.
IDENTITIES: dict[str, Callable[[], tuple[bool, str]]] = {
    "sum_eig_is_trace": _sum_eig_is_trace,
    "prod_eig_is_det": _prod_eig_is_det,
    "spectral_norm_rank_one": _spectral_norm_rank_one,
    "binary_softmax_is_sigmoid": _binary_softmax_is_sigmoid,
}


def _names_field(ex: Exercise, key: str):
    value = ex.fields.get(key)
    if value is None:
        return None
    if isinstance(value, list) and not all(isinstance(v, str) for v in value):
        raise InputError(f"{ex.where(key)}: expected names (strings)")
    return value


def _problem(ex: Exercise, expr_field: str = "expr") -> MatrixProblem:
    text = ex.fields[expr_field]
    try:
        return parse_matrix(text, ex.fields.get("shapes"), _names_field(ex, "scalars"),
                            _names_field(ex, "symmetric"), _names_field(ex, "pd"),
                            _names_field(ex, "stochastic"))
    except WorkbenchError as exc:
        raise InputError(f"{ex.where(expr_field)}: {exc}") from None


def _space(problem: MatrixProblem) -> str:
    decl = problem.declarations
    parts = []
    for name, (r, c) in sorted(decl.shapes.items()):
        dims = sp.latex(r) if c == 1 else rf"{sp.latex(r)} \times {sp.latex(c)}"
        flags = [w for w, s in (("symmetric", decl.symmetric), ("positive definite", decl.pd),
                                ("rows summing to one", decl.stochastic)) if name in s]
        extra = rf"\ \text{{({', '.join(flags)})}}" if flags else ""
        parts.append(rf"{sp.latex(sp.Symbol(name))} \in \mathbb{{R}}^{{{dims}}}{extra}")
    parts += [rf"{sp.latex(sp.Symbol(s))} \in \mathbb{{R}}" for s in sorted(decl.scalars)]
    return r",\quad ".join(parts)


def _d(name: str) -> str:
    return rf"d{sp.latex(sp.Symbol(name))}"


def _labels(d: Derivation) -> dict[str, str]:
    v = sp.latex(sp.Symbol(d.wrt))
    if d.kind == "scalar":
        return {"gradient": f"f'({v})", "hessian": f"f''({v})", "jacobian": rf"\frac{{df}}{{d{v}}}"}
    vec = r"\operatorname{vec}"
    jac = (rf"\frac{{\partial f}}{{\partial {v}^{{\top}}}}" if d.kind == "vector" and
           d.output == "vector" else
           rf"\frac{{\partial {vec} f}}{{\partial ({vec} {v})^{{\top}}}}")
    return {"gradient": rf"\nabla_{{{v}}} f", "hessian": rf"\nabla^{{2}}_{{{v}}} f",
            "jacobian": jac, "hvp": rf"\nabla^{{2}} f({v})[V]",
            "hessian_kron": rf"\frac{{\partial^{{2}} f}}{{\partial \operatorname{{vec}} {v}\, "
                            rf"\partial (\operatorname{{vec}} {v})^{{\top}}}}"}


def _derivation_steps(d: Derivation) -> Steps:
    dv = _d(d.wrt)
    rows = [("df", to_latex(d.differential), "differential rules")]
    if d.output == "scalar" and d.gradient is not None:
        if d.kind == "scalar":
            rows.append(("", rf"\left({to_latex(d.gradient)}\right) {dv}", "read off f'"))
        else:
            rows.append(("", rf"\left\langle {to_latex(d.gradient)},\ {dv} \right\rangle",
                         r"canonical form $\langle \nabla f, \mathrm{d}"
                         + sp.latex(sp.Symbol(d.wrt)) + r" \rangle$"))
    return Steps(rows)


def _certificate_table(cert: MatrixCertificate, what: str) -> Table:
    labels = {
        "symbolic": "SymPy, entry by entry, exact point (50 digits)",
        "autodiff": "JAX autodiff (float64)",
        "finite_difference": "finite differences along random directions",
        "printed": "printed NumPy text read back and evaluated",
    }
    rows = []
    for key, label in labels.items():
        if key in cert.max_rel_error:
            tol = tolerance(key)
            if key == "finite_difference" and what != "gradient":
                tol_text = f"{fmt(tol)} / {fmt(tolerance('finite_difference_hessian'))}"
            else:
                tol_text = fmt(tol)
            rows.append([label, fmt(cert.max_rel_error[key]), tol_text])
    verdict = "certified" if cert.ok else f"NOT certified ({cert.verdict})"
    return Table(["reference", "max. mixed rel. error", "tolerance"], rows,
                 f"Certificate of the {what}: {verdict}. {cert.note}.")


def _boxes(d: Derivation) -> list:
    labels = _labels(d)
    v = sp.latex(sp.Symbol(d.wrt))
    blocks = []
    for key, value in d.answers().items():
        if key.startswith("derivative_"):
            k = key.split("_")[1]
            lhs = rf"f^{{({k})}}({v})"
        else:
            lhs = labels[key]
        title = {"gradient": "Gradient", "jacobian": "Jacobian", "hessian": "Hessian",
                 "hvp": "Hessian applied to a direction V",
                 "hessian_kron": "Hessian, Kronecker form (vec stacks columns)"}.get(
                     key, f"Derivative of order {key.split('_')[-1]}")
        blocks.append(Boxed(title, f"{lhs} = {to_latex(value)}"))
        if not any(isinstance(n, Kron | Vec | Commutation) for n in walk(value)):
            blocks.append(Code(to_numpy(value), "python", "In NumPy:"))
    return blocks


def _solve_one(ex: Exercise, problem: MatrixProblem, wrt: str, out: Outcome) -> Derivation | None:
    try:
        d = derive(problem, wrt, hessian=bool(ex.fields.get("hessian")),
                   order=int(ex.fields.get("order", 1)))
    except Unsupported as exc:
        out.add(Text(f"The engine has no rule for this expression in {wrt}: {exc}."))
        out.check(f"derivative in {wrt} derived", False, str(exc))
        return None
    except WorkbenchError as exc:
        raise InputError(f"{ex.where('wrt')}: {exc}") from None
    cert = certify_derivation(d)
    what = ", ".join(k.replace("_", " ") for k in d.answers())
    out.check(f"{what} in {wrt} certified", cert.ok,
              f"{cert.verdict}; " + ", ".join(f"{k} {v:.1e}"
                                              for k, v in cert.max_rel_error.items()))
    out.add(Text(f"With respect to {inline_math(sp.latex(sp.Symbol(wrt)))}:"),
            _derivation_steps(d))
    if cert.ok:
        out.add(*_boxes(d))
    else:
        out.add(Text("The derived formula failed its certificate and is not shown as an answer."))
    if d.notes:
        out.add(Text("Valid where " + "; ".join(_condition(problem, n) for n in d.notes) + "."))
    out.add(InstructorOnly([_certificate_table(cert, what)]))
    return d if cert.ok else None


_MATRIX_EXPR = Field(str, 'the function in NumPy syntax, e.g. "norm(A @ x - b)**2 / 2"',
                    kind="matrix_expr")
_MATRIX_NAMES = Field((str, list), 'names, ["A", "B"] or "A, B"', kind="names")


@task("matrix", required={"expr": _MATRIX_EXPR,
                          "wrt": Field((str, list), "the variable(s) to differentiate in",
                                       kind="names")},
      optional={"shapes": Field((str, dict), 'shapes, "A=m,n x=n" or { A = "m,n" }'),
                "scalars": _MATRIX_NAMES, "symmetric": _MATRIX_NAMES, "pd": _MATRIX_NAMES,
                "stochastic": _MATRIX_NAMES,
                "hessian": Field(bool, "also the Hessian"),
                "order": Field(int, "higher derivatives of a scalar function of a scalar",
                               min=1, limit="derivative_order"),
                "rewrite": Field(str, "prose: how the source's expression was rewritten"),
                "identity": Field(str, "a named numeric check of the rewrite",
                                  choices=tuple(IDENTITIES)),
                "hessian_of": Field(str, "show that the Jacobian of expr is the Hessian of "
                                    "this function", kind="matrix_expr"),
                "at": Field(dict, "one concrete instance: name -> number or nested list"),
                "points": Field(list, "values of a scalar variable for a table of f^(k)",
                                kind="numbers", limit="list_items"),
                "note": Field(str, "prose"), "out_of_scope": Field(str, "prose")},
      claims={"formula": Field(str, "the claimed formula in NumPy syntax", required=True),
              "statement": Field(str, "the source's words"),
              "what": Field(str, "which result the formula is: gradient, hessian, jacobian, "
                            "hvp, hessian_kron or derivative_k"),
              "wrt": Field(str, "the variable (default: the first of wrt)", kind="name")},
      claim_list=True,
      example='''
expr = "norm(A @ x - b)**2 / 2"
wrt = "x"
shapes = "A=m,n b=m"
hessian = true
claimed = { statement = "the gradient is Aᵀ(Ax − b)", formula = "A.T @ (A @ x - b)" }
''')
def matrix(ex: Exercise, ctx: Context) -> Outcome:
    """Gradient, Jacobian, Hessian in vectors and matrices by differentials, certified."""
    out = Outcome()
    problem = _problem(ex)
    out.add(Math(f"f = {to_latex(problem.value)}"), RawLatex(rf"\[{_space(problem)}\]"))
    if "rewrite" in ex.fields:
        out.add(Text("Rewrite: " + ex.fields["rewrite"]))
    if "identity" in ex.fields:
        _identity(ex, out)
    if "note" in ex.fields:
        out.add(Text(ex.fields["note"]))
    wrts = ex.fields["wrt"] if isinstance(ex.fields["wrt"], list) else [ex.fields["wrt"]]
    derived = {}
    for wrt in wrts:
        d = _solve_one(ex, problem, wrt, out)
        if d is not None:
            derived[wrt] = d
    if "hessian_of" in ex.fields and derived:
        _hessian_of(ex, out, next(iter(derived.values())))
    if "at" in ex.fields and derived:
        _at(ex, out, problem, derived)
    if "points" in ex.fields and derived:
        _points(ex, out, next(iter(derived.values())))
    _claims(ex, out, derived)
    if "out_of_scope" in ex.fields:
        out.add(InstructorOnly([Text("Out of scope for a solution sheet: "
                                     + ex.fields["out_of_scope"])]))
    return out


def _identity(ex: Exercise, out: Outcome) -> None:
    name = ex.fields["identity"]
    if name not in IDENTITIES:
        raise InputError(f"{ex.where('identity')}: unknown identity {name!r} "
                         f"(known: {', '.join(sorted(IDENTITIES))})")
    passed, detail = IDENTITIES[name]()
    out.check(f"rewrite {name.replace('_', ' ')} holds numerically", passed, detail)


def _hessian_of(ex: Exercise, out: Outcome, jac: Derivation) -> None:
    """The Jacobian of the gradient is the Hessian: compare with the engine's Hessian of f."""
    problem = _problem(ex, "hessian_of")
    d = derive(problem, jac.wrt, hessian=True)
    cert = certify_derivation(d)
    out.check(f"Hessian of {_formula(problem, ex.fields['hessian_of'], 'f')} certified",
              cert.ok, cert.verdict)
    claim = check_claim(jac, "jacobian", to_numpy(d.hessian))
    grad, hess = (inline_math(lhs + to_latex(v)) for lhs, v in (
        (r"\nabla f = ", d.gradient), (r"\nabla^{2} f = ", d.hessian)))
    out.add(Text(f"For {inline_math('f = ' + to_latex(problem.value))} the engine derives "
                 f"{grad} and the Hessian {hess}; in NumPy:"),
            Code(f"grad = {to_numpy(d.gradient)}\nhess = {to_numpy(d.hessian)}"),
            Math(rf"J(\nabla f) = {to_latex(jac.jacobian)} = \nabla^{{2}} f"))
    out.check("Jacobian of the gradient equals the Hessian", claim.holds, claim.detail)


def _value(raw, where: str):
    try:
        return np.asarray(raw, dtype=float)
    except (TypeError, ValueError):
        raise InputError(f"{where}: expected a number or a (nested) list of numbers") from None


def _at(ex: Exercise, out: Outcome, problem: MatrixProblem, derived: dict) -> None:
    """Every certified formula at one concrete instance given in the exercise."""
    decl = problem.declarations
    values, dims = {}, {}
    for name, raw in ex.fields["at"].items():
        where = ex.where(f"at.{name}")
        if name in decl.scalars:
            values[name] = float(_value(raw, where))
            continue
        if name not in decl.shapes:
            raise InputError(f"{where}: {name} is not a name of the expression")
        arr = _value(raw, where)
        arr = arr.reshape(-1, 1) if arr.ndim == 1 else arr
        for d_expr, size in zip(decl.shapes[name], arr.shape, strict=True):
            if isinstance(d_expr, sp.Symbol) and dims.setdefault(str(d_expr), size) != size:
                raise InputError(f"{where}: dimension {d_expr} is {dims[str(d_expr)]} "
                                     f"elsewhere, {size} here")
        values[name] = arr
    missing = (set(decl.shapes) | decl.scalars) - set(values)
    if missing:
        raise InputError(f"{ex.where('at')}: no value for {', '.join(sorted(missing))}")
    for name in problem.declarations.dims - set(dims):
        dims[name] = 1   # a dimension no given value fixes does not enter any value here
    alg = ArrayAlgebra(np, values, dims)

    def show(v) -> str:
        flat = np.asarray(v, dtype=float).ravel()
        return latex_number(flat[0], 8) if flat.size == 1 else latex_vector(flat, 8)

    rows = [["f", show(problem.interpret(alg))]]
    for wrt, d in derived.items():
        for key, value in d.answers().items():
            if key != "hessian_kron":
                rows.append([f"certified {key} in {wrt}", show(evaluate(value, alg))])
    for item in _claim_items(ex):
        try:
            rows.append([f"claimed: {_formula(problem, item['formula'])}",
                         show(problem.interpret(alg, item["formula"]))])
        except WorkbenchError as exc:
            raise InputError(f"{ex.where('claimed')}: {exc}") from None
    out.add(Table(["quantity", "value"], rows, "At the instance given in the exercise", (1,)))


def _points(ex: Exercise, out: Outcome, d: Derivation) -> None:
    """A table of the certified derivatives of a scalar function against JAX at given points."""
    if d.kind != "scalar":
        raise InputError(f"{ex.where('points')}: points need a scalar variable")
    jax, jnp = jaxutil.jax(), jaxutil.jnp()
    orders = {"gradient": 1, "hessian": 2}

    def f(s):
        return d.problem.interpret(ArrayAlgebra(jnp, {d.wrt: s}, {"n": 1}))

    columns = []   # (order k, formula, k-th derivative by nested jax.grad)
    for key, value in d.answers().items():
        k = orders.get(key) or int(key.split("_")[1])
        g = f
        for _ in range(k):
            g = jax.grad(g)
        columns.append((k, value, jaxutil.jit_reference(g)))  # compiled once for all points
    rows = []
    for raw in ex.fields["points"]:
        t = float(_value(raw, ex.where("points")))
        row = [latex_number(t)]
        for _, value, g in columns:
            closed = float(evaluate(value, ArrayAlgebra(np, {d.wrt: t}, {"n": 1})))
            row += [latex_number(closed, 12), latex_number(float(g(jnp.asarray(t))), 12)]
        rows.append(row)
    header = [inline_math(sp.latex(sp.Symbol(d.wrt)))]
    for k, _, _ in columns:
        header += [f"$f^{{({k})}}$ formula", f"$f^{{({k})}}$ JAX"]
    out.add(Table(header, rows, "The certified formulas against nested jax.grad",
                  tuple(range(len(header)))))


def d_problem(derived: dict) -> MatrixProblem | None:
    """The problem behind the first certified derivation (None when none was certified)."""
    return next(iter(derived.values())).problem if derived else None


def _formula(problem: MatrixProblem | None, text: str,
             fallback: str = "as written in the source") -> str:
    """A NumPy formula from an exercise file as inline math (``fallback`` when unreadable)."""
    if problem is not None:
        try:
            return inline_math(to_latex(problem.interpret(SymbolicAlgebra(problem.declarations),
                                                          text)))
        except WorkbenchError:
            pass
    return fallback


def _condition(problem: MatrixProblem, note: str) -> str:
    """An engine's domain note ``"A @ x nonzero"`` with its formula typeset."""
    formula, _, word = note.rpartition(" ")
    if word in ("nonzero", "invertible") and formula:
        return f"{_formula(problem, formula, 'the argument')} {word}"
    return note


def _claim_detail(d: Derivation, what: str, res) -> str:
    """The evidence for a formula claim, with the certified formula typeset."""
    error = fmt(res.max_rel_error)
    if res.holds:
        return f"agrees with the certified {what} on random instances (max rel. error {error})"
    try:
        shown = inline_math(to_latex(d.formula(what)))
    except (WorkbenchError, KeyError, AttributeError):
        shown = ""
    text = f"differs from the certified {what} {shown} (max rel. error {error} on random instances)"
    if res.holds_symmetric:
        text += f"; it does hold when {inline_math(sp.latex(sp.Symbol(d.wrt)))} is symmetric"
    return text


def _claim_items(ex: Exercise) -> list[dict]:
    if ex.claimed is None:
        return []
    items = ex.claimed if isinstance(ex.claimed, list) else [ex.claimed]
    for i, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("formula"), str):
            raise InputError(f"{ex.where(f'claimed[{i}]')}: a claim is a table with a string "
                             "'formula' (and optional 'statement', 'what', 'wrt')")
    return items


def _claims(ex: Exercise, out: Outcome, derived: dict) -> None:
    for i, item in enumerate(_claim_items(ex)):
        where = ex.where(f"claimed[{i}]")
        wrt = item.get("wrt") or next(iter(derived), None)
        shown = _formula(d_problem(derived), item["formula"])
        statement = item.get("statement", f"the source's formula {shown}")
        if wrt not in derived:
            out.claim(statement, False, f"no certified derivative in {wrt} to compare with")
            continue
        d = derived[wrt]
        what = item.get("what", "gradient" if d.gradient is not None else "jacobian")
        try:
            res = check_claim(d, what, item["formula"])
        except (WorkbenchError, KeyError, AttributeError) as exc:
            raise InputError(f"{where}: {exc}") from None
        out.claim(statement, res.holds, _claim_detail(d, what, res))
