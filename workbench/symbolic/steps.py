"""Derivatives as worked solutions: named rule applications, each one verified.

A derivative is found by recursion on the expression tree.  At each node one
rule of the calculus applies, and it expresses ``d/dx[u]`` through the
derivatives of ``u``'s parts::

    sum              d/dx[a + b]   = d/dx[a] + d/dx[b]
    constant factor  d/dx[c·v]     = c · d/dx[v]               (c free of x)
    quotient         d/dx[n/d]     = (d·d/dx[n] − n·d/dx[d]) / d²
    product          d/dx[a·b]     = d/dx[a]·b + a·d/dx[b]
    power            d/dx[xⁿ]      = n·xⁿ⁻¹                    (n free of x)
    exponential      d/dx[aᵛ]      = aᵛ·ln a·d/dx[v]           (a free of x)
    log. diff.       d/dx[uᵛ]      = uᵛ·(d/dx[v]·ln u + v·d/dx[u]/u)
    known derivative d/dx[g(x)]    = g′(x)                     (g in the function table)
    chain            d/dx[g(v)]    = g′(v)·d/dx[v]             (v not x itself; g a power or
                                                                a function of the table)
    constant         d/dx[c]       = 0
    variable         d/dx[x]       = 1

The known derivatives g′ are those of THE function table
(:data:`workbench.core.functions.TABLE`), so the steps use the same sin′ = cos,
σ′ = σ(1 − σ), softplus′ = σ ... as every other engine.  :data:`RULES` is the
one rule table: node predicate → rule, tried in order.

Each :class:`Step` is an equality ``d/dx[u] = rhs`` whose right side keeps the
derivatives of the parts it uses unevaluated; the step after it works out each
of those.  :func:`verify` checks every step on its own — its right side, with
SymPy's ``diff`` put in for the parts, equals SymPy's ``diff`` of its left side:
exactly (the difference simplifies to 0 under the bounded simplifier), or, where
simplification does not settle it, at random points to 50 digits, and says which
— and checks that the chain of steps ends in ``diff(f, x)``.  A wrongly applied
rule (a product rule with a sign flipped) is rejected with the step and rule named.

>>> import sympy as sp
>>> x = sp.Symbol("x", real=True)
>>> d = differentiate(x**2*sp.sin(x), x)
>>> [s.rule for s in d.steps]
['product rule', 'power rule', 'known derivative']
>>> print(d)
f = x^2·sin(x)
df/dx = x^2·d/dx[sin(x)] + sin(x)·d/dx[x^2]    (product rule)
d/dx[x^2] = 2·x    (power rule)
d/dx[sin(x)] = cos(x)    (known derivative: sin)
df/dx = x^2·cos(x) + 2·x·sin(x)
>>> verify(d).ok
True
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import sympy as sp
from sympy.core.function import AppliedUndef

from ..core import budget
from ..core.digits import DIGITS
from ..core.errors import WorkbenchError
from ..core.functions import SYMPY, TABLE
from ..core.printing import TexPrinter, TextPrinter
from .textbook import textbook

#: how close both sides must agree in the numeric fallback (at the workbench's DIGITS,
#: 50): that leaves room for the cancellation of a few dozen operations
REL_TOL = sp.Float(10) ** -40
#: the note of a derivation's last row
RESULT = "the steps combined"
#: random points of the numeric fallback, drawn from [-2, 2] per variable
POINTS = 6


class StepError(WorkbenchError):
    """A derivation whose steps do not verify: never shown as a derivation."""


@dataclass(frozen=True)
class Step:
    """``d/dx[lhs] = rhs`` by ``rule``; ``rhs`` keeps the derivatives of ``uses`` unevaluated."""

    rule: str
    lhs: sp.Expr
    rhs: sp.Expr
    x: sp.Symbol
    uses: tuple[sp.Expr, ...] = ()
    detail: str = ""  # the outer function of a chain / known derivative

    @property
    def note(self) -> str:
        """The rule as a reader sees it: "chain rule: sin"."""
        return f"{self.rule}: {self.detail}" if self.detail else self.rule

    def derivative(self) -> sp.Expr:
        """The left side as an unevaluated derivative, d/dx[lhs]."""
        return sp.Derivative(self.lhs, self.x)


# ----------------------------------------------------------------------------- the rules


def _d(u: sp.Expr, x: sp.Symbol) -> sp.Expr:
    """d/dx[u] as a placeholder, or its value where it needs no step of its own (x, constants)."""
    if not u.has(x):
        return sp.Integer(0)
    return sp.Integer(1) if u == x else sp.Derivative(u, x)


def _parts(parts, x) -> tuple:
    return tuple(p for p in parts if p.has(x) and p != x)


def _constant(u, x):
    return sp.Integer(0), ()


def _variable(u, x):
    return sp.Integer(1), ()


def _sum(u, x):
    terms = u.args
    return sp.Add(*(_d(t, x) for t in terms)), _parts(terms, x)


def _constant_factor(u, x):
    c, v = u.as_independent(x, as_Add=False)
    return c * _d(v, x), _parts([v], x)


def _denominator(u, x) -> tuple[sp.Expr, sp.Expr]:
    """(numerator, denominator) of a product: factors b^(−k), k > 0 a number, go below."""
    num, den = [], []
    for f in u.args:
        below = f.is_Pow and f.exp.is_Number and f.exp < 0 and f.base.has(x)
        (den if below else num).append(f.base ** -f.exp if below else f)
    return sp.Mul(*num), sp.Mul(*den)


def _quotient(u, x):
    n, d = _denominator(u, x)
    rhs = sp.Mul(d * _d(n, x) - n * _d(d, x), sp.Pow(d, -2), evaluate=False)
    return rhs, _parts([n, d], x)


def _product(u, x):
    a, b = u.args[0], sp.Mul(*u.args[1:])
    return _d(a, x) * b + a * _d(b, x), _parts([a, b], x)


def _power(u, x):
    v, n = u.args
    return n * v ** (n - 1) * _d(v, x), _parts([v], x)


def _exponential(u, x):
    a, v = u.args
    return u * sp.log(a) * _d(v, x), _parts([v], x)


def _general_power(u, x):
    b, v = u.args
    return u * (_d(v, x) * sp.log(b) + v * _d(b, x) / b), _parts([b, v], x)


def _row(u):
    """The function table's row for an applied function node, if it has one."""
    for fn in TABLE.values():
        if isinstance(fn.sympy, type) and type(u) is fn.sympy and len(u.args) == fn.arity:
            return fn
    return None


