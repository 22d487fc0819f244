"""Proof files: TOML, validated field by field, every error located.

Layout (one proof per file)::

    [proof]
    id = "hw1-q1-beta-smooth-lemma"    # unique in the folder
    title = "The β-smooth lemma"
    source = "hw1 Question 1"
    statement = "If f is β-smooth then ..."   # prose
    dim = 3                                   # instance dimension (1..6, default 3)
    instances = 6                             # random instances per step (2..40)

    [proof.objects]                           # what the names are (see instances.KINDS)
    f = { kind = "smooth", beta = "beta" }    # binds the name beta to f's constant
    w1 = "vector"
    t = { kind = "scalar", min = 0, max = 1 }
    u = { define = "w1 - w2" }                # an expression in earlier objects
    rate = { define = "max(abs(1 - h*lmin), abs(1 - h*lmax))", args = ["h"] }

    [[proof.goal]]                            # what the proof establishes
    lhs = "..."; rel = "<="; rhs = "..."

    [[proof.step]]                            # a checked relation
    lhs = "f(w1) - f(w2) - grad(f, w2).T @ (w1 - w2)"   # omitted: continue the chain
    rel = "="                                 # = <= < >= >
    rhs = "..."
    why = "fundamental theorem of calculus"   # prose justification
    rule = "cauchy-schwarz"                   # required for inequalities (rules.RULES)
    assume = { eta = { min = "0", max = "2/(lmin + lmax)" } }   # a case: narrower ranges
    # an unbounded case is stated by one bound and sampled up to a window:
    # assume = { eta = { min = "etastar", sample_max = "4/lmax" } }    # η ≥ η*

    [[proof.step]]                            # a stated step: shown, not checked
    kind = "fact"                             # given | definition | hint | fact
    text = "A nonincreasing sequence bounded below converges."

    [[proof.claim]]                           # a statement of the source, checked
    statement = "R* = κ"
    lhs = "(kappa - 1)/(kappa + 1)"; rel = "="; rhs = "kappa"   # holds iff it verifies
    # or: refuted_by = [ {lhs, rel, rhs, why}, ... ]   holds = False iff all verify
    # objects = { ... }                       extra objects for a counterexample

Every error is an :class:`~workbench.core.errors.InputError` naming the file, the
proof, the step (or object, goal, claim) and the field.

>>> proof = parse({"proof": {"id": "p", "title": "t", "source": "s", "statement": "x",
...     "objects": {"x": "scalar"},
...     "step": [{"lhs": "(x + 1)**2", "rel": "=", "rhs": "x**2 + 2*x + 1"}]}})
>>> proof.steps[0].rel, sorted(o.name for o in proof.objects)
('=', ['x'])
>>> try:
...     parse({"proof": {"id": "p", "title": "t", "source": "s", "statement": "x",
...            "step": [{"lhs": "y", "rel": "=", "rhs": "1"}]}})
... except InputError as exc:
...     print(exc)
<memory>: proof 'p': step 1: field 'lhs': undeclared name(s) y (objects: none)
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

from ..core.errors import InputError
from ..core.tomlfile import read_toml
from .instances import KINDS, kind
from .language import BINDERS, DISPLAY_RELATIONS, RELATIONS, free_names, read_math
from .rules import RULES

STATED = ("given", "definition", "hint", "fact")
_PROOF_KEYS = {"id", "title", "source", "statement", "dim", "instances", "seed", "objects",
               "goal", "step", "claim", "notes"}
_BOUNDS = {"min", "max", "sample_min", "sample_max"}
_RELATION_KEYS = {"lhs", "rel", "rhs", "why", "rule", "assume", "instances"}
_STEP_KEYS = _RELATION_KEYS | {"kind", "text"}
_CLAIM_KEYS = _RELATION_KEYS | {"statement", "refuted_by", "objects"}


@dataclass
class ObjectSpec:
    name: str
    kind: str  # a KINDS key, or "define"
    params: dict[str, ast.expr] = field(default_factory=dict)
    binds: dict[str, str] = field(default_factory=dict)  # parameter -> new name
    flags: dict[str, bool] = field(default_factory=dict)
    args: tuple[str, ...] = ()  # a defined function's arguments
    tree: ast.expr | None = None  # a definition's expression
    text: str = ""


@dataclass
class Step:
    """A relation to check (kind 'relation') or a stated step (given, definition, hint, fact)."""

    number: int
    kind: str
    where: str
    text: str = ""
    lhs: ast.expr | None = None
    rel: str | None = None
    rhs: ast.expr | None = None
    continues: bool = False  # lhs is the previous step's rhs
    rule: str | None = None
    assume: dict[str, dict[str, ast.expr]] = field(default_factory=dict)
    instances: int | None = None

    @property
    def checked(self) -> bool:
        return self.kind == "relation"


@dataclass
class Claim:
    number: int
    statement: str
    where: str
    relations: list[Step]
    refutes: bool  # the relations are a counterexample: the claim holds iff they fail
    objects: list[ObjectSpec] = field(default_factory=list)
    why: str = ""


@dataclass
class Proof:
    path: Path
    id: str
    title: str
    source: str
    statement: str
    objects: list[ObjectSpec]
    steps: list[Step]
    goals: list[Step] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    dim: int = 3
    instances: int = 6
    seed: int = 0
    notes: str = ""

    @property
    def where(self) -> str:
        return f"{self.path}: proof '{self.id}'"


def load(path: str | Path) -> Proof:
    """Read and validate one proof file."""
    path = Path(path)
    return parse(read_toml(path, "proof"), path)


def parse(data: dict, path: str | Path = "<memory>") -> Proof:
    """Validate a proof already read from TOML (``path`` only names it in errors)."""
    path = Path(path)
    extra = set(data) - {"proof"}
    if extra or not isinstance(data.get("proof"), dict):
        raise InputError(f"{path}: needs exactly one [proof] table"
                         + (f" (unknown: {', '.join(sorted(extra))})" if extra else ""))
    return _proof(path, data["proof"])


def _proof(path: Path, raw: dict) -> Proof:
    pid = raw.get("id")
    if not isinstance(pid, str) or not pid.strip():
        raise InputError(f"{path}: [proof] field 'id': a non-empty string is required")
    where = f"{path}: proof '{pid}'"
    _keys(raw, _PROOF_KEYS, where)
    text = {k: _string(raw, k, where, required=k != "notes") for k in
            ("title", "source", "statement", "notes")}
    dim = _integer(raw, "dim", where, 3, 1, 6)
    instances = _integer(raw, "instances", where, 6, 2, 40)
    seed = _integer(raw, "seed", where, 0, 0, 2**31)
    objects = _objects(raw.get("objects", {}), where, set())
    names = _names(objects)
    steps = _steps(raw.get("step"), where, names)
    goals = [_relation(g, f"{where}: goal {i}", names, keys={"lhs", "rel", "rhs"}, goal=True)
             for i, g in enumerate(_tables(raw, "goal", where), 1)]
    claims = [_claim(c, i, where, objects) for i, c in enumerate(_tables(raw, "claim", where), 1)]
    return Proof(path, pid, text["title"], text["source"], text["statement"], objects, steps,
                 goals, claims, dim, instances, seed, text["notes"])


# ---------------------------------------------------------------- fields

def _keys(raw: dict, allowed: set[str], where: str) -> None:
    unknown = set(raw) - allowed
    if unknown:
        raise InputError(f"{where}: unknown field(s) {', '.join(sorted(unknown))} "
                         f"(allowed: {', '.join(sorted(allowed))})")


def _string(raw: dict, key: str, where: str, required: bool = True) -> str:
    value = raw.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{where}: field '{key}': a non-empty string is required")
    return value


def _integer(raw: dict, key: str, where: str, default: int, lo: int, hi: int) -> int:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise InputError(f"{where}: field '{key}': an integer in {lo}..{hi} is required, "
                         f"got {value!r}")
    return value


def _tables(raw: dict, key: str, where: str) -> list[dict]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise InputError(f"{where}: field '{key}': expected [[proof.{key}]] tables")
    return value


def _math(raw: dict, key: str, where: str) -> ast.expr:
    value = raw.get(key)
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = repr(value)
    if not isinstance(value, str):
        raise InputError(f"{where}: field '{key}': a math string is required")
    return read_math(value, f"{where}: field '{key}'")


# ---------------------------------------------------------------- objects

def _objects(raw, where: str, taken: set[str]) -> list[ObjectSpec]:
    if not isinstance(raw, dict):
        raise InputError(f"{where}: field 'objects': expected a table of name = kind")
    out: list[ObjectSpec] = []
    names = set(taken)
    for name, spec in raw.items():
        here = f"{where}: object '{name}'"
        if not name.isidentifier() or name in BINDERS:
            raise InputError(f"{here}: not a valid name")
        if name in names:
            raise InputError(f"{here}: defined twice")
        obj = _object(name, spec, here, names)
        out.append(obj)
        names.add(name)
        for bound in obj.binds.values():
            if bound in names:
                raise InputError(f"{here}: binds {bound!r}, which is already defined")
            names.add(bound)
    return out


def _object(name: str, spec, where: str, known: set[str]) -> ObjectSpec:
    if isinstance(spec, str):
        spec = {"kind": spec}
    if not isinstance(spec, dict):
        raise InputError(f"{where}: expected a kind name or a table")
    if "define" in spec:
        _keys(spec, {"define", "args"}, where)
        args = spec.get("args", [])
        if not isinstance(args, list) or not all(isinstance(a, str) and a.isidentifier()
                                                 for a in args):
            raise InputError(f"{where}: field 'args': a list of names is required")
        tree = _math(spec, "define", where)
        _declared(tree, known | set(args), f"{where}: field 'define'")
        return ObjectSpec(name, "define", args=tuple(args), tree=tree, text=spec["define"])
    kname = spec.get("kind")
    if not isinstance(kname, str):
        raise InputError(f"{where}: field 'kind': a kind name is required")
    k = kind(kname, f"{where}: field 'kind'")
    _keys(spec, {"kind", *k.exprs, *k.binds, *k.flags}, where)
    obj = ObjectSpec(name, kname)
    for key in k.exprs:
        if key in spec or key in k.defaults:
            raw = spec if key in spec else k.defaults
            obj.params[key] = _math(raw, key, where)
            _declared(obj.params[key], known, f"{where}: field '{key}'")
    for key in k.binds:
        if key in spec:
            bound = spec[key]
            if not isinstance(bound, str) or not bound.isidentifier():
                raise InputError(f"{where}: field '{key}': a new name is required")
            obj.binds[key] = bound
    for key in k.flags:
        if key in spec:
            if not isinstance(spec[key], bool):
                raise InputError(f"{where}: field '{key}': true or false is required")
            obj.flags[key] = spec[key]
    for key in k.required:
        if key not in obj.params:
            raise InputError(f"{where}: field '{key}': required by kind '{kname}'")
    return obj


def _names(objects: list[ObjectSpec]) -> dict[str, ObjectSpec]:
    """Every name the objects define (binds included) -> the object that defines it."""
    out = {}
    for obj in objects:
        out[obj.name] = obj
        for bound in obj.binds.values():
            out[bound] = obj
    return out


def _declared(tree: ast.expr, known: set[str], where: str) -> None:
    missing = sorted(free_names(tree) - known)
    if missing:
        listed = ", ".join(sorted(known)) or "none"
        raise InputError(f"{where}: undeclared name(s) {', '.join(missing)} "
                         f"(objects: {listed})")


def _callables_ok(tree: ast.expr, names: dict[str, ObjectSpec], where: str) -> None:
    """Calls of objects must go to callable objects, with their number of arguments."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.id
        if name in ("grad", "hess"):
            target = names.get(node.args[0].id)
            if target is None or target.kind == "define" or not KINDS[target.kind].function:
                raise InputError(f"{where}: {name}'s first argument {node.args[0].id!r} is not "
                                 "a function object (kind smooth or quadratic)")
            continue
        obj = names.get(name)
        if obj is None or obj.name != name:
            continue
        if obj.kind == "define":
            want = len(obj.args)
            if not want:
                raise InputError(f"{where}: {name} is a value, not a function")
        elif not KINDS[obj.kind].callable:
            raise InputError(f"{where}: {name} (kind {obj.kind}) cannot be called")
        else:
            want = 1
        if len(node.args) != want:
            raise InputError(f"{where}: {name} takes {want} argument(s), got {len(node.args)}")


