"""Grading: each (submission, exercise) pair is one independent unit of work.

A unit reads the student's answers for one exercise (LaTeX through
:mod:`workbench.core.latex`, code lines through the safe parser), compares them
with the exercise's truth (derived once, when the key was loaded), names each
certified mistake (:mod:`workbench.certification.diagnosis`) and scores it by the
key's rubric.  Units share nothing, so they run in a process pool; the class
report is assembled from their results in a fixed order, so it does not depend
on the number of workers.

Statuses: ``correct``; ``partial`` (some points); ``incorrect`` (none, the
answer was read); ``unreadable`` (an answer could not be read: its located
message is in the feedback, and it is not called wrong); ``missing``.

>>> from workbench.grading.key import parse_key
>>> from workbench.grading.submission import read_submission_text
>>> key = parse_key({"exercise": [{"id": "e1", "kind": "gradient", "expr": "x**2*y",
...                                "variables": ["x", "y"], "points": 2}]}, "k.toml")
>>> sub = read_submission_text("## e1\\n$$\\\\nabla f = \\\\begin{pmatrix} 2xy \\\\\\\\ -x^2 "
...                            "\\\\end{pmatrix}$$", "ann")
>>> r = grade_unit(key.exercises[0], sub.answers.get("e1"), "ann")
>>> r.status, r.score, [m["kind"] for m in r.mistakes]
('partial', 3.0, ['sign flipped'])
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import sympy as sp

from ..certification.diagnosis import diagnose, diagnose_matrix, diagnose_value
from ..core.errors import WorkbenchError
from ..core.latex import latex_to_matrix_text, read_answer
from ..core.parse import parse
from ..core.printing import to_text
from ..matrix_calculus.parse import read as read_matrix
from ..plots.grades import class_figure
from .executors import map_units
from .key import Key, KeyExercise
from .submission import RawAnswer, Submission

#: What each mistake kind means, in words for a student.
ADVICE = {
    "components swapped": "the partial derivatives are in the wrong places",
    "sign flipped": "check the signs when differentiating",
    "product rule half applied": "(uv)' = u'v + uv': both halves are needed",
    "chain rule factor missing": "the chain rule multiplies by the derivative of the inside",
    "exponent slip": "an exponent was copied wrong",
    "index slip": "one variable was written for another",
    "term dropped": "a term of the derivative is missing",
    "term added": "a term appears that is not in the derivative",
    "constant factor": "a constant factor is off",
    "evaluated at the wrong point": "the formula is right but evaluated at another point",
    "transposed": "the gradient with respect to a matrix or vector has that variable's shape",
    "assumed symmetric": "the answer is right only for a symmetric matrix, which was not given",
}


@dataclass
class UnitResult:
    student: str
    exercise: str
    status: str
    score: float
    max_score: float
    mistakes: list[dict] = field(default_factory=list)
    feedback: list[str] = field(default_factory=list)


class _Unreadable(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _read(ans: RawAnswer, variables: list[str] | None):
    """(component, values, is_vector, label) of one raw answer; unreadable -> _Unreadable."""
    try:
        if ans.latex:
            read = read_answer(ans.text, variables)
            # a TOML part names the component its answer does not name itself
            component = read.component or (ans.part if ans.part in (variables or []) else None)
            return component, read.values, read.gradient, read.label
        known = variables or []
        name = ans.name[1:] if ans.name.startswith("d") and ans.name[1:] in known else None
        return name, [parse(ans.text, variables)], False, ans.name
    except WorkbenchError as exc:
        raise _Unreadable(f"{ans.where}: {exc}") from None


def _read_value(ans: RawAnswer, variables: list[str]):
    """Like :func:`_read`, but helper names (a step h) may appear: they must cancel."""
    try:
        return _read(ans, variables)
    except _Unreadable:
        return _read(ans, None)


_NAME = re.compile(r"^\\?[A-Za-z]+(_(\{.*\}|\w))?$")


def _claims(ex: KeyExercise, answers: list[RawAnswer]) -> dict[str, sp.Expr]:
    """Claimed component per variable; a later answer for a component replaces an earlier."""
    out: dict[str, sp.Expr] = {}
    order = iter(ex.variables)
    for ans in answers:
        component, values, is_vector, _ = _read(ans, ex.variables)
        if is_vector and len(values) == len(ex.variables):
            out.update(zip(ex.variables, values, strict=True))
        elif len(values) == 1:
            out[component or next(order, ex.variables[-1])] = values[0]
        else:
            raise _Unreadable(f"{ans.where}: {len(values)} values where "
                              f"{len(ex.variables)} belong")
    return out


def grade_unit(ex: KeyExercise, answers: list[RawAnswer] | None, student: str) -> UnitResult:
    """Grade one student's answers to one exercise (see the module docstring)."""
    result = UnitResult(student, ex.id, "missing", 0.0, ex.max_points)
    if not answers:
        result.feedback.append("no answer found under this exercise's heading")
        return result
    try:
        if ex.kind == "gradient":
            _grade_gradient(ex, _claims(ex, answers), result)
        elif ex.kind == "matrix":
            _grade_matrix(ex, answers, result)
        else:
            _grade_value(ex, answers, result)
    except _Unreadable as exc:
        result.status = "unreadable"
        result.feedback.append(f"the answer could not be read: {exc.message}")
    return result


