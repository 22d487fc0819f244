"""``workbench matrix``: gradients and Hessians with respect to vectors and matrices, certified.

    workbench matrix "norm(A @ x - b)**2/2" --wrt x --shapes "A=m,n b=m" --hessian --json

JSON keys (a contract): ``gradient`` (NumPy-evaluable text), ``gradient_latex``,
``hessian`` and ``hessian_latex`` (with ``--hessian``, vector or scalar
variables), ``certificate: {verdict, max_rel_error, points_checked, note}``;
also ``expression``, ``wrt``, ``shapes``, ``layout``, ``differential_latex``,
``notes``, and for matrix variables ``hvp``/``hvp_latex`` (the Hessian applied
to a direction V) and ``hessian_kron_latex``; for vector- or matrix-valued
functions ``jacobian``/``jacobian_latex`` (``gradient`` is then null).
A formula that fails its certificate is not shown as an answer: its fields
are null, the failure is in ``certificate``, the exit code is 1.

The body is shared by the command and :func:`workbench.matrix`; ``run`` takes the
command's options and returns a :class:`~workbench.explore.result.Result`:

>>> from types import SimpleNamespace
>>> opts = SimpleNamespace(expr="x.T @ x", wrt="x", shapes=None, scalars=None,
...                        symmetric=None, pd=None, stochastic=None, hessian=False, seed=0)
>>> run(opts)["gradient"]        # ∇ xᵀx = 2x
'2*x'
"""

from __future__ import annotations

from ..certification.matrix import certify_derivation
from ..core.errors import InputError
from ..matrix_calculus.derive import Unsupported, derive
from ..matrix_calculus.parse import parse_matrix
from ..matrix_calculus.printing import to_latex, to_numpy
from .result import Result

LAYOUT = ("gradients have the variable's shape; Jacobians have one row per output "
          "(J = df/dx^T); Kronecker forms use vec with columns stacked")



def _shapes(problem) -> dict[str, str]:
    decl = problem.declarations
    out = {name: f"{r}×{c}" if c != 1 else f"{r}" for name, (r, c) in decl.shapes.items()}
    out.update({name: "scalar" for name in decl.scalars})
    return dict(sorted(out.items()))


ANSWERS = ("gradient", "jacobian", "hessian", "hvp")


def run(args) -> Result:
    if args.seed < 0:
        raise InputError(f"--seed must be a non-negative integer, got {args.seed}")
    problem = parse_matrix(args.expr, args.shapes, args.scalars, args.symmetric, args.pd,
                           args.stochastic)
    data: dict = {"expression": to_numpy(problem.value), "expression_latex":
                  to_latex(problem.value), "wrt": args.wrt, "shapes": _shapes(problem),
                  "layout": LAYOUT}
    data.update({k: None for k in ANSWERS})
    data.update({f"{k}_latex": None for k in ANSWERS})
    data["hessian_kron_latex"] = None
    try:
        d = derive(problem, args.wrt, hessian=args.hessian)
    except Unsupported as exc:
        data.update(notes=[], error=f"could not derive: {exc}",
                    certificate={"verdict": "unsupported", "max_rel_error": {},
                                 "points_checked": 0, "note": str(exc)})
        return Result("matrix", data, f"workbench matrix: could not derive: {exc}", False)
    cert = certify_derivation(d, seed=args.seed)
    data["differential_latex"] = to_latex(d.differential)
    data["notes"] = [f"valid where {n}" for n in d.notes]
    shown = (*ANSWERS, "hessian_kron")
    formulas = {k: v for k, v in d.answers().items() if k in shown}
    if cert.ok:
        for k, v in formulas.items():
            if k != "hessian_kron":
                data[k] = to_numpy(v)
            data[f"{k}_latex"] = to_latex(v)
    else:
        data["rejected"] = {k: to_numpy(v) for k, v in formulas.items()}
    data["certificate"] = {"verdict": cert.verdict, "max_rel_error": cert.max_rel_error,
                           "points_checked": cert.points_checked, "note": cert.note,
                           "failures": cert.failures[:5]}
    latex = data["gradient_latex"] or data["jacobian_latex"]
    return Result("matrix", data, _readable(data), cert.ok,
                  latex=f"\\nabla_{{{args.wrt}}} f = {latex}" if latex else None,
                  extra={"derivation": d, "certificate": cert})


def _readable(d: dict) -> str:
    shapes = ", ".join(f"{k}: {v}" for k, v in d["shapes"].items())
    lines = [f"f = {d['expression']}    ({shapes})", ""]
    labels = {"gradient": "gradient", "jacobian": "Jacobian", "hessian": "Hessian",
              "hvp": "Hessian applied to V"}
    for key, label in labels.items():
        if d.get(key):
            lines.append(f"{label}: {d[key]}")
    if d.get("hessian_kron_latex"):
        lines.append(f"Hessian (Kronecker form, LaTeX): {d['hessian_kron_latex']}")
    lines += [f"  ({n})" for n in d["notes"]]
    c = d["certificate"]
    errs = ", ".join(f"{k} {v:.1e}" for k, v in c["max_rel_error"].items())
    if c["verdict"] == "certified":
        lines += ["", f"certificate: certified ({c['points_checked']} instances; "
                      f"max rel. error: {errs})", f"  {c['note']}"]
    else:
        lines += ["", f"NOT CERTIFIED ({c['verdict']}): the derived formula is withheld.",
                  f"  {c['note']}"]
        lines += [f"  {f['reference']} check of the {f['what']} at sizes {f['sizes']}: "
                  f"error {f['rel_error']:.1e} > {f['tolerance']:.0e}" for f in c["failures"]]
    return "\n".join(lines)
