"""Build a solution sheet: run, print, write atomically, optionally compile to PDF.

Everything is first written into a private temporary folder inside the output
folder; only when the whole build (and the PDF, if asked for) succeeded are the
files moved into place.  A failed build leaves no ``.tex``/``.pdf`` behind.

The temporary folder's name carries the building process's id
(``.NAME-PID-XXXXXXXX``); a build that was killed (``kill -9``) cannot remove its
own, so the next build into the same folder removes those whose process is gone.
pdflatex runs on a file with a plain name (``NAME`` may hold ``%``, ``}``, ``$``)
in its own process group, under :data:`LATEX_SECONDS` (``WORKBENCH_LATEX_TIMEOUT``
overrides it); a failure is one line naming the exercise file and the log, which is
kept next to the output as ``NAME.log``.

>>> plain_name("a%b}c$d#e")
'a_b_c_d_e'
>>> plain_name("hw1")
'hw1'
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from .. import __version__
from ..core import limits
from ..core.errors import InputError, WorkbenchError
from ..core.processes import alive, run_group
from ..tasks import loader, runner
from ..tasks.model import Figure, Outcome
from ..tasks.registry import Context
from .latex import SheetPrinter, escape

#: Seconds pdflatex (or latexmk) may run for one sheet before it is ended.
LATEX_SECONDS = 300.0


class LatexError(WorkbenchError):
    """pdflatex failed; the message names the exercise file, the first error and the log."""


def plain_name(stem: str) -> str:
    """``stem`` with every character TeX could read as markup replaced by ``_``."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", stem)


def _latex_seconds() -> float:
    text = os.environ.get("WORKBENCH_LATEX_TIMEOUT")
    if text is None:
        return LATEX_SECONDS
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise InputError(f"WORKBENCH_LATEX_TIMEOUT={text}: expected a number of seconds > 0")
    return value


@dataclass
class BuildResult:
    tex: Path
    pdf: Path | None
    outcomes: dict[str, Outcome] = field(default_factory=dict)

    @property
    def failed(self) -> list[str]:
        return [k for k, o in self.outcomes.items() if not o.passed]


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("workbench.sheets", "templates"),
        block_start_string="((*", block_end_string="*))",
        variable_start_string="(((", variable_end_string=")))",
        comment_start_string="((#", comment_end_string="#))",
        autoescape=False, keep_trailing_newline=True, undefined=jinja2.StrictUndefined,
    )


def render(sheet: loader.ExerciseFile, outcomes: dict[str, Outcome]) -> str:
    """The LaTeX document for ``sheet`` given each exercise's outcome."""
    printer = SheetPrinter()
    exercises = []
    for ex in sheet.exercises:
        out = outcomes[ex.id]
        body = []
        if ex.statement:
            body.append("\\paragraph{Problem.} " + escape(ex.statement, paragraphs=True) + "\n")
        body.append("\\paragraph{Solution.}\n")
        body.extend(printer.doprint(b) for b in out.blocks)
        body.append(printer.print_claims(out.claims))
        body.append(printer.print_checks(out.checks))
        exercises.append({"title": escape(ex.title), "body": "\n".join(body)})
    intro = escape(sheet.preamble) + "\n\n" if sheet.preamble else ""
    if sheet.source:
        intro += (f"Source: {escape(sheet.source)}. Every answer below was derived by the "
                 "workbench and checked against independent references; statements taken "
                 "from the source are marked \\claimok{} (holds) or \\claimbad{} (does not "
                 "hold).\n")
    return _environment().get_template("sheet.tex.j2").render(
        title=escape(sheet.title), version=__version__, intro=intro, exercises=exercises)


@contextmanager
def _progress(total: int, label: str, enabled: bool):
    """A progress bar on stderr; yields the callback that advances it."""
    if not enabled:
        yield None
        return
    from rich.progress import Progress

    with Progress(transient=True) as bar:
        job = bar.add_task(label, total=total)
        yield lambda ex: bar.update(job, advance=1, description=f"{label}: {ex.id}")


def compile_pdf(tex: Path, source: str | Path | None = None) -> Path:
    """Run latexmk (or pdflatex twice) next to ``tex``; raise LatexError naming the first error.

    ``source`` is the exercise file the error message names (default: ``tex``).
    """
    if shutil.which("latexmk"):
        cmd = ["latexmk", "-pdf", "-interaction=nonstopmode", "-halt-on-error", tex.name]
    elif shutil.which("pdflatex"):
        cmd = ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", tex.name]
    else:
        raise InputError("--pdf needs TeX (latexmk or pdflatex), which is not installed; "
                         "the .tex was not written either. Install TeX Live, e.g. "
                         "apt-get install texlive-latex-extra latexmk")
    runs = 1 if cmd[0] == "latexmk" else 2
    seconds = _latex_seconds()
    for _ in range(runs):
        try:
            proc = run_group(cmd, tex.parent, seconds)
        except WorkbenchError as exc:
            raise LatexError(f"LaTeX failed on {source or tex.name}: {exc}") from None
        if proc.returncode != 0:
            raise LatexError(f"LaTeX failed on {source or tex.name}: {first_error(tex)}")
    return tex.with_suffix(".pdf")


