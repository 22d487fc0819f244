"""Inline vector math for fused kernels: ``exp``, ``sin`` and ``cos`` as C polynomials.

A fused kernel that calls glibc's vector functions (libmvec) pays for each
call: every live SIMD register is saved and restored around it, and ``sin(t)``
and ``cos(t)`` of the same ``t`` each reduce ``t`` by π/2 on their own.  This
module prints the three functions as short, branch-free C functions the
compiler inlines into the SIMD loop, so calls cost no more than the arithmetic
they do and the reduction of ``sin(t)``, ``cos(t)`` is shared.

The math, for double precision (u = 2⁻⁵³, the unit round-off):

* **exp.**  x = k·ln 2 + r with k = round(x/ln 2) and |r| ≤ ln 2 / 2; then
  eˣ = 2ᵏ·eʳ, where eʳ is a polynomial (below) and 2ᵏ is added to the exponent
  bits.  ln 2 is split in two doubles (Cody–Waite) and r is formed with fused
  multiply–adds, so the reduction error is below one ulp of r.
* **sin, cos.**  x = q·π/2 + r with |r| ≤ π/4; with n = q mod 4,
  sin x = ±sin r or ±cos r, cos x likewise.  π/2 is split in three positive doubles:
  the first product q·(π/2)₁ is subtracted exactly (both are multiples of
  2⁻⁵², the difference is below 1) and the others each round once relative to
  r, so r is right to about one ulp even when x is near a multiple of π/2.
* **sin, cos of quarter turns.**  When the argument is v·π/2 with v free of π
  (``sin(π(x₁ − x₂)/2)``, ``cos(2πx)``), the kernel reduces v instead of x:
  with q = round(v), d = v − q is exact (Sterbenz's lemma for |v| < 1, and
  otherwise v is a multiple of its own ulp, which divides 1) and r = d·π/2 is
  one fused multiply–add with π/2 in two doubles, so r is right to within an
  ulp for every v in range.  Fewer operations than the π/2 reduction, more
  accurate than rounding v·π/2 to a double first, and exact at the zeros:
  sin(kπ) is 0.
* **Polynomials.**  Taylor polynomials, shortened by Chebyshev economization
  while the proven error (remainder, economization and the rounding of the
  coefficients to doubles) stays below :data:`TRUNCATION` relative to the
  function (:func:`approximation`); exact rationals until that last rounding.
  No table lookups, so every lane does the same work.

Outside the ranges where this reasoning holds (|x| > :data:`EXP_LIMIT` for exp,
where 2ᵏ would leave the normal range; |x| > :data:`TRIG_LIMIT` for sin and
cos; |v| > :data:`QUARTER_LIMIT` for quarter turns; NaN and ±∞) the values are
meaningless; each function has a range check, and a kernel that finds an
argument out of range recomputes that block of points with libm/libmvec (see
:mod:`workbench.backends.fused`), so results there are glibc's.  (The check is kept
apart from the function on purpose: a NaN select inside it makes the compiler
duplicate whatever consumes the result.)
Measured against 50-digit mpmath, the inline functions are within 1.5 ulp;
``tests/test_vecmath.py`` holds them to 2 ulp (libmvec promises 4).

>>> [approximation(name).degree for name in ("exp", "sin", "cos")]
[12, 15, 14]
>>> "static inline double wb_exp(double x)" in c_source()
True
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass

import mpmath
import sympy as sp

from . import c_templates


class sin_quarter(sp.Function):
    """sin(v·π/2), the sine of v quarter turns: how a kernel computes sin(c·π·w).

    >>> v = sp.Symbol("v")
    >>> sin_quarter(v).rewrite(sp.sin)
    sin(pi*v/2)
    """

    nargs = 1

    def _eval_rewrite_as_sin(self, v, **kwargs):
        return sp.sin(sp.pi / 2 * v)


class cos_quarter(sp.Function):
    """cos(v·π/2), the cosine of v quarter turns: how a kernel computes cos(c·π·w)."""

    nargs = 1

    def _eval_rewrite_as_cos(self, v, **kwargs):
        return sp.cos(sp.pi / 2 * v)


#: Functions with an inline version: SymPy function → (C name, C range check).
#: The range check of x is 0.0 where the inline function is valid at x and NaN
#: elsewhere (NaN included), so a kernel sums the checks and tests for NaN.
INLINE = {sp.exp: ("wb_exp", "wb_exp_range"), sp.sin: ("wb_sin", "wb_trig_range"),
          sp.cos: ("wb_cos", "wb_trig_range"),
          sin_quarter: ("wb_sin_quarter", "wb_quarter_range"),
          cos_quarter: ("wb_cos_quarter", "wb_quarter_range")}
#: The C names as C printer settings (``user_functions``).
INLINE_NAMES = {f.__name__: names[0] for f, names in INLINE.items()}
#: sin, cos → their quarter-turn forms, and back.
QUARTER = {sp.sin: sin_quarter, sp.cos: cos_quarter}
_UNQUARTER = {q: f for f, q in QUARTER.items()}

#: Largest |x| for the inline exp: k = round(x/ln 2) stays in [-1021, 1021], so
#: eʳ·2ᵏ is a normal double and the exponent-bit addition cannot overflow.
EXP_LIMIT = 708.0
#: Largest |x| for the inline sin/cos: q < 2²⁰, so q·(π/2)₁ is subtracted
#: exactly and the dropped tail of π/2 (below 2⁻¹⁵⁹·q) is far below one ulp of
#: the smallest |r| a double in range can have.
TRIG_LIMIT = 2.0**20
#: Largest |v| for the quarter-turn sin/cos: adding the shifter rounds v to the
#: nearest integer q (which needs |v| < 2⁵¹), whose low bits are the quadrant.
QUARTER_LIMIT = 2.0**50
#: Largest relative error of a polynomial, truncation and coefficient rounding
#: together, before it is evaluated in floating point: 1/16 ulp.
TRUNCATION = 2.0**-56

#: Adding 1.5·2⁵² rounds a double below 2⁵¹ in magnitude to an integer and
#: leaves that integer in the low mantissa bits.
SHIFTER = "6755399441055744.0"


@dataclass(frozen=True)
class _Function:
    """What the bounds need to know of one function on its reduced interval [−R, R]."""

    taylor: Callable[[int], sp.Rational]  # the coefficient of r^k
    step: int  # 1, or 2 where only every other power occurs
    radius: mpmath.mpf  # R, rounded up a hair: k or q may round off the nearest integer
    fmax: mpmath.mpf  # a bound on every derivative on [−R, R], for Lagrange's remainder
    fmin: mpmath.mpf  # min |f| on [−R, R]; 0 for sin, whose error is taken relative to r


def _functions() -> dict[str, _Function]:
    hair = 1 + mpmath.mpf(2) ** -40
    ln2, quarter_pi = mpmath.log(2) / 2 * hair, mpmath.pi / 4 * hair
    return {
        "exp": _Function(lambda k: sp.Rational(1, sp.factorial(k)), 1, ln2,
                         mpmath.exp(ln2), mpmath.exp(-ln2)),
        "sin": _Function(lambda k: sp.Rational((-1) ** (k // 2), sp.factorial(k)) if k % 2
                         else sp.Integer(0), 2, quarter_pi, mpmath.mpf(1), mpmath.mpf(0)),
        "cos": _Function(lambda k: sp.Rational((-1) ** (k // 2), sp.factorial(k)) if k % 2 == 0
                         else sp.Integer(0), 2, quarter_pi, mpmath.mpf(1), mpmath.cos(quarter_pi)),
    }


def _relative(f: _Function, k: int, chebyshev: bool = False) -> mpmath.mpf:
    """Relative error on [−R, R] of an error term r^k, or of R^k·T_k(r/R)/2^(k−1).

    Relative to min |f|, except for sin: relative to |r|·2/π ≤ |sin r|, using
    |T_k(u)| ≤ k|u| for odd k.
    """
    R = f.radius
    if f.fmin:
        return R**k / (2 ** (k - 1) if chebyshev else 1) / f.fmin
    return R ** (k - 1) * (k / mpmath.mpf(2) ** (k - 1) if chebyshev else 1) * mpmath.pi / 2


def _rounding(f: _Function, coeffs: dict[int, sp.Rational]) -> mpmath.mpf:
    """Relative error from rounding each coefficient to the nearest double."""
    return sum((abs(mpmath.mpf(c - sp.Rational(float(c)))) * _relative(f, k)
                for k, c in coeffs.items()), mpmath.mpf(0))


@dataclass(frozen=True)
class Approximation:
    """A polynomial Σ coeffs[k]·r^k for one function on its reduced interval."""

    coeffs: dict[int, float]  # power → double coefficient
    bound: mpmath.mpf  # proven relative error, before floating-point evaluation
    degree: int


@functools.cache
def approximation(name: str) -> Approximation:
    """The polynomial used for ``name`` ("exp", "sin" or "cos") and its error bound.

    Start from a Taylor polynomial whose Lagrange remainder is far below
    TRUNCATION, then *economize* (Lanczos): replace the top term c_k r^k by
    c_k (r^k − R^k T_k(r/R)/2^(k−1)), which has degree k − 2, at a cost of at
    most |c_k| R^k/2^(k−1), while the remainder, the economization costs and
    the rounding of the coefficients to doubles stay below TRUNCATION.  All
    coefficients are exact rationals until that last rounding.

    >>> a = approximation("exp")
    >>> a.degree, a.coeffs[0], a.bound < TRUNCATION
    (12, 1.0, True)
    """
    f = _functions()[name]
    n = 2 if name == "cos" else 1  # the lowest power with a nonzero Taylor coefficient
    while f.fmax / mpmath.factorial(n + f.step) * _relative(f, n + f.step) > TRUNCATION / 64:
        n += f.step
    coeffs = {k: f.taylor(k) for k in range(n + 1) if f.taylor(k)}
    bound = f.fmax / mpmath.factorial(n + f.step) * _relative(f, n + f.step)
    R = sp.Rational(float(f.radius)) * (1 + sp.Rational(1, 2**52))  # a rational R' ≥ R
    while True:
        k = max(coeffs)
        cost = abs(mpmath.mpf(coeffs[k])) * _relative(f, k, chebyshev=True)
        tk = sp.chebyshevt_poly(k, polys=True).all_coeffs()[::-1]  # t_j for u^j
        lower = {j: coeffs.get(j, 0) - coeffs[k] * R ** (k - j) * t / 2 ** (k - 1)
                 for j, t in enumerate(tk[:k]) if t}
        lower = {j: c for j, c in {**coeffs, **lower}.items() if j < k and c}
        if bound + cost + _rounding(f, lower) > TRUNCATION:
            break
        coeffs, bound = lower, bound + cost
    bound += _rounding(f, coeffs)
    return Approximation({k: float(c) for k, c in sorted(coeffs.items())}, bound, max(coeffs))


def quarter_turns(arg: sp.Expr) -> sp.Expr | None:
    """v such that ``arg`` = v·π/2 and v does not contain π; None if there is none.

    >>> x, y = sp.symbols("x y")
    >>> quarter_turns(sp.pi * (x - y) / 2), quarter_turns(sp.pi * x / 3), quarter_turns(x + sp.pi)
    (x - y, 2*x/3, None)
    """
    if not arg.has(sp.pi):
        return None
    v = 2 * sp.factor_terms(arg) / sp.pi
    return None if v.has(sp.pi) else v


def library_form(expr: sp.Expr) -> sp.Expr:
    """``expr`` with the quarter-turn functions written back as sin(v·π/2), cos(v·π/2)."""
    return expr.replace(lambda e: type(e) in _UNQUARTER,
                        lambda e: _UNQUARTER[type(e)](sp.pi / 2 * e.args[0]))


def _double(value) -> str:
    return repr(float(value))


def _split(value: mpmath.mpf, parts: int) -> list[str]:
    """``value`` > 0 as a sum of ``parts`` positive doubles (Cody–Waite constants).

    Each part but the last is what is left rounded toward zero, so all parts
    are positive: then x − q·p₁ − q·p₂ − … is x itself when q = 0, signed zero
    included (a negative part would turn −0 into +0).
    """
    out = []
    with mpmath.workdps(100):
        rest = value
        for i in range(parts):
            head = float(rest)
            if head > rest and i < parts - 1:
                head = math.nextafter(head, 0.0)
            out.append(_double(head))
            rest -= mpmath.mpf(head)
    return out


def _horner(var: str, coeffs: list) -> str:
    """c₀ + c₁·v + … by Horner's rule with fused multiply–adds."""
    text = _double(coeffs[-1])
    for c in reversed(coeffs[:-1]):
        text = f"fma({text}, {var}, {_double(c)})"
    return text


