"""``workbench check``: is a claimed gradient right, and if not, what went wrong?"""

from __future__ import annotations

from ..core.errors import InputError
from .common import add_expr_args, emit, read_function


def register(sub) -> None:
    p = sub.add_parser("check", help="check a claimed gradient of EXPR",
                       description="Compare claimed gradient components with the true ones "
                                   "(symbolically, then at random points in 50 digits), and "
                                   "name the mistake when one is certified to explain a "
                                   "wrong component.")
    add_expr_args(p, at=False)
    p.add_argument("--claimed", action="append", metavar="E", default=[],
                   help="one claimed component; repeat in --wrt order")
    p.add_argument("--claimed-latex", action="append", metavar="TEX", default=[],
                   help="a claimed component in LaTeX (\\frac{\\partial f}{\\partial x} = ...; "
                        "repeat), or the whole gradient (\\nabla f = \\begin{pmatrix}...)")
    p.set_defaults(run=run)


def run(args) -> int:
    from ..certification.diagnosis import diagnose

    f, names = read_function(args)
    if args.claimed and args.claimed_latex:
        raise InputError("give the claimed gradient with --claimed or with --claimed-latex, "
                         "not both")
    if not args.claimed and not args.claimed_latex:
        raise InputError("give the claimed gradient with --claimed, one per variable "
                         "(or --claimed-latex)")
    claimed = args.claimed or latex_claims(args.claimed_latex, names)
    result = diagnose(f, claimed, names)
    emit(args, result.to_dict(), str(result))
    return 0 if result.verdict == "correct" else 1


def latex_claims(answers: list[str], names: list[str]) -> list:
    """Claimed components from LaTeX answers, in the order of ``names``."""
    from ..core.latex import read_answer

    read = [read_answer(a, names) for a in answers]
    if len(read) == 1 and len(read[0].values) > 1:
        return read[0].values
    if any(len(a.values) != 1 for a in read):
        raise InputError("a vector answer must be the only --claimed-latex")
    labelled = [a.component for a in read]
    if all(c is None for c in labelled):
        return [a.values[0] for a in read]
    unknown = [c for c in labelled if c not in names]
    if unknown:
        raise InputError(f"--claimed-latex names ∂/∂{unknown[0]}, not one of the variables "
                         f"({', '.join(names)})")
    if sorted(labelled) != sorted(names):
        missing = [n for n in names if n not in labelled]
        raise InputError("--claimed-latex: every component needs one answer; missing or "
                         f"repeated: {', '.join(missing) or 'a repeated label'}")
    by_name = {a.component: a.values[0] for a in read}
    return [by_name[n] for n in names]

