r"""Diagnosing a wrong gradient: which mistake, certified, explains the claim?

:func:`~.claims.check_claim` says *that* a claimed partial derivative c is wrong
(with a counterexample).  A grader also wants to know *what* went wrong.  The
difference g = c − t between the claim and the truth t is a fingerprint: each
kind of mistake leaves its own.  For a term T of the truth, or a term X of the
claim,

=========================  =====================================  ============================
mistake                    the claim is                            fingerprint g = c − t
=========================  =====================================  ============================
components swapped         ∂f/∂y given for ∂f/∂x                   t_y − t_x
sign flipped               −t, or a term with its sign flipped     −2t, 2X or −2T
product rule half applied  (uv)' = u'v only                        −u v' (inside its context)
chain rule factor missing  F'(u) without u'                        t with u' set to 1, minus t
exponent or index slip     y² written for y³, x₁ for x₂            X − X[y² → y³]
constant factor            k t, or k T for one term                (k − 1) t, (k − 1) T
term dropped / added       t − T, t + X                            −T, X
=========================  =====================================  ============================

Each row of :data:`RULES` generates hypotheses (a kind, words for a student, and
the fingerprint e it predicts).  A hypothesis explains the claim when g = e,
that is when the claim with that one mistake undone, c − e, equals t.  Nothing
is named on resemblance: a mistake is reported only when it is **certified**,

* ``symbolic``: ``simplify(c − e − t) == 0`` proves it (under a time budget), or
* ``numeric``: c − e and t agree to 1e-30 (relative) at every one of ten random
  points evaluated in 50-digit arithmetic; both formulas are exact, so only a
  true identity agrees to 30 digits at random points.

When no single mistake explains the claim, pairs of mistakes in different terms
are tried (g = e₁ + e₂).  Otherwise the diagnosis is empty and the verdict stays
"incorrect" with its counterexample.

The module stays whole although it is over 500 lines: it is one concept, the
fingerprint rule table and the certification of each hypothesis it generates
(symbolic, or numeric at 50 digits), and the diagnosis of a numeric answer
reuses that same table.

>>> d = diagnose("x**2*y + y**3", ["2*x*y", "x**2 + 3*y**3"])
>>> [(m.component, m.kind) for m in d.mistakes]
[('y', 'exponent slip')]
>>> diagnose("x**2*y", ["2*x*y", "x**2"]).mistakes
[]
"""

from __future__ import annotations

import contextlib
import html
import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import mpmath
import numpy as np
import sympy as sp

from ..backends.compile import compile
from ..core import budget, coerce
from ..core.errors import InputError, WorkbenchError
from ..core.parse import parse_number
from ..core.printing import to_text
from ..symbolic.calculus import gradient, symbols
from .base import DIGITS, TOLERANCES, tolerance
from .claims import ClaimCheck, check_claim, parse_claim
from .scalar import random_points

#: agreement (mixed relative, at 50 digits) that certifies an identity at a random point
TOL = mpmath.mpf("1e-30")
N_POINTS = 10
#: largest numerator or denominator of a constant factor worth naming (3/2, 1/2, 2, -1/3 ...)
MAX_FACTOR = 24


@dataclass(frozen=True)
class Mistake:
    """One certified mistake in one component of a claimed gradient."""

    component: str
    kind: str
    detail: str
    method: str  # symbolic | numeric (50 digits, random points)
    #: the claimed component with the mistake(s) undone: equal to the truth, certified
    corrected: sp.Expr = field(default=sp.S.Zero, compare=False, repr=False)

    def to_dict(self) -> dict:
        return {"component": self.component, "kind": self.kind, "detail": self.detail,
                "certified": True, "method": self.method}


@dataclass
class Diagnosis:
    """The claim's verdict (from :func:`check_claim`) and the certified mistakes."""

    check: ClaimCheck
    mistakes: list[Mistake] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        return self.check.verdict

    def to_dict(self) -> dict:
        """The ``workbench check --json`` object: the claim check and a ``diagnosis`` key."""
        return {**self.check.to_dict(), "diagnosis": [m.to_dict() for m in self.mistakes]}

    def __str__(self) -> str:
        """The text of ``workbench check``: the verdict, then each certified mistake."""
        return "\n".join([str(self.check)] + [
            f"  ∂f/∂{m.component}: {m.kind}: {m.detail} (certified {m.method})"
            for m in self.mistakes])

    def _repr_html_(self) -> str:
        items = "".join(f"<li>∂f/∂{html.escape(m.component)}: {html.escape(m.kind)}: "
                        f"{html.escape(m.detail)} (certified {m.method})</li>"
                        for m in self.mistakes)
        return self.check._repr_html_() + (f"<ul>{items}</ul>" if items else "")


