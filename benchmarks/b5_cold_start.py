"""B5: cold start - what a user waits for when a command starts in a fresh process.

A command line pays for its imports on every run: SymPy (≈ 0.5 s) and JAX
(≈ 1.4 s, most of it registering NumPy dtypes) dwarf the work of a small
derivative.  Each row is a whole process, started as a user starts it
(``python -m workbench ...`` with this interpreter, on this checkout), timed
from spawn to exit.  The reference, ``python -c "import sympy, jax"``, runs in
the same rounds: the ratio says how far a command is from the floor set by
its libraries, and it survives a loaded machine better than seconds do.

Rounds interleave the commands in a shuffled order (seeded) so that a burst of
load slows one round of every command, not every round of one.  Each command
must exit 0 in every round: one that fails is a failed check, not a fast row.

The last two rows are an instructor's edit-build loop (full runs only): the
four course sheets built into an empty cache folder (outcomes and compiled
kernels alike: a first build on a fresh machine), then built again after one
word of one exercise's title changed (:func:`one_word_change`), in a copy of
the exercise files; :data:`SHEET_ROUNDS` rounds.

>>> [name for name, _ in COMMANDS][:2]
['python -c "import sympy, jax"', 'workbench --help']
"""

from __future__ import annotations

import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import workbench

from .runner import Section, Target

REFERENCE = 'python -c "import sympy, jax"'
#: (row label, arguments after the interpreter)
COMMANDS = [
    (REFERENCE, ["-c", "import sympy, jax"]),
    ("workbench --help", ["-m", "workbench", "--help"]),
    ("workbench derive 'x**2*y' --json", ["-m", "workbench", "derive", "x**2*y", "--json"]),
    ("workbench critical 'x**3 - 3*x + y**2' --json",
     ["-m", "workbench", "critical", "x**3 - 3*x + y**2", "--json"]),
    ("workbench matrix 'x.T @ A @ x' --wrt x --json",
     ["-m", "workbench", "matrix", "x.T @ A @ x", "--wrt", "x", "--json"]),
]
ROUNDS, QUICK_ROUNDS = 7, 2
#: the course sheets of the edit-build rows, and how many times each is timed
SHEETS, SHEET_ROUNDS = ("hw1", "slides", "notes", "lab"), 3
COPIED = ("exercises", "proofs")
COLD_SHEETS = f"workbench sheet {' '.join(SHEETS)}, empty cache"
EDITED_SHEETS = f"workbench sheet {' '.join(SHEETS)}, one word changed"
#: the issue's goals: (row label, seconds, or None; ratio to the reference, or None)
GOALS = [("workbench --help", 0.3, None), ("workbench derive 'x**2*y' --json", None, 1.0),
         (COLD_SHEETS, 25.0, None), (EDITED_SHEETS, 5.0, None)]

COLUMNS = [("command", "command"), ("min_s", "min s"), ("median_s", "median s"),
           ("max_s", "max s"), ("x_reference", "× import sympy, jax (median)"),
           ("exit_ok", "exit 0")]


def _environment() -> dict[str, str]:
    """This process's environment, with the measured workbench first on the import path."""
    env = dict(os.environ)
    root = str(Path(workbench.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join([root, *filter(None, [env.get("PYTHONPATH")])])
    env.pop("WORKBENCH_DEBUG", None)
    return env


def _spawn(args: list[str], env: dict[str, str]) -> tuple[float, int]:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, *args], env=env, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL, check=False, timeout=600)
    return time.perf_counter() - start, proc.returncode


def one_word_change(text: str) -> str:
    """The exercise file with one word added to its first exercise's title.

    >>> print(one_word_change("[sheet]\\ntitle = 'HW'\\n[[exercise]]\\ntitle = 'Gradients'"))
    [sheet]
    title = 'HW'
    [[exercise]]
    title = 'Revised Gradients'
    """
    start = text.index("[[exercise]]")
    return text[:start] + re.sub(r"^(title = )(['\"])", r"\1\2Revised ", text[start:], count=1,
                                 flags=re.M)