# ---------------------------------------------------------------- steps and claims

def _steps(raw, where: str, names: dict[str, ObjectSpec]) -> list[Step]:
    if not isinstance(raw, list) or not raw or not all(isinstance(s, dict) for s in raw):
        raise InputError(f"{where}: needs at least one [[proof.step]]")
    steps: list[Step] = []
    previous: Step | None = None
    for i, item in enumerate(raw, 1):
        here = f"{where}: step {i}"
        kname = item.get("kind", "relation")
        if kname in STATED:
            _keys(item, {"kind", "text", "lhs", "rel", "rhs"}, here)
            steps.append(_stated(item, i, here))
            continue
        if kname != "relation":
            raise InputError(f"{here}: field 'kind': expected one of relation, "
                             f"{', '.join(STATED)}, got {kname!r}")
        _keys(item, _STEP_KEYS, here)
        step = _relation(item, here, names, previous=previous)
        step.number = i
        steps.append(step)
        previous = step
    return steps


def _stated(item: dict, number: int, where: str) -> Step:
    step = Step(number, item["kind"], where, text=_string(item, "text", where))
    if "rhs" in item or "lhs" in item:
        step.lhs = _math(item, "lhs", where) if "lhs" in item else None
        step.rhs = _math(item, "rhs", where)
        rel = item.get("rel", "=")
        if rel not in DISPLAY_RELATIONS:
            raise InputError(f"{where}: field 'rel': expected one of "
                             f"{', '.join(DISPLAY_RELATIONS)}, got {rel!r}")
        step.rel = rel
    return step


