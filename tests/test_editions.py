"""Editions of a sheet (problems, solutions, instructor), progress lines, kept LaTeX logs."""

from __future__ import annotations

import re

import pytest

from workbench.core.errors import InputError
from workbench.sheets import editions
from workbench.sheets.build import build_many, overfull_boxes
from workbench.tasks import runner
from workbench.tasks.model import Boxed, Check, InstructorOnly, Outcome, Table, Text

from .conftest import failing_pdflatex

TINY = '''
[sheet]
title = "A parabola"
source = "Lecture 1"

[[exercise]]
id = "parabola"
title = "Its gradient"
task = "derive"
statement = "Differentiate x^2."
expr = "x**2"
wrt = ["x"]

[[exercise]]
id = "wrongkey"
title = "A wrong key"
task = "derive"
statement = "Differentiate x^3."
expr = "x**3"
wrt = ["x"]
answer = { gradient = ["2*x"] }
'''

#: Words that name a tool, an install or a file of the project: never in a student edition.
TOOL_WORDS = re.compile(r"jax|sympy|mpmath|numpy|pytorch|pip install|\.py\b|\.toml|benchmarks/",
                        re.I)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """The tiny sheet in every edition: one right exercise, one whose answer key is wrong."""
    folder = tmp_path_factory.mktemp("tiny")
    (folder / "tiny.toml").write_text(TINY)
    results = build_many([folder / "tiny.toml"], folder / "out", progress=False, jobs=1,
                         editions=("all",))
    return {r.edition: r for r in results}


def sections(tex: str) -> dict[str, str]:
    """The body of each ``\\section`` by its title."""
    parts = re.split(r"\\section\{([^}]*)\}", tex)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_every_edition_is_written_once_with_its_own_name(tiny):
    assert list(tiny) == ["problems", "solutions", "instructor"]
    assert [r.tex.name for r in tiny.values()] == [
        "tiny-problems.tex", "tiny.tex", "tiny-instructor.tex"]
    # one solve for all three: the same outcome objects
    assert tiny["problems"].outcomes is tiny["instructor"].outcomes
    assert tiny["solutions"].failed == ["wrongkey"]


def test_problems_edition_has_statements_only(tiny):
    tex = tiny["problems"].tex.read_text().split("\\begin{document}")[1]
    assert "Differentiate x\\textasciicircum{}2." in tex and "Lecture 1" in tex
    for absent in ("Solution.", "\\boxed", "Machine checks", "\\claimok", "Every answer"):
        assert absent not in tex, absent


def test_solutions_edition_boxes_only_verified_answers_and_names_no_tool(tiny):
    tex = tiny["solutions"].tex.read_text()
    right, wrong = sections(tex)["Its gradient"], sections(tex)["A wrong key"]
    assert "\\boxed" in right and "Not verified" not in right
    # the failure is visible; its result is printed but not presented as the answer
    assert "\\boxed" not in wrong and "Not verified." in wrong and "(not verified)" in wrong
    assert "Machine checks" not in tex and "\\appendix" not in tex
    body = tex.split("\\begin{document}")[1].replace("workbench 0", "")  # the version line
    assert "workbench" not in body
    assert not TOOL_WORDS.search(body), TOOL_WORDS.search(body)


def test_instructor_edition_adds_one_check_line_per_exercise_and_the_appendix(tiny):
    tex = tiny["instructor"].tex.read_text()
    right, wrong = sections(tex)["Its gradient"], sections(tex)["A wrong key"]
    assert re.search(r"Machine checks\.\} \d+ checks? passed: .*\(Appendix~\\ref\{checks:1\}\)",
                     right)
    assert re.search(r"1 of \d+ checks FAILED: answer key: .*\(Appendix~\\ref\{checks:2\}\)",
                     wrong)
    appendix = tex.split("\\appendix", 1)[1]
    assert "\\label{checks:1}" in appendix and "\\label{checks:2}" in appendix
    assert "JAX autodiff" in right  # the certificate, with its tolerances, for the instructor
    assert appendix.count("\\toprule") == 2  # one full checks table per exercise


