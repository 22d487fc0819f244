"""The REPL and notebook facade: ``workbench.function("...")`` and the scalar engines.

One object per function, with the engines as methods, so exploring reads like
the math::

    >>> f = function("(1.5 - x + x*y)**2 + (2.25 - x + x*y**2)**2 + (2.625 - x + x*y**3)**2")
    >>> f.gradient_at(x=3, y=0.5)
    [0, 0]

Every public function here reads its input through :mod:`workbench.core.coerce`:
a string, a SymPy expression (its symbols mapped by name onto the workbench's
real ones) or a :class:`Function` give the same answer::

    >>> import sympy as sp
    >>> x, y = sp.symbols("x y")
    >>> gradient(x**2*y, ["x", "y"])
    [2*x*y, x**2]
    >>> gradient(x**2*y, ["x", "y"]) == gradient("x**2*y", ["x", "y"])
    True

(The answer is in the workbench's *real* symbols, the ones text gives.)

In a notebook a function renders as LaTeX (``_repr_latex_``); tables of results
(critical points, certificates, claim checks) as HTML.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cached_property

import sympy as sp

from ..backends.compile import Compiled
from ..backends.compile import compile as _compile
from ..certification import claims
from ..certification.base import Certificate
from ..certification.scalar import certify as _certify
from ..core import coerce, limits
from ..core.errors import DomainError, InputError
from ..core.parse import parse_number
from ..core.printing import to_latex, to_text
from ..plots import figures
from ..symbolic import calculus
from ..symbolic import steps as _steps
from .result import Result, number


def _exact(value) -> sp.Expr:
    """A point coordinate as an exact number: text is parsed, floats read as decimals."""
    if isinstance(value, str):
        return parse_number(value)
    if isinstance(value, sp.Basic):
        return coerce.expression(value)
    if isinstance(value, int | float):
        return sp.nsimplify(value)
    raise TypeError(f"a coordinate must be a number or a string, got {type(value).__name__}")


def _point(point: Mapping, variables: Sequence[str]) -> dict[str, sp.Expr]:
    """A point {name: value} checked against the variables (all given, none unknown)."""
    got = {str(k): _exact(v) for k, v in point.items()}
    missing = [v for v in variables if v not in got]
    extra = [k for k in got if k not in variables]
    if missing or extra:
        parts = ([f"missing {', '.join(missing)}"] if missing else []) + \
                ([f"unknown {', '.join(extra)}"] if extra else [])
        raise InputError(f"point {point}: {'; '.join(parts)} (variables: {', '.join(variables)})")
    return got


class Function:
    """A scalar function of named real variables, read by the one coercion point and kept exact.

    >>> f = Function("x**2*y")
    >>> f.hessian_at(x=1, y=2)
    Matrix([
    [4, 2],
    [2, 0]])
    """

    def __init__(self, obj, variables=None):
        self.expr, self.variables = coerce.function_of(obj, variables)

    def __workbench_function__(self) -> tuple[sp.Expr, list[str]]:
        return self.expr, list(self.variables)

    def __repr__(self) -> str:
        return f"function({to_text(self.expr)!r}, variables={self.variables})"

    def __str__(self) -> str:
        return f"f({', '.join(self.variables)}) = {to_text(self.expr)}"

    def _repr_latex_(self) -> str:
        args = ", ".join(self.variables)
        return f"$f({args}) = {to_latex(self.expr)}$"

    def latex(self) -> str:
        return to_latex(self.expr)

    @cached_property
    def _gradient(self) -> list[sp.Expr]:
        return calculus.gradient(self.expr, self.variables)

    def gradient(self) -> list[sp.Expr]:
        """∇f = [∂f/∂x₁, …, ∂f/∂xₙ], exact."""
        return list(self._gradient)

    def hessian(self) -> sp.Matrix:
        """∇²f = [∂²f/∂xᵢ∂xⱼ], exact."""
        return calculus.hessian(self.expr, self.variables)

    def jacobian(self) -> sp.Matrix:
        """The 1×n Jacobian of the scalar f (one row: the gradient, ∂f/∂xᵀ)."""
        return sp.Matrix([self.gradient()])

    def _subs(self, point: Mapping) -> dict:
        p = _point(point, self.variables)
        return {s: p[str(s)] for s in calculus.symbols(self.variables)}

    def __call__(self, **point) -> sp.Expr:
        return self.expr.subs(self._subs(point))

    def gradient_at(self, **point) -> list[sp.Expr]:
        """∇f at a point, exact (0.5 means 1/2)."""
        subs = self._subs(point)
        return [sp.simplify(g.subs(subs)) for g in self._gradient]

    def hessian_at(self, **point) -> sp.Matrix:
        """∇²f at a point, exact."""
        subs = self._subs(point)
        return self.hessian().subs(subs, simultaneous=True).applyfunc(sp.simplify)

    def steps(self, variable=None) -> _steps.Derivation:
        """∂f/∂x as named rule applications, every step verified (see :func:`steps`).

        >>> print(function("x*exp(x)").steps())
        f = x·exp(x)
        df/dx = x·d/dx[exp(x)] + exp(x)    (product rule)
        d/dx[exp(x)] = exp(x)    (known derivative: exp)
        df/dx = (x + 1)·exp(x)
        """
        return steps(self, variable)

    def limit(self, variable=None, point=0) -> calculus.Limit:
        """lim f as ``variable → point`` (``"oo"`` for +∞), both one-sided limits reported."""
        if variable is None:
            if len(self.variables) != 1:
                raise InputError(f"name the variable of the limit (one of {self.variables})")
            variable = self.variables[0]
        return limit(self, variable, point)

    def taylor(self, point: Mapping, order: int = 2) -> sp.Expr:
        """The Taylor polynomial of total degree ``order`` about ``point``."""
        return taylor(self, point, order, self.variables)

    def critical_points(self, box: Mapping | str | None = None, max_boxes: int | None = None,
                        max_depth: int | None = None) -> calculus.CriticalPoints:
        """Every real solution of ∇f = 0, classified; ``complete`` says if none is missing.

        With ``box`` ({"x": (a, b)}, "x=a:b"): every critical point in it, each proved;
        ``max_boxes`` and ``max_depth`` bound the search by counts.
        """
        return calculus.critical_points(self.expr, self.variables, box=box,
                                        max_boxes=max_boxes, max_depth=max_depth)

    def certify(self, *points: Mapping, n_random: int = 100) -> Certificate:
        """Check ∇f and ∇²f against JAX, finite differences and 50-digit mpmath."""
        return _certify(self.expr, self.variables, [_point(p, self.variables) for p in points],
                        n_random=n_random)

    def plot(self, x=(-2.0, 2.0), y=(-2.0, 2.0), kind: str = "contour", log: bool = False,
             path=None):
        """A :class:`matplotlib.figure.Figure` of f: a curve (one variable), contours or a surface.

        Nothing is saved unless ``path`` is given; no global backend is set, so the
        figure shows in a notebook and the user's own pyplot figures still do.

        >>> fig = function("x**2 + y**2").plot()
        >>> type(fig).__name__, len(fig.axes)   # the map and its colour bar
        ('Figure', 2)
        """
        if kind not in ("contour", "surface"):
            raise InputError(f"kind must be contour or surface, got {kind!r}")
        xr, yr = _range(x, "x"), _range(y, "y")
        value = self.compile("numpy", "value")
        if len(self.variables) == 1:
            fig = _curve(value, xr, self.variables[0], to_latex(self.expr))
        elif len(self.variables) == 2:
            build = figures.contour_figure if kind == "contour" else figures.surface_figure
            fig = build(value, xr, yr, title=f"${to_latex(self.expr)}$", log=log)
        else:
            raise InputError(f"plots are of functions of one or two variables, this one has "
                             f"{len(self.variables)} ({', '.join(self.variables)})")
        if path is not None:
            figures.save(fig, [path])
        return fig

    def compile(self, backend: str = "numpy", what: str = "gradient") -> Compiled:
        """Compile ``what`` ('value', 'gradient' or 'hessian') for ``backend``."""
        if what not in ("value", "gradient", "hessian"):
            raise InputError(f"what must be value, gradient or hessian, got {what!r}")
        exprs = {"value": self.expr, "gradient": self._gradient}.get(what)
        exprs = self.hessian() if what == "hessian" else exprs
        return _compile(exprs, self.variables, backend)


def _range(r, name: str) -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in r)
    except (TypeError, ValueError):
        raise InputError(f"{name} range must be two numbers (lo, hi), got {r!r}") from None
    if not lo < hi:
        raise InputError(f"{name} range must have lo < hi, got {r!r}")
    return lo, hi


def _curve(value, xr, name: str, title: str):
    import numpy as np

    fig, ax = figures.new_axes(figsize=(6.5, 4.2))
    t = np.linspace(*xr, 600)
    with np.errstate(all="ignore"):
        ax.plot(t, np.broadcast_to(np.asarray(value(t), dtype=float), t.shape), lw=1.5)
    ax.set_xlabel(f"${name}$")
    ax.set_ylabel(f"$f({name})$")
    ax.set_title(f"${title}$")
    return fig


def function(obj, variables=None) -> Function:
    """A :class:`Function` from text, a SymPy expression or a Function (variables: free names).

    >>> function("x**2*y + y**3").gradient()
    [2*x*y, x**2 + 3*y**2]
    """
    return Function(obj, variables)


def compile(exprs, variables=None, backend: str = "auto", digits: int = 50) -> Compiled:  # noqa: A001
    """Vectorized code for one expression, a list or a Matrix of them (any accepted input).

    >>> import sympy as sp, numpy as np
    >>> x, y = sp.symbols("x y")
    >>> g = compile([2*x*y, x**2], ["x", "y"], "numpy")
    >>> [v.tolist() for v in g(np.array([1.0, 2.0]), np.array([3.0, 4.0]))]
    [[6.0, 16.0], [1.0, 4.0]]
    """
    if isinstance(exprs, sp.MatrixBase):
        items, shape = list(exprs), exprs.shape
    elif isinstance(exprs, list | tuple):
        items, shape = list(exprs), None
    else:
        items, shape = [exprs], ()
    read = [coerce.expression(e) for e in items]
    listed = coerce.names(variables)
    if listed is None:
        listed = sorted({s.name for e in read for s in e.free_symbols})
    read = [coerce.function_of(e, listed)[0] for e in items]
    flat = sp.Matrix(*shape, read) if shape else (read[0] if shape == () else read)
    return _compile(flat, listed, backend, digits)


def gradient(f, variables=None) -> list[sp.Expr]:
    """∇f, exact, for any accepted input.

    >>> gradient("x**2*y", ["x", "y"])
    [2*x*y, x**2]
    """
    return Function(f, variables).gradient()


def hessian(f, variables=None) -> sp.Matrix:
    """∇²f, exact.

    >>> hessian("x*y**2")
    Matrix([
    [  0, 2*y],
    [2*y, 2*x]])
    """
    return Function(f, variables).hessian()


def jacobian(fs, variables=None) -> sp.Matrix:
    """J = [∂Fᵢ/∂xⱼ] of a vector function given as a list of accepted inputs (rows are outputs).

    >>> jacobian(["x*y", "x + y"])
    Matrix([
    [y, x],
    [1, 1]])
    """
    if isinstance(fs, str | sp.Basic) or hasattr(fs, coerce.PROTOCOL):
        fs = [fs]
    if not isinstance(fs, Sequence):
        raise TypeError(f"expected a list of functions, got {type(fs).__name__}")
    limits.check("jacobian_outputs", len(fs), "Jacobian")
    exprs = [coerce.expression(fi) for fi in fs]
    listed = coerce.names(variables)
    if listed is None:
        listed = sorted({s.name for e in exprs for s in e.free_symbols})
    exprs = [coerce.function_of(fi, listed)[0] for fi in fs]
    return calculus.jacobian(exprs, listed)


def _one_variable(variable, names: list[str], what: str) -> str:
    """The variable of a one-variable operation: the one named, or the function's only one."""
    if variable is None:
        if len(names) != 1:
            raise InputError(f"name the variable of the {what} (one of {', '.join(names)})")
        return names[0]
    name = coerce.names(variable)
    if name is None or len(name) != 1:
        raise InputError(f"the {what} is in one variable, got {variable!r}")
    if name[0] not in names:
        raise InputError(f"{name[0]} is not a variable of f ({', '.join(names)})")
    return name[0]


