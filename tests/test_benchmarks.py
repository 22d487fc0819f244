"""The benchmark runner works on tiny sizes (these are not timed tests)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from benchmarks import b1_batched, b2_scaling, b4_gpu, b5_cold_start, problems, runner
from benchmarks.__main__ import main as bench_main
from workbench.cli import main as workbench_main

# torch.func's Hessian goes through a deprecated torch.jit path: not ours to fix
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_measure_interleaves_and_reports_medians():
    calls = []
    t = runner.measure({"a": lambda: calls.append("a"), "b": lambda: calls.append("b")}, 20)
    assert calls[:2] == ["a", "b"]  # the warm-up
    rounds = [tuple(calls[i:i + 2]) for i in range(2, len(calls), 2)]
    assert set(rounds) == {("a", "b"), ("b", "a")}  # each round has both, in varying order
    assert t["a"].rounds == 20 and 0 < t["a"].min <= t["a"].median


def test_markdown_table_and_cells():
    s = runner.Section("B9", "demo", rows=[{"m": "x", "t": 0.12345, "ok": True, "e": None}],
                       columns=[("m", "method"), ("t", "ms"), ("ok", "agrees"), ("e", "err")],
                       notes=["a note"], targets=[runner.Target("fast", False, "2.0x")])
    text = runner.markdown([s])
    assert "| method | ms | agrees | err |" in text
    assert "| x | 0.123 | yes | — |" in text
    assert "- a note" in text and "target: fast: **not met** (2.0x)" in text
    assert runner.fmt(12345.0) == "1.23e+04" and runner.fmt(False) == "**no**"


def test_problems_sample_inside_their_domains():
    rng = np.random.default_rng(0)
    x1, x2, x3 = problems.hw1_q4().sample(rng, 1000)
    assert np.all(x3 * np.sin(np.pi / 2 * (x1 - x2)) > 0)  # the square root's argument
    f, w = problems.logistic(5).build()
    assert len(w) == 5 and f.free_symbols == set(w)
    f, xs = problems.rosenbrock(3)
    assert f.subs({x: 1 for x in xs}) == 0  # the minimum at (1, ..., 1)


def test_b1_beale_rows_agree_with_jax():
    rows, summary = b1_batched.measure_problem(problems.beale(), "gradient", 500, 1)
    methods = [r["method"] for r in rows]
    for name in ("workbench auto (default)", "workbench fused", "workbench numpy",
                 "workbench jax", "jax.jit(vmap(grad))", "workbench mpmath (50 digits)"):
        assert name in methods
    assert any(m.startswith("memory floor") for m in methods)
    floor = [r for r in rows if r["method"].startswith("memory floor")][0]
    assert all(r["agrees"] is True for r in rows if r is not floor) and floor["agrees"] is None
    assert floor["x_floor"] == 1.0 and summary["floor"] > 0
    # the anchors: measured and agreeing with JAX, or skipped with the reason
    for label in b1_batched.ANCHORS:
        assert label in methods or label in summary["skipped"]
        assert label not in methods or label in summary["anchors"]
    fused_row = [r for r in rows if r["method"] == "workbench fused"][0]
    assert fused_row["x_fused"] == 1.0


def test_b1_anchor_decision_needs_every_row_within_the_factor():
    close = b1_batched.anchor_decision({"A": [1.1, 1.19], "B": [0.9, 1.3]}, {})
    assert "A: 1.10× to 1.19×" in close[0] and "within 1.2×" in close[0]
    assert "not within" in close[1] and close[-1].startswith("decision: A within")
    none = b1_batched.anchor_decision({"A": [], "B": []}, {"A": "absent", "B": "absent"})
    assert none[:2] == ["A skipped: absent", "B skipped: absent"]
    assert none[-1] == "decision: none of the anchors ran; the fused kernel stays"


def test_b2_small_n_is_identical_to_sympy():
    row = b2_scaling.measure_n(4, 1)
    assert row["identical"] is True and row["numeric_error"] < 1e-12
    assert row["sympy_hessian_s"] > 0 and row["total_s"] == row["derive_s"] + row["compile_s"]


def test_b2_dense_case_is_exactly_equal_to_sympy():
    row = b2_scaling.measure_n(3, 1, function="log-sum-exp")
    assert row["equal"] is True and row["numeric_error"] < 1e-12
    # SymEngine writes exp(x1 + x2) where SymPy keeps exp(x1)*exp(x2): equal, not ==
    assert row["sympy_hessian_s"] > 0 and row["function"] == "log-sum-exp"


def test_b2_exact_equality_tells_different_expressions_apart():
    import sympy as sp

    x, y = sp.symbols("x y", real=True)
    assert b2_scaling.exactly_equal([sp.exp(x + y)], [sp.exp(x) * sp.exp(y)])
    assert not b2_scaling.exactly_equal([sp.exp(x + y)], [sp.exp(x) * sp.exp(2 * y)])


def test_b5_times_whole_processes_against_the_reference(monkeypatch):
    help_row = [c for c in b5_cold_start.COMMANDS if c[0] == "workbench --help"]
    failing = ("a failing command", ["-c", "raise SystemExit(3)"])
    monkeypatch.setattr(b5_cold_start, "COMMANDS",
                        [(b5_cold_start.REFERENCE, ["-c", "pass"]), *help_row, failing])
    section = b5_cold_start.run(rounds=1, quick=True)
    rows = {r["command"]: r for r in section.rows}
    assert rows[b5_cold_start.REFERENCE]["x_reference"] == 1.0
    assert rows["workbench --help"]["exit_ok"] is True and rows["workbench --help"]["min_s"] > 0
    assert rows["a failing command"]["exit_ok"] is False and section.checks_passed is False


def test_b4_skips_with_a_clear_line_without_a_gpu():
    if b4_gpu.gpus():
        pytest.skip("a GPU is present: B4 runs for real")
    section = b4_gpu.run(100, 1)
    assert section.rows == [] and section.notes[0].startswith("B4 skipped: no GPU")


def test_python_m_benchmarks_writes_json_and_markdown(tmp_path, capsys):
    out, md = tmp_path / "r.json", tmp_path / "r.md"
    code = bench_main(["--quick", "--sections", "B4,B2", "--out", str(out),
                       "--markdown", str(md)])
    assert code == 0
    data = json.loads(out.read_text())
    assert set(data) == {"machine", "versions", "settings", "checks_passed", "targets_met",
                         "sections"}
    assert list(data["sections"]) == ["B4", "B2"]
    assert data["machine"]["cores"] >= 1 and data["versions"]["numpy"]
    assert "### B2:" in md.read_text() and "### B2:" in capsys.readouterr().out


def test_b3_is_reported_missing_when_its_module_is_absent(monkeypatch):
    import importlib

    real = importlib.import_module

    def fake(name, *args):
        if name == "benchmarks.b3_matrix":
            raise ModuleNotFoundError(name=name)
        return real(name, *args)

    monkeypatch.setattr(runner.importlib, "import_module", fake)
    section = runner._b3(quick=True, repeats=1)
    assert section.rows == [] and "b3_matrix.py is not present" in section.notes[0]


ROOT = Path(__file__).resolve().parents[1]


def _bench(capfd, *argv: str):
    """``workbench bench`` in-process; its child's output is read from the file descriptors."""
    code = workbench_main(["bench", *argv])
    out = capfd.readouterr()
    return code, out.out, out.err