@functools.cache
def c_source() -> str:
    """C definitions of the functions of :data:`INLINE` and their range checks.

    The C text is ``backends/c/vecmath.h.j2``; this fills in the constants and
    polynomials.  Needs <math.h>, <stdint.h> and <string.h>.
    """
    with mpmath.workdps(100):
        ln2, pio2 = mpmath.log(2), mpmath.pi / 2
        ln2_parts, pio2_parts, quarter = _split(ln2, 2), _split(pio2, 3), _split(pio2, 2)
        inv_ln2, inv_pio2 = _double(1 / ln2), _double(1 / pio2)
    exp, sin, cos = (approximation(name).coeffs for name in ("exp", "sin", "cos"))
    assert sin[1] == 1.0 and cos[0] == 1.0  # so sin r = r + r³·P(r²), cos r = 1 + r²·Q(r²)
    exp_poly = _horner("r", [exp[k] for k in range(len(exp))])
    sin_poly = _horner("r2", [sin[k] for k in range(3, max(sin) + 1, 2)])
    cos_poly = _horner("r2", [cos[k] for k in range(2, max(cos) + 1, 2)])
    return c_templates.render(
        "vecmath.h.j2", inv_ln2=inv_ln2, inv_pio2=inv_pio2, shifter=SHIFTER,
        ln2_parts=ln2_parts, pio2_parts=pio2_parts, quarter=quarter,
        exp_poly=exp_poly, sin_poly=sin_poly, cos_poly=cos_poly,
        exp_limit=_double(EXP_LIMIT), trig_limit=_double(TRIG_LIMIT),
        quarter_limit=_double(QUARTER_LIMIT), reductions=_REDUCTIONS)


#: C names of sin and cos → the reduction they use (one reduction serves both).
_REDUCTIONS = (("wb_sin", "wb_cos", "wb_reduce_pio2"),
               ("wb_sin_quarter", "wb_cos_quarter", "wb_reduce_quarter"))