def steps(f, variable=None) -> _steps.Derivation:
    """∂f/∂x as named rule applications (sum, product, chain ...), each step verified.

    Shows as LaTeX in a notebook and as readable text in the REPL; the result is
    in textbook form.  A derivation that does not verify raises
    :class:`~workbench.symbolic.steps.StepError`: it is never shown.

    >>> d = steps("sin(x**2)", "x")
    >>> [s.note for s in d.steps], d.final
    (['chain rule: sin', 'power rule'], 2*x*cos(x**2))
    """
    expr, names = coerce.function_of(f)
    x = _one_variable(variable, names, "derivative")
    return _steps.steps(expr, sp.Symbol(x, real=True))


def limit(f, variable, point=0) -> calculus.Limit:
    """lim f as ``variable → point``; other names are parameters (real).

    >>> limit("sin(x)/x", "x", 0).value
    1
    >>> limit("1/x", "x", 0).exists
    False
    """
    name = coerce.names(variable)
    if name is None or len(name) != 1:
        raise InputError(f"a limit is in one variable, got {variable!r}")
    expr, _ = coerce.function_of(f, name, parameters=True)
    if isinstance(point, str) and point.strip() in ("oo", "inf", "-oo", "-inf"):
        at = point.strip()
    else:
        at = _exact(point)
    return calculus.limit(expr, name[0], at)


