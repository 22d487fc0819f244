"""``workbench bench``: run the benchmarks of a source checkout (``python -m benchmarks``).

The benchmarks live in the top-level ``benchmarks/`` folder beside the package,
not inside it: they measure the workbench against JAX, PyTorch and SymPy and
are not part of what an installed workbench needs.  This command finds that
folder next to the package (an editable install or a checkout) and runs the
same runner; without it, it says so and exits with status 2.

With ``--json`` it prints exactly one JSON object: ``machine``, ``versions``,
``settings``, ``checks_passed``, ``targets_met`` and ``sections`` (per section:
``key``, ``title``, ``rows``, ``columns``, ``notes``, ``targets``,
``checks_passed``).  Exit status 1 means a correctness check failed; missed
speed targets are reported, not failed.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

from ..core.errors import InputError

#: The benchmark sections, and their options below: defined here, where an installed
#: workbench has them without a checkout, and imported by the ``benchmarks`` package.
SECTIONS = ("B1", "B2", "B3", "B4")
REPEATS, QUICK_REPEATS = 7, 2  # rounds per timing: a full run, --quick
POINTS, QUICK_POINTS = 10**6, 2000  # points for B1/B4: a full run, --quick


def repeats_and_points(quick: bool, repeats: int | None = None, points: int | None = None
                       ) -> tuple[int, int]:
    """(repeats, points): the ones given, else the defaults for a full or a ``quick`` run."""
    return (repeats or (QUICK_REPEATS if quick else REPEATS),
            points or (QUICK_POINTS if quick else POINTS))


def add_arguments(p) -> None:
    """The options ``workbench bench`` and ``python -m benchmarks`` share."""
    p.add_argument("--sections", default=",".join(SECTIONS),
                   help=f"comma-separated subset of {','.join(SECTIONS)} (default: all)")
    p.add_argument("--quick", action="store_true", help="tiny sizes: seconds, not minutes")
    p.add_argument("--repeats", type=int,
                   help=f"rounds per timing (default {REPEATS}; {QUICK_REPEATS} with --quick)")
    p.add_argument("--points", type=int, help="points for B1/B4 (default 10**6)")
    p.add_argument("--out", help="also write the JSON report to this file")
    p.add_argument("--markdown", help="also write the Markdown tables to this file")


def register(sub) -> None:
    p = sub.add_parser("bench", help="run the benchmarks (source checkout)",
                       description="Benchmarks: compiled derivatives vs autodiff and the memory "
                                   "floor (B1), derivation scaling (B2), matrix calculus (B3), "
                                   "GPU (B4). Prints Markdown tables, or one JSON object.")
    add_arguments(p)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(run=run)


def checkout() -> Path:
    """The source checkout's root (the folder holding ``benchmarks/``), or InputError."""
    root = Path(__file__).resolve().parents[2]
    if not (root / "benchmarks" / "runner.py").is_file():
        raise InputError(f"the benchmarks are not installed with the package: no benchmarks/ "
                         f"folder in {root}; run this from a source checkout "
                         f"(git clone, then pip install -e .)")
    return root


def _runner():
    root = checkout()
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    module = importlib.import_module("benchmarks.__main__")
    if Path(module.__file__).resolve().parents[1] != root:
        raise InputError(f"another package named 'benchmarks' ({module.__file__}) hides the "
                         f"checkout's benchmarks/ in {root}")
    return module


def run(args) -> int:
    main = _runner()
    try:
        return main.execute(args, json_only=args.json)
    except ValueError as exc:
        raise InputError(str(exc)) from None
