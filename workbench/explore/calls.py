"""The commands that are not about one scalar formula, as Python calls with the CLI's options.

Each call fills in the same options the command line would and runs the
command's own body (``matrix_call.run`` ...), so ``result.to_dict()`` is the
command's ``--json`` object for the same request.  Options take Python values
(lists, dicts, numbers) or the CLI's text forms (``"x=3,y=0.5"``).

>>> rate(eigs=[1, 100])["exact"]["rate_opt"]
'99/101'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import SimpleNamespace

import sympy as sp

from ..core import coerce
from ..core.errors import InputError
from ..core.printing import to_text
from ..optim.optimizers import DEFAULT_TOL, Hyper
from . import fd_call, matrix_call, optimize_call, rate_call, trace_call
from .result import Result


def _expr_text(obj) -> str:
    """Text as typed; SymPy expressions and functions through the coercion point, printed."""
    return obj if isinstance(obj, str) else to_text(coerce.expression(obj))


def _value_text(v) -> str:
    if isinstance(v, bool) or not isinstance(v, int | float | str | sp.Basic):
        raise TypeError(f"expected a number, got {type(v).__name__} {v!r}")
    return to_text(v) if isinstance(v, sp.Basic) else str(v)


def _list_text(items, sep: str = ",") -> str | None:
    """``None``, text as given, or a list joined the way the CLI reads it."""
    if items is None or isinstance(items, str):
        return items
    if isinstance(items, sp.Symbol):
        return items.name
    if not isinstance(items, Sequence):
        raise TypeError(f"expected a list or a string, got {type(items).__name__}")
    return sep.join(it.name if isinstance(it, sp.Symbol) else _value_text(it) for it in items)


def _point_text(point) -> str | None:
    """``{"x": 3, "y": 0.5}`` as ``"x=3,y=0.5"`` (text passes through)."""
    if point is None or isinstance(point, str):
        return point
    if not isinstance(point, Mapping):
        raise TypeError(f"a point is a dict of name: value, got {type(point).__name__}")
    return ",".join(f"{k}={_value_text(v)}" for k, v in point.items())


def _path_text(path) -> str | None:
    return None if path is None else str(path)


def matrix(expr, wrt, shapes=None, scalars=None, symmetric=None, pd=None, stochastic=None,
           hessian: bool = False, seed: int = 0) -> Result:
    """``workbench matrix``: the gradient (and Hessian) in vectors and matrices, certified.

    ``shapes`` as ``{"A": "m,n"}`` or ``"A=m,n"``; the name lists as lists or text.

    >>> r = matrix("x.T @ A @ x", "x", symmetric=["A"])
    >>> r["gradient"], r["certificate"]["verdict"]
    ('2*A @ x', 'certified')
    """
    if isinstance(shapes, Mapping):
        shapes = " ".join(f"{k}={_list_text(v)}" for k, v in shapes.items())
    opts = SimpleNamespace(expr=_expr_text(expr), wrt=_list_text(wrt), shapes=shapes,
                           scalars=_list_text(scalars), symmetric=_list_text(symmetric),
                           pd=_list_text(pd), stochastic=_list_text(stochastic),
                           hessian=bool(hessian), seed=int(seed))
    return matrix_call.run(opts)


def trace(expr, at=None, wrt=None, mode: str | None = None, seed=None, hvp=None,
          costs: bool = False, exact: bool = True, figure=None) -> Result:
    """``workbench trace``: a forward- or reverse-mode trace table, checked against SymPy and JAX.

    Forward mode with a direction ``seed={"x1": 1, "x2": 2}`` is the Jacobian-vector
    product (JVP) ∇f·d; reverse mode is the vector-Jacobian product (VJP) with the
    cotangent 1 on the output, i.e. the whole gradient; ``hvp`` a direction for the
    Hessian-vector product ∇²f·d (forward over reverse); ``exact=False`` sweeps in
    float64.

    >>> r = trace("x1*x2 + sin(x1)", at={"x1": 0, "x2": 2})
    >>> r["gradient"], r.ok
    ({'x1': 3.0, 'x2': 0.0}, True)
    """
    if mode not in (None, "forward", "reverse"):
        raise InputError(f"mode must be forward or reverse, got {mode!r}")
    seed_text = seed if seed is None or isinstance(seed, str) else _point_text(seed)
    opts = SimpleNamespace(expr=_expr_text(expr), at=_point_text(at), wrt=_list_text(wrt),
                           mode=mode, seed=seed_text, hvp=_point_text(hvp), costs=bool(costs),
                           float=not exact, figure=_path_text(figure), latex=False, json=False)
    return trace_call.run(opts)


def fd(expr, at, wrt=None, dtype: str = "float64", plot=None, h=None,
       h_range=(1e-16, 1e-1), per_decade: int = 8) -> Result:
    """``workbench fd``: every finite-difference method over a sweep of h against 50 digits.

    >>> r = fd("exp(x)", {"x": 1})
    >>> r["methods"]["central"]["order"], r.ok
    (2, True)
    """
    opts = SimpleNamespace(expr=_expr_text(expr), at=_point_text(at), wrt=wrt, dtype=dtype,
                           plot=_path_text(plot), step=None if h is None else str(h),
                           h_range=_list_text(h_range), per_decade=int(per_decade))
    return fd_call.run(opts)


def optimize(func, x0, method: str = "gd", lr: float = 0.01, steps: int = 1000,
             tol: float = DEFAULT_TOL, wrt=None, momentum: float = Hyper.momentum,
             beta1: float = Hyper.beta1, beta2: float = Hyper.beta2, eps: float = Hyper.eps,
             decay: float | None = None, every: int = 100, patience: int | None = None,
             min_delta: float = 0.0, random: int = 20, plot=None) -> Result:
    """``workbench optimize``: an optimizer's run with its certified gradient (and a figure).

    ``func`` is a named test function (``"beale"``) or any accepted expression.

    >>> r = optimize("booth", [0, 0], lr=0.05, steps=2000, tol=0)
    >>> [round(v, 6) for v in r["final"]], r.ok   # Booth's minimum is (1, 3)
    ([1.0, 3.0], True)
    """
    opts = SimpleNamespace(func=_expr_text(func), x0=_list_text(x0), method=method,
                           lr=float(lr), steps=int(steps), tol=float(tol), wrt=_list_text(wrt),
                           momentum=momentum, beta1=beta1, beta2=beta2, eps=eps, decay=decay,
                           every=every, patience=patience, min_delta=min_delta,
                           random=int(random), plot=_path_text(plot))
    return optimize_call.run(opts)


def rate(eigs=None, matrix=None, eta=None) -> Result:
    """``workbench rate``: κ, the optimal step and rate of GD on ½wᵀHw, checked on runs.

    ``matrix`` as rows (``[[2, 1], [1, 3]]``) or the CLI's ``"2,1;1,3"``.

    >>> r = rate(matrix=[[2, 0], [0, 4]], eta=0.5)   # κ = 2, η* = 2/6, R* = 1/3
    >>> r["exact"]["eta_opt"], r["exact"]["rate_opt"], r["converges"], r.ok
    ('1/3', '1/3', False, True)
    """
    if (eigs is None) == (matrix is None):
        raise InputError("give the eigenvalues (eigs=...) or the matrix (matrix=...), one of them")
    if matrix is not None and not isinstance(matrix, str):
        matrix = ";".join(_list_text(row) for row in matrix)
    opts = SimpleNamespace(eigs=_list_text(eigs), matrix=matrix,
                           eta=None if eta is None else _value_text(eta))
    return rate_call.run(opts)
