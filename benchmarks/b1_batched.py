"""B1: gradients and Hessians evaluated at 10⁶ points.

For each function of :mod:`benchmarks.problems` the exact gradient (and
Hessian) is derived once, then evaluated at N points by:

* every CPU compile backend of :func:`workbench.backends.compile.compile` (``auto``, the
  default, ``fused``, ``numpy``, ``jax``; ``mpmath`` on a few hundred points,
  reported per point);
* ``jax.jit(jax.vmap(jax.grad(f)))`` (``jax.hessian`` for Hessians) with one
  array per variable, the layout the compiled functions use (JAX's faster one
  here);
* PyTorch autograd, when installed: ``torch.autograd.grad`` of the summed
  per-point values (each point's value depends on its own inputs only, so
  this is the per-point gradient), ``torch.func.vmap(hessian)`` for Hessians;
* the **anchors** (:mod:`benchmarks.anchors`): SymEngine's LLVM ``Lambdify``
  (``cse=True``) and numba (``@njit(parallel=True)`` over the printed
  expressions), the code generators a user could pick instead of the fused
  kernel; a row is skipped, with the reason in the notes, where the library is
  not installed (``pip install 'workbench[bench]'``);
* the **memory floor**: the fastest of three kernels that only read the same
  inputs and write the same outputs (NumPy copies, a fused C copy kernel, an
  XLA copy), measured in the same run.

The decision rule for the anchors (:data:`REPLACE_WITHIN`): the hand-written
generator and vector math behind the fused kernel would be replaced by an
anchor only if that anchor is within 1.2× of the fused kernel on every B1 row;
the section's notes record each anchor's worst ratio and the decision.

Columns: median milliseconds per call, nanoseconds per point, ratios to the
floor and to ``jax.jit(vmap(grad))``, effective bandwidth (bytes of inputs and
outputs over time), and the largest mixed relative error against JAX
(‖a − b‖∞ / max(‖b‖∞, 1) per point), which must stay below
:data:`TOLERANCE`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import sympy as sp

from workbench.backends import fused
from workbench.backends.compile import compile
from workbench.backends.jaxutil import jax as _jax
from workbench.backends.jaxutil import jnp as _jnp
from workbench.certification.base import mixed_error
from workbench.symbolic import fastdiff

from .anchors import ANCHORS
from .problems import Problem, b1_problems, torch_namespace
from .runner import Section, Target, measure, once

#: Largest accepted mixed relative error against JAX autodiff: both sides are
#: float64 evaluations of exact derivatives, so they differ by round-off
#: (amplified by cancellation in the formulas), never by 1e-10.
TOLERANCE = 1e-10
MPMATH_WORK = 400  # outputs evaluated in mpmath: a few hundred, about a second
GOALS = {"Beale": 1.5, "HW1 Q4": 1.5}  # gradient: auto within this factor of the floor
#: an anchor replaces the fused kernel's generator only within this factor of it on every row
REPLACE_WITHIN = 1.2
FUSED = "workbench fused"

COLUMNS = [("problem", "function"), ("derivative", "derivative"), ("method", "method"),
           ("points", "points"), ("ms", "ms (median)"), ("ms_min", "ms (min)"),
           ("ns_per_point", "ns/point"),
           ("x_floor", "× floor"), ("x_jax", "× jax vmap(grad)"), ("x_fused", "× fused"),
           ("gb_s", "GB/s"),
           ("max_error", "max error vs JAX"), ("agrees", "agrees")]


def _stack_nested(jnp, value):
    if isinstance(value, (tuple, list)):
        return jnp.stack([_stack_nested(jnp, v) for v in value])
    return value


def jax_reference(f: sp.Expr, xs, hessian: bool) -> Callable:
    jax, jnp = _jax(), _jnp()
    fj = sp.lambdify(xs, f, modules="jax")
    argnums = tuple(range(len(xs)))
    d = jax.hessian(fj, argnums=argnums) if hessian else jax.grad(fj, argnums=argnums)
    return jax.jit(lambda *a: _stack_nested(jnp, jax.vmap(d)(*a)))


def _torch_reference(f: sp.Expr, xs, hessian: bool) -> Callable | None:
    try:
        import torch
    except ImportError:
        return None
    ft = sp.lambdify(xs, f, modules=[torch_namespace()])
    if hessian:
        h = torch.func.vmap(torch.func.hessian(ft, argnums=tuple(range(len(xs)))))

        def run(*arrays):
            out = h(*(torch.from_numpy(a) for a in arrays))
            return torch.stack([torch.stack(list(row)) for row in out])

        return run

    def grad(*arrays):
        ts = [torch.from_numpy(a).requires_grad_() for a in arrays]
        return torch.stack(torch.autograd.grad(ft(*ts).sum(), ts, allow_unused=True,
                                               materialize_grads=True))

    return grad


def _floor(arrays: list[np.ndarray], n_out: int, xs) -> dict[str, Callable]:
    """Kernels that read every input and write n_out outputs, and nothing else."""
    jax, jnp = _jax(), _jnp()
    m, n = len(arrays), arrays[0].size

    def numpy_copy():
        out = np.empty((n_out, n))
        for k in range(n_out):
            np.copyto(out[k], arrays[k % m])
        return out

    methods = {"NumPy copy": numpy_copy}
    try:
        copy = fused.kernel([xs[k % m] for k in range(n_out)], xs)
        methods["fused C copy"] = lambda: copy(*arrays)
    except fused.FusedUnavailable:
        pass
    xla = jax.jit(lambda *a: jnp.stack([a[k % m] for k in range(n_out)]))
    jarrays = [jnp.asarray(a) for a in arrays]
    methods["XLA copy"] = lambda: xla(*jarrays)
    return methods


def _mixed_error(a, b) -> float:
    """The largest mixed relative error over the points (the last axis of ``b``)."""
    a = np.asarray(a, dtype=float).reshape(-1, np.shape(b)[-1])
    return float(np.max(mixed_error(a, np.reshape(b, a.shape), axis=-1)))


def measure_problem(problem: Problem, derivative: str, points: int, repeats: int,
                    seed: int = 0) -> tuple[list[dict], dict]:
    """Rows for one function and one derivative, and a summary for the targets."""
    jnp = _jnp()
    f, xs = problem.build()
    g, H = fastdiff.derivatives(f, xs, with_hessian=derivative == "hessian")
    exprs = H if derivative == "hessian" else g
    n_out = len(xs) ** 2 if derivative == "hessian" else len(xs)
    arrays = [np.ascontiguousarray(a) for a in problem.sample(np.random.default_rng(seed), points)]
    jarrays = [jnp.asarray(a) for a in arrays]

    compiled = {b: compile(exprs, xs, b) for b in ("auto", "fused", "numpy", "jax")}
    ref = jax_reference(f, xs, derivative == "hessian")
    methods = {f"workbench {b}" + (" (default)" if b == "auto" else ""):
               (lambda c=c: c(*arrays)) for b, c in compiled.items() if b != "jax"}
    methods["workbench jax"] = lambda: compiled["jax"](*jarrays)
    methods["jax.jit(vmap(grad))" if derivative == "gradient" else "jax.jit(vmap(hessian))"] = \
        lambda: ref(*jarrays)
    torch_ref = _torch_reference(f, xs, derivative == "hessian")
    if torch_ref is not None:
        methods["torch autograd"] = lambda: torch_ref(*arrays)
    skipped = {}
    for label, build in ANCHORS.items():
        anchor = build(list(exprs), xs)
        if isinstance(anchor, str):
            skipped[label] = anchor
        else:
            methods[label] = lambda a=anchor: a(*arrays)
    floors = _floor(arrays, n_out, xs)
    timings = measure({**methods, **floors}, repeats)

    truth = np.asarray(ref(*jarrays))
    floor_name = min(floors, key=lambda k: timings[k].median)
    floor_t = timings[floor_name].median
    jax_name = [k for k in methods if k.startswith("jax.jit")][0]
    jax_t = timings[jax_name].median
    fused_t = timings[FUSED].median if FUSED in timings else None
    nbytes = (len(xs) + n_out) * points * 8
    rows = []
    for name, call in methods.items():
        err = _mixed_error(np.asarray(call()), truth)
        rows.append(_row(problem, derivative, name, points, timings[name], floor_t, jax_t,
                         nbytes, err, fused_t))
    rows.append(_row(problem, derivative, f"memory floor ({floor_name})", points,
                     timings[floor_name], floor_t, jax_t, nbytes, None, fused_t))
    rows.append(_mpmath_row(problem, derivative, exprs, xs, arrays, truth))
    auto = timings["workbench auto (default)"].median
    engine = getattr(compiled["auto"].fn, "engine", None)
    anchors = {k: timings[k].median / fused_t for k in ANCHORS if k in timings and fused_t}
    return rows, {"auto": auto, "floor": floor_t, "jax": jax_t, "engine": engine,
                  "floors": {k: timings[k].median for k in floors}, "anchors": anchors,
                  "skipped": skipped}


def _row(problem, derivative, method, points, timing, floor_t, jax_t, nbytes, err,
         fused_t=None) -> dict:
    t = timing.median
    return {"problem": problem.name, "derivative": derivative, "method": method,
            "points": points, "ms": t * 1e3, "ms_min": timing.min * 1e3,
            "ns_per_point": t / points * 1e9,
            "x_floor": t / floor_t, "x_jax": t / jax_t,
            "x_fused": t / fused_t if fused_t else None, "gb_s": nbytes / t / 1e9,
            "max_error": err, "agrees": None if err is None else bool(err <= TOLERANCE)}


def _mpmath_row(problem, derivative, exprs, xs, arrays, truth) -> dict:
    """50-digit mpmath on the first few points (MPMATH_WORK outputs in all), per point."""
    n_out = truth.size // truth.shape[-1]
    k = max(5, min(arrays[0].size, MPMATH_WORK // n_out))
    c = compile(exprs, xs, "mpmath", 50)
    sub = [a[:k] for a in arrays]
    t, out = once(lambda: c(*sub))
    err = _mixed_error(np.asarray(out, dtype=float), truth[..., :k])
    return {"problem": problem.name, "derivative": derivative,
            "method": "workbench mpmath (50 digits)", "points": k, "ms": t * 1e3, "ms_min": None,
            "ns_per_point": t / k * 1e9, "x_floor": None, "x_jax": None, "x_fused": None,
            "gb_s": None,
            "max_error": err, "agrees": bool(err <= TOLERANCE)}


def anchor_decision(ratios: dict[str, list[float]], skipped: dict[str, str]) -> list[str]:
    """The notes recording each anchor's worst ratio to the fused kernel, and the decision."""
    notes = [f"{k} skipped: {why}" for k, why in skipped.items()]
    close = []
    for k, r in ratios.items():
        if r:
            within = max(r) <= REPLACE_WITHIN
            close += [k] if within else []
            notes.append(f"{k}: {min(r):.2f}× to {max(r):.2f}× the fused kernel's time over "
                         f"the {len(r)} rows ({'within' if within else 'not within'} "
                         f"{REPLACE_WITHIN}× on every row)")
    measured = [k for k, r in ratios.items() if r]
    if not measured:
        notes.append("decision: none of the anchors ran; the fused kernel stays")
    elif close:
        notes.append(f"decision: {', '.join(close)} within {REPLACE_WITHIN}× of the fused "
                     "kernel on every row: candidate to replace its generator and vector math")
    else:
        notes.append(f"decision: no anchor within {REPLACE_WITHIN}× of the fused kernel on "
                     "every row: the hand-written generator and vector math stay")
    return notes


