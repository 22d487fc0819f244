"""Precision studies: numerical derivatives measured against a 50-digit truth.

Where does a finite difference stop being accurate, and which step should one
take?  :func:`study` answers with measurements.  It sweeps the step h over
[1e-16, 1e-1] (log-spaced), evaluates every method of
:mod:`workbench.finite_diff` in the working precision (float16, float32 or
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

>>> from workbench.core.parse import parse
>>> s = study(parse("x**2"), ["x"], {"x": 3})
>>> s.true, s.methods["complex_step"].min_rel_error
(6.0, 0.0)
>>> one_plus(1e-16), one_plus(machine_epsilon("float64"))
('1.0', '1.0000000000000002')
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import reduce
from pathlib import Path

import mpmath
import numpy as np
import sympy as sp

from ..core.digits import DIGITS
from ..core.errors import DomainError, InputError
from ..core.functions import SYMPY, TABLE, softplus
from ..core.printing import to_text
from ..symbolic.calculus import symbols
from . import finite_diff as fd

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


# ------------------------------------------------------------------ evaluation

def _literal_constants(expr: sp.Expr) -> sp.Expr:
    """Numeric subexpressions (√2, log 3) as 30-digit literals.

    NumPy keeps a float32 array float32 under Python-float constants, but
    ``numpy.sqrt(2)`` is a float64 scalar and would silently promote the whole
    computation; literals keep the study in its working precision.
    """
    return expr.replace(lambda e: e.is_number and not e.is_Atom,
                        lambda e: sp.Float(sp.N(e, 30), 30))


def _cabs(z):
    # |z| continued analytically from the real axis: z·sign(Re z) (fine away from 0)
    return z * np.sign(np.real(z))


def _cmax(a, b):
    return np.where(np.real(a) >= np.real(b), a, b)


def _cmin(a, b):
    return np.where(np.real(a) <= np.real(b), a, b)


_COMPLEX = {"cabs": _cabs, "cmax": _cmax, "cmin": _cmin,
            "csign": lambda z: np.sign(np.real(z))}


def _complex_safe(expr: sp.Expr) -> sp.Expr:
    """Rewrite the non-analytic pieces so the complex step sees their real-axis branch."""
    cabs, cmax, cmin, csign = (sp.Function(n) for n in ("cabs", "cmax", "cmin", "csign"))
    return (expr.replace(softplus, lambda a: TABLE["softplus"].expand(SYMPY, a))
            .replace(sp.Abs, cabs).replace(sp.sign, csign)
            .replace(sp.Max, lambda *a: reduce(cmax, a))
            .replace(sp.Min, lambda *a: reduce(cmin, a)))


def numeric(expr: sp.Expr, variables: Sequence[str], complex_safe: bool = False) -> Callable:
    """A NumPy function of ``expr`` that computes in the dtype of its arguments.

    ``complex_safe`` rewrites abs, sign, max, min and softplus so complex
    arguments (the complex step) follow the real-axis branch.
    """
    xs = symbols(variables)
    e = _literal_constants(expr)
    modules = [_COMPLEX, "numpy"] if complex_safe else ["numpy"]
    fn = sp.lambdify(xs, _complex_safe(e) if complex_safe else e, modules=modules, cse=True)

    def run(*args):
        with np.errstate(all="ignore"):  # overflow and invalid show up as inf/nan errors
            out = fn(*args)
        shape = np.broadcast_shapes(*(np.shape(a) for a in args))
        dtype = np.result_type(*args)
        return np.broadcast_to(np.asarray(out, dtype=np.result_type(out, dtype)), shape)

    return run


def _mp_function(expr: sp.Expr, variables: Sequence[str]) -> Callable:
    fn = sp.lambdify(symbols(variables), expr, modules="mpmath")

    def call(*v):
        try:
            return fn(*v)
        except (ZeroDivisionError, ValueError, OverflowError):
            return mpmath.nan

    return call


def _real_finite(z) -> bool:
    return isinstance(z, mpmath.mpf) and bool(mpmath.isfinite(z))


def _exact_point(point: Mapping, variables: Sequence[str]) -> list[sp.Expr]:
    missing = [v for v in variables if v not in point]
    if missing:
        raise InputError(f"the point gives no value for {', '.join(missing)}")
    return [sp.nsimplify(point[v]) if not isinstance(point[v], sp.Basic) else point[v]
            for v in variables]


def _where(variables, values) -> str:
    return ", ".join(f"{v}={sp.sstr(p)}" for v, p in zip(variables, values, strict=True))


@dataclass
class Line:
    """f restricted to the line through ``point`` along ``wrt``: g(t) = f(…, t, …)."""

    expr: sp.Expr
    variables: list[str]
    point: list[sp.Expr]
    wrt: str

    @property
    def index(self) -> int:
        return self.variables.index(self.wrt)

    @property
    def x(self) -> sp.Expr:
        return self.point[self.index]

    def mp(self) -> Callable:
        """g as an mpmath function of t; the other coordinates are exact 50-digit values."""
        f = _mp_function(self.expr, self.variables)
        with mpmath.workdps(DIGITS + 20):
            fixed = [mpmath.mpf(sp.N(p, DIGITS + 20)) for p in self.point]
        i = self.index
        return lambda t: f(*fixed[:i], t, *fixed[i + 1:])

    def np(self, dtype: np.dtype, complex_safe: bool = False) -> Callable:
        """g in NumPy, the other coordinates rounded to ``dtype``."""
        f = numeric(self.expr, self.variables, complex_safe)
        fixed = [np.asarray(float(sp.N(p, 30)), dtype=dtype) for p in self.point]
        i = self.index
        return lambda t: f(*fixed[:i], t, *fixed[i + 1:])


def make_line(expr: sp.Expr, variables: Sequence[str], point: Mapping,
              wrt: str | None = None) -> Line:
    """Validate variables, point and ``wrt`` and build the :class:`Line`."""
    variables = list(variables)
    if wrt is None:
        if len(variables) != 1:
            raise InputError(f"a function of {', '.join(variables)} needs --wrt to name "
                             "the partial derivative")
        wrt = variables[0]
    if wrt not in variables:
        raise InputError(f"--wrt {wrt}: not a variable (variables: {', '.join(variables)})")
    return Line(expr, variables, _exact_point(point, variables), wrt)


def _value_at(line: Line) -> mpmath.mpf:
    """f at the point in 50 digits; a point outside the domain is a :class:`DomainError`."""
    with mpmath.workdps(DIGITS):
        y = line.mp()(mpmath.mpf(sp.N(line.x, DIGITS + 20)))
    if not _real_finite(y):
        raise DomainError(f"the point {_where(line.variables, line.point)} is outside the "
                          "domain of f (f is not a real finite number there)")
    return y


# ------------------------------------------------------------------ one-sided derivatives

@dataclass
class Side:
    """A one-sided derivative: ``converged`` (value), ``diverges`` (±inf) or ``undefined``."""

    status: str
    value: float | None

    def to_dict(self) -> dict:
        v = self.value
        return {"status": self.status,
                "value": None if v is None or not math.isfinite(v) else v,
                "sign": None if v is None else (1 if v > 0 else -1 if v < 0 else 0)}


@dataclass
class Sides:
    left: Side
    right: Side
    differentiable: bool
    note: str = ""


#: Steps for the one-sided quotients, at 100 digits: far below any float step.
_SIDE_STEPS = (mpmath.mpf(10) ** -20, mpmath.mpf(10) ** -25, mpmath.mpf(10) ** -30)


def _side(g, x, y0, sign: int) -> tuple[Side, list]:
    quotients = []
    for h in _SIDE_STEPS:
        y = g(x + sign * h)
        if not _real_finite(y):
            return Side("undefined", None), []
        quotients.append((y - y0) / (sign * h))
    q1, _, q3 = quotients
    # a finite one-sided derivative settles; a vertical tangent keeps growing like h^(-a)
    if abs(q3) > 100 * max(1, abs(q1)):
        return Side("diverges", math.copysign(math.inf, float(q3))), quotients
    return Side("converged", float(q3)), quotients


def one_sided(line: Line) -> Sides:
    """Left and right derivatives along ``line.wrt`` from 100-digit difference quotients.

    Quotients at h = 1e-20, 1e-25, 1e-30: for smooth f the gap between the sides
    is about h·|f''| and shrinks with h; at a kink it stays O(1); at a vertical
    tangent a side grows without bound; outside the domain it is undefined.
    """
    with mpmath.workdps(2 * DIGITS):
        g = line.mp()
        x = mpmath.mpf(sp.N(line.x, 2 * DIGITS))
        y0 = g(x)
        left, ql = _side(g, x, y0, -1)
        right, qr = _side(g, x, y0, +1)
        if left.status != "converged" or right.status != "converged":
            bad = [f"{n} derivative {s.status}" for n, s in (("left", left), ("right", right))
                   if s.status != "converged"]
            return Sides(left, right, False, "; ".join(bad))
        gap_first, gap_last = abs(qr[0] - ql[0]), abs(qr[-1] - ql[-1])
        size = max(1, abs(qr[-1]), abs(ql[-1]))
        smooth = gap_last <= mpmath.mpf(10) ** -12 * size or gap_last <= gap_first / 1000
    if smooth:
        return Sides(left, right, True)
    return Sides(left, right, False,
                 f"left derivative {left.value:.10g} differs from right derivative "
                 f"{right.value:.10g}")


# ------------------------------------------------------------------ ground truth

@dataclass
class Truth:
    """f and its derivatives at the point, 50 digits; f' checked against the exact formula."""

    derivs: list[mpmath.mpf]       # f, f', …, f⁽⁷⁾ along the line
    symbolic: mpmath.mpf           # the exact symbolic f' evaluated at 50 digits
    agreement: float               # |mpmath.diff − symbolic| / max(1, |f'|)

    @property
    def value(self) -> mpmath.mpf:
        return self.derivs[1]

    @property
    def ok(self) -> bool:
        return self.agreement <= 1e-30


