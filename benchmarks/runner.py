"""The benchmark runner: timing, machine description, Markdown and JSON.

Timing (:func:`measure`): every method is called once to warm up (JIT
compilation, kernel builds, caches), then ``repeats`` rounds call each method
once, in an order shuffled every round, after a short pause that lets other
libraries' worker threads go idle; the reported time is the median of a
method's rounds.  Interleaving matters on a shared machine: a burst of load
slows one round of every method, not every round of one method.

A run is a list of :class:`Section` (rows of measurements, notes, and targets
with whether they were met), turned into Markdown by :func:`markdown` and into
one JSON object by :func:`report`.

>>> t = measure({"sum": lambda: sum(range(100))}, repeats=3)
>>> t["sum"].median > 0
True
"""

from __future__ import annotations

import importlib
import json
import os
import platform
import random
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from workbench.backends import fused

#: The benchmark sections, and the sizes of a full run and of a ``--quick`` one.
SECTIONS = ("B1", "B2", "B3", "B4", "B5")
REPEATS, QUICK_REPEATS = 7, 2  # rounds per timing: a full run, --quick
POINTS, QUICK_POINTS = 10**6, 2000  # points for B1/B4: a full run, --quick


def repeats_and_points(quick: bool, repeats: int | None = None, points: int | None = None
                       ) -> tuple[int, int]:
    """(repeats, points): the ones given, else the defaults for a full or a ``quick`` run."""
    return (repeats or (QUICK_REPEATS if quick else REPEATS),
            points or (QUICK_POINTS if quick else POINTS))


@dataclass
class Timing:
    """Seconds per call: the median and the minimum over the measured rounds."""

    median: float
    min: float
    rounds: int


@dataclass
class Target:
    """A goal from the issue, and whether this run met it."""

    goal: str
    met: bool
    measured: str


@dataclass
class Section:
    """One benchmark section's results."""

    key: str
    title: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    columns: list[tuple[str, str]] = field(default_factory=list)  # (row key, header)
    notes: list[str] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    checks_passed: bool = True  # correctness checks (not speed targets)


def block(value):
    """Wait for asynchronous results (JAX dispatches without waiting)."""
    ready = getattr(value, "block_until_ready", None)
    if ready is not None:
        ready()
    elif isinstance(value, (tuple, list)):
        for v in value:
            block(v)
    return value


#: Pause before each timed call: thread pools that spin after work (XLA's,
#: PyTorch's, OpenMP's) go idle first, so no method pays for its predecessor.
SETTLE_SECONDS = 0.002


def measure(methods: dict[str, Callable[[], Any]], repeats: int = 7, seed: int = 0
            ) -> dict[str, Timing]:
    """Median seconds per call of each zero-argument method, rounds interleaved.

    Each round calls every method once, in a freshly shuffled order (seeded), so
    no method always follows the same other one.
    """
    names = list(methods)
    for name in names:
        block(methods[name]())  # warm-up: compilation and caches are not timed
    times: dict[str, list[float]] = {name: [] for name in names}
    order = random.Random(seed)
    for _ in range(max(1, repeats)):
        for name in order.sample(names, len(names)):
            time.sleep(SETTLE_SECONDS)
            start = time.perf_counter()
            block(methods[name]())
            times[name].append(time.perf_counter() - start)
    return {n: Timing(statistics.median(t), min(t), len(t)) for n, t in times.items()}


def once(step: Callable[[], Any]) -> tuple[float, Any]:
    """(seconds, result) of one call."""
    start = time.perf_counter()
    out = block(step())
    return time.perf_counter() - start, out


# ------------------------------------------------------------------ the machine

def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gib() -> float | None:
    try:
        with open("/proc/meminfo") as fh:
            kib = int(next(ln for ln in fh if ln.startswith("MemTotal")).split()[1])
        return round(kib / 2**20, 1)
    except (OSError, StopIteration, ValueError):
        return None


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    cores = fused.cores()  # the cores this process may run on, as the fused kernels count them
    cc = fused.compiler()
    cc_version = ""
    if cc:
        import subprocess

        try:
            cc_version = subprocess.run([cc, "--version"], capture_output=True, text=True,
                                        timeout=10).stdout.splitlines()[0]
        except (OSError, subprocess.SubprocessError, IndexError):
            cc_version = "unknown"
    return {
        "cpu": _cpu_model(), "cores": cores, "memory_gib": _memory_gib(),
        "os": f"{platform.system()} {platform.release()}", "python": platform.python_version(),
        "c_compiler": cc_version or None,
        "load_average_at_end": [round(v, 2) for v in os.getloadavg()],
        "threads": os.environ.get("OMP_NUM_THREADS", "all cores"),
    }


def versions() -> dict[str, str | None]:
    """Versions of the libraries measured (None: not installed)."""
    out = {}
    for name in ("workbench", "numpy", "sympy", "symengine", "mpmath", "jax", "jaxlib", "torch",
                 "cupy"):
        try:
            out[name] = getattr(importlib.import_module(name), "__version__", "?")
        except ImportError:
            out[name] = None
    return out


