"""The exercise-file schema: every bad field refused at load time, located, exit 2.

Each case below is a one-exercise file with one mistake.  ``workbench verify``
and ``workbench sheet`` must both exit 2 with one line on stderr naming the
file, the exercise and the field, and write nothing; no task may have started
(the runner is replaced by one that fails the test if it is called).
"""

from __future__ import annotations

import glob
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.cli import main
from workbench.core.errors import InputError
from workbench.tasks import loader, runner
from workbench.tasks.registry import load_all
from workbench.tasks.schema import Field, read

HEADER = '[sheet]\ntitle = "T"\n\n[[exercise]]\nid = "q1"\n'

#: (task fields in TOML, the field the message must name, a word the reason contains)
BAD = [
    ('task = "critical"\nexpr = "x**2"\nclaimed = { minimun = "x=0" }', "claimed.minimun",
     "not a key"),
    ('task = "derive"\nexpr = "x**2*y"\nclaimed = { gradeint = ["2*x*y", "x**2"] }',
     "claimed.gradeint", "not a key"),
    ('task = "derive"\nexpr = "x**2"\nclaimed = 5', "claimed", "expected a table"),
    ('task = "derive"\nexpr = "x**2"\nclaimed = "2*x"', "claimed", "expected a table"),
    ('task = "derive"\nexpr = "__import__(\'os\')"', "expr", "column"),
    ('task = "derive"\nexpr = "9**9**9**9"', "expr", "exponent"),
    ('task = "derive"\nexpr = "x**2"\nat = "x=nan"', "at", "nan"),
    ('task = "derive"\nexpr = "x**2"\nclaimed = { gradient = ["2*x +"] }',
     "claimed.gradient", "syntax"),
    ('task = "proof"\nproof = "/etc/passwd"', "proof", "relative path"),
    ('task = "proof"\nproof = "../../../etc/passwd.toml"', "proof", "relative path"),
    ('task = "optimize"\nfunc = "beale"\nx0 = ["a", "b"]', "x0", "expected float"),
    ('task = "taylor"\nexpr = "exp(x)"\nat = "x=0"\norder = -3', "order", "below the minimum"),
    ('task = "convergence"\nd = 100000', "d", "over the limit"),
    ('task = "factorize"\nrank = 1000000000', "rank", "over the maximum"),
    ('task = "optimize"\nfunc = "beale"\nx0 = [0.7, 1.4]\nlr = -1', "lr", "greater than 0"),
    ('task = "optimize"\nfunc = "beale"\nx0 = [0.7, 1.4]\nlr = nan', "lr", "finite"),
    ('task = "rate"\neigs = ["0", "1"]', "eigs[0]", "greater than 0"),
    ('task = "derive"\nexpr = "x**2"\nwrt = ["x", "1y"]', "wrt", "not a variable name"),
    ('task = "derive"\nexpr = "x**2"\nhessian = "yes"', "hessian", "expected bool"),
    ('task = "critical"\nexpr = "x**2"\nanswer = { minimum = "x=" }', "answer.minimum",
     "empty"),
    ('task = "limit"\nexpr = "1/x"\nvar = "x"\nto = "0"\nclaimed = { value = "maybe" }',
     "claimed.value", "maybe"),
    ('task = "matrix"\nexpr = "x.T @ A @ x"\nwrt = "x"\nclaimed = { what = "gradient" }',
     "claimed.formula", "required"),
    ('task = "mlp"\nhidden = [100000]', "hidden[0]", "over the limit"),
    ('task = "derive"\nexpr = "x"\nsubstitute = { x = ' + "[" * 50 + "]" * 50 + " }",
     "substitute", "nested"),
]


