"""Plumbing shared by the subcommands: common arguments, parsing, output."""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Mapping

import sympy as sp

from ..core import coerce
from ..core.errors import InputError
from ..core.parse import parse_assignments, variables_of
from ..core.printing import to_text


def add_expr_args(p: argparse.ArgumentParser, at: bool = True) -> None:
    """EXPR, --wrt and (optionally) --at, the arguments most commands share."""
    p.add_argument("expr", metavar="EXPR", help="the function, e.g. 'x**2*y + exp(y)'")
    p.add_argument("--wrt", help="variables, comma-separated (default: all, sorted)")
    if at:
        p.add_argument("--at", help="a point, e.g. x=3,y=0.5 (exact: 0.5 means 1/2)")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def read_function(args) -> tuple[sp.Expr, list[str]]:
    """Read EXPR through the one coercion point and settle the variables (--wrt, or free names)."""
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


def number(value) -> float | None:
    """A JSON-safe float (NaN and infinities become None)."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def text(expr) -> str:
    return to_text(expr)


def emit(args, data: Mapping, readable: str) -> None:
    """Print the JSON object with --json, the readable text otherwise."""
    if getattr(args, "json", False):
        print(json.dumps(data, indent=2, default=str))
    else:
        print(readable)
