"""Finite differences: derivatives from function values alone.

A finite difference replaces the limit in f'(x) = lim (f(x+h) − f(x))/h by a
small step h.  Every method here except the complex step is a *stencil*,

    f'(x) ≈ (1/h) Σᵢ wᵢ f(x + cᵢ h),

and one table, :data:`STENCILS`, holds the offsets cᵢ and weights wᵢ (exact
fractions).  Everything else is derived from that table: Taylor expansion gives
the moments mₖ = Σ wᵢ cᵢᵏ / k!, a stencil of order p has m₁ = 1 and mₖ = 0 for
k = 0, 2, …, p, and its truncation error is m_{p+1} f⁽ᵖ⁺¹⁾(x) hᵖ + O(hᵖ⁺¹).

Two errors compete.  Truncation shrinks like hᵖ; round-off grows like ε·|f|/h
because the f(x + cᵢh) agree in most of their digits.  Balancing them gives the
theory-based default steps (:func:`step`)

    h = ε^{1/(p+1)} · scale,   scale = max(1, |x|):
    one-sided (p = 1): √ε·scale,  central (p = 2): ∛ε·scale,  five-point (p = 4): ε^{1/5}·scale.

Richardson extrapolation cancels the leading truncation terms of the central
difference D(h),

    D₁(h) = (4·D(h/2) − D(h)) / 3,   D₂(h) = (16·D₁(h/2) − D₁(h)) / 15,

which is again a stencil (:func:`richardson_stencil`, order 2 + 2·levels).  Its
error estimate is the gap between the last two levels at a given step; without
a step, the gap between results at h₀, h₀/2, … picks the step and is the
estimate.  The complex step
f'(x) ≈ Im f(x + ih)/h has no subtraction at all, so h can be tiny (1e-20) and
the result is exact to round-off for real-analytic f written with complex-safe
operations.

Every function takes ``f`` vectorized over NumPy arrays (for several variables,
one array per coordinate: the calling convention of
:func:`workbench.backends.compile.compile`), and keeps the floating type of ``x``
(float16/float32 inputs are differenced in that precision).
:func:`derivative` returns an :class:`Estimate` that reports the step it used.

>>> import numpy as np
>>> d = derivative(np.sin, 1.0, "central")
>>> bool(abs(float(d) - np.cos(1.0)) < 1e-10), f"{float(d.h):.3g}"     # h = ∛ε
(True, '6.06e-06')
>>> float(norm_step([1, 1, 1], eps=1e-4))     # √ε·(1 + ‖x‖) = 0.01·(1 + √3)
0.02732050807568877
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from math import factorial

import numpy as np

from ..core.errors import InputError

EPS = np.finfo(np.float64).eps

Func = Callable[..., np.ndarray]

#: Default step of the complex step: no subtraction, so it can be far below √ε.
COMPLEX_STEP_H = 1e-20


@dataclass(frozen=True)
class Stencil:
    """f'(x) ≈ (1/h) Σ wᵢ f(x + cᵢ h), with exact offsets cᵢ and weights wᵢ."""

    offsets: tuple[Fraction, ...]
    weights: tuple[Fraction, ...]

    @classmethod
    def of(cls, offsets: Sequence, weights: Sequence) -> Stencil:
        return cls(tuple(map(Fraction, offsets)), tuple(map(Fraction, weights)))

    def moment(self, k: int) -> Fraction:
        """mₖ = Σ wᵢ cᵢᵏ / k!, the coefficient of f⁽ᵏ⁾(x) hᵏ⁻¹ in the stencil's expansion."""
        return sum((w * c**k for c, w in zip(self.offsets, self.weights, strict=True)),
                   Fraction(0)) / factorial(k)

    # cached_property writes the instance __dict__ directly, so it works on this frozen
    # (non-slots) dataclass; the offsets and weights never change after construction
    @cached_property
    def order(self) -> int:
        """p: the stencil is exact for polynomials of degree ≤ p."""
        if self.moment(0) != 0 or self.moment(1) != 1:
            raise ValueError("not a first-derivative stencil")
        k = 2
        while self.moment(k) == 0:
            k += 1
        return k - 1

    @cached_property
    def truncation(self) -> Fraction:
        """m_{p+1}: truncation error ≈ m_{p+1} · f⁽ᵖ⁺¹⁾(x) · hᵖ."""
        return self.moment(self.order + 1)

    @property
    def weight_sum(self) -> Fraction:
        """Σ|wᵢ|: how much the round-off of each f value is amplified (before the 1/h)."""
        return sum((abs(w) for w in self.weights), Fraction(0))

    @property
    def shifted_weight_sum(self) -> Fraction:
        """Σ|wᵢ| over cᵢ ≠ 0: the values taken at a rounded point x + cᵢh."""
        return sum((abs(w) for c, w in zip(self.offsets, self.weights, strict=True) if c),
                   Fraction(0))

    def __call__(self, f: Func, x, h):
        total = 0
        for c, w in zip(self.offsets, self.weights, strict=True):
            # float(c), float(w) are Python floats: NumPy keeps x's dtype (float16/32/64)
            total = total + float(w) * f(x + float(c) * h)
        return total / h


