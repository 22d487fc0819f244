"""``python -m benchmarks``: run the benchmarks, print Markdown, write JSON.

Run from the root of a source checkout (``workbench bench`` does exactly that);
the benchmarks use only the public API of the installed ``workbench``.

With ``--json`` it prints exactly one JSON object: ``machine``, ``versions``,
``settings``, ``checks_passed``, ``targets_met`` and ``sections`` (per section:
``key``, ``title``, ``rows``, ``columns``, ``notes``, ``targets``,
``checks_passed``).  Exit status: 0 when every correctness check passed (speed
targets are reported, not enforced: timings on a shared machine vary), 1 when a
check failed, 2 for bad arguments (one line on stderr).
"""

from __future__ import annotations

import argparse
import os
import sys

from .runner import (
    QUICK_REPEATS,
    REPEATS,
    SECTIONS,
    markdown,
    repeats_and_points,
    report,
    run,
    to_json,
    write,
)


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line on stderr and exit status 2, as workbench's own CLI
        self.exit(2, f"{self.prog}: error: {message}\n")


def parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m benchmarks",
                description="Benchmarks: compiled derivatives vs autodiff and the memory floor "
                            "(B1), derivation scaling (B2), matrix calculus (B3), GPU (B4), "
                            "the command line's cold start (B5). Prints Markdown tables, or one "
                            "JSON object.")
    p.add_argument("--sections", default=",".join(SECTIONS),
                   help=f"comma-separated subset of {','.join(SECTIONS)} (default: all)")
    p.add_argument("--quick", action="store_true", help="tiny sizes: seconds, not minutes")
    p.add_argument("--repeats", type=int,
                   help=f"rounds per timing (default {REPEATS}; {QUICK_REPEATS} with --quick)")
    p.add_argument("--points", type=int, help="points for B1/B4 (default 10**6)")
    p.add_argument("--out", help="also write the JSON report to this file")
    p.add_argument("--markdown", help="also write the Markdown tables to this file")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    return p


def sections_of(text: str) -> list[str]:
    names = [s.strip().upper() for s in text.split(",") if s.strip()]
    bad = [s for s in names if s not in SECTIONS]
    if bad or not names:
        raise ValueError(f"--sections {text!r}: unknown {', '.join(bad) or '(empty)'} "
                         f"(choose from {', '.join(SECTIONS)})")
    return names


def execute(args, json_only: bool = False) -> int:
    """Run as ``args`` asks; print Markdown (or only the JSON object); return the exit code."""
    names = sections_of(args.sections)
    if args.repeats is not None and args.repeats < 1:
        raise ValueError(f"--repeats must be at least 1, got {args.repeats}")
    if args.points is not None and args.points < 10:
        raise ValueError(f"--points must be at least 10, got {args.points}")
    repeats, points = repeats_and_points(args.quick, args.repeats, args.points)
    settings = {"sections": names, "quick": args.quick, "repeats": repeats, "points": points,
                "load_average_at_start": [round(v, 2) for v in os.getloadavg()]}
    done = run(names, args.quick, args.repeats, args.points, progress=_progress)
    rep = report(done, settings)
    text = markdown(done, rep)
    if args.out:
        write(args.out, to_json(rep) + "\n")
    if args.markdown:
        write(args.markdown, text)
    print(to_json(rep) if json_only else text)
    return 0 if rep["checks_passed"] else 1


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return execute(args, json_only=args.json)
    except ValueError as exc:
        print(f"python -m benchmarks: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