def truth(line: Line, order: int = 7) -> Truth:
    """mpmath.diffs at 50 digits (f … f⁽ᵒʳᵈᵉʳ⁾) and the symbolic f' as a cross-check."""
    with mpmath.workdps(DIGITS):
        x = mpmath.mpf(sp.N(line.x, DIGITS + 20))
        g = line.mp()
        derivs = list(mpmath.diffs(g, x, order))
        # f' on its own: diffs shares one step among all orders, diff picks the best for f'
        derivs[1] = mpmath.diff(g, x)
        if abs(derivs[1]) <= mpmath.mpf(10) ** (10 - DIGITS) * max(1, abs(derivs[0])):
            derivs[1] = mpmath.mpf(0)  # zero to 40 digits: errors are then absolute
        d1 = sp.diff(line.expr, symbols([line.wrt])[0])
        sym = _mp_function(d1, line.variables)(
            *[mpmath.mpf(sp.N(p, DIGITS + 20)) for p in line.point])
    if not all(_real_finite(d) for d in derivs[:2]):
        raise DomainError(f"f is not differentiable in real arithmetic near "
                          f"{_where(line.variables, line.point)}")
    # higher derivatives only feed the error model; mpmath.diffs leaves ~1e-135 noise where
    # they vanish (f linear along the line), which would fake a truncation term
    size = max(1, abs(derivs[0]), abs(derivs[1])) * mpmath.mpf(10) ** -40
    derivs[2:] = [d if _real_finite(d) and abs(d) > size else mpmath.mpf(0)
                  for d in derivs[2:]]
    with mpmath.workdps(DIGITS):
        agree = (float(abs(derivs[1] - sym) / max(1, abs(derivs[1])))
                 if _real_finite(sym) else math.inf)
    return Truth(derivs, sym, agree)


