"""The RULE TABLE: every inequality step names the rule that justifies it.

An inequality in a proof is never taken on trust.  Its step names a rule from
:data:`RULES`, and the verifier

1. checks that the rule *applies*: the step mentions what the rule is about
   (``rayleigh`` needs ``lmin``/``lmax``, ``cauchy-schwarz`` needs ``norm`` ...);
2. property-tests the step itself on random instances of the proof's objects
   (:mod:`workbench.proof.verifier`);
3. property-tests the rule as a general statement here, on its own random
   instances, so that the table cannot hold a false rule.  Each entry's
   ``test`` draws one random instance and says whether the rule held on it.

For example the Rayleigh quotient bounds, for symmetric M and any v,

    λ_min(M)‖v‖² ≤ vᵀMv ≤ λ_max(M)‖v‖²,

are tested on random symmetric (indefinite) matrices of random size.

>>> import random
>>> all(RULES["rayleigh"].test(random.Random(i)) for i in range(20))
True
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import mpmath
import numpy as np

from .instances import KINDS, Draw

#: Relative slack for the float64 rule tests (their own round-off is ~1e-15).
TOL = 1e-9


@dataclass(frozen=True)
class Rule:
    title: str
    statement: str
    test: Callable[[random.Random], bool]
    needs: tuple[str, ...] = ()  # the step must mention one of these names


def _np(rng: random.Random) -> np.random.Generator:
    return np.random.default_rng(rng.getrandbits(64))


def _le(a: float, b: float) -> bool:
    return a <= b + TOL * max(1.0, abs(a), abs(b))


def _cauchy_schwarz(rng):
    g = _np(rng)
    n = int(g.integers(1, 7))
    u, v = g.normal(size=n), g.normal(size=n)
    return _le(abs(u @ v), np.linalg.norm(u) * np.linalg.norm(v))


def _triangle(rng):
    g = _np(rng)
    n = int(g.integers(1, 7))
    u, v = g.normal(size=n), g.normal(size=n)
    return _le(np.linalg.norm(u + v), np.linalg.norm(u) + np.linalg.norm(v))


def _rayleigh(rng):
    g = _np(rng)
    n = int(g.integers(1, 7))
    m = g.normal(size=(n, n))
    m = (m + m.T) / 2
    lam = np.linalg.eigvalsh(m)
    v = g.normal(size=n)
    q, vv = v @ m @ v, v @ v
    return _le(lam[0] * vv, q) and _le(q, lam[-1] * vv)


def _smooth_instance(rng):
    with mpmath.workdps(30):
        f, extra = KINDS["smooth"].make(Draw(rng, 3, rng.randint(0, 1), {}, {}))
        x = mpmath.matrix([rng.gauss(0, 2) for _ in range(3)])
        y = mpmath.matrix([rng.gauss(0, 2) for _ in range(3)])
        return f, extra, x, y


def _norm(v):
    return mpmath.sqrt(sum(t * t for t in v))


def _beta_smoothness(rng):
    f, extra, x, y = _smooth_instance(rng)
    with mpmath.workdps(30):
        return _le(float(_norm(f.grad(x) - f.grad(y))), float(extra["beta"] * _norm(x - y)))


def _descent_lemma(rng):
    f, extra, x, y = _smooth_instance(rng)
    with mpmath.workdps(30):
        gap = f.value(y) - f.value(x) - (f.grad(x).T * (y - x))[0]
        return _le(float(gap), float(extra["beta"] / 2 * _norm(y - x) ** 2))


def _minimum(rng):
    f, extra, x, _ = _smooth_instance(rng)
    with mpmath.workdps(30):
        return _le(float(extra["min"]), float(f.value(x)))


def _integral_monotonicity(rng):
    # g ≤ h := g + q² on [a, b]; compare the exact integrals of the polynomials
    g = _np(rng)
    p = np.polynomial.Polynomial(g.normal(size=4))
    q = np.polynomial.Polynomial(g.normal(size=3))
    h = p + q * q
    a, b = sorted(g.uniform(-3, 3, size=2))
    P, H = p.integ(), h.integ()
    return _le(P(b) - P(a), H(b) - H(a))


def _sum_monotonicity(rng):
    g = _np(rng)
    n = int(g.integers(1, 20))
    a = g.normal(size=n)
    b = a + g.uniform(0, 1, size=n)
    return _le(a.sum(), b.sum())


def _nonnegativity(rng):
    # a product of a positive number and squares is nonnegative
    g = _np(rng)
    return g.uniform(0, 5) * g.normal() ** 2 * float(np.linalg.norm(g.normal(size=3))) ** 2 >= 0


def _monotonicity(rng):
    # increasing maps preserve order: x ≤ y ⇒ φ(x) ≤ φ(y) for φ = exp, x³, c·x + d (c ≥ 0)
    g = _np(rng)
    x, y = sorted(g.normal(size=2))
    c, d = g.uniform(0, 3), g.normal()
    return all(_le(phi(x), phi(y)) for phi in (np.exp, lambda t: t**3, lambda t: c * t + d))


def _convexity_max(rng):
    # a convex φ on [a, b] is at most max(φ(a), φ(b)): φ(λ) = |1 − ηλ| and a convex quadratic
    g = _np(rng)
    a, b = sorted(g.uniform(-3, 3, size=2))
    lam = g.uniform(a, b)
    eta = g.normal()
    k, c = g.uniform(0, 2), g.normal()

    def phi1(t):
        return abs(1 - eta * t)

    def phi2(t):
        return k * (t - c) ** 2

    return all(_le(phi(lam), max(phi(a), phi(b))) for phi in (phi1, phi2))


def _power_monotonicity(rng):
    g = _np(rng)
    a = g.uniform(0, 2)
    b = a + g.uniform(0, 2)
    p = g.uniform(0, 6)
    return _le(a**p, b**p)


def _trig_bounds(rng):
    x = rng.gauss(0, 10)
    return abs(np.sin(x)) <= 1 and abs(np.cos(x)) <= 1


def _cases(rng):
    # cases [a, c] and [c, b] cover [a, b]: the step's own test then samples the whole domain
    a = rng.uniform(-5, 5)
    b = a + rng.uniform(0, 5)
    c, x = rng.uniform(a, b), rng.uniform(a, b)
    return a <= x <= c or c <= x <= b


def _hypotheses(rng):
    # the step's own test draws from the stated ranges; check the sampler stays inside them
    lo = rng.uniform(-5, 5)
    hi = lo + rng.uniform(0, 5)
    with mpmath.workdps(30):
        x, _ = KINDS["scalar"].make(Draw(rng, 1, 0, {"min": mpmath.mpf(lo),
                                                    "max": mpmath.mpf(hi)}, {}))
    return lo <= x <= hi


#: rule name -> the rule, its statement and its property test.
RULES: dict[str, Rule] = {
    "cauchy-schwarz": Rule("Cauchy–Schwarz", "|uᵀv| ≤ ‖u‖‖v‖, so uᵀv ≤ ‖u‖‖v‖",
                           _cauchy_schwarz, ("norm",)),
    "triangle": Rule("triangle inequality", "‖u + v‖ ≤ ‖u‖ + ‖v‖", _triangle, ("norm",)),
    "rayleigh": Rule("Rayleigh quotient bounds",
                     "λ_min(M)‖v‖² ≤ vᵀMv ≤ λ_max(M)‖v‖² for symmetric M", _rayleigh,
                     ("lmin", "lmax")),
    "beta-smoothness": Rule("β-smoothness", "‖∇f(x) − ∇f(y)‖ ≤ β‖x − y‖", _beta_smoothness,
                            ("beta",)),
    "descent-lemma": Rule("the β-smooth (descent) lemma",
                          "f(y) ≤ f(x) + ∇f(x)ᵀ(y − x) + (β/2)‖y − x‖² for β-smooth f",
                          _descent_lemma, ("beta",)),
    "minimum": Rule("definition of the minimum", "f(w) ≥ f* = min f for every w", _minimum),
    "integral-monotonicity": Rule("monotonicity of the integral",
                                  "g ≤ h on [a, b] (a ≤ b) implies that the integral of g "
                                  "over [a, b] is at most that of h",
                                  _integral_monotonicity, ("integral",)),
    "sum-monotonicity": Rule("monotonicity of sums", "a_k ≤ b_k for every k implies Σ a_k ≤ Σ b_k",
                             _sum_monotonicity, ("sum",)),
    "nonnegativity": Rule("nonnegativity", "squares, norms and products of nonnegative "
                          "numbers are nonnegative", _nonnegativity),
    "monotonicity": Rule("monotone functions preserve order",
                         "x ≤ y implies g(x) ≤ g(y) for increasing g (e.g. c·x + d with c ≥ 0)",
                         _monotonicity),
    "convexity-max": Rule("maximum of a convex function on an interval",
                          "a convex g on [a, b] satisfies g(x) ≤ max(g(a), g(b))",
                          _convexity_max, ("max",)),
    "power-monotonicity": Rule("monotonicity of powers", "0 ≤ a ≤ b and p ≥ 0 imply a^p ≤ b^p",
                               _power_monotonicity),
    "trig-bounds": Rule("bounds of sine and cosine", "|sin x| ≤ 1 and |cos x| ≤ 1",
                        _trig_bounds, ("sin", "cos")),
    "cases": Rule("case analysis", "a statement proved on each case of a partition of the "
                  "domain holds on the whole domain", _cases),
    "hypotheses": Rule("the hypotheses", "follows from the stated ranges of the variables",
                       _hypotheses),
}


#: Random instances each rule's own property test is tried on.
SELF_TEST_TRIALS = 40


@cache
def self_test() -> tuple[str, ...]:
    """Names of rules whose property test failed on some of :data:`SELF_TEST_TRIALS` instances."""
    bad = []
    for name, rule in RULES.items():
        rng = random.Random(f"rule:{name}")
        if not all(rule.test(rng) for _ in range(SELF_TEST_TRIALS)):
            bad.append(name)
    return tuple(bad)
