r"""Editions of a sheet: what a student, a TA and an instructor each read, from one set of outcomes.

Solving and checking an exercise is the expensive part of a build; printing
it is cheap.  So the outcomes are computed once and every edition is printed
from them:

* ``problems``: the title, the introduction and each exercise's statement;
* ``solutions`` (the default): the statement, the worked solution (the task's
  blocks), the boxed answer, and the source's claims, each with ✓ or ✗ and a
  one-line reason;
* ``instructor``: the solutions plus the machine checks, one line per exercise
  in the exercise ("12 checks passed: …", or the failures spelled out), and the
  full checks tables, with their evidence and tolerances, in an appendix.

A failed check is never dropped: in the student editions an exercise whose
checks failed says so in a framed note, and its result is printed as a result
that is *not* verified, never boxed as an answer.  Student editions name no
tool, install or file of the project: only the version line says "workbench".

>>> EDITIONS
('problems', 'solutions', 'instructor')
>>> editions(["all"])
('problems', 'solutions', 'instructor')
>>> editions(["instructor", "problems", "problems"])
('problems', 'instructor')
>>> output_stem("hw1", "solutions"), output_stem("hw1", "problems")
('hw1', 'hw1-problems')
"""

from __future__ import annotations

from collections.abc import Iterable

import jinja2

from .. import __version__
from ..core.errors import InputError
from ..tasks import model
from ..tasks.model import Boxed, InstructorOnly, Outcome
from .latex import SheetPrinter, escape

#: The editions, in the order they are written.
EDITIONS = ("problems", "solutions", "instructor")
#: The edition built when none is asked for; its files carry no edition suffix.
DEFAULT_EDITION = "solutions"
#: Editions handed to students: no tool names, installs or project files in them.
STUDENT_EDITIONS = ("problems", "solutions")

#: The line under the title of each edition.
_BYLINE = {
    "problems": "Problems",
    "solutions": "Worked solutions",
    "instructor": "Worked solutions with their machine checks (instructor edition)",
}
#: Check names listed by name in an exercise's one-line summary; the rest are counted.
_NAMED_CHECKS = 3
#: Characters of a failed check's evidence quoted in the one-line summary.
_DETAIL_CHARS = 160


def editions(names: Iterable[str] | str | None) -> tuple[str, ...]:
    """The editions asked for (``"all"`` for every one), in :data:`EDITIONS` order.

    An unknown name is bad input (:class:`InputError`, naming it and the choices).
    """
    if names is None:
        return (DEFAULT_EDITION,)
    names = [names] if isinstance(names, str) else list(names)
    wanted = set()
    for name in names:
        if name == "all":
            wanted.update(EDITIONS)
        elif name in EDITIONS:
            wanted.add(name)
        else:
            raise InputError(f"--edition: unknown edition {name!r}; choose "
                             f"{', '.join(EDITIONS)} or all")
    return tuple(e for e in EDITIONS if e in wanted) or (DEFAULT_EDITION,)


def output_stem(stem: str, edition: str) -> str:
    """The output file name of ``edition``: ``hw1`` for the default, ``hw1-problems`` else."""
    return stem if edition == DEFAULT_EDITION else f"{stem}-{edition}"


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("workbench.sheets", "templates"),
        block_start_string="((*", block_end_string="*))",
        variable_start_string="(((", variable_end_string=")))",
        comment_start_string="((#", comment_end_string="#))",
        autoescape=False, keep_trailing_newline=True, undefined=jinja2.StrictUndefined,
    )


def render(sheet, outcomes: dict[str, Outcome], edition: str = DEFAULT_EDITION) -> str:
    """The LaTeX document of ``edition`` for ``sheet`` given each exercise's outcome."""
    if edition not in EDITIONS:
        raise InputError(f"unknown edition {edition!r}; choose {', '.join(EDITIONS)}")
    printer = SheetPrinter()
    exercises, appendix = [], []
    for number, ex in enumerate(sheet.exercises, 1):
        out = outcomes[ex.id]
        body = []
        if ex.statement:
            body.append("\\paragraph{Problem.} " + escape(ex.statement, paragraphs=True) + "\n")
        if edition != "problems":
            body += _solution(printer, out, edition)
        if edition == "instructor":
            body.append(check_line(out, f"checks:{number}"))
            appendix.append({"title": escape(ex.title), "label": f"checks:{number}",
                             "table": checks_table(out.checks)})
        exercises.append({"title": escape(ex.title), "body": "\n".join(body)})
    return _environment().get_template("sheet.tex.j2").render(
        title=escape(sheet.title), byline=_BYLINE[edition], version=__version__,
        intro=_intro(sheet, edition), exercises=exercises, appendix=appendix)


