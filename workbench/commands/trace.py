"""``workbench trace``: forward- or reverse-mode trace of an expression, checked.

The command's body, its JSON keys and exit codes are documented with the body it
shares with the Python call, :mod:`workbench.explore.trace_call`.
"""

from __future__ import annotations

import sys

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
    from ..explore import trace_call

    result = trace_call.run(args)
    if args.latex:
        print(result.extra["latex_table"], end="")
    else:
        emit(args, result.to_dict(), str(result))
    for line in result.warnings:
        print(f"workbench trace: {line}", file=sys.stderr)
    return 0 if result.ok else 1
