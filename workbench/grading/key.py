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

    [[exercise]]
    id = "logdet"
    kind = "matrix"                   # the gradient of a matrix expression (NumPy syntax)
    expr = "log(det(X))"
    wrt = "X"
    shapes = "X=n,n"                  # optional, as for `workbench matrix`
    answer_latex = 'X^{-T}'           # optional: the key's answer in LaTeX, checked
    points = 3

The rubric: a correct component earns its points; a wrong one earns its points
minus the deduction of each certified mistake (never below 0); a wrong
component without a certified mistake, an unreadable or a missing answer earns
0.  ``points`` is the points of each component, or a table giving each its own
(``points = { x = 3, y = 1 }``, every component named).  ``[deductions]`` at
the top sets the deduction per mistake kind (default: half the points of the
component); an exercise's ``deductions`` override it.

``answer_latex`` is the key's own answer written in LaTeX (a string, or for a
gradient one string per component): it is read and checked against the derived
truth when the key is loaded, and a key whose answer cannot be read, or is not
the truth, is refused with a message naming the file, exercise, field and column.
Every field is checked, and every truth derived (a matrix gradient derived and
certified), when the key is loaded, before any submission is graded.

>>> key = parse_key({"exercise": [{"id": "e1", "kind": "gradient", "expr": "x**2*y",
...                                "variables": ["x", "y"], "points": 2}]}, "k.toml")
>>> key.exercises[0].truth
[2*x*y, x**2]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import sympy as sp

from ..certification.claims import check_claim
from ..certification.diagnosis import FACTOR_KIND, MATRIX_RULES, RULES, diagnose_matrix
from ..certification.diagnosis import diagnose_value as value_check
from ..certification.matrix import solve
from ..core import budget
from ..core.errors import InputError, WorkbenchError
from ..core.latex import latex_to_matrix_text, read_answer
from ..core.parse import parse, parse_assignments
from ..core.tomlfile import read_toml
from ..symbolic.calculus import gradient

#: Every mistake kind a rubric may name.
MISTAKE_KINDS = frozenset([kind for kind, _ in RULES] + [kind for kind, *_ in MATRIX_RULES]
                          + [FACTOR_KIND, "evaluated at the wrong point", "assumed symmetric"])
EXERCISE_KINDS = ("gradient", "derivative", "value", "matrix")
_FIELDS = {"id", "kind", "expr", "variables", "points", "deductions", "wrt", "at", "title",
           "answer_latex", "shapes", "scalars", "symmetric"}
#: Fields that only a matrix exercise has, and fields it does not have.
_MATRIX_ONLY = {"shapes", "scalars", "symmetric"}
_NOT_MATRIX = {"variables", "at"}


@dataclass
class KeyExercise:
    """One graded exercise with its truth, derived once when the key is loaded."""

    id: str
    kind: str
    f: sp.Expr | str  # a matrix exercise's expression stays NumPy text
    variables: list[str]
    points: float
    deductions: dict[str, float]
    title: str = ""
    wrt: str | None = None
    at: dict[str, sp.Expr] = field(default_factory=dict)
    truth: list[sp.Expr] = field(default_factory=list)
    #: points of each component where they differ (``points = { x = 3, y = 1 }``)
    part_points: dict[str, float] = field(default_factory=dict)
    #: a matrix exercise's certified derivation (what its answers are checked against)
    derivation: object = None
    scalars: list[str] = field(default_factory=list)

    @property
    def components(self) -> list[str]:
        return self.variables if self.kind == "gradient" else [self.wrt or "value"]

    def points_of(self, component: str) -> float:
        """The points of one component (of a gradient; the only one otherwise)."""
        return self.part_points.get(component, self.points)

    @property
    def max_points(self) -> float:
        return sum(self.points_of(c) for c in self.components)

    def deduction(self, kind: str, component: str | None = None) -> float:
        points = self.points if component is None else self.points_of(component)
        return self.deductions.get(kind, points / 2)


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
    wrong = sorted(set(row) & (_NOT_MATRIX if kind == "matrix" else _MATRIX_ONLY))
    if wrong:
        raise InputError(f"{where}: field {wrong[0]!r} does not belong to a {kind} exercise")
    deductions = {**default, **_deductions(row.get("deductions", {}), where)}
    ex = _matrix(row, where, deductions) if kind == "matrix" else _scalar(row, where, deductions)
    ex.points, ex.part_points = _points(row.get("points", 1), ex.components, where)
    if "answer_latex" in row:
        _check_answer(ex, row["answer_latex"], f"{where}: field 'answer_latex'")
    return ex


