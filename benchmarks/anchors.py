"""The code generators a user could pick instead of the fused kernel: B1's anchors.

Each builder takes the flattened derivative expressions and the variables and
returns a callable over one array per variable (as the compiled functions take
them) giving an ``(outputs, points)`` array, or a string saying why it cannot
run here (the library is absent), so that B1 skips the row with that reason:

* **SymEngine LLVM** - ``symengine.Lambdify(xs, exprs, backend="llvm", cse=True,
  order="F")``: SymEngine's own common-subexpression elimination, compiled to
  machine code by LLVM; ``order="F"`` takes the variables along the first axis
  of one array, so the inputs are stacked into one (a copy, counted in its time);
* **numba** - the expressions printed by SymPy (``lambdify`` to ``math``, with
  CSE) as one scalar function over a vector of inputs, called in an
  ``@njit(parallel=True)`` loop over the points (``prange``: all cores).

Functions that only the workbench knows (softplus, sigmoid, ...) are written in
exp and log first: their own rewrites, the formulas a user of these libraries
would write.

>>> import sympy as sp
>>> x, y = sp.symbols("x y", real=True)
>>> fn = symengine_llvm([x * y, x + 1], [x, y])
>>> callable(fn) or fn.startswith("SymEngine")
True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import sympy as sp


def elementary(e: sp.Expr) -> sp.Expr:
    """``e`` with the workbench's own functions (softplus, sigmoid, ...) rewritten in exp/log."""
    def own(node) -> bool:
        return isinstance(node, sp.Function) and type(node).__module__.startswith("workbench.")

    return e.replace(own, lambda node: node.rewrite(sp.exp))


def symengine_llvm(exprs: Sequence[sp.Expr], xs: Sequence[sp.Symbol]) -> Callable | str:
    """SymEngine's LLVM ``Lambdify`` with CSE, or why it is unavailable."""
    try:
        import symengine as se
    except ImportError:
        return "SymEngine is not installed (pip install 'workbench[bench]')"
    names = [se.Symbol(str(x)) for x in xs]
    try:
        fn = se.Lambdify(names, [se.sympify(elementary(e)) for e in exprs], backend="llvm",
                         cse=True, order="F")
    except (RuntimeError, TypeError, ValueError) as exc:
        return f"SymEngine LLVM cannot compile these expressions: {str(exc)[:80]}"

    def run(*arrays):
        return fn(np.stack([np.asarray(a, dtype=float) for a in arrays]))

    return run


def numba_parallel(exprs: Sequence[sp.Expr], xs: Sequence[sp.Symbol]) -> Callable | str:
    """The printed expressions in an ``@njit(parallel=True)`` loop, or why it is unavailable."""
    try:
        import numba
    except ImportError:
        return "numba is not installed (pip install 'workbench[bench]')"
    v = sp.IndexedBase("v")
    at = {x: v[k] for k, x in enumerate(xs)}
    # constants as floats: the tuple returned is then one type, which numba indexes
    flat = tuple(sp.Float(e) if not e.free_symbols else elementary(e).xreplace(at)
                 for e in exprs)
    scalar = numba.njit(sp.lambdify([v], flat, modules="math", cse=True))
    n_out = len(flat)

    @numba.njit(parallel=True)
    def loop(cols, out):
        for i in numba.prange(cols.shape[1]):
            r = scalar(cols[:, i])
            for k in range(n_out):
                out[k, i] = r[k]

    def run(*arrays):
        cols = np.stack([np.asarray(a, dtype=float) for a in arrays])
        out = np.empty((n_out, cols.shape[1]))
        loop(cols, out)
        return out

    return run


#: B1's anchor rows: label -> builder
ANCHORS = {"SymEngine LLVM (cse)": symengine_llvm, "numba njit(parallel)": numba_parallel}
