"""Precision studies: numerical derivatives measured against a 50-digit truth.

Where does a finite difference stop being accurate, and which step should one
take?  :func:`study` answers with measurements.  It sweeps the step h over
[1e-16, 1e-1] (log-spaced), evaluates every method of
:mod:`workbench.numerics.finite_diff` in the working precision (float16, float32 or
float64: the function itself is evaluated in that type), and compares each
result with the derivative computed by mpmath at 50 digits (cross-checked
against the exact symbolic derivative).

Beside each measurement stands the error model.  For a stencil of order p,
f'(x) ≈ (1/h) Σ wᵢ f(x + cᵢh), with u = ε/2 the unit round-off::

    E(h) ≈ A·hᵖ + B/h + F,
    A = |m_{p+1} f⁽ᵖ⁺¹⁾(x)|                    (truncation; mₖ = Σ wᵢcᵢᵏ/k!)
    B = u·(|f(x)|·Σ|wᵢ| + |x f'(x)|·Σ_{cᵢ≠0}|wᵢ|)  (round-off of f and of x + cᵢh)
    F = u·|f'(x)| + |fl(x) − x|·|f''(x)|          (the last rounding; the point itself)

minimized at h* = (B / (p·A))^{1/(p+1)}: √ε-like for one-sided differences,
∛ε-like for central ones.  The complex step has A = |f'''|/6, p = 2 and no B:
any h below √(F/A) reaches round-off level.  Errors are relative, |D − f'|/|f'|
(absolute where f' = 0).

Machine arithmetic is made visible too: :func:`machine_table` (ε per type,
from ``finfo`` and measured by halving), :func:`one_plus` (1 + 1e-16 == 1 but
1 + ε > 1), :func:`cancellation` (digits lost in f(x+h) − f(x)) and
:func:`compare_dtypes` (the same derivative in float16, float32, float64 and
50-digit arithmetic).  At a kink or a vertical tangent :func:`one_sided` reports
both one-sided derivatives instead of averaging them into a wrong number.

The package, one module per part: :mod:`.machine` (ε, 1 + tiny, digits lost),
:mod:`.line` (f along a line, in NumPy and mpmath), :mod:`.truth` (the 50-digit
derivative, one-sided ones at a kink), :mod:`.models` (the error model),
:mod:`.study` (the sweep), :mod:`.quotients` (single quotients, cancellation,
dtypes compared) and :mod:`.plot` (the figure).

>>> from workbench.core.parse import parse
>>> s = study(parse("x**2"), ["x"], {"x": 3})
>>> s.true, s.methods["complex_step"].min_rel_error
(6.0, 0.0)
>>> one_plus(1e-16), one_plus(machine_epsilon("float64"))
('1.0', '1.0000000000000002')
"""

from __future__ import annotations

from ...core.digits import DIGITS  # the precision of the truth, as callers read it here
from .line import Line, make_line, numeric
from .machine import (
    DTYPES,
    H_RANGE,
    digits_lost,
    dtype_of,
    machine_epsilon,
    machine_table,
    measured_epsilon,
    one_plus,
)
from .models import Model, model
from .plot import plot_study
from .quotients import (
    CancellationRow,
    bits_for,
    cancellation,
    compare_dtypes,
    quotient,
    quotient_at_precision,
    quotient_exact,
)
from .study import (
    MethodResult,
    Study,
    errors_against,
    measured_optimum,
    measured_slopes,
    study,
    sweep_steps,
)
from .truth import Side, Sides, Truth, one_sided, truth

__all__ = ["CancellationRow", "DIGITS", "DTYPES", "H_RANGE", "Line", "MethodResult", "Model",
           "Side", "Sides", "Study", "Truth", "bits_for", "cancellation", "compare_dtypes",
           "digits_lost", "dtype_of", "errors_against", "machine_epsilon", "machine_table",
           "make_line", "measured_epsilon", "measured_optimum", "measured_slopes", "model",
           "numeric", "one_plus", "one_sided", "plot_study", "quotient", "quotient_at_precision",
           "quotient_exact", "study", "sweep_steps", "truth"]
