"""Checking a claimed gradient: is a student's (or a source's) answer right?

A claim is a list of gradient components (strings, parsed safely) or a Python
callable returning them.  Each component is compared with the true partial
derivative:

1. symbolically - ``simplify(claimed − true) == 0`` under a time budget proves it;
2. otherwise numerically - at random points (and the user's points) in 50-digit
   arithmetic for string claims, float64 for callables.  Agreement at one
   special point proves nothing (a wrong gradient can vanish at the minimum
   too), which is why the random points are always used.

An incorrect claim comes with a counterexample: the point where the claim is
furthest off, with the claimed and true values.

>>> check_claim("x**2*y", ["2*x*y", "x**2"], ["x", "y"]).verdict
'correct'
>>> check_claim("x**2*y", ["2*x", "x**2"], ["x", "y"]).wrong_components
[0]
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import mpmath
import numpy as np
import sympy as sp

from ..backends.compile import compile
from ..core import budget, coerce
from ..core.errors import InputError
from ..core.printing import to_text
from ..symbolic.calculus import gradient, symbols
from .base import DIGITS, mixed_error, tolerance
from .scalar import random_points


@dataclass
class ClaimCheck:
    """A verdict on a claimed gradient: ``to_dict()`` is ``workbench check --json``, ``str()``
    its text; in a notebook an HTML table of the components."""

    verdict: str  # correct | incorrect
    wrong_components: list[int] = field(default_factory=list)
    counterexample: dict | None = None
    method: list[str] = field(default_factory=list)  # per component: symbolic | numeric
    variables: list[str] = field(default_factory=list)
    claimed: list[str] | None = None  # the claimed components as text (None: a callable)

    def to_dict(self) -> dict:
        return {"verdict": self.verdict, "wrong_components": self.wrong_components,
                "counterexample": self.counterexample, "variables": self.variables}

    def __str__(self) -> str:
        if self.verdict == "correct":
            return "correct: the claimed gradient equals the true gradient"
        names = self.variables
        shown = self.claimed or ["(callable)"] * len(names)
        wrong = ", ".join(f"∂f/∂{names[i]} (claimed {shown[i]})" for i in self.wrong_components)
        c = self.counterexample
        at = ", ".join(f"{k}={v:.6g}" for k, v in c["point"].items())
        return (f"incorrect: {wrong}\n  counterexample at ({at}): claimed {c['claimed']}, "
                f"true {c['true']}")

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>∂f/∂{html.escape(v)}</td>"
            f"<td>{html.escape(self.claimed[i]) if self.claimed else '(callable)'}</td>"
            f"<td>{'wrong' if i in self.wrong_components else 'right'}</td>"
            f"<td>{self.method[i] if i < len(self.method) else ''}</td></tr>"
            for i, v in enumerate(self.variables))
        caption = f"claimed gradient: {self.verdict}"
        if self.counterexample:
            at = ", ".join(f"{k} = {v:.6g}" for k, v in self.counterexample["point"].items())
            caption += f" (counterexample at {at})"
        return (f"<table><caption>{html.escape(caption)}</caption><tr><th>component</th>"
                f"<th>claimed</th><th>verdict</th><th>decided</th></tr>{rows}</table>")


def parse_claim(claimed, names):
    out = []
    for i, c in enumerate(claimed):
        if not isinstance(c, str | sp.Basic) and not hasattr(c, coerce.PROTOCOL):
            raise InputError(f"claimed component {i} is {type(c).__name__}, expected a string "
                             "or a SymPy expression")
        out.append(coerce.function_of(c, names)[0])
    return out


def _mp_values(exprs, xs, P):
    fn = compile(exprs, xs, "mpmath", DIGITS)
    rows = []
    for p in P:
        with mpmath.workdps(DIGITS):
            try:
                rows.append(list(fn(*[mpmath.mpf(v) for v in p])))
            except (ZeroDivisionError, ValueError, OverflowError):
                rows.append(None)
    return rows


def check_claim(
    f,
    claimed: Sequence[str | sp.Expr] | Callable,
    variables: Sequence[str] | None = None,
    points: Sequence[Sequence[float]] = (),
    n_random: int = 40,
    seed: int = 1,
) -> ClaimCheck:
    """Is ``claimed`` the gradient of ``f``?  Verdict, wrong components and a counterexample.

    ``f`` is any input :mod:`workbench.core.coerce` accepts (text, SymPy, a
    workbench function); ``claimed`` a list of components (text or SymPy) or a
    Python callable of the variables' arrays returning the components.
    """
    f, names = coerce.function_of(f, variables)
    result = compare(claimed, gradient(f, symbols(names)), names, points, n_random, seed)
    shown = None if coerce.is_numeric_reference(claimed) else [
        c if isinstance(c, str) else to_text(coerce.expression(c)) for c in claimed]
    return replace(result, variables=names, claimed=shown)


def compare(
    claimed: Sequence[str | sp.Expr] | Callable,
    true: Sequence[sp.Expr],
    names: Sequence[str],
    points: Sequence[Sequence[float]] = (),
    n_random: int = 40,
    seed: int = 1,
) -> ClaimCheck:
    """Does each claimed component equal the exact ``true`` one (functions of ``names``)?

    The engine of :func:`check_claim`, for any list of exact expressions: a
    gradient, a Hessian row, one side of an identity.

    >>> compare(["2*x"], [sp.Symbol("x", real=True) * 2], ["x"]).method
    ['symbolic']
    """
    names = list(names)
    xs = symbols(names)
    true = list(true)
    tc = compile(true, xs, "numpy")
    rng = np.random.default_rng(seed)
    user = np.array(points, dtype=float).reshape(-1, len(xs))

    if isinstance(claimed, str | sp.Basic) or hasattr(claimed, coerce.PROTOCOL):
        raise TypeError("claimed must be a list of components (one per variable) or a "
                        f"Python callable, got {type(claimed).__name__}")
    if coerce.is_numeric_reference(claimed):
        P = np.vstack([user, random_points([tc], xs, n_random, rng, 2.0, list(user))])
        cols = list(P.T)
        try:
            got = np.asarray([np.broadcast_to(np.asarray(c, float), (len(P),))
                              for c in claimed(*cols)])
        except Exception as exc:  # a user's callable can fail in any way; report it as such
            raise InputError(f"the claimed gradient function failed: {exc}") from None
        if got.shape[0] != len(true):
            raise InputError(f"claimed gradient has {got.shape[0]} components, "
                             f"expected {len(true)} ({', '.join(names)})")
        want = np.asarray(tc(*cols)).reshape(len(true), len(P))
        # every component at every point is judged on its own
        err = mixed_error(got.ravel(), want.ravel(), axis=0).reshape(got.shape)
        err = np.where(np.isnan(err), np.inf, err)
        wrong = [i for i in range(len(true)) if np.any(err[i] > tolerance("claim_callable"))]
        return _verdict(wrong, P, err, got, want, names, ["numeric"] * len(true))

    if not isinstance(claimed, Sequence):
        raise TypeError("claimed must be a list of components (one per variable) or a "
                        f"Python callable, got {type(claimed).__name__}")
    claims = parse_claim(list(claimed), names)
    if len(claims) != len(true):
        raise InputError(f"claimed gradient has {len(claims)} components, expected {len(true)} "
                         f"({', '.join(names)})")
    method = []
    undecided = []
    for i, (c, t) in enumerate(zip(claims, true, strict=True)):
        same = budget.simplify(c - t) == 0
        method.append("symbolic" if same else "numeric")
        if not same:
            undecided.append(i)
    if not undecided:
        return ClaimCheck("correct", [], None, method)
    cc = compile(claims, xs, "numpy")
    P = np.vstack([user, random_points([tc, cc], xs, n_random, rng, 2.0, list(user))])
    got_mp, want_mp = _mp_values(claims, xs, P), _mp_values(true, xs, P)
    got = np.full((len(true), len(P)), np.nan)
    want = np.full((len(true), len(P)), np.nan)
    err = np.zeros((len(true), len(P)))
    for k, (g, w) in enumerate(zip(got_mp, want_mp, strict=True)):
        if g is None or w is None:
            continue
        got[:, k], want[:, k] = [float(v) for v in g], [float(v) for v in w]
        for i in undecided:
            err[i, k] = float(mixed_error(g[i], w[i]))
    wrong = [i for i in undecided if np.any(err[i] > tolerance("claim_exact"))]
    return _verdict(wrong, P, err, got, want, names, method)


def _verdict(wrong, P, err, got, want, names, method) -> ClaimCheck:
    if not wrong:
        return ClaimCheck("correct", [], None, method)
    k = int(np.argmax(np.max(err[wrong], axis=0)))
    counter = {
        "point": {n: float(v) for n, v in zip(names, P[k], strict=True)},
        "claimed": [float(v) for v in got[:, k]],
        "true": [float(v) for v in want[:, k]],
    }
    return ClaimCheck("incorrect", wrong, counter, method)
