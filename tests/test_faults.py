"""Faults and bad input: exit codes that mean what they say, bounded work, nothing left behind.

Each test reproduces one way the workbench used to break under attack and checks
the contract that replaced it: 0 done, 1 a verification failed, 2 bad input,
3 internal error; one line on stderr; with ``--json`` one JSON object on stdout.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from workbench.core import limits
from workbench.core.errors import InputError

ROOT = Path(__file__).resolve().parents[1]


def one_line(err: str) -> bool:
    return len(err.strip().splitlines()) == 1 and "Traceback" not in err


# ---------------------------------------------------------------- exit codes and JSON errors


def test_internal_error_exits_3_with_one_line(cli, monkeypatch):
    import workbench.commands.rate as rate

    def broken(args):
        raise RuntimeError("a bug\nover two lines")

    monkeypatch.setattr(rate, "run", broken)
    code, out, err = cli("rate", "--eigs", "1,2")
    assert code == 3 and one_line(err)
    assert "internal error: RuntimeError: a bug over two lines" in err
    assert "WORKBENCH_DEBUG=1" in err


def test_internal_error_json_object(cli, monkeypatch):
    import workbench.commands.rate as rate

    monkeypatch.setattr(rate, "run", lambda args: 1 / 0)
    code, out, err = cli("rate", "--eigs", "1,2", "--json")
    assert code == 3 and one_line(err)
    error = json.loads(out)["error"]
    assert error["kind"] == "internal" and error["location"] is None
    assert error["message"].startswith("ZeroDivisionError")


@pytest.mark.parametrize("argv, location", [
    (["derive", "x + foo(y)", "--json"], {"token": "foo", "column": 5}),
    (["optimize", "booth", "--x0", "1,1", "--lr", "-1", "--json"], {"option": "--lr"}),
    (["derive", "x**2", "--at", "--json"], {"option": "--at"}),
    (["derive", "--json"], None),
    (["fd", "exp(x)", "--json"], None),
    (["nonsense", "--json"], None),
])
def test_bad_input_json_is_one_error_object(cli, argv, location):
    code, out, err = cli(*argv)
    assert code == 2 and one_line(err)
    data = json.loads(out)
    assert set(data) == {"error"}
    assert data["error"]["kind"] == "bad_input"
    assert data["error"]["message"] in err  # the same message on both channels
    if location is not None:
        assert data["error"]["location"] == location


def test_help_documents_the_exit_codes():
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "workbench", "--help"], capture_output=True,
                          text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 0
    for code, meaning in [("0", "done"), ("1", "verification failed"), ("2", "bad input"),
                          ("3", "internal error")]:
        assert re.search(rf"^\s+{code}\s+.*{meaning}", proc.stdout, re.M), code
    assert "WORKBENCH_DEBUG=1" in proc.stdout


def test_readme_documents_the_exit_codes():
    readme = (ROOT / "README.md").read_text()
    for row in ("| 2 | bad input", "| 3 | internal error"):
        assert row in readme


# ---------------------------------------------------------------- values starting with "-"


@pytest.mark.parametrize("argv, code, needle", [
    (["derive", "-x**2", "--at", "x=-1", "--random", "5"], 0, None),
    (["critical", "-x**2 - y**2"], 0, None),
    (["check", "x*exp(-x*y)", "--claimed", "exp(-x*y) - x*y*exp(-x*y)",
      "--claimed", "-x**2*exp(-x*y)"], 0, None),
    (["check", "x**2*y", "--claimed", "-2*x*y", "--claimed", "-x**2"], 1, None),
    (["fd", "exp(x)", "--at", "x=-1", "--h", "-1e-3"], 2, "step h must be positive"),
    (["fd", "exp(x)", "--at", "x=1", "--h-range", "-1,1"], 2, "step h must be positive"),
    (["fd", "exp(x)", "--at", "x=1", "--per-decade", "-3"], 2, "steps per decade"),
    (["optimize", "booth", "--x0", "-1,-1.5", "--steps", "5"], 0, None),
    (["optimize", "booth", "--x0", "1,1", "--lr", "-0.1"], 2, "--lr must be a positive"),
    (["optimize", "booth", "--x0", "1,1", "--steps", "-1"], 2, "--steps must be ≥ 0"),
    (["optimize", "booth", "--x0", "1,1", "--tol", "-1"], 2, "--tol must be ≥ 0"),
    (["optimize", "booth", "--x0", "1,1", "--method", "momentum", "--momentum", "-0.5"], 2,
     "momentum must lie in [0, 1)"),
    (["optimize", "booth", "--x0", "1,1", "--method", "adam", "--beta1", "-0.1"], 2, "beta1"),
    (["optimize", "booth", "--x0", "1,1", "--method", "adam", "--beta2", "-0.1"], 2, "beta2"),
    (["optimize", "booth", "--x0", "1,1", "--method", "adam", "--eps", "-1"], 2, "eps"),
    (["optimize", "booth", "--x0", "1,1", "--decay", "-1"], 2, "step decay gamma"),
    (["optimize", "booth", "--x0", "1,1", "--decay", "0.5", "--every", "-1"], 2, "every"),
    (["optimize", "booth", "--x0", "1,1", "--patience", "-1"], 2, "patience"),
    (["optimize", "booth", "--x0", "1,1", "--patience", "2", "--min-delta", "-1"], 2,
     "min_delta"),
    (["optimize", "booth", "--x0", "1,1", "--random", "-5"], 2, "--random: must be at least 1"),
    (["rate", "--eigs", "-1,2"], 2, "eigenvalue -1 is not positive"),
    (["rate", "--eigs", "1,2", "--eta", "-0.1"], 2, "--eta must be a positive"),
    (["rate", "--matrix", "-1,0;0,1"], 2, "not positive definite"),
    (["trace", "x1*x2", "--at", "x1=-2,x2=1", "--hvp", "x1=-1"], 0, None),
    (["trace", "x1*x2", "--at", "x1=2,x2=1", "--seed", "x1=-1"], 0, None),
    (["matrix", "x.T @ A @ x", "--wrt", "x", "--seed", "-1"], 2, "--seed must be"),
    (["sheet", "exercises/beale.toml", "-j", "-1"], 2, "-j/--jobs: must be at least 1"),
    (["verify", "exercises/beale.toml", "--jobs", "-1"], 2, "-j/--jobs: must be at least 1"),
    (["bench", "--quick", "--repeats", "-1"], 2, "--repeats must be at least 1"),
    (["bench", "--quick", "--points", "-1"], 2, "--points must be at least 10"),
])
def test_values_starting_with_minus(cli, monkeypatch, argv, code, needle):
    monkeypatch.chdir(ROOT)
    got, out, err = cli(*argv)
    assert "expected one argument" not in err
    assert got == code, err
    if needle is not None:
        assert needle in err and one_line(err)


def test_negative_start_point_reaches_the_optimizer(cli_json):
    code, d, _ = cli_json("optimize", "booth", "--x0", "-1,-1.5", "--steps", "0")
    assert code == 0 and d["path"][0] == [-1.0, -1.5]


# ---------------------------------------------------------------- stated limits


@pytest.mark.parametrize("argv, needle", [
    (["derive", "x**2", "--random", "100000000"], "over the limit of 10000 random points"),
    (["derive", "x**2", "--random", "-5"], "--random: must be at least 1"),
    (["derive", "x**2", "--random", "0"], "--random: must be at least 1"),
    (["matrix", "x.T @ A @ x", "--wrt", "x", "--shapes", "A=100000,100000 x=100000"],
     "over the limit of 30 rows or columns"),
    (["derive", "x+" * 3000 + "x"], "expression too long"),
])
def test_unbounded_requests_refused_within_a_second(cli, argv, needle):
    start = time.monotonic()
    code, out, err = cli(*argv)
    # a generous bound on a shared machine: the refusal itself takes milliseconds
    assert time.monotonic() - start < 1.0
    assert code == 2 and needle in err and one_line(err)


def _refused(call) -> str:
    start = time.monotonic()
    with pytest.raises(InputError) as info:
        call()
    assert time.monotonic() - start < 1.0
    return str(info.value)


def test_unbounded_api_requests_refused_within_a_second():
    import numpy as np

    import workbench
    from workbench.core.parse import parse
    from workbench.optim import models

    x = parse("x")
    assert "1000 expressions in a Jacobian" in _refused(
        lambda: workbench.jacobian([x] * 20_000, ["x"]))
    assert "30 Taylor order" in _refused(lambda: workbench.taylor(x, ["x"], {"x": 0}, 100_000))
    assert "samples" in _refused(lambda: models.make_classification(10**9))
    X, y = np.zeros((10, 2)), np.array([0, 1] * 5)
    assert "epochs" in _refused(lambda: models.fit_linear(X, y, epochs=10**9))
    assert "units in a layer" in _refused(lambda: models.MLP([2, 100_000, 2]))
    assert "network parameters" in _refused(lambda: models.MLP([2, 4000, 4000, 2]))
    assert "units in a layer" in _refused(lambda: models.fit_mlp(X, y, hidden=(100_000,)))


def test_limits_table_in_readme_matches_the_code():
    assert limits.markdown() in (ROOT / "README.md").read_text()


def test_every_limit_states_a_reason():
    for name, limit in limits.LIMITS.items():
        assert limit.maximum > 0 and limit.reason and limit.unit, name
        limits.check(name, limit.maximum, name)  # the limit itself is accepted
        with pytest.raises(InputError, match="over the limit"):
            limits.check(name, limit.maximum + 1, name)
