"""The exercise-file schema: each task declares its fields once, checked at load time.

A task names every field it reads with a :class:`Field`: its TOML type, what
the value means (``kind``: an expression, a point, a list of variable names, a
proof file, ...), its range and the stated limit it is held to.  The keys of
``claimed`` (what a source states, judged and reported) and ``answer`` (the
author's own key, asserted) are declared the same way.  :func:`read` checks one
value and returns it normalized (a variable list written ``"x, y"`` becomes
``["x", "y"]``), so every problem is found before any computation starts, and
each message names the field::

    @task("derive", required={"expr": EXPR}, optional={"wrt": VARIABLES},
          claims={"gradient": Field(list, "one component per variable", kind="exprs")})

>>> try:
...     read(Field(int, min=1, limit="dimension"), 100000, "d", Path("."))
... except InputError as exc:
...     print(exc)
d: 100000 is over the limit of 500 dimensions (a d × d matrix is formed and factorized)
>>> read(Field((str, list), kind="names"), "x, y", "wrt", Path("."))
['x', 'y']
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..core import limits
from ..core.errors import InputError, WorkbenchError
from ..core.parse import parse, parse_assignments, parse_number


@dataclass(frozen=True)
class Field:
    """One field of a task: TOML type, meaning, range and limit, with a line of documentation.

    ``kind`` names a reader in :data:`KINDS` (empty: the TOML type is all);
    ``min``/``max`` bound a number inclusively, ``above`` exclusively; ``limit``
    names a row of :data:`workbench.core.limits.LIMITS` bounding an integer
    (or a list's length); ``choices`` lists the accepted strings (of every
    item, for an array); ``required`` marks a claim key that every claim table
    must have.
    """

    type: type | tuple[type, ...]
    doc: str = ""
    kind: str = ""
    min: float | None = None
    above: float | None = None
    max: float | None = None
    limit: str | None = None
    choices: tuple[str, ...] = ()
    required: bool = False   # a claim key every claim table must have

    def types(self) -> tuple[type, ...]:
        return self.type if isinstance(self.type, tuple) else (self.type,)

    def describe(self) -> str:
        """The type and range in words, for the reference and for messages."""
        names = {str: "string", int: "integer", float: "number", bool: "boolean",
                 list: "array", dict: "table"}
        text = " or ".join(names[t] for t in self.types())
        if self.kind:
            text += f" ({KIND_WORDS[self.kind]})"
        bounds = []
        if self.min is not None:
            bounds.append(f"≥ {self.min:g}")
        if self.above is not None:
            bounds.append(f"> {self.above:g}")
        if self.max is not None:
            bounds.append(f"≤ {self.max:g}")
        if self.limit:
            lim = limits.LIMITS[self.limit]
            bounds.append(f"{'length ' if list in self.types() else ''}"
                          f"≤ {lim.maximum} {lim.unit}")
        if self.choices:
            bounds.append(("each " if list in self.types() else "")
                          + "one of " + ", ".join(self.choices))
        return text + (f"; {', '.join(bounds)}" if bounds else "")


#: The deepest nesting of arrays and tables accepted inside one field.
MAX_DEPTH = 6


def _type_name(types: tuple[type, ...]) -> str:
    return " or ".join(t.__name__ for t in types)


def _depth(value) -> int:
    """Nesting depth of arrays and tables, without recursion (a hostile file nests deeply)."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        v, d = stack.pop()
        deepest = max(deepest, d)
        if d > MAX_DEPTH:
            break
        if isinstance(v, dict):
            stack.extend((x, d + 1) for x in v.values())
        elif isinstance(v, list):
            stack.extend((x, d + 1) for x in v)
    return deepest


def check_type(value, types: tuple[type, ...], where: str) -> None:
    """TOML type check; an integer is accepted where a float is expected, a boolean never."""
    if float in types and isinstance(value, int) and not isinstance(value, bool):
        return
    if isinstance(value, bool) and bool not in types:
        raise InputError(f"{where}: expected {_type_name(types)}, got a boolean")
    if not isinstance(value, types):
        raise InputError(f"{where}: expected {_type_name(types)}, "
                         f"got {type(value).__name__} {value!r:.60}")


def _item(where: str, i: int) -> str:
    """The location of item ``i`` of a list field: ``field 'h'`` becomes ``field 'h[2]'``."""
    return f"{where[:-1]}[{i}]'" if where.endswith("'") else f"{where}[{i}]"


def _range(field: Field, value: float, where: str) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise InputError(f"{where}: {value} is not a finite number")
    if field.min is not None and value < field.min:
        raise InputError(f"{where}: {value} is below the minimum {field.min:g}")
    if field.above is not None and value <= field.above:
        raise InputError(f"{where}: {value} must be greater than {field.above:g}")
    if field.max is not None and value > field.max:
        raise InputError(f"{where}: {value} is over the maximum {field.max:g}")


def read(field: Field, value, where: str, folder: Path):
    """Check ``value`` against ``field`` (``where`` names it) and return it normalized.

    ``folder`` is the exercise file's folder, against which file references resolve.
    """
    if _depth(value) > MAX_DEPTH:
        raise InputError(f"{where}: arrays or tables nested more than {MAX_DEPTH} deep")
    check_type(value, field.types(), where)
    if isinstance(value, int | float) and not isinstance(value, bool):
        _range(field, value, where)
        if field.limit and isinstance(value, int):
            limits.check(field.limit, value, where)
    if isinstance(value, list) and field.limit:
        limits.check(field.limit, len(value), f"{where} (its length)")
    if field.choices:   # a list field: every item is one of the choices
        for item, at in ([(v, _item(where, i)) for i, v in enumerate(value)]
                         if isinstance(value, list) else [(value, where)]):
            if item not in field.choices:
                raise InputError(f"{at}: {item!r} is not one of {', '.join(field.choices)}")
    if field.kind:
        try:
            return KINDS[field.kind](field, value, where, folder)
        except WorkbenchError as exc:
            if str(exc).startswith(where):
                raise
            raise InputError(f"{where}: {exc}") from None
    return value