#: The derivative rules: offsets and weights, nothing else (orders and errors are derived).
STENCILS: dict[str, Stencil] = {
    "forward": Stencil.of((0, 1), (-1, 1)),
    "backward": Stencil.of((-1, 0), (-1, 1)),
    "central": Stencil.of((-1, 1), (Fraction(-1, 2), Fraction(1, 2))),
    "five_point": Stencil.of((-2, -1, 1, 2),
                             (Fraction(1, 12), Fraction(-8, 12), Fraction(8, 12),
                              Fraction(-1, 12))),
}

#: Every method :func:`derivative` knows, in the order reports list them.
METHODS = ("forward", "backward", "central", "five_point", "richardson", "complex_step")


def richardson_stencil(levels: int = 2) -> Stencil:
    """The stencil of ``levels`` Richardson steps on central differences at h, h/2, …, h/2^levels.

    >>> richardson_stencil(1).order, richardson_stencil(2).order
    (4, 6)
    """
    central_ = STENCILS["central"]

    def scaled(k: int) -> dict[Fraction, Fraction]:  # D(h/2ᵏ) written on the grid of h
        return {c / 2**k: w * 2**k for c, w in zip(central_.offsets, central_.weights,
                                                  strict=True)}

    table = [scaled(k) for k in range(levels + 1)]
    for m in range(1, levels + 1):
        table = [_combine(table[k + 1], table[k], 4**m) for k in range(len(table) - 1)]
    offsets = sorted(table[0])
    return Stencil(tuple(offsets), tuple(table[0][c] for c in offsets))


def _combine(fine: dict, coarse: dict, q: int) -> dict:
    out = {c: Fraction(q, q - 1) * w for c, w in fine.items()}
    for c, w in coarse.items():
        out[c] = out.get(c, Fraction(0)) - w / (q - 1)
    return {c: w for c, w in out.items() if w}


def order(method: str, levels: int = 2) -> int:
    """Order p of ``method``: its truncation error shrinks like hᵖ."""
    _check_method(method)
    if method == "complex_step":
        return 2
    if method == "richardson":
        return 2 + 2 * levels
    return STENCILS[method].order


def _check_method(method: str) -> None:
    if method not in METHODS:
        raise InputError(f"unknown finite-difference method {method!r} "
                         f"(choose from {', '.join(METHODS)})")


def _real(x) -> np.ndarray:
    """x as an array, keeping float16/float32/float64; anything else becomes float64."""
    x = np.asarray(x)
    return x if x.dtype in (np.float16, np.float32, np.float64) else x.astype(np.float64)


def scale(x) -> np.ndarray:
    """max(1, |x|): steps are relative for large x and absolute near 0."""
    return np.maximum(1.0, np.abs(np.asarray(x, dtype=float)))


def step(method: str, x, eps: float = EPS, levels: int = 2) -> np.ndarray:
    """The theory-based default step h = ε^{1/(p+1)} · max(1, |x|) of ``method``.

    Richardson's step is the largest of its ``levels + 1`` central steps, so it is
    2^levels times the balanced one.  The complex step has no round-off to
    balance: its default is :data:`COMPLEX_STEP_H`.
    """
    _check_method(method)
    if method == "complex_step":
        return np.full(np.shape(x), COMPLEX_STEP_H)
    p = order(method, levels)
    spread = 2**levels if method == "richardson" else 1
    return eps ** (1 / (p + 1)) * scale(x) * spread


def norm_step(point: Sequence, eps: float = EPS) -> float:
    """h = √ε · (1 + ‖x‖₂): one step for every coordinate, for a stated precision ε."""
    x = np.asarray(point, dtype=float)
    if not (np.isfinite(eps) and eps > 0):
        raise InputError(f"working precision eps must be positive, got {eps}")
    return float(np.sqrt(eps) * (1 + np.linalg.norm(x)))


def check_step(h) -> np.ndarray:
    """``h`` as an array, refused unless every entry is positive and finite."""
    arr = np.asarray(h, dtype=float)
    if arr.size == 0 or not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise InputError(f"step h must be positive and finite, got {h!r}")
    return arr


