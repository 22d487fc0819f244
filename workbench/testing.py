"""Assertions for derivations, for a project's own pytest suite.

Each helper compares a claimed result with the exact one the workbench
derives, the way :func:`numpy.testing.assert_allclose` compares arrays, and
raises :class:`AssertionError` with a short, complete message when they differ:
which component (named ∂f/∂x), the point, the claimed and the true value, and
the true result as text.

How a claim is judged (the engine of :func:`workbench.check_claim`):

1. symbolically - ``simplify(claimed − true) == 0`` proves a component;
2. otherwise at 40 random points (and any points you give) in 50-digit
   arithmetic; a component off by more than 1e-30 (mixed relative error) there
   is wrong.  Agreement at one special point proves nothing: a wrong gradient
   can vanish at the minimum too, so random points are always used.
   A Python callable is compared in float64, to 1e-8.

Claims may be strings (read by the safe parser), SymPy expressions or matrices,
lists of them, or callables taking one array per variable.  Symbols are matched
by name: ``sympy.symbols("x y")`` in a test means the workbench's real ``x, y``.

>>> import sympy
>>> x, y = sympy.symbols("x y")
>>> assert_hessian("x**2*y + y**3", sympy.Matrix([[2*y, 2*x], [2*x, 6*y]]))
'proved symbolically'
>>> try:
...     assert_gradient("x**2*y", ["2*x", "x**2"], points=[{"x": 1, "y": 2}])
... except AssertionError as exc:
...     print(str(exc).splitlines()[0])
gradient of f = x**2*y: 1 of 2 components wrong (∂f/∂x)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

import numpy as np
import sympy as sp

from .certification import matrix as mcert
from .certification import matrix_claims
from .certification.claims import compare
from .certification.scalar import certify
from .core.errors import WorkbenchError
from .core.parse import parse, parse_assignments, variables_of
from .core.printing import to_text
from .matrix_calculus.printing import to_numpy
from .symbolic import calculus

__all__ = [
    "assert_critical_points", "assert_derivative", "assert_gradient", "assert_hessian",
    "assert_identity", "assert_jacobian", "assert_matrix_gradient", "assert_matrix_hessian",
]

Claim = str | sp.Expr | Sequence | sp.MatrixBase | Callable


# ---------------------------------------------------------------------------- reading


def _names(wrt: str | Sequence[str] | None) -> list[str] | None:
    """``"x, y"`` or ``["x", "y"]`` as a list of names (None stays None)."""
    if wrt is None:
        return None
    return [w.strip() for w in (wrt.split(",") if isinstance(wrt, str) else wrt) if w.strip()]


def _real(expr: sp.Expr) -> sp.Expr:
    """``expr`` with every symbol replaced by the workbench's real symbol of the same name."""
    expr = sp.sympify(expr)
    return expr.xreplace({s: sp.Symbol(s.name, real=True) for s in expr.free_symbols
                          if isinstance(s, sp.Symbol)})


def _function(f, wrt) -> tuple[sp.Expr, list[str]]:
    """The exact expression of ``f`` (text, SymPy or a workbench Function) and its variables."""
    names = _names(wrt)
    if hasattr(f, "expr") and hasattr(f, "variables"):   # a workbench.Function
        return _real(f.expr), names or list(f.variables)
    expr = parse(f, names) if isinstance(f, str) else _real(f)
    return expr, names or variables_of(expr)


def _entry(c, names: list[str]):
    """One claimed entry as an exact expression (strings through the safe parser)."""
    return parse(c, names) if isinstance(c, str) else _real(c)


def _flat_claim(claimed, shape: tuple[int, ...], names: list[str], what: str):
    """A claimed array of ``shape`` as a flat list of expressions, or a flattening callable."""
    if callable(claimed) and not isinstance(claimed, sp.Basic):
        def flat(*cols):
            out = np.asarray(claimed(*cols), dtype=object)
            if out.shape[:len(shape)] != shape:
                raise AssertionError(f"the claimed {what} function returned shape "
                                     f"{out.shape[:len(shape)]}, expected {shape}")
            return [out[idx] for idx in np.ndindex(*shape)]
        return flat
    if isinstance(claimed, str | sp.Expr) and shape == ():
        return [_entry(claimed, names)]
    rows = sp.Matrix(claimed).tolist() if isinstance(claimed, sp.MatrixBase) else claimed
    got = np.array(rows, dtype=object)
    if got.shape != shape and not (len(shape) == 1 and got.shape == shape + (1,)):
        raise AssertionError(f"claimed {what} has shape {got.shape}, expected {shape}")
    return [_entry(c, names) for c in got.ravel()]