def _known(u, x):
    fn = _row(u)
    partials = fn.partials(SYMPY, u, *u.args)
    rhs = sp.Add(*(p * _d(a, x) for p, a in zip(partials, u.args, strict=True) if a.has(x)))
    return rhs, _parts(u.args, x)


def _sympy_rule(u, x):
    return sp.diff(u, x), ()


def _is_product(u, x) -> bool:
    return u.is_Mul


def _is_quotient(u, x) -> bool:
    n, d = _denominator(u, x) if u.is_Mul else (u, sp.Integer(1))
    return d != 1 and n.has(x)


def _inner_is_x(u, x) -> bool:
    return all(a == x or not a.has(x) for a in u.args)


@dataclass(frozen=True)
class Rule:
    """One rule: its name, and ``apply(u, x) -> (rhs, parts whose derivatives rhs uses)``."""

    name: str
    apply: Callable[[sp.Expr, sp.Symbol], tuple[sp.Expr, tuple]]
    chain: bool = False  # with an inner function other than x it is the chain rule


#: node predicate -> the rule for that node, tried in order (the first that matches applies).
RULES: dict[Callable[[sp.Expr, sp.Symbol], bool], Rule] = {
    (lambda u, x: not u.has(x)): Rule("constant", _constant),
    (lambda u, x: u == x): Rule("variable", _variable),
    (lambda u, x: u.is_Add): Rule("sum rule", _sum),
    (lambda u, x: u.is_Mul and u.as_independent(x, as_Add=False)[0] != 1):
        Rule("constant factor", _constant_factor),
    _is_quotient: Rule("quotient rule", _quotient),
    _is_product: Rule("product rule", _product),
    (lambda u, x: u.is_Pow and not u.exp.has(x)): Rule("power rule", _power, chain=True),
    (lambda u, x: u.is_Pow and not u.base.has(x)): Rule("exponential rule", _exponential,
                                                        chain=True),
    (lambda u, x: u.is_Pow): Rule("logarithmic differentiation", _general_power),
    (lambda u, x: _row(u) is not None): Rule("known derivative", _known, chain=True),
    # a function outside the table (a SymPy function given directly): SymPy's own rule
    (lambda u, x: True): Rule("known derivative", _sympy_rule, chain=True),
}