def _steps(method: str, x: np.ndarray, h, levels: int) -> np.ndarray:
    """The step to use, in the precision of ``x``, refused if it is ≤ 0 or underflows."""
    hh = step(method, x, eps=float(np.finfo(x.dtype).eps), levels=levels) if h is None \
        else check_step(h)
    cast = np.asarray(hh, dtype=x.dtype)
    if np.any(cast == 0):
        raise InputError(f"step h={h!r} underflows to 0 in {x.dtype}")
    return cast


def forward(f: Func, x, h=None):
    """(f(x+h) − f(x))/h, first order; default h = √ε·max(1, |x|)."""
    return derivative(f, x, "forward", h).value


def backward(f: Func, x, h=None):
    """(f(x) − f(x−h))/h, first order; default h = √ε·max(1, |x|)."""
    return derivative(f, x, "backward", h).value


def central(f: Func, x, h=None):
    """(f(x+h) − f(x−h))/(2h), second order; default h = ∛ε·max(1, |x|)."""
    return derivative(f, x, "central", h).value


def richardson(f: Func, x, h=None, levels: int = 2):
    """Central differences extrapolated ``levels`` times (order 2 + 2·levels).

    Without ``h`` the step is searched (:func:`_richardson_search`).
    """
    return derivative(f, x, "richardson", h, levels=levels).value


def complex_step(f: Func, x, h: float = COMPLEX_STEP_H):
    """Im f(x + ih)/h: exact to round-off for real-analytic f written with complex-safe ops."""
    return derivative(f, x, "complex_step", h).value


def richardson_table(f: Func, x, h, levels: int = 2) -> list[np.ndarray]:
    """The diagonal D₀(h), D₁(h), …, D_levels(h) of the extrapolation table."""
    central_ = STENCILS["central"]
    table = [central_(f, x, h / 2**k) for k in range(levels + 1)]
    return [column[0] for column in _extrapolate(table, levels)]


def _extrapolate(table: list, levels: int) -> list[list]:
    """The columns of the Richardson table built on ``table`` = [D(h), D(h/2), …].

    Column m combines neighbours of column m − 1 as (4ᵐ·fine − coarse)/(4ᵐ − 1);
    column 0 is ``table`` itself.  Any quantity whose error expansion is even in h
    (central first and second differences) can be extrapolated this way.
    """
    columns = [table]
    for m in range(1, levels + 1):
        table = [(4**m * table[k + 1] - table[k]) / (4**m - 1) for k in range(len(table) - 1)]
        columns.append(table)
    return columns


#: Richardson without a given step tries h₀, h₀/2, …, h₀/2^SEARCH (h₀ from :func:`step`).
SEARCH = 6


def _richardson_search(f: Func, x: np.ndarray, h0: np.ndarray, levels: int):
    """Richardson at the step where consecutive results agree best, with that gap as error.

    The rule step assumes |f⁽ᵖ⁺¹⁾| ~ |f|; functions far from that (exp(exp x))
    need a smaller one.  Successive extrapolants D(h₀/2ᵏ) differ by about the
    truncation error of the coarser one while truncation dominates, and by
    round-off after; the smallest gap marks the balance.  Among gaps within a
    factor 2 of the smallest the largest step wins, so noise in the round-off
    regime cannot pull the choice to tiny steps.
    """
    steps = [h0 / 2**k for k in range(SEARCH + 1)]
    # richardson_table(f, x, steps[k], levels)[-1] for every k, sharing the work: its
    # central differences at steps[k]/2ʲ are D(h₀/2ᵏ⁺ʲ) (halving is exact), so each
    # D(h₀/2ᵐ) is computed once, and so is every entry of the extrapolation table
    central_ = STENCILS["central"]
    table = [central_(f, x, steps[min(m, SEARCH)] / 2**(m - min(m, SEARCH)))
             for m in range(SEARCH + levels + 1)]
    values = np.stack(np.broadcast_arrays(*_extrapolate(table, levels)[-1]))
    gaps = np.abs(np.diff(values, axis=0))
    gaps = np.where(np.isfinite(gaps), gaps, np.inf)
    k = np.argmax(gaps <= 2 * gaps.min(axis=0), axis=0)[None]
    hs = np.stack(np.broadcast_arrays(*steps, values[0])[:-1])
    pick = [np.take_along_axis(a, k, 0)[0] for a in (values[:-1], hs, gaps)]
    return pick[0], pick[1].astype(x.dtype), pick[2]


def _complex(x: np.ndarray, h) -> np.ndarray:
    ctype = np.complex64 if x.dtype == np.float32 else np.complex128
    z = np.empty(np.broadcast_shapes(x.shape, np.shape(h)), dtype=ctype)
    z.real = x
    z.imag = h
    return z


