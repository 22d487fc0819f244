"""Exercise files: TOML, validated field by field with located errors.

Layout::

    [sheet]
    title = "HW1 - Optimization and automatic differentiation"
    source = "hw1-optimization-autodiff.md"      # optional

    [[exercise]]
    id = "task1"                                  # unique in the file
    title = "The Beale function"
    task = "critical"                             # a registered task
    statement = "Find the global minimum ..."     # prose, escaped when typeset
    expr = "(1.5 - x + x*y)**2 + ..."             # task fields ...
    claimed = { point = "x=3,y=0.5" }             # what the source states (checked)

Every error names the file, the exercise and the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..core.errors import InputError
from ..core.tomlfile import read_toml
from .registry import Exercise, load_all

COMMON = {"id", "title", "task", "statement", "claimed", "source"}


@dataclass
class ExerciseFile:
    path: Path
    title: str
    source: str
    exercises: list[Exercise]
    preamble: str = ""


def _type_name(t) -> str:
    if isinstance(t, tuple):
        return " or ".join(x.__name__ for x in t)
    return t.__name__


def _check_type(value, expected, where: str) -> None:
    types = expected if isinstance(expected, tuple) else (expected,)
    if float in types and isinstance(value, int) and not isinstance(value, bool):
        return
    if isinstance(value, bool) and bool not in types:
        raise InputError(f"{where}: expected {_type_name(expected)}, got a boolean")
    if not isinstance(value, types):
        raise InputError(f"{where}: expected {_type_name(expected)}, "
                         f"got {type(value).__name__} {value!r:.60}")


def load(path: str | Path) -> ExerciseFile:
    """Read and validate one exercise file."""
    path = Path(path)
    name = str(path)
    data = read_toml(path, "exercise")
    sheet = data.get("sheet")
    if not isinstance(sheet, dict) or not isinstance(sheet.get("title"), str):
        raise InputError(f"{name}: needs a [sheet] table with a string 'title'")
    raw = data.get("exercise")
    if not isinstance(raw, list) or not raw:
        raise InputError(f"{name}: needs at least one [[exercise]]")
    unknown_top = set(data) - {"sheet", "exercise"}
    if unknown_top:
        raise InputError(f"{name}: unknown top-level table(s): {', '.join(sorted(unknown_top))}")
    tasks = load_all()
    seen: set[str] = set()
    exercises = []
    for i, item in enumerate(raw, 1):
        if not isinstance(item, dict):
            raise InputError(f"{name}: exercise #{i} is not a table")
        ex_id = item.get("id")
        if not isinstance(ex_id, str) or not ex_id.strip():
            raise InputError(f"{name}: exercise #{i}: field 'id': a non-empty string is required")
        where = f"{name}: exercise '{ex_id}'"
        if ex_id in seen:
            raise InputError(f"{where}: field 'id': duplicate id")
        seen.add(ex_id)
        task_name = item.get("task")
        if task_name not in tasks:
            raise InputError(f"{where}: field 'task': unknown task {task_name!r} "
                             f"(known: {', '.join(sorted(tasks))})")
        spec = tasks[task_name]
        for key in ("title", "statement", "source"):
            if key in item:
                _check_type(item[key], str, f"{where}: field '{key}'")
        fields = {k: v for k, v in item.items() if k not in COMMON}
        for key in spec.required:
            if key not in fields:
                raise InputError(f"{where}: field '{key}': required by task '{task_name}'")
        for key, value in fields.items():
            expected = spec.required.get(key, spec.optional.get(key))
            if expected is None:
                allowed = sorted(set(spec.required) | set(spec.optional) | COMMON)
                raise InputError(f"{where}: field '{key}': not a field of task '{task_name}' "
                                 f"(allowed: {', '.join(allowed)})")
            _check_type(value, expected, f"{where}: field '{key}'")
        exercises.append(Exercise(name, ex_id, item.get("title", ex_id), task_name,
                                  item.get("statement", ""), fields, item.get("claimed"),
                                  item.get("source", "")))
    return ExerciseFile(path, sheet["title"], sheet.get("source", ""), exercises,
                        sheet.get("preamble", ""))
