"""Compile symbolic results into fast vectorized functions.

``compile(exprs, variables, backend)`` turns a scalar, a list (gradient) or a
matrix (Hessian) of SymPy expressions into one callable.  The callable takes one
array per variable (anything NumPy broadcasts) and returns an array of shape
``expr_shape + broadcast_shape``: a gradient of n components on N points comes
back as an ``(n, N)`` array.

Backends, all printed from SymPy expressions (which came through the safe
parser, never from raw user text):

* ``auto``   - the default: NumPy for small batches (below
  :data:`AUTO_MIN_POINTS` points, where building a kernel would cost more than
  it saves), the fused kernel for large ones (built on first use), JAX when no C
  compiler is present.  Always returns NumPy arrays.
* ``numpy``  - NumPy with common-subexpression elimination: one temporary array
  per operation.  From :data:`FAST_CSE_MIN` varying entries on (a gradient or
  Hessian at scale) the code is printed straight from the expressions'
  SymEngine form, each shared subtree computed once
  (:mod:`workbench.backends.cse_numpy`): seconds faster than SymPy's ``cse``
  and printer, with SymPy's path kept for functions outside that printer's table.
* ``fused``  - one generated C loop over the points computing every output
  (:mod:`workbench.backends.fused`): SIMD, all cores, memory traffic = inputs + outputs.
* ``jax``    - the same formulas under ``jax.jit`` (float64; XLA fuses them).
* ``mpmath`` - arbitrary precision; ``digits`` sets the working precision, and
  the result is an object array of ``mpf``.
* ``cupy``   - one CuPy element-wise kernel on the GPU from the fused kernel's
  body (:mod:`workbench.backends.fused.gpu`: one pass over GPU memory); NumPy
  code run op by op through CuPy where C cannot print a function.  That op-by-op
  code runs on any array module with NumPy's names: ``array_module=numpy`` runs
  it on the CPU, which is how the test suite checks it without a GPU (the
  kernel body itself is checked as plain C).  ``jax`` with a GPU is the other
  route to the same hardware.

All float64 backends agree within a few ulps on well-conditioned inputs; the
test suite checks 1e-12 mixed relative agreement (‖a − b‖∞ / max(‖b‖∞, 1)) on
random points.

>>> from workbench.core.parse import parse
>>> g = compile([parse("x*y"), parse("x**2")], ["x", "y"])
>>> g([1.0, 2.0], 3.0).tolist()
[[3.0, 6.0], [1.0, 4.0]]
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import mpmath
import numpy as np
import sympy as sp
from sympy.printing.numpy import NumPyPrinter

from ..core.errors import InputError
from ..symbolic import fastdiff
from ..symbolic.calculus import Vars, symbols
from . import cse_numpy

BACKENDS = ("auto", "numpy", "fused", "jax", "mpmath", "cupy")

#: ``auto`` switches from NumPy to the fused kernel at this many points: below
#: it NumPy's per-call overhead is small and no kernel needs building.
AUTO_MIN_POINTS = 32768

#: From this many varying expressions on, the NumPy code is printed from SymEngine
#: (:mod:`workbench.backends.cse_numpy`, else :func:`workbench.symbolic.fastdiff.cse`):
#: SymPy's own ``cse`` grows faster than linearly (seconds at a few hundred Hessian
#: entries, minutes at thousands).  Below, SymPy's, so small results print as before.
FAST_CSE_MIN = 200


def _flatten(exprs) -> tuple[list[sp.Expr], tuple[int, ...]]:
    if isinstance(exprs, sp.MatrixBase):  # row by row: entry by entry is slow at 10⁶ entries
        return [e for row in exprs.tolist() for e in row], exprs.shape
    if isinstance(exprs, (list, tuple)):
        if exprs and isinstance(exprs[0], (list, tuple)):
            rows = [list(r) for r in exprs]
            return [e for r in rows for e in r], (len(rows), len(rows[0]))
        return [sp.sympify(e) for e in exprs], (len(exprs),)
    return [exprs], ()


def pointwise(e: sp.Expr) -> sp.Expr:
    """``e`` with each Dirac delta δ(a) as a function of points: 0 where a ≠ 0, NaN where a = 0.

    A delta comes from differentiating a step (the slope of relu, max, sign):
    away from the kink it is 0, at the kink the derivative does not exist.  No
    array library has it; written as a ``Piecewise`` every backend prints it.

    >>> x = sp.Symbol("x", real=True)
    >>> pointwise(x * sp.DiracDelta(x - 1))
    x*Piecewise((nan, Eq(x, 1)), (0, True))
    """
    if not e.has(sp.DiracDelta):
        return e
    return e.replace(sp.DiracDelta,
                     lambda a, *order: sp.Piecewise((sp.nan, sp.Eq(a, 0)), (0, True)))


def _pointwise_entries(flat: list[sp.Expr]) -> list[sp.Expr]:
    """:func:`pointwise` of every entry, each distinct object once (a Hessian holds 10⁶ zeros)."""
    distinct = {id(e): e for e in flat}
    done = {i: pointwise(e) for i, e in distinct.items()}
    if all(done[i] is e for i, e in distinct.items()):
        return flat
    return [done[id(e)] for e in flat]


@dataclass
class Compiled:
    """A compiled expression (or array of expressions) and how it was made."""

    fn: Callable
    shape: tuple[int, ...]
    variables: list[str]
    backend: str
    digits: int | None = None

    def __call__(self, *args):
        if len(args) != len(self.variables):
            raise InputError(
                f"expected {len(self.variables)} arguments ({', '.join(self.variables)}), "
                f"got {len(args)}"
            )
        return self.fn(*args)


def _stack(xp, outs, shape, args):
    """Broadcast every output (constants too) to the common point shape and stack them."""
    arrays = [xp.asarray(a) for a in args]
    point_shape = np.broadcast_shapes(*(a.shape for a in arrays)) if arrays else ()
    dtype = xp.result_type(*arrays, xp.float64) if arrays else xp.float64
    if not shape:
        return xp.broadcast_to(xp.asarray(outs[0], dtype=dtype), point_shape)
    parts = [xp.broadcast_to(xp.asarray(o, dtype=dtype), point_shape) for o in outs]
    return xp.stack(parts).reshape(shape + tuple(point_shape))


def _numpy(flat, xs, shape, sets=None):
    fn = _lambdify_sparse(flat, xs, "numpy", sets)

    def run(*args):
        args = [np.asarray(a, dtype=np.result_type(a, np.float64)) for a in args]
        with np.errstate(all="ignore"):  # inf/nan are reported by the caller, not warned
            return _stack(np, fn(*args), shape, args)

    return run


def _lambdify_sparse(flat, xs, modules, sets=None):
    """``lambdify(xs, flat, cse=True)``, printing only the entries that vary.

    A Hessian is mostly constant (zeros): each distinct constant is printed once
    and shared, so a 100 x 100 Hessian with 300 varying entries prints 300
    expressions, not 10 000.  Values are those of the full lambdify.  ``sets``:
    each entry's free symbols, when the caller has them already.
    """
    sets = fastdiff.symbol_sets(flat) if sets is None else sets
    live = list(itertools.compress(range(len(flat)), sets))  # C speed: 10⁶ entries
    # a large symmetric Hessian holds each off-diagonal entry twice (one object): print it once
    slot = {}
    if len(live) >= FAST_CSE_MIN:
        for k in live:
            slot.setdefault(id(flat[k]), len(slot))
    if len(live) == len(flat) and len(slot) in (0, len(live)):
        return _lambdify(xs, flat, modules)
    ids = list(map(id, flat))  # distinct entries by id: no hashing 10⁶ zeros
    sets_by_id = dict(zip(ids, sets, strict=True))
    by_id = {i: e for i, e in dict(zip(ids, flat, strict=True)).items() if not sets_by_id[i]}
    distinct = list(dict.fromkeys(by_id.values()))
    values = dict(zip(distinct, sp.lambdify([], distinct, modules=modules)(), strict=True))
    # every constant entry's value, in place once; the varying ones are filled in per call
    constants = list(map({i: values[e] for i, e in by_id.items()}.get, ids))
    if slot:
        printed = list({id(flat[k]): flat[k] for k in live}.values())  # in slot order
        where = {k: slot[id(flat[k])] for k in live}
    else:
        printed, where = [flat[k] for k in live], {k: i for i, k in enumerate(live)}
    varying = _lambdify(xs, printed, modules) if live else None

    def fn(*args):
        out = constants.copy()
        if live:
            got = varying(*args)
            for k, j in where.items():
                out[k] = got[j]
        return out

    return fn


def _lambdify(xs, exprs, modules):
    """``lambdify(xs, exprs, cse=True)``; from :data:`FAST_CSE_MIN` expressions, from SymEngine.

    At that size the NumPy code is printed straight from the expressions'
    SymEngine form, each shared subtree computed once
    (:mod:`workbench.backends.cse_numpy`), never converted back to SymPy.
    Where that printer has no rule for a node, SymEngine's CSE goes back to
    SymPy (:func:`workbench.symbolic.fastdiff.cse`) and lambdify prints the
    reduced expressions: small trees only.
    """
    if len(exprs) < FAST_CSE_MIN or modules != "numpy":
        return sp.lambdify(xs, exprs, modules=modules, cse=True)
    printed = cse_numpy.numpy_function(xs, exprs)
    if printed is not None:
        return printed
    subs, reduced = fastdiff.cse(exprs)
    # lambdify's own printer, without sorting the terms of every sum (seconds at this size)
    printer = NumPyPrinter({"fully_qualified_modules": False, "inline": True,
                            "allow_unknown_functions": True, "user_functions": {},
                            "order": "none"})
    return sp.lambdify(xs, reduced, modules=modules, cse=lambda _: (subs, reduced),
                       printer=printer)


def _jax(flat, xs, shape):
    from . import jaxutil

    jax, jnp = jaxutil.jax(), jaxutil.jnp()
    fn = sp.lambdify(xs, flat, modules="jax", cse=True)

    @jax.jit
    def run(*args):
        return _stack(jnp, fn(*args), shape, args)

    def call(*args):
        return run(*(jnp.asarray(a, dtype=jnp.float64) for a in args))

    return call


def _mpmath(flat, xs, shape, digits):
    fn = sp.lambdify(xs, flat, modules="mpmath")

    def point(*vals):
        with mpmath.workdps(digits):
            return fn(*(mpmath.mpf(v) if not isinstance(v, mpmath.mpf) else v for v in vals))

    def run(*args):
        arrays = np.broadcast_arrays(*(np.asarray(a, dtype=object) for a in args))
        pshape = arrays[0].shape if arrays else ()
        out = np.empty(((len(flat),) if shape else ()) + pshape, dtype=object)
        for idx in np.ndindex(pshape):
            value = point(*(a[idx] for a in arrays))
            if shape:
                out[(slice(None),) + idx] = value
            else:
                out[idx] = value[0]
        return out.reshape(shape + pshape)

    return run


def _cupy(flat, xs, shape, array_module=None):
    """One CuPy element-wise kernel (the fused CPU kernel's body), or NumPy-style code on the GPU.

    A function C cannot print runs op by op through CuPy instead; ``array_module``
    runs that op-by-op code on another array module (NumPy: the GPU path on a CPU).
    """
    if array_module is not None:
        return _array_module(flat, xs, shape, array_module)
    try:
        import cupy
    except ImportError:
        raise InputError("the cupy backend needs CuPy and a GPU: pip install 'workbench[gpu]'") \
            from None
    from .fused import NotPrintable, gpu

    try:
        k = gpu.cupy_kernel(flat, xs, cupy)
    except NotPrintable:
        return _array_module(flat, xs, shape, cupy)

    def run(*args):
        out = k(*args)
        return out.reshape(shape + out.shape[1:])

    return run


def _array_module(flat, xs, shape, xp):
    """NumPy-style code run on any array module with NumPy's names (CuPy, or NumPy itself)."""
    namespace = {name: getattr(xp, name) for name in dir(xp) if not name.startswith("_")}
    fn = sp.lambdify(xs, flat, modules=[namespace, "numpy"], cse=True)

    def run(*args):
        args = [xp.asarray(a, dtype=xp.float64) for a in args]
        return _stack(xp, fn(*args), shape, args)

    return run


def _fused(flat, xs, shape):
    from .fused import kernel

    k = kernel(flat, xs)

    def run(*args):
        out = k(*args)
        return out.reshape(shape + out.shape[1:])

    return run


class _Auto:
    """NumPy below :data:`AUTO_MIN_POINTS` points, the fastest compiled path above.

    The fast path is built on the first large call and remembered; ``engine``
    says which one it is: ``fused``; ``jax`` where no C compiler works; ``numpy``
    where the expressions use a function C cannot print (``why`` says which).
    """

    def __init__(self, flat, xs, shape, sets=None):
        self.flat, self.xs, self.shape = flat, xs, shape
        self.small = _numpy(flat, xs, shape, sets)
        self.fast = None
        self.engine = None
        self.why = ""

    def __call__(self, *args):
        arrays = [np.asarray(a) for a in args]
        points = int(np.prod(np.broadcast_shapes(*(a.shape for a in arrays)) if arrays else ()))
        if points < AUTO_MIN_POINTS or any(np.iscomplexobj(a) for a in arrays):
            return self.small(*arrays)
        return self.build()(*arrays)

    def build(self) -> Callable:
        """The large-batch path, built now if it was not yet."""
        if self.fast is None:
            from .fused import NoCompiler, NotPrintable

            try:
                self.fast, self.engine = _fused(self.flat, self.xs, self.shape), "fused"
            except NoCompiler as exc:
                self.fast, self.engine, self.why = self._jax_or_numpy(), "jax", str(exc)
            except NotPrintable as exc:
                self.fast, self.engine, self.why = self.small, "numpy", str(exc)
        return self.fast

    def _jax_or_numpy(self) -> Callable:
        jitted = _jax(self.flat, self.xs, self.shape)

        def run(*args):
            try:
                return np.asarray(jitted(*args))
            except (NameError, TypeError) as exc:  # a function JAX does not have
                self.fast, self.engine, self.why = self.small, "numpy", f"jax: {exc}"
                return self.small(*args)

        return run


def compile(  # noqa: A001 - the verb users look for
    exprs, variables: Vars, backend: str = "auto", digits: int = 50, array_module=None
) -> Compiled:
    """Compile ``exprs`` (scalar, list or Matrix) over ``variables`` for ``backend``.

    ``array_module`` (``cupy`` backend only) runs the GPU code on another array
    module with NumPy's names, e.g. ``numpy`` to test the GPU path on a CPU.
    """
    flat, shape = _flatten(exprs)
    flat = _pointwise_entries(flat)
    xs = symbols(variables)
    sets = fastdiff.symbol_sets(flat)
    extra = set().union(*sets) - set(xs)
    if extra:
        names = ", ".join(sorted(map(str, extra)))
        raise InputError(f"expression uses variables not listed: {names}")
    builders = {
        "auto": lambda: _Auto(flat, xs, shape, sets),
        "numpy": lambda: _numpy(flat, xs, shape, sets),
        "fused": lambda: _fused(flat, xs, shape),
        "jax": lambda: _jax(flat, xs, shape),
        "mpmath": lambda: _mpmath(flat, xs, shape, digits),
        "cupy": lambda: _cupy(flat, xs, shape, array_module),
    }
    if backend not in builders:
        raise InputError(f"unknown backend {backend!r} (choose from {', '.join(BACKENDS)})")
    if array_module is not None and backend != "cupy":
        raise InputError(f"array_module applies to the cupy backend only, not {backend!r}")
    fn = builders[backend]()
    names = [str(x) for x in xs]
    return Compiled(fn, shape, names, backend, digits if backend == "mpmath" else None)


def available_backends() -> list[str]:
    """Backends that can run on this machine."""
    from .fused import compiler

    out = ["auto", "numpy"] + (["fused"] if compiler() else []) + ["jax", "mpmath"]
    try:
        import cupy  # noqa: F401

        out.append("cupy")
    except ImportError:
        pass
    return out
