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
    p.add_argument("--edition", action="append", metavar="EDITION",
                   choices=["problems", "solutions", "instructor", "all"],
                   help="problems (statements only), solutions (worked solutions; the "
                        "default), instructor (solutions with their machine checks), or all; "
                        "may be given more than once. Each exercise is solved once for all "
                        "editions; files other than the solutions carry the edition's name "
                        "(hw1-problems.tex)")
    p.add_argument("-q", "--quiet", "--no-progress", dest="quiet", action="store_true",
                   help="no progress (by default a bar in a terminal, else one line per "
                        "exercise on stderr)")
    p.add_argument("-j", "--jobs", type=int, default=None, metavar="N",
                   help="worker processes (default: one per core)")
    p.add_argument("--no-cache", action="store_true",
                   help="solve every exercise again (by default an exercise whose fields and "
                        "the workbench itself are unchanged reuses its kept outcome)")
    p.add_argument("--clear-cache", action="store_true",
                   help="remove every kept exercise outcome before building")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(run=run)


def run(args) -> int:
    from ..sheets import calls

    result = calls.sheet_run(args)
    emit(args, result.to_dict(), str(result))
    return 0 if result.ok else 1
