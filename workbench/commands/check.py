"""``workbench check``: is a claimed gradient right, and if not, what went wrong?

With ``--matrix``, EXPR is a matrix expression (NumPy syntax, as for ``workbench
matrix``) and the claim a gradient with respect to a vector or matrix; its
mistakes (transposed / wrong layout such as X⁻¹ for X⁻ᵀ, sign, factor 2,
assumed symmetry) are certified in float64 on random instances.
"""

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
    p.add_argument("--matrix", action="store_true",
                   help="EXPR is a matrix expression (NumPy syntax) and --wrt one vector or "
                        "matrix; the claim (one --claimed in NumPy syntax or one "
                        "--claimed-latex such as X^{-T}) is its gradient")
    p.add_argument("--shapes", help="with --matrix: shape overrides, e.g. 'A=m,n x=n'")
    p.add_argument("--scalars", help="with --matrix: names that are scalars")
    p.add_argument("--symmetric", help="with --matrix: matrices assumed symmetric")
    p.set_defaults(run=run)


def run(args) -> int:
    from ..certification.diagnosis import diagnose

    if args.matrix:
        return run_matrix(args)
    if args.shapes or args.scalars or args.symmetric:
        raise InputError("--shapes, --scalars and --symmetric belong with --matrix")
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



def run_matrix(args) -> int:
    """The claimed gradient of a matrix expression, with its certified mistake, if any."""
    from ..certification.diagnosis import diagnose_matrix
    from ..certification.matrix import solve
    from ..core.latex import latex_to_matrix_text

    claims = args.claimed + args.claimed_latex
    if len(claims) != 1:
        raise InputError("with --matrix give exactly one claim: --claimed (NumPy syntax) or "
                         "--claimed-latex")
    if not args.wrt or "," in args.wrt:
        raise InputError("with --matrix, --wrt names the one vector or matrix variable")
    scalars = [s.strip() for s in (args.scalars or "").split(",") if s.strip()]
    claimed = (args.claimed[0] if args.claimed
               else latex_to_matrix_text(args.claimed_latex[0], scalars))
    truth = solve(args.expr, args.wrt.strip(), args.shapes, args.scalars, args.symmetric)
    if not truth.ok:
        raise InputError(f"the gradient of {args.expr} could not be certified, so no claim "
                         f"is judged against it: {truth.certificate}")
    result = diagnose_matrix(truth.derivation, claimed)
    data = {"claimed": claimed, **result.to_dict(),
            "truth_certificate": str(truth.certificate).splitlines()[0].removeprefix(
                "certificate: ")}
    emit(args, data, f"claimed ∇_{args.wrt} = {claimed}\n{result}")
    return 0 if result.correct else 1
