"""Interval arithmetic with outward rounding, vectorized over many boxes at once.

An *interval extension* F of a function f returns, for a box X, an interval
F(X) that contains f(x) for every x in X.  Built node by node from the
expression tree (the *natural* extension), it is rigorous as long as every
operation rounds outward: the lower end down, the upper end up.

* ``+ − × ÷`` and ``sqrt`` are correctly rounded in IEEE 754 double precision,
  so moving each end one ulp outward (``nextafter``) encloses the exact result.
* The elementary functions (``exp``, ``log``, ``sin``, …) come from NumPy, which
  documents errors of at most a few ulps; each end is moved outward by a relative
  2⁻⁴⁰ (about 4000 ulps) plus the smallest normal number, far beyond that error.
* Monotone functions map ends to ends; ``sin``/``cos`` also take ±1 when a peak
  lies in the interval (tested with a margin, which can only widen the result).
* An operation leaving its domain (``log`` of a non-positive number, division by
  an interval holding 0) answers the whole line [−∞, ∞]: never wrong, and the
  box is then neither discarded nor proved.

Every array holds one interval per box, so a branch-and-bound level of ten
thousand boxes is a few hundred NumPy calls (:func:`compile_intervals`).

>>> import sympy as sp
>>> x = sp.Symbol("x", real=True)
>>> F = compile_intervals([x**2 - 2*x], [x])
>>> [out] = F([Interval.of(0.0, 3.0)])
>>> bool(out.lo[0] <= -1.0 and out.hi[0] >= 3.0)    # the true range is [-1, 3]
True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

import numpy as np
import sympy as sp

from ..core.errors import InputError
from ..core.functions import sigmoid, softplus

#: Relative outward widening of elementary-function results (see the module docstring).
WIDEN = 2.0**-40
TINY = np.finfo(float).tiny
INF = np.inf


def _down(a: np.ndarray) -> np.ndarray:
    return np.nextafter(a, -INF)


def _up(a: np.ndarray) -> np.ndarray:
    return np.nextafter(a, INF)


def _wide_down(a: np.ndarray) -> np.ndarray:
    return a - np.abs(a) * WIDEN - TINY


def _wide_up(a: np.ndarray) -> np.ndarray:
    return a + np.abs(a) * WIDEN + TINY


@lru_cache(maxsize=4096)
def constant_ends(value: sp.Expr) -> tuple[float, float]:
    """Floats just below and above an exact SymPy number."""
    if value.is_Rational:
        q = Fraction(int(value.p), int(value.q))
        f = float(q)  # correctly rounded
        lo = f if Fraction(f) <= q else math.nextafter(f, -math.inf)
        hi = f if Fraction(f) >= q else math.nextafter(f, math.inf)
        return lo, hi
    f = float(sp.N(value, 30))  # π, e, log 2, √3: 30 digits, then an ulp each way
    return math.nextafter(f, -math.inf), math.nextafter(f, math.inf)


@dataclass(frozen=True)
class Interval:
    """Arrays ``lo`` ≤ ``hi``: one closed interval per box (NaN never survives an operation)."""

    lo: np.ndarray
    hi: np.ndarray

    @staticmethod
    def of(lo, hi) -> Interval:
        return Interval(np.atleast_1d(np.asarray(lo, float)), np.atleast_1d(np.asarray(hi, float)))

    @staticmethod
    def point(a) -> Interval:
        a = np.atleast_1d(np.asarray(a, float))
        return Interval(a, a.copy())

    @staticmethod
    def constant(value: sp.Expr, like: np.ndarray) -> Interval:
        """An enclosure of an exact SymPy number, broadcast to ``like``'s shape."""
        lo, hi = constant_ends(value)
        return Interval(np.full_like(like, lo), np.full_like(like, hi))

    # -- arithmetic ------------------------------------------------------------------
    def __add__(self, other: Interval) -> Interval:
        return _clean(_down(self.lo + other.lo), _up(self.hi + other.hi))

    def __neg__(self) -> Interval:
        return Interval(-self.hi, -self.lo)

    def __sub__(self, other: Interval) -> Interval:
        return self + (-other)

    def __mul__(self, other: Interval) -> Interval:
        with np.errstate(invalid="ignore", over="ignore"):
            p = [self.lo * other.lo, self.lo * other.hi, self.hi * other.lo, self.hi * other.hi]
        # 0 × ∞ comes only from an unbounded end; the product of the reals is then 0
        p = [np.where(np.isnan(q), 0.0, q) for q in p]
        lo = np.minimum(np.minimum(p[0], p[1]), np.minimum(p[2], p[3]))
        hi = np.maximum(np.maximum(p[0], p[1]), np.maximum(p[2], p[3]))
        return Interval(_down(lo), _up(hi))

    def reciprocal(self) -> Interval:
        has_zero = (self.lo <= 0) & (self.hi >= 0)
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            lo, hi = _down(1.0 / self.hi), _up(1.0 / self.lo)
        return _clean(np.where(has_zero, -INF, lo), np.where(has_zero, INF, hi))

    def __truediv__(self, other: Interval) -> Interval:
        return self * other.reciprocal()

    def contains_zero(self) -> np.ndarray:
        return (self.lo <= 0) & (self.hi >= 0)

    def mag(self) -> np.ndarray:
        """max |x| over the interval."""
        return np.maximum(np.abs(self.lo), np.abs(self.hi))

    def mig(self) -> np.ndarray:
        """min |x| over the interval."""
        return np.where(self.contains_zero(), 0.0, np.minimum(np.abs(self.lo), np.abs(self.hi)))


