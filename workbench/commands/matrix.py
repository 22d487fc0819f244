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
"""

from __future__ import annotations

import sys

from ..explore import matrix_call
from .common import emit


def register(sub) -> None:
    p = sub.add_parser("matrix", help="matrix calculus: gradient/Hessian in vectors and matrices",
                       description="Differentiate EXPR (NumPy syntax: @ .T * inv det trace norm "
                                   "sum exp log softmax ...) with respect to a vector or matrix, "
                                   "in textbook form, certified at concrete sizes against "
                                   "SymPy, JAX and finite differences.")
    p.add_argument("expr", metavar="EXPR", help="e.g. 'x.T @ A @ x' or 'log(det(X))'")
    p.add_argument("--wrt", required=True, help="the variable (a declared name)")
    p.add_argument("--shapes", help="shape overrides, e.g. 'A=m,n x=n' (default: upper-case "
                                    "names n×n, lower-case names n-vectors)")
    p.add_argument("--scalars", help="names that are scalars, comma-separated")
    p.add_argument("--symmetric", help="matrices assumed symmetric")
    p.add_argument("--pd", help="matrices assumed positive definite (so symmetric, invertible)")
    p.add_argument("--stochastic", help="matrices whose rows sum to one (vectors: entries)")
    p.add_argument("--hessian", action="store_true", help="also the Hessian")
    p.add_argument("--seed", type=int, default=0, help="seed of the certificate's instances")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(run=run)


def run(args) -> int:
    result = matrix_call.run(args)
    emit(args, result.to_dict(), str(result))
    for line in result.warnings:
        print(f"workbench matrix: {line}", file=sys.stderr)
    return 0 if result.ok else 1