def taylor(f, point: Mapping, order: int = 2, variables=None) -> sp.Expr:
    """The Taylor polynomial of total degree ``order`` of f about ``point``.

    >>> taylor("exp(x)*cos(y)", {"x": 0, "y": 0}, 2)
    x**2/2 + x - y**2/2 + 1
    """
    if not isinstance(order, int) or isinstance(order, bool):
        raise InputError(f"order must be an integer, got {order!r}")
    limits.check("taylor_order", order, "Taylor order")
    expr, listed = coerce.function_of(f, variables)
    return calculus.taylor(expr, listed, _point(point, listed), order)


def critical_points(f, variables=None, box: Mapping | str | None = None,
                    max_boxes: int | None = None, max_depth: int | None = None
                    ) -> calculus.CriticalPoints:
    """Every real critical point of f, classified by the Hessian's eigenvalues.

    With ``box`` ({"x": (a, b)} or "x=a:b,y=c:d") every critical point in the
    closed box, each proved (``workbench critical --box``).

    >>> [(p.point, p.kind) for p in critical_points("x**2 + y**2 - 2*x").points]
    [({'x': 1, 'y': 0}, 'minimum')]
    >>> critical_points("x**2 - 2*x + cos(y)", box="x=-1:2,y=-1:1").complete
    True
    """
    for name, value in (("max_boxes", max_boxes), ("max_depth", max_depth)):
        if value is not None and box is None:
            raise InputError(f"{name} applies to a box search: give box too")
        if value is not None and (not isinstance(value, int) or value < 1):
            raise InputError(f"{name}: {value!r} is not a positive count")
    return Function(f, variables).critical_points(box, max_boxes, max_depth)


