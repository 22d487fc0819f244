"""The precision study: every method swept over h, measured against the truth.

:func:`study` evaluates each finite-difference method of
:mod:`workbench.numerics.finite_diff` over log-spaced steps in a working
precision, compares each result with the 50-digit truth, and sets the measured
optimum step and slopes beside the error model's.

>>> from workbench.core.parse import parse
>>> s = study(parse("x**2"), ["x"], {"x": 3})
>>> s.true, s.methods["complex_step"].min_rel_error
(6.0, 0.0)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import mpmath
import numpy as np
import sympy as sp

from ...core.digits import DIGITS
from ...core.errors import InputError
from ...core.printing import to_text
from .. import finite_diff as fd
from .line import Line, make_line, value_at
from .machine import H_RANGE, dtype_of, machine_epsilon
from .models import Model, model
from .truth import Sides, Truth, check_range, one_sided, truth


@dataclass
class MethodResult:
    """One method's row of the study."""

    method: str
    order: int
    h_rule: float | None           # the default step of finite_diff.step for this dtype
    error_at_rule: float | None
    h_opt_theory: float | None
    h_opt_measured: float | None
    min_rel_error: float | None
    min_rel_error_theory: float | None
    model: Model
    note: str = ""
    slope_truncation: float | None = None   # measured; theory: the order p
    slope_roundoff: float | None = None     # measured; theory: −1

    def to_dict(self) -> dict:
        return {"h_opt_theory": finite(self.h_opt_theory),
                "h_opt_measured": finite(self.h_opt_measured),
                "min_rel_error": finite(self.min_rel_error), "order": self.order,
                "h_rule": finite(self.h_rule), "rel_error_at_rule": finite(self.error_at_rule),
                "min_rel_error_theory": finite(self.min_rel_error_theory),
                "slope_truncation": finite(self.slope_truncation),
                "slope_roundoff": finite(self.slope_roundoff), "note": self.note}


def finite(v) -> float | None:
    return None if v is None or not math.isfinite(v) else float(v)


@dataclass
class Study:
    """A precision study of ∂f/∂wrt at one point in one working precision."""

    line: Line
    dtype: str
    status: str                     # ok | nondifferentiable
    sides: Sides
    truth: Truth | None = None
    h: np.ndarray = field(default_factory=lambda: np.zeros(0))
    errors: dict[str, np.ndarray] = field(default_factory=dict)
    methods: dict[str, MethodResult] = field(default_factory=dict)
    estimates: dict[str, float] = field(default_factory=dict)   # at each method's rule step

    @property
    def eps(self) -> float:
        return machine_epsilon(self.dtype)

    @property
    def true(self) -> float | None:
        return None if self.truth is None else float(self.truth.value)

    @property
    def error_kind(self) -> str:
        return "absolute" if self.true == 0 else "relative"

    def to_dict(self) -> dict:
        line = self.line
        out = {"status": self.status, "expr": to_text(line.expr), "variables": line.variables,
               "wrt": line.wrt, "at": {v: float(sp.N(p, 30)) for v, p in
                                      zip(line.variables, line.point, strict=True)},
               "dtype": self.dtype, "eps": self.eps,
               "left": self.sides.left.to_dict(), "right": self.sides.right.to_dict()}
        if self.status != "ok":
            out.update(true=None, note=self.sides.note, methods={}, sweep=[],
                       estimates={m: finite(v) for m, v in self.estimates.items()})
            return out
        out.update(true=self.true, error_kind=self.error_kind,
                   truth_check={"mpmath_diff_vs_symbolic": self.truth.agreement,
                                "ok": self.truth.ok},
                   estimates={m: finite(v) for m, v in self.estimates.items()},
                   methods={m: r.to_dict() for m, r in self.methods.items()},
                   sweep=[{"h": float(h), **{m: finite(self.errors[m][k]) for m in self.errors}}
                          for k, h in enumerate(self.h)])
        return out


def sweep_steps(h_range: tuple[float, float] = H_RANGE, per_decade: int = 8) -> np.ndarray:
    """Log-spaced steps over ``h_range``, ``per_decade`` per factor of ten."""
    lo, hi = (float(v) for v in h_range)
    if not (lo > 0 and hi > 0 and math.isfinite(lo) and math.isfinite(hi)):
        raise InputError(f"step range must be positive and finite, got {lo:g} .. {hi:g}")
    if not lo < hi:
        raise InputError(f"step range must run from small to large, got {lo:g} .. {hi:g}")
    if not 1 <= per_decade <= 100:
        raise InputError(f"steps per decade must be between 1 and 100, got {per_decade}")
    n = max(2, round(math.log10(hi / lo) * per_decade) + 1)
    return np.logspace(math.log10(lo), math.log10(hi), n)


def errors_against(values: np.ndarray, t: mpmath.mpf) -> np.ndarray:
    """|D − t| / |t| (absolute when t = 0), with t split hi + lo so float64 can subtract it."""
    hi = float(t)
    with mpmath.workdps(DIGITS):
        lo = float(t - hi)
    v = np.asarray(values, dtype=np.float64)
    with np.errstate(all="ignore"):  # NaN/inf estimates are reported as missing, not warned
        err = np.abs((v - hi) - lo) / (abs(hi) if hi != 0 else 1.0)
    return np.where(np.isfinite(err), err, np.nan)


