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
:mod:`workbench.vecmath`, other functions come from glibc's vector math,
libmvec) on the cores no other work is using right now
(OpenMP; :func:`threads`; ``$WORKBENCH_THREADS`` fixes the count).  Large
outputs (Hessians) are split into loops of a few outputs each, sharing common
subexpressions through a small per-thread scratch buffer (:func:`_plan`).

The C text is printed from SymPy expressions by :class:`KernelPrinter`, never
from user text: inputs are named ``in0, in1, …`` and temporaries ``t0, t1, …``,
so no user-chosen name reaches the compiler.  Kernels are built once with the
system C compiler (``$CC``, else ``cc``) and cached on disk by a hash of the
source, the flags and the machine (``$WORKBENCH_CACHE``, else
``~/.cache/workbench``).  Without a compiler :func:`kernel` raises
:class:`FusedUnavailable`, and :mod:`workbench.compile` falls back to JAX.

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

import contextlib
import ctypes
import functools
import hashlib
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import sympy as sp
from sympy.printing.c import C99CodePrinter

from ..core.errors import InputError, WorkbenchError
from ..core.processes import alive, run_group
from . import vecmath


class FusedUnavailable(InputError):
    """No fused kernel can be built here (see the two kinds below)."""


class NoCompiler(FusedUnavailable):
    """This machine has no working C compiler."""


class NotPrintable(FusedUnavailable):
    """The expressions use a function with no C implementation here."""


# ------------------------------------------------------------------ printing

#: Sums of more terms than this print as balanced trees, ((a + b) + (c + d)):
#: log-depth instead of a chain of dependent additions (and rounding error that
#: grows like log n rather than n).
PAIRWISE_MIN_TERMS = 8

#: Integer powers up to this size are printed as products (x*x*x): exact for
#: squares, within a few ulp otherwise, and far faster than pow() per point.
MAX_PRODUCT_POWER = 8


class KernelPrinter(C99CodePrinter):
    """C99 for one point of a kernel: products for small powers, ML primitives, no macros.

    Rules that differ from SymPy's C99 printer, and why:

    * ``x**k`` for small integer k prints as a product (pow() is a slow call);
    * long sums print as balanced trees (independent additions run in parallel);
      ``x**(±1/2)`` and ``x**(±3/2)`` go through ``sqrt``;
    * ``Max``/``Min`` print as comparisons, which vectorize (``fmax`` does not);
    * the functions of :data:`workbench.core.functions.TABLE` that C lacks
      (``sigmoid``, ``softplus``, ``silu``) print their table row's C spelling
      (its class's ``_ccode``), overflow-safe like NumPy's; ``erf`` is libm's
      (libmvec's where present), called per point as it has no inline version;
    * constants (π, e) print as float literals, so no header macros are needed.
    """

    def __init__(self, settings=None):
        super().__init__(dict({"math_macros": {}, "strict": True}, **(settings or {})))

    def _print_Pow(self, expr):
        base, e = expr.base, expr.exp
        b = self.parenthesize(base, 100)  # atom-tight: every use below is wrapped
        if e.is_Integer and 0 < abs(int(e)) <= MAX_PRODUCT_POWER:
            prod = "*".join([b] * abs(int(e)))
            return f"({prod})" if e > 0 else f"(1.0/({prod}))"
        if e == sp.Rational(1, 2):
            return f"sqrt({self._print(base)})"
        if e == sp.Rational(-1, 2):
            return f"(1.0/sqrt({self._print(base)}))"
        if e == sp.Rational(3, 2):
            return f"({b}*sqrt({self._print(base)}))"
        if e == sp.Rational(-3, 2):
            return f"(1.0/({b}*sqrt({self._print(base)})))"
        return f"pow({self._print(base)}, {self._print(sp.Float(e, 17) if e.is_Rational else e)})"

    def _print_Add(self, expr, order=None):
        if len(expr.args) <= PAIRWISE_MIN_TERMS:  # one ordered term per argument of an Add
            return super()._print_Add(expr, order=order)
        parts = [self._print(t) for t in self._as_ordered_terms(expr, order=order)]

        def tree(lo: int, hi: int) -> str:
            if hi - lo == 1:
                return f"({parts[lo]})"
            mid = (lo + hi) // 2
            return f"({tree(lo, mid)} + {tree(mid, hi)})"

        return tree(0, len(parts))

    def _print_Integer(self, expr):
        # Large integers do not fit a C int literal; as doubles they are exact up to 2**53.
        return str(int(expr)) if abs(int(expr)) < 2**31 else repr(float(expr))

    def _print_NumberSymbol(self, expr):
        return repr(float(expr))

    _print_Exp1 = _print_Pi = _print_NumberSymbol

    def _print_Max(self, expr):
        return self._fold(expr.args, ">")

    def _print_Min(self, expr):
        return self._fold(expr.args, "<")

    def _fold(self, args, op):
        out = self._print(args[0])
        for a in args[1:]:
            v = self._print(a)
            out = f"(({out}) {op} ({v}) ? ({out}) : ({v}))"
        return out

    def _print_Heaviside(self, expr):
        x = self._print(expr.args[0])
        h0 = self._print(expr.args[1]) if len(expr.args) > 1 else "0.5"
        return f"(({x}) > 0 ? 1.0 : (({x}) < 0 ? 0.0 : ({h0})))"

    def _print_sign(self, expr):
        x = self._print(expr.args[0])
        return f"((double)((({x}) > 0) - (({x}) < 0)))"


