"""``workbench rate``: GD's convergence rate on a quadratic, exact, and measured on a run.

The command's body, its JSON keys and exit codes are documented with the body it
shares with the Python call, :mod:`workbench.explore.rate_call`.
"""

from __future__ import annotations

import sys

from .common import emit


def register(sub) -> None:
    p = sub.add_parser("rate", help="optimal step size and convergence rate of GD on a quadratic",
                       description="GD on f(w) = ½ wᵀHw: κ, η*, R* and rate(η), exact, and "
                                   "checked against GD runs.")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--eigs", help="eigenvalues of H, comma-separated, e.g. 1,100")
    src.add_argument("--matrix", help="H itself, rows separated by ';', e.g. '2,1;1,3'")
    p.add_argument("--eta", help="a learning rate to evaluate rate(η) at")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(run=run)


def run(args) -> int:
    from ..explore import rate_call

    result = rate_call.run(args)
    emit(args, result.to_dict(), str(result))
    for line in result.warnings:
        print(f"workbench rate: {line}", file=sys.stderr)
    return 0 if result.ok else 1
