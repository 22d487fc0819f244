"""``workbench sheet``: build a LaTeX (and PDF) solution sheet from an exercise file."""

from __future__ import annotations

from ..sheets.build import build_many
from .common import emit


def register(sub) -> None:
    p = sub.add_parser("sheet", help="build a solution sheet from an exercise file",
                       description="Solve, certify and typeset every exercise of FILE.toml.")
    p.add_argument("files", nargs="+", metavar="FILE.toml")
    p.add_argument("-o", "--output", default="build", metavar="DIR",
                   help="output folder (default: build)")
    p.add_argument("--pdf", action="store_true", help="also compile the PDF (needs TeX)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("-j", "--jobs", type=int, default=None, metavar="N",
                   help="worker processes (default: one per core)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(run=run)


def run(args) -> int:
    results = build_many(args.files, args.output, pdf=args.pdf, jobs=args.jobs,
                         progress=False if args.no_progress or args.json else None)
    sheets, lines = [], []
    for r in results:
        failed = r.failed
        sheets.append({"tex": str(r.tex), "pdf": str(r.pdf) if r.pdf else None,
                       "exercises": len(r.outcomes), "failed": failed})
        lines += [f"wrote {r.tex}"] + ([f"wrote {r.pdf}"] if r.pdf else [])
        lines.append(f"  {len(r.outcomes) - len(failed)}/{len(r.outcomes)} exercises passed "
                     "every check" + (f"; FAILED: {', '.join(failed)}" if failed else ""))
    data = sheets[0] if len(sheets) == 1 else {"sheets": sheets}
    emit(args, data, "\n".join(lines))
    return 1 if any(s["failed"] for s in sheets) else 0
