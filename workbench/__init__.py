"""workbench: derive, compile, certify and explain the calculus of machine learning.

>>> import workbench
>>> f = workbench.function("x**2*y + y**3")
>>> f.gradient()
[2*x*y, x**2 + 3*y**2]
>>> f.certify().verdict
'certified'

Layers, each depending only on those above it:

* ``parse``, ``printing``, ``functions`` - safe input and faithful output;
* ``calculus``, ``roots``, ``finite_diff``, ``compile``, ``certify``, ``claims`` - the engines;
* ``explore`` - the REPL/notebook facade (:func:`function`);
* ``tasks``, ``sheets``, ``cli`` - exercises, solution sheets and the command line.
"""

__version__ = "0.1.0"

from .calculus import critical_points, gradient, hessian, jacobian, limit, taylor  # noqa: E402
from .certify import Certificate, certify  # noqa: E402
from .claims import check_claim  # noqa: E402
from .compile import compile  # noqa: E402
from .errors import ParseError, WorkbenchError  # noqa: E402
from .explore import Function, function  # noqa: E402
from .parse import parse  # noqa: E402
from .printing import to_latex, to_text  # noqa: E402

__all__ = [
    "Certificate", "Function", "ParseError", "WorkbenchError", "certify", "check_claim",
    "compile", "critical_points", "function", "gradient", "hessian", "jacobian", "limit",
    "parse", "taylor", "to_latex", "to_text",
]