def _rule_for(u: sp.Expr, x: sp.Symbol) -> Rule:
    return next(rule for matches, rule in RULES.items() if matches(u, x))


def _step(u: sp.Expr, x: sp.Symbol) -> Step:
    rule = _rule_for(u, x)
    rhs, uses = rule.apply(u, x)
    name, detail = rule.name, ""
    if rule.chain and not _inner_is_x(u, x):
        name, detail = "chain rule", _outer(u, x)
    elif rule.chain and u.is_Function:
        detail = _outer(u, x)
    return Step(name, u, rhs, x, uses, detail)


def _outer(u: sp.Expr, x: sp.Symbol) -> str:
    """The outer function of a chain, in words: "sin", "power 3", "exponential"."""
    fn = _row(u)
    if fn is not None or u.is_Function:
        return fn.name if fn is not None else type(u).__name__.lower()
    if u.is_Pow and not u.exp.has(x):
        return f"power {to_text(u.exp)}"
    return "exponential"


# ----------------------------------------------------------------------------- derivations


@dataclass
class Verification:
    """Per step how it was checked ("exact" / "numeric: …"), and every problem found."""

    how: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class Derivation:
    """The steps of d/dx[f], outermost first, and the derivative they end in."""

    f: sp.Expr
    x: sp.Symbol
    steps: list[Step]
    result: sp.Expr  # what the steps give, parts substituted in
    shown: sp.Expr | None = None  # the result as printed (a certified textbook form)
    verification: Verification | None = None
    name: str = "f"  # what the function is called on the page: df/dx, not d/dx[the whole of f]

    @property
    def final(self) -> sp.Expr:
        return self.result if self.shown is None else self.shown

    @property
    def partial(self) -> bool:
        """∂ rather than d: f has other variables, held constant."""
        return len(self.f.free_symbols) > 1

    def equations(self) -> list[tuple[sp.Expr, sp.Expr, str]]:
        """``(d/dx[u], rhs, note)`` for every step, then the whole derivative and the result.

        The derivative of the whole function is written by its name (df/dx), so
        that the long expression f is not repeated in a step's left side.
        """
        whole = sp.Derivative(sp.Function(self.name)(self.x), self.x)
        out = [(whole if s.lhs == self.f else s.derivative(), s.rhs, s.note) for s in self.steps]
        return [*out, (whole, self.final, RESULT)]

    def rows(self) -> list[tuple[str, str, str]]:
        """``(lhs, rhs, note)`` LaTeX rows (the sheets' Steps block), the result last."""
        return [(to_latex(a, self.partial), to_latex(b, self.partial), note)
                for a, b, note in self.equations()]

    def to_dict(self) -> list[dict]:
        """The steps as [{rule, lhs, rhs, lhs_latex, rhs_latex, checked}], the result last.

        ``checked`` says how a verified step was checked: "exact", or "numeric: …".
        """
        p = self.partial
        how = self.verification.how if self.verification else []
        return [{"rule": note, "lhs": to_text(a, p), "rhs": to_text(b, p),
                 "lhs_latex": to_latex(a, p), "rhs_latex": to_latex(b, p),
                 "checked": how[i] if i < len(how) else None}
                for i, (a, b, note) in enumerate(self.equations())]

    def latex(self) -> str:
        """An ``aligned`` block: one equation per row, the rule on the right."""
        head = rf"{self.name} &= {to_latex(self.f)} \\"  # what f is, then its derivative
        rows = [head] + [rf"{lhs} &= {rhs} && \text{{{note}}}" for lhs, rhs, note in self.rows()]
        return "\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}"

    def _repr_latex_(self) -> str:
        return f"$$\n{self.latex()}\n$$"

    def __str__(self) -> str:
        p = self.partial
        rule = {RESULT: ""}  # the last row is the result, not a rule
        return "\n".join([f"{self.name} = {to_text(self.f)}"] + [
            f"{to_text(a, p)} = {to_text(b, p)}{rule.get(n, f'    ({n})')}"
            for a, b, n in self.equations()])

    def __repr__(self) -> str:  # the REPL shows the derivation itself, as text
        return str(self)


