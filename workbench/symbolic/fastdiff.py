"""Exact gradients and Hessians of large expressions, fast: sparsity, and SymEngine.

SymPy's ``hessian`` of the n-dimensional Rosenbrock function
f = Σᵢ 100(xᵢ₊₁ − xᵢ²)² + (1 − xᵢ)² differentiates the whole sum n + n² times,
although each term touches two variables and H is tridiagonal.  Two ideas make
the same derivatives cheap:

* **sparsity** - for f = Σₜ fₜ, ∂f/∂xᵢ = Σ over the terms that contain xᵢ of
  ∂fₜ/∂xᵢ, and Hᵢⱼ = ∂gᵢ/∂xⱼ is 0 unless xⱼ occurs in gᵢ.  Only the
  derivatives that can be nonzero are taken: O(Σₜ |vars(fₜ)|²) instead of n².
* **SymEngine** (C++, optional: ``pip install 'workbench[fast]'``) takes those
  derivatives tens of times faster than SymPy; the results are converted back to
  SymPy with the variables' assumptions restored.

The results are the SymPy expressions :func:`workbench.symbolic.calculus.gradient` and
:func:`workbench.symbolic.calculus.hessian` return: the ``sympy`` engine computes exactly
the same ``diff`` calls, minus those known to give 0, so its results are
structurally identical; the ``symengine`` engine's are equal (the test suite
checks structural identity on the benchmark and course functions, and that the
difference expands to 0 on random ones).  SymEngine is used only for
expressions built from functions it differentiates natively (polynomials,
rational functions, constant powers, exp, log, trigonometric and hyperbolic
functions); anything else (x**y, sigmoid, Abs, Max, ...) goes to the sympy engine.

>>> import sympy as sp
>>> x = sp.symbols("x1:4", real=True)
>>> f = sum(100*(x[i+1] - x[i]**2)**2 + (1 - x[i])**2 for i in range(2))
>>> hessian(f, x)[0, 2], hessian(f, x, engine="sympy")[1, 1]
(0, 1200*x2**2 - 400*x3 + 202)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sympy as sp

from ..core.errors import InputError
from .calculus import Vars, require_scalar, symbols

ENGINES = ("auto", "sympy", "symengine")

#: SymPy node types SymEngine differentiates with SymPy's own rules.
_SYMENGINE_SAFE = (
    sp.Symbol, sp.Integer, sp.Rational, sp.Add, sp.Mul, sp.Pow, sp.exp, sp.log,
    sp.sin, sp.cos, sp.tan, sp.sinh, sp.cosh, sp.tanh, sp.asin, sp.acos, sp.atan,
)
_SYMENGINE_CONSTANTS = (sp.pi, sp.E)


def symengine_available() -> bool:
    """Whether the optional SymEngine engine is installed."""
    try:
        import symengine  # noqa: F401
    except ImportError:
        return False
    return True


def engine_for(f: sp.Expr, variables: Vars) -> str:
    """The engine ``auto`` picks: SymEngine when installed and ``f`` is safe for it."""
    if not symengine_available():
        return "sympy"
    xs = symbols(variables)
    names = [str(s) for s in f.free_symbols | set(xs)]
    if len(names) != len(set(names)):  # two symbols of one name would merge in SymEngine
        return "sympy"
    return "symengine" if all(map(_symengine_safe, sp.preorder_traversal(f))) else "sympy"


def _symengine_safe(node: sp.Basic) -> bool:
    if isinstance(node, sp.Pow):  # x**y: SymEngine writes y*x**(y-1), defined at x = 0
        return node.exp.is_Rational
    return isinstance(node, _SYMENGINE_SAFE) or node in _SYMENGINE_CONSTANTS


def _pick(engine: str, f: sp.Expr, xs) -> str:
    if engine not in ENGINES:
        raise InputError(f"unknown differentiation engine {engine!r} "
                         f"(choose from {', '.join(ENGINES)})")
    if engine == "symengine" and not symengine_available():
        raise InputError("the symengine engine needs SymEngine: pip install 'workbench[fast]'")
    return engine_for(f, xs) if engine == "auto" else engine


# ------------------------------------------------------------------ sympy engine

def _sympy_gradient(f: sp.Expr, xs) -> list[sp.Expr]:
    """∂f/∂xᵢ = Σ over the terms of f containing xᵢ, exactly as ``Add`` differentiates."""
    terms = f.args if f.is_Add else (f,)  # Add(d) is d itself and Add() is 0: f alone is exact
    occurs = [t.free_symbols for t in terms]
    return [sp.Add(*[t.diff(x) for t, s in zip(terms, occurs, strict=True) if x in s])
            for x in xs]


def _sparse_hessian(g: Sequence, xs, d: Callable) -> sp.Matrix:
    """Hᵢⱼ = d(gᵢ, xⱼ) for j ≥ i where xⱼ occurs in gᵢ, mirrored (Schwarz); 0 elsewhere.

    ``g`` and ``xs`` are SymPy or SymEngine objects alike; ``d`` returns SymPy.
    """
    index = {x: j for j, x in enumerate(xs)}
    H = sp.zeros(len(xs), len(xs))
    for i, gi in enumerate(g):
        for x in gi.free_symbols:
            j = index.get(x)
            if j is not None and j >= i:
                H[i, j] = H[j, i] = d(gi, x)
    return H


def _sympy_hessian(g: Sequence[sp.Expr], xs) -> sp.Matrix:
    """Hᵢⱼ = ∂gᵢ/∂xⱼ for j ≥ i where xⱼ occurs in gᵢ, mirrored (Schwarz)."""
    return _sparse_hessian(g, xs, lambda gi, x: gi.diff(x))


# ------------------------------------------------------------------ symengine engine

class _SymEngine:
    """f in SymEngine, and the way back to SymPy with the original symbols."""

    def __init__(self, f: sp.Expr, xs):
        import symengine as se

        self.se = se
        self.f = se.sympify(f)  # converts the expression tree, never text
        self.xs = [se.Symbol(str(x)) for x in xs]
        self.back = {sp.Symbol(str(s)): s for s in f.free_symbols | set(xs)}

    def to_sympy(self, e) -> sp.Expr:
        return e._sympy_().xreplace(self.back) if e.free_symbols else e._sympy_()

    def gradient(self):
        return [self.f.diff(x) for x in self.xs]

    def hessian(self, g) -> sp.Matrix:
        return _sparse_hessian(g, self.xs, lambda gi, x: self.to_sympy(gi.diff(x)))


# ------------------------------------------------------------------ public

def derivatives(f: sp.Expr, variables: Vars, engine: str = "auto", with_hessian: bool = True
                ) -> tuple[list[sp.Expr], sp.Matrix | None]:
    """(∇f, H) in one pass, sharing the gradient; H is None unless ``with_hessian``."""
    f = require_scalar(f)
    xs = symbols(variables)
    if _pick(engine, f, xs) == "symengine":
        se = _SymEngine(f, xs)
        g_se = se.gradient()
        g = [se.to_sympy(e) for e in g_se]
        return g, (se.hessian(g_se) if with_hessian else None)
    g = _sympy_gradient(f, xs)
    return g, (_sympy_hessian(g, xs) if with_hessian else None)


def gradient(f: sp.Expr, variables: Vars, engine: str = "auto") -> list[sp.Expr]:
    """∇f = [∂f/∂x₁, …, ∂f/∂xₙ], equal to :func:`workbench.symbolic.calculus.gradient`."""
    return derivatives(f, variables, engine, with_hessian=False)[0]


def hessian(f: sp.Expr, variables: Vars, engine: str = "auto") -> sp.Matrix:
    """H = [∂²f/∂xᵢ∂xⱼ], equal to :func:`workbench.symbolic.calculus.hessian` (zeros skipped)."""
    return derivatives(f, variables, engine)[1]
