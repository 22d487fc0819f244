"""``workbench grade KEY.toml SUBMISSIONS/ -o REPORT/``: grade a folder of submissions."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from ..core.errors import InputError
from .common import emit

if TYPE_CHECKING:  # the engines load when a command runs, so --help stays light
    from ..grading.grade import UnitResult
    from ..grading.key import Key
    from ..grading.submission import Submission
    from .feedback_pdf import PdfJob

DESCRIPTION = """\
Read every submission in SUBMISSIONS/ (one file per student, named by the student), grade
each against KEY.toml's truth and rubric, and write per-student feedback (Markdown, and PDF
with --pdf) and the class's CSV, JSON and plot into REPORT/.

Submissions: NAME.md holds answers under headings named by exercise id (## grad), each a
display $$...$$ on one line or a line `name = expr` in a code block; NAME.toml holds an
[answers] table keyed by exercise id, each a LaTeX string, a list of them, or a table of
parts (x = '2xy' answers the component x). Both forms grade the same. See docs/grading.md.
"""


def register(sub) -> None:
    p = sub.add_parser("grade", help="grade a folder of submissions against an answer key",
                       description=DESCRIPTION)
    p.add_argument("key", metavar="KEY.toml")
    p.add_argument("submissions", metavar="SUBMISSIONS/")
    p.add_argument("-o", "--output", required=True, metavar="REPORT/")
    p.add_argument("-j", "--jobs", type=int, default=None, metavar="N",
                   help="worker processes, or Dask workers of a local cluster "
                        "(default: one per core)")
    p.add_argument("--executor", default=None, metavar="WHERE",
                   help="where the units run: 'processes' (the default), 'dask' (a local "
                        "Dask cluster) or a Dask scheduler's address, tcp://host:8786 "
                        "(needs the grading-dask extra); the results are the same")
    p.add_argument("--pdf", action="store_true",
                   help="also typeset each student's feedback as feedback/NAME.pdf (needs TeX)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(run=run)


def run(args) -> int:
    from ..grading.executors import check_executor, describe
    from ..grading.grade import grade_class, write_reports
    from ..grading.key import load_key
    from ..grading.submission import SUFFIXES, read_submission
    from .feedback_pdf import check_tex, write_pdfs

    check_executor(args.executor)
    if args.pdf:
        check_tex()
    key = load_key(args.key)  # every field checked and every truth derived before grading
    folder = Path(args.submissions)
    if not folder.is_dir():
        raise InputError(f"{folder}: no such folder of submissions")
    files = sorted(f for f in folder.iterdir() if f.suffix in SUFFIXES and f.is_file())
    if not files:
        raise InputError(f"{folder}: no submissions (*.md or *.toml) in this folder")
    twice = [stem for stem, n in Counter(f.stem for f in files).items() if n > 1]
    if twice:
        raise InputError(f"{folder}: two submissions for {twice[0]} ({twice[0]}.md and "
                         f"{twice[0]}.toml); keep one")
    jobs = args.jobs if args.jobs is not None else (os.cpu_count() or 1)
    if jobs < 1:
        raise InputError(f"--jobs must be at least 1, got {jobs}")
    submissions = [read_submission(f) for f in files]
    results = grade_class(key, submissions, jobs, args.executor)
    summary = write_reports(key, results, Path(args.output))
    pdfs = []
    if args.pdf:
        pdfs = write_pdfs(pdf_jobs(key, submissions, results), Path(args.output) / "feedback",
                          jobs, args.executor)
    data = {"report": str(args.output), "students": len(submissions),
            "exercises": summary["exercises"], "status_counts": summary["status_counts"],
            "mistakes_by_kind": summary["mistakes_by_kind"],
            "scores": {s["student"]: s["total"] for s in summary["students"]},
            "pdfs": len(pdfs)}
    lines = [f"graded {len(submissions)} submission(s) × {len(key.exercises)} exercise(s) "
             f"on {describe(args.executor, jobs)} into {args.output}"]
    lines += [f"  {s['student']}: {s['total']:g} / {s['max']:g}" for s in summary["students"]]
    emit(args, data, "\n".join(lines))
    return 0


def pdf_jobs(key: Key, submissions: list[Submission], results: list[UnitResult]) -> list[PdfJob]:
    """One typesetting job per student, from the same rows as the Markdown feedback."""
    from .feedback_pdf import PdfJob, feedback_latex

    out = []
    for sub in submissions:
        rows = [r for r in results if r.student == sub.student]
        table = [(r.exercise, key.exercise(r.exercise).title, r.status, r.score, r.max_score,
                  r.feedback) for r in rows]
        tex = feedback_latex(key.title, sub.student, sum(r.score for r in rows),
                             sum(r.max_score for r in rows), table)
        out.append(PdfJob(sub.student, sub.path or sub.student, tex))
    return out