def _d_of(printer, expr: sp.Derivative) -> tuple[str, sp.Symbol]:
    (var, _), = expr.variable_count
    return ("∂" if printer.partial else "d"), var


class StepTex(TexPrinter):
    """LaTeX with d/dx[u] bracketed, so that d/dx[u]·v never reads as d/dx[u·v]; ∂ if partial."""

    def __init__(self, partial: bool = False):
        super().__init__()
        self.partial = partial

    def _print_Derivative(self, expr):
        d, var = _d_of(self, expr)
        d = r"\partial" if d == "∂" else "d"
        if isinstance(expr.expr, AppliedUndef):  # the function by its name: df/dx
            return rf"\frac{{{d} {expr.expr.func.__name__}}}{{{d} {self._print(var)}}}"
        return (rf"\frac{{{d}}}{{{d} {self._print(var)}}}"
                rf"\left[{self._print(expr.expr)}\right]")


def to_latex(expr: sp.Expr, partial: bool = False) -> str:
    """LaTeX of a step's side (bracketed derivatives; ∂ for a partial derivative)."""
    return StepTex(partial).doprint(expr)


def to_text(expr: sp.Expr, partial: bool = False) -> str:
    """Readable text of a step's side (no Python syntax)."""
    return StepText(partial).doprint(expr)


class StepText(TextPrinter):
    """Readable one-line math: ``d/dx[u]``, powers with ^, products with a centred dot."""

    def __init__(self, partial: bool = False):
        super().__init__()
        self.partial = partial

    def _print_Derivative(self, expr):
        d, var = _d_of(self, expr)
        if isinstance(expr.expr, AppliedUndef):  # the function by its name: df/dx
            return f"{d}{expr.expr.func.__name__}/{d}{self._print(var)}"
        return f"{d}/{d}{self._print(var)}[{self._print(expr.expr)}]"

    def _print_Pow(self, expr, rational=False):
        out = super()._print_Pow(expr, rational)
        return out.replace("**", "^")

    def _print_Mul(self, expr):
        return super()._print_Mul(expr).replace("*", "·")


def differentiate(f: sp.Expr, x: sp.Symbol) -> Derivation:
    """The steps of d/dx[f] (not yet verified): each part differentiated once, depth first.

    >>> x = sp.Symbol("x", real=True)
    >>> [s.note for s in differentiate(sp.exp(3*x), x).steps]
    ['chain rule: exp', 'constant factor']
    """
    steps: dict[sp.Expr, Step] = {}
    todo = [f]  # depth first: each part's steps follow the step that uses it
    while todo:
        u = todo.pop()
        if u in steps:
            continue
        steps[u] = _step(u, x)
        todo.extend(reversed(steps[u].uses))
    return Derivation(f, x, list(steps.values()), _combine(list(steps.values()), x))


def _combine(steps: list[Step], x: sp.Symbol) -> sp.Expr:
    """The value of the first step, each used derivative replaced by its own step's value."""
    by_lhs = {s.lhs: s for s in steps}
    value: dict[sp.Expr, sp.Expr] = {}

    def of(u):
        if u not in value:
            s = by_lhs[u]
            value[u] = s.rhs.xreplace({sp.Derivative(v, x): of(v) for v in s.uses})
        return value[u]

    return of(steps[0].lhs)