@dataclass(frozen=True)
class Hypothesis:
    kind: str
    detail: str
    effect: sp.Expr  # the predicted claim − truth
    local: bool = True  # confined to a term: may combine with a mistake in another term


@dataclass
class _Context:
    f: sp.Expr
    xs: list[sp.Symbol]
    i: int
    truth: list[sp.Expr]
    claim: sp.Expr

    @property
    def x(self) -> sp.Symbol:
        return self.xs[self.i]

    @property
    def t(self) -> sp.Expr:
        return self.truth[self.i]


def _terms(e: sp.Expr) -> list[sp.Expr]:
    return list(sp.Add.make_args(e))


def _show(e: sp.Expr) -> str:
    return to_text(e)


def _d(ctx: _Context, name: str | None = None) -> str:
    return f"∂f/∂{name or ctx.x.name}"


# -- the rule table: one generator per kind of mistake ---------------------------------------

def _swapped(ctx: _Context) -> Iterable[Hypothesis]:
    for j, other in enumerate(ctx.truth):
        if j != ctx.i:
            yield Hypothesis("components swapped",
                             f"{_d(ctx, ctx.xs[j].name)} is given for {_d(ctx)}",
                             other - ctx.t, local=False)


def _sign_whole(ctx: _Context) -> Iterable[Hypothesis]:
    yield Hypothesis("sign flipped", f"the sign of the whole of {_d(ctx)} is flipped",
                     -2 * ctx.t, local=False)


def _sign_term(ctx: _Context) -> Iterable[Hypothesis]:
    for X in _terms(ctx.claim):
        yield Hypothesis("sign flipped", f"the term {_show(X)} should be {_show(-X)}", 2 * X)
    for T in _terms(ctx.t):
        yield Hypothesis("sign flipped", f"the term {_show(T)} has the wrong sign", -2 * T)


def _subexpressions(e: sp.Expr, keep: Callable[[sp.Expr], bool]) -> list[sp.Expr]:
    seen, out = set(), []
    for node in sp.preorder_traversal(e):
        if node not in seen and keep(node):
            seen.add(node)
            out.append(node)
    return out


def _product_half(ctx: _Context) -> Iterable[Hypothesis]:
    x, D = ctx.x, sp.Dummy("held")
    products = _subexpressions(ctx.f, lambda n: n.is_Mul and sum(
        a.has(x) for a in n.args) >= 2)
    for M in products:
        for u in (a for a in M.args if a.has(x)):
            held = M.xreplace({u: u.xreplace({x: D})})
            half = sp.diff(ctx.f.xreplace({M: held}), x).xreplace({D: x})
            yield Hypothesis("product rule half applied",
                             f"in the product {_show(M)} the derivative of {_show(u)} "
                             "is left out (the product rule needs both halves)", half - ctx.t)


def _inner(node: sp.Expr, x: sp.Symbol) -> sp.Expr | None:
    """The inner argument u of F(u) or u**k (constant k), when it depends on x and is not x."""
    if isinstance(node, sp.Function) and len(node.args) == 1:
        u = node.args[0]
    elif node.is_Pow and not node.exp.has(x):
        u = node.base
    else:
        return None
    return u if u.has(x) and u != x else None


def _chain(ctx: _Context) -> Iterable[Hypothesis]:
    x, D = ctx.x, sp.Dummy("shift")
    for F in _subexpressions(ctx.f, lambda n: _inner(n, ctx.x) is not None):
        u = _inner(F, x)
        shifted = F.xreplace({u: x + D}) if not F.is_Pow else (x + D) ** F.exp
        missing = sp.diff(ctx.f.xreplace({F: shifted}), x).xreplace({D: u - x})
        yield Hypothesis("chain rule factor missing",
                         f"the inner derivative ∂({_show(u)})/∂{x.name} = "
                         f"{_show(sp.diff(u, x))} of {_show(F)} is missing", missing - ctx.t)


def _powers(e: sp.Expr) -> list[sp.Expr]:
    return _subexpressions(e, lambda n: n.is_Pow and n.exp.is_Rational and n.exp != -1
                           and bool(n.base.free_symbols))


