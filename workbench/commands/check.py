"""``workbench check``: is a claimed gradient right?"""

from __future__ import annotations

from ..certification.claims import check_claim
from ..core.errors import InputError
from .common import add_expr_args, emit, read_function


def register(sub) -> None:
    p = sub.add_parser("check", help="check a claimed gradient of EXPR",
                       description="Compare claimed gradient components with the true ones "
                                   "(symbolically, then at random points in 50 digits).")
    add_expr_args(p, at=False)
    p.add_argument("--claimed", action="append", metavar="E", default=[],
                   help="one claimed component; repeat in --wrt order")
    p.set_defaults(run=run)


def run(args) -> int:
    f, names = read_function(args)
    if not args.claimed:
        raise InputError("give the claimed gradient with --claimed, one per variable")
    result = check_claim(f, args.claimed, names)
    emit(args, result.to_dict(), str(result))
    return 0 if result.verdict == "correct" else 1
