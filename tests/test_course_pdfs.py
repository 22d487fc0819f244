"""The four course sheets in every edition, compiled with TeX and read back as a reader sees them.

Each course file is solved once and printed in all three editions
(``build_many(..., editions=EDITIONS)``); each ``.tex`` is then compiled with
:func:`workbench.sheets.build.compile_pdf`, the function ``--pdf`` runs, one
file at a time so that one LaTeX failure is one failed test, not twelve.  The
PDFs are read back with poppler: ``pdftotext`` for the words, ``pdftohtml
-xml`` for the words with their fonts (text set in a monospace font is a code
listing, where Python syntax is what the reader should see), ``pdftoppm`` for
the ink on each page.

These tests need TeX Live and poppler.  Outside CI they are skipped when those
are missing; under CI (``CI`` set) a missing tool is a failure, so that the
check cannot silently stop running.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from workbench.sheets.build import LatexError, build_many, compile_pdf
from workbench.sheets.editions import EDITIONS, STUDENT_EDITIONS, output_stem

from .conftest import DOCUMENTS, course_files, pgm_pixels

pytestmark = pytest.mark.slow

TOOLS = ("pdflatex", "pdftotext", "pdftohtml", "pdftoppm")
#: Overfull boxes up to this are invisible in print (TeX's own \hfuzz is 0.1 pt).
OVERFULL_PT = 1.0
#: Python syntax that must not reach a student's page outside a code listing.
PYTHON_IN_PROSE = ("**", " @ ", "{'", "['")
#: Tool names, installs and project files: nowhere in a student edition, code included.
INTERNAL = re.compile(r"sympy|pip install|\.py", re.I)
#: Quotes and stars as fonts print them, mapped back to what was typed.
_TYPED = str.maketrans({"’": "'", "‘": "'", "′": "'", "∗": "*", "\u2009": " "})


@dataclass
class Built:
    """One edition of one course sheet: its .tex, and its PDF and log once compiled."""

    tex: Path
    failed: list[str]
    pdf: Path | None
    error: str | None

    @property
    def log(self) -> Path:
        return self.tex.with_suffix(".log")

    def need_pdf(self) -> Path:
        assert self.error is None, f"{self.tex.name} did not compile: {self.error}"
        return self.pdf


def _tools_or_skip() -> None:
    missing = [t for t in TOOLS if not shutil.which(t)]
    if not missing:
        return
    message = f"TeX Live and poppler are needed; missing: {', '.join(missing)}"
    if os.environ.get("CI"):
        pytest.fail(message + " (CI must have them: this check may not be skipped there)")
    pytest.skip(message)


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> dict[tuple[str, str], Built]:
    """Every course sheet in every edition, each exercise solved once, each .tex compiled."""
    _tools_or_skip()
    out = tmp_path_factory.mktemp("course-sheets")
    results = build_many(course_files(), out, progress=False, editions=EDITIONS)
    built = {}
    for r in results:
        try:
            pdf, error = compile_pdf(r.tex), None
        except LatexError as exc:
            pdf, error = None, str(exc)
        built[(r.tex.stem, r.edition)] = Built(r.tex, r.failed, pdf, error)
    return built


EVERY = [(d, e) for d in DOCUMENTS for e in EDITIONS]
STUDENT = [(d, e) for d in DOCUMENTS for e in STUDENT_EDITIONS]


def _get(course, document: str, edition: str) -> Built:
    return course[(output_stem(document, edition), edition)]


def test_every_course_exercise_passes_its_checks(course):
    assert {d: _get(course, d, "solutions").failed for d in DOCUMENTS} == \
        {d: [] for d in DOCUMENTS}


@pytest.mark.parametrize("document, edition", EVERY)
def test_no_overfull_box_over_a_point(course, document, edition):
    built = _get(course, document, edition)
    built.need_pdf()
    lines = built.log.read_text(errors="replace").splitlines()
    over = []
    for i, line in enumerate(lines):
        m = re.match(r"Overfull \\[hv]box \(([\d.]+)pt too (?:wide|high)\)(.*)", line)
        if m and float(m.group(1)) > OVERFULL_PT:
            # the next log line shows the start of the offending material
            context = lines[i + 1][:90] if i + 1 < len(lines) else ""
            over.append(f"{m.group(1)} pt{m.group(2)}: {context}")
    assert not over, f"{built.log.name}: {len(over)} overfull boxes\n" + "\n".join(over[:15])


@pytest.mark.parametrize("document, edition", STUDENT)
def test_student_pages_show_no_python_outside_code(course, document, edition):
    built = _get(course, document, edition)
    found = []
    for page, line in prose_lines(built.need_pdf()):
        for needle in PYTHON_IN_PROSE:
            if needle in line:
                found.append(f"p.{page}: {needle!r} in {line[:110]!r}")
    assert not found, f"{built.pdf.name}: {len(found)} lines\n" + "\n".join(found[:20])


@pytest.mark.parametrize("document, edition", STUDENT)
def test_student_pages_name_no_tool_install_or_file(course, document, edition):
    built = _get(course, document, edition)
    found = []
    for page, text in enumerate(page_texts(built.need_pdf()), 1):
        flat = " ".join(text.replace("-\n", "").split())
        found += [f"p.{page}: {flat[max(m.start() - 50, 0):m.end() + 50]!r}"
                  for m in INTERNAL.finditer(flat)]
    assert not found, f"{built.pdf.name}: {len(found)} mentions\n" + "\n".join(found[:20])


@pytest.mark.parametrize("document, edition", EVERY)
def test_no_blank_page(course, document, edition):
    built = _get(course, document, edition)
    pdf = built.need_pdf()
    texts = page_texts(pdf)
    inks = page_inks(pdf, pdf.parent / f"ink-{pdf.stem}" / "page")
    assert len(inks) == len(texts)
    # a page number alone is not content
    blank = [page for page, (text, ink) in enumerate(zip(texts, inks, strict=True), 1)
             if not re.sub(r"^\s*\d+\s*$", "", text, flags=re.M).strip() and ink < 200]
    assert not blank, f"{pdf.name}: blank pages {blank} of {len(texts)}"


# ----------------------------------------------------------------------------- reading PDFs

def page_texts(pdf: Path) -> list[str]:
    """The text of each page (pdftotext separates pages by form feeds)."""
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout
    return [t.translate(_TYPED) for t in text.split("\f")[:-1]]


def prose_lines(pdf: Path) -> list[tuple[int, str]]:
    """(page, line) of the text outside code: fragments in a monospace font are left out.

    Fragments on one line are joined directly when they touch and with a space when
    a gap separates them (pdftohtml drops the spaces between fragments), so ``['``
    split over two touching fragments is seen, and two labels of a figure that
    happen to share a line are not read as one word.
    """
    xml = subprocess.run(["pdftohtml", "-xml", "-i", "-stdout", "-q", str(pdf)], check=True,
                         capture_output=True, text=True, errors="replace").stdout
    mono = {m.group(1) for m in re.finditer(r'<fontspec id="(\d+)"[^>]*family="([^"]*)"', xml)
            if re.search(r"mono|tt\d|courier|typewriter", m.group(2), re.I)}
    lines: dict[tuple[int, int], list[tuple[int, str]]] = {}
    for page_match in re.finditer(r'<page number="(\d+)"(.*?)</page>', xml, re.S):
        page = int(page_match.group(1))
        for t in re.finditer(r'<text top="(\d+)" left="(\d+)" width="(\d+)"[^>]*'
                             r'font="(\d+)">(.*?)</text>', page_match.group(2), re.S):
            if t.group(4) in mono:
                continue
            text = html.unescape(re.sub(r"<[^>]+>", "", t.group(5))).translate(_TYPED)
            left, width = int(t.group(2)), int(t.group(3))
            lines.setdefault((page, int(t.group(1))), []).append((left, left + width, text))
    out = []
    for (page, _), parts in sorted(lines.items()):
        parts.sort()
        line, end = "", None
        for left, right, text in parts:
            line += ("" if end is None or left - end <= 2 else " ") + text
            end = right
        out.append((page, line))
    return out


def page_inks(pdf: Path, prefix: Path) -> list[int]:
    """Dark pixels on each page rendered at 20 dpi in grey (``prefix``'s folder is made)."""
    prefix.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-r", "20", "-gray", str(pdf), str(prefix)], check=True)
    pages = sorted(prefix.parent.glob(prefix.name + "-*.pgm"),
                   key=lambda p: int(p.stem.rsplit("-", 1)[1]))
    return [sum(1 for b in pgm_pixels(p) if b < 128) for p in pages]