def _exponent(ctx: _Context) -> Iterable[Hypothesis]:
    for X in _terms(ctx.claim):
        for P in _powers(X):
            for k in (1, -1):
                right = P.base ** (P.exp + k)
                fixed = X.xreplace({P: right})
                yield Hypothesis("exponent slip", f"{_show(P)} is written for {_show(right)} "
                                 f"in the term {_show(X)}", X - fixed)
    for T in _terms(ctx.t):
        for P in _powers(T):
            for k in (1, -1):
                slip = P.base ** (P.exp + k)
                yield Hypothesis("exponent slip", f"{_show(slip)} is written for {_show(P)}",
                                 T.xreplace({P: slip}) - T)


def _index(ctx: _Context) -> Iterable[Hypothesis]:
    for X in _terms(ctx.claim):
        for a, b in itertools.permutations(ctx.xs, 2):
            if X.has(a):
                yield Hypothesis("index slip", f"{a.name} is written for {b.name} in the term "
                                 f"{_show(X)}", X - X.xreplace({a: b}))
    for T in _terms(ctx.t):
        for a, b in itertools.permutations(ctx.xs, 2):
            if T.has(a):
                slip = T.xreplace({a: b})
                yield Hypothesis("index slip", f"{b.name} is written for {a.name}: "
                                 f"{_show(slip)} instead of {_show(T)}", slip - T)


def _dropped(ctx: _Context) -> Iterable[Hypothesis]:
    for T in _terms(ctx.t):
        yield Hypothesis("term dropped", f"the term {_show(T)} is missing", -T)


def _added(ctx: _Context) -> Iterable[Hypothesis]:
    for X in _terms(ctx.claim):
        yield Hypothesis("term added", f"the term {_show(X)} does not belong", X)


#: The rule table, most specific first: the first certified hypothesis names the mistake.
RULES: list[tuple[str, Callable[[_Context], Iterable[Hypothesis]]]] = [
    ("components swapped", _swapped),
    ("sign flipped", _sign_whole),
    ("sign flipped", _sign_term),
    ("product rule half applied", _product_half),
    ("chain rule factor missing", _chain),
    ("exponent slip", _exponent),
    ("index slip", _index),
    ("term dropped", _dropped),
    ("term added", _added),
]
#: Constant factors are found from values (k = c/t at a point) after the table's rows.
FACTOR_KIND = "constant factor"


def _hypotheses(ctx: _Context) -> list[Hypothesis]:
    out, seen = [], set()
    for _, rule in RULES:
        for h in rule(ctx):
            if h.effect != 0 and h.effect not in seen:
                seen.add(h.effect)
                out.append(h)
    return out


# -- numeric evidence at 50 digits -------------------------------------------------------------

#: what evaluating a formula outside its domain raises in mpmath
_MATH_ERRORS = (ZeroDivisionError, ValueError, OverflowError, TypeError)


def _real(v) -> mpmath.mpf | None:
    ok = isinstance(v, mpmath.mpf | int | float) and mpmath.isfinite(v)
    return mpmath.mpf(v) if ok else None


def _values(exprs: list[sp.Expr], xs, points) -> list[list]:
    """Each expression at each point in 50 digits: rows of values, None where not real."""
    whole = compile(exprs, xs, "mpmath", DIGITS)
    single: dict[int, object] = {}
    rows = []
    for p in points:
        args = [mpmath.mpf(v) for v in p]
        with mpmath.workdps(DIGITS):
            try:
                vals = [_real(v) for v in whole(*args)]
            except _MATH_ERRORS:
                vals = [None] * len(exprs)
            for k in (k for k, v in enumerate(vals) if v is None):  # one at a time
                if k not in single:
                    single[k] = compile(exprs[k], xs, "mpmath", DIGITS)
                with contextlib.suppress(*_MATH_ERRORS):
                    vals[k] = _real(single[k](*args))
        rows.append(vals)
    return rows


def _agrees(gap, effect, truth) -> bool:
    if any(e is None for e in effect):
        return False  # not defined where the claim and the truth are: not an explanation
    with mpmath.workdps(DIGITS):
        return all(abs(g - e) <= TOL * max(1, abs(t)) for g, e, t in zip(gap, effect, truth,
                                                                          strict=True))


def _factor(k: mpmath.mpf) -> sp.Rational | None:
    """k as a small fraction (not 0, ±1), or None when it is not one."""
    if not mpmath.isfinite(k):
        return None
    r = sp.Rational(str(mpmath.nstr(k, 40))).limit_denominator(MAX_FACTOR)
    if r in (0, 1, -1) or abs(r.p) > MAX_FACTOR or abs(k - mpmath.mpf(r.p) / r.q) > TOL:
        return None
    return r