def _check_range(line: Line, tr: Truth, dt: np.dtype) -> None:
    """f and f' must be representable in the working precision, else nothing can be measured."""
    top = float(np.finfo(dt).max)
    for name, v in (("f", tr.derivs[0]), ("f'", tr.value)):
        if abs(v) > top:
            raise InputError(f"{name} = {mpmath.nstr(v, 5)} at "
                             f"{_where(line.variables, line.point)} overflows {dt} "
                             f"(largest {top:.4g}); choose a wider dtype or another point")


# ------------------------------------------------------------------ error models

@dataclass
class Model:
    """E(h) ≈ A·hᵖ + B/h + F, relative to |f'| (see the module docstring)."""

    order: int
    A: float
    B: float
    F: float

    def truncation(self, h):
        return self.A * np.asarray(h, float) ** self.order

    def roundoff(self, h):
        return self.B / np.asarray(h, float)

    def total(self, h):
        return self.truncation(h) + self.roundoff(h) + self.F

    @property
    def h_opt(self) -> float | None:
        """argmin E: (B/(p·A))^{1/(p+1)}; None when one of the two terms vanishes."""
        if self.A <= 0 or self.B <= 0:
            return None
        return (self.B / (self.order * self.A)) ** (1 / (self.order + 1))

    @property
    def h_floor(self) -> float | None:
        """Complex step: the largest h whose truncation is below the floor F."""
        if self.B > 0 or self.A <= 0:
            return None
        return math.sqrt(self.F / self.A)


