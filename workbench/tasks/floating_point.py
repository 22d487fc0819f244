"""Floating-point tasks: machine epsilon (``machine_eps``) and cancellation (``cancellation``).

A binary floating-point type keeps a fixed number of mantissa bits, so between 1
and the next representable number lies a gap ε (2⁻⁵² in float64).  Rounding to
nearest makes fl(1 + v) = 1 for every v up to ε/2: ε is that gap, not the
smallest addend that survives.  Subtracting two nearly equal values, as
f(x + h) − f(x) does for small h, cancels their leading digits, and what is left
is mostly their rounding error.

* ``machine_eps`` - machine epsilon per type, 1 + ε against 1 + 1e-16.
* ``cancellation`` - digits lost in f(x + h) − f(x), and one derivative in
  float16, float32, float64 and 50 digits.

Every number a source states is a claim (``claimed``) checked against these
measurements, never copied.  The default steps of ``cancellation`` run from
10⁻² down to 10⁻¹⁶, below ε/2, where x + h rounds back to x for |x| ≥ 1:

>>> DEFAULT_STEPS[0], DEFAULT_STEPS[-1]
(0.01, 1e-16)
"""

from __future__ import annotations

import re

import numpy as np
import sympy as sp

from ..core.errors import InputError, WorkbenchError
from ..core.parse import parse
from ..numerics import finite_diff as fd
from ..numerics import precision
from .common import claimed_value as _claimed
from .fd import (
    DTYPE,
    DTYPES,
    LINE_FIELDS,
    METHOD,
    STEPS,
    claim_number,
    compare_table,
    exercise_dtype,
    exercise_line,
    f_math,
    steps_field,
)
from .model import Outcome, Table
from .registry import Context, Exercise, task
from .schema import EXPR, POINT, Field


@task("machine_eps", required={},
      optional={"dtypes": DTYPES,
                "values": Field(list, 'small numbers v for 1 + v: numbers or "eps"',
                                limit="list_items")},
      claims={"eps": Field(str, "float64 machine epsilon", kind="number"),
              "printed": Field(list, "how 1 + v prints, one string per value",
                               limit="list_items"),
              "smallest_addend": Field(bool, "ε is the smallest number that survives 1 + ε")},
      example='''
values = [1e-16, "eps"]
claimed = { eps = "2.22e-16" }
''')
def machine_eps_task(ex: Exercise, ctx: Context) -> Outcome:
    """Machine epsilon per type (finfo and measured), and 1 + v for small v."""
    out = Outcome()
    dtypes = [exercise_dtype(ex, d, "dtypes")
              for d in ex.fields.get("dtypes", list(precision.DTYPES))]
    rows = []
    for r in precision.machine_table():
        if r["dtype"] not in dtypes:
            continue
        rows.append([r["dtype"], str(r["bits"]), str(r["mantissa_bits"]), f"{r['eps']:.6g}",
                     f"{r['eps_measured']:.6g}", str(r["decimal_digits"]),
                     f"{r['smallest_normal']:.3g}", f"{r['largest']:.4g}"])
        out.check(f"{r['dtype']}: ε by halving equals finfo.eps",
                  r["eps"] == r["eps_measured"], f"{r['eps_measured']!r}")
    out.add(Table(["type", "bits", "mantissa bits", "ε (finfo)", "ε (halving 1 + e > 1)",
                   "digits", "smallest normal", "largest"], rows,
                  "ε is the gap between 1 and the next representable number."))
    values = _values(ex)
    table = [[label] + [precision.one_plus(v, d) for d in dtypes] for label, v in values]
    out.add(Table(["v"] + [f"fl(1 + v) in {d}" for d in dtypes], table,
                  "Round to nearest: 1 + v is 1 again unless v exceeds ε/2."))
    for d in dtypes:
        e = precision.machine_epsilon(d)
        t = np.dtype(d).type
        half_lost = t(1) + t(e / 2) == t(1)
        out.check(f"{d}: 1 + ε > 1 and 1 + ε/2 = 1 (ties round to even)",
                  t(1) + t(e) > t(1) and half_lost, f"ε = {e:.3g}")
    _eps_claims(ex, out, values)
    return out


def _values(ex) -> list[tuple[str, float]]:
    raw = ex.fields.get("values", [1e-16, "eps"])
    out = []
    for k, v in enumerate(raw):
        if isinstance(v, str):
            try:
                num = float(parse(v, ["eps"]).subs(sp.Symbol("eps", real=True),
                                                   precision.machine_epsilon("float64")))
            except (WorkbenchError, TypeError) as exc:
                raise InputError(f"{ex.where(f'values[{k}]')}: {exc}") from None
            out.append((f"{v} = {num:.17g}", num))
        elif isinstance(v, int | float) and not isinstance(v, bool):
            out.append((f"{v!r}", float(v)))
        else:
            raise InputError(f"{ex.where(f'values[{k}]')}: expected a number or an expression "
                             "in eps")
    return out