def _factor_hypotheses(ctx: _Context, gap, truth, term_vals) -> list[Hypothesis]:
    out = []
    with mpmath.workdps(DIGITS):
        if truth[0] != 0:
            k = _factor(1 + gap[0] / truth[0])
            if k is not None:
                out.append(Hypothesis(FACTOR_KIND, f"{_d(ctx)} is off by a factor {k}: "
                                      f"the claim is {k} times the true derivative",
                                      (k - 1) * ctx.t, local=False))
        for T, vals in zip(_terms(ctx.t), term_vals, strict=True):
            if vals[0] != 0:
                k = _factor(1 + gap[0] / vals[0])
                if k is not None:
                    out.append(Hypothesis(FACTOR_KIND, f"the term {_show(T)} is off by a "
                                          f"factor {k}", (k - 1) * T))
    return out


def _exact(v) -> sp.Expr:
    """A coordinate as an exact SymPy number: text through the safe parser, 0.5 as 1/2."""
    if isinstance(v, sp.Basic):
        return v
    if isinstance(v, str):
        return parse_number(v)
    return parse_number(repr(v))


def _proof(ctx: _Context, effects: Sequence[sp.Expr]) -> str:
    """symbolic when SymPy proves claim − effects = truth, numeric otherwise (decided by size)."""
    residual = ctx.claim - sum(effects) - ctx.t
    same = budget.simplify(residual) == 0
    return "symbolic" if same else "numeric"


def _explain(ctx: _Context, points) -> list[Mistake]:
    hyps = _hypotheses(ctx)
    terms = _terms(ctx.t)
    rows = _values([ctx.claim, ctx.t, *terms, *(h.effect for h in hyps)], ctx.xs, points)
    keep = [n for n, r in enumerate(rows) if all(v is not None for v in r[:2 + len(terms)])]
    rows = [rows[n] for n in keep]
    if len(rows) < N_POINTS // 2:
        return []  # too few points where everything is defined: nothing can be certified
    cols = list(zip(*rows, strict=True))
    with mpmath.workdps(DIGITS):
        gap = [c - t for c, t in zip(cols[0], cols[1], strict=True)]
    truth, term_vals = cols[1], cols[2:2 + len(terms)]
    effects = cols[2 + len(terms):]
    factors = _factor_hypotheses(ctx, gap, truth, term_vals)
    if factors:
        frows = _values([h.effect for h in factors], ctx.xs, points[keep])
        hyps, effects = hyps + factors, effects + list(zip(*frows, strict=True))
    order = _priority(hyps)
    for k in order:
        if _agrees(gap, effects[k], truth):
            return [_mistake(ctx, [hyps[k]])]
    return _pair(ctx, hyps, effects, gap, truth, order)


def _priority(hyps: list[Hypothesis]) -> list[int]:
    """Table order, with a whole-derivative constant factor just before dropped terms."""
    rank = {kind: n for n, (kind, _) in enumerate(RULES)}
    rank[FACTOR_KIND] = rank["term dropped"] - 0.5

    def key(k: int) -> tuple:
        h = hyps[k]
        return (rank[h.kind] if not (h.kind == FACTOR_KIND and h.local) else len(RULES), k)

    return sorted(range(len(hyps)), key=key)


def _pair(ctx, hyps, effects, gap, truth, order) -> list[Mistake]:
    """Two mistakes in different terms: screened in float64, certified in 50 digits.

    Only for a claim of three or more terms, so that a term survives untouched, and
    never "a term dropped and another added": that pair rewrites any claim.
    """
    local = [k for k in order if hyps[k].local]
    if len(local) < 2 or len(_terms(ctx.claim)) < 3:
        return []
    local = [k for k in local if all(v is not None for v in effects[k])]
    if len(local) < 2:
        return []
    E = np.array([[float(v) for v in effects[k]] for k in local])
    g = np.array([float(v) for v in gap])
    scale = np.maximum(1.0, np.abs(np.array([float(v) for v in truth])))
    with np.errstate(all="ignore"):
        miss = np.max(np.abs(E[:, None, :] + E[None, :, :] - g) / scale, axis=2)
    for a, b in zip(*np.nonzero(np.triu(miss < 1e-9, 1)), strict=True):
        ka, kb = local[a], local[b]
        if {hyps[ka].kind, hyps[kb].kind} <= {"term dropped", "term added"}:
            continue
        with mpmath.workdps(DIGITS):
            both = [ea + eb for ea, eb in zip(effects[ka], effects[kb], strict=True)]
        if _agrees(gap, both, truth):
            return _mistakes(ctx, [hyps[ka], hyps[kb]])
    return []


