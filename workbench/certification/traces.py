"""Cross-checks for traces: the graph's derivatives against SymPy and against JAX.

A trace is an *answer* only when independent references agree with it:

* **symbolic** - SymPy differentiates the source expression (not the graph) and
  the result is evaluated at the point; an exact trace must agree to 30 digits
  at 50-digit precision, a float trace to float64 round-off;
* **JAX** - ``jax.jvp``, ``jax.vjp`` and grad-of-dot Hessian-vector products of
  the same function (float64), compared in the mixed relative error
  ‖a − b‖∞ / max(‖b‖∞, 1) of :mod:`workbench.certification.base`.

Where the chain rule breaks down (a flagged node), the graph cannot say whether
the derivative exists; :func:`one_sided` asks the function itself, with
one-sided difference quotients at 50 digits along the direction.

>>> from workbench.autodiff.graph import from_text
>>> from workbench.autodiff.trace import reverse
>>> t = reverse(from_text("x*sin(y)"), {"x": 2, "y": 1})
>>> all(c.passed for c in check(t))
True
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import mpmath
import numpy as np
import sympy as sp

from ..autodiff.graph import Graph
from ..autodiff.trace import HVP, Trace, primal, read_point, read_seed
from ..backends import jaxutil
from ..core import budget
from ..symbolic.calculus import symbols
from .base import DIGITS, mixed_error, tolerance


@dataclass
class Agreement:
    """One cross-check: its name, verdict, evidence and the error it measured."""

    name: str
    passed: bool
    detail: str
    error: float = float("nan")
    undefined: bool = False  # the chain rule broke down, so there was nothing to compare


def _mp(x):
    if x is None:
        return None
    x = getattr(x, "v", x)
    with mpmath.workdps(DIGITS):
        if isinstance(x, sp.Basic):
            z = sp.N(x, DIGITS)
            if not z.is_real:
                return None
            return mpmath.mpf(str(z))
        return mpmath.mpf(float(x))


def trace_error(got: Sequence, want: Sequence) -> float:
    """The mixed relative error of trace values (duals, SymPy numbers or floats) at 50 digits.

    inf when a value is missing or not real, or there is nothing to compare.
    """
    a, b = [_mp(x) for x in got], [_mp(x) for x in want]
    if any(x is None for x in a + b) or not b:
        return float("inf")
    return float(mixed_error(a, b))


def _subs(graph: Graph, point: Mapping) -> dict:
    return {s: sp.sympify(getattr(point[s.name], "v", point[s.name]))
            for s in symbols(graph.variables)}


def _source(graph: Graph) -> tuple[list[sp.Expr], str]:
    """The expressions to differentiate, and where they come from."""
    if graph.source is not None:
        return graph.source, "SymPy derivative of the expression"
    rows = primal(graph, None)
    return [rows[i + len(graph.variables) - 1].value for i in graph.outputs], \
        "SymPy derivative of the traced graph's expression"


def _jax_function(graph: Graph) -> Callable | None:
    """F(x) as a JAX function of one vector, from the source or the traced Python function."""
    jnp = jaxutil.jnp()
    n = len(graph.variables)
    if graph.source is not None:
        fs = [sp.lambdify(symbols(graph.variables), e, modules="jax") for e in graph.source]

        def F(x):
            return jnp.stack([jnp.asarray(f(*[x[i] for i in range(n)]), dtype=jnp.float64)
                              for f in fs])

        return F
    if graph.reference is not None:
        fn = graph.reference

        def G(x):
            out = fn(*[x[i] for i in range(n)])
            out = list(out) if isinstance(out, tuple | list) else [out]
            return jnp.stack([jnp.asarray(o, dtype=jnp.float64) for o in out])

        return G
    return None


def _program(graph: Graph, fn: Callable) -> Callable:
    """``fn`` compiled once where F is SymPy's source; a user's own Python function runs
    op by op instead (it may branch on its values, which a compiled trace cannot)."""
    return jaxutil.jit_reference(fn) if graph.source is not None else fn


def _floats(graph: Graph, values: Mapping) -> np.ndarray:
    return np.array([float(sp.N(sp.sympify(getattr(values[v], "v", values[v])), 20))
                     for v in graph.variables])


def _undefined(trace: Trace, what: str) -> Agreement:
    return Agreement(f"{what} defined by the chain rule", False,
                     "the chain rule breaks down: " + "; ".join(trace.flags), undefined=True)


def _compare(name: str, got, want, tol: float, show: Callable) -> Agreement:
    err = trace_error(got, want)
    ok = err <= tol
    return Agreement(name, ok, f"max mixed rel. error {err:.1e} (tolerance {tol:.0e}); "
                               f"reference {show(want)}", err)


def _show(values) -> str:
    return "[" + ", ".join(f"{float(_mp(v)):.15g}" if _mp(v) is not None else "undefined"
                           for v in values) + "]"


def _symbolic_tol(trace: Trace) -> float:
    return tolerance("trace_exact" if trace.algebra == "exact" else "trace_float")


def _reference(trace: Trace, exprs, xs) -> tuple[list, list[sp.Expr], str]:
    """What the sweep computed, SymPy's symbolic J·d (forward) or uᵀJ (reverse), and its label."""
    if trace.mode == "forward":
        d = [trace.seed[v] for v in trace.graph.variables]
        want = [sum((sp.diff(e, x) * di for x, di in zip(xs, d, strict=True)), sp.Integer(0))
                for e in exprs]
        return trace.jvp, want, "forward derivative"
    want = [sum((sp.diff(e, x) * u for e, u in zip(exprs, trace.cotangent, strict=True)),
                sp.Integer(0)) for x in xs]
    return list(trace.gradient.values()), want, "reverse gradient"


