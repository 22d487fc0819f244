"""`workbench verify` over every exercise file and every proof, as CI runs it."""

from __future__ import annotations

import json
from pathlib import Path

from .conftest import DOCUMENTS, ROOT


def test_one_exercise_file_per_document():
    for name in DOCUMENTS:
        assert (ROOT / "exercises" / f"{name}.toml").is_file(), name


def test_verify_everything(cli, monkeypatch):
    monkeypatch.chdir(ROOT)
    code, out, err = cli("verify", "--json")
    report = json.loads(out)
    assert report["failed"] == [], report["failed"]
    assert code == 0
    assert report["exercises"] == report["passed"] > 100
    # the seeds contain mistakes: some claims must be found not to hold, and each has a file
    wrong = [c for c in report["claims"] if c["holds"] is False]
    assert len(wrong) >= 25
    expected_wrong = {
        ("slides.toml", "chain-dz-dt"),        # dz/dt is −46 sin 4t − 72 cos 4t
        ("slides.toml", "partial-paraboloid"),  # ∂²z/∂x∂y = 0, not ∂z/∂x + ∂z/∂y
        ("slides.toml", "jacobian-shape"),      # J is m × n
        ("hw1.toml", "beale-gradient"),         # the submitted beale_grads
    }
    found = {(Path(c["file"]).name, c["exercise"]) for c in wrong}
    assert expected_wrong <= found
