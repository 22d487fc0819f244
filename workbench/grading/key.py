"""The answer key: what each exercise asks, its truth, and its rubric.

A key is a TOML file with one ``[[exercise]]`` table per graded exercise::

    [[exercise]]
    id = "beale-gradient"
    kind = "gradient"                 # the gradient of expr over variables
    expr = "(1.5 - x + x*y)**2 + (2.25 - x + x*y**2)**2 + (2.625 - x + x*y**3)**2"
    variables = ["x", "y"]
    points = 2                        # per component
    deductions = { "sign flipped" = 1 }   # overrides the key's [deductions]

    [[exercise]]
    id = "q4-reverse"
    kind = "derivative"               # ∂expr/∂wrt at the point: a number
    expr = "exp(x1 + x2**3)*x3 + sqrt(x3*sin(pi/2*(x1 - x2)))"
    variables = ["x1", "x2", "x3"]
    wrt = "x2"
    at = "x1=2,x2=1,x3=1"
    points = 1

The rubric: a correct component earns its points; a wrong one earns its points
minus the deduction of each certified mistake (never below 0); a wrong
component without a certified mistake, an unreadable or a missing answer earns
0.  ``[deductions]`` at the top sets the deduction per mistake kind (default:
half the points of the component).  Every field is checked, and every truth
derived, when the key is loaded, before any submission is graded.

>>> key = parse_key({"exercise": [{"id": "e1", "kind": "gradient", "expr": "x**2*y",
...                                "variables": ["x", "y"], "points": 2}]}, "k.toml")
>>> key.exercises[0].truth
[2*x*y, x**2]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import sympy as sp

from ..certification.diagnosis import FACTOR_KIND, RULES
from ..core.errors import InputError, WorkbenchError
from ..core.parse import parse, parse_assignments
from ..core.tomlfile import read_toml
from ..symbolic.calculus import gradient

#: Every mistake kind a rubric may name.
MISTAKE_KINDS = frozenset([kind for kind, _ in RULES] + [FACTOR_KIND,
                                                          "evaluated at the wrong point"])
EXERCISE_KINDS = ("gradient", "derivative", "value")
_FIELDS = {"id", "kind", "expr", "variables", "points", "deductions", "wrt", "at", "title"}


@dataclass
class KeyExercise:
    """One graded exercise with its truth, derived once when the key is loaded."""

    id: str
    kind: str
    f: sp.Expr
    variables: list[str]
    points: float
    deductions: dict[str, float]
    title: str = ""
    wrt: str | None = None
    at: dict[str, sp.Expr] = field(default_factory=dict)
    truth: list[sp.Expr] = field(default_factory=list)

    @property
    def components(self) -> list[str]:
        return self.variables if self.kind == "gradient" else [self.wrt or "value"]

    @property
    def max_points(self) -> float:
        return self.points * len(self.components)

    def deduction(self, kind: str) -> float:
        return self.deductions.get(kind, self.points / 2)


@dataclass
class Key:
    path: str
    title: str
    exercises: list[KeyExercise]

    def exercise(self, exercise_id: str) -> KeyExercise:
        return next(e for e in self.exercises if e.id == exercise_id)


def load_key(path: str | Path) -> Key:
    """Read and check a key file (see the module docstring)."""
    return parse_key(read_toml(path, "answer key"), str(path))


def _deductions(table, where: str) -> dict[str, float]:
    if not isinstance(table, dict):
        raise InputError(f"{where}: deductions must be a table of mistake kind = points")
    out = {}
    for kind, pts in table.items():
        if kind not in MISTAKE_KINDS:
            raise InputError(f"{where}: unknown mistake kind {kind!r} in deductions "
                             f"(known: {', '.join(sorted(MISTAKE_KINDS))})")
        if not isinstance(pts, int | float) or isinstance(pts, bool) or pts < 0:
            raise InputError(f"{where}: deduction for {kind!r} must be a number ≥ 0")
        out[kind] = float(pts)
    return out


def parse_key(data: dict, path: str) -> Key:
    """A :class:`Key` from parsed TOML; any problem names the file, exercise and field."""
    rows = data.get("exercise")
    if not isinstance(rows, list) or not rows:
        raise InputError(f"{path}: no [[exercise]] tables")
    default = _deductions(data.get("deductions", {}), f"{path}: [deductions]")
    title = str(data.get("key", {}).get("title", Path(path).stem))
    exercises, seen = [], set()
    for n, row in enumerate(rows, 1):
        ex_id = row.get("id")
        where = f"{path}: exercise {ex_id or n}"
        if not isinstance(ex_id, str) or not ex_id:
            raise InputError(f"{where}: field 'id' is missing")
        if ex_id in seen:
            raise InputError(f"{where}: id given twice")
        seen.add(ex_id)
        exercises.append(_exercise(row, where, default))
    return Key(path, title, exercises)


def _exercise(row: dict, where: str, default: dict[str, float]) -> KeyExercise:
    unknown = sorted(set(row) - _FIELDS)
    if unknown:
        known = ", ".join(sorted(_FIELDS))
        raise InputError(f"{where}: unknown field {unknown[0]!r} (known: {known})")
    kind = row.get("kind")
    if kind not in EXERCISE_KINDS:
        raise InputError(f"{where}: field 'kind' must be one of {', '.join(EXERCISE_KINDS)}")
    variables = row.get("variables")
    if not isinstance(variables, list) or not all(isinstance(v, str) for v in variables):
        raise InputError(f"{where}: field 'variables' must be a list of names")
    points = row.get("points", 1)
    if not isinstance(points, int | float) or isinstance(points, bool) or points <= 0:
        raise InputError(f"{where}: field 'points' must be a positive number")
    try:
        f = parse(str(row.get("expr", "")), variables)
        at = parse_assignments(row["at"]) if "at" in row else {}
    except WorkbenchError as exc:
        raise InputError(f"{where}: {exc}") from None
    wrt = row.get("wrt")
    if kind == "derivative" and wrt not in variables:
        raise InputError(f"{where}: field 'wrt' must name one of the variables")
    if kind != "gradient" and sorted(at) != sorted(variables):
        raise InputError(f"{where}: field 'at' must give every variable a value")
    ex = KeyExercise(row["id"], kind, f, list(variables), float(points),
                     {**default, **_deductions(row.get("deductions", {}), where)},
                     str(row.get("title", "")), wrt, at)
    ex.truth = gradient(f, variables) if kind == "gradient" else [f]
    return ex
