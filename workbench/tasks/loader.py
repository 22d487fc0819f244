r"""Exercise files: TOML, validated field by field with located errors.

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
    claimed = { minimum = "x=3,y=0.5" }           # what the source states (judged)
    answer = { minimum = "x=3,y=0.5" }            # the author's own key (asserted)
    prose = { ... }                               # the course's paragraphs, by name

Every field is checked here, against the task's declarations
(:mod:`workbench.tasks.schema`), before any exercise runs: its type, range and
stated limit, expressions and points parsed, proof files located, the keys of
``claimed`` and ``answer``.  Every error names the file, the exercise and the
field.  The format's reference, ``docs/exercise-files.md``, is generated from
the same declarations (``python -m workbench.tasks.reference``).

>>> import tempfile, pathlib
>>> bad = pathlib.Path(tempfile.mkdtemp()) / "bad.toml"
>>> _ = bad.write_text('[sheet]\ntitle = "T"\n[[exercise]]\nid = "q1"\ntask = "critical"\n'
...                    'expr = "x**2"\nclaimed = { minimun = "x=0" }\n')
>>> try:
...     load(bad)
... except InputError as exc:
...     print(str(exc).split(": ", 2)[2])
field 'claimed.minimun': not a key of claimed for task 'critical' (allowed: minimum)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..core.errors import InputError
from ..core.texmath import prose_problem
from ..core.tomlfile import read_toml
from .registry import Exercise, TaskSpec, load_all
from .schema import check_type, read

COMMON = {"id", "title", "task", "statement", "claimed", "answer", "source", "prose"}


@dataclass
class ExerciseFile:
    path: Path
    title: str
    source: str
    exercises: list[Exercise]
    preamble: str = ""


def _claims(spec: TaskSpec, value, key: str, where: str, folder: Path):
    """``claimed`` or ``answer`` checked against the task's declared claim keys."""
    if not spec.claims:
        raise InputError(f"{where}: field '{key}': task '{spec.name}' takes no {key}")
    if spec.claim_list and isinstance(value, list):   # one table per claim
        return [_claim_table(spec, item, f"{key}[{i}]", where, folder)
                for i, item in enumerate(value)]
    return _claim_table(spec, value, key, where, folder)


def _claim_table(spec: TaskSpec, value, key: str, where: str, folder: Path) -> dict:
    allowed = ", ".join(sorted(spec.claims))
    if not isinstance(value, dict):
        raise InputError(f"{where}: field '{key}': expected a table of claims such as "
                         f"{{ {next(iter(spec.claims))} = ... }} (keys: {allowed}), "
                         f"got {type(value).__name__} {value!r:.40}")
    out = {}
    for k, v in value.items():
        if k not in spec.claims:
            raise InputError(f"{where}: field '{key}.{k}': not a key of {key.split('[')[0]} "
                             f"for task '{spec.name}' (allowed: {allowed})")
        out[k] = read(spec.claims[k], v, f"{where}: field '{key}.{k}'", folder)
    missing = [k for k, f in spec.claims.items() if f.required and k not in out]
    if missing:
        raise InputError(f"{where}: field '{key}.{missing[0]}': required in every claim")
    return out


def _prose(spec: TaskSpec, value, where: str) -> dict[str, str]:
    """The ``prose`` table: one string per paragraph the task declares."""
    if not spec.prose:
        raise InputError(f"{where}: field 'prose': task '{spec.name}' prints no paragraphs "
                         "of its own (use 'statement')")
    allowed = ", ".join(sorted(spec.prose))
    if not isinstance(value, dict):
        raise InputError(f"{where}: field 'prose': expected a table of paragraphs "
                         f"(keys: {allowed}), got {type(value).__name__}")
    for k, v in value.items():
        if k not in spec.prose:
            raise InputError(f"{where}: field 'prose.{k}': not a paragraph of task "
                             f"'{spec.name}' (allowed: {allowed})")
        check_type(v, (str,), f"{where}: field 'prose.{k}'")
        check_prose(v, f"{where}: field 'prose.{k}'")
    return dict(value)


def check_prose(text: str, where: str) -> None:
    """Refuse prose whose inline math ``$…$`` leaves the safe subset of :mod:`~.core.texmath`."""
    problem = prose_problem(text)
    if problem:
        raise InputError(f"{where}: inline math: {problem} is not allowed in $…$ (allowed: "
                         "Greek letters, \\frac, \\sum, \\nabla, \\partial, ^, _, … ; "
                         "write \\$ for a dollar sign)")


def _exercise(item: dict, i: int, name: str, tasks: dict, folder: Path) -> Exercise:
    """One ``[[exercise]]`` table checked field by field."""
    if not isinstance(item, dict):
        raise InputError(f"{name}: exercise #{i} is not a table")
    ex_id = item.get("id")
    if not isinstance(ex_id, str) or not ex_id.strip():
        raise InputError(f"{name}: exercise #{i}: field 'id': a non-empty string is required")
    where = f"{name}: exercise '{ex_id}'"
    task_name = item.get("task")
    if task_name not in tasks:
        raise InputError(f"{where}: field 'task': unknown task {task_name!r} "
                         f"(known: {', '.join(sorted(tasks))})")
    spec = tasks[task_name]
    for key in ("title", "statement", "source"):
        if key in item:
            check_type(item[key], (str,), f"{where}: field '{key}'")
            check_prose(item[key], f"{where}: field '{key}'")
    fields = {k: v for k, v in item.items() if k not in COMMON}
    for key in spec.required:
        if key not in fields:
            raise InputError(f"{where}: field '{key}': required by task '{task_name}'")
    for key, value in fields.items():
        declared = spec.required.get(key, spec.optional.get(key))
        if declared is None:
            allowed = sorted(set(spec.required) | set(spec.optional) | COMMON)
            raise InputError(f"{where}: field '{key}': not a field of task '{task_name}' "
                             f"(allowed: {', '.join(allowed)})")
        fields[key] = read(declared, value, f"{where}: field '{key}'", folder)
    claimed, answer = (_claims(spec, item[k], k, where, folder) if k in item else None
                       for k in ("claimed", "answer"))
    prose = _prose(spec, item["prose"], where) if "prose" in item else {}
    return Exercise(name, ex_id, item.get("title", ex_id), task_name, item.get("statement", ""),
                    fields, claimed, item.get("source", ""), answer, prose)


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
    unknown_sheet = set(sheet) - {"title", "source", "preamble"}
    if unknown_sheet:
        raise InputError(f"{name}: [sheet]: unknown key(s): {', '.join(sorted(unknown_sheet))} "
                         "(allowed: preamble, source, title)")
    for key in ("source", "preamble"):
        if key in sheet:
            check_type(sheet[key], (str,), f"{name}: [sheet]: {key}")
    for key in ("title", "source", "preamble"):
        if key in sheet:
            check_prose(sheet[key], f"{name}: [sheet]: {key}")
    unknown_top = set(data) - {"sheet", "exercise"}
    if unknown_top:
        raise InputError(f"{name}: unknown top-level table(s): {', '.join(sorted(unknown_top))}")
    tasks = load_all()
    seen: set[str] = set()
    exercises = []
    for i, item in enumerate(raw, 1):
        ex = _exercise(item, i, name, tasks, path.resolve().parent)
        if ex.id in seen:
            raise InputError(f"{name}: exercise '{ex.id}': field 'id': duplicate id")
        seen.add(ex.id)
        exercises.append(ex)
    return ExerciseFile(path, sheet["title"], sheet.get("source", ""), exercises,
                        sheet.get("preamble", ""))
