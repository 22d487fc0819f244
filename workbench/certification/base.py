"""What every certificate shares: the error measure, the tolerances, the result type.

A result is certified when it agrees with independent references, and
"agrees" is measured the same way everywhere: the **mixed relative error**

    e(a, b) = ‖a − b‖∞ / max(‖b‖∞, 1),

with ``a`` the result under test and ``b`` the reference.  It is relative where
the reference is large (a gradient of size 10⁶ may be off by 10⁻¹⁰ in absolute
terms) and absolute where the reference is small (near a zero a relative error
means nothing).  The denominator holds the reference alone: a wrong answer
cannot dilute its own error by being large (with max(‖a‖∞, ‖b‖∞, 1) instead, an
answer 10⁶ times too big would report an error below 1).

* :data:`DIGITS` - the precision of every ground truth (defined in
  :mod:`workbench.core.digits`, so that the layers below use the same one);
* :func:`mixed_error` - e(a, b), in float64 for floats and at :data:`DIGITS`
  digits for exact or mpmath values;
* :data:`TOLERANCES` - every accepted error, each with its reason;
* :class:`Certificate` - the outcome of a check; only ``certified`` is an answer.

>>> mixed_error([2.0, 1000.5], [2.0, 1000.0])     # relative where large
0.0005
>>> mixed_error([1e-9], [0.0])                    # absolute near zero
1e-09
>>> import sympy as sp
>>> float(mixed_error([sp.sqrt(2) ** 2], [2]))   # exact values: compared at 50 digits
0.0
>>> tolerance("autodiff")
1e-08
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

import mpmath
import numpy as np
import sympy as sp

from ..core.digits import DIGITS

__all__ = ["DIGITS", "TOLERANCES", "Certificate", "Failure", "Tolerance", "mixed_error",
           "tolerance", "tolerances"]


# ============================================================================ the error


def mixed_error(a, b, axis: int | None = None):
    """‖a − b‖∞ / max(‖b‖∞, 1): the error of ``a`` against the reference ``b``.

    ``a`` and ``b`` are numbers or arrays (nested sequences, NumPy arrays, SymPy or
    mpmath matrices) with the same number of entries.  The arithmetic follows
    the inputs:

    * floats: float64; the error is a ``float``, ``inf`` when the sizes differ or
      a value is not finite (an unusable value never passes a check);
    * SymPy numbers or mpmath values anywhere: :data:`DIGITS`-digit mpmath; the
      error is an ``mpmath.mpf`` (exact zeros stay zero), ``inf`` when a value
      is not real and finite.

    With ``axis`` (float arrays only) the points lie along that axis and the
    result has one error per point, in IEEE arithmetic: a NaN stays NaN, for the
    caller to judge (for finite differences it means "not judged here").

    >>> mixed_error([[1.0, 3.0], [10.0, 0.0]], [[1.0, 2.0], [10.0, 1.0]], axis=0).tolist()
    [0.5, 0.1]
    >>> mixed_error([1.0, 2.0], [1.0])
    inf
    """
    if axis is not None:
        return _per_point(a, b, axis)
    if _is_exact(a) or _is_exact(b):
        return _exact(a, b)
    a = np.asarray(a, dtype=float).ravel()
    b = np.asarray(b, dtype=float).ravel()
    if a.shape != b.shape or not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return float("inf")
    return float(np.max(np.abs(a - b), initial=0.0) / max(np.max(np.abs(b), initial=0.0), 1.0))


def _per_point(a, b, axis: int) -> np.ndarray:
    a = np.moveaxis(np.asarray(a, dtype=float), axis, 0)
    b = np.moveaxis(np.asarray(b, dtype=float), axis, 0)
    a, b = a.reshape(len(a), -1), b.reshape(len(b), -1)
    return np.max(np.abs(a - b), axis=1) / np.maximum(np.max(np.abs(b), axis=1), 1.0)


def _entries(x) -> list:
    """The entries of a number, sequence, array or matrix, in one flat list."""
    if isinstance(x, sp.MatrixBase | mpmath.matrix):
        return list(x)
    if isinstance(x, np.ndarray):
        return list(x.ravel())
    if isinstance(x, list | tuple):
        return [e for item in x for e in _entries(item)]
    return [x]


def _is_exact(x) -> bool:
    return any(isinstance(e, sp.Basic | mpmath.mpf | mpmath.mpc) for e in _entries(x))


def _mp(x):
    """``x`` as an mpmath real at the working precision; None when not real and finite."""
    if isinstance(x, sp.Basic):
        x = sp.N(x, DIGITS)
        if not (x.is_real and x.is_finite):
            return None
        return mpmath.mpf(sp.Float(x, DIGITS))
    if isinstance(x, mpmath.mpc):
        return None
    x = mpmath.mpf(x)
    return x if mpmath.isfinite(x) else None


def _exact(a, b):
    with mpmath.workdps(DIGITS):
        xs, ys = [_mp(v) for v in _entries(a)], [_mp(v) for v in _entries(b)]
        if len(xs) != len(ys) or any(v is None for v in xs + ys):
            return mpmath.inf
        scale = max([mpmath.mpf(1)] + [abs(y) for y in ys])
        return max([abs(x - y) for x, y in zip(xs, ys, strict=True)] + [mpmath.mpf(0)]) / scale


# ============================================================================ tolerances


@dataclass(frozen=True)
class Tolerance:
    """The largest mixed relative error accepted against one reference, and why."""

    value: float
    reason: str


#: Every tolerance of every certificate.  Keys are the references' names.
TOLERANCES: dict[str, Tolerance] = {
    # ---- gradients and Hessians (:mod:`.scalar`), matrix derivatives (:mod:`.matrix`)
    "autodiff": Tolerance(1e-8, "JAX autodiff and the formula are both float64 evaluations of "
                          "exact derivatives: round-off amplified by cancellation, far below "
                          "any error a wrong formula makes"),
    "finite_difference": Tolerance(1e-5, "Richardson-extrapolated central differences (order "
                                   "6 for gradients) leave about 1e-10 of their own error"),
    "finite_difference_hessian": Tolerance(1e-3, "second differences extrapolated to order 4 "
                                           "leave about 1e-6 of their own error"),
    "high_precision": Tolerance(1e-8, "the float64 formula against the 50-digit truth: the "
                                "same round-off as for autodiff"),
    "formula": Tolerance(1e-25, "the formula itself at 50 digits against mpmath.diff at 50 "
                         "digits: only a wrong formula differs in the first 25 digits"),
    "symbolic": Tolerance(1e-25, "entrywise SymPy derivatives at an exact rational point, both "
                          "sides at 50 digits: only a wrong formula differs"),
    "printed": Tolerance(1e-9, "the printed NumPy text and the closed form are the same "
                         "formula, evaluated in a different order in float64"),
    "formula_claim": Tolerance(1e-7, "a claimed matrix formula against the certified one, "
                               "both float64: they differ in rounding order only (100 times "
                               "the printed-text tolerance)"),
    # ---- claimed gradients (:mod:`.claims`)
    "claim_exact": Tolerance(1e-30, "a string claim and the true partial, both evaluated at "
                             "50 digits: 20 digits above the round-off of either"),
    "claim_callable": Tolerance(1e-8, "a Python callable runs in float64: the autodiff "
                                "round-off argument"),
    # ---- autodiff traces (:mod:`.traces`)
    "trace_exact": Tolerance(1e-30, "an exact trace and SymPy's derivative, both evaluated at "
                             "50 digits: only the last digits may differ"),
    "trace_float": Tolerance(1e-10, "a float64 sweep against the exact value: round-off of the "
                             "sweep's operations (2.2e-16 each), amplified by cancellation"),
    "trace_jax": Tolerance(1e-10, "JAX (float64) against the exact value: the float64 sweep's "
                           "round-off argument"),
}

#: The references of a gradient/Hessian certificate, in the order they are reported.
SCALAR_REFERENCES = ("autodiff", "finite_difference", "finite_difference_hessian",
                     "high_precision", "formula")


def tolerance(name: str) -> float:
    """The tolerance of reference ``name`` (a key of :data:`TOLERANCES`)."""
    return TOLERANCES[name].value


def tolerances(names: Iterable[str]) -> dict[str, float]:
    """``{name: tolerance}`` for the references a certificate used."""
    return {n: tolerance(n) for n in names}


# ============================================================================ the result


@dataclass
class Failure:
    """One point where a reference disagreed beyond its tolerance."""

    point: dict[str, float]
    reference: str
    what: str  # "gradient" | "hessian" | "formula"
    rel_error: float


@dataclass
class Certificate:
    """The outcome of checking a derivative; only ``certified`` results are answers.

    ``verdict`` is certified | mismatch | nondifferentiable | undefined;
    ``max_rel_error`` the largest mixed relative error per reference;
    ``tolerances`` those the references were held to.
    """

    verdict: str
    max_rel_error: dict[str, float]
    points_checked: int
    tolerances: dict[str, float] = field(default_factory=lambda: tolerances(SCALAR_REFERENCES))
    failures: list = field(default_factory=list)
    note: str = ""

    @property
    def ok(self) -> bool:
        return self.verdict == "certified"

    def to_dict(self) -> dict:
        d = asdict(self)
        d["failures"] = d["failures"][:10]
        return d

    def __str__(self) -> str:
        errs = ", ".join(f"{k} {v:.1e}" for k, v in self.max_rel_error.items())
        mark = "certified" if self.ok else f"NOT CERTIFIED: {self.verdict}"
        return f"certificate: {mark} ({self.points_checked} points; max rel. error: {errs})" + (
            f"\n  {self.note}" if self.note else "")

    def _repr_html_(self) -> str:
        rows = "".join(f"<tr><td>{k}</td><td>{v:.2e}</td>"
                       f"<td>{self.tolerances.get(k, float('nan')):.0e}</td></tr>"
                       for k, v in self.max_rel_error.items())
        caption = html.escape(f"{self.verdict} ({self.points_checked} points) {self.note}")
        return (f"<table><caption>{caption}</caption><tr><th>reference</th>"
                f"<th>max rel. error</th><th>tolerance</th></tr>{rows}</table>")
