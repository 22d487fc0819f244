"""The task table: task name -> (handler, field declarations).

Tasks register themselves, so adding a capability to the sheets is one new
module under :mod:`workbench.tasks` plus its name in :data:`TASK_MODULES`.
Each declares its fields once (:class:`~workbench.tasks.schema.Field`, or a
bare TOML type), and the keys its ``claimed``/``answer`` tables may hold; the
loader checks them all before any task runs, and the format's reference
(``docs/exercise-files.md``) is generated from the same declarations::

    @task("derive", required={"expr": EXPR}, optional={"wrt": VARIABLES, "at": POINT},
          claims={"gradient": Field(list, "the gradient", kind="exprs")})
    def derive(ex: Exercise, ctx: Context) -> Outcome:
        ...
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .model import Outcome
from .schema import Field

#: Modules under workbench.tasks that define tasks.
TASK_MODULES = ["derive", "fd", "fd_step", "floating_point", "trace", "stepping", "rates",
                "preconditioned", "learning", "proof", "matrix", "lab_linear", "lab_images",
                "course", "rules"]


@dataclass
class Exercise:
    """One exercise from a file: common fields plus the task's own fields."""

    file: str
    id: str
    title: str
    task: str
    statement: str
    fields: dict[str, Any]
    claimed: Any = None
    source: str = ""
    answer: Any = None   # the author's own answer key: a wrong one fails the exercise
    prose: dict[str, str] = field(default_factory=dict)   # the course's named paragraphs

    def paragraph(self, name: str) -> str:
        """The exercise file's paragraph ``name`` (declared by the task), or ''."""
        return self.prose.get(name, "")

    def where(self, field_name: str | None = None) -> str:
        """'file: exercise id: field name' for error messages."""
        out = f"{self.file}: exercise '{self.id}'"
        return f"{out}: field '{field_name}'" if field_name else out


@dataclass
class Context:
    """Where a task may write figures, and whether it should."""

    figure_dir: Path | None = None
    figures: bool = True

    def figure_path(self, ex: Exercise, name: str) -> Path | None:
        if not self.figures or self.figure_dir is None:
            return None
        self.figure_dir.mkdir(parents=True, exist_ok=True)
        safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in f"{ex.id}-{name}")
        return self.figure_dir / f"{safe}.pdf"


@dataclass
class TaskSpec:
    """A task: its handler, its fields, and the keys of its claims (``claimed``/``answer``).

    ``claims`` maps each key to its :class:`Field`; ``claim_list`` marks tasks
    whose claims are a list of tables (one per claim) rather than one table.
    ``prose`` names the paragraphs an exercise file may give the task (its
    ``prose`` table) and says where each is printed: the course's words live in
    the course's files, the task only places them.
    """

    name: str
    handler: Callable[[Exercise, Context], Outcome]
    required: dict[str, Field]
    optional: dict[str, Field]
    claims: dict[str, Field] = field(default_factory=dict)
    claim_list: bool = False
    example: str = ""
    prose: dict[str, str] = field(default_factory=dict)

    @property
    def doc(self) -> str:
        return (self.handler.__doc__ or "").strip().splitlines()[0]


TASKS: dict[str, TaskSpec] = {}


def _fields(spec: dict | None) -> dict[str, Field]:
    """Declarations as :class:`Field` objects (a bare type means 'this TOML type')."""
    return {k: v if isinstance(v, Field) else Field(v) for k, v in (spec or {}).items()}


def task(name: str, required: dict | None = None, optional: dict | None = None,
         claims: dict | None = None, claim_list: bool = False, example: str = "",
         prose: dict[str, str] | None = None):
    """Register ``handler`` as the task ``name`` with its field declarations.

    ``example`` is a short exercise in TOML for the format's reference;
    ``prose`` maps each paragraph the task can print to where it goes.
    """

    def register(handler):
        TASKS[name] = TaskSpec(name, handler, _fields(required), _fields(optional),
                               _fields(claims), claim_list, example.strip(), dict(prose or {}))
        return handler

    return register


def load_all() -> dict[str, TaskSpec]:
    """Import every task module once and return the table."""
    for module in TASK_MODULES:
        importlib.import_module(f".{module}", __package__)
    return TASKS