@dataclass
class Estimate:
    """A finite-difference derivative with the step that produced it.

    ``error`` is the method's own error estimate where it has one (Richardson:
    the gap between its last two extrapolation levels), else None.
    """

    value: np.ndarray
    h: np.ndarray
    method: str
    order: int
    error: np.ndarray | None = None

    def __float__(self) -> float:
        return float(self.value)


def derivative(f: Func, x, method: str = "central", h=None, levels: int = 2) -> Estimate:
    """f'(x) by ``method`` with step ``h`` (default: :func:`step`), vectorized over x and h."""
    _check_method(method)
    x = _real(x)
    if method == "complex_step" and x.dtype == np.float16:
        raise InputError("the complex step needs complex numbers; NumPy has no complex float16")
    hh = _steps(method, x, h, levels)
    p = order(method, levels)
    if method == "complex_step":
        value = np.imag(f(_complex(x, hh))) / hh
        return Estimate(value.astype(x.dtype), hh, method, p)
    if method == "richardson" and h is None and levels:
        value, hh, err = _richardson_search(f, x, hh, levels)
        return Estimate(value, hh, method, p, err)
    if method == "richardson":
        diagonal = richardson_table(f, x, hh, levels)
        err = np.abs(diagonal[-1] - diagonal[-2]) if levels else None
        return Estimate(diagonal[-1], hh, method, p, err)
    return Estimate(STENCILS[method](f, x, hh), hh, method, p)


def _shift(point: list[np.ndarray], i: int, delta) -> list[np.ndarray]:
    out = list(point)
    out[i] = out[i] + delta
    return out


def partial(f: Func, point, i: int, method: str = "richardson", h=None,
            levels: int = 2) -> Estimate:
    """∂f/∂xᵢ at ``point`` (one array per coordinate); the step scales with xᵢ."""
    point = [_real(p) for p in point]
    if not 0 <= i < len(point):
        raise InputError(f"coordinate {i} out of range for a point with {len(point)} coordinates")
    return derivative(lambda t: f(*_replace(point, i, t)), point[i], method, h, levels)


def _replace(point: list[np.ndarray], i: int, value) -> list[np.ndarray]:
    out = list(point)
    out[i] = value
    return out


def gradient(f: Func, point, levels: int = 2, method: str = "richardson", h=None) -> np.ndarray:
    """∇f at ``point`` (one array per coordinate), by default by Richardson-extrapolated
    central differences.

    Returns shape ``(n, *broadcast_shape)``.
    """
    parts = [partial(f, point, i, method, h, levels).value for i in range(len(point))]
    return np.stack(np.broadcast_arrays(*parts))


def jacobian(F: Func, point, method: str = "richardson", h=None, levels: int = 2) -> np.ndarray:
    """J = [∂Fᵢ/∂xⱼ] of a vector function returning shape ``(m, *broadcast)``.

    Returns shape ``(m, n, *broadcast)``: rows are outputs, columns inputs.
    """
    cols = [np.asarray(partial(F, point, j, method, h, levels).value) for j in range(len(point))]
    shape = np.broadcast_shapes(*(c.shape for c in cols))
    return np.stack([np.broadcast_to(c, shape) for c in cols], axis=1)


def hessian(f: Func, point, levels: int = 1) -> np.ndarray:
    """Hessian at ``point`` by extrapolated second differences; shape ``(n, n, *broadcast)``.

    Diagonal:  (f(x+h) − 2f(x) + f(x−h))/h²;
    off-diagonal: (f(++) − f(+−) − f(−+) + f(−−))/(4 hᵢ hⱼ); both extrapolated like
    :func:`richardson` (their error expansions are also even in h).
    """
    point = [np.asarray(p, dtype=float) for p in point]
    n = len(point)
    base = EPS ** (1 / (4 + 2 * levels)) * 2**levels

    def second(i, j, h):
        hi, hj = h * scale(point[i]), h * scale(point[j])
        if i == j:
            return (f(*_shift(point, i, hi)) - 2 * f(*point) + f(*_shift(point, i, -hi))) / hi**2
        pp = f(*_shift(_shift(point, i, hi), j, hj))
        pm = f(*_shift(_shift(point, i, hi), j, -hj))
        mp = f(*_shift(_shift(point, i, -hi), j, hj))
        mm = f(*_shift(_shift(point, i, -hi), j, -hj))
        return (pp - pm - mp + mm) / (4 * hi * hj)

    rows = []
    for i in range(n):
        row = []
        for j in range(n):
            table = [second(i, j, base / 2**k) for k in range(levels + 1)]
            row.append(_extrapolate(table, levels)[-1][0])
        rows.append(np.broadcast_arrays(*row))
    return np.array(rows)
