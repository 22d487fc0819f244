"""The ``proof`` task: a machine-checked proof, typeset step by step.

An exercise names a proof file (:mod:`workbench.proof.files`)::

    [[exercise]]
    id = "q1"
    task = "proof"
    source = "hw1 Question 1"
    proof = "proofs/hw1-q1-beta-smooth-lemma.toml"

The proof is verified (:func:`workbench.proof.check`) and rendered as numbered,
aligned chains ``lhs = … ≤ … = rhs`` with a ✓ per verified step, each step's
justification and how it was checked underneath, stated steps marked as
stated, the established goals boxed, and the source's claims with verdicts.
A relative ``proof`` path is looked up next to the exercise file, then in each
folder above it, then in the working directory.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from ..core.errors import InputError
from ..core.printing import inline_math
from ..proof import files as proof_files
from ..proof.instances import KINDS
from ..proof.language import DISPLAY_RELATIONS, tex_name, to_tex
from ..proof.rules import RULES
from ..proof.verifier import ProofResult, StepResult, check
from .model import Boxed, Code, Outcome, RawLatex, Text
from .registry import Context, Exercise, task
from .schema import Field

#: Shown characters of ``lhs rel rhs`` that fit on one row of a chain.
LINE = 50
_OK = r"\textcolor{green!50!black}{\ding{51}}"
_BAD = r"\textcolor{red!70!black}{\ding{55}}"


def locate(ex: Exercise, name: str) -> Path:
    """The proof file an exercise names, resolved as the module docstring says."""
    path = Path(name)
    if path.is_absolute():
        candidates = [path]
    else:
        here = Path(ex.file).resolve().parent
        candidates = [folder / path for folder in (here, *here.parents)] + [Path.cwd() / path]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise InputError(f"{ex.where('proof')}: no proof file {name!r} next to the exercise file, "
                     "above it, or in the working directory")


def _relation_tex(step) -> str:
    return DISPLAY_RELATIONS[step.rel]


def _case(step) -> str:
    """The case a step is restricted to, e.g. ``0 ≤ η ≤ η*``, as LaTeX."""
    parts = []
    for name, bounds in step.assume.items():
        lo = f"{to_tex(bounds['min'])} \\le " if "min" in bounds else ""
        hi = f" \\le {to_tex(bounds['max'])}" if "max" in bounds else ""
        parts.append(f"{lo}{tex_name(name)}{hi}")
    return r"\qquad\text{for } " + ",\\ ".join(parts) if parts else ""


def _width(tex: str) -> int:
    """A rough count of the characters ``tex`` shows (commands and braces dropped)."""
    return len(re.sub(r"\\[a-zA-Z]+|[{}^_ ]", "", tex))


def _chain_latex(results: list[StepResult]) -> str:
    """One aligned chain ``lhs rel rhs`` with a row per step, each tagged (n) ✓.

    The left side shares the first row when both fit on a line; else it gets its own.
    """
    lhs = to_tex(results[0].step.lhs)
    rows = []
    for r in results:
        mark = _OK if r.ok else _BAD
        rows.append(f"&{_relation_tex(r.step)} {to_tex(r.step.rhs)}{_case(r.step)}"
                    f" \\tag*{{({r.step.number})~{mark}}}")
    if _width(lhs) + _width(to_tex(results[0].step.rhs)) <= LINE:
        rows[0] = lhs + " " + rows[0]
    else:
        rows.insert(0, f"& {lhs}")
    return "\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}"


def _justification(r: StepResult) -> str:
    step = r.step
    why = step.text.rstrip(".") if step.text else "algebra"
    rule = f" [rule: {RULES[step.rule].title}]" if step.rule else ""
    verdict = "✓ " + r.detail if r.ok else "✗ FAILED: " + r.detail
    return f"({step.number}) {why}{rule}. {verdict}."


def _stated(r: StepResult) -> list:
    step = r.step
    blocks: list = [Text(f"({step.number}) {step.kind.capitalize()} (stated, not machine-checked): "
                         f"{step.text}")]
    if step.rhs is not None:
        lhs = to_tex(step.lhs) + " " if step.lhs is not None else ""
        blocks.append(RawLatex(f"\\[ {lhs}{_relation_tex(step)} {to_tex(step.rhs)} \\]"))
    return blocks


def _proof_blocks(result: ProofResult) -> list:
    """The proof body: stated steps as prose, relation chains as aligned displays."""
    blocks: list = []
    pending: list[StepResult] = []

    def flush():
        if pending:
            blocks.append(RawLatex(_chain_latex(pending)))
            blocks.append(Text("\n\n".join(_justification(r) for r in pending)))
            pending.clear()

    for r in result.steps:
        if r.status == "stated":
            flush()
            blocks.extend(_stated(r))
        elif r.step.continues and pending:
            pending.append(r)
        else:
            flush()
            pending.append(r)
    flush()
    return blocks


def _setting(proof) -> list:
    """How the objects are instantiated: a sentence, then one line of code per object."""
    parts = []
    for obj in proof.objects:
        if obj.kind == "define":
            args = f"({', '.join(obj.args)})" if obj.args else ""
            parts.append(f"{obj.name}{args} = {obj.text}")
            continue
        kind = KINDS[obj.kind]
        params = {k: ast.unparse(v) for k, v in obj.params.items()}
        text = kind.description.format_map(_Missing(params))
        given = [f"{k} = {v}" for k, v in params.items()
                 if "{" + k + "}" not in kind.description and v != kind.defaults.get(k)]
        given += [k for k, on in obj.flags.items() if on]
        given += [f"its {param} named {name}" for param, name in obj.binds.items()]
        parts.append(f"{obj.name}: {text}" + (f" ({', '.join(given)})" if given else ""))
    return [Text(f"Checked in dimension {inline_math(f'd = {proof.dim}')} on {proof.instances} "
                 "random instances per step (more where a step says so) of these objects:"),
            Code("\n".join(parts), "python")]


class _Missing(dict):
    def __missing__(self, key):
        return "?"


@task("proof", required={"proof": Field(str, "the proof file (TOML)", kind="proof_file")},
      example='''
proof = "proofs/hw1-q1-beta-smooth-lemma.toml"
''')
def proof(ex: Exercise, ctx: Context) -> Outcome:
    """A proof from proofs/, every step verified, rendered with its justifications."""
    if ex.claimed is not None:
        raise InputError(f"{ex.where('claimed')}: a proof exercise takes its claims from the "
                         "proof file ([[proof.claim]]), where they can be checked")
    loaded = proof_files.load(locate(ex, ex.fields["proof"]))
    result = check(loaded)
    out = Outcome()
    if not ex.statement:
        out.add(Text(f"Theorem. {loaded.statement}"))
    out.add(*_setting(loaded))
    out.add(*_proof_blocks(result))
    for r in result.steps:
        if r.status != "stated":
            label = "=" if r.step.rel == "=" else f"{r.step.rel} ({r.step.rule})"
            out.check(f"step {r.step.number}: {label}", r.ok, r.detail)
    for i, g in enumerate(result.goals, 1):
        out.check(f"goal {i} established", g.established, g.detail)
        if g.established and result.passed:
            out.add(Boxed("Proved" if len(result.goals) == 1 else f"Proved ({i})",
                          f"{to_tex(g.goal.lhs)} {_relation_tex(g.goal)} {to_tex(g.goal.rhs)}"))
    if not result.passed:
        out.add(Text("This proof did not verify: " + "; ".join(result.failures)))
    for c in result.claims:
        if c.holds is None:
            out.check(f"claim {c.claim.number} checked", False, c.detail)
        else:
            out.claim(c.claim.statement, c.holds, c.detail)
    if loaded.notes:
        out.add(Text(loaded.notes))
    return out
