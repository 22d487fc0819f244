"""The working precision of every ground truth: :data:`DIGITS` significant digits.

A float64 result is judged against a reference computed with far more digits
than float64 carries (about 16), so that the reference's own error is
negligible: at 50 digits a difference of 10⁻³⁰ is still 20 digits above the
reference's round-off.  Every high-precision evaluation of the package —
``mpmath.diff`` truths in the certificates, 50-digit checks of claims and
proofs, the finite-difference precision studies, the numeric root finder —
works at this one precision, so that "the 50-digit truth" means the same thing
everywhere.

>>> import mpmath
>>> with mpmath.workdps(DIGITS):
...     third = mpmath.mpf(1) / 3
>>> abs(third * 3 - 1) < mpmath.mpf(10) ** -(DIGITS - 1)
True
"""

from __future__ import annotations

#: Significant decimal digits of every ground-truth evaluation (mpmath ``dps``).
DIGITS = 50
