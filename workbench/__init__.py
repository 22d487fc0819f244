"""workbench: derive, compile, certify and explain the calculus of machine learning.

>>> import workbench
>>> f = workbench.function("x**2*y + y**3")
>>> f.gradient()
[2*x*y, x**2 + 3*y**2]
>>> f.certify().verdict
'certified'

The public API mirrors the command line one to one (``derive``, ``critical_points``,
``check_claim``, ``matrix``, ``trace``, ``fd``, ``optimize``, ``rate``, ``sheet``,
``verify``), plus :func:`function` for exploring one function and :func:`diagnose`
(``workbench check``'s naming of the mistake in a wrong gradient).  Every call reads
its input through one coercion point (text, SymPy expressions, workbench functions),
and every result renders in a notebook.  Names load on first use, so
``import workbench`` stays quick.

Layers, top to bottom; a module imports only from layers below its own (the
contract in ``pyproject.toml``, checked by import-linter in the test suite):

* ``cli``, ``commands`` - the command line, one module per command; ``pytest_plugin`` -
  exercise files and proofs as pytest items;
* ``sheets`` - LaTeX solution sheets from exercise files;
* ``grading`` - a class's submissions graded against a key with a rubric;
* ``tasks`` - exercise tasks: each returns plain blocks that a sheet prints;
* ``proof``, ``explore``, ``testing`` - machine-checked proofs; the Python front door
  (:func:`function` ...); assertions for a test suite (``workbench.testing``);
* ``optim`` - optimizers, convergence theory, classifiers, factorization;
* ``certification`` - every result checked against independent references;
* ``autodiff``, ``matrix_calculus`` - computation graphs and their sweeps; matrix calculus;
* ``backends`` - compiled evaluation: NumPy, JAX, mpmath; fused C kernels (C text in
  template files) and one CuPy element-wise kernel on a GPU;
* ``numerics`` - finite differences and precision studies;
* ``symbolic`` - exact derivation with SymPy: derivatives, limits, critical points;
* ``plots`` - the figure helpers every engine draws with;
* ``core`` - errors, budgets, the function table, the safe parser, the printers.
"""

__version__ = "0.1.0"

import importlib

#: the public API: name -> the module that defines it (imported on first use)
_EXPORTS = {
    "Certificate": "certification.base",
    "Function": "explore",
    "ParseError": "core.errors",
    "Result": "explore",
    "WorkbenchError": "core.errors",
    "certify": "explore",
    "check_claim": "explore",
    "compile": "explore",
    "critical_points": "explore",
    "derive": "explore",
    "diagnose": "certification.diagnosis",
    "fd": "explore",
    "function": "explore",
    "gradient": "explore",
    "hessian": "explore",
    "jacobian": "explore",
    "limit": "explore",
    "matrix": "explore",
    "optimize": "explore",
    "parse": "core.parse",
    "rate": "explore",
    "sheet": "sheets.calls",
    "steps": "explore",
    "taylor": "explore",
    "to_latex": "core.printing",
    "to_text": "core.printing",
    "trace": "explore",
    "verify": "sheets.calls",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
        globals()[name] = value
        return value
    try:  # internals stay reachable (workbench.core.parse ...), just not advertised
        return importlib.import_module(f".{name}", __name__)
    except ModuleNotFoundError:
        raise AttributeError(f"module 'workbench' has no attribute {name!r}") from None


def __dir__() -> list[str]:
    return [*__all__, "__version__"]
