"""The ``workbench`` command line.

Each subcommand lives in its own module under :mod:`workbench.commands` and
exposes ``register(subparsers)``.  This module only assembles them and owns the
exit-code contract:

* 0 - done, and every check passed;
* 1 - done, but a verification failed (the output says which);
* 2 - bad input: one clear line on stderr, no traceback, nothing written.

With ``--json`` a command prints exactly one JSON object on stdout.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from .core.errors import WorkbenchError

#: Subcommand modules in the order ``--help`` lists them.
COMMANDS = ["derive", "critical", "check", "sheet", "verify", "fd", "optimize", "rate", "trace",
            "bench", "matrix", "grade"]

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse's own errors obey the one-line, exit-2 contract
        self.exit(EXIT_BAD_INPUT, f"workbench: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="workbench", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:
        importlib.import_module(f".commands.{name}", __package__).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, or argparse's one-line usage error
        return int(exc.code or 0)
    if not getattr(args, "run", None):
        parser.print_help()
        return EXIT_BAD_INPUT
    try:
        return int(args.run(args) or 0)
    except WorkbenchError as exc:
        print(f"workbench {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("workbench: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug, not bad input: one line; WORKBENCH_DEBUG=1 shows it
        if os.environ.get("WORKBENCH_DEBUG"):
            raise
        print(f"workbench {args.command}: internal error: {type(exc).__name__}: {exc} "
              "(set WORKBENCH_DEBUG=1 for the traceback)", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
