"""The JAX autodiff reference, computed in a worker process that imports JAX in parallel.

A certificate's autodiff reference is JAX's gradient (and Hessian) of f at the
certificate's points ``P`` (one row per point, float64)::

    G_ad[k] = ∇f(P[k])          = jax.vmap(jax.grad(scalar))(P)[k]
    H_ad[k] = ∇²f(P[k])         = jax.vmap(jax.hessian(scalar))(P)[k]

where ``scalar(v) = f(v₀, …, vₙ₋₁) + 0·v₀`` is f printed by SymPy's JAX printer
(the ``+ 0·v₀`` makes a constant f an array function too).  :func:`autodiff`
is that one computation, jitted with :func:`.jaxutil.jit_reference`.

Importing JAX costs more than importing SymPy and deriving a small gradient, and
it holds Python's global lock most of that time, so a thread cannot hide it.  A
command that certifies (``workbench derive``) therefore calls :func:`started`
first thing: a worker process (``python -m workbench.backends.jax_process``)
imports JAX on the other core while this process imports SymPy, derives, and
computes the other references.  The worker never imports SymPy; it is sent
*generated code* only:

* the source of f that ``sp.lambdify(xs, f, modules="jax")`` would execute, and
  the names that source imports (``from jax.numpy import tanh``) - :func:`jax_source`;
* the number of variables, the points as float64 bytes, whether the Hessian is wanted;

and it answers with the arrays, computed by the same :func:`autodiff`.  Any
failure - no worker, a printed name the worker lacks, a worker that died -
falls back to :func:`autodiff` in this process: the reference is never missing
and never different.  The worker ends when its input closes, and with its
parent (:func:`workbench.core.processes.die_with_parent`).

>>> import numpy as np, sympy as sp
>>> x, y = sp.symbols("x y", real=True)
>>> print(jax_source(x**2*y, [x, y])[0])
def _lambdifygenerated(x, y):
    return x**2*y
<BLANKLINE>
>>> G, H = reference(x**2*y, [x, y], np.array([[1.0, 2.0]]), True).result()
>>> G.tolist(), H.tolist()
([[4.0, 1.0]], [[[4.0, 2.0], [2.0, 0.0]]])
"""

from __future__ import annotations

import atexit
import builtins
import contextlib
import json
import os
import select
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..core.processes import die_with_parent
from . import jaxutil

if TYPE_CHECKING:  # NumPy loads with the first reference: starting the worker waits for nothing
    import numpy as np

#: the modules printed JAX code may import from in the worker (never SymPy or the workbench)
WORKER_MODULES = ("jax", "numpy", "functools", "math", "operator")

Arrays = tuple["np.ndarray", "np.ndarray | None"]


# ----------------------------------------------------------------------------- the reference


def autodiff(fj: Callable, n: int, P: np.ndarray, with_hessian: bool) -> Arrays:
    """JAX's gradient (and Hessian) of ``fj`` (a function of ``n`` scalars) at the rows of ``P``."""
    import numpy as np

    jax, jnp = jaxutil.jax(), jaxutil.jnp()
    scalar = lambda v: fj(*[v[i] for i in range(n)]) + 0.0 * v[0]  # noqa: E731 - constants too
    G = np.asarray(jaxutil.jit_reference(jax.vmap(jax.grad(scalar)))(jnp.asarray(P)))
    H = None
    if with_hessian:
        H = np.asarray(jaxutil.jit_reference(jax.vmap(jax.hessian(scalar)))(jnp.asarray(P)))
    return G, H


def in_process(f, xs: Sequence, P: np.ndarray, with_hessian: bool) -> Arrays:
    """:func:`autodiff` of the SymPy expression ``f`` in this process (``lambdify`` to JAX)."""
    import sympy as sp

    return autodiff(sp.lambdify(xs, f, modules="jax"), len(xs), P, with_hessian)


def jax_source(f, xs: Sequence) -> tuple[str, list[tuple[str, str]]] | None:
    """The code ``sp.lambdify(xs, f, modules="jax")`` executes: its source and imports.

    Printed exactly as lambdify prints it (SymPy's JAX printer, the workbench's
    printer hooks included); None where this SymPy lacks the printer lambdify uses.
    """
    from sympy.printing.numpy import JaxPrinter

    try:
        from sympy.utilities.lambdify import _EvaluatorPrinter
    except ImportError:  # another SymPy: the reference stays in this process
        return None
    printer = JaxPrinter({"fully_qualified_modules": False, "inline": True,
                          "allow_unknown_functions": True, "user_functions": {}})
    source = _EvaluatorPrinter(printer, False).doprint("_lambdifygenerated", tuple(xs), f)
    imports = [(mod, name) for mod, names in printer.module_imports.items()
               for name in sorted(names)]
    # lambdify's namespace also holds f's symbols by name, and imports no name they take
    taken = {str(s) for s in getattr(f, "free_symbols", ())}
    if any(name in taken for _, name in imports):
        return None
    return source, imports


