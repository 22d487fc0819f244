"""Plumbing shared by the subcommands: common arguments, parsing, output.

Values may start with ``-``: argparse alone reads ``--x0 -1,-1.5`` as two
options and refuses with "expected one argument".  :func:`values_first` reads
the command line the way a person means it: the token after an option that
takes a value *is* that value, and an expression where the command expects
its EXPR (``derive '-x**2'``) is that expression.

>>> p = argparse.ArgumentParser()
>>> _ = p.add_argument("expr"); _ = p.add_argument("--x0"); _ = p.add_argument("--json",
...     action="store_true")
>>> values_first(p, ["-x*exp(-y)", "--x0", "-1,-1.5", "--json"])
['-x*exp(-y) ', '--x0=-1,-1.5', '--json']
"""

from __future__ import annotations

import argparse
import importlib
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING

from ..core.errors import InputError

if TYPE_CHECKING:  # the engines load when a command runs, not when its --help is built
    import sympy as sp

#: names this module lends from the engines, imported on first use (see __getattr__)
_LAZY = {"number": "..explore.result"}  # the commands' JSON numbers


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __package__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _takes_value(action: argparse.Action) -> bool:
    return action.nargs is None and bool(action.option_strings)


def _known_option(parser: argparse.ArgumentParser, token: str) -> bool:
    """An option of ``parser`` as written, ``--opt=value``, ``-oVALUE`` or a unique prefix."""
    options = parser._option_string_actions
    name = token.split("=", 1)[0]
    if name in options or (len(token) > 2 and token[:2] in options and token[1] != "-"):
        return True
    return token.startswith("--") and any(o.startswith(name) for o in options)


def values_first(parser: argparse.ArgumentParser, args: list[str]) -> list[str]:
    """``args`` rewritten so that values starting with ``-`` reach their option or EXPR.

    After an option that takes one value, the next token is that value (unless
    it is itself an option of the command, as in ``--at --json``) and is joined
    to it (``--opt=value``, or ``-oVALUE`` for a one-letter option).  A
    token that starts with a single ``-`` and is no option of a command whose
    positionals are single values (EXPR, FUNC) is a positional: argparse reads
    a token containing a space as one, so a trailing space is added (the safe
    parser strips it).
    """
    actions = parser._option_string_actions
    single = [a for a in parser._actions if not a.option_strings]
    positional_ok = bool(single) and all(a.nargs is None for a in single)
    out: list[str] = []
    i = 0
    while i < len(args):
        token = args[i]
        if token == "--":
            out += args[i:]
            break
        action = actions.get(token)
        if (action is not None and _takes_value(action) and i + 1 < len(args)
                and args[i + 1] not in actions):  # "--at --json": the value is missing
            value = args[i + 1]
            out.append(f"{token}={value}" if token.startswith("--") else f"{token}{value}")
            i += 2
            continue
        if (positional_ok and token.startswith("-") and not token.startswith("--")
                and len(token) > 1 and not _known_option(parser, token)):
            token += " "
        out.append(token)
        i += 1
    return out


def add_expr_args(p: argparse.ArgumentParser, at: bool = True) -> None:
    """EXPR, --wrt and (optionally) --at, the arguments most commands share."""
    p.add_argument("expr", metavar="EXPR", help="the function, e.g. 'x**2*y + exp(y)'")
    p.add_argument("--wrt", help="variables, comma-separated (default: all, sorted)")
    if at:
        p.add_argument("--at", help="a point, e.g. x=3,y=0.5 (exact: 0.5 means 1/2)")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def read_function(args) -> tuple[sp.Expr, list[str]]:
    """Read EXPR through the one coercion point and settle the variables (--wrt, or free names)."""
    from ..core import coerce
    from ..core.parse import variables_of

    wrt = [v.strip() for v in args.wrt.split(",") if v.strip()] if args.wrt else None
    expr = coerce.expression(args.expr)
    free = variables_of(expr)
    if wrt is None:
        if not free:
            raise InputError("the expression has no variables; nothing to differentiate")
        return expr, free
    if len(set(wrt)) != len(wrt):
        raise InputError(f"--wrt names a variable twice: {args.wrt}")
    other = [v for v in free if v not in wrt]
    if other:
        raise InputError(f"undeclared variable(s) {', '.join(other)}: add them to --wrt")
    return coerce.expression(args.expr, wrt), wrt


def read_point(text: str | None, variables: list[str]) -> dict[str, sp.Expr] | None:
    """--at x=3,y=0.5 as exact values, checked against the variables."""
    if text is None:
        return None
    from ..core.parse import parse_assignments

    point = parse_assignments(text)
    missing = [v for v in variables if v not in point]
    extra = [k for k in point if k not in variables]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"missing {', '.join(missing)}")
        if extra:
            parts.append(f"unknown {', '.join(extra)}")
        raise InputError(f"--at {text}: {'; '.join(parts)} (variables: {', '.join(variables)})")
    return point


def text(expr) -> str:
    from ..core.printing import to_text

    return to_text(expr)


def emit(args, data: Mapping, readable: str) -> None:
    """Print the JSON object with --json, the readable text otherwise."""
    if getattr(args, "json", False):
        print(json.dumps(data, indent=2, default=str))
    else:
        print(readable)
