"""``workbench optimize``: run GD, ascent, momentum, Nesterov or Adam on a function; plot the path.

The command's body, its JSON keys and exit codes are documented with the body it
shares with the Python call, :mod:`workbench.explore.optimize_call`.
"""

from __future__ import annotations

import sys

from ..core import limits
from ..optim.optimizers import (
    DEFAULT_TOL,
    RULES,
    TEST_FUNCTIONS,
    Hyper,
)
from .common import emit

METHODS = [m for m in RULES if m != "preconditioned"]


def register(sub) -> None:
    p = sub.add_parser("optimize", help="run an optimizer on FUNC and record its path",
                       description="Minimize (or, with --method ascent, maximize) FUNC from "
                                   "--x0 with gradients derived symbolically and certified. "
                                   f"Named functions: {', '.join(TEST_FUNCTIONS)}.")
    p.add_argument("func", metavar="FUNC", help="a named test function or an expression")
    p.add_argument("--wrt", help="variables, comma-separated (default: all, sorted)")
    p.add_argument("--method", default="gd", choices=METHODS, help="update rule (default gd)")
    p.add_argument("--x0", required=True,
                   help="start point, comma-separated, e.g. 0.7,1.4 or -1,-1.5")
    p.add_argument("--lr", type=float, default=0.01, help="learning rate η > 0 (default 0.01)")
    p.add_argument("--steps", type=int, default=1000, help="step budget (default 1000)")
    p.add_argument("--tol", type=float, default=DEFAULT_TOL,
                   help="stop when |f(w_{t+1}) - f(w_t)| < TOL (default 1e-7; 0 disables)")
    p.add_argument("--momentum", type=float, default=Hyper.momentum,
                   help="μ for momentum/nesterov")
    p.add_argument("--beta1", type=float, default=Hyper.beta1, help="Adam β1 (default 0.9)")
    p.add_argument("--beta2", type=float, default=Hyper.beta2, help="Adam β2 (default 0.999)")
    p.add_argument("--eps", type=float, default=Hyper.eps, help="Adam ε (default 1e-8)")
    p.add_argument("--decay", type=float, metavar="GAMMA",
                   help="step decay: multiply the rate by GAMMA every --every steps")
    p.add_argument("--every", type=int, default=100, help="steps between decays (default 100)")
    p.add_argument("--patience", type=int, help="early stopping: steps without improvement")
    p.add_argument("--min-delta", type=float, default=0.0, help="early stopping: least gain")
    p.add_argument("--random", type=int, default=20, metavar="N",
                   help="random points for the gradient's certificate (default 20)")
    p.add_argument("--plot", metavar="FILE", help="write a figure (.png or .pdf)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(run=run)


def run(args) -> int:
    from ..explore import optimize_call

    limits.check("random_points", args.random, "--random")
    result = optimize_call.run(args)
    emit(args, result.to_dict(), str(result))
    for line in result.warnings:
        print(f"workbench optimize: {line}", file=sys.stderr)
    return 0 if result.ok else 1