def test_workbench_bench_runs_python_m_benchmarks_from_the_checkout(monkeypatch, capfd):
    monkeypatch.chdir(ROOT)
    code, out, err = _bench(capfd, "--quick", "--sections", "B4", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["sections"]["B4"]["key"] == "B4" and data["checks_passed"] is True
    code, out, err = _bench(capfd, "--sections", "B7")
    assert code == 2 and out == "" and err.count("\n") == 1 and "unknown B7" in err
    code, out, err = _bench(capfd, "--repeats", "0", "--sections", "B4")
    assert code == 2 and "--repeats must be at least 1" in err
    code, out, err = _bench(capfd, "--help")
    assert code == 0 and "--quick" in out and "--json" in out


def test_workbench_bench_outside_a_checkout(monkeypatch, tmp_path, capfd):
    monkeypatch.chdir(tmp_path)
    code, out, err = _bench(capfd, "--quick")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "the benchmarks live in the source checkout" in err and str(tmp_path) in err


def test_benchmarks_import_only_public_names_of_workbench():
    import ast

    for path in sorted((ROOT / "benchmarks").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("workbench"):
                assert not node.module.startswith("workbench.commands"), path.name
                private = [a.name for a in node.names if a.name.startswith("_")]
                assert not private, f"{path.name}: {node.module} {private}"