def _stencil(method: str, levels: int) -> fd.Stencil | None:
    if method == "richardson":
        return fd.richardson_stencil(levels)
    return fd.STENCILS.get(method)


def model(method: str, tr: Truth, x: sp.Expr, dtype: np.dtype, levels: int = 2) -> Model:
    """The error model of ``method`` for this function, point and working precision."""
    u = float(np.finfo(dtype).eps) / 2
    d = [abs(float(v)) for v in tr.derivs]
    t = d[1]
    denom = t if t > 0 else 1.0
    xf = float(sp.N(x, 30))
    point_err = abs(float(np.asarray(xf, dtype=dtype)) - float(sp.N(x, 40))) * d[2]
    floor = (u * t + point_err) / denom
    st = _stencil(method, levels)
    if st is None:  # complex step: Im f(x + ih)/h = f' − h² f'''/6 + …
        return Model(2, d[3] / 6 / denom, 0.0, floor)
    p = st.order
    A = abs(float(st.truncation)) * d[p + 1] / denom
    B = u * (d[0] * float(st.weight_sum) + abs(xf) * t * float(st.shifted_weight_sum)) / denom
    return Model(p, A, B, floor)


# ------------------------------------------------------------------ the study

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
        return {"h_opt_theory": _num(self.h_opt_theory),
                "h_opt_measured": _num(self.h_opt_measured),
                "min_rel_error": _num(self.min_rel_error), "order": self.order,
                "h_rule": _num(self.h_rule), "rel_error_at_rule": _num(self.error_at_rule),
                "min_rel_error_theory": _num(self.min_rel_error_theory),
                "slope_truncation": _num(self.slope_truncation),
                "slope_roundoff": _num(self.slope_roundoff), "note": self.note}


