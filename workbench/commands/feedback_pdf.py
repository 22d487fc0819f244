r"""``workbench grade --pdf``: each student's feedback typeset as a PDF.

The feedback of a student (:class:`workbench.grading.grade.UnitResult` rows) is
printed as a small LaTeX document: the score, then per exercise its status and
each feedback line.  Everything a student wrote or a message quotes passes
through the sheets' escaper (:func:`workbench.sheets.latex.escape`), so ``%``,
``\input`` or ``}`` in an answer is typeset as text and never read by TeX.  The
document is built here, at the commands layer, because grading sits below
sheets in the layers.

Each student is one unit of work (one LaTeX run, in its own temporary folder),
mapped by :func:`workbench.grading.executors.map_units` on the same executor as
the grading: a worker returns the PDF's bytes (so a remote Dask worker needs no
shared disk) and the command writes ``feedback/NAME.pdf``.  A failed LaTeX run
is an error naming the student's file and the first TeX error; its log is kept
as ``feedback/NAME.log``.

>>> print(feedback_latex("HW1", "ann", 3, 4, [("grad", "Gradient", "partial", 3, 4,
...                                         ["∂f/∂y: sign flipped; 50% off"])]).split("\n")[11])
\section*{grad: Gradient}
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import InputError, WorkbenchError
from ..grading.executors import map_units
from ..sheets.build import LatexError, compile_pdf, plain_name
from ..sheets.latex import escape

PREAMBLE = r"""\documentclass[11pt]{article}
\usepackage[T1]{fontenc}
\usepackage{lmodern}
\usepackage{amsmath,amssymb}
\usepackage{pifont}
\usepackage[margin=2.5cm]{geometry}
\setlength{\parindent}{0pt}
\begin{document}
"""

#: One exercise's rows: id, title, status, score, max score, feedback lines.
Row = tuple[str, str, str, float, float, list[str]]


def feedback_latex(title: str, student: str, total: float, top: float, rows: list[Row]) -> str:
    """The LaTeX document of one student's feedback; every text is escaped."""
    out = [PREAMBLE.rstrip("\n"),
           rf"\section*{{{escape(title)}: feedback for {escape(student)}}}",
           rf"\textbf{{Score: {total:g} / {top:g}}}", ""]
    for ex_id, ex_title, status, score, max_score, lines in rows:
        head = f"{ex_id}: {ex_title}" if ex_title else ex_id
        out += [rf"\section*{{{escape(head)}}}", rf"\emph{{{escape(status)}}}, "
                                                  rf"{score:g} / {max_score:g}"]
        if lines:
            out += [r"\begin{itemize}"] + [rf"\item {escape(line)}" for line in lines]
            out += [r"\end{itemize}"]
        out.append("")
    return "\n".join(out + [r"\end{document}", ""])


@dataclass(frozen=True)
class PdfJob:
    """One student's document: what to typeset and the file an error names."""

    student: str
    source: str
    tex: str


@dataclass(frozen=True)
class PdfResult:
    student: str
    pdf: bytes | None
    log: str
    error: str


def typeset(job: PdfJob) -> PdfResult:
    """Run LaTeX on one document in a temporary folder; the PDF's bytes or the error."""
    with tempfile.TemporaryDirectory(prefix="workbench-feedback-") as tmp:
        tex = Path(tmp) / f"{plain_name(job.student)}.tex"
        tex.write_text(job.tex, encoding="utf-8")
        try:
            pdf = compile_pdf(tex, job.source)
        except WorkbenchError as exc:  # LatexError, or a timeout reported by run_group
            log = tex.with_suffix(".log")
            text = log.read_text(errors="replace") if log.exists() else ""
            return PdfResult(job.student, None, text, str(exc))
        return PdfResult(job.student, pdf.read_bytes(), "", "")


def check_tex() -> None:
    """Refuse ``--pdf`` before anything is graded or written when TeX is missing."""
    if not (shutil.which("latexmk") or shutil.which("pdflatex")):
        raise InputError("--pdf needs TeX (latexmk or pdflatex), which is not installed; "
                         "install TeX Live, e.g. apt-get install texlive-latex-extra latexmk")


def write_pdfs(jobs: list[PdfJob], folder: Path, workers: int = 1, executor=None) -> list[Path]:
    """``folder/NAME.pdf`` per job; the first failure raises, naming its file and log."""
    written, failures = [], []
    for r in map_units(typeset, jobs, workers, executor):
        stem = r.student
        if r.pdf is None:
            log = folder / f"{stem}.log"
            log.write_text(r.log, encoding="utf-8")
            failures.append(f"{r.error} (log: {log})")
            continue
        (folder / f"{stem}.pdf").write_bytes(r.pdf)
        written.append(folder / f"{stem}.pdf")
    if failures:
        more = f" (and {len(failures) - 1} more)" if len(failures) > 1 else ""
        raise LatexError(failures[0] + more)
    return written
