"""Solution sheets: validation with located errors, escaping, atomic writes, PDF."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from workbench.core.errors import InputError
from workbench.sheets.build import build
from workbench.sheets.latex import escape
from workbench.tasks import loader

from .conftest import ROOT, pgm_pixels


def write(tmp_path, body: str) -> Path:
    p = tmp_path / "ex.toml"
    p.write_text(body)
    return p


GOOD = '''
[sheet]
title = "T"
[[exercise]]
id = "a"
title = "A"
task = "derive"
expr = "x**2"
'''


@pytest.mark.parametrize("body, needle", [
    ("[sheet\n", "not valid TOML"),
    ("[[exercise]]\nid='a'\n", "needs a [sheet]"),
    (GOOD.replace('task = "derive"', 'task = "nope"'), "field 'task': unknown task 'nope'"),
    (GOOD.replace('expr = "x**2"', 'expr = 3'), "exercise 'a': field 'expr': expected str"),
    (GOOD.replace('expr = "x**2"', ''), "field 'expr': required"),
    (GOOD.replace('expr = "x**2"', 'expr = "x**2"\ncolour = 1'), "field 'colour': not a field"),
    (GOOD + GOOD.split("[sheet]\ntitle = \"T\"")[1], "duplicate id"),
])
def test_malformed_files_give_located_errors(tmp_path, body, needle):
    with pytest.raises(InputError, match=needle.replace("[", r"\[").replace("(", r"\(")) as err:
        loader.load(write(tmp_path, body))
    assert "ex.toml" in str(err.value)


def test_bad_expression_in_file_is_located_and_nothing_written(tmp_path, cli):
    p = write(tmp_path, GOOD.replace('"x**2"', '"x**"'))
    out = tmp_path / "out"
    code, _, err = cli("sheet", str(p), "-o", str(out))
    assert code == 2  # expressions are parsed when the file is loaded, before any work
    assert err.count("ex.toml: exercise 'a': field 'expr': syntax error") == 1
    assert not (out / "ex.tex").exists()


def test_escaping_user_text():
    assert escape("50% & $5 #1 a_b {x} \\") == \
        r"50\% \& \$5 \#1 a\_b \{x\} \textbackslash{}"


def test_beale_sheet(tmp_path):
    result = build(ROOT / "exercises" / "beale.toml", tmp_path, progress=False)
    assert not result.failed
    tex = result.tex.read_text()
    assert r"\section{Global minimum and every critical point}" in tex
    assert r"\claimbad" in tex and r"\claimok" in tex  # wrong gradient, right minimum
    for name in ("surface", "contours"):
        for suffix in (".pdf", ".png"):
            assert (tmp_path / "beale-figures" / f"beale-minimum-{name}{suffix}").stat().st_size \
                > 10_000
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp left


@pytest.mark.parametrize("pdf", [False, pytest.param(True, marks=pytest.mark.skipif(
    not shutil.which("pdflatex"), reason="TeX is not installed"))])
def test_relative_output_folder_figures_point_next_to_the_tex(tmp_path, monkeypatch, cli, pdf):
    """The README's form, ``-o build`` typed relative to the working folder."""
    monkeypatch.chdir(tmp_path)
    code, out, _ = cli("sheet", str(ROOT / "exercises" / "beale.toml"), "-o", "rel",
                       "--no-progress", *(["--pdf"] if pdf else []))
    assert code == 0, out
    tex = (tmp_path / "rel" / "beale.tex").read_text()
    figures = re.findall(r"\\includegraphics(?:\[[^]]*\])?\{([^}]*)\}", tex)
    assert figures
    for name in figures:  # relative to the .tex, and there
        assert not Path(name).is_absolute() and not name.startswith(".")
        assert list((tmp_path / "rel").glob(name + "*")), name
    assert not [p for p in (tmp_path / "rel").iterdir() if p.name.startswith(".")]
    assert (tmp_path / "rel" / "beale.pdf").exists() == pdf


@pytest.mark.skipif(not shutil.which("pdflatex"), reason="TeX is not installed")
def test_pdf_and_latex_failure_leaves_nothing(tmp_path, monkeypatch):
    from workbench.sheets import build as build_module

    result = build(ROOT / "exercises" / "beale.toml", tmp_path / "ok", pdf=True, progress=False)
    assert result.pdf.stat().st_size > 50_000
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-r", "30", "-gray", "-f", "1", "-l", "1",
                        str(result.pdf), str(tmp_path / "p")], check=True)
        ink = sum(1 for b in pgm_pixels(next(tmp_path.glob("p*.pgm"))) if b < 128)
        assert ink > 300  # page 1 has text on it (a blank page has none)

    original = build_module.render
    monkeypatch.setattr(build_module, "render",
                        lambda *a: original(*a).replace(r"\end{document}", r"\broken"))
    with pytest.raises(build_module.LatexError, match="Undefined control sequence|Emergency"):
        build(ROOT / "exercises" / "beale.toml", tmp_path / "bad", pdf=True, progress=False)
    assert not any((tmp_path / "bad").glob("*.tex")) and not any((tmp_path / "bad").glob("*.pdf"))
