"""Solution sheets: exercise files rendered to LaTeX (and PDF when TeX is present).

:func:`workbench.sheets.build.build` runs every exercise of a file through its
task, prints the outcomes with :class:`workbench.sheets.latex.SheetPrinter`, and
writes the ``.tex``, its figures and optionally the PDF atomically: a failed
build leaves nothing half-written.
"""