@pytest.fixture
def no_tasks_run(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a task ran although the file is invalid")

    monkeypatch.setattr(runner, "run_all", refuse)


@pytest.mark.parametrize(("fields", "field", "reason"), BAD, ids=[b[1] for b in BAD])
def test_bad_field_exits_2_from_verify_and_sheet(tmp_path, capsys, no_tasks_run, fields,
                                                 field, reason):
    path = tmp_path / "bad.toml"
    path.write_text(HEADER + fields + "\n", encoding="utf-8")
    out = tmp_path / "out"
    for argv in (["verify", str(path)], ["sheet", str(path), "-o", str(out), "--no-progress"]):
        assert main(argv) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1, err
        assert f"{path}: exercise 'q1': field '{field}'" in err, err
        assert reason in err, err
    assert not out.exists() or not any(out.rglob("*"))


def test_toml_nested_5000_deep_is_refused_in_one_line(tmp_path, capsys, no_tasks_run):
    path = tmp_path / "deep.toml"
    path.write_text(HEADER + 'task = "derive"\nexpr = "x"\nwrt = ' + "[" * 5000 + "]" * 5000,
                    encoding="utf-8")
    out = tmp_path / "out"
    for argv in (["verify", str(path)], ["sheet", str(path), "-o", str(out), "--no-progress"]):
        assert main(argv) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and f"{path}: arrays or tables nested too deeply" in err
    assert not out.exists()


def test_unknown_sheet_key_and_unknown_field(tmp_path):
    path = tmp_path / "f.toml"
    path.write_text('[sheet]\ntitle = "T"\ntitel = "x"\n[[exercise]]\nid = "a"\n'
                    'task = "derive"\nexpr = "x"\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"\[sheet\]: unknown key\(s\): titel"):
        loader.load(path)
    path.write_text(HEADER + 'task = "derive"\nexpr = "x"\nwtr = ["x"]\n', encoding="utf-8")
    with pytest.raises(InputError, match="field 'wtr': not a field of task 'derive'"):
        loader.load(path)


def test_proof_inside_the_folder_tree_is_found(tmp_path):
    (tmp_path / "proofs").mkdir()
    (tmp_path / "proofs" / "p.toml").write_text("", encoding="utf-8")
    (tmp_path / "ex").mkdir()
    path = tmp_path / "ex" / "f.toml"
    path.write_text(HEADER + 'task = "proof"\nproof = "proofs/p.toml"\n', encoding="utf-8")
    assert loader.load(path).exercises[0].fields["proof"] == "proofs/p.toml"
    path.write_text(HEADER + 'task = "proof"\nproof = "proofs/q.toml"\n', encoding="utf-8")
    with pytest.raises(InputError, match="no proof file 'proofs/q.toml'"):
        loader.load(path)


# ---------------------------------------------------------------------------- one spelling


def test_variable_lists_read_the_same_in_both_spellings(tmp_path):
    path = tmp_path / "f.toml"
    for wrt in ('["x", "y"]', '"x, y"', '"x,y"'):
        path.write_text(HEADER + f'task = "derive"\nexpr = "x*y"\nwrt = {wrt}\n',
                        encoding="utf-8")
        assert loader.load(path).exercises[0].fields["wrt"] == ["x", "y"]
    path.write_text(HEADER + 'task = "matrix"\nexpr = "x.T @ A @ x"\nwrt = "x"\n'
                    'symmetric = "A"\n', encoding="utf-8")
    ex = loader.load(path).exercises[0]
    assert ex.fields["wrt"] == ["x"] and ex.fields["symmetric"] == ["A"]


@given(st.lists(st.from_regex(r"[a-z][a-z0-9_]{0,4}", fullmatch=True), min_size=1,
                max_size=5, unique=True))
@settings(max_examples=60, deadline=None)
def test_names_list_and_comma_string_agree(names):
    field = Field((str, list), kind="names")
    as_list = read(field, names, "wrt", Path("."))
    as_text = read(field, ", ".join(names), "wrt", Path("."))
    assert as_list == as_text == names


@given(st.integers(min_value=-10**12, max_value=10**12))
@settings(max_examples=80, deadline=None)
def test_integer_ranges_and_limits(n):
    field = Field(int, min=1, limit="dimension")
    if 1 <= n <= 500:
        assert read(field, n, "d", Path(".")) == n
    else:
        with pytest.raises(InputError, match=r"^d: "):
            read(field, n, "d", Path("."))


# ---------------------------------------------------------------------------- declarations


def test_every_task_declares_fields_as_schema_fields_with_a_doc_and_an_example():
    for name, spec in load_all().items():
        assert spec.example, f"task {name!r} has no example"
        for key, f in {**spec.required, **spec.optional, **spec.claims}.items():
            assert isinstance(f, Field) and f.doc, f"{name}.{key} has no documentation"


def test_every_example_is_a_valid_exercise(tmp_path):
    for name, spec in load_all().items():
        # the proof example names a file of this repository: the file is placed beside it
        folder = Path("exercises") if name == "proof" else tmp_path
        path = folder / f".example-{name}.toml"
        path.write_text(HEADER + f'task = "{name}"\n{spec.example}\n', encoding="utf-8")
        try:
            loader.load(path)
        finally:
            if name == "proof":
                path.unlink()


def test_course_files_load():
    files = sorted(glob.glob("exercises/*.toml"))
    assert len(files) == 5
    # [[exercise]] headers in the five files: beale 2, hw1 28, lab 9, notes 49, slides 46
    assert sum(len(loader.load(f).exercises) for f in files) == 134


# ---------------------------------------------------------------------------- answer keys

LIMIT = 'task = "limit"\nexpr = "((3 + h)**2 - 3**2)/h"\nvar = "h"\nto = "0"\n'   # = 6 (by hand)


@pytest.mark.parametrize(("keys", "code", "strict_code"), [
    ('answer = { value = "6" }', 0, 0),
    ('answer = { value = "5" }', 1, 1),
    ('claimed = { value = "5" }', 0, 1),
    ('claimed = { value = "6" }\nanswer = { value = "6" }', 0, 0),
    ('claimed = { value = "5" }\nanswer = { value = "6" }', 0, 1),
    ('claimed = { value = "6" }\nanswer = { value = "7" }', 1, 1),
])
def test_answer_is_asserted_claimed_is_judged(tmp_path, capsys, keys, code, strict_code):
    path = tmp_path / "key.toml"
    path.write_text(HEADER + LIMIT + keys + "\n", encoding="utf-8")
    assert main(["verify", str(path), "-j", "1", "--json"]) == code
    data = json.loads(capsys.readouterr().out)
    reasons = [f["reason"] for f in data["failed"]]
    if code:
        assert any(r.startswith("answer key: claimed limit $7$") or
                   r.startswith("answer key: claimed limit $5$") for r in reasons), reasons
    # claimed statements stay source claims; answer statements never are
    assert [c["holds"] for c in data["claims"]] == (
        [] if "claimed" not in keys else ['value = "6"' in keys.split("\n")[0]])
    assert main(["verify", str(path), "-j", "1", "--strict"]) == strict_code
    capsys.readouterr()


def test_wrong_answer_fails_the_sheet_and_names_the_exercise(tmp_path, capsys):
    path = tmp_path / "key.toml"
    path.write_text(HEADER + LIMIT + 'answer = { value = "5" }\n', encoding="utf-8")
    assert main(["sheet", str(path), "-o", str(tmp_path / "out"), "-j", "1",
                 "--no-progress", "--edition", "solutions", "--edition", "instructor"]) == 1
    assert "FAILED: q1" in capsys.readouterr().out
    # the student's sheet says the solution failed its checks; the instructor's names which
    tex = (tmp_path / "out" / "key.tex").read_text(encoding="utf-8")
    assert "Not verified." in tex and "\\boxed" not in tex
    tex = (tmp_path / "out" / "key-instructor.tex").read_text(encoding="utf-8")
    assert "checks FAILED: answer key: claimed limit $5$" in tex


@pytest.mark.slow
def test_an_answer_that_compares_nothing_fails(tmp_path, capsys):
    # a trace judges claimed/answer 'value' in reverse mode only: here nothing is compared
    path = tmp_path / "key.toml"
    path.write_text(HEADER + 'task = "trace"\nexpr = "x*y"\nat = "x=1,y=2"\n'
                    'mode = "forward"\nseed = "x"\nanswer = { value = "2" }\n',
                    encoding="utf-8")
    assert main(["verify", str(path), "-j", "1"]) == 1
    assert "answer key judged" in capsys.readouterr().out


# ---------------------------------------------------------------------------- the reference


def test_reference_is_generated_from_the_declarations():
    from workbench.tasks import reference

    text = reference.markdown()
    assert (Path(__file__).parents[1] / reference.PATH).read_text(encoding="utf-8") == text, \
        "docs/exercise-files.md is out of date: run python -m workbench.tasks.reference"
    for name, spec in load_all().items():
        assert f"## `{name}`" in text and spec.example in text
        for key in {**spec.required, **spec.optional, **spec.claims}:
            assert f"| `{key}` |" in text
