"""Building fused kernels: the system C compiler, flag sets tried in turn, a disk cache.

Kernels are built once with the system C compiler (``$CC``, else ``cc``) and
cached on disk by a hash of the source, the flags and the machine
(``$WORKBENCH_CACHE``, else ``~/.cache/workbench``).  Flag sets are tried from
the fastest (OpenMP, glibc's vector math) down to plain C (:data:`ATTEMPTS`).
A cache entry is written atomically and checked when loaded, so a full disk, a
killed compile or a foreign machine leaves nothing that loads wrong
(:func:`_load`, :func:`remove_stale`).  Without a compiler :func:`build` raises
:class:`~workbench.backends.fused.errors.NoCompiler`.

>>> import sympy as sp
>>> x = sp.Symbol("x", real=True)
>>> compiler() is None or build([x + 1], [x]).path.name.startswith("wb_")
True
"""

from __future__ import annotations

import contextlib
import ctypes
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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import sympy as sp

from ...core import cachedir
from ...core.errors import WorkbenchError
from ...core.processes import alive, run_group
from . import codegen
from .errors import NoCompiler

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
    """Where built kernels are kept: the ``kernels`` folder of :mod:`workbench.core.cachedir`."""
    return cachedir.cache_dir("kernels")


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


def build(exprs: Sequence[sp.Expr], variables: Sequence[sp.Symbol],
          program: Callable[[Sequence[sp.Expr], Sequence[sp.Symbol]], Callable[[str], str]]
          = codegen.program) -> Build:
    """Compile (or load from the cache) the kernel for ``exprs``; raise FusedUnavailable.

    ``program`` prints the C source for each vector-math set; the default is the
    fused CPU kernel (:func:`workbench.backends.fused.codegen.program`).  Any
    program defining ``wb_kernel`` with the same signature can be built and run.
    """
    cc = compiler()
    if cc is None:
        raise NoCompiler("the fused backend needs a C compiler (set $CC or install gcc)")
    errors = []
    source = program(exprs, variables)  # printed once: only the declarations vary
    for vector_math, flags, libs in ATTEMPTS:
        src = source(vector_math)
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