def _relation(item: dict, where: str, names: dict[str, ObjectSpec],
              previous: Step | None = None, keys: set[str] = _RELATION_KEYS,
              goal: bool = False) -> Step:
    _keys(item, keys, where)
    step = Step(0, "relation", where, text=item.get("why", ""))
    if not isinstance(step.text, str):
        raise InputError(f"{where}: field 'why': a string is required")
    if "lhs" in item:
        step.lhs = _math(item, "lhs", where)
    elif previous is not None:
        step.lhs, step.continues = previous.rhs, True
    else:
        raise InputError(f"{where}: field 'lhs': required (there is no previous step to "
                         "continue from)")
    step.rhs = _math(item, "rhs", where)
    rel = item.get("rel")
    if rel not in RELATIONS:
        raise InputError(f"{where}: field 'rel': expected one of {', '.join(RELATIONS)}, "
                         f"got {rel!r}")
    step.rel = rel
    known = set(names)
    for side in ("lhs", "rhs"):
        if side in item:
            _declared(getattr(step, side), known, f"{where}: field '{side}'")
            _callables_ok(getattr(step, side), names, f"{where}: field '{side}'")
    rule = item.get("rule")
    if rel != "=" and rule is None and not goal:
        raise InputError(f"{where}: field 'rule': an inequality must name its rule "
                         f"(known: {', '.join(sorted(RULES))})")
    if rule is not None and rule not in RULES:
        raise InputError(f"{where}: field 'rule': unknown rule {rule!r} "
                         f"(known: {', '.join(sorted(RULES))})")
    step.rule = rule
    step.assume = _assume(item.get("assume", {}), where, names)
    if "instances" in item:
        step.instances = _integer(item, "instances", where, 6, 2, 40)
    return step


