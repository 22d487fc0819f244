"""Incremental sheets: each exercise's outcome kept under a hash of all that determines it.

An outcome (blocks, checks, claims and the figure files it refers to) is a pure
function of

* the exercise: its file name, id, title, statement, task, fields, ``claimed``
  and ``answer`` tables, and whether figures are drawn;
* the code: every source and template file of the installed ``workbench``
  package that a task can import — the layers from ``tasks`` down; the
  printers, commands and grading above them cannot change an outcome (the
  layers contract forbids tasks to import them) — and the versions of the
  libraries whose numbers it prints (SymPy, mpmath, NumPy, SciPy, JAX, matplotlib).

Their SHA-256 is the entry's name, so editing one exercise recomputes that
exercise only, and any change of code recomputes everything (a coarse but safe
notion of "the relevant code").  An entry is a folder holding ``outcome.json``
and the figures; it is written under a temporary name and renamed into place,
so a build that is killed leaves no half entry, and two builds that finish the
same entry at once keep whichever renamed first (both are the same outcome).
Entries are JSON, never pickles: loading one runs no code.

>>> from workbench.tasks.model import Outcome, Text
>>> out = Outcome([Text("a")]); out.check("gradient vs JAX", True, "1e-16")
True
>>> decode(encode(out)) == out
True
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import tempfile
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from ..core.cachedir import cache_dir
from . import model
from .registry import Context, Exercise

#: Libraries whose version can change a printed number or a figure.
LIBRARIES = ("sympy", "mpmath", "numpy", "scipy", "jax", "matplotlib")

#: Parts of the package above the tasks' layer: they print outcomes, never make them.
ABOVE_TASKS = ("sheets", "commands", "grading", "cli.py", "pytest_plugin.py", "__main__.py")

#: The classes an outcome is made of, by name: what :func:`decode` may build.
CLASSES = {c.__name__: c for c in vars(model).values()
           if isinstance(c, type) and dataclasses.is_dataclass(c)}


@cache
def code_hash() -> str:
    """SHA-256 of the sources and templates below :data:`ABOVE_TASKS`, and of library versions."""
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix != ".pyc"
                       and p.relative_to(root).parts[0] not in ABOVE_TASKS):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    for name in LIBRARIES:
        try:
            digest.update(f"{name}={metadata.version(name)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{name}=absent".encode())
    return digest.hexdigest()


def key(ex: Exercise, ctx: Context) -> str:
    """The entry name of ``ex``'s outcome: a hash of the exercise and of the code."""
    what = {"exercise": dataclasses.asdict(ex), "figures": ctx.figures, "code": code_hash()}
    text = json.dumps(what, sort_keys=True, default=repr, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def encode(value: Any) -> Any:
    """JSON-able form of an outcome: dataclasses become ``{"type": name, ...fields}``."""
    if dataclasses.is_dataclass(value):
        fields = {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"type": type(value).__name__, "fields": fields}
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    if isinstance(value, Path):
        return {"type": "Path", "path": value.as_posix()}
    return value


def decode(value: Any) -> Any:
    """The inverse of :func:`encode`; only :data:`CLASSES` and paths are built."""
    if isinstance(value, list):
        return [decode(v) for v in value]
    if isinstance(value, dict) and value.get("type") == "Path":
        return Path(value["path"])
    if isinstance(value, dict) and value.get("type") in CLASSES:
        cls = CLASSES[value["type"]]
        return cls(**{k: _tuple_if(cls, k, decode(v)) for k, v in value["fields"].items()})
    return value


def _tuple_if(cls: type, name: str, value: Any) -> Any:
    # JSON has no tuples: a field whose default or annotation is a tuple gets one back
    annotation = str({f.name: f.type for f in dataclasses.fields(cls)}.get(name, ""))
    if isinstance(value, list) and annotation.startswith("tuple"):
        return tuple(value)
    if isinstance(value, list) and "tuple[" in annotation.removeprefix("list["):
        return [tuple(v) if isinstance(v, list) else v for v in value]
    return value


class OutcomeCache:
    """Outcomes on disk, one folder per :func:`key`; ``root`` defaults to the user's cache."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(root) if root is not None else cache_dir("outcomes")
        self.root.mkdir(parents=True, exist_ok=True)

    def get(self, ex: Exercise, ctx: Context) -> model.Outcome | None:
        """The kept outcome of ``ex``, its figures copied into ``ctx``'s folder; None if absent."""
        entry = self.root / key(ex, ctx)
        try:
            outcome = decode(json.loads((entry / "outcome.json").read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            return None  # absent, or written by an incompatible version: recompute
        if not isinstance(outcome, model.Outcome):
            return None
        for block in outcome.blocks:
            if isinstance(block, model.Figure):
                if ctx.figure_dir is None or not (entry / block.path).is_file():
                    return None
                ctx.figure_dir.mkdir(parents=True, exist_ok=True)
                block.path = Path(shutil.copy2(entry / block.path,
                                               ctx.figure_dir / block.path.name))
        return outcome

    def put(self, ex: Exercise, ctx: Context, outcome: model.Outcome) -> None:
        """Keep ``outcome``: written under a temporary name, then renamed into place."""
        entry = self.root / key(ex, ctx)
        if entry.exists():
            return
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=self.root))
        try:
            kept = dataclasses.replace(outcome, blocks=[self._keep_figure(b, tmp)
                                                         for b in outcome.blocks])
            (tmp / "outcome.json").write_text(json.dumps(encode(kept)), encoding="utf-8")
            os.rename(tmp, entry)
        except OSError:  # another build renamed the same entry first, or the disk is full
            shutil.rmtree(tmp, ignore_errors=True)

    @staticmethod
    def _keep_figure(block: model.Block, tmp: Path) -> model.Block:
        if not isinstance(block, model.Figure):
            return block
        shutil.copy2(block.path, tmp / block.path.name)
        return dataclasses.replace(block, path=Path(block.path.name))

    def clear(self) -> int:
        """Remove every entry; return how many there were."""
        entries = [p for p in self.root.iterdir() if p.is_dir()]
        for p in entries:
            shutil.rmtree(p, ignore_errors=True)
        return len(entries)
