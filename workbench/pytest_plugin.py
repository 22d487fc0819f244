"""Exercise files and proofs as pytest test items: ``pytest exercises/ proofs/``.

Registered through the ``pytest11`` entry point, so installing the workbench
is enough (or load it by hand: ``pytest -p workbench.pytest_plugin``).  Every
``*.toml`` file with a ``[sheet]`` table (an exercise file) or a ``[proof]``
table (a proof) is collected:

* one item per exercise, ``hw1.toml::q4-forward``: it runs the task exactly as
  ``workbench verify`` does and fails when any check fails - a wrong ``answer``
  included; a false ``claimed`` fails only with ``--workbench-strict``;
* one item per proof, ``hw1-q1-beta-smooth-lemma.toml::hw1-q1-beta-smooth-lemma``:
  every step, goal and claim verified.

A failure is reported as located lines (file, exercise, check, why), not as a
traceback.  A file that does not load (a field out of range, an unknown key)
is a collection error with the loader's one-line message.  Items carry the
markers ``workbench`` and ``task_<name>`` (e.g. ``-m task_derive``) and
``slow`` for the tasks that train or iterate (``-m "not slow"``); ``-k``,
``-x`` and pytest-xdist work as for any test.

>>> sorted(SLOW_TASKS)[:3]
['classifier', 'convergence', 'factorize']
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .core.errors import WorkbenchError

# The engines are imported when a workbench file is collected, not when pytest starts:
# installing the workbench must not slow down every other project's test runs.

#: Tasks whose items take more than a few seconds (training runs, optimizer runs).
SLOW_TASKS = frozenset({"classifier", "convergence", "factorize", "local_rate", "mlp",
                        "optimize", "preconditioned"})


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("workbench", "exercise files and proofs")
    group.addoption("--workbench-strict", action="store_true",
                    help="exercise items also fail on source claims (claimed) that do not hold")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "workbench: an exercise or proof from a workbench file")
    config.addinivalue_line("markers", "slow: takes more than a few seconds")


def _task_markers(config: pytest.Config) -> None:
    """Register ``task_<name>`` for every task (once, on the first exercise file)."""
    from .tasks.registry import load_all

    if getattr(config, "_workbench_task_markers", False):
        return
    for name in sorted(load_all()):
        config.addinivalue_line("markers", f"task_{name}: an exercise of task '{name}'")
    config._workbench_task_markers = True


def _kind(path: Path) -> str | None:
    """'sheet' or 'proof' for the workbench's TOML files, None for any other TOML file."""
    try:
        head = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    lines = {line.strip() for line in head.splitlines()}
    return "sheet" if "[sheet]" in lines else "proof" if "[proof]" in lines else None


def pytest_collect_file(file_path: Path, parent: pytest.Collector):
    if file_path.suffix == ".toml":
        kind = _kind(file_path)
        if kind == "sheet":
            return ExerciseFile.from_parent(parent, path=file_path)
        if kind == "proof":
            return ProofFile.from_parent(parent, path=file_path)
    return None


class WorkbenchFailure(Exception):
    """The located reasons an exercise or proof failed."""


class _Item(pytest.Item):
    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, WorkbenchFailure | WorkbenchError):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        return self.path, None, f"{self.path.name}::{self.name}"


class ExerciseFile(pytest.File):
    def collect(self):
        from .tasks import loader

        _task_markers(self.config)
        try:
            sheet = loader.load(self.path)
        except WorkbenchError as exc:
            raise self.CollectError(str(exc)) from None
        for ex in sheet.exercises:
            item = ExerciseItem.from_parent(self, name=ex.id, exercise=ex)
            item.add_marker("workbench")
            item.add_marker(f"task_{ex.task}")
            if ex.task in SLOW_TASKS:
                item.add_marker("slow")
            yield item


class ExerciseItem(_Item):
    def __init__(self, *, exercise, **kwargs):
        super().__init__(**kwargs)
        self.exercise = exercise

    def runtest(self) -> None:
        from .core.texmath import plain
        from .tasks import runner
        from .tasks.registry import Context

        out = runner.run(self.exercise, Context(figures=False))
        where = f"{self.path.name}::{self.name}"
        reasons = [f"{where}: {c.name}: {c.detail}" for c in out.checks if not c.passed]
        if self.config.getoption("workbench_strict"):
            reasons += [f"{where}: source claim does not hold: {c.statement} ({c.detail})"
                        for c in out.claims if not c.holds]
        if reasons:  # a terminal shows them: inline math loses its dollars
            raise WorkbenchFailure("\n".join(plain(r) for r in reasons))


class ProofFile(pytest.File):
    def collect(self):
        from . import proof as proofs

        try:
            loaded = proofs.load(self.path)
        except WorkbenchError as exc:
            raise self.CollectError(str(exc)) from None
        item = ProofItem.from_parent(self, name=loaded.id, loaded=loaded)
        item.add_marker("workbench")
        yield item


class ProofItem(_Item):
    def __init__(self, *, loaded, **kwargs):
        super().__init__(**kwargs)
        self.loaded = loaded

    def runtest(self) -> None:
        from . import proof as proofs

        result = proofs.check(self.loaded)
        if result.failures:
            raise WorkbenchFailure("\n".join(result.failures))
