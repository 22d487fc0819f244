"""``workbench bench``: run the benchmarks of a source checkout (``python -m benchmarks``).

The benchmarks live in the top-level ``benchmarks/`` folder of the source
checkout, not in the package: they measure the workbench against JAX, PyTorch
and SymPy, and an installed workbench does not need them.  They use only the
public API of ``workbench``, so they run against any install, editable or not.

This command is a thin launcher.  In a folder that holds ``benchmarks/`` (the
checkout's root) it runs ``python -m benchmarks`` with this interpreter and
every argument given (``--quick``, ``--sections B1,B4``, ``--json``, ``--help``,
…: see ``workbench bench --help``) and returns its exit status: 0 every
correctness check passed, 1 one failed, 2 bad arguments.  Anywhere else it
says where the benchmarks live and exits with status 2.

>>> import tempfile
>>> try:
...     benchmarks_folder(Path(tempfile.mkdtemp()))
... except InputError as exc:
...     print(str(exc)[:60])
the benchmarks live in the source checkout, not in the insta
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from ..core.errors import InputError


def register(sub) -> None:
    # prefix_chars="+": every option (--quick, --help, ...) is passed on untouched
    p = sub.add_parser("bench", add_help=False, prefix_chars="+",
                       help="run the benchmarks: python -m benchmarks, from a source checkout's "
                            "root (workbench bench --help lists the options)",
                       description="Runs python -m benchmarks in the current folder.")
    p.add_argument("args", nargs=argparse.REMAINDER,
                   help="options of python -m benchmarks, e.g. --quick --sections B1 --json")
    p.set_defaults(run=run)


def benchmarks_folder(root: Path | None = None) -> Path:
    """``root``/benchmarks (``root`` defaults to the current folder), or InputError."""
    root = Path.cwd() if root is None else root
    folder = root / "benchmarks"
    if not (folder / "__main__.py").is_file():
        raise InputError(f"the benchmarks live in the source checkout, not in the installed "
                         f"package: no benchmarks/ folder in {root}; run this from the "
                         f"checkout's root")
    return folder


def run(args) -> int:
    folder = benchmarks_folder()
    return subprocess.run([sys.executable, "-m", "benchmarks", *args.args],
                          cwd=folder.parent, check=False).returncode