# ---------------------------------------------------------------------------- messages


def _num(v: float) -> str:
    return f"{v:.10g}"


def _certified(f: sp.Expr, names: list[str], hessian: bool) -> str:
    """Whether the true result itself passed the independent references."""
    try:
        cert = certify(f, names, n_random=20, with_hessian=hessian)
    except WorkbenchError as exc:
        return f"not certified: {exc}"
    if cert.ok:
        return "certified against JAX autodiff, finite differences and 50-digit mpmath"
    return f"NOT certified ({cert.verdict})"


def _fail(title: str, res, labels: list[str], claims, truth: list[sp.Expr], truth_text: str,
          certificate: str) -> None:
    """Raise the numpy.testing-style AssertionError for a wrong ``res`` (a ClaimCheck)."""
    wrong = res.wrong_components
    c = res.counterexample
    point = ", ".join(f"{k} = {_num(v)}" for k, v in c["point"].items())
    how = "50-digit arithmetic" if not callable(claims) else "float64"
    lines = [f"{title}: {len(wrong)} of {len(labels)} components wrong "
             f"({', '.join(labels[i] for i in wrong)})",
             f"at {point} (the worst of the random points, {how}):"]
    for i in wrong:
        shown = "" if callable(claims) else f" = {to_text(claims[i])}"
        lines.append(f"  {labels[i]}: claimed {_num(c['claimed'][i])}{shown}; "
                     f"true {_num(c['true'][i])} = {to_text(truth[i])}")
    lines.append(f"true result: {truth_text} ({certificate})")
    raise AssertionError("\n".join(lines))


def _check(title, claims, truth, labels, names, points, truth_text, certificate) -> str:
    res = compare(claims, truth, names, _points(points, names))
    if res.verdict != "correct":
        _fail(title, res, labels, claims, truth, truth_text, certificate())
    if callable(claims):
        return "agrees in float64 at 40 random points"
    if all(m == "symbolic" for m in res.method):
        return "proved symbolically"
    return "agrees at 40 random points in 50-digit arithmetic"


def _points(points, names: list[str]) -> list[list[float]]:
    """User points (mappings, ``"x=1,y=2"`` strings or sequences) as rows of floats."""
    rows = []
    for p in points or ():
        if isinstance(p, str):
            p = parse_assignments(p)
        rows.append([float(p[n]) for n in names] if isinstance(p, Mapping)
                    else [float(v) for v in p])
    return rows


def _d(names: list[str], *var: str, f: str = "f") -> str:
    order = len(var)
    top = "∂" if order == 1 else f"∂{'²' if order == 2 else order}"
    return f"{top}{f}/" + "".join(f"∂{v}" for v in var)


# ---------------------------------------------------------------------------- scalar helpers


def assert_gradient(f, claimed: Claim, wrt: str | Sequence[str] | None = None,
                    points: Iterable = ()) -> str:
    """Assert that ``claimed`` is ∇f (one component per variable of ``wrt``).

    Returns how it was decided ("proved symbolically" or the random points).

    >>> assert_gradient("x**2*y", ["2*x*y", "x**2"])
    'proved symbolically'
    """
    expr, names = _function(f, wrt)
    truth = calculus.gradient(expr, names)
    claims = _flat_claim(claimed, (len(names),), names, "gradient")
    labels = [_d(names, n) for n in names]
    return _check(f"gradient of f = {to_text(expr)}", claims, truth, labels, names, points,
                  f"∇f = [{', '.join(map(to_text, truth))}]",
                  lambda: _certified(expr, names, False))


def assert_hessian(f, claimed: Claim, wrt: str | Sequence[str] | None = None,
                   points: Iterable = ()) -> str:
    """Assert that ``claimed`` (n × n) is the Hessian ∇²f, entry by entry.

    >>> assert_hessian("x*y", [["0", "1"], ["1", "0"]])
    'proved symbolically'
    """
    expr, names = _function(f, wrt)
    n = len(names)
    H = calculus.hessian(expr, names)
    truth = [H[i, j] for i in range(n) for j in range(n)]
    claims = _flat_claim(claimed, (n, n), names, "Hessian")
    labels = [_d(names, a, b) for a in names for b in names]
    return _check(f"Hessian of f = {to_text(expr)}", claims, truth, labels, names, points,
                  f"∇²f = {to_text(H.tolist())}", lambda: _certified(expr, names, True))


