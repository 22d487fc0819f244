"""The interface an algebra offers the matrix-expression interpreter.

One text, several meanings: the :class:`~workbench.matrix_calculus.parse.Interpreter`
walks the syntax tree of ``norm(A @ x - b)**2/2`` once per *algebra*, and each
algebra gives the operations its own meaning — engine nodes
(:class:`~workbench.matrix_calculus.parse.SymbolicAlgebra`, for deriving), NumPy
or JAX arrays and explicit SymPy matrices (the certificates' references, in
:mod:`workbench.certification.matrix_algebras`).  Because the references read
the user's *text* again instead of the engine's result, they share none of the
engine's rules.

:class:`Algebra` lists what the interpreter calls.  The classes declare it as a
base class, so a missing operation is an error in the test suite
(``tests/test_base.py``), not a ``None`` at run time.

>>> from workbench.matrix_calculus.parse import SymbolicAlgebra
>>> issubclass(SymbolicAlgebra, Algebra)
True
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class Algebra(Protocol):
    """Values and operations for the interpreter: names, numbers, arithmetic, functions."""

    def leaf(self, name: str) -> Any:
        """The value of a declared matrix or vector ``name``."""
        ...

    def scalar(self, name: str) -> Any:
        """The value of a declared scalar ``name``."""
        ...

    def dim(self, name: str) -> Any:
        """The size a dimension name (``n``) stands for."""
        ...

    def number(self, value) -> Any:
        """A number literal (an exact SymPy rational) in this algebra."""
        ...

    def is_scalar(self, a) -> bool:
        """Whether ``a`` is a scalar (not a matrix or vector)."""
        ...

    def add(self, a, b) -> Any: ...

    def sub(self, a, b) -> Any: ...

    def mul(self, a, b) -> Any:
        """Elementwise (or scalar) product ``a * b``."""
        ...

    def div(self, a, b) -> Any: ...

    def power(self, a, b) -> Any: ...

    def neg(self, a) -> Any: ...

    def matmul(self, a, b) -> Any:
        """``a @ b``; a 1×1 result is a scalar."""
        ...

    def transpose(self, a) -> Any: ...

    def identity(self, n) -> Any:
        """The n×n identity matrix."""
        ...

    def elementwise(self, name: str, a) -> Any:
        """A scalar function of the elementwise table applied entry by entry."""
        ...

    def call(self, name: str, *args) -> Any:
        """A matrix function by name: inv, det, trace, norm, sum, softmax, diag, …"""
        ...


#: The operations of :class:`Algebra`, for checking that an implementation has them all.
OPERATIONS = tuple(sorted(n for n in vars(Algebra) if not n.startswith("_")))