def _clean(lo: np.ndarray, hi: np.ndarray) -> Interval:
    """NaN ends (∞ − ∞, a domain error upstream) become the whole line."""
    return Interval(np.where(np.isnan(lo), -INF, lo), np.where(np.isnan(hi), INF, hi))


def _monotone(fn: Callable, x: Interval, increasing: bool = True,
              domain: tuple[float, float] = (-INF, INF),
              rng: tuple[float, float] = (-INF, INF)) -> Interval:
    """A monotone elementary function: ends to ends, widened, clipped to its range.

    Boxes reaching outside the (closed) domain answer the whole line.
    """
    inside = (x.lo >= domain[0]) & (x.hi <= domain[1])
    a = np.clip(x.lo, domain[0], domain[1])
    b = np.clip(x.hi, domain[0], domain[1])
    with np.errstate(all="ignore"):
        fa, fb = fn(a), fn(b)
    lo, hi = (fa, fb) if increasing else (fb, fa)
    lo = np.clip(_wide_down(lo), rng[0], rng[1])
    hi = np.clip(_wide_up(hi), rng[0], rng[1])
    out = _clean(lo, hi)
    return Interval(np.where(inside, out.lo, -INF), np.where(inside, out.hi, INF))


def _periodic(fn: Callable, x: Interval, peak: float) -> Interval:
    """sin or cos: ends, plus ±1 where a maximum (``peak`` + 2kπ) or minimum lies inside."""
    with np.errstate(all="ignore"):
        fa, fb = fn(x.lo), fn(x.hi)
    lo, hi = np.minimum(fa, fb), np.maximum(fa, fb)
    two_pi = 2 * math.pi
    margin = 1e-9 * (1 + np.abs(x.lo) + np.abs(x.hi))  # only ever includes more peaks

    def peak_inside(p):
        k = np.ceil((x.lo - margin - p) / two_pi)
        return p + k * two_pi <= x.hi + margin

    wide = (x.hi - x.lo >= two_pi) | ~np.isfinite(x.lo) | ~np.isfinite(x.hi)
    hi = np.where(peak_inside(peak) | wide, 1.0, _wide_up(hi))
    lo = np.where(peak_inside(peak + math.pi) | wide, -1.0, _wide_down(lo))
    return _clean(np.clip(lo, -1.0, 1.0), np.clip(hi, -1.0, 1.0))


def _tan(x: Interval) -> Interval:
    pole = np.ceil((x.lo - math.pi / 2) / math.pi - 1e-9)
    crosses = math.pi / 2 + pole * math.pi <= x.hi + 1e-9 * (1 + np.abs(x.hi))
    out = _monotone(np.tan, x)
    bad = crosses | (x.hi - x.lo >= math.pi)
    return Interval(np.where(bad, -INF, out.lo), np.where(bad, INF, out.hi))


def _cosh(x: Interval) -> Interval:
    m = Interval(x.mig(), x.mag())
    return _monotone(np.cosh, m, rng=(1.0, INF))


def _int_power(x: Interval, n: int) -> Interval:
    if n == 0:
        return Interval(np.ones_like(x.lo), np.ones_like(x.hi))
    if n < 0:
        return _int_power(x, -n).reciprocal()
    if n % 2 == 0:
        m = Interval(x.mig(), x.mag())
        return _monotone(lambda a: np.power(a, n), m, rng=(0.0, INF))
    return _monotone(lambda a: np.power(a, n), x)


def _rational_power(x: Interval, e: sp.Rational) -> Interval:
    r = float(e)  # x**(p/q) is real for x ≥ 0 only (SymPy's principal root)
    return _monotone(lambda a: np.power(a, r), x, increasing=r > 0, domain=(0.0, INF),
                     rng=(0.0, INF))