def first_error(tex: Path) -> str:
    """The first error of ``tex``'s log, as one line."""
    log = tex.with_suffix(".log")
    if not log.exists():
        return "no log was written"
    lines = log.read_text(errors="replace").splitlines()
    for i, line in enumerate(lines):
        if line.startswith("!"):
            where = next((m.group(0) for m in map(re.compile(r"^l\.\d+").match,
                                                  lines[i + 1:i + 8]) if m), "")
            return " ".join(f"{line.lstrip('! ')} {where}".split())
    return "pdflatex stopped without an error line in its log"



def build(path: str | Path, outdir: str | Path = "build", pdf: bool = False,
          progress: bool | None = None, jobs: int | None = None) -> BuildResult:
    """Build the sheet for exercise file ``path`` into ``outdir``."""
    return build_many([path], outdir, pdf, progress, jobs)[0]


def build_many(paths, outdir: str | Path = "build", pdf: bool = False,
               progress: bool | None = None, jobs: int | None = None) -> list[BuildResult]:
    """Build several sheets, their exercises sharing one pool of worker processes.

    Every file is validated before anything runs; each sheet is then written
    atomically (see the module docstring).
    """
    if jobs is not None:
        limits.check("workers", jobs, "-j/--jobs")
    sheets = [loader.load(p) for p in paths]
    for sheet in sheets:
        _check_titles(sheet)
    outdir = Path(outdir)
    try:
        outdir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create output folder {outdir}: {exc}") from None
    for sheet in sheets:
        remove_stale(outdir, sheet.path.stem)
    progress = sys.stderr.isatty() if progress is None else progress
    with ExitStack() as stack:
        # absolute, so that figure paths made by the workers can be taken relative to
        # the temporary folder whatever the form of the user's output folder
        tmps = [Path(stack.enter_context(tempfile.TemporaryDirectory(
            prefix=f".{s.path.stem}-{os.getpid()}-", dir=outdir.absolute()))) for s in sheets]
        work = [(ex, Context(figure_dir=tmp / f"{plain_name(s.path.stem)}-figures"))
                for s, tmp in zip(sheets, tmps, strict=True) for ex in s.exercises]
        with _progress(len(work), "solving and checking", progress) as advance:
            outcomes = runner.run_all(work, jobs, advance)
        results, k = [], 0
        for sheet, tmp in zip(sheets, tmps, strict=True):
            mine = dict(zip((ex.id for ex in sheet.exercises),
                            outcomes[k:k + len(sheet.exercises)], strict=True))
            k += len(sheet.exercises)
            results.append(_write(sheet, mine, tmp, outdir, pdf))
    return results


def _check_titles(sheet) -> None:
    limits.check("title_length", len(sheet.title), f"{sheet.path}: [sheet] title")
    for ex in sheet.exercises:
        limits.check("title_length", len(ex.title), f"{ex.where()}: field 'title'")


def remove_stale(outdir: Path, stem: str) -> list[Path]:
    """Remove ``outdir/.STEM-PID-*`` folders whose building process is gone; return them."""
    pattern = re.compile(rf"^\.{re.escape(stem)}-(\d+)-[A-Za-z0-9_]{{8}}$")
    removed = []
    for entry in outdir.iterdir():
        m = pattern.match(entry.name)
        if m and entry.is_dir() and not entry.is_symlink() and not alive(int(m.group(1))):
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    return removed


def _write(sheet, outcomes: dict[str, Outcome], tmp: Path, outdir: Path, pdf: bool):
    stem = sheet.path.stem
    figdir_name = f"{plain_name(stem)}-figures"
    for out in outcomes.values():  # the .tex refers to figures relative to itself
        for b in out.blocks:
            if isinstance(b, Figure) and b.path.is_absolute():
                b.path = b.path.relative_to(tmp)
            elif isinstance(b, Figure):
                raise WorkbenchError(f"figure path {b.path} is not inside the build folder")
    tex = tmp / f"{plain_name(stem)}.tex"  # what pdflatex reads: no markup in the name
    tex.write_text(render(sheet, outcomes), encoding="utf-8")
    try:
        made_pdf = compile_pdf(tex, sheet.path) if pdf else None
    except LatexError as exc:
        log = outdir / f"{stem}.log"
        if tex.with_suffix(".log").exists():
            os.replace(tex.with_suffix(".log"), log)
            raise LatexError(f"{exc} (log: {log})") from None
        raise
    if (tmp / figdir_name).exists():
        target = outdir / figdir_name
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp / figdir_name, target)
    final_tex = outdir / f"{stem}.tex"
    os.replace(tex, final_tex)
    final_pdf = None
    if made_pdf is not None:
        final_pdf = outdir / f"{stem}.pdf"
        os.replace(made_pdf, final_pdf)
    return BuildResult(final_tex, final_pdf, outcomes)
