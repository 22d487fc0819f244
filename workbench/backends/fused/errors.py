"""Why a fused kernel cannot be built here: no C compiler, or a function C cannot print.

Both are input errors (:class:`~workbench.core.errors.InputError`), so a user who asked for the
``fused`` backend sees one line; :mod:`workbench.backends.compile`'s ``auto``
catches them and falls back (JAX without a compiler, NumPy for an unprintable
function), saying why.

>>> issubclass(NoCompiler, FusedUnavailable) and issubclass(NotPrintable, FusedUnavailable)
True
"""

from __future__ import annotations

from ...core.errors import InputError


class FusedUnavailable(InputError):
    """No fused kernel can be built here (see the two kinds below)."""


class NoCompiler(FusedUnavailable):
    """This machine has no working C compiler."""


class NotPrintable(FusedUnavailable):
    """The expressions use a function with no C implementation here."""
