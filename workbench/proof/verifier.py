"""The verifier: every step of a proof checked, every claim given a verdict.

For each step of a :class:`~workbench.proof.files.Proof`:

* **equality** ``lhs = rhs`` - first SymPy (:mod:`workbench.proof.symbolic`) when
  the step is scalar; when SymPy is inconclusive or the step involves vectors,
  matrices, functions or trajectories, both sides are evaluated on random
  instances in 50-digit arithmetic and must agree to a mixed relative error
  ‖lhs − rhs‖∞ / max(‖rhs‖∞, 1) ≤ :data:`EQUAL_TOL` (the measure of
  :mod:`workbench.certification.base`; widened by the
  quadrature's own error estimate, when an integral is involved);
* **inequality** - the named rule must exist, pass its own property test and
  apply to the step (:mod:`workbench.proof.rules`); then the step is
  property-tested on random instances of the proof's objects;
* **stated** steps (given, definition, hint, fact) are shown and reported as
  *stated, not checked*.

Goals are established when a chain of verified steps starts at the goal's left
side, reaches its right side, and its relations compose to the goal's relation
(= and ≤ give ≤; ≤ and ≥ give nothing).  Claims from the source are relations
too: a claim *holds* when it verifies; a claim given with ``refuted_by`` does
not hold when its counterexample verifies.

>>> from workbench.proof.files import parse
>>> proof = parse({"proof": {"id": "p", "title": "t", "source": "s", "statement": "x",
...     "objects": {"u": "vector", "v": "vector"},
...     "step": [{"lhs": "u.T @ v", "rel": "<=", "rhs": "norm(u)*norm(v)",
...               "rule": "cauchy-schwarz"}],
...     "claim": [{"statement": "uᵀv ≥ ‖u‖‖v‖", "lhs": "u.T @ v", "rel": ">=",
...                "rhs": "norm(u)*norm(v)", "rule": "cauchy-schwarz"}]}})
>>> result = check(proof)
>>> result.passed, result.steps[0].status, result.claims[0].holds
(True, 'verified', False)
"""

from __future__ import annotations

import ast
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import mpmath

from ..certification.base import DIGITS, mixed_error
from ..core.errors import BudgetExceeded, InputError
from . import files, rules
from .files import Claim, ObjectSpec, Proof, Step
from .instances import KINDS, Draw
from .language import mentions, same
from .numeric import EvaluationError, Evaluator, UserFunction, is_matrix, real, shape
from .symbolic import SymbolTable, prove_equal

#: Mixed relative error two 50-digit evaluations of equal expressions may differ by:
#: 20 digits of headroom for cancellation, eigenvalue iterations and differentiation.
EQUAL_TOL = mpmath.mpf(10) ** -30
#: Relative slack of an inequality (same reason; far below any real violation).
ORDER_TOL = mpmath.mpf(10) ** -30
#: What evaluating an expression on an instance may raise (reported, never propagated).
_EVAL_ERRORS = (EvaluationError, ArithmeticError, ValueError, TypeError)


# ---------------------------------------------------------------- results

@dataclass
class StepResult:
    """What happened to one step: ``proved`` (SymPy), ``verified`` (numerically),
    ``stated`` (shown, not checked) or ``failed``."""

    step: Step
    status: str
    method: str = ""
    detail: str = ""
    counterexample: bool = False  # failed because the relation is false on an instance

    @property
    def ok(self) -> bool:
        return self.status != "failed"

    @property
    def message(self) -> str:
        return f"{self.step.where}: {self.detail}"


@dataclass
class GoalResult:
    goal: Step
    established: bool
    detail: str


@dataclass
class ClaimResult:
    """``holds`` is None when the check itself failed (the verdict is unknown)."""

    claim: Claim
    holds: bool | None
    checks: list[StepResult]
    detail: str


