"""The CLI contract: JSON keys, exit codes, one-line errors for bad input."""

from __future__ import annotations

import subprocess
import sys

import pytest

from workbench.core.parse import parse

from .conftest import BEALE


def test_derive_json_contract(cli_json):
    code, d, _ = cli_json("derive", BEALE, "--wrt", "x,y", "--at", "x=3,y=0.5", "--hessian")
    assert code == 0
    assert d["variables"] == ["x", "y"]
    assert d["value"] == 0.0 and d["gradient_value"] == [0.0, 0.0]
    # exact Hessian at the minimum, computed by hand from the second partials
    assert d["hessian_value"] == [[101 / 32, -183 / 16], [-183 / 16, 369 / 8]]
    cert = d["certificate"]
    assert cert["verdict"] == "certified"
    assert set(cert["max_rel_error"]) == {"autodiff", "finite_difference", "high_precision"}
    # printed expressions parse back to the same expressions
    f = parse(BEALE, ["x", "y"])
    assert parse(d["gradient"][0], ["x", "y"]) == f.diff(parse("x", ["x"]))
    assert len(d["hessian"]) == 2 and len(d["hessian"][0]) == 2


def test_derive_nondifferentiable_point_exits_1(cli_json):
    code, d, _ = cli_json("derive", "sqrt(x)", "--at", "x=0")
    assert code == 1 and d["certificate"]["verdict"] == "nondifferentiable"


def test_critical_json_contract(cli_json):
    code, d, _ = cli_json("critical", "x**3 - 3*x + y**2", "--wrt", "x,y")
    assert code == 0 and d["complete"] is True
    pts = {p["point"]["x"]: p for p in d["points"]}
    assert pts["1"]["kind"] == "minimum" and pts["1"]["value"] == -2.0
    assert pts["-1"]["kind"] == "saddle" and pts["-1"]["hessian_eigenvalues"] == [-6.0, 2.0]
    assert pts["1"]["numeric"] == {"x": 1.0, "y": 0.0}


def test_check_json_contract(cli_json):
    code, d, _ = cli_json("check", "x**2*y", "--claimed", "2*x*y", "--claimed", "x**2")
    assert code == 0 and d["verdict"] == "correct" and d["counterexample"] is None
    code, d, _ = cli_json("check", "x**2*y", "--claimed", "2*x", "--claimed", "x**2")
    assert code == 1 and d["verdict"] == "incorrect" and d["wrong_components"] == [0]
    p = d["counterexample"]["point"]
    assert d["counterexample"]["true"][0] == pytest.approx(2 * p["x"] * p["y"], rel=1e-12)


@pytest.mark.parametrize("argv, needle", [
    (["derive", "foo(x)"], "unknown function"),
    (["derive", "x*y", "--wrt", "x"], "undeclared variable"),
    (["derive", "log(x)", "--at", "x=-1"], "outside the domain"),
    (["derive", "x**2", "--at", "y=1"], "missing x"),
    (["derive", "x**2", "--at", "x=1e999999"], "out of range"),
    (["derive", "9**9**9**9"], "exponent larger than"),
    (["derive", "exp(exp(x))", "--at", "x=10"], "overflow"),
    (["derive", "__import__('os').system('true')"], "only named functions"),
    (["check", "x**2", "--claimed", "2*x", "--claimed", "1"], "components"),
    (["sheet", "no/such/file.toml"], "no such exercise file"),
    (["nonsense"], "invalid choice"),
])
def test_bad_input_one_line_exit_2(cli, argv, needle):
    code, out, err = cli(*argv)
    assert code == 2
    assert needle in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_console_entry_point_and_help():
    proc = subprocess.run([sys.executable, "-m", "workbench", "--help"], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0
    for command in ("derive", "critical", "check", "sheet", "verify"):
        assert command in proc.stdout


#: commands whose --help must not load the engines (optimize lists its rules' defaults)
LIGHT_HELP = [[], ["derive"], ["critical"], ["check"], ["sheet"], ["verify"], ["fd"], ["rate"],
              ["trace"], ["matrix"], ["grade"]]
HEAVY = ("sympy", "jax", "numpy", "matplotlib", "mpmath")


def test_help_imports_no_engine():
    """``workbench [COMMAND] --help`` in a fresh interpreter loads neither SymPy, JAX nor NumPy."""
    script = ("import contextlib, io, sys\n"
              "from workbench.cli import main\n"
              f"for argv in {LIGHT_HELP!r}:\n"
              "    with contextlib.redirect_stdout(io.StringIO()):\n"
              "        assert main(argv + ['--help']) == 0\n"
              f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))\n")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == ""


def test_light_listing_matches_the_commands():
    """The summaries ``--help`` lists without the modules are the ones the modules register."""
    from workbench.cli import build_parser

    assert build_parser(None).format_help() == build_parser().format_help()


def test_derive_hessian_of_a_relu_product_is_certified(cli_json):
    # its Hessian holds δ(x − y), which used to stop the command with an internal error
    code, d, _ = cli_json("derive", "relu(x - y)*x", "--hessian")
    assert code == 0 and d["certificate"]["verdict"] == "certified"