def _log(x: Interval) -> Interval:
    return _monotone(np.log, x, domain=(0.0, INF))


_UNARY: dict[type, Callable[[Interval], Interval]] = {
    sp.exp: lambda x: _monotone(np.exp, x, rng=(0.0, INF)),
    sp.log: _log,
    sp.sin: lambda x: _periodic(np.sin, x, math.pi / 2),
    sp.cos: lambda x: _periodic(np.cos, x, 0.0),
    sp.tan: _tan,
    sp.atan: lambda x: _monotone(np.arctan, x, rng=(-2.0, 2.0)),
    sp.asin: lambda x: _monotone(np.arcsin, x, domain=(-1.0, 1.0)),
    sp.acos: lambda x: _monotone(np.arccos, x, increasing=False, domain=(-1.0, 1.0)),
    sp.sinh: lambda x: _monotone(np.sinh, x),
    sp.cosh: _cosh,
    sp.tanh: lambda x: _monotone(np.tanh, x, rng=(-1.0, 1.0)),
    sigmoid: lambda x: _monotone(lambda a: 0.5 + 0.5 * np.tanh(0.5 * a), x, rng=(0.0, 1.0)),
    softplus: lambda x: _monotone(lambda a: np.logaddexp(0, a), x, rng=(0.0, INF)),
}


def supported(expr: sp.Expr) -> str | None:
    """The first function of ``expr`` that has no interval extension here, or None."""
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Function) and type(node) not in _UNARY:
            return type(node).__name__
        if isinstance(node, sp.Pow) and not (node.exp.is_Rational or node.base == sp.E
                                             or node.base.is_number):
            return "a power with a variable exponent (write exp(y*log(x)))"
    return None


def compile_intervals(exprs: Sequence[sp.Expr], xs: Sequence[sp.Symbol]
                      ) -> Callable[[Sequence[Interval]], list[Interval]]:
    """Interval extensions of ``exprs``, sharing common subexpressions.

    Returns ``F`` with ``F([X₁, …, Xₙ])`` = enclosures of every expression over
    the boxes X (one :class:`Interval` of arrays per variable).
    """
    bad = [b for b in (supported(e) for e in exprs) if b]
    if bad:
        raise InputError(f"no interval enclosure for {bad[0]}: a box search needs a smooth "
                         "function built from exp, log, sqrt, powers, sin, cos, tan, atan, "
                         "asin, acos, sinh, cosh, tanh, sigmoid, softplus")
    replacements, reduced = sp.cse(list(exprs), symbols=sp.numbered_symbols("_iv"))

    def run(X: Sequence[Interval]) -> list[Interval]:
        env: dict[sp.Expr, Interval] = dict(zip(xs, X, strict=True))
        like = X[0].lo
        for sym, sub in replacements:
            env[sym] = _eval(sub, env, like)
        return [_eval(e, env, like) for e in reduced]

    return run


def _eval(e: sp.Expr, env: dict, like: np.ndarray) -> Interval:
    if e in env:
        return env[e]
    if e.is_number:
        out = Interval.constant(e, like)
    elif e.is_Add:
        args = [_eval(a, env, like) for a in e.args]
        out = args[0]
        for a in args[1:]:
            out = out + a
    elif e.is_Mul:
        args = [_eval(a, env, like) for a in e.args]
        out = args[0]
        for a in args[1:]:
            out = out * a
    elif e.is_Pow:
        base, ex = e.args
        if base == sp.E:
            out = _UNARY[sp.exp](_eval(ex, env, like))
        elif ex.is_Integer:
            out = _int_power(_eval(base, env, like), int(ex))
        elif ex.is_Rational:
            out = _rational_power(_eval(base, env, like), ex)
        else:  # a constant base: b**u = exp(u log b)
            out = _UNARY[sp.exp](_eval(ex * sp.log(base), env, like))
    elif isinstance(e, sp.Function) and type(e) in _UNARY:
        out = _UNARY[type(e)](_eval(e.args[0], env, like))
    else:
        raise InputError(f"no interval enclosure for {type(e).__name__}")
    env[e] = out
    return out


# --------------------------------------------------------------------- mpmath intervals
#
# The proofs of existence and uniqueness are re-done, one box at a time, in
# mpmath's interval context, which rounds every operation and every elementary
# function outward at the working precision.  sinh, cosh, tanh, sigmoid and
# softplus are composed from exp and log there; atan, asin and acos (which the
# context lacks) are monotone, so their ends are computed by mpmath at 30 bits
# beyond the working precision and widened by a relative 2⁻⁸⁰ each way.

