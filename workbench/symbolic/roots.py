"""Real solutions of ∇f = 0: exact where possible, certified numeric otherwise.

Three strategies, chosen by the size of the system (counts, never time, so the
answer is the same on any machine at any load):

1. **Polynomial systems** (rational coefficients) whose Bézout number (the
   product of the equations' degrees, a bound on the number of isolated
   solutions) is at most :data:`BEZOUT_MAX`: a lexicographic Gröbner basis
   G of the ideal ⟨∂f/∂x₁, …, ∂f/∂xₙ⟩.  When the system has finitely many
   solutions, G is triangular: its last element is univariate in xₙ, whose real
   roots are found exactly (radicals when real, ``CRootOf`` otherwise); each is
   substituted back to solve for xₙ₋₁, and so on.  This finds *every* real
   solution, so the list is complete.
2. ``sympy.solve`` on systems of at most :data:`SOLVE_OPS` operations, keeping
   real solutions (maybe incomplete); when SymPy cannot solve the system
   (``NotImplementedError``) the next strategy runs.
3. Multi-start Newton iteration in 50-digit arithmetic (``mpmath.findroot``),
   keeping roots whose residual is below 10⁻³⁰ (certified numeric, maybe incomplete).

Symbolic strategies run in a worker under the hard time limit of
:mod:`workbench.core.budget`: one that runs away aborts with an error.

>>> x, y = sp.symbols("x y", real=True)
>>> found = solve_gradient([2*x - 2, 2*y], [x, y])
>>> found.method, [s.values for s in found.solutions]
('groebner', [{y: 0, x: 1}])
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

import mpmath
import sympy as sp

from ..core import budget
from ..core.digits import DIGITS

#: Largest Bézout number (product of the degrees of ∂f/∂xᵢ) solved by a Gröbner basis.
BEZOUT_MAX = 400
#: Largest system (``sympy.count_ops`` of the gradient) handed to ``sympy.solve``.
SOLVE_OPS = 200
RESIDUAL = mpmath.mpf(10) ** -30


@dataclass
class Solution:
    values: dict[sp.Symbol, sp.Expr]
    exact: bool = True
    # minimal polynomials of algebraic coordinates, to reduce later substitutions
    minpolys: dict[sp.Symbol, sp.Expr] = field(default_factory=dict)


@dataclass
class Found:
    solutions: list[Solution] = field(default_factory=list)
    complete: bool = False
    method: str = ""
    note: str = ""


def _real_roots_exact(p: sp.Poly) -> list[tuple[sp.Expr, sp.Poly]]:
    """Real roots of a univariate rational polynomial with the irreducible factor of each.

    Roots are radicals when those are real, ``CRootOf`` otherwise.
    """
    out = []
    for factor, _ in p.factor_list()[1]:
        real = sp.real_roots(factor)
        if factor.degree() <= 4:
            radicals = [r for r in sp.roots(factor, multiple=True) if not r.has(sp.I)]
            if len(radicals) == len(real):
                real = sorted(radicals, key=lambda r: sp.N(r, 30))
        out.extend((r, factor) for r in real)
    return out


def is_polynomial(g: Sequence[sp.Expr], xs: Sequence[sp.Symbol]) -> bool:
    """Whether every gᵢ is a polynomial in ``xs`` with rational coefficients."""
    try:
        return all(sp.Poly(gi, *xs).domain in (sp.ZZ, sp.QQ) for gi in g)
    except sp.PolynomialError:
        return False


def _back_substitute(G: list[sp.Poly], xs: list[sp.Symbol]) -> list[Solution]:
    """Solve a zero-dimensional lex Gröbner basis from the last variable back to the first."""
    partial: list[Solution] = [Solution({})]
    for k in reversed(range(len(xs))):
        x = xs[k]
        later = xs[k + 1 :]
        eqs = [p.as_expr() for p in G if set(p.free_symbols) <= {x, *later} and x in p.free_symbols]
        extended = []
        for sol in partial:
            reduced = []
            for e in eqs:  # degree in each algebraic coordinate below its minimal polynomial's
                for var, m in sol.minpolys.items():
                    e = sp.rem(e, m, var)
                reduced.append(e)
            subs = [sp.expand(e.subs(sol.values, simultaneous=True)) for e in reduced]
            subs = [s for s in subs if s != 0]
            if not subs:
                continue
            if sol.exact and all(s.is_polynomial(x) and sp.Poly(s, x).domain in (sp.ZZ, sp.QQ)
                                 for s in subs):
                common = sp.Poly(subs[0], x)
                for s in subs[1:]:
                    common = sp.gcd(common, sp.Poly(s, x))
                for r, factor in _real_roots_exact(common):
                    minpolys = dict(sol.minpolys)
                    if factor.degree() > 1:
                        minpolys[x] = factor.as_expr()
                    extended.append(Solution({**sol.values, x: r}, True, minpolys))
                continue
            lowest = min(subs, key=lambda s: sp.degree(s, x))
            if sp.degree(lowest, x) == 1:  # linear: solve exactly even with algebraic coefficients
                a, b = sp.Poly(lowest, x).all_coeffs()
                r = -b / a
                if all(abs(sp.N(s.subs(x, r), DIGITS)) < RESIDUAL for s in subs):
                    extended.append(Solution({**sol.values, x: r}, sol.exact, sol.minpolys))
                continue
            coeffs = [sp.N(c, DIGITS + 10) for c in sp.Poly(lowest, x).all_coeffs()]
            with mpmath.workdps(DIGITS + 10):
                for r in mpmath.polyroots([mpmath.mpmathify(c) for c in coeffs], maxsteps=200,
                                          extraprec=200):
                    if abs(mpmath.im(r)) > RESIDUAL:
                        continue
                    rr = sp.Float(mpmath.re(r), DIGITS)
                    if all(abs(sp.N(s.subs(x, rr), DIGITS)) < 1e-25 for s in subs):
                        extended.append(Solution({**sol.values, x: rr}, False))
        partial = extended
    return partial


def bezout(g: Sequence[sp.Expr], xs: Sequence[sp.Symbol]) -> int:
    """The product of the total degrees of a polynomial system (≥ 1 per equation)."""
    out = 1
    for gi in g:
        out *= max(sp.Poly(gi, *xs).total_degree(), 1)
    return out


def _groebner(g, xs) -> Found | None:
    G = sp.groebner([sp.expand(gi) for gi in g], *xs, order="lex")
    if list(G.exprs) == [1]:
        return Found([], True, "groebner", "∇f = 0 has no solution")
    if not G.is_zero_dimensional:
        return None
    sols = _back_substitute(list(G.polys), list(xs))
    return Found(sols, True, "groebner", "every real solution of the polynomial system ∇f = 0")


def _polynomial(g, xs) -> Found | None:
    if bezout(g, xs) > BEZOUT_MAX:
        return None
    return budget.bounded(lambda: _groebner(g, xs), "the Gröbner basis of ∇f = 0")


def _solve(g, xs):
    try:
        return sp.solve(g, xs, dict=True)
    except NotImplementedError:  # SymPy cannot solve this kind of system
        return None


def solve_polynomial(g: Sequence[sp.Expr], xs: Sequence[sp.Symbol]) -> Found | None:
    """Every real solution of a polynomial system over ℚ by a lex Gröbner basis.

    None when the system is not polynomial over ℚ, its Bézout number exceeds
    :data:`BEZOUT_MAX`, or its solutions are not finitely many.

    >>> x, y = sp.symbols("x y", real=True)
    >>> [s.values for s in solve_polynomial([x*y, x + y], [x, y]).solutions]
    [{y: 0, x: 0}]
    """
    if not is_polynomial(g, xs):
        return None
    return _polynomial(g, xs)


def _sympy_solve(g, xs) -> Found | None:
    if sum(sp.count_ops(gi) for gi in g) > SOLVE_OPS:
        return None
    result = budget.bounded(lambda: _solve(g, xs), "sympy.solve of ∇f = 0")
    if result is None:
        return None
    sols = []
    for s in result:
        if set(s) != set(xs):
            return None  # a family of solutions: leave to the numeric search and say so
        if all(abs(sp.im(sp.N(v, DIGITS))) < RESIDUAL for v in s.values()):
            sols.append(Solution({k: sp.re(v) if v.has(sp.I) else v for k, v in s.items()}))
    return Found(sols, False, "solve", "sympy.solve found these; other real solutions may exist")


def _newton(g, xs, box: float = 5.0, per_axis: int = 7) -> Found:
    f = sp.lambdify(xs, g, modules="mpmath")
    J = sp.lambdify(xs, sp.Matrix(g).jacobian(xs), modules="mpmath")
    seen: list[list] = []
    grid = [box * (2 * i / (per_axis - 1) - 1) + 0.123 for i in range(per_axis)]
    starts = list(itertools.product(grid, repeat=len(xs)))[: 7**3]
    with mpmath.workdps(DIGITS):
        for start in starts:
            try:
                root = mpmath.findroot(lambda *v: f(*v), start, J=lambda *v: J(*v), maxsteps=60)
            except (ZeroDivisionError, ValueError, TypeError, OverflowError):
                continue
            root = list(root) if isinstance(root, mpmath.matrix) else [root]
            if any(isinstance(r, mpmath.mpc) and abs(r.imag) > RESIDUAL for r in root):
                continue
            root = [mpmath.re(r) for r in root]
            if max(abs(v) for v in f(*root)) > RESIDUAL:
                continue
            if not any(max(abs(a - b) for a, b in zip(root, s, strict=True)) < 1e-20 for s in seen):
                seen.append(root)
    sols = [Solution({x: sp.Float(v, DIGITS) for x, v in zip(xs, r, strict=True)}, False)
            for r in seen]
    note = (f"numeric roots (Newton from {len(starts)} starts in [-{box:g}, {box:g}]^{len(xs)}, "
            f"{DIGITS} digits, residual < 1e-30); other real solutions may exist")
    return Found(sols, False, "newton", note)


def solve_gradient(g: Sequence[sp.Expr], xs: Sequence[sp.Symbol]) -> Found:
    """All real solutions of g = 0 that the strategies above can find."""
    if is_polynomial(g, xs):
        found = _polynomial(g, xs)
        if found is not None:
            return found
    found = _sympy_solve(g, xs)
    if found is not None and found.solutions:
        return found
    return _newton(g, xs)