def test_instructor_only_blocks_are_left_out_of_student_editions():
    block = InstructorOnly([Text("PyTorch reference not run"), Table(["a"], [["1"]])])
    blocks = [Text("kept"), block]
    assert editions.audience(blocks, "solutions") == [Text("kept")]
    assert editions.audience(blocks, "instructor") == [Text("kept"), *block.blocks]


def test_a_failed_solution_is_never_boxed():
    out = Outcome([Boxed("Answer", "x")], [Check("gradient", False, "off")])

    class Sheet:
        title, preamble, source = "T", "", ""
        exercises = [type("Ex", (), {"id": "a", "title": "A", "statement": "S"})()]

    for edition in ("solutions", "instructor"):
        tex = editions.render(Sheet, {"a": out}, edition)
        assert "\\boxed" not in tex and "Not verified." in tex and "Answer (not verified)" in tex


@pytest.mark.parametrize("names, wanted", [
    (None, ("solutions",)), ("problems", ("problems",)), (["all"], editions.EDITIONS),
    (["instructor", "solutions", "instructor"], ("solutions", "instructor")),
])
def test_edition_names(names, wanted):
    assert editions.editions(names) == wanted


def test_unknown_edition_is_bad_input():
    with pytest.raises(InputError, match="unknown edition 'teacher'; choose problems"):
        editions.editions(["teacher"])


def test_cli_editions_progress_lines_and_quiet(tmp_path, cli):
    src = tmp_path / "tiny.toml"
    src.write_text(TINY.split("[[exercise]]\nid = \"wrongkey\"")[0])
    out = tmp_path / "out"
    code, stdout, err = cli("sheet", str(src), "-o", str(out), "-j", "1",
                            "--edition", "problems", "--edition", "instructor")
    assert code == 0, err
    assert sorted(p.name for p in out.iterdir()) == [
        "tiny-instructor.tex", "tiny-problems.tex"]
    assert f"wrote {out / 'tiny-problems.tex'}" in stdout
    # stderr is not a terminal here: one line per exercise, not a bar
    assert re.fullmatch(r"tiny: parabola done \(\d+\.\d s\)\n", err), err
    code, stdout, err = cli("sheet", str(src), "-o", str(out), "-j", "1", "--quiet")
    assert code == 0 and err == "" and (out / "tiny.tex").exists()


def test_problems_only_build_solves_nothing(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a problems edition needs no solution")

    monkeypatch.setattr(runner, "run_all", refuse)
    (tmp_path / "tiny.toml").write_text(TINY)
    [result] = build_many([tmp_path / "tiny.toml"], tmp_path, editions="problems")
    assert result.tex.name == "tiny-problems.tex" and "Its gradient" in result.tex.read_text()


def test_failed_pdf_of_an_edition_keeps_its_log_and_names_it(tmp_path, cli, monkeypatch):
    failing_pdflatex(tmp_path, monkeypatch, "l.7 \\\\oops")
    (tmp_path / "tiny.toml").write_text(TINY)
    code, _, err = cli("sheet", str(tmp_path / "tiny.toml"), "-o", str(tmp_path / "out"),
                       "--pdf", "--edition", "problems")
    log = tmp_path / "out" / "tiny-problems.log"
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert f"(log: {log})" in err and "Undefined control sequence. l.7" in err
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["tiny-problems.log"]


def test_overfull_boxes_are_read_from_the_log():
    log = ("Overfull \\hbox (12.3pt too wide) in paragraph at lines 3--4\n"
           "Underfull \\hbox (badness 10000) in paragraph\n"
           "Overfull \\vbox (0.5pt too high) has occurred while \\output is active\n")
    assert overfull_boxes(log) == [12.3, 0.5]
