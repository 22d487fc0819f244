"""``python -m benchmarks``: run the benchmarks, print Markdown, write JSON.

Exit status: 0 when every correctness check passed (speed targets are reported,
not enforced: timings on a shared machine vary), 1 when a check failed, 2 for
bad arguments.
"""

from __future__ import annotations

import argparse
import os
import sys

from workbench.commands.bench import SECTIONS, add_arguments, repeats_and_points

from .runner import markdown, report, run, to_json, write


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    add_arguments(p)
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
        return execute(args)
    except ValueError as exc:
        print(f"python -m benchmarks: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
