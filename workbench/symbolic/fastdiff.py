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
  SymPy with the variables' assumptions restored, each shared subtree once (a
  dense Hessian's n² entries share one sum).

At scale the derivatives must also be compiled: :func:`cse` finds the common
subexpressions of thousands of entries with SymEngine, and :func:`symbol_sets`
finds their variables visiting each shared subtree once.

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

def _polynomial(e: sp.Expr) -> bool:
    """A nonconstant polynomial in symbols with rational coefficients (no I, π, log, ...)."""
    if not e.free_symbols:
        return False
    return all(n.is_Symbol or n.is_Rational or n.is_Add or n.is_Mul
               or (n.is_Pow and n.exp.is_Integer and n.exp > 0)
               for n in sp.preorder_traversal(e))


class _SymEngine:
    """f in SymEngine, and the way back to SymPy with the original symbols.

    Back to SymPy node by node, each distinct SymEngine node converted once
    (:meth:`to_sympy`): a dense Hessian's n² entries share the same few sums
    (log-sum-exp's Σ exp(xᵢ) appears in every entry), which a per-entry
    conversion would rebuild n² times.  Nodes are built with SymPy's own
    classes from converted arguments, the original (real) symbols in place, so
    the result is what SymEngine's own conversion followed by the substitution
    of the symbols gives (the test suite compares them).
    """

    def __init__(self, f: sp.Expr, xs):
        import symengine as se

        self.se = se
        self.f = se.sympify(f)  # converts the expression tree, never text
        self.xs = [se.Symbol(str(x)) for x in xs]
        originals = f.free_symbols | set(xs)
        self.memo = {se.Symbol(str(s)): s for s in originals}
        self.back = {sp.Symbol(str(s)): s for s in originals}

    def to_sympy(self, e) -> sp.Expr:
        """``e`` in SymPy, with the original symbols; shared subtrees converted once."""
        memo = self.memo
        done = memo.get(e)
        if done is not None:
            return done
        stack = [e]
        while stack:  # post-order without recursion: sums of 10⁴ terms are deep enough
            node = stack[-1]
            if node in memo:
                stack.pop()
                continue
            todo = [a for a in node.args if a not in memo]
            if todo:
                stack += todo
                continue
            stack.pop()
            memo[node] = self._node(node)
        return memo[e]

    def _node(self, node) -> sp.Expr:
        if not node.args:
            return node._sympy_()
        cls = getattr(sp, type(node).__name__, None)
        if cls is None:  # a class SymPy names otherwise: SymEngine's own conversion
            return node._sympy_().xreplace(self.back)
        args = [self.memo[a] for a in node.args]
        if cls is sp.Pow and args[0] is sp.E and _polynomial(args[1]):
            # exp of a polynomial with rational coefficients: SymPy's evaluation leaves it
            # as it is, after asking about its assumptions (a millisecond per entry)
            return sp.exp(args[1], evaluate=False)
        return cls(*args)

    def gradient(self):
        """∂f/∂xᵢ as SymEngine's sum of the derivatives of the terms that contain xᵢ.

        The same canonical sum ``f.diff(xᵢ)`` gives (the other terms' derivatives
        are 0), without visiting all n terms n times.
        """
        se = self.se
        terms = self.f.args if isinstance(self.f, se.Add) else (self.f,)
        containing: dict = {x: [] for x in self.xs}
        for t in terms:
            for s in t.free_symbols:
                if s in containing:
                    containing[s].append(t)
        return [se.Add(*[t.diff(x) for t in containing[x]]) for x in self.xs]

    def hessian(self, g) -> sp.Matrix:
        return _sparse_hessian(g, self.xs, lambda gi, x: self.to_sympy(gi.diff(x)))


class _NotForSymEngine(Exception):
    """A node outside the functions SymEngine handles like SymPy (see :func:`engine_for`)."""


def _to_symengine(se, e: sp.Expr, memo: dict):
    """``e`` in SymEngine, each distinct SymPy node converted once (``memo``, shared).

    Nodes of the classes SymEngine names alike (Add, Mul, Pow, exp, log, sin,
    ...) are built from converted arguments; atoms by SymEngine's ``sympify``.
    A node that is not SymEngine-safe raises :class:`_NotForSymEngine`.
    """
    stack = [e]
    while stack:
        node = stack[-1]
        if node in memo:
            stack.pop()
            continue
        if not _symengine_safe(node):
            raise _NotForSymEngine(type(node).__name__)
        cls = getattr(se, type(node).__name__, None) if node.args else None
        if cls is None:
            memo[stack.pop()] = se.sympify(node)
            continue
        todo = [a for a in node.args if a not in memo]
        if todo:
            stack += todo
            continue
        memo[stack.pop()] = cls(*[memo[a] for a in node.args])
    return memo[e]


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