def certify(f, variables=None, points: Sequence[Mapping] = (), n_random: int = 100
            ) -> Certificate:
    """The certificate of ∇f and ∇²f (JAX, finite differences, 50-digit mpmath).

    >>> certify("x**3*y", n_random=5).verdict
    'certified'
    """
    return Function(f, variables).certify(*points, n_random=n_random)


def check_claim(f, claimed, variables=None, points=(), n_random: int = 40) -> claims.ClaimCheck:
    """Is ``claimed`` (strings, SymPy expressions or a Python callable) the gradient of f?

    >>> check_claim("x**2*y", ["2*x*y", "x**2"]).verdict
    'correct'
    """
    return claims.check_claim(f, claimed, variables, points, n_random)


# ------------------------------------------------------------------------ derive


def _at(exprs, subs):
    return [sp.simplify(e.subs(subs, simultaneous=True)) for e in exprs]


def _all_steps(expr, names: list[str]) -> tuple[dict, str, bool]:
    """The verified steps of every partial: (JSON, text, verified); failures are reported."""
    found, text = {}, []
    try:
        for v in names:
            d = _steps.steps(expr, sp.Symbol(v, real=True))
            found[v] = d.to_dict()
            text += ["", f"steps for ∂f/∂{v} (each verified):", str(d)]
    except _steps.StepError as exc:
        return {"steps": {}, "steps_verified": False, "steps_problem": str(exc)}, \
            f"\nsteps NOT VERIFIED, not shown: {exc}", False
    return {"steps": found, "steps_verified": True}, "\n".join(text), True