def run(points: int = 10**6, repeats: int = 7, quick: bool = False, progress=None) -> Section:
    """The B1 section: every problem's gradient, and Hessian where it fits in memory."""
    say = progress or (lambda msg: None)
    section = Section("B1", f"batched evaluation at {points:,} points (float64, CPU)",
                      columns=COLUMNS)
    ratios: dict[str, list[float]] = {k: [] for k in ANCHORS}
    skipped: dict[str, str] = {}
    for problem in b1_problems():
        for derivative in ("gradient", "hessian") if problem.hessian else ("gradient",):
            say(f"B1 {problem.name} {derivative}")
            rows, summary = measure_problem(problem, derivative, points, repeats)
            section.rows += rows
            for k, v in summary["anchors"].items():
                ratios[k].append(v)
            skipped.update(summary["skipped"])
            floors = ", ".join(f"{k} {v * 1e3:.3g} ms" for k, v in summary["floors"].items())
            section.notes.append(f"{problem.name} {derivative}: floor candidates {floors}; "
                                 f"auto ran the {summary['engine'] or 'numpy (small batch)'} path")
            if derivative == "gradient" and problem.name in GOALS and not quick:
                limit = GOALS[problem.name]
                x_floor = summary["auto"] / summary["floor"]
                x_jax = summary["auto"] / summary["jax"]
                section.targets.append(Target(
                    f"{problem.name} gradient: default backend within {limit}x of the memory "
                    f"floor", x_floor <= limit, f"{x_floor:.2f}x"))
                section.targets.append(Target(
                    f"{problem.name} gradient: default backend no slower than "
                    f"jax.jit(vmap(grad))", x_jax <= 1.0, f"{x_jax:.2f}x"))
    section.notes.append("logistic d=100: Hessian not measured (10⁴ outputs per point, "
                         "80 GB at 10⁶ points)")
    section.notes += anchor_decision(ratios, skipped)
    section.checks_passed = all(r["agrees"] is not False for r in section.rows)
    return section
