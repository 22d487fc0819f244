"""``workbench fd``: a precision study of numerical derivatives against a 50-digit truth.

The command's body, its JSON keys and exit codes are documented with the body it
shares with the Python call, :mod:`workbench.explore.fd_call`.
"""

from __future__ import annotations

import sys

from .common import emit


def register(sub) -> None:
    p = sub.add_parser("fd", help="numerical derivatives of EXPR against a 50-digit truth",
                       description="Precision study: every finite-difference method over a "
                                   "sweep of steps h, compared with mpmath at 50 digits.")
    p.add_argument("expr", metavar="EXPR", help="the function, e.g. 'exp(x)*sin(y)'")
    p.add_argument("--at", required=True, help="the point, e.g. x=3 or x=1,y=0.5")
    p.add_argument("--wrt", help="the variable of the partial derivative (needed for several)")
    p.add_argument("--dtype", default="float64",
                   help="working precision: float16, float32 or float64 (default)")
    p.add_argument("--plot", metavar="FILE", help="write the log-log error plot (.png/.pdf/.svg)")
    p.add_argument("--h", dest="step", metavar="H",
                   help="also report every method at this step (a number > 0)")
    p.add_argument("--h-range", metavar="LO,HI", default="1e-16,1e-1",
                   help="the sweep of h (default 1e-16,1e-1)")
    p.add_argument("--per-decade", type=int, default=8, metavar="N",
                   help="steps per factor of ten in the sweep (default 8)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(run=run)


def run(args) -> int:
    from ..explore import fd_call

    result = fd_call.run(args)
    emit(args, result.to_dict(), str(result))
    for line in result.warnings:
        print(f"workbench fd: {line}", file=sys.stderr)
    return 0 if result.ok else 1