def _assume(raw, where: str, names: dict[str, ObjectSpec]) -> dict[str, dict[str, ast.expr]]:
    if not isinstance(raw, dict):
        raise InputError(f"{where}: field 'assume': expected a table name = {{min, max}}")
    out = {}
    for name, bounds in raw.items():
        here = f"{where}: field 'assume': {name}"
        obj = names.get(name)
        if obj is None or obj.name != name or obj.kind not in ("scalar", "positive", "integer"):
            raise InputError(f"{here}: only scalar or integer objects can be narrowed")
        if not isinstance(bounds, dict) or not bounds or set(bounds) - _BOUNDS:
            raise InputError(f"{here}: expected {{ min = ..., max = ... }} (also "
                             "sample_min, sample_max: sampling limits of an unbounded case)")
        out[name] = {k: _math(bounds, k, here) for k in bounds}
        for tree in out[name].values():
            _declared(tree, set(names), here)
    return out


def _claim(raw: dict, number: int, where: str, objects: list[ObjectSpec]) -> Claim:
    here = f"{where}: claim {number}"
    _keys(raw, _CLAIM_KEYS, here)
    statement = _string(raw, "statement", here)
    extra = _objects(raw.get("objects", {}), here, set(_names(objects)))
    names = _names(objects + extra)
    if "refuted_by" in raw:
        if set(raw) & {"lhs", "rel", "rhs", "rule", "assume"}:
            raise InputError(f"{here}: give either a relation or refuted_by, not both")
        items = raw["refuted_by"]
        if not isinstance(items, list) or not items or not all(isinstance(x, dict)
                                                                for x in items):
            raise InputError(f"{here}: field 'refuted_by': a list of relations is required")
        relations = [_relation(x, f"{here}: counterexample {j}", names)
                     for j, x in enumerate(items, 1)]
        refutes = True
    else:
        relations = [_relation({k: v for k, v in raw.items()
                                if k in _RELATION_KEYS}, here, names)]
        refutes = False
    return Claim(number, statement, here, relations, refutes, extra, raw.get("why", ""))