def build(source: str, imports: Sequence[tuple[str, str]]) -> Callable:
    """The function printed in ``source``, in the namespace lambdify gives JAX code.

    Raises ``ImportError`` for a module outside :data:`WORKER_MODULES`.
    """
    import importlib

    jax = jaxutil.jax()
    namespace: dict = {"I": 1j, "jax": jax, "Abs": abs}
    for mod, name in imports:
        if mod.split(".")[0] not in WORKER_MODULES:
            raise ImportError(f"printed code imports from {mod}, which the worker does not load")
        namespace.setdefault(name, getattr(importlib.import_module(mod), name))
    namespace.update({"builtins": builtins, "range": range})
    local: dict = {}
    exec(compile(source, "<lambdifygenerated>", "exec"), namespace, local)  # noqa: S102 - printed by SymPy
    return local["_lambdifygenerated"]


# ----------------------------------------------------------------------------- the parent's side


class Reference:
    """The autodiff reference of one certificate: :meth:`result` gives ``(G_ad, H_ad)``."""

    def __init__(self, f, xs: Sequence, P: np.ndarray, with_hessian: bool,
                 worker: Worker | None = None):
        self._args = (f, list(xs), P, with_hessian)
        self._worker, self._request = worker, None
        #: where the arrays came from, once :meth:`result` ran: "worker" or "in-process"
        self.origin: str | None = None
        if worker is not None:
            try:
                code = jax_source(f, xs)
            except Exception:  # noqa: BLE001 - lambdify, run in-process, reports it
                code = None
            if code is not None:
                self._request = worker.submit(code, len(xs), P, with_hessian)

    def result(self) -> Arrays:
        """The arrays from the worker, or from this process when the worker could not give them."""
        if self._request is not None:
            answer = self._worker.receive(self._request)
            if answer is not None:
                self.origin = "worker"
                return answer
        self.origin = "in-process"
        return in_process(*self._args)


