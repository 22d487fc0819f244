"""``workbench sheet``: build a LaTeX (and PDF) solution sheet from an exercise file."""

from __future__ import annotations

from ..sheets.build import build
from .common import emit


def register(sub) -> None:
    p = sub.add_parser("sheet", help="build a solution sheet from an exercise file",
                       description="Solve, certify and typeset every exercise of FILE.toml.")
    p.add_argument("file", metavar="FILE.toml")
    p.add_argument("-o", "--output", default="build", metavar="DIR",
                   help="output folder (default: build)")
    p.add_argument("--pdf", action="store_true", help="also compile the PDF (needs TeX)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(run=run)


def run(args) -> int:
    result = build(args.file, args.output, pdf=args.pdf,
                   progress=False if args.no_progress or args.json else None)
    failed = result.failed
    data = {"tex": str(result.tex), "pdf": str(result.pdf) if result.pdf else None,
            "exercises": len(result.outcomes), "failed": failed}
    lines = [f"wrote {result.tex}"]
    if result.pdf:
        lines.append(f"wrote {result.pdf}")
    lines.append(f"{len(result.outcomes) - len(failed)}/{len(result.outcomes)} exercises "
                 "passed every check" + (f"; FAILED: {', '.join(failed)}" if failed else ""))
    emit(args, data, "\n".join(lines))
    return 1 if failed else 0
