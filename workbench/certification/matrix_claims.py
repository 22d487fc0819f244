"""Claimed matrix formulas: does a textbook's (or a student's) answer equal the certified one?

A claim is NumPy text over the problem's names, such as ``inv(X).T``.  It is read
by the same front end as the problem and evaluated, with the certified formula,
on random float64 instances of two sizes; it holds when they agree to the
``formula_claim`` tolerance of :mod:`workbench.certification.base`.  For a square
matrix variable not declared symmetric, a failed claim is tried again at
symmetric points: textbook answers such as ∇ ln det X = X⁻¹ assume symmetry,
and the verdict says so.

>>> from workbench.certification.matrix import solve
>>> d = solve("log(det(X))", "X").derivation
>>> check_claim(d, "gradient", "inv(X).T").holds
True
>>> c = check_claim(d, "gradient", "inv(X)")
>>> c.holds, c.holds_symmetric
(False, True)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp

from ..matrix_calculus import expr as mx
from ..matrix_calculus.parse import parse_matrix
from ..matrix_calculus.printing import to_numpy
from .base import mixed_error, tolerance
from .matrix_algebras import ArrayAlgebra, ExactAlgebra, evaluate, interpret_with
from .matrix_instances import constants, dims_for, finite, random_array, scalar_value


@dataclass
class FormulaClaim:
    """Whether a claimed formula equals a certified one, with the evidence."""

    holds: bool
    max_rel_error: float
    detail: str
    holds_symmetric: bool | None = None   # for a square matrix variable: at symmetric points


def _claim_error(d, value, text, dims, rng, symmetric: bool, extra_name: str | None) -> float:
    decl, wrt = d.problem.declarations, d.wrt
    for _ in range(10):
        consts = constants(decl, wrt, dims, rng, exact=False)
        if d.kind == "scalar":
            X0 = float(scalar_value(rng, False))
        else:
            leaf = decl.leaf(wrt)
            X0 = random_array(mx.Leaf(wrt, leaf.rows, leaf.cols,
                                       symmetric=leaf.symmetric or symmetric, pd=leaf.pd),
                               dims, rng)
        values = {**consts, wrt: X0}
        if extra_name:
            values[extra_name] = random_array(mx.Leaf(extra_name, *decl.shapes[wrt]), dims, rng)
        alg = ArrayAlgebra(np, values, dims)
        with np.errstate(all="ignore"):
            try:
                want = evaluate(value, alg)
            except np.linalg.LinAlgError:
                continue
            if not finite(want):
                continue
            got = (interpret_with(d, text, alg, {extra_name: None}) if extra_name
                   else d.problem.interpret(alg, text))
        return mixed_error(np.broadcast_to(got, np.shape(want)) if np.ndim(got) <= np.ndim(want)
                      else got, want)
    return float("nan")


def check_claim(d, what: str, text: str, sizes=(3, 4), seed: int = 1) -> FormulaClaim:
    """Is ``text`` (NumPy syntax over the problem's names) the certified ``what`` of ``d``?

    Both are evaluated on random instances with NumPy; the claim holds when they
    agree to the printed-text tolerance everywhere.  For a square matrix
    variable that is not declared symmetric, the claim is also tried at
    symmetric points (textbook answers such as ∇ ln det X = X⁻¹ assume it).
    """
    from ..matrix_calculus.parse import read

    value = d.formula(what)
    read(text)  # a malformed claim is the exercise file's error, reported as such
    extra = d.hvp_direction if what == "hvp" else None
    decl = d.problem.declarations
    rng = np.random.default_rng(seed)
    errors = [_claim_error(d, value, text, dims_for(decl, s, len(decl.dims) > 1), rng, False,
                           extra) for s in sizes]
    worst = max(errors)
    tol = tolerance("formula_claim")
    holds = bool(worst <= tol)
    square = d.kind == "matrix" and decl.shapes[d.wrt][0] == decl.shapes[d.wrt][1]
    holds_sym = None
    if not holds and square and not decl.leaf(d.wrt).symmetric:
        sym_err = max(_claim_error(d, value, text, dims_for(decl, s, False), rng, True, extra)
                      for s in sizes)
        holds_sym = bool(sym_err <= tol)
    if holds:
        detail = f"agrees with the certified {what} on {len(sizes)} random instances " \
                 f"(max rel. error {worst:.1e})"
    else:
        detail = f"differs from the certified {what} {to_numpy(value)} " \
                 f"(max rel. error {worst:.2g} on random instances)"
        if holds_sym:
            detail += f"; it does hold when {d.wrt} is symmetric"
    return FormulaClaim(holds, worst, detail, holds_sym)


# ============================================================================ identities


def _identity_error(problem, lhs: str, rhs: str, dims, rng, exact: bool) -> float:
    """The mixed error between both sides on one random instance (NaN: none found)."""
    decl = problem.declarations
    for _ in range(10):
        values = constants(decl, None, dims, rng, exact=exact)
        alg = ExactAlgebra(values, dims) if exact else ArrayAlgebra(np, values, dims)
        with np.errstate(all="ignore"):
            try:
                want = problem.interpret(alg, rhs)
                got = problem.interpret(alg, lhs)
            except (np.linalg.LinAlgError, ZeroDivisionError, ValueError):
                continue   # a singular or out-of-domain instance: draw another
        if exact:
            err = float(mixed_error(sp.Matrix(got) if isinstance(got, sp.MatrixBase) else got,
                                    sp.Matrix(want) if isinstance(want, sp.MatrixBase) else want))
        else:
            if not finite(want):
                continue
            err = mixed_error(got, want)
        if err == err and err != float("inf"):
            return err
    return float("nan")


def check_identity(lhs: str, rhs: str, shapes=None, scalars=None, symmetric=None, pd=None,
                   stochastic=None, sizes=(3, 4), seed: int = 1) -> FormulaClaim:
    """Does the matrix identity ``lhs = rhs`` hold (both in NumPy syntax, same names)?

    Both sides are read with one set of declarations (so their shapes must
    agree), then evaluated on random instances: exactly, entry by entry in
    rational arithmetic, at size 2 (compared at 50 digits), and in float64 at
    ``sizes``.  Random instances are evidence, not a proof for every size.

    >>> check_identity("trace(A @ B)", "trace(B @ A)").holds
    True
    >>> check_identity("(A @ B).T", "A.T @ B.T").holds
    False
    """
    problem = parse_matrix(f"({lhs}) - ({rhs})", shapes, scalars, symmetric, pd, stochastic)
    decl = problem.declarations
    rng = np.random.default_rng(seed)
    mixed = len(decl.dims) > 1
    exact = _identity_error(problem, lhs, rhs, dims_for(decl, 2, mixed), rng, True)
    numeric = max(_identity_error(problem, lhs, rhs, dims_for(decl, s, mixed), rng, False)
                  for s in sizes)
    holds = bool(exact <= tolerance("symbolic") and numeric <= tolerance("printed") * 100)
    evidence = (f"exact rational instance at size 2 (50 digits, error {exact:.1e}) and "
                f"float64 instances at sizes {', '.join(map(str, sizes))} "
                f"(max rel. error {numeric:.1e})")
    detail = ("holds on " if holds else "does not hold on ") + evidence
    return FormulaClaim(holds, max(exact, numeric), detail)