def _mistake(ctx: _Context, hs: list[Hypothesis]) -> Mistake:
    return _mistakes(ctx, hs)[0]


def _mistakes(ctx: _Context, hs: list[Hypothesis]) -> list[Mistake]:
    effects = [h.effect for h in hs]
    method = _proof(ctx, effects)
    corrected = ctx.claim - sum(effects)
    return [Mistake(ctx.x.name, h.kind, h.detail, method, corrected) for h in hs]


def diagnose(
    f: str | sp.Expr,
    claimed: Sequence[str | sp.Expr],
    variables: Sequence[str] | None = None,
    seed: int = 1,
) -> Diagnosis:
    """Check a claimed gradient and name each wrong component's mistake when certified.

    ``claimed`` holds one component per variable (text in the safe parser's
    syntax or SymPy expressions, e.g. from :func:`workbench.core.latex.read_answer`).
    Correct components get no diagnosis; a wrong one gets the certified
    mistake(s), or none (the counterexample of :attr:`Diagnosis.check` stands).
    """
    f, names = coerce.function_of(f, variables)
    check = check_claim(f, claimed, names, seed=seed)
    if check.verdict == "correct":
        return Diagnosis(check)
    xs = symbols(names)
    claims = parse_claim(list(claimed), names)
    truth = gradient(f, xs)
    points = _points(truth, claims, xs, seed)
    mistakes = []
    for i in check.wrong_components:
        mistakes.extend(_explain(_Context(f, xs, i, truth, claims[i]), points))
    return Diagnosis(check, mistakes)


def _points(truth, claims, xs, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed + 1)  # other points than the verdict's own
    fns = [compile(truth, xs, "numpy"), compile(claims, xs, "numpy")]
    P = random_points(fns, xs, N_POINTS, rng, 2.0, [])
    if len(P) < N_POINTS // 2:
        raise InputError("too few random points where the gradient and the claim are defined "
                         "to diagnose the claim")
    return P


# -- numeric answers: the derivative's value at a point -----------------------------------------

@dataclass
class ValueDiagnosis:
    """A claimed number against the true one; a certified mistake when one explains it."""

    correct: bool
    true: sp.Expr
    mistakes: list[Mistake] = field(default_factory=list)


def _nearby_points(at: dict[str, sp.Expr]) -> Iterable[tuple[str, dict[str, sp.Expr]]]:
    """Points a student might have used instead: coordinates swapped, or one off by ±1."""
    names = list(at)
    for perm in itertools.permutations(names):
        moved = {n: at[p] for n, p in zip(names, perm, strict=True)}
        if moved != at:
            yield "coordinates in another order", moved
    for n in names:
        for step in (1, -1):
            moved = {**at, n: at[n] + step}
            yield f"{n} = {_show(moved[n])} instead of {_show(at[n])}", moved


def diagnose_value(
    f: sp.Expr, wrt: str | None, at: dict[str, sp.Expr], claimed: sp.Expr,
    variables: Sequence[str],
) -> ValueDiagnosis:
    """Is ``claimed`` the value of ∂f/∂wrt (or of f, when ``wrt`` is None) at ``at``?

    Values are exact (the point is exact), so equality is proved symbolically
    (``simplify(claimed − true) == 0``).  A wrong number is checked against the
    same formula at nearby points: when it equals one exactly, the mistake is
    "evaluated at the wrong point".

    >>> x, y = sp.symbols("x y", real=True)
    >>> d = diagnose_value(x**2 * y, "x", {"x": 2, "y": 3}, sp.Integer(18), ["x", "y"])
    >>> d.correct, d.true, [(m.kind, m.detail) for m in d.mistakes]
    (False, 12, [('evaluated at the wrong point', 'x = 3 instead of 2')])
    """
    xs = symbols(variables)

    def value_at(point: dict[str, sp.Expr]) -> sp.Expr:
        # a partial derivative is the derivative of the restriction to one line: fixing
        # the other coordinates first keeps 0/0 forms such as sqrt(x3*sin(0)) away
        if wrt is None:
            return f.xreplace({x: _exact(point[x.name]) for x in xs})
        x = xs[list(variables).index(wrt)]
        line = f.xreplace({v: _exact(point[v.name]) for v in xs if v != x})
        return sp.diff(line, x).xreplace({x: _exact(point[x.name])})

    def equal(a, b) -> bool:
        return budget.simplify(a - b) == 0

    true = value_at(at)
    if equal(claimed, true):
        return ValueDiagnosis(True, true)
    for detail, point in _nearby_points({x.name: _exact(at[x.name]) for x in xs}):
        other = value_at(point)
        if other.is_finite is not False and equal(claimed, other):
            m = Mistake(wrt or "value", "evaluated at the wrong point", detail, "symbolic",
                        claimed)
            return ValueDiagnosis(False, true, [m])
    return ValueDiagnosis(False, true)


