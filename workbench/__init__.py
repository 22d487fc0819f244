"""workbench: derive, compile, certify and explain the calculus of machine learning.

>>> import workbench
>>> f = workbench.function("x**2*y + y**3")
>>> f.gradient()
[2*x*y, x**2 + 3*y**2]
>>> f.certify().verdict
'certified'

Layers, top to bottom; a module imports only from layers below its own (the
contract in ``pyproject.toml``, checked by import-linter in the test suite):

* ``cli``, ``commands`` - the command line, one module per command;
* ``sheets`` - LaTeX solution sheets from exercise files;
* ``tasks`` - exercise tasks: each returns plain blocks that a sheet prints;
* ``proof``, ``explore`` - machine-checked proofs; the REPL/notebook facade (:func:`function`);
* ``optim`` - optimizers, convergence theory, classifiers, factorization;
* ``certification`` - every result checked against independent references;
* ``autodiff``, ``matrix_calculus`` - computation graphs and their sweeps; matrix calculus;
* ``backends`` - compiled evaluation: NumPy, JAX, mpmath, CuPy, fused C kernels;
* ``numerics`` - finite differences and precision studies;
* ``symbolic`` - exact derivation with SymPy: derivatives, limits, critical points;
* ``plots`` - the figure helpers every engine draws with;
* ``core`` - errors, budgets, the function table, the safe parser, the printers.
"""

__version__ = "0.1.0"

from .backends.compile import compile
from .certification.scalar import Certificate
from .core.errors import ParseError, WorkbenchError
from .core.parse import parse
from .core.printing import to_latex, to_text
from .explore import (
    Function,
    certify,
    check_claim,
    critical_points,
    derive,
    function,
    gradient,
    hessian,
    jacobian,
    limit,
    taylor,
)

__all__ = [
    "Certificate", "Function", "ParseError", "WorkbenchError", "certify", "check_claim",
    "compile", "critical_points", "derive", "function", "gradient", "hessian", "jacobian",
    "limit", "parse", "taylor", "to_latex", "to_text",
]