def _grade_gradient(ex: KeyExercise, claims: dict[str, sp.Expr], result: UnitResult) -> None:
    present = [v for v in ex.variables if v in claims]
    for v in ex.variables:
        if v not in claims:
            result.feedback.append(f"∂f/∂{v}: no answer")
    if not present:
        raise _Unreadable("no answer names a component of the gradient")
    # a missing component is scored 0 above; it takes the truth's place only so that the
    # others can be checked together
    full = [claims.get(v, t) for v, t in zip(ex.variables, ex.truth, strict=True)]
    d = diagnose(ex.f, full, ex.variables)
    wrong = {ex.variables[i] for i in d.check.wrong_components}
    by_component: dict[str, list] = {}
    for m in d.mistakes:
        by_component.setdefault(m.component, []).append(m)
    for v in present:
        _score_component(ex, v, v in wrong, by_component.get(v, []), result)
    if d.check.counterexample and wrong - set(by_component):
        c = d.check.counterexample
        at = ", ".join(f"{k} = {val:.6g}" for k, val in c["point"].items())
        result.feedback.append(f"a point where the claim is off: ({at})")
    _status(result)


def _score_component(ex, v: str, wrong: bool, mistakes: list, result: UnitResult) -> None:
    if not wrong:
        result.score += ex.points_of(v)
        result.feedback.append(f"∂f/∂{v}: correct")
        return
    if not mistakes:
        result.feedback.append(f"∂f/∂{v}: incorrect (no single mistake explains it)")
        return
    lost = sum(ex.deduction(m.kind, v) for m in mistakes)
    result.score += max(0.0, ex.points_of(v) - lost)
    for m in mistakes:
        result.mistakes.append(m.to_dict())
        result.feedback.append(f"∂f/∂{v}: {m.kind}: {m.detail}; {ADVICE.get(m.kind, '')} "
                               f"(−{ex.deduction(m.kind, v):g})")


def _grade_value(ex: KeyExercise, answers: list[RawAnswer], result: UnitResult) -> None:
    """The last readable single value is the answer; a chain's helper names (a step h)
    may appear as long as they cancel."""
    value, problem = None, None
    for ans in answers:
        try:
            component, values, _, label = _read_value(ans, ex.variables)
        except _Unreadable as exc:
            problem = exc
            continue
        if len(values) != 1 or component not in (None, ex.wrt):
            continue
        if component is None and _NAME.match(label.replace(" ", "")):
            continue  # "y = ...", "h = ...": a quantity on the way, not the answer
        value = values[0]
    if value is None:
        raise problem or _Unreadable("no answer is the asked derivative")
    value = value if not value.free_symbols else sp.simplify(value)
    if value.free_symbols:
        names = ", ".join(sorted(map(str, value.free_symbols)))
        raise _Unreadable(f"the answer is not a number (it still has {names})")
    d = diagnose_value(ex.f, ex.wrt if ex.kind == "derivative" else None, ex.at, value,
                       ex.variables)
    name = f"∂f/∂{ex.wrt}" if ex.kind == "derivative" else "the value"
    if d.correct:
        result.score = ex.points
        result.feedback.append(f"{name}: correct")
    else:
        result.feedback.append(f"{name}: claimed {to_text(value)}, true {to_text(d.true)}")
        for m in d.mistakes:
            result.score = max(0.0, ex.points - ex.deduction(m.kind))
            result.mistakes.append(m.to_dict())
            result.feedback.append(f"{name}: {m.kind}: {m.detail}; {ADVICE[m.kind]}")
    _status(result)


def _grade_matrix(ex: KeyExercise, answers: list[RawAnswer], result: UnitResult) -> None:
    """The last answer is the claimed gradient: LaTeX (X^{-T}) or NumPy text (inv(X).T)."""
    ans = answers[-1]
    try:
        claimed = (latex_to_matrix_text(ans.text, ex.scalars) if ans.latex
                   else check_matrix_text(ans.text))
    except WorkbenchError as exc:
        raise _Unreadable(f"{ans.where}: {exc}") from None
    d = diagnose_matrix(ex.derivation, claimed)
    name = f"∇_{ex.wrt} f"
    if d.correct:
        result.score = ex.points
        result.feedback.append(f"{name}: correct")
    elif not d.mistakes:
        result.feedback.append(f"{name}: incorrect (no single mistake explains it)")
    for m in d.mistakes:
        result.score = max(0.0, ex.points - ex.deduction(m.kind))
        result.mistakes.append(m.to_dict())
        result.feedback.append(f"{name}: {m.kind}: {m.detail}; {ADVICE.get(m.kind, '')} "
                               f"(−{ex.deduction(m.kind):g})")
    _status(result)