# ---------------------------------------------------------------------------- readers


def _expr(field, value, where, folder):
    parse(value)
    return value


def _exprs(field, value, where, folder):
    for i, v in enumerate(value):
        check_type(v, (str,), _item(where, i))
        try:
            parse(v)
        except WorkbenchError as exc:
            raise InputError(f"{_item(where, i)}: {exc}") from None
    return value


def _matrix_expr(field, value, where, folder):
    from ..matrix_calculus.parse import read as read_matrix

    read_matrix(value)
    return value


def _point(field, value, where, folder):
    parse_assignments(value)
    return value


def _names(field, value, where, folder) -> list[str] | str:
    # the forms the matrix front end reads too: "A, B", "A B", "A;B"
    names = value.replace(";", ",").replace(" ", ",").split(",") if isinstance(value, str) \
        else value
    names = [n for n in names if not isinstance(n, str) or n.strip()]
    for i, name in enumerate(names):
        check_type(name, (str,), _item(where, i))
        if not name.strip().isidentifier():
            raise InputError(f"{where}: {name!r} is not a variable name")
    if len(set(names)) != len(names):
        raise InputError(f"{where}: a name is given twice")
    return [n.strip() for n in names]


def _name(field, value, where, folder):
    if not value.strip().isidentifier():
        raise InputError(f"{where}: {value!r} is not a variable name")
    return value


def _number(field, value, where, folder):
    """A constant, as text (``"1/3"``, ``"pi/2"``) or a TOML number, in the field's range."""
    number = float(parse_number(value)) if isinstance(value, str) else value
    _range(field, number, where)
    return value


def _limit_value(field, value, where, folder):
    if value not in ("oo", "-oo", "dne"):
        parse_number(value)
    return value


def _numbers(field, value, where, folder):
    for i, v in enumerate(value):
        check_type(v, (str, int, float), _item(where, i))
        _number(field, v, _item(where, i), folder)
    return value


def _floats(field, value, where, folder):
    for i, v in enumerate(value):
        check_type(v, (float,), _item(where, i))
        _range(field, v, _item(where, i))
    return value


def _units(field, value, where, folder):
    for i, v in enumerate(value):
        check_type(v, (int,), _item(where, i))
        if v < 1:
            raise InputError(f"{_item(where, i)}: a layer needs at least 1 unit, got {v}")
        limits.check("layer_width", v, _item(where, i))
    return value


def _sizes(field, value, where, folder):
    if not value:
        raise InputError(f"{where}: at least one size is needed")
    for i, v in enumerate(value):
        check_type(v, (int,), _item(where, i))
        limits.check("matrix_dimension", v, _item(where, i))
    return value


def _interval(field, value, where, folder):
    if len(value) != 2:
        raise InputError(f"{where}: two numbers [lo, hi], got {len(value)}")
    _floats(field, value, where, folder)
    if not value[0] < value[1]:
        raise InputError(f"{where}: lo = {value[0]} must be below hi = {value[1]}")
    return value


def _proof_file(field, value, where, folder):
    path = Path(value)
    if path.is_absolute() or ".." in path.parts or path.suffix != ".toml":
        raise InputError(f"{where}: {value!r}: a proof is a relative path to a .toml file "
                         "in the exercise file's folder or a folder above it, without '..'")
    for base in (folder, *folder.parents):
        candidate = base / path
        if candidate.is_file():
            return value
    raise InputError(f"{where}: no proof file {value!r} next to the exercise file or above it")


#: How each kind of value is read.
KINDS: dict[str, Callable] = {
    "expr": _expr, "exprs": _exprs, "matrix_expr": _matrix_expr, "point": _point,
    "names": _names, "name": _name, "number": _number, "numbers": _numbers,
    "proof_file": _proof_file, "limit_value": _limit_value, "floats": _floats,
    "units": _units, "sizes": _sizes, "interval": _interval,
}

KIND_WORDS = {
    "expr": "a math expression", "exprs": "math expressions",
    "matrix_expr": "a matrix expression in NumPy syntax", "point": 'a point, "x=3,y=0.5"',
    "names": 'variable names, ["x", "y"] or "x, y"', "name": "one variable name",
    "number": 'a constant: a number or text such as "1/3"', "numbers": "constants",
    "proof_file": "a proof file, relative to the exercise file's folder or one above it",
    "limit_value": 'a constant, "oo", "-oo" or "dne"', "floats": "numbers",
    "units": "positive integers", "sizes": "matrix sizes n (n × n), each ≤ "
    f"{limits.LIMITS['matrix_dimension'].maximum}",
    "interval": "two numbers [lo, hi], lo < hi",
}

# Shared declarations: one spelling per concept across tasks.
EXPR = Field(str, "the function, e.g. \"x**2*y + exp(y)\"", kind="expr")
VARIABLES = Field((str, list), "the variables, in order (default: the free names, sorted)",
                  kind="names")
POINT = Field(str, "a point, exact: 0.5 means 1/2", kind="point")
SEED = Field(int, "random seed", min=0)
STEPS = Field(int, "iteration budget", min=1, limit="iterations")
LEARNING_RATE = Field(float, "learning rate", above=0)