# ----------------------------------------------------------------------------- verification


def equal(a: sp.Expr, b: sp.Expr) -> str | None:
    """How ``a = b`` was established ("exact", "numeric …"), or None where it fails."""
    if budget.vanishes(a - b):
        return "exact"
    return _numeric_equal(a, b)


def _numeric_equal(a: sp.Expr, b: sp.Expr) -> str | None:
    names = sorted((a - b).free_symbols | a.free_symbols | b.free_symbols, key=str)
    rng = random.Random(1729)  # the same points on every run: a verdict is reproducible
    agreed = 0
    for _ in range(8 * POINTS):
        point = {s: sp.Rational(rng.randint(-2000, 2000), 1000) for s in names}
        va, vb = (sp.N(e.subs(point), DIGITS) for e in (a, b))
        if not (va.is_real and vb.is_real and va.is_finite and vb.is_finite):
            continue  # outside the domain of either side: another point
        if abs(va - vb) > REL_TOL * max(1, abs(va), abs(vb)):
            return None
        agreed += 1
        if agreed == POINTS:
            return (f"numeric: equal to {DIGITS} digits at {POINTS} random points "
                    "(exact simplification did not settle it)")
    return None


def verify(d: Derivation) -> Verification:
    """Check every step on its own, then that the steps end in SymPy's ``diff(f, x)``.

    A step holds when its right side, with SymPy's derivatives of the parts it
    uses, equals SymPy's derivative of its left side; the problems name the step.
    """
    out = Verification()
    by_lhs = {s.lhs for s in d.steps}
    for i, s in enumerate(d.steps, 1):
        where = f"step {i} ({s.note}): d/d{s.x}[{to_text(s.lhs)}]"
        missing = [v for v in s.uses if v not in by_lhs]
        if missing:
            out.problems.append(f"{where} uses d/d{s.x}[{to_text(missing[0])}], "
                                "which no step works out")
        rhs = s.rhs.xreplace({sp.Derivative(v, s.x): sp.diff(v, s.x) for v in s.uses})
        how = equal(rhs, sp.diff(s.lhs, s.x))
        out.how.append(how or "failed")
        if how is None:
            out.problems.append(f"{where} = {to_text(s.rhs)} is wrong: the "
                                f"{s.rule} does not give the derivative of the left side")
    truth = sp.diff(d.f, d.x)
    if not d.steps or d.steps[0].lhs != d.f:
        out.problems.append("the first step is not the derivative of f")
    elif not out.problems:
        for what, value in (("the steps", _combine(d.steps, d.x)), ("the result", d.final)):
            if equal(value, truth) is None:
                out.problems.append(f"{what} do not end in the derivative of f: "
                                    f"{to_text(value)}")
    return out


def steps(f: sp.Expr, x: sp.Symbol, textbook_result: bool = True) -> Derivation:
    """The verified steps of d/dx[f], or :class:`StepError` naming the step that failed.

    The result is shown in textbook form (:func:`~.textbook.textbook`; checked
    equal to SymPy's derivative like every step) unless ``textbook_result`` is false.

    >>> x = sp.Symbol("x", real=True)
    >>> d = steps(sp.sin(x)/x, x)
    >>> d.steps[0].rule, d.final
    ('quotient rule', cos(x)/x - sin(x)/x**2)
    """
    return budget.bounded(lambda: _verified(f, x, textbook_result), "the derivation steps")


def _verified(f: sp.Expr, x: sp.Symbol, textbook_result: bool) -> Derivation:
    # one bounded step for the whole derivation: its checks are many small simplifications
    d = differentiate(f, x)
    if textbook_result:
        d = replace(d, shown=textbook(d.result))
    d.verification = verify(d)
    if not d.verification.ok:
        raise StepError("the derivation did not verify: " + "; ".join(d.verification.problems))
    return d