def check(trace: Trace) -> list[Agreement]:
    """Value, and the forward derivative or reverse gradient, against SymPy and JAX."""
    graph = trace.graph
    exprs, origin = _source(graph)
    xs = symbols(graph.variables)
    if trace.point is None:
        return _check_symbolic(trace, exprs, xs, origin)
    subs = _subs(graph, trace.point)
    out = [_compare("graph value equals the function's value", trace.values,
                    [e.subs(subs) for e in exprs], _symbolic_tol(trace), _show)]
    got, want, what = _reference(trace, exprs, xs)
    if any(g is None for g in got):
        return out + [_undefined(trace, what)]
    want = [w.subs(subs) for w in want]
    out.append(_compare(f"{what} equals the {origin}", got, want, _symbolic_tol(trace), _show))
    out.append(_check_jax(trace, got, what))
    return out


def _check_jax(trace: Trace, got, what: str) -> Agreement:
    graph = trace.graph
    F = _jax_function(graph)
    if F is None:
        return Agreement(f"{what} equals JAX", False, "no function JAX could run")
    jax, jnp = jaxutil.jax(), jaxutil.jnp()
    x = jnp.asarray(_floats(graph, trace.point))
    if trace.mode == "forward":
        d = jnp.asarray(_floats(graph, trace.seed))
        ref = np.asarray(_program(graph, lambda x, d: jax.jvp(F, (x,), (d,))[1])(x, d))
        name = f"{what} equals jax.jvp"
    else:
        u = jnp.asarray([float(sp.N(c, 20)) for c in trace.cotangent])
        ref = np.asarray(_program(graph, lambda x, u: jax.vjp(F, x)[1](u)[0])(x, u))
        name = f"{what} equals jax.vjp"
    return _compare(name, got, [float(r) for r in ref], tolerance("trace_jax"), _show)


def same(a: sp.Expr, b: sp.Expr, xs) -> bool:
    """Symbolically equal, or (when simplify cannot decide, or the difference is too
    large to simplify) equal at 50 digits on random points where both are defined."""
    if budget.vanishes(a - b):
        return True
    rng = np.random.default_rng(7)
    checked = 0
    for _ in range(40):
        pt = {x: sp.Rational(int(v * 1000), 1000) for x, v in zip(xs, rng.uniform(-2, 2,
                                                                               len(xs)),
                                                                   strict=True)}
        va, vb = _mp(a.subs(pt)), _mp(b.subs(pt))
        if va is None or vb is None or not (mpmath.isfinite(va) and mpmath.isfinite(vb)):
            continue
        if mixed_error([va], [vb]) > tolerance("trace_exact"):
            return False
        checked += 1
        if checked >= 8:
            return True
    return False


def _check_symbolic(trace: Trace, exprs, xs, origin: str) -> list[Agreement]:
    got, want, what = _reference(trace, exprs, xs)
    what = f"symbolic {what}"
    ok = all(same(g, w, xs) for g, w in zip(got, want, strict=True))
    return [Agreement(f"{what} equals the {origin}", ok,
                      "simplified difference is 0, or 50-digit agreement at random points"
                      if ok else "differs from the reference")]


