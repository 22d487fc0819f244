"""The JAX worker: the same autodiff reference as in-process, or the in-process one.

One worker process serves the equality tests (each worker imports JAX, about a
second of CPU); the failure tests start their own.
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
import re
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import sympy as sp

from workbench.backends import jax_process
from workbench.core.functions import TABLE
from workbench.core.parse import parse

from .conftest import ROOT

#: expressions that use every row of the function table (printer hooks included)
EXPRESSIONS = [
    "x**2*y",
    "sigmoid(x)*softplus(y) + silu(x - y)",
    "erf(x) + relu(y) + max(x, y) + min(x, y) + abs(x - 1/3) + sign(y + 0.1)",
    "exp(x)/sqrt(y**2 + 1) + log(1 + x**2) + sin(x)*cos(y) + tan(x/4)",
    "asin(x/9) + acos(y/9) + atan(x*y) + sinh(x) + cosh(y) + tanh(x + y) + pi*E*x/3",
    "7",
]


def _function(text):
    f = parse(text)
    xs = sorted(f.free_symbols, key=str) or [sp.Symbol("x", real=True)]
    return f, xs


def _points(n, rows=17):
    return np.random.default_rng(1).uniform(-2, 2, size=(rows, n))


def _checked(f, xs, P, origin: str, worker=None, with_hessian: bool = True):
    """f's reference at P through ``worker``: the in-process arrays bit for bit, from ``origin``."""
    ref = jax_process.reference(f, xs, P, with_hessian, worker=worker)
    G, H = ref.result()
    G0, H0 = jax_process.in_process(f, xs, P, with_hessian)
    assert ref.origin == origin
    assert G.dtype == G0.dtype == np.float64
    np.testing.assert_array_equal(G, G0)  # the same computation: bit for bit
    if with_hessian:
        np.testing.assert_array_equal(H, H0)
    else:
        assert H is None and H0 is None


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as status:
            return "\nState:\tZ" not in status.read()
    except FileNotFoundError:
        return False


@pytest.fixture(scope="module")
def worker():
    w = jax_process.Worker()
    yield w
    w.close()
    assert not _running(w.proc.pid)


def test_every_function_of_the_table_is_exercised():
    text = " ".join(EXPRESSIONS)
    assert [name for name in TABLE if not re.search(rf"\b{name}\(", text)] == []


@pytest.mark.parametrize("text", EXPRESSIONS)
def test_printed_code_is_what_lambdify_runs(text):
    f, xs = _function(text)
    source, imports = jax_process.jax_source(f, xs)
    fj = sp.lambdify(xs, f, modules="jax")
    assert source == inspect.getsource(fj)
    for mod, name in imports:
        assert fj.__globals__[name] is getattr(importlib.import_module(mod), name)


@pytest.mark.parametrize("text", EXPRESSIONS)
@pytest.mark.parametrize("with_hessian", [True, False])
def test_worker_arrays_equal_in_process(worker, text, with_hessian):
    f, xs = _function(text)
    _checked(f, xs, _points(len(xs)), "worker", worker, with_hessian)


def test_a_name_the_worker_lacks_falls_back(worker, monkeypatch):
    f, xs = _function("x**2*y")
    source, imports = jax_process.jax_source(f, xs)
    monkeypatch.setattr(jax_process, "jax_source",
                        lambda f, xs: (source.replace("return ", "return mystery + "), imports))
    P = _points(2)
    _checked(f, xs, P, "in-process", worker)
    monkeypatch.undo()  # one function failed, not the worker: it serves the next
    _checked(f, xs, P, "worker", worker)


def test_the_worker_never_loads_sympy_or_the_workbench():
    with pytest.raises(ImportError, match="sympy"):
        jax_process.build("def _lambdifygenerated(x):\n    return x\n", [("sympy", "sin")])


def test_a_killed_worker_falls_back_and_is_retired():
    w = jax_process.Worker()
    w.proc.kill()
    w.proc.wait()
    f, xs = _function("sigmoid(x)*y")
    P = _points(2)
    _checked(f, xs, P, "in-process", w)
    assert w.broken
    _checked(f, xs, P, "in-process", w)  # retired: not asked again


def test_the_worker_ends_with_its_parent_and_with_stop():
    """stop() ends the worker at once; a killed parent (kill -9) takes its worker along."""
    script = ("import os, sys, time\n"
              "from workbench.backends import jax_process\n"
              "a = jax_process.start(); jax_process.stop()\n"
              "b = jax_process.start()\n"
              "print(a.proc.pid, b.proc.pid, flush=True)\n"
              "time.sleep(60)\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                              env=env)
    stopped, orphan = map(int, parent.stdout.readline().split())
    assert not _running(stopped)
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 20
    while _running(orphan) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _running(orphan)


def test_derive_json_is_the_in_process_answer(cli_json):
    """``workbench derive --json`` in a fresh process (with the worker) prints the same object."""
    argv = ["derive", "sigmoid(x)*y**2 + erf(y)", "--hessian", "--at", "x=1,y=-1", "--random", "20"]
    proc = subprocess.run([sys.executable, "-m", "workbench", *argv, "--json"],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr
    code, expected, _ = cli_json(*argv)
    assert code == 0
    assert json.loads(proc.stdout) == expected


def test_an_unread_answer_is_skipped_not_taken(worker):
    """A reference whose result was never asked for cannot answer the next one."""
    f1, xs = _function("x**2*y")
    f2, _ = _function("sigmoid(x)*y**3")
    P = _points(2)
    jax_process.reference(f1, xs, P, True, worker=worker)  # abandoned (its certify raised, say)
    _checked(f2, xs, P, "worker", worker)


def test_the_worker_answers_without_importing_sympy():
    """A request on the worker's stdin, in a fresh interpreter: arrays back, no SymPy loaded."""
    f, xs = _function("softplus(x)*y")
    source, imports = jax_process.jax_source(f, xs)
    P = _points(2, rows=3)
    request = json.dumps({"id": 1, "source": source, "imports": imports, "n": 2, "rows": 3,
                          "hessian": False}).encode() + b"\n" + P.tobytes()
    script = ("import sys\n"
              "from workbench.backends import jax_process\n"
              "jax_process.main([])\n"
              "print(sorted({'sympy', 'mpmath'} & set(sys.modules)), file=sys.stderr)\n")
    proc = subprocess.run([sys.executable, "-c", script], input=request, capture_output=True,
                          timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.decode().strip().splitlines()[-1] == "[]"
    head, body = proc.stdout.split(b"\n", 1)
    assert json.loads(head) == {"id": 1, "ok": True, "shapes": [[3, 2]]}
    G0, _ = jax_process.in_process(f, xs, P, False)
    np.testing.assert_array_equal(np.frombuffer(body, dtype=np.float64).reshape(3, 2), G0)


def test_a_worker_that_cannot_start_leaves_the_reference_in_process(monkeypatch):
    def cannot_start():
        raise OSError("no processes left")

    monkeypatch.setattr(jax_process, "Worker", cannot_start)
    monkeypatch.delitem(sys.modules, "jax", raising=False)  # as in a fresh command
    with jax_process.started() as worker:
        assert worker is None
        monkeypatch.undo()
        f, xs = _function("x**2*y")
        P = _points(2)
        ref = jax_process.reference(f, xs, P, True)
        np.testing.assert_array_equal(ref.result()[0], jax_process.in_process(f, xs, P, True)[0])
        assert ref.origin == "in-process"