def assert_jacobian(fs: Sequence, claimed: Claim, wrt: str | Sequence[str] | None = None,
                    points: Iterable = ()) -> str:
    """Assert that ``claimed`` (m × n, one row per output) is the Jacobian of ``fs``.

    >>> assert_jacobian(["x*y", "x + y"], [["y", "x"], ["1", "1"]])
    'proved symbolically'
    """
    names = _names(wrt)
    exprs = [_function(f, names)[0] for f in fs]
    names = names or sorted({s.name for e in exprs for s in e.free_symbols})
    J = calculus.jacobian(exprs, names)
    m, n = J.shape
    truth = [J[i, j] for i in range(m) for j in range(n)]
    claims = _flat_claim(claimed, (m, n), names, "Jacobian")
    labels = [_d(names, v, f=f"f{i + 1}") for i in range(m) for v in names]
    return _check(f"Jacobian of F = [{', '.join(map(to_text, exprs))}]", claims, truth, labels,
                  names, points, f"J = {to_text(J.tolist())}",
                  lambda: "; ".join(_certified(e, names, False) for e in exprs[:1]))


def assert_derivative(f, claimed: Claim, wrt: str | None = None, order: int = 1,
                      points: Iterable = ()) -> str:
    """Assert that ``claimed`` is ∂ᵏf/∂xᵏ (``wrt`` = x; the only variable by default).

    >>> assert_derivative("sin(x)", "-sin(x)", order=2)
    'proved symbolically'
    """
    expr, names = _function(f, None)
    var = wrt or (names[0] if len(names) == 1 else None)
    if var is None:
        raise AssertionError(f"f = {to_text(expr)} has variables {', '.join(names)}: "
                             "name one with wrt=")
    names = names if var in names else [*names, var]
    truth = [sp.diff(expr, sp.Symbol(var, real=True), order)]
    claims = _flat_claim(claimed, (), names, "derivative") if not callable(claimed) else \
        (lambda *cols: [claimed(*cols)])   # one component: the derivative itself
    label = _d(names, *([var] * order))
    return _check(f"derivative of f = {to_text(expr)}", claims, truth, [label], names, points,
                  f"{label} = {to_text(truth[0])}", lambda: _certified(expr, names, order > 1))


def _scalar_identity(lhs, rhs, points) -> str:
    left = _entry(lhs, None) if isinstance(lhs, str) else _real(lhs)
    right = _entry(rhs, None) if isinstance(rhs, str) else _real(rhs)
    names = sorted({s.name for s in (left.free_symbols | right.free_symbols)}) or ["x"]
    left, right = _entry(lhs, names), _entry(rhs, names)
    return _check("identity lhs = rhs", [left], [right], ["lhs − rhs"], names, points,
                  f"rhs = {to_text(right)}", lambda: "the right-hand side is taken as exact")


def assert_identity(lhs, rhs, points: Iterable = (), shapes=None, assume=None,
                    scalars=None) -> str:
    """Assert that ``lhs = rhs`` holds: a scalar identity, or a matrix one in NumPy syntax.

    Scalar identities are proved symbolically when SymPy can, and otherwise
    checked at 40 random points in 50-digit arithmetic - points where both sides
    are real and finite, so ``log(x**2) = 2*log(x)`` passes as an identity for
    x > 0; matrix identities are checked on random instances (exact at size 2,
    float64 at sizes 3 and 4).  The result says which.

    >>> assert_identity("sin(x)**2 + cos(x)**2", "1")
    'proved symbolically'
    >>> assert_identity("(A @ B).T", "B.T @ A.T")[:27]
    'holds on exact rational ins'
    """
    matrix = shapes is not None or assume is not None or scalars is not None
    if not matrix:
        try:
            return _scalar_identity(lhs, rhs, points)
        except WorkbenchError:
            if not (isinstance(lhs, str) and isinstance(rhs, str)):
                raise
            matrix = True   # @, .T or a matrix function: read both sides as matrices
    res = matrix_claims.check_identity(lhs, rhs, shapes=shapes, scalars=scalars, **_assume(assume))
    if not res.holds:
        raise AssertionError(f"matrix identity {lhs} = {rhs} {res.detail}")
    return res.detail


