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
kept next to the output as ``NAME.log`` (a successful PDF keeps its log there too:
its overfull boxes are reported from it, see :func:`overfull_boxes`).

Each exercise is solved and checked once; every edition asked for (see
:mod:`workbench.sheets.editions`) is printed from the same outcomes, into
``NAME.tex`` for the default edition and ``NAME-EDITION.tex`` for the others.
A problems-only build solves nothing: statements need no solution.

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
from collections.abc import Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ..core import limits
from ..core.errors import InputError, WorkbenchError
from ..core.processes import alive, run_group
from ..tasks import loader, runner
from ..tasks.cache import OutcomeCache
from ..tasks.model import Figure, Outcome
from ..tasks.registry import Context
from .editions import DEFAULT_EDITION, output_stem, render
from .editions import editions as edition_names

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
    """One edition of one sheet as written: its ``.tex``, and with ``--pdf`` its PDF and log."""

    tex: Path
    pdf: Path | None
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    edition: str = DEFAULT_EDITION
    log: Path | None = None

    @property
    def failed(self) -> list[str]:
        return [k for k, o in self.outcomes.items() if not o.passed]


@contextmanager
def _progress(sheets, total: int, mode: str | None):
    """Progress on stderr; yields the ``on_done(exercise, outcome, seconds)`` callback.

    ``mode`` is ``"bar"`` (a rich bar, for a terminal), ``"lines"`` (one line per
    exercise, for logs and CI: ``hw1: q3 done (2.1 s)``) or None (silent).
    """
    stems = {id(ex): s.path.stem for s in sheets for ex in s.exercises}
    if mode is None:
        yield None
        return
    if mode == "lines":
        def line(ex, out, seconds):
            failed = sum(1 for c in out.checks if not c.passed)
            what = f"done, {failed} of {len(out.checks)} checks FAILED" if failed else "done"
            took = "unchanged, kept" if seconds is None else f"{seconds:.1f} s"
            print(f"{stems.get(id(ex), ex.file)}: {ex.id} {what} ({took})",
                  file=sys.stderr, flush=True)

        yield line
        return
    from rich.progress import Progress

    label = "solving and checking"
    with Progress(transient=True) as bar:
        job = bar.add_task(label, total=total)
        yield lambda ex, out, seconds: bar.update(
            job, advance=1, description=f"{label}: {stems.get(id(ex), ex.file)}: {ex.id}")


def progress_mode(progress: bool | str | None) -> str | None:
    """``"bar"``, ``"lines"`` or None from the ``progress`` argument of :func:`build_many`.

    None or True: a bar when stderr is a terminal, else one line per exercise;
    False: silent; ``"bar"``/``"lines"``: that.

    >>> progress_mode(False), progress_mode("lines")
    (None, 'lines')
    """
    if progress is False:
        return None
    if progress in ("bar", "lines"):
        return progress
    return "bar" if sys.stderr.isatty() else "lines"


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
          progress: bool | str | None = None, jobs: int | None = None,
          edition: str = DEFAULT_EDITION, cache: bool = True) -> BuildResult:
    """Build one edition of the sheet for exercise file ``path`` into ``outdir``."""
    return build_many([path], outdir, pdf, progress, jobs, (edition,), cache)[0]


