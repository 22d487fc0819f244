"""The fused GPU path: one CuPy element-wise kernel from the CPU kernel's body.

Run op by op, a gradient of k operations moves about k arrays through GPU
memory, as NumPy does on the CPU.  A CuPy ``ElementwiseKernel`` instead runs one
CUDA thread per point that computes every output in registers, so memory
traffic is the inputs read once and the outputs written once.  Its body is the
fused CPU kernel's (:func:`workbench.backends.fused.codegen.common_subexpressions`,
printed by :class:`~workbench.backends.fused.codegen.KernelPrinter`)::

    const double t0 = in0_v*in1_v;          // common subexpressions, once
    out0 = exp(t0); out1 = in1_v*exp(t0);   // every output of this point

with CUDA's own ``exp``, ``sin``, … (within 2 ulp in double precision), not the
CPU kernel's inline polynomials.  CuPy compiles the kernel with NVRTC on first
use and caches it.  JAX with a GPU is the other route to the same hardware (the
``jax`` backend; XLA fuses the operations itself).

Without a GPU the body is checked as plain C: :func:`cpu_kernel` wraps it in
``backends/c/elementwise.c.j2``, a loop with the same parameter declarations
(``float64 in0_v`` → ``const double in0_v``), and builds it with the fused
backend's C compiler, so the test suite compares it with the CPU kernel.

>>> import sympy as sp
>>> x, y = sp.symbols("x y", real=True)
>>> ew = elementwise([sp.exp(x*y), y*sp.exp(x*y)], [x, y])
>>> ew.in_params, ew.out_params
('float64 in0_v, float64 in1_v', 'float64 out0, float64 out1')
>>> print(ew.operation)
const double t0 = exp(in0_v*in1_v);
out0 = t0;
out1 = in1_v*t0;
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import sympy as sp

from ...core.errors import InputError
from .. import c_templates
from . import codegen, runtime


@dataclass(frozen=True)
class Elementwise:
    """The parts of one CuPy ``ElementwiseKernel``: declarations, body, name."""

    variables: list[str]  # the input parameters, in0_v, in1_v, …
    outputs: list[str]  # the output parameters, out0, out1, …
    operation: str  # C for one point: temporaries, then one assignment per output
    name: str

    @property
    def in_params(self) -> str:
        return ", ".join(f"float64 {v}" for v in self.variables)

    @property
    def out_params(self) -> str:
        return ", ".join(f"float64 {o}" for o in self.outputs)


def elementwise(exprs: Sequence[sp.Expr], variables: Sequence[sp.Symbol]) -> Elementwise:
    """The element-wise kernel computing ``exprs`` at one point; raise NotPrintable.

    The name carries a hash of the body, so two kernels never share one.
    """
    names, temps, reduced = codegen.common_subexpressions(exprs, variables)
    printer = codegen.KernelPrinter()
    tcode = codegen.print_all(printer, [e for _, e in temps], exprs)
    ocode = codegen.print_all(printer, reduced, exprs)
    outputs = [f"out{k}" for k in range(len(reduced))]
    lines = [f"const double {t} = {c};" for (t, _), c in zip(temps, tcode, strict=True)]
    lines += [f"{o} = {c};" for o, c in zip(outputs, ocode, strict=True)]
    operation = "\n".join(lines)
    digest = hashlib.sha256(operation.encode()).hexdigest()[:16]
    return Elementwise([str(n) for n in names], outputs, operation, f"wb_fused_{digest}")


def cpu_program(exprs: Sequence[sp.Expr], variables: Sequence[sp.Symbol]
                ) -> Callable[[str], str]:
    """The element-wise body as a plain C ``wb_kernel`` (any vector-math set: it declares none)."""
    ew = elementwise(exprs, variables)
    text = c_templates.render("elementwise.c.j2", variables=ew.variables, outputs=ew.outputs,
                              body=ew.operation.splitlines())
    return lambda vector_math: text


def cpu_kernel(exprs: Sequence[sp.Expr], variables: Sequence[sp.Symbol]) -> runtime.Kernel:
    """The GPU kernel's body compiled for the CPU, called like a fused kernel."""
    return runtime.Kernel(exprs, variables, program=cpu_program)


def cupy_kernel(exprs: Sequence[sp.Expr], variables: Sequence[sp.Symbol], cupy
                ) -> Callable[..., object]:
    """Outputs ``exprs`` at many points on the GPU: one array per variable in, one array out.

    Returns a ``(len(exprs),) + broadcast_shape`` float64 CuPy array; constant
    outputs are filled, the rest come from one element-wise kernel.
    """
    exprs = [sp.sympify(e) for e in exprs]
    live = [k for k, e in enumerate(exprs) if e.free_symbols]
    constants = {k: runtime.real_constant(e) for k, e in enumerate(exprs) if not e.free_symbols}
    kern = None
    if live:
        ew = elementwise([exprs[k] for k in live], variables)
        kern = cupy.ElementwiseKernel(ew.in_params, ew.out_params, ew.operation, ew.name)

    def run(*args):
        arrays = [cupy.asarray(a) for a in args]
        if any(a.dtype.kind == "c" for a in arrays):
            raise InputError("the cupy backend computes in float64; got a complex input")
        arrays = [a.astype(cupy.float64, copy=False) for a in arrays]
        pshape = tuple(np.broadcast_shapes(*(a.shape for a in arrays))) if arrays else ()
        out = cupy.empty((len(exprs),) + pshape, dtype=cupy.float64)
        for k, value in constants.items():
            out[k].fill(value)
        if kern is not None and out[0].size:
            kern(*arrays, *(out[k] for k in live))
        return out

    return run