def _num(v) -> float | None:
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
                       estimates={m: _num(v) for m, v in self.estimates.items()})
            return out
        out.update(true=self.true, error_kind=self.error_kind,
                   truth_check={"mpmath_diff_vs_symbolic": self.truth.agreement,
                                "ok": self.truth.ok},
                   estimates={m: _num(v) for m, v in self.estimates.items()},
                   methods={m: r.to_dict() for m, r in self.methods.items()},
                   sweep=[{"h": float(h), **{m: _num(self.errors[m][k]) for m in self.errors}}
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
    _value_at(line)
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
    _check_range(line, tr, dt)
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


# ------------------------------------------------------------------ single quotients

def quotient(line: Line, method: str, h: float, dtype: str = "float64") -> float:
    """The ``method`` quotient at step ``h`` computed in ``dtype``, as code in that type gets it."""
    dt = dtype_of(dtype)
    fn = line.np(dt, complex_safe=method == "complex_step")
    x = np.asarray(float(sp.N(line.x, 30)), dtype=dt)
    return float(fd.derivative(fn, x, method, h).value)


def quotient_exact(line: Line, method: str, h, levels: int = 2) -> mpmath.mpf:
    """The same stencil in 50-digit arithmetic with h taken exactly: its truncation error alone.

    ``h`` may be a SymPy expression (kept exact) or a float (its exact binary value).
    """
    st = _stencil(method, levels)
    if st is None:
        raise InputError("the complex step has no real-arithmetic stencil to evaluate exactly")
    fd.check_step(float(sp.N(h, 30)))
    with mpmath.workdps(DIGITS):
        g = line.mp()
        x = mpmath.mpf(sp.N(line.x, DIGITS + 20))
        hh = mpmath.mpf(sp.N(h, DIGITS + 20)) if isinstance(h, sp.Basic) else mpmath.mpf(h)
        total = mpmath.mpf(0)
        for c, w in zip(st.offsets, st.weights, strict=True):
            total += _frac(w) * g(x + _frac(c) * hh)
        return total / hh


def quotient_at_precision(line: Line, method: str, h, bits: int, levels: int = 2) -> mpmath.mpf:
    """The stencil with every operation rounded to ``bits`` binary digits (ε = 2^(1−bits)).

    Simulates a stated working precision such as ε = 1e-4 (``bits = 14``) that no
    hardware type has; the step and the point are rounded to that precision too.
    """
    st = _stencil(method, levels)
    if st is None:
        raise InputError("the complex step has no real-arithmetic stencil")
    if not 2 <= bits <= 1000:
        raise InputError(f"precision must be between 2 and 1000 bits, got {bits}")
    g = _mp_function(line.expr, line.variables)
    i = line.index
    with mpmath.workprec(bits):
        point = [mpmath.mpf(sp.N(p, 30)) for p in line.point]
        hh = mpmath.mpf(sp.N(h, 30))
        total = mpmath.mpf(0)
        for c, w in zip(st.offsets, st.weights, strict=True):
            shifted = list(point)
            shifted[i] = point[i] + _frac(c) * hh
            total += _frac(w) * g(*shifted)
        return total / hh


def bits_for(eps: float) -> int:
    """Binary digits whose ε = 2^(1−bits) is closest to a stated precision ``eps``."""
    if not 0 < eps < 1:
        raise InputError(f"working precision eps must be between 0 and 1, got {eps}")
    return max(2, round(1 - math.log2(eps)))


def _frac(q: Fraction) -> mpmath.mpf:
    return mpmath.mpf(q.numerator) / q.denominator


@dataclass
class CancellationRow:
    h: float
    f_plus: float            # f(x + h) in the working precision
    f_x: float
    computed: float          # f(x + h) − f(x) in the working precision
    exact: float             # the same difference at 50 digits
    digits_lost: float       # leading digits that cancel
    correct_digits: float    # digits of the computed difference that are right

    def to_dict(self) -> dict:
        return {k: _num(v) for k, v in self.__dict__.items()}


def cancellation(line: Line, hs: Sequence[float], dtype: str = "float64") -> list[CancellationRow]:
    """f(x + h) − f(x) per step: how many digits cancel, and how many of the rest survive."""
    dt = dtype_of(dtype)
    g = line.np(dt)
    x = np.asarray(float(sp.N(line.x, 30)), dtype=dt)
    rows = []
    with mpmath.workdps(DIGITS):
        gm = line.mp()
        xm = mpmath.mpf(sp.N(line.x, DIGITS + 20))
        f0 = f0m = None  # f(x) in dtype and at 50 digits: the same for every step
        for h in hs:
            hd = float(fd.check_step(h))
            if f0 is None:
                f0, f0m = float(g(x)), gm(xm)
            fp, fpm = float(g(x + dt.type(hd))), gm(xm + mpmath.mpf(hd))
            computed = float(dt.type(fp) - dt.type(f0))
            exact = fpm - f0m
            lost = digits_lost(float(fpm), float(f0m))
            rel = abs(computed - exact) / abs(exact) if exact != 0 else mpmath.inf
            correct = min(17.0, -math.log10(float(rel))) if rel > 0 else 17.0
            rows.append(CancellationRow(hd, fp, f0, computed, float(exact), lost,
                                        max(0.0, correct)))
    return rows


def compare_dtypes(line: Line, method: str = "central", levels: int = 2) -> list[dict]:
    """The same derivative in every working precision at its own default step, then at 50 digits.

    The 50-digit row evaluates the float64 step's stencil exactly: what remains
    is the method's truncation error, which round-off hides in the lower rows.
    """
    tr = truth(line, order=1)
    rows = []
    for name in DTYPES:
        dt = dtype_of(name)
        if method == "complex_step" and dt == np.float16:
            continue
        fn = line.np(dt, complex_safe=method == "complex_step")
        x = np.asarray(float(sp.N(line.x, 30)), dtype=dt)
        e = fd.derivative(fn, x, method, levels=levels)
        value = float(e.value)
        rows.append({"dtype": name, "eps": machine_epsilon(name), "h": float(e.h),
                     "estimate": value, "rel_error": _num(float(errors_against(np.asarray(value),
                                                                        tr.value)))})
    if method != "complex_step":
        h64 = float(fd.step(method, float(sp.N(line.x, 30)), levels=levels))
        exact = quotient_exact(line, method, h64, levels)
        rows.append({"dtype": f"mpmath ({DIGITS} digits)", "eps": 2.0 ** -mpmath.mp.prec,
                     "h": h64, "estimate": float(exact),
                     "rel_error": _num(float(errors_against(np.asarray(float(exact)), tr.value)))})
    return rows


# ------------------------------------------------------------------ plot

_COLORS = {"forward": "tab:blue", "backward": "tab:cyan", "central": "tab:green",
           "five_point": "tab:olive", "richardson": "tab:purple", "complex_step": "tab:red"}


def plot_study(s: Study, path: str | Path) -> Path:
    """Log-log error against h, one panel per method, with the truncation and round-off lines.

    For print: one legend for all panels, below them, and a typeset title.
    """
    from matplotlib.lines import Line2D

    from ..core.printing import to_latex
    from ..plots.figures import pyplot

    plt = pyplot()
    path = Path(path)
    eps = s.eps
    floor = eps / 1000  # exact results (error 0) are drawn on this line
    fig, axes = plt.subplots(2, 3, figsize=(13, 7.5), sharex=True, sharey=True)
    for ax, method in zip(axes.ravel(), fd.METHODS, strict=True):
        r, err, c = s.methods[method], s.errors[method], _COLORS[method]
        shown = np.where(np.isfinite(err), np.maximum(err, floor), np.nan)
        ax.loglog(s.h, shown, ".-", color=c, lw=1, ms=3, label="measured")
        trunc = r.model.truncation(s.h)
        if r.model.A > 0:
            ax.loglog(s.h, trunc, "--", color="0.3", lw=1,
                      label=rf"truncation $\propto h^{{{r.order}}}$")
        if r.model.B > 0:
            ax.loglog(s.h, r.model.roundoff(s.h), ":", color="0.3", lw=1.2,
                      label=r"round-off $\propto \varepsilon/h$")
        ax.axhline(eps, color="0.6", lw=0.8)
        if r.h_opt_theory:
            ax.axvline(r.h_opt_theory, color="0.5", ls="-.", lw=0.8, label="h* (theory)")
        if r.h_opt_measured and r.min_rel_error is not None:
            k = int(np.argmin(np.abs(s.h - r.h_opt_measured)))
            ax.plot(s.h[k], shown[k], "*", color="k", ms=11, label="h* (measured)")
        ax.set_title(f"{method.replace('_', '-')}: truncation $\\propto h^{{{r.order}}}$",
                     fontsize=13)
        ax.grid(True, which="major", alpha=0.3)
        ax.tick_params(labelsize=11)
    for ax in axes[1]:
        ax.set_xlabel("step $h$", fontsize=12)
    for ax in axes[:, 0]:
        ax.set_ylabel(f"{s.error_kind} error of $f'$", fontsize=12)
    proxies = [Line2D([], [], color="0.3", marker=".", lw=1, label="measured"),
               Line2D([], [], color="0.3", ls="--", lw=1, label="truncation model"),
               Line2D([], [], color="0.3", ls=":", lw=1.2,
                      label=r"round-off model $\propto \varepsilon/h$"),
               Line2D([], [], color="0.6", lw=0.8, label=r"$\varepsilon$"),
               Line2D([], [], color="0.5", ls="-.", lw=0.8, label="$h^*$ (theory)"),
               Line2D([], [], color="k", marker="*", ls="", ms=11, label="$h^*$ (measured)")]
    fig.legend(handles=proxies, loc="lower center", ncol=3, fontsize=12, frameon=False,
               bbox_to_anchor=(0.5, 0))
    ax0 = axes[0, 0]
    ax0.set_ylim(floor / 2, 1e2)
    ax0.set_xlim(s.h[0], s.h[-1])
    where = ", ".join(f"{to_latex(sp.Symbol(v))} = {to_latex(sp.sympify(x))}"
                      for v, x in zip(s.line.variables, s.line.point, strict=True))
    wrt = (f"$\\partial f/\\partial {to_latex(sp.Symbol(s.line.wrt))}$"
           if len(s.line.variables) > 1 else "$f'$")
    fig.suptitle(f"{wrt} of $f = {to_latex(s.line.expr)}$ at ${where}$ in {s.dtype} "
                 f"($\\varepsilon$ = {eps:.2g}; errors of 0 drawn at $\\varepsilon/1000$)",
                 fontsize=13)
    fig.tight_layout(rect=(0, 0.09, 1, 1))
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=130 if path.suffix.lower() == ".png" else None)
    plt.close(fig)
    return path
