"""The ``workbench`` command line.

Each subcommand lives in its own module under :mod:`workbench.commands` and
exposes ``register(subparsers)``.  This module only assembles them and owns the
exit-code contract:

* 0 - done, and every check passed;
* 1 - done, but a verification failed (the output says which);
* 2 - bad input: one clear line on stderr, no traceback, nothing written;
* 3 - internal error (a bug): one line on stderr; ``WORKBENCH_DEBUG=1`` shows the traceback.

With ``--json`` a command prints exactly one JSON object on stdout; for an error
(exit 2 or 3) that object is ``{"error": {"kind", "message", "location"}}``, with
``kind`` ``bad_input`` or ``internal`` and ``location`` the option, file, exercise,
field, token or column at fault when known (else null).  The one line on stderr
is printed as well.

Start-up stays light: ``workbench --help`` builds each subcommand from a line of
:data:`COMMANDS` (its name and summary) without importing SymPy, JAX or NumPy;
only the command that runs has its module imported and its arguments
registered, and the command modules import their engines inside ``run``.

>>> import io, contextlib
>>> with contextlib.redirect_stdout(io.StringIO()) as out, \\
...         contextlib.redirect_stderr(io.StringIO()):
...     code = main(["derive", "x**", "--json"])
>>> code, json.loads(out.getvalue())["error"]["kind"]
(2, 'bad_input')
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import sys

from .commands.common import values_first
from .core.errors import UsageError, WorkbenchError

#: Subcommand modules in the order ``--help`` lists them, with the summary that
#: ``--help`` shows; each module's ``register`` gives the same summary (a test
#: compares them), so the listing needs none of the modules.
COMMANDS = {
    "derive": "gradient and Hessian of EXPR, certified",
    "critical": "critical points of EXPR, classified",
    "check": "check a claimed gradient of EXPR",
    "sheet": "build a solution sheet from an exercise file",
    "verify": "run all checks of exercise files and proofs",
    "fd": "numerical derivatives of EXPR against a 50-digit truth",
    "optimize": "run an optimizer on FUNC and record its path",
    "rate": "optimal step size and convergence rate of GD on a quadratic",
    "trace": "forward/reverse autodiff trace of EXPR, checked",
    "bench": "run the benchmarks: python -m benchmarks, from a source checkout's root "
             "(workbench bench --help lists the options)",
    "matrix": "matrix calculus: gradient/Hessian in vectors and matrices",
    "grade": "grade a folder of submissions against an answer key",
}

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3
EXIT_PIPE = 141  # 128 + SIGPIPE: the shell's code for a closed pipe

EPILOG = """exit codes:
  0  done, and every check passed
  1  done, but a verification failed (the output says which)
  2  bad input: one line on stderr naming the problem, nothing written
  3  internal error (a bug): one line on stderr; set WORKBENCH_DEBUG=1 for the traceback
With --json, an error is one JSON object {"error": {"kind", "message", "location"}}
on stdout as well."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse's own errors obey the one-line, exit-2 contract
        raise UsageError(message)

    def parse_known_args(self, args=None, namespace=None):
        # values that start with "-" (--x0 -1,2; check --claimed '-x'): see values_first
        if args is not None and self._subparsers is None:
            args = values_first(self, list(args))
        return super().parse_known_args(args, namespace)


def build_parser(only: str | None = "") -> argparse.ArgumentParser:
    """The argument parser, with the exit codes in its epilog.

    ``only`` names the one subcommand whose module is imported and whose
    arguments are registered (the one about to run); the others are listed by
    name and summary alone.  ``only=""`` (the default) registers every one in full.
    """
    parser = _Parser(prog="workbench", description=__doc__.splitlines()[0], epilog=EPILOG,
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, summary in COMMANDS.items():
        if only in ("", name):
            importlib.import_module(f".commands.{name}", __package__).register(sub)
        else:
            sub.add_parser(name, help=summary, add_help=False)
    return parser


def command_of(argv: list[str]) -> str | None:
    """The subcommand a command line runs: its first word that is not an option, if known."""
    word = next((a for a in argv if not a.startswith("-")), None)
    return word if word in COMMANDS else None


def _wants_json(argv: list[str]) -> bool:
    return "--json" in argv[1:] if argv else False


def _report(argv: list[str], command: str, kind: str, message: str, location) -> None:
    """The one stderr line, and with --json the one error object on stdout."""
    message = " ".join(message.splitlines())  # one line, whatever the message holds
    label = "internal error" if kind == "internal" else "error"
    prefix = f"workbench {command}" if command else "workbench"
    print(f"{prefix}: {label}: {message}", file=sys.stderr)
    if _wants_json(argv):
        print(json.dumps({"error": {"kind": kind, "message": message, "location": location}},
                         indent=2))


def main(argv: list[str] | None = None) -> int:
    """Run one command line; returns the exit code (see the module docstring)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    command = argv[0] if argv and argv[0] in COMMANDS else ""
    try:
        parser = build_parser(command_of(argv))
        args = parser.parse_args(argv)
        if not getattr(args, "run", None):
            parser.print_help()
            return EXIT_BAD_INPUT
        return int(args.run(args) or 0)
    except SystemExit as exc:  # --help, --version
        return int(exc.code or 0)
    except WorkbenchError as exc:
        _report(argv, command, "bad_input", str(exc), exc.location)
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # the reader went away (| head): stop quietly, as shell tools do
        with contextlib.suppress(OSError, ValueError):  # a captured stdout has no descriptor
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_PIPE
    except KeyboardInterrupt:
        print("workbench: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug, not bad input: one line; WORKBENCH_DEBUG=1 shows it
        if os.environ.get("WORKBENCH_DEBUG"):
            raise
        message = " ".join(f"{type(exc).__name__}: {exc}".split())
        _report(argv, command, "internal",
                f"{message} (set WORKBENCH_DEBUG=1 for the traceback)", None)
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
