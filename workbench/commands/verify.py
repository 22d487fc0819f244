"""``workbench verify``: run every exercise's checks and every proof; exit 1 on any failure.

A wrong ``answer`` (the author's key) is a failed check; a false ``claimed``
(quoted from a source) is reported, and fails only with ``--strict``.
"""

from __future__ import annotations

from pathlib import Path

from .. import proof
from ..core.errors import InputError
from ..tasks import loader, runner
from ..tasks.registry import Context
from .common import emit


def register(sub) -> None:
    p = sub.add_parser("verify", help="run all checks of exercise files and proofs",
                       description="Run every check of the named exercise files (default: all "
                                   "of exercises/ and proofs/) and summarize.")
    p.add_argument("files", nargs="*", metavar="FILE.toml")
    p.add_argument("-j", "--jobs", type=int, default=None, metavar="N",
                   help="worker processes (default: one per core)")
    p.add_argument("--strict", action="store_true",
                   help="also fail on source claims (claimed) that do not hold")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(run=run)


def _default_files() -> tuple[list[Path], Path | None]:
    ex = sorted(Path("exercises").glob("*.toml"))
    proofs = Path("proofs")
    if not ex and not proofs.is_dir():
        raise InputError("no files named and no exercises/ or proofs/ folder here")
    return ex, proofs if proofs.is_dir() else None


def run(args) -> int:
    files, proofs = ([Path(f) for f in args.files], None) if args.files else _default_files()
    sheets = [loader.load(f) for f in files]  # validate all before running any
    ctx = Context(figures=False)
    rows, failed, claims = [], [], []
    work = [(ex, ctx) for sheet in sheets for ex in sheet.exercises]
    outcomes = iter(runner.run_all(work, args.jobs))
    for sheet in sheets:
        for ex in sheet.exercises:
            out = next(outcomes)
            bad = [f"{c.name}: {c.detail}" for c in out.checks if not c.passed]
            bad += _false_claims(args, [(c.statement, c.holds) for c in out.claims])
            rows.append((str(sheet.path), ex.id, not bad, len(out.checks)))
            failed += [{"file": str(sheet.path), "exercise": ex.id, "reason": reason}
                       for reason in bad]
            # source and detail: the audit of a course document item by item
            claims += [{"file": str(sheet.path), "exercise": ex.id, "holds": c.holds,
                        "statement": c.statement, "source": ex.source, "detail": c.detail}
                       for c in out.claims]
    if proofs is not None:
        # proofs an exercise already ran (task "proof") are not run twice
        done = {Path(ex.fields["proof"]).name for sheet in sheets for ex in sheet.exercises
                if ex.task == "proof"}
        for result in proof.verify_all(proofs, skip=done):
            bad = result.failures + _false_claims(
                args, [(c.claim.statement, c.holds) for c in result.claims])
            rows.append((result.file, result.id, not bad, result.checks))
            failed += [{"file": result.file, "exercise": result.id, "reason": reason}
                       for reason in bad]
            claims += [{"file": result.file, "exercise": result.id, "holds": c.holds,
                        "statement": c.claim.statement} for c in result.claims]
    passed = sum(1 for r in rows if r[2])
    data = {"exercises": len(rows), "passed": passed, "failed": failed, "claims": claims}
    emit(args, data, _readable(rows, passed, failed, claims))
    return 1 if failed else 0


def _false_claims(args, claims: list[tuple[str, bool | None]]) -> list[str]:
    """With --strict, every source claim that does not hold is a failure too."""
    if not args.strict:
        return []
    return [f"source claim does not hold: {statement}" for statement, holds in claims
            if holds is False]


def _readable(rows, passed, failed, claims) -> str:
    width = max((len(f"{f}:{e}") for f, e, _, _ in rows), default=10)
    lines = [f"{'exercise':<{width}}  result  checks"]
    lines += [f"{f + ':' + e:<{width}}  {'ok' if ok else 'FAIL':<6}  {n}" for f, e, ok, n in rows]
    wrong = sum(1 for c in claims if not c["holds"])
    lines.append(f"\n{passed} of {len(rows)} passed; "
                 f"{len(claims)} source claims checked, {wrong} do not hold")
    lines += [f"FAILED {x['file']}:{x['exercise']}: {x['reason']}" for x in failed]
    return "\n".join(lines)
