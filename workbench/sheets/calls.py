r"""``workbench sheet`` and ``workbench verify`` as Python calls, sharing the commands' bodies.

``sheet(files)`` builds complete LaTeX solution sheets (PDF with ``pdf=True``);
``verify(files)`` runs every exercise check and proof.  Each returns a
:class:`workbench.explore.result.Result` whose ``to_dict()`` is the command's
``--json`` object:

>>> import pathlib, tempfile
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "tiny.toml").write_text(
...     '[sheet]\ntitle = "A parabola"\n\n[[exercise]]\nid = "parabola"\n'
...     'title = "Its gradient"\ntask = "derive"\nstatement = "Differentiate x^2."\n'
...     'expr = "x**2"\nwrt = ["x"]\n')
>>> r = verify([folder / "tiny.toml"], jobs=1)
>>> r["exercises"], r["passed"], r.ok
(1, 1, True)
>>> s = sheet(folder / "tiny.toml", folder / "out", jobs=1)
>>> s["exercises"], (folder / "out" / "tiny.tex").exists()
(1, True)
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace

from .. import proof
from ..core.errors import InputError
from ..explore.result import Result
from ..tasks import loader, runner
from ..tasks.cache import OutcomeCache
from ..tasks.registry import Context
from .build import build_many, overfull_boxes
from .editions import editions

#: Overfull boxes up to this many points are invisible in print and not reported.
OVERFULL_PT = 1.0


def _files(files) -> list[str]:
    if isinstance(files, str | Path):
        return [str(files)]
    if not isinstance(files, Sequence):
        raise TypeError(f"files must be a path or a list of paths, got {type(files).__name__}")
    return [str(f) for f in files]


def sheet(files, output="build", pdf: bool = False, jobs: int | None = None,
          edition: str | Sequence[str] = "solutions", cache: bool = True) -> Result:
    """``workbench sheet``: solve, certify and typeset every exercise of the files.

    ``edition``: ``"problems"``, ``"solutions"`` (the default), ``"instructor"``,
    a list of them, or ``"all"``; each exercise is solved once for all of them.
    ``cache``: reuse the kept outcome of every exercise that has not changed
    (:mod:`workbench.tasks.cache`); ``False`` solves everything again.
    """
    return sheet_run(SimpleNamespace(files=_files(files), output=str(output), pdf=bool(pdf),
                                     jobs=jobs, quiet=True, json=False,
                                     edition=[edition] if isinstance(edition, str)
                                     else list(edition), no_cache=not cache,
                                     clear_cache=False))


def verify(files=(), jobs: int | None = None, strict: bool = False) -> Result:
    """``workbench verify``: every exercise check and proof (default: exercises/ and proofs/).

    A false source claim (``claimed``) is reported; with ``strict`` it is a failure too.
    """
    return verify_run(SimpleNamespace(files=_files(files), jobs=jobs, strict=bool(strict)))


def sheet_run(args) -> Result:
    wanted = editions(getattr(args, "edition", None))
    if args.clear_cache:
        OutcomeCache().clear()
    results = build_many(args.files, args.output, pdf=args.pdf, jobs=args.jobs,
                         progress=False if getattr(args, "quiet", False) else None,
                         editions=wanted, cache=not args.no_cache)
    solved = wanted != ("problems",)
    sheets, lines = [], []
    for r in results:
        failed = r.failed
        log = r.log.read_text(errors="replace") if r.log else ""
        over = [x for x in overfull_boxes(log) if x > OVERFULL_PT]
        sheets.append({"tex": str(r.tex), "pdf": str(r.pdf) if r.pdf else None,
                       "edition": r.edition, "exercises": len(r.outcomes), "failed": failed,
                       "log": str(r.log) if r.log else None, "overfull_boxes": len(over)})
        lines += [f"wrote {r.tex}"] + ([f"wrote {r.pdf}"] if r.pdf else [])
        if over:
            lines.append(f"  {len(over)} overfull boxes (widest {max(over):g} pt): see {r.log}")
        if r.edition == wanted[-1] and solved:  # once per sheet
            lines.append(f"  {len(r.outcomes) - len(failed)}/{len(r.outcomes)} exercises "
                         "passed every check" + (f"; FAILED: {', '.join(failed)}" if failed
                                                 else ""))
    data = sheets[0] if len(sheets) == 1 else {"sheets": sheets}
    return Result("sheet", data, "\n".join(lines), not any(s["failed"] for s in sheets),
                  extra={"builds": results})


def verify_run(args) -> Result:
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
    return Result("verify", data, _readable(rows, passed, failed, claims), not failed)


def _false_claims(args, claims: list[tuple[str, bool | None]]) -> list[str]:
    """With --strict, every source claim that does not hold is a failure too."""
    if not getattr(args, "strict", False):
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
def _default_files() -> tuple[list[Path], Path | None]:
    ex = sorted(Path("exercises").glob("*.toml"))
    proofs = Path("proofs")
    if not ex and not proofs.is_dir():
        raise InputError("no files named and no exercises/ or proofs/ folder here")
    return ex, proofs if proofs.is_dir() else None


