"""Helpers every task uses: located parsing of fields, and certificate tables."""

from __future__ import annotations

import sympy as sp

from ..certification.base import Certificate
from ..core.errors import InputError, WorkbenchError
from ..core.parse import parse, parse_assignments, variables_of
from .model import InstructorOnly, Table
from .registry import Exercise


def field_expr(ex: Exercise, name: str, variables: list[str] | None = None) -> sp.Expr:
    """Parse the exercise field ``name`` safely; errors name the file, exercise and field."""
    try:
        return parse(ex.fields[name], variables)
    except WorkbenchError as exc:
        raise InputError(f"{ex.where(name)}: {exc}") from None


def parse_at(ex: Exercise, text: str, what: str = "at") -> dict[str, sp.Expr]:
    try:
        return parse_assignments(text)
    except WorkbenchError as exc:
        raise InputError(f"{ex.where(what)}: {exc}") from None


def expr_and_vars(ex: Exercise) -> tuple[sp.Expr, list[str]]:
    """The exercise's ``expr`` and its variables (``wrt`` or the free names, sorted)."""
    wrt = ex.fields.get("wrt")
    expr = field_expr(ex, "expr", wrt)
    return expr, list(wrt) if wrt else variables_of(expr)


def claimed_value(ex: Exercise, key: str):
    """The raw ``claimed.key`` of the exercise, or None when it claims nothing there."""
    return ex.claimed.get(key) if isinstance(ex.claimed, dict) else None


def claim_text(ex: Exercise, key: str, variables: list[str]):
    """A claimed expression (or list of them) parsed safely, or None when not claimed."""
    if not isinstance(ex.claimed, dict) or key not in ex.claimed:
        return None
    raw = ex.claimed[key]
    try:
        if isinstance(raw, list):
            return [parse(r, variables) if isinstance(r, str) else
                    [parse(c, variables) for c in r] for r in raw]
        return parse(raw, variables)
    except WorkbenchError as exc:
        raise InputError(f"{ex.where('claimed.' + key)}: {exc}") from None


def fmt(x: float) -> str:
    return f"{x:.1e}" if x == x else "n/a"


def verification_table(cert: Certificate, what: str = "gradient and Hessian") -> InstructorOnly:
    """Symbolic vs autodiff vs finite differences vs mpmath, with the max errors.

    The table names the tools, so only the instructor edition prints it.
    """
    t = cert.tolerances
    rows = [
        ["JAX autodiff (float64)", fmt(cert.max_rel_error.get("autodiff", float("nan"))),
         fmt(t["autodiff"])],
        ["finite differences (Richardson)",
         fmt(cert.max_rel_error.get("finite_difference", float("nan"))),
         f"{fmt(t['finite_difference'])} / {fmt(t['finite_difference_hessian'])} (Hessian)"],
        ["mpmath, 50 digits (ground truth)",
         fmt(cert.max_rel_error.get("high_precision", float("nan"))), fmt(t["high_precision"])],
    ]
    verdict = "certified" if cert.ok else f"NOT certified ({cert.verdict})"
    return InstructorOnly([Table(
        ["reference", "max. mixed rel. error", "tolerance"], rows,
        f"Verification of the symbolic {what}: {verdict}; {cert.points_checked} points. "
        f"{cert.note}")])
