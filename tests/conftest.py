"""Shared fixtures: the Beale function and a CLI runner."""

from __future__ import annotations

import json

import pytest

from workbench.cli import main

BEALE = "(1.5 - x + x*y)**2 + (2.25 - x + x*y**2)**2 + (2.625 - x + x*y**3)**2"


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