@dataclass
class ProofResult:
    """The outcome of verifying one proof file."""

    proof: Proof
    steps: list[StepResult]
    goals: list[GoalResult] = field(default_factory=list)
    claims: list[ClaimResult] = field(default_factory=list)

    @property
    def file(self) -> str:
        return str(self.proof.path)

    @property
    def id(self) -> str:
        return self.proof.id

    @property
    def failures(self) -> list[str]:
        """One located line per problem: file, proof, step (or goal, claim), and why."""
        out = [s.message for s in self.steps if not s.ok]
        out += [f"{g.goal.where}: {g.detail}" for g in self.goals if not g.established]
        out += [f"{c.claim.where}: {c.detail}" for c in self.claims if c.holds is None]
        return out

    @property
    def passed(self) -> bool:
        return not self.failures

    # the vocabulary of exercise results, for commands that list both side by side
    @property
    def name(self) -> str:
        return self.id

    @property
    def ok(self) -> bool:
        return self.passed

    @property
    def reason(self) -> str:
        return "; ".join(self.failures)

    @property
    def checks(self) -> int:
        """How many machine checks ran: checked steps, goals and claim relations."""
        return (sum(1 for s in self.steps if s.status != "stated") + len(self.goals)
                + sum(len(c.checks) for c in self.claims))

    def to_dict(self) -> dict:
        return {
            "file": self.file, "proof": self.id, "title": self.proof.title,
            "source": self.proof.source, "passed": self.passed, "failures": self.failures,
            "steps": [{"step": s.step.number, "kind": s.step.kind, "rule": s.step.rule,
                       "status": s.status, "method": s.method, "detail": s.detail}
                      for s in self.steps],
            "goals": [{"goal": g.goal.where, "established": g.established, "detail": g.detail}
                      for g in self.goals],
            "claims": [{"claim": c.claim.number, "statement": c.claim.statement,
                        "holds": c.holds, "detail": c.detail} for c in self.claims],
        }


# ---------------------------------------------------------------- instances

class Sampler:
    """Random instances of a list of objects, reproducible and cached."""

    def __init__(self, proof: Proof, objects: list[ObjectSpec], salt: str = ""):
        self.proof = proof
        self.objects = objects
        self.salt = salt
        self._cache: dict[tuple, Evaluator] = {}

    def evaluator(self, j: int, step: Step) -> Evaluator:
        """The evaluator of instance ``j`` for ``step`` (its own instances if it narrows ranges)."""
        key = (j, step.number if step.assume else None, step.where if step.assume else None)
        if key not in self._cache:
            # the step's place within the proof, never the file's path: the instances, and
            # so the sheet, must not depend on where the checkout lives
            place = key[2].removeprefix(self.proof.where) if key[2] else None
            seed = f"{self.proof.id}:{self.proof.seed}:{self.salt}:{key[1]}:{place}:{j}"
            self._cache[key] = Evaluator(self.draw(random.Random(seed), j, step.assume),
                                         self.proof.dim)
        return self._cache[key]

    def draw(self, rng: random.Random, j: int, assume: dict) -> dict:
        env: dict = {}
        dim = self.proof.dim
        with mpmath.workdps(DIGITS):
            for obj in self.objects:
                if obj.kind == "define":
                    env[obj.name] = (UserFunction(obj.args, obj.tree) if obj.args
                                     else Evaluator(env, dim).value(obj.tree))
                    continue
                params = {**obj.params, **_sampling(assume.get(obj.name, {}))}
                values = {k: Evaluator(env, dim).value(t) for k, t in params.items()}
                value, extra = KINDS[obj.kind].make(Draw(rng, dim, j, values, obj.flags))
                env[obj.name] = value
                for param, bound in obj.binds.items():
                    env[bound] = extra[param]
        return env


def _sampling(bounds: dict) -> dict:
    """A case's bounds as drawing limits: ``sample_min`` stands in for a missing ``min``."""
    out = {k: v for k, v in bounds.items() if k in ("min", "max")}
    for end in ("min", "max"):
        if f"sample_{end}" in bounds:
            out[end] = bounds[f"sample_{end}"]
    return out


