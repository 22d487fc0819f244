"""Finite differences: derivatives from function values alone.

A finite difference replaces the limit in f'(x) = lim (f(x+h) − f(x))/h by a
small step h.  Two errors compete: truncation, which shrinks like hᵖ for a
method of order p, and round-off, which grows like ε·|f|/h because f(x+h) and
f(x) agree in most of their digits.  Balancing them gives the classic steps

    one-sided (p = 1):  h ≈ √ε · scale        central (p = 2):  h ≈ ∛ε · scale

with scale = max(1, |x|).  Richardson extrapolation cancels the leading
truncation terms of the central difference,

    D₁(h) = (4·D(h/2) − D(h)) / 3,   D₂(h) = (16·D₁(h/2) − D₁(h)) / 15,

and the complex step f'(x) ≈ Im f(x + ih)/h has no subtraction at all, so h can
be tiny (1e-20) and the result is exact to round-off.

Every function takes ``f`` vectorized over NumPy arrays, one array per
coordinate (the calling convention of :func:`workbench.compile.compile`).

>>> import numpy as np
>>> round(float(central(np.sin, 1.0)), 10) == round(np.cos(1.0), 10)
True
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

EPS = np.finfo(np.float64).eps

Func = Callable[..., np.ndarray]


def scale(x) -> np.ndarray:
    """max(1, |x|): steps are relative for large x and absolute near 0."""
    return np.maximum(1.0, np.abs(np.asarray(x, dtype=float)))


def forward(f: Func, x, h=None):
    """(f(x+h) − f(x))/h, first order; default h = √ε·max(1, |x|)."""
    h = np.sqrt(EPS) * scale(x) if h is None else h
    return (f(x + h) - f(x)) / h


def backward(f: Func, x, h=None):
    """(f(x) − f(x−h))/h, first order."""
    h = np.sqrt(EPS) * scale(x) if h is None else h
    return (f(x) - f(x - h)) / h


def central(f: Func, x, h=None):
    """(f(x+h) − f(x−h))/(2h), second order; default h = ∛ε·max(1, |x|)."""
    h = np.cbrt(EPS) * scale(x) if h is None else h
    return (f(x + h) - f(x - h)) / (2 * h)


def richardson(f: Func, x, h=None, levels: int = 2):
    """Central differences extrapolated ``levels`` times (order 2 + 2·levels)."""
    h = EPS ** (1 / (3 + 2 * levels)) * scale(x) * 2**levels if h is None else h
    table = [central(f, x, h / 2**k) for k in range(levels + 1)]
    for m in range(1, levels + 1):
        table = [(4**m * table[k + 1] - table[k]) / (4**m - 1) for k in range(len(table) - 1)]
    return table[0]


def complex_step(f: Func, x, h: float = 1e-20):
    """Im f(x + ih)/h: exact to round-off for real-analytic f written with complex-safe ops."""
    return np.imag(f(np.asarray(x, dtype=complex) + 1j * h)) / h


def _shift(point: list[np.ndarray], i: int, delta) -> list[np.ndarray]:
    out = list(point)
    out[i] = out[i] + delta
    return out


def gradient(f: Func, point, levels: int = 2) -> np.ndarray:
    """∇f at ``point`` (one array per coordinate) by Richardson-extrapolated central differences.

    Returns shape ``(n, *broadcast_shape)``.
    """
    point = [np.asarray(p, dtype=float) for p in point]
    parts = []
    for i in range(len(point)):
        partial = richardson(lambda t, i=i: f(*_shift(point, i, t - point[i])), point[i],
                             levels=levels)
        parts.append(partial)
    return np.stack(np.broadcast_arrays(*parts))


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
            for m in range(1, levels + 1):
                table = [(4**m * table[k + 1] - table[k]) / (4**m - 1)
                         for k in range(len(table) - 1)]
            row.append(table[0])
        rows.append(np.broadcast_arrays(*row))
    return np.array(rows)