def _eps_claims(ex, out, values) -> None:
    e64 = precision.machine_epsilon("float64")
    claimed = _claimed(ex, "eps")
    if claimed is not None:
        c = float(sp.N(claim_number(ex, "eps", claimed), 30))
        digits = len(re.sub(r"[^0-9]", "", f"{claimed}".split("e")[0].lstrip("0.")))
        holds = float(f"{e64:.{max(digits, 1) - 1}e}") == c
        out.claim(f"float64 machine epsilon is {claimed}", holds, f"ε = {e64!r}")
    printed = _claimed(ex, "printed")
    if printed is not None:
        if not isinstance(printed, list) or len(printed) != len(values):
            raise InputError(f"{ex.where('claimed.printed')}: expected {len(values)} strings, "
                             "one per value")
        for (label, v), text in zip(values, printed, strict=True):
            got = precision.one_plus(v, "float64")
            out.claim(f"1 + {label.split(' =')[0]} prints {text}", got == str(text),
                      f"Python prints {got}")
    if _claimed(ex, "smallest_addend") is not None:
        just_above_half = float(np.nextafter(e64 / 2, 1.0))
        survives = 1.0 + just_above_half > 1.0
        holds = (not survives) == bool(_claimed(ex, "smallest_addend"))
        out.claim("ε is the smallest number that can be added to 1 without being lost", holds,
                  f"1 + {just_above_half!r} = {1.0 + just_above_half!r}: every v above ε/2 "
                  "survives (round to nearest); ε is the gap from 1 to the next float, "
                  "not the smallest addend")


DEFAULT_STEPS = [10.0 ** -k for k in range(2, 17, 2)]


@task("cancellation", required={"expr": EXPR, "at": POINT},
      optional={**LINE_FIELDS, "h": STEPS, "dtype": DTYPE, "method": METHOD},
      claims={"zero_at": Field(list, "steps h at which f(x + h) − f(x) rounds to 0",
                               limit="list_items")},
      example='''
expr = "x**2"
at = "x=3"
h = [1e-2, 1e-8, 1e-16]
claimed = { zero_at = [1e-16] }
''')
def cancellation_task(ex: Exercise, ctx: Context) -> Outcome:
    """Digits lost in f(x+h) − f(x), and one derivative in every precision."""
    out = Outcome()
    line = exercise_line(ex)
    dtype = exercise_dtype(ex, ex.fields.get("dtype", "float64"))
    hs = steps_field(ex, dtype) if "h" in ex.fields else DEFAULT_STEPS
    rows_ = precision.cancellation(line, hs, dtype)
    out.add(f_math(line), Table(
        ["h", "f(x+h)", "f(x)", "computed difference", "exact difference", "digits lost",
         "correct digits"],
        [[f"{r.h:.0e}", repr(r.f_plus), repr(r.f_x), repr(r.computed), f"{r.exact:.6e}",
          f"{r.digits_lost:.1f}", f"{r.correct_digits:.1f}"] for r in rows_],
        f"{dtype}: subtracting nearly equal values cancels their leading digits; what is "
        "left is mostly rounding error."))
    _cancellation_check(out, line, rows_, dtype)
    method = ex.fields.get("method", "central")
    if method not in fd.METHODS:
        raise InputError(f"{ex.where('method')}: unknown method {method!r}")
    out.add(compare_table(line, method))
    zeros = _claimed(ex, "zero_at")
    for h in zeros or []:
        match = [r for r in rows_ if r.h == float(h)]
        if not match:
            raise InputError(f"{ex.where('claimed.zero_at')}: {h} is not one of the steps h")
        out.claim(f"f(x + {h:g}) − f(x) rounds to 0", match[0].computed == 0,
                  f"computed difference {match[0].computed!r}")
    return out


def _cancellation_check(out, line, rows_, dtype) -> None:
    """Rounding-error bound: |computed − exact| ≤ 2u(|f(x+h)| + |f(x)|) + 2u|x + h|·|f'|."""
    u = precision.machine_epsilon(dtype) / 2
    tr = precision.truth(line, order=1)
    x = abs(float(sp.N(line.x, 30)))
    worst = 0.0
    for r in rows_:
        bound = 2 * u * (abs(r.f_plus) + abs(r.f_x)) + 2 * u * (x + r.h) * abs(float(tr.value))
        worst = max(worst, abs(r.computed - r.exact) / bound if bound else 0.0)
    out.check("every computed difference is within the rounding-error bound", worst <= 1,
              f"largest error / bound = {worst:.2f}")
