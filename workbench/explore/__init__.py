"""The REPL and notebook facade: every engine of the command line as a Python call.

The names mirror the CLI one to one, and each call returns what the command
prints: ``result.to_dict()`` is the command's ``--json`` object and
``str(result)`` its readable text; in a notebook results render as LaTeX
(formulas) or HTML tables.  Inputs go through one coercion point
(:mod:`workbench.core.coerce`): a string, a SymPy expression or a
:class:`Function` give the same answer.

=====================  ==============================================
CLI                    Python
=====================  ==============================================
``workbench derive``   :func:`derive` (and ``function(...).gradient()`` ...)
``workbench critical`` :func:`critical_points`
``workbench check``    :func:`check_claim`
``workbench matrix``   :func:`matrix`
``workbench trace``    :func:`trace`
``workbench fd``       :func:`fd`
``workbench optimize`` :func:`optimize`
``workbench rate``     :func:`rate`
``workbench sheet``    ``workbench.sheet`` (:mod:`workbench.sheets.calls`)
``workbench verify``   ``workbench.verify`` (:mod:`workbench.sheets.calls`)
=====================  ==============================================

>>> r = matrix("norm(A @ x - b)**2/2", "x", hessian=True)
>>> r["gradient"], r["hessian"], r.ok
('A.T @ (A @ x - b)', 'A.T @ A', True)
"""

from __future__ import annotations

from .calls import fd, matrix, optimize, rate, trace
from .result import Result
from .scalar import (
    Function,
    certify,
    check_claim,
    compile,
    critical_points,
    derive,
    function,
    gradient,
    hessian,
    jacobian,
    limit,
    steps,
    taylor,
)

__all__ = [
    "Function", "Result", "certify", "check_claim", "compile", "critical_points", "derive", "fd",
    "function", "gradient", "hessian", "jacobian", "limit", "matrix", "optimize", "rate",
    "steps", "taylor", "trace",
]