def check_matrix_text(text: str) -> str:
    """A code answer to a matrix exercise, checked by the matrix parser's reader (not run)."""
    read_matrix(text)
    return text


def _status(result: UnitResult) -> None:
    if result.score >= result.max_score:
        result.status = "correct"
    else:
        result.status = "partial" if result.score > 0 else "incorrect"


def _memo(ex: KeyExercise, answers: list[RawAnswer] | None) -> tuple:
    """What a unit's result depends on: the exercise and the answers as written."""
    return (ex.id, tuple((a.text, a.latex, a.name, a.where, a.part) for a in answers or ()))


def _run(unit: tuple[KeyExercise, list[RawAnswer] | None]) -> UnitResult:
    return grade_unit(unit[0], unit[1], "")


def grade_class(key: Key, submissions: list[Submission], jobs: int = 1,
                executor=None) -> list[UnitResult]:
    """Every (submission, exercise) unit, in submission then key order.

    In a class many students write the same answer: each distinct (exercise,
    answers) unit is graded once, where ``executor`` says (this process, a
    process pool of ``jobs`` workers, or a Dask cluster: see
    :func:`workbench.grading.executors.map_units`), and its result is given to
    every student who wrote it.  The results do not depend on where they ran.
    """
    units = [(ex, sub.answers.get(ex.id), sub.student)
             for sub in submissions for ex in key.exercises]
    distinct: dict[tuple, tuple] = {}
    for ex, answers, _ in units:
        distinct.setdefault(_memo(ex, answers), (ex, answers))
    graded = map_units(_run, list(distinct.values()), jobs, executor)
    by_memo = dict(zip(distinct, graded, strict=True))
    out = []
    for ex, answers, student in units:
        r = by_memo[_memo(ex, answers)]
        out.append(replace(r, student=student, mistakes=list(r.mistakes),
                           feedback=list(r.feedback)))
    return out


# -- reports -----------------------------------------------------------------------------------

def write_reports(key: Key, results: list[UnitResult], out: Path) -> dict:
    """feedback/<student>.md, class.csv, class.json and class.png (the score distribution
    and the most common mistakes) under ``out``; returns the JSON."""
    (out / "feedback").mkdir(parents=True, exist_ok=True)
    students: dict[str, list[UnitResult]] = {}
    for r in results:
        students.setdefault(r.student, []).append(r)
    for student, rows in students.items():
        (out / "feedback" / f"{student}.md").write_text(_feedback(key, student, rows),
                                                        encoding="utf-8")
    ids = [e.id for e in key.exercises]
    with open(out / "class.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["student", *ids, "total", "max"])
        for student, rows in students.items():
            w.writerow([student, *(f"{r.score:g}" for r in rows),
                        f"{sum(r.score for r in rows):g}", f"{sum(r.max_score for r in rows):g}"])
    summary = {
        "key": key.title,
        "exercises": ids,
        "students": [{"student": s, "total": sum(r.score for r in rows),
                      "max": sum(r.max_score for r in rows),
                      "exercises": {r.exercise: {k: v for k, v in asdict(r).items()
                                                 if k not in ("student", "exercise")}
                                    for r in rows}}
                     for s, rows in students.items()],
        "mistakes_by_kind": {ex: dict(Counter(m["kind"] for r in results if r.exercise == ex
                                              for m in r.mistakes)) for ex in ids},
        "status_counts": dict(Counter(r.status for r in results)),
    }
    (out / "class.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False),
                                    encoding="utf-8")
    class_figure([s["total"] for s in summary["students"]],
                 sum(e.max_points for e in key.exercises), summary["mistakes_by_kind"],
                 [out / "class.png"])
    return summary


def _feedback(key: Key, student: str, rows: list[UnitResult]) -> str:
    total, top = sum(r.score for r in rows), sum(r.max_score for r in rows)
    lines = [f"# {key.title}: feedback for {student}", "", f"Score: {total:g} / {top:g}", ""]
    for r in rows:
        ex = key.exercise(r.exercise)
        lines += [f"## {r.exercise}" + (f": {ex.title}" if ex.title else ""), "",
                  f"{r.status}, {r.score:g} / {r.max_score:g}", ""]
        lines += [f"- {line}" for line in r.feedback] + [""]
    return "\n".join(lines)
