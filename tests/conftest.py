"""Shared fixtures: the Beale function, a CLI runner, a private kernel cache."""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import settings

from workbench.cli import main

# CI explores the same examples on every run (a red build must be reproducible);
# locally each run explores new ones.
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

BEALE = "(1.5 - x + x*y)**2 + (2.25 - x + x*y**2)**2 + (2.625 - x + x*y**3)**2"


def beale_gradient_by_hand(x, y):
    """∇ of Beale, differentiated by hand (independent of the code under test)."""
    a, b, c = 1.5 - x + x * y, 2.25 - x + x * y**2, 2.625 - x + x * y**3
    return np.stack([2 * a * (y - 1) + 2 * b * (y**2 - 1) + 2 * c * (y**3 - 1),
                     2 * a * x + 2 * b * 2 * x * y + 2 * c * 3 * x * y**2])


def _cache_folder(tmp_path_factory) -> Path:
    kernels = tmp_path_factory.getbasetemp() / "kernels"
    kernels.mkdir(exist_ok=True)
    root = tmp_path_factory.mktemp("cache")
    (root / "kernels").symlink_to(kernels, target_is_directory=True)
    return root


@pytest.fixture(scope="session", autouse=True)
def _session_cache(tmp_path_factory):
    """Module- and session-scoped fixtures (shared sheet builds) use a private cache too."""
    before = os.environ.get("WORKBENCH_CACHE")
    os.environ["WORKBENCH_CACHE"] = str(_cache_folder(tmp_path_factory))
    yield
    if before is None:
        os.environ.pop("WORKBENCH_CACHE", None)
    else:
        os.environ["WORKBENCH_CACHE"] = before


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory, monkeypatch):
    """Each test gets its own cache folder, not the user's; built kernels are shared.

    Exercise outcomes are cached per test, so a test that changes a task's
    behaviour (a monkeypatched engine, a fault) never reads another test's outcome.
    """
    monkeypatch.setenv("WORKBENCH_CACHE", str(_cache_folder(tmp_path_factory)))


@pytest.fixture
def cli(capsys):
    """Run the CLI in-process; returns (exit code, stdout, stderr)."""

    def run(*argv: str):
        code = main(list(argv))
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


@pytest.fixture
def cli_json(cli):
    def run(*argv: str):
        code, out, err = cli(*argv, "--json")
        return code, json.loads(out), err

    return run


def fake_pdflatex(tmp_path: Path, monkeypatch, script: str) -> Path:
    """A ``pdflatex`` that runs ``script`` (sh), alone on PATH (no latexmk): the TeX of a test."""
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "pdflatex").write_text("#!/bin/sh\n" + script)
    (fake / "pdflatex").chmod(0o755)
    monkeypatch.setenv("PATH", str(fake))
    return fake


def failing_pdflatex(tmp_path: Path, monkeypatch, line: str) -> Path:
    """A ``pdflatex`` that logs an undefined control sequence at ``line`` and fails."""
    return fake_pdflatex(tmp_path, monkeypatch,
                         "for a; do tex=$a; done\n"  # the last argument is the .tex
                         f"printf '! Undefined control sequence.\\n{line}\\n' "
                         '> "${tex%.tex}.log"\n'
                         "exit 1\n")


ROOT = Path(__file__).resolve().parents[1]
#: the course documents, one exercise file each
DOCUMENTS = ("hw1", "slides", "notes", "lab")


def course_files() -> list[Path]:
    return [ROOT / "exercises" / f"{name}.toml" for name in DOCUMENTS]


def course_exercises(ids=None) -> dict:
    """Exercises of the four course documents by id (ids are unique across them)."""
    from workbench.tasks import loader

    found = {ex.id: ex for f in course_files() for ex in loader.load(f).exercises}
    return found if ids is None else {i: found[i] for i in ids}


def course_exercise_tables() -> list[dict]:
    """The raw [[exercise]] tables of the four course documents."""
    return [t for f in course_files() for t in tomllib.loads(f.read_text())["exercise"]]


def pgm_pixels(path: Path) -> bytes:
    """The pixel bytes of a binary PGM (P5) file: past the magic, size and maxval fields."""
    data = path.read_bytes()
    fields, pos = [], 0
    while len(fields) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    width, height = int(fields[1]), int(fields[2])
    return data[pos + 1:pos + 1 + width * height]