def _print_all(printer: KernelPrinter, exprs, originals) -> list[str]:
    try:
        return [printer.doprint(e) for e in exprs]
    except (NotImplementedError, ValueError, TypeError):
        raise NotPrintable(f"the fused backend has no C code for "
                           f"{_culprit(printer, originals)}") from None


def _culprit(printer: KernelPrinter, exprs) -> str:
    """The first smallest subexpression that does not print, as the user wrote it."""
    for expr in exprs:
        for node in sp.postorder_traversal(expr):
            if isinstance(node, sp.Basic) and not node.is_Atom:
                try:
                    printer.doprint(node)
                except (NotImplementedError, ValueError, TypeError):
                    return str(node)
    return "these expressions"


# ------------------------------------------------------------------ source

#: Functions with glibc vector variants (libmvec: exp, log, sin, cos since glibc
#: 2.22, the rest since 2.35).  Declared ``simd`` so the compiler vectorizes calls to them.
VECTOR_MATH = {
    "basic": ("exp", "log", "sin", "cos"),
    "full": ("exp", "log", "sin", "cos", "tan", "sinh", "cosh", "tanh", "asin", "acos", "atan",
             "asinh", "acosh", "atanh", "exp2", "expm1", "log2", "log10", "log1p", "cbrt", "erf",
             "erfc"),
}

PARALLEL_MIN_POINTS = 32768  # below this one thread is faster than waking a team
GROUP_OUTPUTS = 16  # outputs per inner loop: keeps register pressure and compile time flat
SCRATCH_BYTES = 1 << 18  # per-thread scratch for shared temporaries: stays in L2


@dataclass
class _Loop:
    """One inner loop over a block of points: what it reads, computes, stores, writes."""

    inputs: list[int]
    reads: list[int]  # temporaries loaded from scratch
    temps: list[int]  # temporaries computed here, in dependency order
    stores: list[int]  # temporaries stored to scratch for later loops
    outputs: list[int]


def _closure(start: set[int], deps: list[set[int]]) -> set[int]:
    seen, todo = set(), list(start)
    while todo:
        k = todo.pop()
        if k not in seen:
            seen.add(k)
            todo.extend(deps[k])
    return seen