def build_many(paths, outdir: str | Path = "build", pdf: bool = False,
               progress: bool | str | None = None, jobs: int | None = None,
               editions: Sequence[str] | str = (DEFAULT_EDITION,),
               cache: bool = True) -> list[BuildResult]:
    """Build several sheets in the ``editions`` asked for, sharing one pool of workers.

    Every file is validated before anything runs; each exercise is solved and
    checked once and every edition is printed from the same outcome; each
    sheet (all its editions) is then written atomically (see the module
    docstring).  Returns one result per sheet and edition, sheet by sheet.
    ``progress``: see :func:`progress_mode`.  With ``cache``, an exercise whose
    outcome is kept (:mod:`workbench.tasks.cache`: same fields, same code) is not
    solved again, so a rebuild after editing one exercise solves that one only.
    """
    wanted = edition_names(editions)
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
    with ExitStack() as stack:
        # absolute, so that figure paths made by the workers can be taken relative to
        # the temporary folder whatever the form of the user's output folder
        tmps = [Path(stack.enter_context(tempfile.TemporaryDirectory(
            prefix=f".{s.path.stem}-{os.getpid()}-", dir=outdir.absolute()))) for s in sheets]
        work = [(ex, Context(figure_dir=tmp / f"{plain_name(s.path.stem)}-figures"))
                for s, tmp in zip(sheets, tmps, strict=True) for ex in s.exercises]
        if wanted == ("problems",):
            outcomes = [Outcome() for _ in work]
        else:
            with _progress(sheets, len(work), progress_mode(progress)) as advance:
                outcomes = runner.run_all(work, jobs, advance,
                                          OutcomeCache() if cache else None)
        results, k = [], 0
        for sheet, tmp in zip(sheets, tmps, strict=True):
            mine = dict(zip((ex.id for ex in sheet.exercises),
                            outcomes[k:k + len(sheet.exercises)], strict=True))
            k += len(sheet.exercises)
            results += _write(sheet, mine, tmp, outdir, pdf, wanted)
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


def _write(sheet, outcomes: dict[str, Outcome], tmp: Path, outdir: Path, pdf: bool,
           wanted: Sequence[str]) -> list[BuildResult]:
    """Print every edition into ``tmp``, compile them, then move them all into ``outdir``."""
    stem = sheet.path.stem
    figdir_name = f"{plain_name(stem)}-figures"
    for out in outcomes.values():  # the .tex refers to figures relative to itself
        for b in out.blocks:
            if isinstance(b, Figure) and b.path.is_absolute():
                b.path = b.path.relative_to(tmp)
            elif isinstance(b, Figure):
                raise WorkbenchError(f"figure path {b.path} is not inside the build folder")
    made = []
    for edition in wanted:
        name = output_stem(stem, edition)
        tex = tmp / f"{plain_name(name)}.tex"  # what pdflatex reads: no markup in the name
        tex.write_text(render(sheet, outcomes, edition), encoding="utf-8")
        try:
            made_pdf = compile_pdf(tex, sheet.path) if pdf else None
        except LatexError as exc:
            log = outdir / f"{name}.log"
            if tex.with_suffix(".log").exists():
                os.replace(tex.with_suffix(".log"), log)
                raise LatexError(f"{exc} (log: {log})") from None
            raise
        made.append((edition, name, tex, made_pdf))
    if (tmp / figdir_name).exists():
        target = outdir / figdir_name
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp / figdir_name, target)
    results = []
    for edition, name, tex, made_pdf in made:
        final_tex = outdir / f"{name}.tex"
        os.replace(tex, final_tex)
        final_pdf = final_log = None
        if made_pdf is not None:
            final_pdf, final_log = outdir / f"{name}.pdf", outdir / f"{name}.log"
            os.replace(made_pdf, final_pdf)
            os.replace(tex.with_suffix(".log"), final_log)  # overfull boxes are read from it
        results.append(BuildResult(final_tex, final_pdf, outcomes, edition, final_log))
    return results


def overfull_boxes(log: str) -> list[float]:
    r"""How far (pt) each overfull box of a LaTeX log sticks out, in the log's order.

    >>> log = "Overfull \\hbox (12.3pt too wide) in paragraph\nOverfull \\vbox (2pt too high)"
    >>> overfull_boxes(log)
    [12.3, 2.0]
    """
    return [float(m.group(1)) for m in _OVERFULL.finditer(log)]


_OVERFULL = re.compile(r"^Overfull \\[hv]box \(([\d.]+)pt too (?:wide|high)\)", re.M)