def derive(f, variables=None, at: Mapping | None = None, with_hessian: bool = False,
           n_random: int = 100, with_steps: bool = False) -> Result:
    """Gradient (and Hessian) of f with its certificate: the same as ``workbench derive --json``.

    ``with_steps`` adds each partial derivative as verified rule applications
    (``workbench derive --steps``): ``steps`` maps each variable to its rows
    ``{rule, lhs, rhs, lhs_latex, rhs_latex}``, ``steps_verified`` says they verified.

    >>> d = derive("x**2*y", at={"x": 3, "y": 0.5})
    >>> d.to_dict()["gradient_value_exact"], d.certificate.verdict
    (['3', '9'], 'certified')
    >>> [r["rule"] for r in derive("x*sin(x)", with_steps=True)["steps"]["x"]]
    ['product rule', 'known derivative: sin', 'the steps combined']
    """
    expr, names = coerce.function_of(f, variables)
    point = None if at is None else _point(at, names)
    g = calculus.gradient(expr, names)
    H = calculus.hessian(expr, names) if with_hessian else None
    data: dict = {"variables": names, "expression": to_text(expr),
                  "gradient": [to_text(e) for e in g]}
    if H is not None:
        data["hessian"] = [[to_text(e) for e in row] for row in H.tolist()]
    points = [] if point is None else [point]
    cert = _certify(expr, names, points, n_random=n_random, with_hessian=H is not None,
                    grad=g, hess=H)
    if point is not None:
        if cert.verdict == "undefined":  # with a point given, only that point is undefined
            where = ", ".join(f"{k}={to_text(v)}" for k, v in point.items())
            raise DomainError(f"the point {where} is outside the domain of f "
                              f"(f is not real and finite there)")
        subs = {s: point[str(s)] for s in expr.free_symbols}
        value = sp.simplify(expr.subs(subs))
        grad_value = _at(g, subs)
        data.update(value=number(value), value_exact=to_text(value),
                    gradient_value=[number(v) for v in grad_value],
                    gradient_value_exact=[to_text(v) for v in grad_value])
        if H is not None:
            hv = [_at(row, subs) for row in H.tolist()]
            data["hessian_value"] = [[number(v) for v in row] for row in hv]
    data["certificate"] = {"verdict": cert.verdict, "max_rel_error": cert.max_rel_error,
                           "points_checked": cert.points_checked, "note": cert.note}
    text, ok = _derive_text(data), cert.ok
    if with_steps:
        found, shown, verified = _all_steps(expr, names)
        data.update(found)
        text, ok = text + "\n" + shown, ok and verified
    latex = f"\\nabla f({', '.join(names)}) = {to_latex(sp.Matrix(g))}"
    return Result("derive", data, text, ok, latex=latex,
                  extra={"certificate": cert, "gradient": g, "hessian": H})


def _derive_text(d: dict) -> str:
    lines = [f"f({', '.join(d['variables'])}) = {d['expression']}", "", "gradient:"]
    lines += [f"  ∂f/∂{v} = {g}" for v, g in zip(d["variables"], d["gradient"], strict=True)]
    if "hessian" in d:
        lines += ["", "Hessian:"] + [f"  [{', '.join(r)}]" for r in d["hessian"]]
    if "value" in d:
        lines += ["", f"at the point: f = {d['value_exact']}",
                  f"  ∇f = [{', '.join(d['gradient_value_exact'])}]"]
        if "hessian_value" in d:
            lines.append(f"  H = {d['hessian_value']}")
    c = d["certificate"]
    errs = ", ".join(f"{k} {v:.1e}" for k, v in c["max_rel_error"].items())
    mark = "certified" if c["verdict"] == "certified" else f"NOT CERTIFIED: {c['verdict']}"
    lines += ["", f"certificate: {mark} ({c['points_checked']} points; max rel. error: {errs})",
              f"  {c['note']}"]
    return "\n".join(lines)
