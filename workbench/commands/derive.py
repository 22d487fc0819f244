"""``workbench derive``: gradient (and Hessian) of an expression, with its certificate."""

from __future__ import annotations

from ..backends import jax_process, jaxutil
from ..core import limits
from .common import add_expr_args, emit, read_function, read_point


def register(sub) -> None:
    p = sub.add_parser("derive", help="gradient and Hessian of EXPR, certified",
                       description="Differentiate EXPR exactly and certify the result against "
                                   "JAX autodiff, finite differences and 50-digit mpmath.")
    add_expr_args(p)
    p.add_argument("--hessian", action="store_true", help="also the Hessian")
    p.add_argument("--steps", action="store_true",
                   help="also each partial derivative as named rule applications (sum, product, "
                        "quotient, chain ...), every step verified")
    p.add_argument("--random", type=int, default=100, metavar="N",
                   help="random points for the certificate (default 100)")
    p.set_defaults(run=run)


def run(args) -> int:
    # the certificate's JAX reference: a worker imports JAX on the other core while SymPy works
    with jax_process.started() as worker:
        if worker is None:
            jaxutil.preload()  # no worker: JAX loads in a thread here instead
        from ..explore import derive

        limits.check("random_points", args.random, "--random")
        f, names = read_function(args)
        point = read_point(args.at, names)
        result = derive(f, names, point, with_hessian=args.hessian, n_random=args.random,
                        with_steps=args.steps)
    emit(args, result.to_dict(), str(result))
    return 0 if result.ok else 1
