"""Fused CPU kernels: one generated C loop computes every output at every point.

NumPy evaluates ``∇f`` one operation at a time: each ``+``, ``*`` or ``exp``
reads whole arrays and writes a new temporary, so a gradient with k operations
moves about k arrays through memory.  A *fused* kernel instead loops once over
the points and computes all outputs of one point in registers::

    for i in 0 .. N-1:                       # OpenMP threads x SIMD lanes
        x, y = in[0][i], in[1][i]
        t0 = x*y - x + 3/2                   # common subexpressions, once
        out[0][i] = ...; out[1][i] = ...     # every output, one pass

so memory traffic is the inputs read once and the outputs written once: the
memory floor.  What remains is arithmetic, which runs in SIMD lanes (the
compiler vectorizes the loop; ``exp``, ``sin`` and ``cos`` are inlined from
:mod:`workbench.backends.vecmath`, other functions come from glibc's vector math,
libmvec) on the cores no other work is using right now
(OpenMP; :func:`threads`; ``$WORKBENCH_THREADS`` fixes the count).  Large
outputs (Hessians) are split into loops of a few outputs each, sharing common
subexpressions through a small per-thread scratch buffer (:func:`codegen._plan`).

The C text is printed from SymPy expressions by :class:`KernelPrinter`, never
from user text: inputs are named ``in0, in1, …`` and temporaries ``t0, t1, …``,
so no user-chosen name reaches the compiler.  Kernels are built once with the
system C compiler (``$CC``, else ``cc``) and cached on disk by a hash of the
source, the flags and the machine (``$WORKBENCH_CACHE``, else
``~/.cache/workbench``).  Without a compiler :func:`kernel` raises
:class:`FusedUnavailable`, and :mod:`workbench.backends.compile` falls back to JAX.

The package is in four parts: :mod:`.codegen` prints the C (its text is the
template ``backends/c/kernel.c.j2``), :mod:`.cache` compiles and caches it,
:mod:`.runtime` calls it, and :mod:`.gpu` turns the same kernel body into one
CuPy element-wise kernel for the ``cupy`` backend.

Accuracy: the same formulas in float64.  The inline functions are within
2 ulp, libmvec's within 4 ulp (the scalar libm within 1 ulp), so outputs agree
with NumPy to about 1e-15 relative on well-conditioned inputs; no fast-math
reassociation is used (``-ffp-contract=off``, NaN and infinities behave as in
NumPy).

>>> import sympy as sp
>>> x, y = sp.symbols("x y", real=True)
>>> k = kernel([x*y, x**2 - y], [x, y])
>>> k([0.0, 1.5], [2.0, 3.0]).tolist()
[[0.0, 4.5], [-2.0, -0.75]]
"""

from __future__ import annotations

from . import gpu
from .cache import Build, build, cache_dir, compiler, remove_stale
from .codegen import KernelPrinter, common_subexpressions, program, source
from .errors import FusedUnavailable, NoCompiler, NotPrintable
from .runtime import PARALLEL_MIN_POINTS, Kernel, cores, kernel, threads

__all__ = ["PARALLEL_MIN_POINTS", "Build", "FusedUnavailable", "Kernel", "KernelPrinter",
           "NoCompiler", "NotPrintable", "build", "cache_dir", "common_subexpressions",
           "compiler", "cores", "gpu", "kernel", "program", "remove_stale", "source", "threads"]
