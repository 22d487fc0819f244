"""``workbench verify``: run every exercise's checks and every proof; exit 1 on any failure.

A wrong ``answer`` (the author's key) is a failed check; a false ``claimed``
(quoted from a source) is reported, and fails only with ``--strict``.
"""

from __future__ import annotations

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


def run(args) -> int:
    from ..sheets import calls

    result = calls.verify_run(args)
    emit(args, result.to_dict(), str(result))
    return 0 if result.ok else 1