def _points(value, components: list[str], where: str) -> tuple[float, dict[str, float]]:
    """``points``: one positive number per component, or a table naming every component."""
    def positive(v) -> bool:
        return isinstance(v, int | float) and not isinstance(v, bool) and v > 0

    if positive(value):
        return float(value), {}
    if isinstance(value, dict) and len(components) > 1:
        if sorted(value) != sorted(components) or not all(map(positive, value.values())):
            raise InputError(f"{where}: field 'points' must give each of "
                             f"{', '.join(components)} a positive number")
        parts = {c: float(value[c]) for c in components}
        return max(parts.values()), parts
    raise InputError(f"{where}: field 'points' must be a positive number"
                     + (" or a table of one per component" if len(components) > 1 else ""))


def _scalar(row: dict, where: str, deductions: dict[str, float]) -> KeyExercise:
    kind = row["kind"]
    variables = row.get("variables")
    if not isinstance(variables, list) or not all(isinstance(v, str) for v in variables):
        raise InputError(f"{where}: field 'variables' must be a list of names")
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
    ex = KeyExercise(row["id"], kind, f, list(variables), 1.0, deductions,
                     str(row.get("title", "")), wrt, at)
    ex.truth = gradient(f, variables) if kind == "gradient" else [f]
    return ex


def _names(row: dict, name: str, where: str) -> str | None:
    value = row.get(name)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        value = ",".join(value)
    if value is not None and not isinstance(value, str):
        raise InputError(f"{where}: field {name!r} must be a string or a list of names")
    return value


def _matrix(row: dict, where: str, deductions: dict[str, float]) -> KeyExercise:
    """A matrix gradient, derived and certified now: its answers are checked against it."""
    expr, wrt = row.get("expr"), row.get("wrt")
    if not isinstance(expr, str) or not isinstance(wrt, str) or not wrt:
        raise InputError(f"{where}: fields 'expr' (NumPy syntax) and 'wrt' (one variable) "
                         "are required")
    shapes = row.get("shapes")
    if shapes is not None and not isinstance(shapes, str):
        raise InputError(f"{where}: field 'shapes' must be a string such as 'A=m,n x=n'")
    scalars, symmetric = _names(row, "scalars", where), _names(row, "symmetric", where)
    try:
        result = solve(expr, wrt, shapes, scalars, symmetric)
    except WorkbenchError as exc:
        raise InputError(f"{where}: {exc}") from None
    if not result.ok:
        raise InputError(f"{where}: the gradient of {expr} could not be certified; no answer "
                         f"is graded against it ({result.certificate.verdict})")
    return KeyExercise(row["id"], "matrix", expr, [wrt], 1.0, deductions,
                       str(row.get("title", "")), wrt, derivation=result.derivation,
                       scalars=[s.strip() for s in (scalars or "").split(",") if s.strip()])


def _check_answer(ex: KeyExercise, value, where: str) -> None:
    """The key's LaTeX answer must be readable and equal to the derived truth."""
    texts = value if isinstance(value, list) else [value]
    if not texts or not all(isinstance(t, str) for t in texts):
        raise InputError(f"{where}: must be a LaTeX string (or a list, one per component)")
    try:
        if ex.kind == "matrix":
            if len(texts) != 1:
                raise InputError(f"{where}: a matrix gradient is one LaTeX string")
            holds = diagnose_matrix(ex.derivation,
                                    latex_to_matrix_text(texts[0], ex.scalars)).correct
        else:
            holds = _scalar_answer_holds(ex, texts, where)
    except WorkbenchError as exc:
        raise InputError(f"{where}: {exc}") from None
    if not holds:
        raise InputError(f"{where}: the key's answer is not the derived truth")


def _scalar_answer_holds(ex: KeyExercise, texts: list[str], where: str) -> bool:
    read = [read_answer(t, ex.variables) for t in texts]
    values = [v for r in read for v in r.values]
    if ex.kind == "gradient":
        labels = [r.component for r in read]
        if len(read) > 1 and all(labels):
            values = [values[labels.index(v)] if v in labels else None for v in ex.variables]
        if len(values) != len(ex.variables) or None in values:
            raise InputError(f"{where}: needs one value per variable "
                             f"({', '.join(ex.variables)})")
        return check_claim(ex.f, values, ex.variables).verdict == "correct"
    if len(values) != 1:
        raise InputError(f"{where}: needs one value")
    value = budget.simplify(values[-1])
    if value.free_symbols:
        raise InputError(f"{where}: the answer is not a number")
    return value_check(ex.f, ex.wrt if ex.kind == "derivative" else None, ex.at, value,
                       ex.variables).correct
