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

import importlib

#: name -> the submodule that defines it, imported on first use: ``workbench derive``
#: loads the scalar calls without the matrix, trace and optimizer machinery
_EXPORTS = {
    **dict.fromkeys(["fd", "matrix", "optimize", "rate", "trace"], "calls"),
    "Result": "result",
    **dict.fromkeys(["Function", "certify", "check_claim", "compile", "critical_points",
                     "derive", "function", "gradient", "hessian", "jacobian", "limit",
                     "steps", "taylor"], "scalar"),
}

__all__ = [
    "Function", "Result", "certify", "check_claim", "compile", "critical_points", "derive", "fd",
    "function", "gradient", "hessian", "jacobian", "limit", "matrix", "optimize", "rate",
    "steps", "taylor", "trace",
]


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
