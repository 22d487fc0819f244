"""Make the README gallery: pages of the course sheets, rendered from their PDFs.

    python docs/make_gallery.py            # writes exercises/gallery/*.png

Each picture is a page of a sheet built by ``workbench sheet --pdf``, found by a
pattern it contains (so a page that moves is still found), or one of the
figures the build wrote, rendered with poppler's ``pdftoppm``.  Needs TeX Live
and poppler.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

from workbench.sheets.build import build_many

ROOT = Path(__file__).resolve().parents[1]
GALLERY = ROOT / "exercises" / "gallery"

#: picture name -> (exercise file, edition, a pattern on the wanted page: its first match)
PAGES = {
    "hw1-page1": ("hw1", "solutions", None),
    "slides-chain-rule": ("slides", "solutions", r"Chain rule through two inner functions"),
    "hw1-instructor-checks": ("hw1", "instructor", r"^\s*A\s+Machine checks"),
    "notes-problems": ("notes", "problems", None),
}

#: picture name -> (exercise file, figure file the sheet's build wrote)
FIGURES = {
    "adam-on-beale": ("hw1", "hw1-task2-adam-contours.pdf"),
    "q4-reverse-trace": ("hw1", "q4-reverse-graph-reverse.pdf"),
    "fd-precision": ("hw1", "hw1-q4-x3-study-precision-float64.pdf"),
}


def page_with(pdf: Path, pattern: str | None) -> int:
    """The first page (1-based) of ``pdf`` whose text matches ``pattern`` (a regex)."""
    if pattern is None:
        return 1
    pages = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                           text=True, check=True).stdout.split("\f")
    for i, text in enumerate(pages, 1):
        if re.search(pattern, text, re.M):
            return i
    raise SystemExit(f"{pdf.name}: no page matches {pattern}")


def main() -> int:
    files = sorted({f for f, _, _ in PAGES.values()})
    editions = sorted({e for _, e, _ in PAGES.values()})
    with tempfile.TemporaryDirectory() as tmp:
        built = build_many([ROOT / "exercises" / f"{f}.toml" for f in files], tmp, pdf=True,
                           progress=False, editions=editions)
        pdfs = {(Path(r.tex).stem.split("-")[0], r.edition): r.pdf for r in built}
        for name, (file, edition, phrase) in PAGES.items():
            pdf = pdfs[(file, edition)]
            page = page_with(pdf, phrase)
            subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", str(page), "-l", str(page),
                            "-singlefile", str(pdf), str(GALLERY / name)], check=True)
            print(f"{GALLERY / name}.png: {file} ({edition}), page {page}")
        for name, (file, figure) in FIGURES.items():
            subprocess.run(["pdftoppm", "-png", "-r", "90", "-singlefile",
                            str(Path(tmp) / f"{file}-figures" / figure), str(GALLERY / name)],
                           check=True)
            print(f"{GALLERY / name}.png: {file}, figure {figure}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
