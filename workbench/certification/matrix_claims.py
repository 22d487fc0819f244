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

from ..matrix_calculus import expr as mx
from ..matrix_calculus.printing import to_numpy
from .base import mixed_error, tolerance
from .matrix_algebras import ArrayAlgebra, evaluate, interpret_with
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