class Worker:
    """A worker process that imports JAX at once and computes :func:`autodiff` on request.

    Requests are numbered; the worker answers them in order, and :meth:`receive`
    reads past the answers of requests whose results were never asked for.
    """

    def __init__(self):
        # the same environment, with this workbench first on the path: the worker runs this code
        env = dict(os.environ)
        root = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = os.pathsep.join([root] + [p for p in [env.get("PYTHONPATH")] if p])
        self.proc = subprocess.Popen(
            [sys.executable, "-m", __name__, str(os.getpid())], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        self.broken = False
        self._sent = 0       # requests written (or being written)
        self._answered = 0   # answers read
        self._writer: threading.Thread | None = None
        self._write_failed = False

    def submit(self, code: tuple[str, list], n: int, P: np.ndarray, with_hessian: bool) -> int:
        """Send one request; its number.  Written by a thread: a large request must not
        wait, blocked on a full pipe, for the worker to finish importing JAX."""
        import numpy as np

        source, imports = code
        P = np.ascontiguousarray(P, dtype=np.float64)
        self._sent += 1
        header = {"id": self._sent, "source": source, "imports": imports, "n": n,
                  "rows": len(P), "hessian": bool(with_hessian)}
        message = json.dumps(header).encode() + b"\n" + P.tobytes()
        previous = self._writer

        def write():
            if previous is not None:
                previous.join()  # requests reach the worker in their order
            try:
                self.proc.stdin.write(message)
                self.proc.stdin.flush()
            except Exception:  # noqa: BLE001 - a dead worker: the caller computes in-process
                self._write_failed = True

        self._writer = threading.Thread(target=write, name="workbench-jax-request", daemon=True)
        self._writer.start()
        return self._sent

    def receive(self, request: int) -> Arrays | None:
        """The answer to ``request``, or None: the worker could not compute it, or is gone
        (and then retired: later references are computed in this process)."""
        if self.broken or request <= self._answered:
            return None
        self._writer.join()
        try:
            if self._write_failed:
                raise OSError("request not sent")
            while self._answered < request:
                reply = json.loads(self.proc.stdout.readline())
                arrays = [_read_array(self.proc.stdout, shape) for shape in reply["shapes"]]
                self._answered += 1
                if reply["id"] != self._answered:
                    raise ValueError("answers out of order")
        except Exception:  # noqa: BLE001 - EOF, a killed worker, a garbled reply
            self.close()
            return None
        if not reply["ok"]:
            return None  # this function only: the worker still serves the next one
        return arrays[0], (arrays[1] if len(arrays) > 1 else None)

    def close(self) -> None:
        """End the worker now: it holds nothing worth waiting for (it may still be importing)."""
        self.broken = True
        for stream in (self.proc.stdin, self.proc.stdout):
            with contextlib.suppress(Exception):
                stream.close()
        with contextlib.suppress(Exception):
            self.proc.kill()
        self.proc.wait()


def _read_array(stream, shape) -> np.ndarray:
    import numpy as np

    size = 8 * int(np.prod(shape))
    data = stream.read(size)
    if len(data) != size:
        raise EOFError("worker ended mid-answer")
    return np.frombuffer(data, dtype=np.float64).reshape(shape)


_worker: Worker | None = None


def start() -> Worker | None:
    """Start the worker (once), unless JAX is already imported here; None if it cannot start."""
    global _worker
    if _worker is None and "jax" not in sys.modules:
        try:
            _worker = Worker()
        except Exception:  # noqa: BLE001 - no interpreter to start, no processes left: in-process
            return None
        atexit.register(_worker.close)
    return _worker


def stop() -> None:
    """End the worker, if one runs; later references are computed in this process."""
    global _worker
    worker, _worker = _worker, None
    if worker is not None:
        worker.close()
        atexit.unregister(worker.close)


@contextlib.contextmanager
def started() -> Iterator[Worker | None]:
    """A worker for the duration of a command: ``with jax_process.started(): ...``."""
    try:
        yield start()
    finally:
        stop()


def reference(f, xs: Sequence, P: np.ndarray, with_hessian: bool,
              worker: Worker | None = None) -> Reference:
    """The autodiff reference of ``f`` at ``P``: from the worker when one runs, else in-process.

    ``worker`` defaults to the one :func:`start` started.  The request leaves at
    once; call ``.result()`` when the arrays are needed, after computing what
    does not depend on them.
    """
    worker = worker or _worker
    return Reference(f, xs, P, with_hessian, worker if worker and not worker.broken else None)


# ----------------------------------------------------------------------------- the worker


def _warm_up() -> None:
    """Trace, lower and compile one small reference while no request waits.

    The first jit of a process pays for loading JAX's compiler paths; paid here,
    it overlaps the parent's work.  Each request is still traced and compiled
    afresh: this changes when the set-up happens, never what a reference computes.
    """
    import numpy as np

    fj = build("def _lambdifygenerated(x0, x1):\n    return x0**2*x1\n", [])
    autodiff(fj, 2, np.zeros((1, 2)), True)


def _serve(requests, answers) -> None:
    import numpy as np

    for line in iter(requests.readline, b""):
        req = json.loads(line)
        n, rows = req["n"], req["rows"]
        data = requests.read(8 * n * rows)
        P = np.frombuffer(data, dtype=np.float64).reshape(rows, n)
        try:
            G, H = autodiff(build(req["source"], req["imports"]), n, P, req["hessian"])
            arrays = [np.ascontiguousarray(a) for a in (G, H) if a is not None]
            if any(a.dtype != np.float64 for a in arrays):
                raise TypeError("the reference is not float64")  # sent as float64 bytes
            head = {"id": req["id"], "ok": True, "shapes": [list(a.shape) for a in arrays]}
            body = b"".join(a.tobytes() for a in arrays)
        except Exception as exc:  # noqa: BLE001 - the parent computes this one itself
            head = {"id": req["id"], "ok": False, "shapes": [],
                    "error": f"{type(exc).__name__}: {exc}"}
            body = b""
        answers.write(json.dumps(head).encode() + b"\n" + body)
        answers.flush()


def main(argv: Sequence[str] | None = None) -> None:
    """The worker: die with the parent, import JAX, answer requests until stdin closes."""
    argv = sys.argv[1:] if argv is None else argv
    die_with_parent(int(argv[0]) if argv else None)
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # whatever else prints goes to stderr, never into the answers
    with contextlib.suppress(Exception):  # a failure here is reported per request
        jaxutil.jax().devices()  # the CPU client too, while the parent derives
        if not select.select([sys.stdin], [], [], 0)[0]:
            _warm_up()
    with contextlib.suppress(BrokenPipeError, KeyboardInterrupt):
        _serve(sys.stdin.buffer, answers)


if __name__ == "__main__":
    main()