def _plan(temp_deps, out_deps, temp_inputs, out_inputs) -> tuple[list[_Loop], list[int]]:
    """Split the work into inner loops of at most GROUP_OUTPUTS outputs.

    A temporary needed by two output groups is computed once per block, in a
    loop of its own, and kept in scratch; one needed by a single group is
    computed in that group's loop.  Returns the loops and the scratch slots
    (temporary indices, in order).
    """
    groups = [list(range(i, min(i + GROUP_OUTPUTS, len(out_deps))))
              for i in range(0, len(out_deps), GROUP_OUTPUTS)]
    needs = [_closure(set().union(*(out_deps[o] for o in g)), temp_deps) for g in groups]
    counts: dict[int, int] = {}
    for need in needs:
        for k in need:
            counts[k] = counts.get(k, 0) + 1
    shared = sorted(_closure({k for k, c in counts.items() if c > 1}, temp_deps))
    in_scratch = set(shared)
    loops = []
    for i in range(0, len(shared), 2 * GROUP_OUTPUTS):
        chunk = shared[i:i + 2 * GROUP_OUTPUTS]
        direct = set().union(*(temp_deps[k] for k in chunk)) - set(chunk)
        inputs = set().union(*(temp_inputs[k] for k in chunk))
        loops.append(_Loop(sorted(inputs), sorted(direct), chunk, chunk, []))
    for g, need in zip(groups, needs, strict=True):
        local = sorted(need - in_scratch)
        used = set().union(*(temp_deps[k] for k in local), *(out_deps[o] for o in g))
        inputs = set().union(*(temp_inputs[k] for k in local), *(out_inputs[o] for o in g))
        loops.append(_Loop(sorted(inputs), sorted(used & in_scratch), local, [], g))
    return loops, shared


def _hoist_calls(temps: list, reduced: list) -> tuple[list, list, dict[int, str]]:
    """Give every call with an inline version (:data:`vecmath.INLINE`) a temporary of its own.

    Its argument gets one too, so the kernel can check the argument's range
    (see :func:`source`).  sin and cos whose argument, common subexpressions
    written out, is a multiple of π call their quarter-turn forms
    (:func:`vecmath.quarter_turns`).  Returns the new temporaries, the outputs in
    terms of them, and for each call temporary the C range check of its argument.
    """
    calls, args = sp.numbered_symbols("u"), sp.numbered_symbols("a")
    made: dict[sp.Expr, sp.Symbol] = {}  # call or argument → its temporary
    defs: dict[sp.Symbol, sp.Expr] = {}
    out: list[tuple[sp.Symbol, sp.Expr]] = []
    checks: dict[int, str] = {}

    def temporary(expr: sp.Expr, names, check: str | None = None) -> sp.Symbol:
        """``expr``'s temporary, made now if it is new (registering ``check`` for it)."""
        if expr not in made:
            if check is not None:
                checks[len(out)] = check
            made[expr] = next(names)
            out.append((made[expr], expr))
        return made[expr]

    def lift(expr: sp.Expr) -> sp.Expr:
        for node in sp.postorder_traversal(expr):  # inner calls first
            if isinstance(node, sp.Function) and node.func in vecmath.INLINE \
                    and node not in made:
                func, arg = node.func, node.args[0].xreplace(made)
                v = vecmath.quarter_turns(arg.xreplace(defs).xreplace(made)) \
                    if func in vecmath.QUARTER else None
                if v is not None:
                    func, arg = vecmath.QUARTER[func], v
                arg = arg if arg.is_Symbol else temporary(arg, args)
                # sin(π(x + y)/2) and sin(πx/2 + πy/2) are one call, with one check
                made[node] = temporary(func(arg), calls, f"{vecmath.INLINE[func][1]}({arg})")
        return expr.xreplace(made)

    for sym, expr in temps:
        defs[sym] = expr
        out.append((sym, lift(expr)))
    return out, [lift(e) for e in reduced], checks


def source(exprs: Sequence[sp.Expr], variables: Sequence[sp.Symbol], vector_math: str = "full"
           ) -> str:
    """The C source of a kernel computing ``exprs`` (none constant) at every point.

    The kernel's signature is ``int wb_kernel(int64_t n, const double *const *in,
    double *const *out, int threads)``: ``in[j]`` is variable j at n points,
    ``out[k]`` output k; it returns 0, or 1 when scratch memory could not be
    allocated.  Points are processed in blocks (split among threads); within a
    block, inner SIMD loops each compute up to GROUP_OUTPUTS outputs (see
    :func:`_plan`).  ``exp``, ``sin`` and ``cos`` are inlined
    (:mod:`workbench.vecmath`); a loop that meets an argument outside their
    proven range (NaN included) runs again on that block with glibc's functions.
    """
    head, tail = _source_parts(exprs, variables)
    return head + _declarations(vector_math) + tail