def _window(step: Step) -> str:
    """Where an unbounded case was sampled, for the evidence: ' (η sampled up to 4/lmax)'."""
    parts = [f"{name} sampled {'from' if end == 'min' else 'up to'} {ast.unparse(tree)}"
             for name, bounds in step.assume.items()
             for end in ("min", "max") if f"sample_{end}" in bounds
             for tree in [bounds[f"sample_{end}"]]]
    return f" ({'; '.join(parts)})" if parts else ""


def _scalars(env: dict) -> str:
    """The scalar objects of an instance, for a counterexample's message."""
    parts = [f"{k}={mpmath.nstr(v, 6)}" for k, v in env.items()
             if isinstance(v, mpmath.mpf)]
    return ", ".join(parts[:12])


# ---------------------------------------------------------------- one relation

def check_relation(step: Step, proof: Proof, sampler: Sampler, table: SymbolTable) -> StepResult:
    """Verify one relation step; failures carry a counterexample.

    A symbolic attempt that runs past its hard time limit fails the step, saying so.
    """
    try:
        return _check(step, proof, sampler, table)
    except BudgetExceeded as exc:
        return StepResult(step, "failed", "", str(exc))


def _check(step: Step, proof: Proof, sampler: Sampler, table: SymbolTable) -> StepResult:
    n = step.instances or proof.instances
    if step.rel == "=":
        lhs, rhs = table.build(step.lhs), table.build(step.rhs)
        if lhs is not None and rhs is not None:
            how = prove_equal(lhs, rhs)
            if how is not None:
                return StepResult(step, "proved", how, how)
        return _numeric_equal(step, sampler, n)
    problem = _rule_problem(step, sampler.objects)
    if problem:
        return StepResult(step, "failed", "", problem)
    return _numeric_order(step, sampler, n)


def _rule_problem(step: Step, objects: list[ObjectSpec]) -> str:
    rule = rules.RULES[step.rule]
    if step.rule in rules.self_test():
        return f"rule '{step.rule}' failed its own property test"
    used = _mentioned(mentions(step.lhs) | mentions(step.rhs), objects)
    if rule.needs and not used & set(rule.needs):
        return (f"rule '{step.rule}' ({rule.title}) does not apply: the step mentions none "
                f"of {', '.join(rule.needs)}")
    return ""


def _mentioned(names: set[str], objects: list[ObjectSpec]) -> set[str]:
    """``names`` plus everything the definitions among them mention, transitively."""
    trees = {o.name: o.tree for o in objects if o.kind == "define"}
    out, todo = set(), list(names)
    while todo:
        name = todo.pop()
        if name not in out:
            out.add(name)
            if name in trees:
                todo.extend(mentions(trees[name]))
    return out


def _sides(step: Step, sampler: Sampler, j: int):
    ev = sampler.evaluator(j, step)
    return ev, ev.value(step.lhs), ev.value(step.rhs)


def _numeric_equal(step: Step, sampler: Sampler, n: int) -> StepResult:
    worst = mpmath.mpf(0)
    for j in range(n):
        try:
            ev, a, b = _sides(step, sampler, j)
        except _EVAL_ERRORS as exc:
            return StepResult(step, "failed", "", f"cannot evaluate on instance {j + 1}: {exc}")
        if is_matrix(a) != is_matrix(b) or (is_matrix(a) and (a.rows, a.cols) !=
                                             (b.rows, b.cols)):
            return StepResult(step, "failed", "", f"the sides differ in shape: lhs is "
                              f"{shape(a)}, rhs is {shape(b)}")
        err = mixed_error(a, b)
        tol = EQUAL_TOL + 100 * ev.quadrature_error
        if not err <= tol:
            return StepResult(step, "failed", "", (
                f"lhs differs from rhs on instance {j + 1}: lhs = {_show(a)}, rhs = {_show(b)} "
                f"(relative error {mpmath.nstr(err, 3)}; {_scalars(ev.env)})"), True)
        worst = max(worst, err)
    how = f"{DIGITS}-digit evaluation on {n} random instances{_window(step)}"
    return StepResult(step, "verified", how,
                      f"{how}; largest relative difference {mpmath.nstr(worst, 2)}")