def _sheet_times(rounds: int, env: dict[str, str], say) -> dict[str, tuple[list[float], set]]:
    """Seconds of a cold build of :data:`SHEETS` and of the rebuild after one word changed."""
    root = Path(workbench.__file__).resolve().parents[1]
    times: dict[str, tuple[list[float], set]] = {COLD_SHEETS: ([], set()),
                                                 EDITED_SHEETS: ([], set())}
    for k in range(rounds):
        say(f"B5 sheets round {k + 1}/{rounds}")
        with tempfile.TemporaryDirectory() as tmp:
            for part in COPIED:  # the exercise files and the proofs they name
                shutil.copytree(root / part, Path(tmp) / part)
            folder = Path(tmp) / "exercises"
            build = ["-m", "workbench", "sheet", *(str(folder / f"{n}.toml") for n in SHEETS),
                     "-o", str(Path(tmp) / "out"), "-q"]
            cold = {**env, "WORKBENCH_CACHE": str(Path(tmp) / "cache")}
            for label in (COLD_SHEETS, EDITED_SHEETS):
                if label == EDITED_SHEETS:
                    first = folder / f"{SHEETS[0]}.toml"
                    first.write_text(one_word_change(first.read_text()))
                seconds, code = _spawn(build, cold)
                times[label][0].append(seconds)
                times[label][1].add(code)
    return times


def run(rounds: int = ROUNDS, quick: bool = False, progress=None, seed: int = 0) -> Section:
    """The B5 section: every command of :data:`COMMANDS`, ``rounds`` times, interleaved."""
    say = progress or (lambda msg: None)
    env = _environment()
    times: dict[str, list[float]] = {name: [] for name, _ in COMMANDS}
    codes: dict[str, set[int]] = {name: set() for name, _ in COMMANDS}
    order = random.Random(seed)
    for k in range(max(1, rounds)):
        say(f"B5 round {k + 1}/{rounds}")
        for name, args in order.sample(COMMANDS, len(COMMANDS)):
            seconds, code = _spawn(args, env)
            times[name].append(seconds)
            codes[name].add(code)
    ref = statistics.median(times[REFERENCE])
    section = Section("B5", "cold start: whole-process time of a command", columns=COLUMNS)
    for name, _ in COMMANDS:
        t = times[name]
        section.rows.append({"command": name, "min_s": min(t), "median_s": statistics.median(t),
                             "max_s": max(t), "x_reference": statistics.median(t) / ref,
                             "exit_ok": codes[name] == {0}})
    if not quick:
        for name, (t, exits) in _sheet_times(SHEET_ROUNDS, env, say).items():
            section.rows.append({"command": name, "min_s": min(t),
                                 "median_s": statistics.median(t), "max_s": max(t),
                                 "x_reference": None, "exit_ok": exits == {0}})
        section.notes.append(
            f"sheet rows: {SHEET_ROUNDS} rounds after the command rounds, each in a fresh copy "
            "of exercises/ and proofs/ with an empty WORKBENCH_CACHE (no PDF); the second "
            "build follows a one-word change of the first exercise's title in "
            f"{SHEETS[0]}.toml, so that exercise alone is solved again")
    section.checks_passed = all(r["exit_ok"] for r in section.rows)
    section.notes += [
        f"{rounds} rounds, commands interleaved in a shuffled order; each a fresh process "
        "(spawn to exit) with this interpreter and this checkout first on PYTHONPATH",
        "the reference runs in the same rounds; × is median over the reference's median",
    ]
    if not quick:
        by_name = {r["command"]: r for r in section.rows}
        for name, seconds, ratio in GOALS:
            r = by_name[name]
            if seconds is not None:
                section.targets.append(Target(f"{name}: <= {seconds:g} s (median)",
                                              r["median_s"] <= seconds, f"{r['median_s']:.2f} s"))
            if ratio is not None:
                section.targets.append(Target(f"{name}: <= {ratio:g}× {REFERENCE}",
                                              r["x_reference"] <= ratio,
                                              f"{r['x_reference']:.2f}×"))
    return section