def _intro(sheet, edition: str) -> str:
    intro = escape(sheet.preamble, paragraphs=True) + "\n\n" if sheet.preamble else ""
    if sheet.source:
        intro += f"Source: {escape(sheet.source)}.\n"
    if edition == "problems":
        return intro
    intro += ("Every answer below was derived symbolically and checked against independent "
              "numerical references; statements taken from the source are marked \\claimok{} "
              "(holds) or \\claimbad{} (does not hold), each with its reason.\n")
    if edition == "instructor":
        intro += ("Each exercise ends with its machine checks in one line; "
                  "Appendix~\\ref{checks} lists every check with its evidence and tolerance.\n")
    return intro


def _solution(printer: SheetPrinter, out: Outcome, edition: str) -> list[str]:
    """The worked solution; a solution whose checks failed is flagged, its answer unboxed."""
    body = ["\\paragraph{Solution.}\n"]
    failed = [c for c in out.checks if not c.passed]
    blocks = audience(out.blocks, edition)
    if failed:
        body.append(not_verified_note(len(failed), len(out.checks)))
        blocks = [x for b in blocks for x in _unboxed(b)]
    body.extend(printer.doprint(b) for b in blocks)
    body.append(printer.print_claims(out.claims))
    return body


def audience(blocks: list, edition: str) -> list[model.Block]:
    """The blocks ``edition`` shows: :class:`InstructorOnly` ones unwrapped or left out."""
    shown = []
    for b in blocks:
        if isinstance(b, InstructorOnly):
            shown += audience(b.blocks, edition) if edition == "instructor" else []
        else:
            shown.append(b)
    return shown


def not_verified_note(failed: int, total: int) -> str:
    """A framed note that a solution did not pass its checks (no tool names in it)."""
    return ("\\begin{center}\\fbox{\\parbox{0.92\\linewidth}{\\textbf{Not verified.} "
            f"{failed} of {total} independent checks of this solution failed, so the "
            "result below is not given as an answer.}}\\end{center}\n")


def _unboxed(block: model.Block) -> list[model.Block]:
    """A boxed answer of a failed solution as a labelled, unboxed result."""
    if isinstance(block, Boxed):
        return [model.Text(f"{block.label} (not verified):"), model.Math(block.latex)]
    return [block]


def check_line(out: Outcome, label: str) -> str:
    r"""One paragraph summing up an exercise's machine checks, pointing to its appendix table.

    >>> from workbench.tasks.model import Outcome
    >>> o = Outcome()
    >>> for name in ("gradient vs JAX", "gradient vs finite differences", "Hessian", "50 digits"):
    ...     _ = o.check(name, True)
    >>> print(check_line(o, "checks:1").split("} ", 1)[1])  # doctest: +NORMALIZE_WHITESPACE
    4 checks passed: gradient vs JAX, gradient vs finite differences, Hessian
    and 1 more (Appendix~\ref{checks:1}).
    <BLANKLINE>
    >>> _ = o.check("mpmath", False, "off by 1e-3")
    >>> print(check_line(o, "checks:1").split("} ", 1)[1])
    1 of 5 checks FAILED: mpmath (off by 1e-3); 4 passed (Appendix~\ref{checks:1}).
    <BLANKLINE>
    """
    where = f"Appendix~\\ref{{{label}}}"
    checks = out.checks
    failed = [c for c in checks if not c.passed]
    if not checks:
        text = "none were run for this exercise."
    elif failed:
        spelled = "; ".join(f"{escape(c.name)} ({escape(_clip(c.detail))})" if c.detail
                            else escape(c.name) for c in failed)
        text = (f"{len(failed)} of {len(checks)} checks FAILED: {spelled}; "
                f"{len(checks) - len(failed)} passed ({where}).")
    else:
        names = [escape(c.name) for c in checks[:_NAMED_CHECKS]]
        more = len(checks) - len(names)
        listed = ", ".join(names) + (f" and {more} more" if more else "")
        text = (f"{len(checks)} check{'s' if len(checks) > 1 else ''} passed: "
                f"{listed} ({where}).")
    return f"\\paragraph{{Machine checks.}} {text}\n"


def checks_table(checks: list[model.Check]) -> str:
    """Every check of an exercise with its evidence: a table that breaks across pages.

    Not a float, so it stays under its exercise's heading; the check and the
    evidence columns wrap, so long names stay inside the text width.
    """
    if not checks:
        return "No machine checks were run for this exercise.\n"
    wrap = r">{\raggedright\arraybackslash}p{0.44\linewidth}"
    rows = []
    for c in checks:
        mark, name = (r"\claimok", escape(c.name)) if c.passed else \
            (r"\claimbad", r"\textbf{FAILED:} " + escape(c.name))
        rows.append(f"{mark} & {name} & {escape(c.detail)} \\\\")
    return ("{\\small\n\\begin{longtable}{@{}p{1.2em}" + wrap + wrap + "@{}}\n\\toprule\n"
            " & \\textbf{Check} & \\textbf{Evidence} \\\\\n\\midrule\n\\endhead\n"
            + "\n".join(rows) + "\n\\bottomrule\n\\end{longtable}}\n")


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _DETAIL_CHARS else text[:_DETAIL_CHARS - 1].rstrip() + "…"
