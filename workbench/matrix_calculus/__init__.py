"""Matrix calculus by differentials: an expression tree of matrices and vectors
(:mod:`.expr`), its parser (:mod:`.parse`) and the interface of the algebras it
reads text in (:mod:`.algebra`), the differential rules and textbook
simplification (:mod:`.derive`) and printers to NumPy and LaTeX (:mod:`.printing`).

Certification lives one layer up, in :mod:`workbench.certification.matrix`.
"""

from . import printing  # noqa: F401  (registers the NumPy spelling as the nodes' repr)