def assert_critical_points(f, expected: Iterable, wrt: str | Sequence[str] | None = None) -> None:
    """Assert that the real critical points of ``f`` are exactly ``expected``.

    Each expected point is a mapping or ``"x=3,y=0.5"``, optionally paired with
    its kind: ``("x=0,y=0", "saddle")``.  Coordinates are compared exactly.

    >>> assert_critical_points("x**2 - y**2", [("x=0,y=0", "saddle")])
    """
    expr, names = _function(f, wrt)
    found = calculus.critical_points(expr, names)
    want = []
    for item in expected:
        point, kind = (item if isinstance(item, tuple) else (item, None))
        point = parse_assignments(point) if isinstance(point, str) else \
            {k: sp.nsimplify(v) for k, v in point.items()}
        want.append((point, kind))

    def same(p, q) -> bool:
        return all(sp.simplify(sp.sympify(p[n]) - sp.sympify(q.get(n, sp.nan))) == 0
                   for n in names)

    def show(p) -> str:
        return ", ".join(f"{n} = {to_text(p[n])}" for n in names if n in p)

    missing = [(p, k) for p, k in want if not any(same(p, c.point) for c in found.points)]
    extra = [c for c in found.points if not any(same(p, c.point) for p, _ in want)]
    kinds = [(p, k, c.kind) for p, k in want for c in found.points
             if k is not None and same(p, c.point) and c.kind != k]
    if not (missing or extra or kinds):
        return
    lines = [f"critical points of f = {to_text(expr)} are not as expected"]
    lines += [f"  expected ({show(p)}): not a critical point" for p, _ in missing]
    lines += [f"  not expected: ({show(c.point)}), a {c.kind}" for c in extra]
    lines += [f"  ({show(p)}): expected a {k}, it is a {got}" for p, k, got in kinds]
    listed = "; ".join(f"({show(c.point)}) {c.kind}" for c in found.points) or "none"
    complete = "complete" if found.complete else "possibly incomplete"
    lines.append(f"true critical points ({complete}, {found.method}): {listed}")
    raise AssertionError("\n".join(lines))


# ---------------------------------------------------------------------------- matrix helpers


def _assume(assume: Mapping[str, str | Sequence[str]] | None) -> dict[str, list[str]]:
    """``{"A": "symmetric", "X": ("symmetric", "pd")}`` as the engine's keyword lists."""
    out: dict[str, list[str]] = {"symmetric": [], "pd": [], "stochastic": []}
    for name, props in (assume or {}).items():
        for prop in [props] if isinstance(props, str) else props:
            if prop not in out:
                raise AssertionError(f"assume[{name!r}]: unknown property {prop!r} "
                                     f"(known: {', '.join(out)})")
            out[prop].append(name)
    return {k: v for k, v in out.items() if v}


def _assert_matrix(what: str, expr: str, claimed: str, wrt: str, shapes, assume) -> str:
    result = mcert.solve(expr, wrt, shapes=shapes, hessian=what == "hessian",
                         **_assume(assume))
    truth = result.answer(what)
    if truth is None:
        raise AssertionError(f"the {what} of {expr} with respect to {wrt} could not be "
                             f"certified ({result.certificate.verdict}): nothing to compare")
    claim = matrix_claims.check_claim(result.derivation, what, claimed)
    if not claim.holds:
        raise AssertionError(
            f"{what} of f = {expr} with respect to {wrt} is not as claimed\n"
            f"  claimed: {claimed}\n  true:    {to_numpy(truth)} "
            f"(certified: {result.certificate.note})\n  {claim.detail}")
    return claim.detail


def assert_matrix_gradient(expr: str, claimed: str, wrt: str, shapes=None,
                           assume=None) -> str:
    """Assert that ``claimed`` (NumPy syntax) is the gradient of ``expr`` w.r.t. ``wrt``.

    Shapes follow the ``workbench matrix`` conventions (upper case n×n, lower
    case n-vectors; ``shapes="A=m,n x=n"`` overrides); ``assume`` maps a name
    to ``"symmetric"``, ``"pd"`` or ``"stochastic"``.

    >>> assert_matrix_gradient("x.T @ A @ x", "2 * A @ x", "x", assume={"A": "symmetric"})[:5]
    'agree'
    """
    return _assert_matrix("gradient", expr, claimed, wrt, shapes, assume)


def assert_matrix_hessian(expr: str, claimed: str, wrt: str, shapes=None,
                          assume=None) -> str:
    """Assert that ``claimed`` is the Hessian of ``expr`` w.r.t. the vector ``wrt``.

    >>> assert_matrix_hessian("norm(A @ x - b)**2 / 2", "A.T @ A", "x")[:5]
    'agree'
    """
    return _assert_matrix("hessian", expr, claimed, wrt, shapes, assume)
