"""What a task returns: typeset-able blocks, checks, and claim verdicts.

Blocks are plain data; each output format is a printer with one method per
block type (see :mod:`workbench.sheets.latex`).  ``Math`` and ``Steps`` carry
LaTeX produced by :func:`workbench.core.printing.to_latex`; every ``str`` field that
holds prose is user text and is escaped by the printer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Text:
    """A paragraph of prose (escaped when printed)."""

    text: str


@dataclass
class Math:
    """One displayed equation, already LaTeX."""

    latex: str


@dataclass
class Steps:
    """An aligned derivation: ``(lhs, rhs, note)`` rows, LaTeX, note is prose."""

    rows: list[tuple[str, str, str]]


@dataclass
class Boxed:
    """The answer, boxed: a prose label and a LaTeX body."""

    label: str
    latex: str


@dataclass
class Table:
    """A booktabs table. Cells are prose unless the column is listed in ``math_columns``."""

    header: list[str]
    rows: list[list[str]]
    caption: str = ""
    math_columns: tuple[int, ...] = ()


@dataclass
class Figure:
    """A figure file (PDF or PNG) written by the task into the build's figure folder."""

    path: Path
    caption: str
    width: str = "0.8\\textwidth"


@dataclass
class RawLatex:
    """LaTeX made by an engine's own printer (e.g. a trace table or TikZ graph)."""

    latex: str


@dataclass
class Code:
    """Source code shown as code (a listing in monospace), never as prose or math."""

    code: str
    language: str = "python"
    caption: str = ""


Block = Text | Math | Steps | Boxed | Table | Figure | RawLatex | Code


@dataclass
class Check:
    """One machine check: what was checked, whether it passed, and the evidence."""

    name: str
    passed: bool
    detail: str = ""


@dataclass
class Claim:
    """A statement from the source material and whether it holds."""

    statement: str
    holds: bool
    detail: str = ""


@dataclass
class Outcome:
    """Everything a task produced for one exercise."""

    blocks: list[Block] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    def add(self, *blocks: Block) -> Outcome:
        self.blocks.extend(blocks)
        return self

    def check(self, name: str, passed: bool, detail: str = "") -> bool:
        self.checks.append(Check(name, bool(passed), detail))
        return bool(passed)

    def claim(self, statement: str, holds: bool, detail: str = "") -> None:
        self.claims.append(Claim(statement, bool(holds), detail))


@dataclass
class InstructorOnly:
    """Blocks that only the instructor edition prints: certificates, tolerances, tool notes.

    A student edition (problems, solutions) names no tool, install or project
    file; the evidence behind an answer (which references agreed, to what
    tolerance) belongs to the instructor (see :mod:`workbench.sheets.editions`).
    """

    blocks: list[Block]
