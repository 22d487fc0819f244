"""The task table: task name -> (handler, field specification).

Tasks register themselves, so adding a capability to the sheets is one new
module under :mod:`workbench.tasks` plus its name in :data:`TASK_MODULES`::

    @task("derive", required={"expr": str}, optional={"wrt": list, "at": dict})
    def derive(ex: Exercise, ctx: Context) -> Outcome:
        ...
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .model import Outcome

#: Modules under workbench.tasks that define tasks.
TASK_MODULES = ["derive", "fd", "trace", "optim", "proof", "matrix", "lab", "course"]


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
    name: str
    handler: Callable[[Exercise, Context], Outcome]
    required: dict[str, type | tuple[type, ...]]
    optional: dict[str, type | tuple[type, ...]]


TASKS: dict[str, TaskSpec] = {}


def task(name: str, required: dict | None = None, optional: dict | None = None):
    """Register ``handler`` as the task ``name`` with its field types."""

    def register(handler):
        TASKS[name] = TaskSpec(name, handler, required or {}, optional or {})
        return handler

    return register


def load_all() -> dict[str, TaskSpec]:
    """Import every task module once and return the table."""
    for module in TASK_MODULES:
        importlib.import_module(f".{module}", __package__)
    return TASKS
