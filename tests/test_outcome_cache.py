"""Incremental sheets: outcomes kept by a hash of exercise and code; failures never replayed."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from workbench.tasks import cache as cache_module
from workbench.tasks import loader, runner
from workbench.tasks.cache import OutcomeCache, decode, encode
from workbench.tasks.model import Boxed, Figure, Math, Outcome, RawLatex, Steps, Table, Text
from workbench.tasks.registry import Context

from .conftest import ROOT

SHEET = '''
[sheet]
title = "T"
[[exercise]]
id = "a"
title = "A"
task = "derive"
expr = "x**2 + y"
[[exercise]]
id = "b"
title = "B"
task = "derive"
expr = "sin(x)"
'''


def exercises(tmp_path: Path, text: str = SHEET):
    path = tmp_path / "ex.toml"
    path.write_text(text)
    return loader.load(path).exercises


@pytest.fixture
def counted(monkeypatch):
    """The exercise ids computed (not read from the cache), in order."""
    seen: list[str] = []
    real = runner.run

    def run(ex, ctx):
        seen.append(ex.id)
        return real(ex, ctx)

    monkeypatch.setattr(runner, "run", run)
    return seen


def test_every_block_type_round_trips():
    out = Outcome([Text("t"), Math("x^2"), Steps([("a", "b", "sum rule")]), Boxed("l", "1"),
                   Table(["h"], [["c"]], "cap", (0,)), Figure(Path("f.pdf"), "c"),
                   RawLatex("\\relax")])
    out.check("gradient", False, "detail")
    out.claim("a claim", True)
    again = decode(json.loads(json.dumps(encode(out))))
    assert again == out
    assert isinstance(again.blocks[2].rows[0], tuple) and isinstance(again.blocks[4].math_columns,
                                                                      tuple)


def test_decode_builds_only_outcome_classes():
    evil = {"type": "Popen", "fields": {"args": ["true"]}}
    assert decode(evil) == evil  # left as data: nothing outside the model is constructed


def test_second_run_reads_every_outcome(tmp_path, counted):
    store, work = OutcomeCache(tmp_path / "c"), [(ex, Context()) for ex in exercises(tmp_path)]
    first = runner.run_all(work, jobs=1, cache=store)
    assert counted == ["a", "b"]
    second = runner.run_all(work, jobs=1, cache=store)
    assert counted == ["a", "b"] and second == first


def test_editing_one_exercise_recomputes_that_one_only(tmp_path, counted):
    store = OutcomeCache(tmp_path / "c")
    runner.run_all([(ex, Context()) for ex in exercises(tmp_path)], jobs=1, cache=store)
    edited = exercises(tmp_path, SHEET.replace('title = "B"', 'title = "B, edited"'))
    runner.run_all([(ex, Context()) for ex in edited], jobs=1, cache=store)
    assert counted == ["a", "b", "b"]


def test_a_change_of_code_recomputes_everything(tmp_path, counted, monkeypatch):
    store, work = OutcomeCache(tmp_path / "c"), [(ex, Context()) for ex in exercises(tmp_path)]
    runner.run_all(work, jobs=1, cache=store)
    monkeypatch.setattr(cache_module, "code_hash", lambda: "another version of the code")
    runner.run_all(work, jobs=1, cache=store)
    assert counted == ["a", "b", "a", "b"]


def test_a_failed_outcome_is_recomputed_not_replayed(tmp_path, monkeypatch):
    store, (ex, _) = OutcomeCache(tmp_path / "c"), exercises(tmp_path)
    failed = Outcome([Text("could not")])
    failed.check("task ran", False, "why")
    monkeypatch.setattr(runner, "run", lambda ex, ctx: failed)
    runner.run_all([(ex, Context())], jobs=1, cache=store)
    assert store.get(ex, Context()) is None


def test_figures_are_kept_and_restored(tmp_path):
    store, (ex, _) = OutcomeCache(tmp_path / "c"), exercises(tmp_path)
    build1 = Context(figure_dir=tmp_path / "build1")
    build1.figure_dir.mkdir()
    (build1.figure_dir / "a-surface.pdf").write_bytes(b"%PDF figure")
    store.put(ex, build1, Outcome([Figure(build1.figure_dir / "a-surface.pdf", "surface")]))
    build2 = Context(figure_dir=tmp_path / "build2")
    kept = store.get(ex, build2)
    assert kept.blocks[0].path == build2.figure_dir / "a-surface.pdf"
    assert kept.blocks[0].path.read_bytes() == b"%PDF figure"


@pytest.mark.parametrize("damage", ["{not json", '{"type": "Outcome", "fields": {"nope": 1}}'])
def test_a_damaged_entry_is_recomputed(tmp_path, damage):
    store, (ex, _) = OutcomeCache(tmp_path / "c"), exercises(tmp_path)
    store.put(ex, Context(), Outcome([Text("kept")]))
    (store.root / cache_module.key(ex, Context()) / "outcome.json").write_text(damage)
    assert store.get(ex, Context()) is None


def test_a_second_writer_of_the_same_entry_keeps_the_first(tmp_path):
    store, (ex, _) = OutcomeCache(tmp_path / "c"), exercises(tmp_path)
    store.put(ex, Context(), Outcome([Text("first")]))
    store.put(ex, Context(), Outcome([Text("second")]))
    assert store.get(ex, Context()).blocks == [Text("first")]
    assert not [p for p in store.root.iterdir() if p.name.startswith(".tmp-")]
    assert store.clear() == 1 and store.get(ex, Context()) is None


def test_sheet_rebuild_solves_only_the_edited_exercise(tmp_path, counted, cli):
    path = tmp_path / "ex.toml"
    path.write_text(SHEET)
    out = str(tmp_path / "out")
    assert cli("sheet", str(path), "-o", out, "-j", "1")[0] == 0
    first = (tmp_path / "out" / "ex.tex").read_text()
    code, _, err = cli("sheet", str(path), "-o", out, "-j", "1")
    assert code == 0 and counted == ["a", "b"] and "(unchanged, kept)" in err
    assert (tmp_path / "out" / "ex.tex").read_text() == first  # the same sheet, not recomputed
    path.write_text(SHEET.replace('expr = "sin(x)"', 'expr = "cos(x)"'))
    assert cli("sheet", str(path), "-o", out, "-j", "1")[0] == 0
    assert counted == ["a", "b", "b"]
    assert cli("sheet", str(path), "-o", out, "-j", "1", "--no-cache")[0] == 0
    assert counted == ["a", "b", "b", "a", "b"]
    assert cli("sheet", str(path), "-o", out, "-j", "1", "--clear-cache")[0] == 0
    assert counted == ["a", "b", "b", "a", "b", "a", "b"]


def test_the_code_left_out_of_the_key_is_the_layers_above_the_tasks():
    # the layers contract is the one source: what it puts above tasks cannot change an outcome
    layers = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"][
        "contracts"][0]["layers"]
    above = [m.strip() for layer in layers[:layers.index("tasks")] for m in layer.split("|")]
    modules = {name.removesuffix(".py") for name in cache_module.ABOVE_TASKS} - {"__main__"}
    assert modules == set(above)
