"""``workbench sheet``: build a LaTeX (and PDF) solution sheet from an exercise file."""

from __future__ import annotations

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
    from ..sheets import calls

    result = calls.sheet_run(args)
    emit(args, result.to_dict(), str(result))
    return 0 if result.ok else 1