def measured_optimum(h: np.ndarray, err: np.ndarray) -> tuple[float | None, float | None]:
    """(h at the smallest error, the smallest error).

    Round-off makes single errors noisy (a lucky step can hit the truth exactly),
    so the optimum is taken on the running median of log-errors over five
    neighbouring steps (half a decade at 8 per decade); the error reported is
    the smallest measured one.
    """
    ok = np.isfinite(err)
    if not ok.any():
        return None, None
    if not np.any(err[ok]):  # exact at every step: there is no optimum to find
        return None, 0.0
    logs = np.log10(np.maximum(np.where(ok, err, np.inf), 1e-300))
    smooth = np.array([np.median(logs[max(0, k - 2):k + 3]) for k in range(len(logs))])
    smooth[~ok] = np.inf
    k = int(np.argmin(smooth))
    return float(h[k]), float(np.min(err[ok]))


def measured_slopes(h: np.ndarray, err: np.ndarray, h_opt: float | None, eps: float,
                    x_scale: float) -> tuple[float | None, float | None]:
    """Log-log slopes of the error right and left of the optimum: ≈ p and ≈ −1 in theory.

    Right: steps above 10·h* whose error is between 100ε and 0.1 (the asymptotic
    truncation regime).  Left: steps from 10·ε·max(1, |x|) (below that x + h = x
    and nothing is measured) to h*/10.  None where fewer than 4 steps qualify.
    """
    if h_opt is None:
        return None, None
    ok = np.isfinite(err) & (err > 0) & (err < 0.1)
    right = ok & (h > 10 * h_opt) & (err > 100 * eps)
    left = ok & (h < h_opt / 10) & (h > 10 * eps * x_scale)
    return tuple(float(np.polyfit(np.log10(h[m]), np.log10(err[m]), 1)[0]) if m.sum() >= 4
                 else None for m in (right, left))


def _sweep(method: str, g, gc, x: np.ndarray, h: np.ndarray, levels: int) -> np.ndarray:
    """The method's estimate at every step (NaN where the step underflows in x's dtype)."""
    hd = h.astype(x.dtype)
    usable = hd > 0
    out = np.full(h.shape, np.nan)
    if method == "complex_step" and x.dtype == np.float16:
        return out
    if usable.any():
        fn = gc if method == "complex_step" else g
        with np.errstate(all="ignore"):
            est = fd.derivative(fn, x, method, hd[usable], levels)
        out[usable] = np.asarray(est.value, dtype=np.float64)
    return out


def study(expr: sp.Expr, variables: Sequence[str], point: Mapping, wrt: str | None = None,
          dtype: str = "float64", h_range: tuple[float, float] = H_RANGE,
          per_decade: int = 8, levels: int = 2) -> Study:
    """Every finite-difference method against the 50-digit truth, over a sweep of steps."""
    dt = dtype_of(dtype)
    line = make_line(expr, variables, point, wrt)
    h = sweep_steps(h_range, per_decade)
    value_at(line)
    sides = one_sided(line)
    if not sides.differentiable:
        out = Study(line, dtype, "nondifferentiable", sides)
        g = line.np(dt)
        x = np.asarray(float(sp.N(line.x, 30)), dtype=dt)
        with np.errstate(all="ignore"):  # one side may be undefined: NaN is the answer there
            out.estimates = {m: float(fd.derivative(g, x, m).value)
                             for m in ("forward", "backward", "central")}
        return out
    tr = truth(line)
    check_range(line, tr, dt)
    g, gc = line.np(dt), line.np(dt, complex_safe=True)
    x = np.asarray(float(sp.N(line.x, 30)), dtype=dt)
    out = Study(line, dtype, "ok", sides, tr, h)
    for method in fd.METHODS:
        out.errors[method] = errors_against(_sweep(method, g, gc, x, h, levels), tr.value)
        out.methods[method], out.estimates[method] = _summarize(method, out, g, gc, x, levels)
    return out


def _summarize(method, s: Study, g, gc, x, levels) -> tuple[MethodResult, float | None]:
    m = model(method, s.truth, s.line.x, x.dtype, levels)
    h_meas, e_min = measured_optimum(s.h, s.errors[method])
    h_rule = est = err_rule = None
    note = ""
    if method == "complex_step" and x.dtype == np.float16:
        note = "NumPy has no complex float16: the complex step cannot run in this precision"
    else:
        e = fd.derivative(gc if method == "complex_step" else g, x, method, levels=levels)
        h_rule, est = float(e.h), float(e.value)
        err_rule = float(errors_against(np.asarray(est), s.truth.value))
    slopes = (None, None)
    if method != "complex_step":
        slopes = measured_slopes(s.h, s.errors[method], h_meas, s.eps,
                                 float(fd.scale(float(x))))
    if method == "complex_step":
        h_th = None
        floor_h = m.h_floor
        e_th = m.F
        if not note:
            note = ("no round-off from subtraction: every h below "
                    f"{floor_h:.1e} reaches the floor" if floor_h else
                    "no truncation (f''' = 0): every h reaches the floor")
    else:
        h_th = m.h_opt
        e_th = float(m.total(h_th)) if h_th else None
        if h_th is None:
            note = (f"truncation term vanishes (f^({m.order + 1}) = 0 here): the error is "
                    "round-off only and falls as h grows")
    return MethodResult(method, m.order, h_rule, err_rule, h_th, h_meas, e_min, e_th, m,
                        note, *slopes), est