_NO_BINDING = (sp.Add, sp.Mul, sp.Pow, sp.Function)


def symbol_sets(exprs: Sequence[sp.Expr]) -> list[frozenset]:
    """Each expression's free symbols, every shared subtree visited once.

    ``e.free_symbols`` walks the whole tree on every call: n² Hessian entries
    sharing one n-term sum would walk it n² times.

    >>> x, y = sp.symbols("x y")
    >>> symbol_sets([x + y, sp.Integer(2)]) == [{x, y}, set()]
    True
    """
    # by id: the nodes are alive in exprs, and SymPy's hash is a Python call (a million
    # zeros cost seconds); ids and the distinct nodes gathered at C speed, not in a loop
    exprs = list(exprs)
    ids = list(map(id, exprs))
    memo: dict[int, frozenset] = {}
    for e in dict(zip(ids, exprs, strict=True)).values():
        if id(e) in memo:
            continue
        stack = [e]
        while stack:
            node = stack[-1]
            if id(node) in memo:
                stack.pop()
                continue
            todo = [a for a in node.args if id(a) not in memo]
            if todo:
                stack += todo
                continue
            stack.pop()
            # Add, Mul, Pow and function applications bind no variable (an Integral does)
            memo[id(node)] = (frozenset().union(*(memo[id(a)] for a in node.args))
                              if isinstance(node, _NO_BINDING) else frozenset(node.free_symbols))
    return list(map(memo.__getitem__, ids))


def to_symengine(exprs: Sequence[sp.Expr]) -> list | None:
    """``exprs`` in SymEngine, each shared subtree converted once (a DAG stays a DAG).

    The variables become SymEngine symbols of the same names.  None when the
    expressions are not for SymEngine: SymEngine is missing, a function is
    outside those SymEngine handles like SymPy (see :func:`engine_for`), or two
    symbols share a name or one carries more than a name (SymEngine knows
    symbols by name alone).

    >>> x, y = sp.symbols("x y")
    >>> to_symengine([(x + y)**2, sp.exp(x + y)])
    [(x + y)**2, exp(x + y)]
    >>> to_symengine([sp.Abs(x)]) is None
    True
    """
    if not symengine_available():
        return None
    import symengine as se

    memo: dict = {}
    try:
        converted = [_to_symengine(se, e, memo) for e in exprs]
    except _NotForSymEngine:
        return None
    free = [node for node in memo if isinstance(node, sp.Symbol)]
    if any(type(s) is not sp.Symbol for s in free) or len({str(s) for s in free}) != len(free):
        return None
    return converted


def cse(exprs: Sequence[sp.Expr]) -> tuple[list[tuple[sp.Symbol, sp.Expr]], list[sp.Expr]]:
    """``sympy.cse(exprs)``'s (replacements, reduced), found by SymEngine's C++ ``cse``.

    SymPy's ``cse`` takes minutes on thousands of derivative entries;
    SymEngine's takes a fraction of a second.  The subexpressions it names are
    fresh symbols (:class:`sympy.Dummy`), never one of the variables; the
    result evaluates to the same values (each reduced expression, with the
    replacements substituted back in order, is the original one).  Where
    SymEngine cannot take the expressions (:func:`to_symengine`), SymPy's own
    ``cse``.

    >>> x, y = sp.symbols("x y")
    >>> subs, reduced = cse([(x + y)**2, sp.exp(x + y)])
    >>> [e.xreplace({s: v}) for s, v in subs for e in reduced]
    [(x + y)**2, exp(x + y)]
    """
    exprs = list(exprs)
    converted = to_symengine(exprs)
    if converted is None:
        return sp.cse(exprs)
    import symengine as se

    found, reduced = se.cse(converted)
    free = set().union(*symbol_sets(exprs))
    conv = _SymEngine(sp.Integer(0), sorted(free, key=str))
    subs = []
    for name, value in found:  # a replacement is used only after it is defined
        fresh = sp.Dummy(str(name))
        subs.append((fresh, conv.to_sympy(value)))
        conv.memo[name] = fresh
    return subs, [conv.to_sympy(e) for e in reduced]
