"""Run exercises: each task under a guard, so one failure is reported, not fatal."""

from __future__ import annotations

from ..errors import WorkbenchError
from .model import Outcome, Text
from .registry import TASKS, Context, Exercise, load_all


def run(ex: Exercise, ctx: Context) -> Outcome:
    """The task's outcome; an error inside a task becomes a failed, located check.

    A task error is not bad input (the file was validated): it means the
    exercise could not be solved or checked, which is a verification failure.
    """
    load_all()
    try:
        return TASKS[ex.task].handler(ex, ctx)
    except WorkbenchError as exc:
        out = Outcome()
        out.add(Text(f"This exercise could not be completed: {exc}"))
        out.check("task ran", False, f"{ex.where()}: {exc}")
        return out
