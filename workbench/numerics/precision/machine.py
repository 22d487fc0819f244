"""Machine arithmetic made visible: ε per working precision, 1 + tiny, digits lost.

ε is the gap between 1 and the next larger number of a type; the unit
round-off u = ε/2 bounds the relative error of one rounding.  ``finfo`` states
it and :func:`measured_epsilon` finds it by halving, so the two can be compared.

>>> machine_epsilon("float32") == measured_epsilon("float32")
True
>>> one_plus(1e-16), round(digits_lost(1.0000001, 1.0), 1)
('1.0', 7.0)
"""

from __future__ import annotations

import math

import numpy as np

from ...core.errors import InputError

#: The working precisions a study can run in.
DTYPES: dict[str, type] = {"float16": np.float16, "float32": np.float32, "float64": np.float64}

#: Default sweep of the step h.
H_RANGE = (1e-16, 1e-1)


# ------------------------------------------------------------------ machine arithmetic

def dtype_of(name: str) -> np.dtype:
    """The NumPy dtype called ``name``; unknown names are refused with the choices."""
    if name not in DTYPES:
        raise InputError(f"unknown dtype {name!r} (choose from {', '.join(DTYPES)})")
    return np.dtype(DTYPES[name])


def machine_epsilon(dtype: str) -> float:
    """ε: the gap between 1 and the next larger number of ``dtype`` (``finfo.eps``)."""
    return float(np.finfo(dtype_of(dtype)).eps)


def measured_epsilon(dtype: str) -> float:
    """ε found by halving: the last power of two e with fl(1 + e) > 1, computed in ``dtype``."""
    t = dtype_of(dtype).type
    one, e = t(1), t(1)
    while one + e / t(2) > one:
        e = e / t(2)
    return float(e)


def machine_table() -> list[dict]:
    """One row per working precision: bits, ε (``finfo`` and measured), digits, range."""
    rows = []
    for name in DTYPES:
        info = np.finfo(dtype_of(name))
        rows.append({"dtype": name, "bits": info.bits, "mantissa_bits": info.nmant + 1,
                     "eps": float(info.eps), "eps_measured": measured_epsilon(name),
                     "unit_roundoff": float(info.eps) / 2, "decimal_digits": info.precision,
                     "smallest_normal": float(info.tiny), "largest": float(info.max)})
    return rows


def one_plus(value: float, dtype: str = "float64") -> str:
    """fl(1 + value) in ``dtype``, printed the way Python prints it (shortest round-trip)."""
    t = dtype_of(dtype).type
    return repr(float(t(1) + t(value)))


def digits_lost(a: float, b: float) -> float:
    """Decimal digits cancelled in a − b: log₁₀(max(|a|, |b|) / |a − b|); ∞ when a = b."""
    if a == b:
        return math.inf
    return max(0.0, math.log10(max(abs(a), abs(b)) / abs(a - b)))
