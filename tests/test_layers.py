"""The package's layers hold: front ends use the engines, never the reverse.

The contract is in ``pyproject.toml`` (``[tool.importlinter]``); import-linter
builds the import graph of ``workbench`` and fails on any import that points up
a layer, or across two independent siblings.
"""

from __future__ import annotations

import pytest

from .conftest import ROOT

importlinter = pytest.importorskip("importlinter", reason="import-linter is a test extra")


def test_layers_contract_is_kept(monkeypatch):
    from importlinter.cli import lint_imports

    monkeypatch.chdir(ROOT)
    assert lint_imports(config_filename=str(ROOT / "pyproject.toml")) == 0
