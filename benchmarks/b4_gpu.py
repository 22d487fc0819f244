"""B4: the B1 gradients on a GPU, with the memory bandwidth they achieve.

Runs when a GPU is visible to JAX (a CUDA build of jaxlib) or to CuPy, and
otherwise returns a section whose only content is a line saying why it was
skipped.  On a GPU each function's gradient at N points is evaluated by:

* ``workbench jax`` - the symbolic gradient under ``jax.jit`` on the GPU;
* ``jax.jit(vmap(grad))`` on the GPU;
* ``workbench cupy`` - the NumPy-style code run through CuPy (when installed);
* the memory floor: a device copy of the inputs into the outputs.

Bandwidth is bytes of inputs and outputs over the median time; inputs are
placed on the device before timing (transfers are not timed).
"""

from __future__ import annotations

import numpy as np

from workbench.backends.compile import compile
from workbench.backends.jaxutil import jax as _jax
from workbench.backends.jaxutil import jnp as _jnp
from workbench.certification.base import mixed_error
from workbench.symbolic import fastdiff

from .b1_batched import jax_reference
from .problems import b1_problems
from .runner import Section, measure

COLUMNS = [("problem", "function"), ("device", "device"), ("method", "method"),
           ("points", "points"), ("ms", "ms (median)"), ("x_floor", "× floor"),
           ("gb_s", "GB/s"), ("max_error", "max error vs JAX"), ("agrees", "agrees")]
TOLERANCE = 1e-10  # float64 on the device too: round-off only


def gpus() -> dict[str, str]:
    """GPU backends visible here: {'jax': device name, 'cupy': device name}."""
    found = {}
    try:
        devices = _jax().devices("gpu")
        if devices:
            found["jax"] = str(devices[0].device_kind)
    except RuntimeError:  # no GPU platform in this jaxlib
        pass
    try:
        import cupy

        if cupy.cuda.runtime.getDeviceCount() > 0:
            found["cupy"] = cupy.cuda.runtime.getDeviceProperties(0)["name"].decode()
    except Exception:  # noqa: BLE001 - not installed, no driver, no device: all mean "none"
        pass
    return found


def skip_reason() -> str:
    jax_platforms = sorted({d.platform for d in _jax().devices()})
    try:
        import cupy  # noqa: F401

        cupy_state = "CuPy sees no GPU"
    except ImportError:
        cupy_state = "CuPy is not installed"
    return (f"B4 skipped: no GPU on this machine (JAX devices: {', '.join(jax_platforms)}; "
            f"{cupy_state}). Not yet measured.")


def _rows_for(problem, points, repeats, found) -> list[dict]:
    jax, jnp = _jax(), _jnp()
    f, xs = problem.build()
    g = fastdiff.gradient(f, xs)
    host = problem.sample(np.random.default_rng(0), points)
    methods, device = {}, found.get("jax") or found.get("cupy")
    nbytes = 2 * len(xs) * points * 8
    if "jax" in found:
        gpu = jax.devices("gpu")[0]
        args = [jax.device_put(a, gpu) for a in host]
        wb = compile(g, xs, "jax")
        ref = jax_reference(f, xs, False)  # B1's jax.jit(vmap(grad)), stacked
        copy = jax.jit(lambda *a: jnp.stack(list(a)))
        methods.update({"workbench jax": lambda: wb(*args), "jax.jit(vmap(grad))":
                        lambda: ref(*args), "memory floor (XLA copy)": lambda: copy(*args)})
        truth = np.asarray(ref(*args))
    if "cupy" in found:
        import cupy

        cargs = [cupy.asarray(a) for a in host]
        wc = compile(g, xs, "cupy")
        methods["workbench cupy"] = lambda: _sync(wc(*cargs))
        methods["memory floor (CuPy copy)"] = lambda: _sync(cupy.stack(cargs))
        if "jax" not in found:
            truth = compile(g, xs, "numpy")(*host)
    t = measure(methods, repeats)
    floor = min(v.median for k, v in t.items() if k.startswith("memory floor"))
    rows = []
    for name, call in methods.items():
        out = call()
        out = out.get() if hasattr(out, "get") else np.asarray(out)
        err = None if name.startswith("memory floor") else mixed_error(out, truth)
        rows.append({"problem": problem.name, "device": device, "method": name, "points": points,
                     "ms": t[name].median * 1e3, "x_floor": t[name].median / floor,
                     "gb_s": nbytes / t[name].median / 1e9, "max_error": err,
                     "agrees": None if err is None else err <= TOLERANCE})
    return rows


def _sync(x):
    import cupy

    cupy.cuda.Stream.null.synchronize()
    return x


def run(points: int = 10**6, repeats: int = 7, quick: bool = False, progress=None) -> Section:
    """The B4 section (or a skip line)."""
    section = Section("B4", "GPU: B1 gradients on the device, achieved bandwidth",
                      columns=COLUMNS)
    found = gpus()
    if not found:
        section.notes.append(skip_reason())
        return section
    for problem in b1_problems():
        if progress:
            progress(f"B4 {problem.name}")
        section.rows += _rows_for(problem, points, repeats, found)
    section.checks_passed = all(r["agrees"] is not False for r in section.rows)
    return section
