"""Code generation for fused CPU kernels: SymPy expressions → the C of one loop nest.

The body of a kernel is the expressions after common-subexpression elimination
(:func:`common_subexpressions`), printed by :class:`KernelPrinter`; large outputs
are split into inner loops sharing temporaries through a per-thread scratch
buffer (:func:`_plan`); ``exp``, ``sin`` and ``cos`` are hoisted into
temporaries of their own so the kernel can call their inline versions
(:func:`_hoist_calls`).  The C text around the printed pieces is the template
``backends/c/kernel.c.j2``.  The same body, unsplit, is the GPU kernel
(:mod:`workbench.backends.fused.gpu`).

>>> x, y = sp.symbols("x y", real=True)
>>> "o0[i] = in0_v*in1_v;" in source([x*y], [x, y])
True
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import sympy as sp
from sympy.printing.c import C99CodePrinter

from .. import c_templates, vecmath
from .errors import NotPrintable

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


def print_all(printer: KernelPrinter, exprs, originals) -> list[str]:
    """C for each of ``exprs``; NotPrintable names the part of ``originals`` C cannot print."""
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
    (:mod:`workbench.backends.vecmath`); a loop that meets an argument outside their
    proven range (NaN included) runs again on that block with glibc's functions.
    The C text is the template ``backends/c/kernel.c.j2``.
    """
    return program(exprs, variables)(vector_math)


def program(exprs: Sequence[sp.Expr], variables: Sequence[sp.Symbol]) -> Callable[[str], str]:
    """:func:`source` as a function of its vector-math set, the expressions printed once.

    Building tries several flag sets (:data:`workbench.backends.fused.cache.ATTEMPTS`)
    whose sources differ only in their ``simd`` declarations; printing SymPy is the
    slow part, so it is done here once.
    """
    context = _context(exprs, variables)
    return lambda vector_math: c_templates.render(
        "kernel.c.j2", vector_math=VECTOR_MATH.get(vector_math, ()), **context)


def common_subexpressions(exprs: Sequence[sp.Expr], variables: Sequence[sp.Symbol]
                          ) -> tuple[list[sp.Symbol], list[tuple[sp.Symbol, sp.Expr]],
                                     list[sp.Expr]]:
    """The kernel body shared by the CPU and GPU paths: inputs, temporaries, outputs.

    Variables are renamed ``in0_v, in1_v, …`` (user-chosen names never reach C;
    assumptions are kept so nothing re-simplifies), then common subexpressions
    become temporaries ``t0, t1, …``.

    >>> x, y = sp.symbols("x y", real=True)
    >>> common_subexpressions([(x + y)**2, sp.exp(x + y)], [x, y])
    ([in0_v, in1_v], [(t0, in0_v + in1_v)], [t0**2, exp(t0)])
    """
    xs = list(variables)
    names = [sp.Symbol(f"in{j}_v", **x.assumptions0) for j, x in enumerate(xs)]
    renamed = [e.xreplace(dict(zip(xs, names, strict=True))) for e in exprs]
    temps, reduced = sp.cse(renamed, symbols=sp.numbered_symbols("t"), order="none")
    return names, temps, reduced


def _context(exprs: Sequence[sp.Expr], variables: Sequence[sp.Symbol]) -> dict:
    """What ``kernel.c.j2`` needs but the vector-math declarations: every piece printed."""
    names, temps, reduced = common_subexpressions(exprs, variables)
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
    outputs = print_all(printers["library"], reduced, exprs)
    code = {k: (print_all(p, [forms[k](e) for _, e in temps], exprs), outputs)
            for k, p in printers.items()}
    slot = {k: i for i, k in enumerate(shared)}
    block = max(64, min(1024, 1 << max(0, (SCRATCH_BYTES // 8 // max(1, len(shared))).bit_length()
                                       - 1)))
    funcs, calls = [], []
    for n_loop, lp in enumerate(loops):
        checks = list(dict.fromkeys(checked[k] for k in lp.temps if k in checked))
        text = functools.partial(_loop, lp, temps, names, slot, block)
        if not checks:
            funcs.append(text(f"wb_loop{n_loop}", *code["library"], []))
            calls.append((f"wb_loop{n_loop}", None))
            continue
        funcs.append(text(f"wb_loop{n_loop}", *code["inline"], checks))
        funcs.append(text(f"wb_loop{n_loop}_libm", *code["library"], []))
        calls.append((f"wb_loop{n_loop}", f"wb_loop{n_loop}_libm"))
    return {"n_outputs": len(reduced), "n_variables": len(names), "n_temps": len(temps),
            "n_shared": len(shared), "n_loops": len(loops), "block": block, "loops": funcs,
            "calls": calls,
            "vecmath": vecmath.c_source() if checked else ""}


def _loop(lp: _Loop, temps, names, slot, block, name: str, tcode: list[str],
          ocode: list[str], checks: list[str]) -> dict:
    """One inner loop, a C function of its own; it returns 1 when a range check failed.

    One small function per loop, so the compiler allocates registers loop by loop.
    Returns what ``kernel.c.j2`` prints of it: name, pointers, the lines of its body.
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
    return {"name": name, "inputs": lp.inputs, "outputs": lp.outputs, "checked": bool(checks),
            "lines": inner}
