"""Helpers every task uses: located parsing of fields, numbers as printed, certificate tables.

Numbers reach the page with about six significant digits, points as tuples:

>>> decimal(0.19837475069223798), point_text([3.0, 0.5])
('0.198375', '(3, 0.5)')
"""

from __future__ import annotations

import re

import sympy as sp

from ..certification.base import Certificate
from ..core.errors import InputError, WorkbenchError
from ..core.parse import parse, parse_assignments, parse_number, variables_of
from ..core.printing import inline_math, latex_number
from .model import InstructorOnly, Table
from .registry import Context, Exercise
from .schema import Field

#: The ``func`` of the optimization tasks: a named test function or an expression.
FUNC = Field(str, 'a named test function ("beale", "rosenbrock", ...) or an expression')


def figure_paths(ctx: Context, ex: Exercise, name: str) -> list | None:
    """The figure's PDF path (as a list of paths to save), or None when figures are off."""
    pdf = ctx.figure_path(ex, name)
    return None if pdf is None else [pdf]


def exact_number(ex: Exercise, name: str, default=None) -> sp.Expr:
    """The field ``name`` as an exact number (``"0.4"`` is 2/5); errors name the field."""
    raw = ex.fields.get(name, default)
    if raw is None:
        raise InputError(f"{ex.where(name)}: required")
    try:
        return parse_number(str(raw)) if not isinstance(raw, sp.Basic) else raw
    except WorkbenchError as exc:
        raise InputError(f"{ex.where(name)}: {exc}") from None


def decimal(x: float) -> str:
    """A float as printed: six significant digits."""
    return f"{x:.6g}"


def sci(x: float, digits: int = 2) -> str:
    r"""A small or large float as typeset scientific notation, ``$-4.3 \cdot 10^{-3}$``.

    >>> sci(-0.0043), sci(float("nan"))
    ('$-4.3 \\cdot 10^{-3}$', 'n/a')
    """
    if x != x:
        return "n/a"
    if x == 0:
        return "0"
    mantissa, exponent = f"{x:.{digits - 1}e}".split("e")
    return f"${mantissa} \\cdot 10^{{{int(exponent)}}}$"


def point_text(values) -> str:
    """A point as a tuple of decimals, ``(3, 0.5)``, never a Python list."""
    return "(" + ", ".join(decimal(float(v)) for v in values) + ")"


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
    r"""An error or tolerance for a table cell: two digits, typeset (``$1.5 \times 10^{-9}$``).

    >>> fmt(1.5e-9), fmt(float("nan"))
    ('$1.5 \\times 10^{-9}$', 'n/a')
    """
    return inline_math(latex_number(x, 2)) if x == x else "n/a"


#: A gradient certificate's references, by key, as the instructor's checks name them.
REFERENCES = {"autodiff": "JAX autodiff (float64)",
              "finite_difference": "finite differences (Richardson)",
              "high_precision": "mpmath, 50 digits"}


def certificate_checks(out, cert: Certificate, what: str) -> None:
    """The certificate as one check per reference (instructor matter), not a table on the page."""
    for key, name in REFERENCES.items():
        err, tol = cert.max_rel_error.get(key, float("nan")), cert.tolerances[key]
        out.check(f"{what} against {name}", err == err and err <= tol,
                  f"max. mixed rel. error {fmt(err)} (tolerance {fmt(tol)}), "
                  f"{cert.points_checked} points")


def verification_table(cert: Certificate, what: str = "gradient and Hessian") -> InstructorOnly:
    """Symbolic vs autodiff vs finite differences vs mpmath, with the max errors.

    The table names the tools, so only the instructor edition prints it.
    """
    t = cert.tolerances
    shown = {"autodiff": ("", fmt(t["autodiff"])),
             "finite_difference": ("", f"{fmt(t['finite_difference'])} / "
                                       f"{fmt(t['finite_difference_hessian'])} (Hessian)"),
             "high_precision": (" (ground truth)", fmt(t["high_precision"]))}
    rows = [[name + shown[key][0], fmt(cert.max_rel_error.get(key, float("nan"))), shown[key][1]]
            for key, name in REFERENCES.items()]
    verdict = "certified" if cert.ok else f"NOT certified ({cert.verdict})"
    return InstructorOnly([Table(
        ["reference", "max. mixed rel. error", "tolerance"], rows,
        f"Verification of the symbolic {what}: {verdict}; {cert.points_checked} points. "
        f"{_typeset_note(cert.note)}")])


def _typeset_note(note: str) -> str:
    """A certificate's note with its box ``[-2, 2]^2`` and numbers in typeset form."""
    note = re.sub(r"\[(-?[\d.]+), (-?[\d.]+)\]\^(\d+)", r"$[\1, \2]^{\3}$", note)
    return re.sub(r"(?<![\w.$])(\d\.\d+e[+-]\d+)", lambda m: fmt(float(m.group(1))), note)