def _declarations(vector_math: str) -> str:
    """The ``simd`` declarations of the :data:`VECTOR_MATH` set named ``vector_math``."""
    return "\n".join(f'__attribute__((simd("notinbranch"))) double {f}(double);'
                     for f in VECTOR_MATH.get(vector_math, ()))


def _source_parts(exprs: Sequence[sp.Expr], variables: Sequence[sp.Symbol]) -> tuple[str, str]:
    """:func:`source` before and after its vector-math declarations (which alone vary)."""
    xs = list(variables)
    # user-chosen names never reach C; assumptions are kept so nothing re-simplifies
    names = [sp.Symbol(f"in{j}_v", **x.assumptions0) for j, x in enumerate(xs)]
    renamed = [e.xreplace(dict(zip(xs, names, strict=True))) for e in exprs]
    temps, reduced = sp.cse(renamed, symbols=sp.numbered_symbols("t"), order="none")
    temps, reduced, checked = _hoist_calls(temps, reduced)
    tindex = {t: k for k, (t, _) in enumerate(temps)}
    xindex = {x: j for j, x in enumerate(names)}

    def split(e):
        free = e.free_symbols
        return {tindex[s] for s in free if s in tindex}, {xindex[s] for s in free if s in xindex}

    tsplit, osplit = [split(e) for _, e in temps], [split(e) for e in reduced]
    loops, shared = _plan([d for d, _ in tsplit], [d for d, _ in osplit],
                          [i for _, i in tsplit], [i for _, i in osplit])
    printers = {"library": KernelPrinter()}
    if checked:  # the inline spelling is only needed where a call was hoisted
        printers["inline"] = KernelPrinter({"user_functions": dict(vecmath.INLINE_NAMES)})
    forms = {"library": vecmath.library_form, "inline": lambda e: e}
    # _hoist_calls left no inline call in the outputs: both spellings print them alike
    outputs = _print_all(printers["library"], reduced, exprs)
    code = {k: (_print_all(p, [forms[k](e) for _, e in temps], exprs), outputs)
            for k, p in printers.items()}
    slot = {k: i for i, k in enumerate(shared)}
    block = max(64, min(1024, 1 << max(0, (SCRATCH_BYTES // 8 // max(1, len(shared))).bit_length()
                                       - 1)))
    funcs, calls = [], []
    for n_loop, lp in enumerate(loops):
        checks = list(dict.fromkeys(checked[k] for k in lp.temps if k in checked))
        text = functools.partial(_loop_source, lp, temps, names, slot, block)
        if not checks:
            funcs.append(text(f"wb_loop{n_loop}", *code["library"], []))
            calls.append(f"      wb_loop{n_loop}(b, m, in, out, s);")
            continue
        funcs.append(text(f"wb_loop{n_loop}", *code["inline"], checks))
        funcs.append(text(f"wb_loop{n_loop}_libm", *code["library"], []))
        calls.append(f"      if (wb_loop{n_loop}(b, m, in, out, s)) "
                     f"wb_loop{n_loop}_libm(b, m, in, out, s);")
    scratch = (f"double *s = malloc(sizeof(double) * {len(shared)} * {block});"
               if shared else "double *s = 0;")
    head = f"""/* workbench fused kernel: {len(reduced)} outputs of {len(xs)} variables,
   {len(temps)} common subexpressions ({len(shared)} shared), {len(loops)} inner loops */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
"""
    return head, f"""
{vecmath.c_source() if checked else ""}
{"".join(funcs)}
int wb_kernel(int64_t n, const double *const *in, double *const *out, int threads) {{
  int failed = 0;
  #pragma omp parallel num_threads(threads) if(threads > 1)
  {{
    {scratch}
    if ({"!s" if shared else "0"}) {{
      #pragma omp atomic write
      failed = 1;
    }} else {{
    #pragma omp for schedule(static)
    for (int64_t b = 0; b < n; b += {block}) {{
      const int64_t m = n - b < {block} ? n - b : {block};
{chr(10).join(calls)}
    }}
    }}
    free(s);
  }}
  return failed;
}}
"""


def _loop_source(lp: _Loop, temps, names, slot, block, name: str, tcode: list[str],
                 ocode: list[str], checks: list[str]) -> str:
    """One inner loop as a C function; it returns 1 when a range check in ``checks`` failed.

    One small function per loop, so the compiler allocates registers loop by loop.
    """
    inner = ["const int64_t i = b + j;"]
    inner += [f"const double {names[j]} = in{j}[i];" for j in lp.inputs]
    inner += [f"const double {temps[k][0]} = s[{slot[k]}*{block} + j];" for k in lp.reads]
    for k in lp.temps:
        inner.append(f"const double {temps[k][0]} = {tcode[k]};")
        if k in lp.stores:
            inner.append(f"s[{slot[k]}*{block} + j] = {temps[k][0]};")
    inner += [f"nan += {check};" for check in checks]
    inner += [f"o{o}[i] = {ocode[o]};" for o in lp.outputs]
    return (f"static __attribute__((noinline)) int {name}(int64_t b, int64_t m, "
            "const double *const *in, double *const *out, double *restrict s) {\n"
            + "".join(f"  const double *restrict in{j} = in[{j}];\n" for j in lp.inputs)
            + "".join(f"  double *restrict o{o} = out[{o}];\n" for o in lp.outputs)
            + "  double nan = 0.0;  /* range checks are 0, or NaN out of range: sum them */\n"
            + f"  #pragma omp simd{' reduction(+:nan)' if checks else ''}\n"
            + "  for (int64_t j = 0; j < m; j++) {\n"
            + "".join(f"    {line}\n" for line in inner) + "  }\n  return nan != nan;\n}\n")


# ------------------------------------------------------------------ building

#: Flag sets tried in order; the first that compiles wins.  sin/cos builtins are
#: off so the compiler does not merge them into sincos(), which blocks SIMD.
BASE_FLAGS = ["-shared", "-fPIC", "-O3", "-fno-math-errno", "-fno-trapping-math",
              "-ffp-contract=off", "-fno-builtin-sin", "-fno-builtin-cos"]
ATTEMPTS = (
    ("full", ["-march=native", "-fopenmp"], ["-lmvec", "-lm"]),
    ("basic", ["-march=native", "-fopenmp"], ["-lmvec", "-lm"]),
    ("none", ["-march=native", "-fopenmp"], ["-lm"]),
    ("none", [], ["-lm"]),
)

_lock = threading.Lock()
_loaded: dict[str, ctypes.CDLL] = {}


def compiler() -> str | None:
    """The C compiler used for kernels (``$CC`` or ``cc``/``gcc``), or None."""
    for cand in (os.environ.get("CC"), "cc", "gcc"):
        if cand and shutil.which(cand):
            return shutil.which(cand)
    return None


def cache_dir() -> Path:
    """Where built kernels are kept: ``$WORKBENCH_CACHE`` or ``~/.cache/workbench``."""
    root = os.environ.get("WORKBENCH_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "workbench")
    path = Path(root) / "kernels"
    try:
        path.mkdir(parents=True, exist_ok=True)
        return path
    except OSError:  # read-only home: a private temporary folder still works
        path = Path(tempfile.gettempdir()) / f"workbench-kernels-{os.getuid()}"
        path.mkdir(parents=True, exist_ok=True)
        return path


def _machine() -> str:
    """What a -march=native build depends on: architecture and CPU feature flags."""
    try:
        with open("/proc/cpuinfo") as fh:
            flags = next((ln for ln in fh if ln.startswith("flags")), "")
    except OSError:
        flags = platform.processor()
    return platform.machine() + flags


@dataclass(frozen=True)
class Build:
    """A loaded kernel library and how it was built."""

    lib: ctypes.CDLL
    path: Path
    flags: tuple[str, ...]
    vector_math: str
    seconds: float  # compile time; 0.0 when it came from the cache


def build(exprs: Sequence[sp.Expr], variables: Sequence[sp.Symbol]) -> Build:
    """Compile (or load from the cache) the kernel for ``exprs``; raise FusedUnavailable."""
    cc = compiler()
    if cc is None:
        raise NoCompiler("the fused backend needs a C compiler (set $CC or install gcc)")
    errors = []
    head, tail = _source_parts(exprs, variables)  # printed once: only the declarations vary
    for vector_math, flags, libs in ATTEMPTS:
        src = head + _declarations(vector_math) + tail  # == source(exprs, variables, vector_math)
        args = [cc, *BASE_FLAGS, *flags]
        key = hashlib.sha256("\0".join([src, *args, *libs, _machine()]).encode()).hexdigest()
        so = cache_dir() / f"wb_{key[:24]}.so"
        with _lock:
            if key in _loaded:
                return Build(_loaded[key], so, tuple(args), vector_math, 0.0)
            start = time.perf_counter()
            built = so.exists()
            lib = _load(so) if built else None
            if lib is None:  # not cached, or a bad entry (truncated, foreign): rebuild it
                built = False
                err = _compile(src, so, args, libs)
                if err:
                    errors.append(err)
                    continue
                lib = _load(so)
                if lib is None:
                    errors.append(f"the freshly built kernel {so.name} does not load")
                    continue
            lib.wb_kernel.restype = ctypes.c_int
            lib.wb_kernel.argtypes = [ctypes.c_int64, ctypes.c_void_p, ctypes.c_void_p,
                                      ctypes.c_int]
            _loaded[key] = lib
            took = 0.0 if built else time.perf_counter() - start
            return Build(lib, so, tuple(args), vector_math, took)
    raise NoCompiler(f"the C compiler failed on the kernel: {errors[-1]}")


#: The first bytes of a shared library this platform can load (ELF on Linux).
_MAGIC = b"\x7fELF" if sys.platform.startswith("linux") else b""
#: Temporary files of a compile: ``wb-tmp-PID-XXXXXXXX.c`` and its ``.so``.
_TMP = re.compile(r"^wb-tmp-(\d+)-.+\.(c|so)$")


def _load(so: Path) -> ctypes.CDLL | None:
    """The kernel library at ``so``, or None when the file is not a loadable kernel.

    A cached file can be bad - cut short by a full disk, or built for another
    machine ("wrong ELF class"); it is checked by its magic bytes, by the
    loader itself and by its entry point, and then rebuilt by the caller.
    """
    try:
        with open(so, "rb") as fh:
            if fh.read(len(_MAGIC)) != _MAGIC:
                return None
        lib = ctypes.CDLL(str(so))
        lib.wb_kernel  # noqa: B018 - a library without the entry point is no kernel
    except (OSError, AttributeError):
        return None
    return lib


def remove_stale(folder: Path) -> list[Path]:
    """Remove the temporary files of compiles whose process is gone (killed mid-compile)."""
    removed = []
    for entry in folder.iterdir():
        m = _TMP.match(entry.name)
        if m and not alive(int(m.group(1))):
            with contextlib.suppress(OSError):
                entry.unlink()
                removed.append(entry)
    return removed


def _compile(src: str, so: Path, args: list[str], libs: list[str]) -> str:
    """Compile ``src`` into ``so`` atomically; return '' or the compiler's first error line.

    The library is written to a temporary name in the cache folder and renamed
    into place, so ``so`` is always whole; the temporary names carry this
    process's id, so a later build removes what a killed compile left.
    """
    remove_stale(so.parent)
    fd, tmp = tempfile.mkstemp(prefix=f"wb-tmp-{os.getpid()}-", suffix=".c", dir=so.parent)
    tmp_so = tmp[:-2] + ".so"
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(src)
        done = run_group([*args, "-o", tmp_so, tmp, *libs, "-Wl,-z,defs"], so.parent, 300)
        if done.returncode != 0:
            lines = [ln for ln in done.stdout.splitlines() if "error" in ln] or ["unknown"]
            return lines[0]
        os.replace(tmp_so, so)  # concurrent builders of the same kernel both succeed
        return ""
    except (OSError, subprocess.SubprocessError, WorkbenchError) as exc:
        return str(exc)
    finally:
        for p in (tmp, tmp_so):
            if os.path.exists(p):
                os.unlink(p)


# ------------------------------------------------------------------ calling

# Idle OpenMP threads sleep at once instead of spinning: on a machine shared with
# other work a spinning thread takes the core its teammate needs.  Read by the
# OpenMP runtime when the first kernel loads; a value set by the user wins.
os.environ.setdefault("OMP_WAIT_POLICY", "passive")


@functools.cache
def cores() -> int:
    """The CPU cores this process may run on (its affinity mask, else the machine's count)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else \
        (os.cpu_count() or 1)


_BUSY = {"at": -1.0, "cores": 0}
BUSY_REFRESH_SECONDS = 0.05  # reading /proc costs ~50 µs: look again at most this often


def _busy_cores() -> int:
    """Cores other work is running on right now (runnable tasks but this one)."""
    now = time.monotonic()
    if now - _BUSY["at"] > BUSY_REFRESH_SECONDS:
        try:
            with open("/proc/loadavg") as fh:
                _BUSY["cores"] = max(0, int(fh.read().split()[3].split("/")[0]) - 1)
        except (OSError, IndexError, ValueError):
            _BUSY["cores"] = 0
        _BUSY["at"] = now
    return _BUSY["cores"]


def threads(points: int) -> int:
    """Threads for one call: ``$WORKBENCH_THREADS``, else the cores idle right now.

    A thread team is only as fast as its slowest member: a thread that has to
    share its core with another busy process stalls the whole call at the
    closing barrier.  So a call uses only the cores nobody else is running on
    (at least one), and one thread below :data:`PARALLEL_MIN_POINTS` points.
    """
    fixed = os.environ.get("WORKBENCH_THREADS")
    if fixed and fixed.isdigit() and int(fixed) > 0:
        return int(fixed)
    if points < PARALLEL_MIN_POINTS:
        return 1
    n = cores()
    return max(1, n - _busy_cores()) if n > 1 else 1


class Kernel:
    """Outputs ``exprs`` (flat) at many points: call with one array per variable.

    Returns an ``(len(exprs),) + broadcast_shape`` float64 array.  Constant
    outputs are filled by NumPy; the rest come from one fused C loop.
    """

    def __init__(self, exprs: Sequence[sp.Expr], variables: Sequence[sp.Symbol]):
        self.variables = list(variables)
        self.exprs = [sp.sympify(e) for e in exprs]
        self.live = [k for k, e in enumerate(self.exprs) if e.free_symbols]
        self.constants = {k: _float(e) for k, e in enumerate(self.exprs) if not e.free_symbols}
        self.built = build([self.exprs[k] for k in self.live], self.variables) \
            if self.live else None

    def __call__(self, *args) -> np.ndarray:
        arrays = [np.asarray(a) for a in args]
        if any(np.iscomplexobj(a) for a in arrays):
            raise InputError("the fused backend computes in float64; got a complex input")
        pshape = np.broadcast_shapes(*(a.shape for a in arrays)) if arrays else ()
        n = int(np.prod(pshape, dtype=np.int64))
        cols = [a.reshape(-1) if a.shape == pshape and a.dtype == np.float64
                and a.flags.c_contiguous else
                np.ascontiguousarray(np.broadcast_to(a.astype(np.float64, copy=False), pshape)
                                     ).reshape(-1) for a in arrays]
        out = np.empty((len(self.exprs), n))
        for k, value in self.constants.items():
            out[k].fill(value)
        if self.live and n:
            ins = (ctypes.c_void_p * len(cols))(*[c.ctypes.data for c in cols])
            outs = (ctypes.c_void_p * len(self.live))(*[out[k].ctypes.data for k in self.live])
            if self.built.lib.wb_kernel(n, ins, outs, threads(n)):
                raise MemoryError("the fused kernel could not allocate its scratch memory")
        return out.reshape((len(self.exprs),) + tuple(pshape))


def _float(value: sp.Expr) -> float:
    try:
        return float(value)
    except TypeError:  # zoo, or a complex constant: not a real number at any point
        return float("nan")


def kernel(exprs: Sequence[sp.Expr], variables: Sequence[sp.Symbol]) -> Kernel:
    """Build the fused kernel for ``exprs`` over ``variables`` (see :class:`Kernel`)."""
    return Kernel(exprs, variables)
