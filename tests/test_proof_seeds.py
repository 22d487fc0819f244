"""A proof's random instances depend on the proof, never on where its file lives."""

from __future__ import annotations

import shutil

from workbench.proof.verifier import verify

from .conftest import ROOT

PROOF = ROOT / "proofs" / "hw1-q3-2-4-optimal-rate.toml"


def test_same_instances_in_two_folders(tmp_path):
    copies = []
    for name in ("a", "deeper/b"):
        folder = tmp_path / name
        folder.mkdir(parents=True)
        copies.append(shutil.copy(PROOF, folder / PROOF.name))
    results = [verify(c) for c in copies]
    margins = [[(s.step.number, s.detail) for s in r.steps] + [c.detail for c in r.claims]
               for r in results]
    assert margins[0] == margins[1]
