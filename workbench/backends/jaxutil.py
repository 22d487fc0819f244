"""JAX, configured once for the workbench: float64 on, imported lazily.

JAX is the reference autodiff.  References must be at least as precise as the
results they check, so 64-bit floats are switched on before first use.
"""

from __future__ import annotations

from functools import cache


@cache
def jax():
    """The ``jax`` module with ``jax_enable_x64`` set."""
    import jax as _jax

    _jax.config.update("jax_enable_x64", True)
    return _jax


def jnp():
    """``jax.numpy`` with float64 enabled."""
    jax()
    import jax.numpy as _jnp

    return _jnp


def jit_reference(fn):
    """``jax.jit`` for reference computations that run once.

    XLA's backend optimizations cost more compile time than they save on a
    single call (measured: a third of the matrix-calculus certificates' time);
    they do not change what is computed, only how fast.
    """
    return jax().jit(fn, compiler_options={"xla_backend_optimization_level": 0})