def check_hvp(graph: Graph, point: Mapping, result: HVP, algebra_name: str | None = None
              ) -> list[Agreement]:
    """∇²f·d from forward-over-reverse against SymPy's Hessian and JAX's grad-of-dot.

    The tolerance follows the algebra the product was computed in (``result.algebra``;
    ``algebra_name``, when given, overrides it).
    """
    if result.flags:
        return [Agreement("Hessian-vector product defined by the chain rule", False,
                          "; ".join(result.flags), undefined=True)]
    exprs, origin = _source(graph)
    if len(exprs) != 1:
        return [Agreement("Hessian-vector product", False, "needs a scalar function")]
    xs = symbols(graph.variables)
    pt = read_point(graph, point)
    subs = _subs(graph, pt)
    d = [result.direction[v] for v in graph.variables]
    # SymPy orders the variables of a mixed partial canonically, so diff(f, xi, xj) is
    # diff(f, xj, xi) to the letter: each of the n(n+1)/2 distinct entries is built once
    second: dict[frozenset, sp.Expr] = {}

    def d2(xi, xj):
        key = frozenset((xi, xj))
        if key not in second:
            second[key] = sp.diff(exprs[0], xi, xj)
        return second[key]

    want = [sum((d2(xi, xj) * dj for xj, dj in zip(xs, d, strict=True)),
                sp.Integer(0)).subs(subs) for xi in xs]
    got = [result.hvp[v] for v in graph.variables]
    algebra = algebra_name if algebra_name is not None else result.algebra
    tol = tolerance("trace_exact" if algebra == "exact" else "trace_float")
    out = [_compare(f"HVP equals the {origin.replace('derivative', 'Hessian')} times d",
                    got, want, tol, _show)]
    F = _jax_function(graph)
    if F is not None:
        jax, jnp = jaxutil.jax(), jaxutil.jnp()
        v = jnp.asarray(_floats(graph, result.direction))

        def f(x):
            return F(x)[0]

        hvp = _program(graph, lambda x, v: jax.grad(lambda y: jnp.vdot(jax.grad(f)(y), v))(x))
        ref = hvp(jnp.asarray(_floats(graph, pt)), v)
        out.append(_compare("HVP equals JAX grad of ⟨∇f, d⟩", got,
                            [float(r) for r in np.asarray(ref)], tolerance("trace_jax"), _show))
    return out


@dataclass
class OneSided:
    """Difference quotients of f along d at 50 digits, from each side (None: undefined)."""

    right: float | None
    left: float | None
    exists: bool
    note: str


def one_sided(graph: Graph, point: Mapping, direction, output: int = 0,
              h: str = "1e-20") -> OneSided:
    """(f(x + h·d) − f(x))/h and (f(x) − f(x − h·d))/h with h = 1e-20 at 50 digits.

    Agreement (to 1e-6 relative) means the directional derivative exists even
    where the chain rule through a flagged node cannot compute it; a side that is
    undefined or larger than 1e8 means it does not.
    """
    exprs, _ = _source(graph)
    xs = symbols(graph.variables)
    f = sp.lambdify(xs, exprs[output], modules="mpmath")
    pt = read_point(graph, point)
    d = read_seed(graph, direction)
    with mpmath.workdps(DIGITS):
        x0 = [_mp(pt[v]) for v in graph.variables]
        dv = [_mp(d[v]) for v in graph.variables]
        step = mpmath.mpf(h)

        def at(s):
            try:
                y = f(*[a + s * b for a, b in zip(x0, dv, strict=True)])
            except (ValueError, ZeroDivisionError, OverflowError):
                return None
            return y if isinstance(y, mpmath.mpf) and mpmath.isfinite(y) else None

        y0, yr, yl = at(0), at(step), at(-step)
        right = (yr - y0) / step if yr is not None and y0 is not None else None
        left = (y0 - yl) / step if yl is not None and y0 is not None else None
        big = mpmath.mpf(10) ** 8
        exists = (right is not None and left is not None and abs(right) < big and
                  abs(right - left) <= mpmath.mpf(10) ** -6 * max(1, abs(right)))
    r = float(right) if right is not None else None
    lf = float(left) if left is not None else None

    def side(v):
        return "undefined" if v is None else f"{v:.15g}"

    note = (f"one-sided difference quotients at 50 digits (h = {h}): right {side(r)}, "
            f"left {side(lf)}: " + ("they agree, so the directional derivative exists"
                                    if exists else "the directional derivative does not exist"))
    return OneSided(r, lf, bool(exists), note)
