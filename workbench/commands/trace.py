"""``workbench trace``: forward- or reverse-mode trace of an expression, checked.

    workbench trace "exp(x1 + x2**3)*x3 + sqrt(x3*sin(pi/2*(x1 - x2)))" \\
        --at x1=2,x2=1,x3=1 --mode forward --seed x1

EXPR is one expression, or named steps separated by ``;``
(``"z = w*x + b; y = sigmoid(z); L = (y - t)**2/2"``).  Without ``--at`` the
trace is symbolic.  Exit 0 when the trace agrees with SymPy and JAX, 1 when a
check fails or the chain rule breaks down at the point (flagged nodes), 2 on
bad input.
"""

from __future__ import annotations

import sys

from ..explore import trace_call
from .common import emit


def register(sub) -> None:
    p = sub.add_parser("trace", help="forward/reverse autodiff trace of EXPR, checked",
                       description="Build the computation graph of EXPR and trace it in "
                                   "forward mode (tangents) or reverse mode (adjoints); "
                                   "check the result against SymPy and JAX.")
    p.add_argument("expr", metavar="EXPR",
                   help="an expression, or steps 'z = w*x + b; y = sigmoid(z)'")
    p.add_argument("--at", help="the point, e.g. x1=2,x2=1,x3=1 (omit for a symbolic trace)")
    p.add_argument("--wrt", help="input variables in order (default: sorted free names)")
    p.add_argument("--mode", choices=("forward", "reverse"),
                   help="default: forward when --seed is given, else reverse")
    p.add_argument("--seed", help="forward seed: a variable (x1) or a direction (x1=1,x2=2)")
    p.add_argument("--hvp", metavar="DIRECTION",
                   help="also the Hessian-vector product ∇²f·d (forward-over-reverse)")
    p.add_argument("--costs", action="store_true", help="operation and memory counts")
    p.add_argument("--float", action="store_true", help="float64 sweep instead of exact")
    p.add_argument("--figure", metavar="PATH", help="draw the DAG to PATH (.pdf or .png)")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print one JSON object")
    out.add_argument("--latex", action="store_true", help="print a booktabs LaTeX table")
    p.set_defaults(run=run)


def run(args) -> int:
    result = trace_call.run(args)
    if args.latex:
        print(result.extra["latex_table"], end="")
    else:
        emit(args, result.to_dict(), str(result))
    for line in result.warnings:
        print(f"workbench trace: {line}", file=sys.stderr)
    return 0 if result.ok else 1
