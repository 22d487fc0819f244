"""Grading a class, continued: Dask, TOML submissions, rubrics and LaTeX answers in keys,
matrix answers, feedback PDFs and hostile LaTeX.

Expected scores follow from the rubric by hand; expected diagnoses from the
answers as written (X⁻¹ for the gradient X⁻ᵀ of log det X is a transposition).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.core.errors import InputError
from workbench.grading.executors import check_executor, map_units
from workbench.grading.grade import grade_class, grade_unit, write_reports
from workbench.grading.key import parse_key
from workbench.grading.submission import (
    RawAnswer,
    read_submission,
    read_submission_text,
    read_submission_toml,
)

from .test_grading import KEY, KEY_TOML, STUDENTS

# the same answers as STUDENTS' ann and bob, as TOML: a whole gradient, parts, a list
TOML_STUDENTS = {
    "ann": "[answers]\n"
           "grad = '\\nabla f = \\begin{pmatrix} 2xy \\\\ x^2 + \\cos y \\end{pmatrix}'\n"
           "deriv = ['\\frac{\\partial f}{\\partial x} = 12']\n",
    "bob": "[answers.grad]\n"
           "x = '\\frac{\\partial f}{\\partial x} = 2xy'\n"
           "y = 'x^2 - \\cos y'\n"
           "[answers.deriv]\n"
           "x = '18'\n",
}


def _class(names=("ann", "bob", "cat", "dan")):
    key = parse_key(KEY, "key.toml")
    return key, [read_submission_text(STUDENTS[n], n) for n in names]


def _report_bytes(key, results, folder: Path) -> dict[str, bytes]:
    write_reports(key, results, folder)
    files = [folder / "class.json", folder / "class.csv", *sorted(folder.glob("feedback/*"))]
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in files}


# -- Dask -------------------------------------------------------------------------------------

def test_dask_cluster_gives_the_process_pools_reports_byte_for_byte(tmp_path):
    distributed = pytest.importorskip("distributed")
    key, subs = _class()
    pooled = _report_bytes(key, grade_class(key, subs, jobs=2), tmp_path / "pool")
    with distributed.Client(processes=False, n_workers=1, threads_per_worker=2,
                            dashboard_address=None) as client:
        on_dask = _report_bytes(key, grade_class(key, subs, executor=client), tmp_path / "dask")
    assert on_dask == pooled
    assert len(on_dask) == 2 + len(subs)


def test_a_scheduler_named_by_its_address():
    distributed = pytest.importorskip("distributed")
    key, subs = _class(("ann", "bob"))
    with distributed.LocalCluster(processes=False, n_workers=1, threads_per_worker=1,
                                  dashboard_address=None) as cluster:
        on_dask = grade_class(key, subs, executor=cluster.scheduler_address)
    assert on_dask == grade_class(key, subs, jobs=1)


def test_an_unreachable_scheduler_is_bad_input(monkeypatch):
    pytest.importorskip("distributed")
    from workbench.grading import executors

    monkeypatch.setattr(executors, "CONNECT_SECONDS", 1)
    with pytest.raises(InputError, match="cannot reach the Dask scheduler"):
        map_units(abs, [1], executor="tcp://127.0.0.1:9")


@pytest.mark.slow
def test_grade_command_on_a_local_dask_cluster(cli_json, tmp_path):
    pytest.importorskip("distributed")
    folder, key = _write_class(tmp_path)
    runs = {}
    for name, extra in [("pool", []), ("dask", ["--executor", "dask"])]:
        code, d, _ = cli_json("grade", str(key), str(folder), "-o", str(tmp_path / name),
                              "-j", "1", *extra)
        assert code == 0
        runs[name] = (tmp_path / name / "class.json").read_bytes()
    assert runs["dask"] == runs["pool"]


def test_dask_named_but_not_installed(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed fails
    with pytest.raises(InputError, match="Dask is not installed.*grading-dask"):
        map_units(abs, [1, 2], executor="dask")


@pytest.mark.parametrize("name", ["threads", "dask://x", "host:8786"])
def test_unknown_executor_is_refused(name):
    with pytest.raises(InputError, match="expected 'processes', 'dask'"):
        check_executor(name)


def test_executor_keeps_the_order_of_the_units():
    assert map_units(abs, [-3, 1, -2], jobs=2, executor="processes") == [3, 1, 2]


# -- TOML submissions ---------------------------------------------------------------------------

def test_toml_and_markdown_submissions_give_identical_reports(tmp_path):
    key = parse_key(KEY, "key.toml")
    md, toml = tmp_path / "md", tmp_path / "toml"
    md.mkdir(), toml.mkdir()
    for name, text in TOML_STUDENTS.items():
        (md / f"{name}.md").write_text(STUDENTS[name], encoding="utf-8")
        (toml / f"{name}.toml").write_text(text, encoding="utf-8")
    reports = [_report_bytes(key, grade_class(key, [read_submission(f) for f in
                                                     sorted(folder.iterdir())]), tmp_path / out)
               for folder, out in [(md, "from-md"), (toml, "from-toml")]]
    assert reports[0] == reports[1]
    assert b'"sign flipped": 1' in reports[1]["class.json"]


def test_toml_parts_name_their_component():
    sub = read_submission_toml({"answers": {"grad": {"y": "x^2 + \\cos y", "x": "2xy"}}}, "s")
    r = grade_unit(parse_key(KEY, "key.toml").exercises[0], sub.answers["grad"], "s")
    assert (r.status, r.score) == ("correct", 4)


def test_toml_unreadable_answer_is_located_by_its_key():
    sub = read_submission_toml({"answers": {"deriv": {"x": "\\input{/etc/passwd}"}}}, "s")
    r = grade_unit(parse_key(KEY, "key.toml").exercises[1], sub.answers["deriv"], "s")
    assert r.status == "unreadable" and "answers.deriv.x: TeX primitive refused" in r.feedback[0]


@pytest.mark.parametrize("data, needle", [
    ({"answer": {}}, "unknown table 'answer'"),
    ({}, "no [answers] table"),
    ({"answers": {"grad": 3}}, "answers.grad: an answer must be a LaTeX string"),
    ({"answers": {"grad": {"x": ["2xy"]}}}, "answers.grad.x: an answer must be a LaTeX"),
])
def test_bad_toml_submission_names_file_and_key(data, needle):
    with pytest.raises(InputError, match="s.toml") as err:
        read_submission_toml(data, "s", "s.toml")
    assert needle in str(err.value)


def test_toml_syntax_error_names_the_file(tmp_path):
    path = tmp_path / "eve.toml"
    path.write_text("[answers\n", encoding="utf-8")
    with pytest.raises(InputError, match="eve.toml: not valid TOML"):
        read_submission(path)


# -- rubrics and LaTeX answers in keys ----------------------------------------------------------

def _key(**change):
    return parse_key({"exercise": [{**KEY["exercise"][0], **change}]}, "key.toml")


def test_points_per_component_and_deductions_per_kind():
    key = _key(points={"x": 3, "y": 1}, deductions={"sign flipped": 0.25})
    ex = key.exercises[0]
    assert ex.max_points == 4
    sub = read_submission_text(STUDENTS["bob"], "bob")  # ∂f/∂y with its sign flipped
    r = grade_unit(ex, sub.answers["grad"], "bob")
    assert (r.status, r.score) == ("partial", 3 + (1 - 0.25))
    # the default deduction is half the component's own points
    r = grade_unit(_key(points={"x": 3, "y": 1}).exercises[0], sub.answers["grad"], "bob")
    assert r.score == 3 + 0.5


@pytest.mark.parametrize("points", [{"x": 3}, {"x": 3, "y": 0}, {"x": 1, "y": 1, "z": 1}, "2"])
def test_bad_points_table_is_refused(points):
    with pytest.raises(InputError, match="exercise grad: field 'points'"):
        _key(points=points)


@pytest.mark.parametrize("answer", [
    r"\nabla f = \begin{pmatrix} 2xy \\ x^2 + \cos y \end{pmatrix}",
    [r"\frac{\partial f}{\partial y} = \cos(y) + x x", r"\frac{\partial f}{\partial x} = 2yx"],
])
def test_key_answer_in_latex_is_checked_at_load(answer):
    assert _key(answer_latex=answer).exercises[0].truth


@pytest.mark.parametrize("answer, needle", [
    (r"\nabla f = \begin{pmatrix} 2xy \\ x^2 - \cos y \end{pmatrix}", "not the derived truth"),
    (r"2xy + \def\x", "TeX primitive refused (answers are read, never run): '\\def' at "
                      "column 7"),
    (["2xy"], "needs one value per variable"),
    (3, "must be a LaTeX string"),
])
def test_bad_key_answer_names_file_exercise_field(answer, needle):
    with pytest.raises(InputError, match="key.toml: exercise grad: field 'answer_latex'") as e:
        _key(answer_latex=answer)
    assert needle in str(e.value)


def test_value_exercise_answer_latex():
    row = {**KEY["exercise"][1], "answer_latex": r"\frac{\partial f}{\partial x} = 12"}
    assert parse_key({"exercise": [row]}, "key.toml").exercises[0].kind == "derivative"
    with pytest.raises(InputError, match="not the derived truth"):
        parse_key({"exercise": [{**row, "answer_latex": "18"}]}, "key.toml")


# -- matrix answers ---------------------------------------------------------------------------

MATRIX = {"deductions": {"transposed": 1},
          "exercise": [{"id": "logdet", "kind": "matrix", "expr": "log(det(X))", "wrt": "X",
                        "points": 3, "answer_latex": "X^{-T}"}]}


@pytest.fixture(scope="module")
def matrix_key():
    return parse_key(MATRIX, "key.toml")


@pytest.mark.parametrize("answer, latex, status, score, kinds", [
    ("X^{-T}", True, "correct", 3, []),
    (r"\nabla_X f = (X^{-1})^\top", True, "correct", 3, []),
    ("inv(X).T", False, "correct", 3, []),
    ("X^{-1}", True, "partial", 2, ["transposed"]),       # the textbook slip
    ("-X^{-T}", True, "partial", 1.5, ["sign flipped"]),  # the default: half the points
    ("X", True, "incorrect", 0, []),
    (r"X^{-1} \def", True, "unreadable", 0, []),
])
def test_matrix_answers_graded_with_their_diagnosis(matrix_key, answer, latex, status, score,
                                                     kinds):
    r = grade_unit(matrix_key.exercises[0], [RawAnswer(answer, latex, 3)], "s")
    assert (r.status, r.score, [m["kind"] for m in r.mistakes]) == (status, score, kinds)
    assert all(m["certified"] and m["method"] == "numeric" for m in r.mistakes)


def test_matrix_key_errors():
    bad = {"exercise": [{**MATRIX["exercise"][0], "answer_latex": "X^{-1}"}]}
    with pytest.raises(InputError, match="exercise logdet: field 'answer_latex': the key's"):
        parse_key(bad, "key.toml")
    bad = {"exercise": [{**MATRIX["exercise"][0], "variables": ["X"]}]}
    with pytest.raises(InputError, match="field 'variables' does not belong to a matrix"):
        parse_key(bad, "key.toml")


def test_check_matrix_claim_in_latex_json(cli_json):
    code, d, _ = cli_json("check", "log(det(X))", "--wrt", "X", "--matrix",
                          "--claimed-latex", "X^{-1}")
    assert code == 1 and d["verdict"] == "incorrect" and d["claimed"] == "inv(X)"
    assert d["diagnosis"] == [{"component": "X", "kind": "transposed",
                               "detail": d["diagnosis"][0]["detail"], "certified": True,
                               "method": "numeric"}]
    cert = d["certificate"]
    assert (cert["precision"], cert["tolerance"]) == ("float64", 1e-7) and cert["reason"]
    code, d, _ = cli_json("check", "log(det(X))", "--wrt", "X", "--matrix",
                          "--claimed", "inv(X).T")
    assert code == 0 and d["diagnosis"] == []


def test_check_matrix_needs_one_claim(cli):
    code, _, err = cli("check", "log(det(X))", "--wrt", "X", "--matrix")
    assert code == 2 and "exactly one claim" in err


# -- hostile LaTeX in submissions -------------------------------------------------------------

@pytest.mark.parametrize("answer, needle", [
    (r"\input{/etc/passwd}", r"line 9: TeX primitive refused"),
    (r"\def\x{1} 2xy", r"line 9: TeX primitive refused"),
    (r"\write18{rm -rf /}", r"line 9: TeX primitive refused"),
    ("{" * 300 + "x" + "}" * 300, "line 9: nesting deeper than"),
    ("(" * 300 + "x" + ")" * 300, "line 9: nesting deeper than"),
    ("x+" * 50_000 + "x", "line 9: answer too long (100001 characters"),
])
def test_hostile_latex_is_unreadable_with_a_located_message(answer, needle):
    ex = parse_key(KEY, "key.toml").exercises[0]
    r = grade_unit(ex, [RawAnswer(answer, True, 9)], "s")
    assert (r.status, r.score, r.mistakes) == ("unreadable", 0, [])
    assert needle in r.feedback[-1]


# -- feedback PDFs ----------------------------------------------------------------------------

def _write_class(tmp_path: Path) -> tuple[Path, Path]:
    folder = tmp_path / "subs"
    folder.mkdir()
    for name, text in STUDENTS.items():
        (folder / f"{name}.md").write_text(text, encoding="utf-8")
    (folder / "eve.toml").write_text(TOML_STUDENTS["bob"], encoding="utf-8")
    key = tmp_path / "key.toml"
    key.write_text(KEY_TOML, encoding="utf-8")
    return folder, key


TEX = shutil.which("pdflatex") or shutil.which("latexmk")
needs_tex = pytest.mark.skipif(not TEX and not os.environ.get("CI"),
                               reason="TeX is not installed (CI installs it)")


@needs_tex
@pytest.mark.slow
def test_grade_command_writes_a_pdf_per_student(cli_json, tmp_path):
    folder, key = _write_class(tmp_path)
    code, d, _ = cli_json("grade", str(key), str(folder), "-o", str(tmp_path / "out"),
                          "-j", "1", "--pdf")
    assert code == 0 and d["pdfs"] == 5 and d["scores"]["eve"] == d["scores"]["bob"]
    for name in ("ann", "bob", "cat", "dan", "eve"):
        assert (tmp_path / "out" / "feedback" / f"{name}.pdf").read_bytes()[:5] == b"%PDF-"


def test_feedback_latex_escapes_what_students_wrote():
    from workbench.commands.feedback_pdf import feedback_latex

    tex = feedback_latex("HW 1 & 2", "o'neil_1", 1, 2, [
        ("e1", "", "unreadable", 0, 1, [r"line 3: '\input{x}' refused; 50% {off} $x$"])])
    assert r"\input{x}" not in tex and r"\textbackslash{}input\{x\}" in tex
    # safe inline math stays math (the whitelist of core.texmath); the rest is escaped
    assert r"50\% \{off\} $x$" in tex and r"HW 1 \& 2" in tex and r"o'neil\_1" in tex


@needs_tex
def test_failed_latex_run_names_the_student_file_and_keeps_the_log(tmp_path):
    from workbench.commands.feedback_pdf import PdfJob, write_pdfs
    from workbench.sheets.build import LatexError

    broken = PdfJob("ann", "subs/ann.md",
                    "\\documentclass{article}\\begin{document}\\undefinedthing\\end{document}")
    with pytest.raises(LatexError, match="LaTeX failed on subs/ann.md: Undefined control") as e:
        write_pdfs([broken], tmp_path)
    log = tmp_path / "ann.log"
    assert f"(log: {log})" in str(e.value) and "undefinedthing" in log.read_text()
    assert not (tmp_path / "ann.pdf").exists()


def test_pdf_without_tex_is_refused_before_grading(cli, tmp_path, monkeypatch):
    folder, key = _write_class(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path))  # no TeX on the path
    code, _, err = cli("grade", str(key), str(folder), "-o", str(tmp_path / "out"), "--pdf")
    assert code == 2 and "--pdf needs TeX" in err
    assert not (tmp_path / "out").exists()


def test_two_submissions_for_one_student_are_refused(cli, tmp_path):
    folder, key = _write_class(tmp_path)
    (folder / "ann.toml").write_text(TOML_STUDENTS["ann"], encoding="utf-8")
    code, _, err = cli("grade", str(key), str(folder), "-o", str(tmp_path / "out"))
    assert code == 2 and "two submissions for ann" in err


# -- the TOML reader, property-tested -----------------------------------------------------------

_IDS = st.text(alphabet="abcdefghij-0123456789", min_size=1, max_size=8)
_TEX = st.text(max_size=40)


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(_IDS, st.one_of(_TEX, st.lists(_TEX, max_size=3),
                                       st.dictionaries(_IDS, _TEX, max_size=3)), max_size=5))
def test_toml_reader_keeps_every_answer_in_order_and_locates_it(answers):
    sub = read_submission_toml({"answers": answers}, "s")
    assert list(sub.answers) == list(answers)
    for ex_id, value in answers.items():
        got = sub.answers[ex_id]
        if isinstance(value, dict):
            expected = [(t.strip(), part, f"answers.{ex_id}.{part}") for part, t in value.items()]
        elif isinstance(value, list):
            expected = [(t.strip(), "", f"answers.{ex_id}[{n}]") for n, t in enumerate(value)]
        else:
            expected = [(value.strip(), "", f"answers.{ex_id}")]
        assert [(a.text, a.part, a.where) for a in got] == expected
        assert all(a.latex for a in got)