# -- matrix answers -------------------------------------------------------------------------------

#: How a matrix claim (and a mistake in it) is certified: the precision, in words and numbers.
MATRIX_CERTIFICATE = {
    "method": "numeric",
    "precision": "float64",
    "instances": "random instances at sizes 3 and 4 (seed 1); a square variable also at "
                 "symmetric ones",
    "tolerance": tolerance("formula_claim"),
    "reason": TOLERANCES["formula_claim"].reason,
}


@dataclass
class MatrixDiagnosis:
    """A claimed matrix-calculus gradient against the certified one.

    ``to_dict`` is the ``workbench check --matrix --json`` object: ``verdict``,
    ``detail``, the contract key ``diagnosis`` (a list of ``{component, kind,
    detail, certified, method}``, empty when the claim is right or no mistake is
    certified) and ``certificate``, how the claim and its mistake were judged
    (float64 on random instances, within the ``formula_claim`` tolerance).
    """

    correct: bool
    mistakes: list[Mistake] = field(default_factory=list)
    detail: str = ""

    @property
    def verdict(self) -> str:
        return "correct" if self.correct else "incorrect"

    def to_dict(self) -> dict:
        return {"verdict": self.verdict, "detail": self.detail,
                "diagnosis": [m.to_dict() for m in self.mistakes],
                "certificate": dict(MATRIX_CERTIFICATE)}

    def __str__(self) -> str:
        lines = [f"claim {self.verdict}: {self.detail}"]
        lines += [f"  ∇_{m.component}: {m.kind}: {m.detail} (certified numeric, float64, "
                  f"tolerance {MATRIX_CERTIFICATE['tolerance']:g})" for m in self.mistakes]
        return "\n".join(lines)


#: Hypotheses for matrix answers: kind, words, the claim with that mistake undone.
MATRIX_RULES: list[tuple[str, str, Callable[[str], str]]] = [
    ("transposed", "the transpose is given: the layout of the gradient is wrong "
                   "(the gradient has the shape of the variable)", lambda c: f"({c}).T"),
    ("sign flipped", "the sign of the whole gradient is flipped", lambda c: f"-({c})"),
    (FACTOR_KIND, "off by a factor 2", lambda c: f"({c}) / 2"),
    (FACTOR_KIND, "off by a factor 1/2", lambda c: f"2 * ({c})"),
]


def _holds(derivation, text: str):
    from .matrix_claims import check_claim as check_matrix_claim

    try:
        return check_matrix_claim(derivation, "gradient", text)
    except (ValueError, ArithmeticError, WorkbenchError):  # shapes that do not fit
        return None


def diagnose_matrix(derivation, claimed: str, wrt_name: str = "") -> MatrixDiagnosis:
    """Is ``claimed`` (matrix-parser text) the certified gradient of ``derivation``?

    ``derivation`` is a certified :class:`~.matrix.MatrixResult`'s derivation.
    Certificates here are numeric: both sides are evaluated on random instances
    at two sizes in float64 (:func:`workbench.certification.matrix.check_claim`),
    so a hypothesis is named only when the undone claim agrees everywhere.
    ``X^{-1}`` for ``X^{-T}`` is named "transposed".
    """
    first = _holds(derivation, claimed)
    if first is not None and first.holds:
        return MatrixDiagnosis(True, [], first.detail)
    name = wrt_name or derivation.wrt
    why = first.detail if first is not None else "its shape is not the gradient's shape"
    for kind, words, undo in MATRIX_RULES:
        fixed = _holds(derivation, undo(claimed))
        if fixed is not None and fixed.holds:
            return MatrixDiagnosis(False, [Mistake(name, kind, words, "numeric")], why)
    if first is not None and first.holds_symmetric:
        m = Mistake(name, "assumed symmetric", f"it holds only when {name} is symmetric",
                    "numeric")
        return MatrixDiagnosis(False, [m], why)
    return MatrixDiagnosis(False, [], why)