def _numeric_order(step: Step, sampler: Sampler, n: int) -> StepResult:
    tightest = mpmath.inf
    for j in range(n):
        try:
            ev, a, b = _sides(step, sampler, j)
            a, b = _scalar(a, "lhs"), _scalar(b, "rhs")
        except _EVAL_ERRORS as exc:
            return StepResult(step, "failed", "", f"cannot evaluate on instance {j + 1}: {exc}")
        small, big = (a, b) if step.rel in ("<=", "<") else (b, a)
        slack = ORDER_TOL + 100 * ev.quadrature_error
        if step.rel in ("<", ">"):
            # strict: the gap must stand out from the round-off of the values themselves
            margin = (big - small) / max(abs(a), abs(b), mpmath.mpf(10) ** -DIGITS)
            ok = margin > slack
        else:
            # non-strict: equality is allowed, so round-off near zero is absolute
            margin = (big - small) / max(1, abs(a), abs(b))
            ok = margin >= -slack
        if not ok:
            return StepResult(step, "failed", "", (
                f"{step.rel} fails on instance {j + 1}: lhs = {_show(a)}, rhs = {_show(b)} "
                f"({_scalars(ev.env)})"), True)
        tightest = min(tightest, margin)
    how = f"property test on {n} random instances ({DIGITS} digits){_window(step)}"
    return StepResult(step, "verified", how,
                      f"{how}; smallest relative margin {mpmath.nstr(tightest, 2)}")


def _scalar(x, side: str):
    x = real(x, side)
    if is_matrix(x):
        raise EvaluationError(f"an inequality compares scalars; the {side} is {shape(x)}")
    return x


def _show(x) -> str:
    if is_matrix(x):
        return "[" + ", ".join(mpmath.nstr(v, 8) for v in x) + "]"
    return mpmath.nstr(x, 12)


# ---------------------------------------------------------------- proofs

def symbol_table(objects: list[ObjectSpec], env: dict) -> SymbolTable:
    """Scalar objects become symbols, definitions are substituted.

    A scalar definition SymPy cannot represent (``lmin = entry(lam, 1)``) becomes
    an opaque real symbol: identities proved for every real value of it hold for
    the instances too.  ``env`` (one instance) tells which definitions are scalar.
    """
    scalars: dict[str, str] = {}
    definitions = {}
    for obj in objects:
        if obj.kind == "define":
            definitions[obj.name] = (obj.args, obj.tree)
            probe = SymbolTable(scalars, definitions)
            if not obj.args and isinstance(env.get(obj.name), mpmath.mpf) and \
                    probe.build(obj.tree) is None:
                del definitions[obj.name]
                scalars[obj.name] = "scalar"
            continue
        k = KINDS[obj.kind]
        if k.scalar:
            scalars[obj.name] = {"positive": "positive", "integer": "integer",
                                 "dimension": "integer"}.get(obj.kind, "scalar")
        for param, bound in obj.binds.items():
            if param == "beta":
                scalars[bound] = "positive"
            elif param == "min":
                scalars[bound] = "scalar"
    return SymbolTable(scalars, definitions)


def verify(path: str | Path, only: Iterable[int] | None = None) -> ProofResult:
    """Load and verify one proof file (``only``: just these step numbers)."""
    return check(files.load(path), only)


def _table(sampler: Sampler) -> SymbolTable:
    probe = Step(0, "relation", sampler.proof.where)
    try:
        env = sampler.evaluator(0, probe).env
    except _EVAL_ERRORS:
        env = {}  # the steps will report why no instance can be drawn
    return symbol_table(sampler.objects, env)


def check(proof: Proof, only: Iterable[int] | None = None) -> ProofResult:
    """Verify every step, goal and claim of a loaded proof."""
    wanted = set(only) if only is not None else None
    sampler = Sampler(proof, proof.objects)
    table = _table(sampler)
    results = []
    for step in proof.steps:
        if not step.checked:
            results.append(StepResult(step, "stated", "stated, not checked",
                                      f"{step.kind}: stated, not machine-checked"))
        elif wanted is None or step.number in wanted:
            results.append(check_relation(step, proof, sampler, table))
    if wanted is not None:
        return ProofResult(proof, results)
    goals = [_goal(g, proof.steps, results) for g in proof.goals]
    claims = [_claim(c, proof) for c in proof.claims]
    return ProofResult(proof, results, goals, claims)


