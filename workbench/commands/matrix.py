"""``workbench matrix``: gradients and Hessians with respect to vectors and matrices, certified.

The command's body, its JSON keys and exit codes are documented with the body it
shares with the Python call, :mod:`workbench.explore.matrix_call`.
"""

from __future__ import annotations

import sys

from ..backends import jaxutil
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
    jaxutil.preload()  # the certificate's JAX reference loads while SymPy works
    from ..explore import matrix_call

    result = matrix_call.run(args)
    emit(args, result.to_dict(), str(result))
    for line in result.warnings:
        print(f"workbench matrix: {line}", file=sys.stderr)
    return 0 if result.ok else 1