#: Bits of the mpmath interval arithmetic used to confirm proofs.
MP_PREC = 96


class Undefined(ArithmeticError):
    """An mpmath interval operation left its domain (log of a non-positive number, …)."""


def _mp_monotone(fn, x, increasing=True, domain=(-math.inf, math.inf)):
    from mpmath import iv, mp

    a, b = (mp.make_mpf(e) for e in x._mpi_)
    if a < domain[0] or b > domain[1]:
        raise Undefined(fn.__name__)
    with mp.workprec(MP_PREC + 30):
        fa, fb = fn(a), fn(b)
        lo, hi = (fa, fb) if increasing else (fb, fa)
        lo = lo - abs(lo) * mp.mpf(2) ** -80 - mp.mpf(2) ** -1000
        hi = hi + abs(hi) * mp.mpf(2) ** -80 + mp.mpf(2) ** -1000
    return iv.mpf([lo, hi])


def _mp_unary():
    from mpmath import iv, mp

    def log(x):
        if not x > 0:
            raise Undefined("log")
        return iv.log(x)

    return {
        sp.exp: iv.exp, sp.log: log, sp.sin: iv.sin, sp.cos: iv.cos, sp.tan: iv.tan,
        sp.sinh: lambda x: (iv.exp(x) - iv.exp(-x)) / 2,
        sp.cosh: lambda x: (iv.exp(x) + iv.exp(-x)) / 2,
        sp.tanh: lambda x: 1 - 2 / (iv.exp(2 * x) + 1),
        sigmoid: lambda x: 1 / (1 + iv.exp(-x)),
        softplus: lambda x: iv.log(1 + iv.exp(x)),
        sp.atan: lambda x: _mp_monotone(mp.atan, x),
        sp.asin: lambda x: _mp_monotone(mp.asin, x, domain=(-1, 1)),
        sp.acos: lambda x: _mp_monotone(mp.acos, x, increasing=False, domain=(-1, 1)),
    }


def compile_mp(exprs: Sequence[sp.Expr], xs: Sequence[sp.Symbol]):
    """Rigorous enclosures in mpmath's interval context: ``F([X₁, …]) → [iv.mpf, …]``.

    Raises :class:`Undefined` where an operation leaves its domain.  The caller
    sets ``mpmath.iv.prec`` (see :func:`mp_precision`).
    """
    replacements, reduced = sp.cse(list(exprs), symbols=sp.numbered_symbols("_mp"))
    unary = _mp_unary()

    def run(X):
        env = dict(zip(xs, X, strict=True))
        for sym, sub in replacements:
            env[sym] = _mp_eval(sub, env, unary)
        return [_mp_eval(e, env, unary) for e in reduced]

    return run


def _mp_eval(e, env, unary):
    from mpmath import iv

    if e in env:
        return env[e]
    if e.is_Rational:
        out = iv.mpf(int(e.p)) / int(e.q)
    elif e is sp.pi:
        out = iv.pi
    elif e is sp.E:
        out = iv.e
    elif e.is_Add or e.is_Mul:
        args = [_mp_eval(a, env, unary) for a in e.args]
        out = args[0]
        for a in args[1:]:
            out = out + a if e.is_Add else out * a
    elif e.is_Pow:
        base, ex = e.args
        if base is sp.E:
            out = iv.exp(_mp_eval(ex, env, unary))
        elif ex.is_Integer:
            b = _mp_eval(base, env, unary)
            if ex < 0 and not (b > 0 or b < 0):
                raise Undefined("division by an interval holding 0")
            out = b ** int(ex) if ex > 0 else 1 / b ** int(-ex)
        else:  # x**r = exp(r log x) for x > 0, also for a constant base
            b = _mp_eval(base, env, unary)
            if not b > 0:
                raise Undefined("a power of a non-positive number")
            out = iv.exp(_mp_eval(ex, env, unary) * iv.log(b))
    elif isinstance(e, sp.Function) and type(e) in unary:
        out = unary[type(e)](_mp_eval(e.args[0], env, unary))
    else:
        raise Undefined(type(e).__name__)
    env[e] = out
    return out


class mp_precision:  # noqa: N801 - used as a context manager
    """``with mp_precision():`` sets mpmath's interval precision to MP_PREC, then restores it."""

    def __enter__(self):
        from mpmath import iv

        self.saved = iv.prec
        iv.prec = MP_PREC

    def __exit__(self, *exc):
        from mpmath import iv

        iv.prec = self.saved