def verify_all(folder: str | Path, skip: Iterable[str] = ()) -> list[ProofResult]:
    """Verify every ``*.toml`` proof in ``folder`` (sorted by name).

    ``skip``: file names (``x.toml``) loaded and validated but not checked.
    """
    skip = set(skip)
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"{folder}: no such proof folder")
    proofs = [files.load(p) for p in sorted(folder.glob("*.toml"))]
    seen: dict[str, Path] = {}
    for p in proofs:
        if p.id in seen:
            raise InputError(f"{p.path}: proof id '{p.id}' is also used by {seen[p.id]}")
        seen[p.id] = p.path
    return [check(p) for p in proofs if p.path.name not in skip]


# ---------------------------------------------------------------- goals and claims

_FLIP = {"<=": ">=", "<": ">", ">=": "<=", ">": "<", "=": "="}


def compose(a: str | None, b: str) -> str | None:
    """The relation a chain ``x a y b z`` gives between x and z (None: no conclusion).

    = is neutral; ≤ then < gives <; ≤ then ≥ gives nothing.
    """
    if a is None:
        return None
    if a == "=" or b == "=":
        return b if a == "=" else a
    if a[0] != b[0]:
        return None
    strict = a in ("<", ">") or b in ("<", ">")
    return a[0] if strict else a[0] + "="


def implies(have: str | None, want: str) -> bool:
    return have == want or (want in ("<=", ">=") and have in ("=", want[0]))


def _chains(steps: list[Step], results: list[StepResult]) -> list[list[tuple[Step, bool]]]:
    chains: list[list[tuple[Step, bool]]] = []
    ok = {r.step.number: r.ok for r in results}
    for step in steps:
        if not step.checked:
            continue
        if step.continues and chains:
            chains[-1].append((step, ok.get(step.number, False)))
        else:
            chains.append([(step, ok.get(step.number, False))])
    return chains


def _goal(goal: Step, steps: list[Step], results: list[StepResult]) -> GoalResult:
    for chain in _chains(steps, results):
        for lhs, rhs, want in ((goal.lhs, goal.rhs, goal.rel),
                               (goal.rhs, goal.lhs, _FLIP[goal.rel])):
            if not same(chain[0][0].lhs, lhs):
                continue
            rel: str | None = "="
            for k, (step, ok) in enumerate(chain):
                if not ok or step.assume:
                    break
                rel = compose(rel, step.rel)
                if same(step.rhs, rhs) and implies(rel, want):
                    first, last = chain[0][0].number, chain[k][0].number
                    span = f"step {first}" if first == last else f"steps {first}–{last}"
                    return GoalResult(goal, True, f"established by {span}")
    return GoalResult(goal, False, "no chain of verified steps establishes "
                      f"{ast.unparse(goal.lhs)} {goal.rel} {ast.unparse(goal.rhs)}")


def _claim(claim: Claim, proof: Proof) -> ClaimResult:
    objects = proof.objects + claim.objects
    sampler = Sampler(proof, objects, salt=f"claim{claim.number}")
    table = _table(sampler)
    checks = [check_relation(r, proof, sampler, table) for r in claim.relations]
    failed = [c for c in checks if not c.ok]
    if claim.refutes:
        if failed:
            return ClaimResult(claim, None, checks, "the counterexample did not verify: "
                               + failed[0].detail)
        return ClaimResult(claim, False, checks, "does not hold: " + (claim.why or "refuted "
                           "by a counterexample") + " (counterexample verified)")
    if failed and not failed[0].counterexample:
        return ClaimResult(claim, None, checks, "could not be checked: " + failed[0].detail)
    if failed:
        return ClaimResult(claim, False, checks, "does not hold: " + failed[0].detail)
    return ClaimResult(claim, True, checks, "holds: " + checks[0].detail)

