"""The interface of a number system in which the primitives' rules run.

A rule of :data:`~workbench.autodiff.primitives.PRIMITIVES` is written once, as a
function of an *algebra* ``m``: d eˣ/dx = ``m.exp(x)``.  Running it in SymPy gives
exact traces, in NumPy float64 fast numeric ones, in dual numbers over either
Hessian-vector products — without a second copy of any rule.

:class:`ScalarAlgebra` states what the sweeps ask of an algebra beyond the
functions themselves.  The functions the rules call (``m.exp``, ``m.log``,
``m.max``, …) are attributes too, but they are not repeated here: the
primitives' table stays the only list of them.

>>> from workbench.autodiff.primitives import EXACT, FLOAT
>>> isinstance(EXACT, ScalarAlgebra) and isinstance(FLOAT, ScalarAlgebra)
True
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class ScalarAlgebra(Protocol):
    """Numbers for the sweeps: constants, the slope of a kink, zero tests, domain checks."""

    #: "exact", "float" or "dual[...]": printed in trace tables
    name: str

    def const(self, p) -> Any:
        """A node's constant parameter (an exact SymPy number) in this algebra."""
        ...

    def step(self, x) -> Any:
        """The slope of max(0, x): 0 below, 1 above (at 0 the node is flagged)."""
        ...

    def is_zero(self, x) -> bool:
        """Whether ``x`` is zero (exactly, for exact algebras)."""
        ...

    def problem(self, value) -> str | None:
        """Why ``value`` is not a real finite number, or None when it is."""
        ...
