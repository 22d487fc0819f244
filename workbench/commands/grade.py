"""``workbench grade KEY.toml SUBMISSIONS/ -o REPORT/``: grade a folder of submissions."""

from __future__ import annotations

import os
from pathlib import Path

from ..core.errors import InputError
from .common import emit


def register(sub) -> None:
    p = sub.add_parser("grade", help="grade a folder of submissions against an answer key",
                       description="Read every SUBMISSIONS/*.md (answers under headings named "
                                   "by exercise id), grade each against KEY.toml's truth and "
                                   "rubric, and write per-student feedback and the class's "
                                   "CSV and JSON into REPORT/.")
    p.add_argument("key", metavar="KEY.toml")
    p.add_argument("submissions", metavar="SUBMISSIONS/")
    p.add_argument("-o", "--output", required=True, metavar="REPORT/")
    p.add_argument("-j", "--jobs", type=int, default=None, metavar="N",
                   help="worker processes (default: one per core)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(run=run)


def run(args) -> int:
    from ..grading.grade import grade_class, write_reports
    from ..grading.key import load_key
    from ..grading.submission import read_submission

    key = load_key(args.key)  # every field checked and every truth derived before grading
    folder = Path(args.submissions)
    if not folder.is_dir():
        raise InputError(f"{folder}: no such folder of submissions")
    files = sorted(folder.glob("*.md"))
    if not files:
        raise InputError(f"{folder}: no submissions (*.md) in this folder")
    jobs = args.jobs if args.jobs is not None else (os.cpu_count() or 1)
    if jobs < 1:
        raise InputError(f"--jobs must be at least 1, got {jobs}")
    submissions = [read_submission(f) for f in files]
    results = grade_class(key, submissions, jobs)
    summary = write_reports(key, results, Path(args.output))
    data = {"report": str(args.output), "students": len(submissions),
            "exercises": summary["exercises"], "status_counts": summary["status_counts"],
            "mistakes_by_kind": summary["mistakes_by_kind"],
            "scores": {s["student"]: s["total"] for s in summary["students"]}}
    lines = [f"graded {len(submissions)} submission(s) × {len(key.exercises)} exercise(s) "
             f"into {args.output}"]
    lines += [f"  {s['student']}: {s['total']:g} / {s['max']:g}" for s in summary["students"]]
    emit(args, data, "\n".join(lines))
    return 0