# ------------------------------------------------------------------ output

def fmt(value: Any) -> str:
    """A table cell: 3 significant digits for floats, yes/no for booleans."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "**no**"
    if isinstance(value, float):
        if value == 0:
            return "0"
        if abs(value) >= 1000 or abs(value) < 0.01:
            return f"{value:.2e}"
        return f"{value:.3g}"
    return str(value)


def markdown(sections: Sequence[Section], meta: dict[str, Any] | None = None) -> str:
    """The run as Markdown: one table per section, then its notes and targets."""
    lines = []
    if meta:
        m, v = meta["machine"], meta["versions"]
        lines += [f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB; "
                  f"{m['os']}; Python {m['python']}; {m['c_compiler'] or 'no C compiler'}.",
                  "Versions: " + ", ".join(f"{k} {val}" for k, val in v.items() if val) + ".",
                  f"Settings: {meta['settings']}.", ""]
    for s in sections:
        lines += [f"### {s.key}: {s.title}", ""]
        if s.rows:
            cols = s.columns or [(k, k) for k in s.rows[0]]
            lines.append("| " + " | ".join(h for _, h in cols) + " |")
            lines.append("|" + "|".join("---" for _ in cols) + "|")
            lines += ["| " + " | ".join(fmt(r.get(k)) for k, _ in cols) + " |" for r in s.rows]
            lines.append("")
        lines += [f"- {n}" for n in s.notes]
        lines += [f"- target: {t.goal}: {'met' if t.met else '**not met**'} ({t.measured})"
                  for t in s.targets]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def report(sections: Sequence[Section], settings: dict[str, Any]) -> dict[str, Any]:
    """The run as one JSON-ready object."""
    return {
        "machine": machine(), "versions": versions(), "settings": settings,
        "checks_passed": all(s.checks_passed for s in sections),
        "targets_met": all(t.met for s in sections for t in s.targets),
        "sections": {s.key: asdict(s) for s in sections},
    }


# ------------------------------------------------------------------ running

def run(sections: Sequence[str] = SECTIONS, quick: bool = False, repeats: int | None = None,
        points: int | None = None, progress: Callable[[str], None] | None = None
        ) -> list[Section]:
    """Run the chosen sections; ``quick`` uses tiny sizes (seconds, for tests)."""
    from . import b1_batched, b2_scaling, b4_gpu, b5_cold_start

    say = progress or (lambda msg: None)
    reps, n_points = repeats_and_points(quick, repeats, points)
    out = []
    for key in sections:
        key = key.upper()
        if key not in SECTIONS:
            raise ValueError(f"unknown section {key!r} (choose from {', '.join(SECTIONS)})")
        say(f"{key} ...")
        if key == "B1":
            out.append(b1_batched.run(n_points, reps, quick=quick, progress=say))
        elif key == "B2":
            sizes, dense = ((b2_scaling.QUICK_ROSENBROCK_SIZES, b2_scaling.QUICK_DENSE_SIZES)
                            if quick else (b2_scaling.ROSENBROCK_SIZES, b2_scaling.DENSE_SIZES))
            out.append(b2_scaling.run(sizes, max(1, reps // 2), quick=quick, progress=say,
                                      dense_sizes=dense))
        elif key == "B3":
            out.append(_b3(quick, reps))
        elif key == "B4":
            out.append(b4_gpu.run(n_points, reps, quick=quick, progress=say))
        else:
            rounds = repeats or (b5_cold_start.QUICK_ROUNDS if quick else b5_cold_start.ROUNDS)
            out.append(b5_cold_start.run(rounds, quick=quick, progress=say))
    return out


def _b3(quick: bool, repeats: int) -> Section:
    """B3 comes from benchmarks.b3_matrix (matrix calculus), when it is present."""
    section = Section("B3", "matrix calculus: closed forms vs JAX autodiff")
    try:
        b3 = importlib.import_module(f"{__package__}.b3_matrix")
    except ImportError as exc:
        if exc.name != f"{__package__}.b3_matrix":
            raise
        section.notes.append("B3 not run: benchmarks/b3_matrix.py is not present yet.")
        return section
    sizes = (10, 20) if quick else (100, 250, 500, 1000, 2000)
    section.rows = list(b3.run(sizes, max(1, repeats // 2)))
    title = getattr(b3, "TITLE", None)
    if title:
        section.title = title
    section.notes += list(getattr(b3, "NOTES", []))
    section.checks_passed = all(r.get("agrees", True) is not False for r in section.rows)
    return section


def write(path: str | Path, text: str) -> None:
    """Write atomically (a reader never sees half a file)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def to_json(obj: dict[str, Any]) -> str:
    return json.dumps(obj, indent=2, default=str)
