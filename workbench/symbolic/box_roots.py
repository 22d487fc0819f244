"""Every root of ∇f in a box, with a proof that none is missing (branch and bound).

Let g = ∇f and J = ∇²f (its Jacobian), both exact SymPy, and let G, 𝐉 be their
outward-rounded interval extensions (:mod:`.intervals`).  A box X is *settled*
when one of three things is proved:

1. **No root** — 0 ∉ G(X), or 0 ∉ g(m) + 𝐉(X)(X − m) (mean-value form), or the
   Krawczyk image below misses X.
2. **Exactly one root** — the Krawczyk operator, with m the midpoint of a box
   Y ⊇ X and C ≈ J(m)⁻¹ any matrix,

       K(Y) = m − C g(m) + (I − C 𝐉(Y))(Y − m),

   contains every root of g in Y; if K(Y) lies in the interior of Y, Y holds
   exactly one root (Krawczyk 1969, Moore 1977).  Y is X widened by 1/16 of its
   width on each side, so a root on a split line is still interior to it.
3. Otherwise X is bisected across its widest side and both halves are queued.

The branch and bound runs on stacks of boxes in NumPy interval arithmetic
(:mod:`.intervals`).  Each proof of a root is then done again in mpmath's
interval context, which rounds every operation and elementary function outward
at 96 bits: K(Y) ⊂ int Y for the box Y, and again for the root's tight enclosure
E (from iterating E ← K(E) ∩ E, then widened a little).  The root is refined by
Newton's method in 50-digit arithmetic and *certified*: residual ‖g‖∞ < 10⁻³⁰ and
the refined point inside E.  Roots that are small rationals, their square roots
or rational multiples of π are recognised and checked by exact substitution.

Work is bounded by **counts**, never seconds — boxes processed and the depth of
bisection — so the same input gives the same answer on any machine at any load.
``complete`` is true only when every part of the box was settled; the boxes
that were not are returned.

**Boundary convention**: the box is closed.  A root whose proven enclosure lies
in the box is reported; one whose enclosure meets a face (a root on the
boundary, to within the enclosure's width of about 10⁻¹³ relative) is reported
with ``on_boundary``; a root in closed form is placed exactly.  A root found from
two neighbouring boxes is reported once: two findings are the same root when
one's enclosure lies in the other's box of proven uniqueness.

>>> import sympy as sp
>>> x, y = sp.symbols("x y", real=True)
>>> f = x**2 - 2*x + sp.cos(y)
>>> g = [sp.diff(f, v) for v in (x, y)]
>>> H = sp.hessian(f, (x, y))
>>> found = search(g, H, [x, y], [(-1, 2), (-1, 4)])
>>> found.complete, len(found.roots), found.roots[0].exact
(True, 2, [1, 0])
>>> float(found.roots[1].point[1])    # sin y = 0 at y = π, found to 50 digits
3.141592653589793
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction

import mpmath
import numpy as np
import sympy as sp

from ..core.digits import DIGITS
from .intervals import (
    Interval,
    Undefined,
    compile_intervals,
    compile_mp,
    constant_ends,
    mp_precision,
)

RESIDUAL = mpmath.mpf(10) ** -30
#: Default work limits (counts): boxes examined in all, bisections along one lineage.
MAX_BOXES = 400_000
MAX_DEPTH = 64
#: Each side of a box is widened by this fraction of its width for the Krawczyk test.
INFLATE = 1.0 / 16
#: Unsettled boxes listed in full; beyond this only their number is kept.
MAX_LISTED = 100


@dataclass
class BoxRoot:
    """A proved root: unique in ``unique_lo``…``unique_hi``, enclosed in ``lo``…``hi``."""

    point: list[mpmath.mpf]
    lo: np.ndarray
    hi: np.ndarray
    unique_lo: np.ndarray
    unique_hi: np.ndarray
    exact: list[sp.Expr] | None = None
    on_boundary: bool = False
    residual: float = 0.0
    #: an enclosure of the Hessian over [lo, hi] (n × n arrays of lower and upper ends)
    hessian_lo: np.ndarray | None = None
    hessian_hi: np.ndarray | None = None
    #: the Hessian at ``point`` in 60-digit arithmetic (an mpmath matrix)
    hessian_at: mpmath.matrix | None = None


@dataclass
class BoxSearch:
    """The outcome of :func:`search`: roots, whether the box is settled, the unsettled rest."""

    roots: list[BoxRoot] = field(default_factory=list)
    complete: bool = False
    unsettled: list[tuple[list[float], list[float], str]] = field(default_factory=list)
    unsettled_count: int = 0
    boxes: int = 0
    splits: int = 0
    depth: int = 0


class _Engine:
    """Interval gradient and Hessian of one function, evaluated on stacks of boxes."""

    def __init__(self, g: Sequence[sp.Expr], H: sp.Matrix, xs: Sequence[sp.Symbol]):
        self.n = len(xs)
        self.G = compile_intervals(list(g), xs)
        self.J = compile_intervals([H[i, j] for i in range(self.n) for j in range(self.n)], xs)
        self.G_iv = compile_mp(list(g), xs)  # proofs re-done in mpmath interval arithmetic
        self.J_iv = compile_mp([H[i, j] for i in range(self.n) for j in range(self.n)], xs)
        self.g_mp = sp.lambdify(xs, list(g), modules="mpmath")  # point values for Newton
        self.J_mp = sp.lambdify(xs, H, modules="mpmath")

    def boxes(self, lo: np.ndarray, hi: np.ndarray) -> list[Interval]:
        return [Interval(lo[:, i], hi[:, i]) for i in range(self.n)]

    def excludes_zero(self, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """True where the natural enclosure of some gradient component misses 0."""
        out = np.zeros(len(lo), bool)
        for gi in self.G(self.boxes(lo, hi)):
            out |= ~gi.contains_zero()
        return out

    def krawczyk(self, lo: np.ndarray, hi: np.ndarray):
        """K(Y) for the boxes Y = [lo, hi]; also whether the mean-value form excludes 0.

        Returns (K as a list of Intervals per coordinate, mean-value exclusion mask).
        """
        n = self.n
        m = (lo + hi) / 2  # a float in [lo, hi]: any point of Y will do
        Y = self.boxes(lo, hi)
        Jy = self.J(Y)
        gm = self.G([Interval.point(m[:, i]) for i in range(n)])
        with np.errstate(invalid="ignore"):  # ∞ − ∞ in unbounded entries; replaced below
            mid = np.stack([(J.lo + J.hi) / 2 for J in Jy], axis=-1).reshape(len(lo), n, n)
        mid = np.where(np.isfinite(mid), mid, 0.0)
        C = _inverse(mid)
        d = [Y[j] - Interval.point(m[:, j]) for j in range(n)]
        zero = Interval.point(np.zeros(len(lo)))
        mv = np.zeros(len(lo), bool)
        for i in range(n):  # mean-value form: g_i(Y) ⊂ g_i(m) + Σ_j J_ij(Y)(Y_j − m_j)
            acc = gm[i]
            for j in range(n):
                acc = acc + Jy[i * n + j] * d[j]
            mv |= ~acc.contains_zero()
        K = []
        for i in range(n):
            acc = zero
            for j in range(n):
                acc = acc + Interval.point(C[:, i, j]) * gm[j]
            k = Interval.point(m[:, i]) - acc
            for j in range(n):
                cj = zero
                for t in range(n):
                    cj = cj + Interval.point(C[:, i, t]) * Jy[t * n + j]
                delta = Interval.point(np.full(len(lo), 1.0 if i == j else 0.0))
                k = k + (delta - cj) * d[j]
            K.append(k)
        return K, mv


def _confirm(eng: _Engine, lo: np.ndarray, hi: np.ndarray) -> bool:
    """The Krawczyk inclusion K(Y) ⊂ int Y re-done in mpmath interval arithmetic (rigorous).

    Every operation and elementary function there rounds outward, so a True here
    proves that Y = [lo, hi] holds exactly one root, independently of NumPy.
    """
    from mpmath import iv, mp

    n = eng.n
    with mp_precision():
        try:
            Y = [iv.mpf([float(a), float(b)]) for a, b in zip(lo, hi, strict=True)]
            m = [(float(a) + float(b)) / 2 for a, b in zip(lo, hi, strict=True)]
            J = eng.J_iv(Y)
            gm = eng.G_iv([iv.mpf(v) for v in m])
        except (Undefined, ZeroDivisionError, ValueError):
            return False
        mid = np.array([[float(mp.make_mpf(J[i * n + j].mid._mpi_[0])) for j in range(n)]
                        for i in range(n)])
        C = _inverse(mid[None])[0]
        for i in range(n):
            k = iv.mpf(m[i])
            for j in range(n):
                k -= iv.mpf(C[i, j]) * gm[j]
                cj = iv.mpf(1.0 if i == j else 0.0)
                for t in range(n):
                    cj -= iv.mpf(C[i, t]) * J[t * n + j]
                k += cj * (Y[j] - m[j])
            a, b = (mp.make_mpf(e) for e in k._mpi_)
            if not (a > float(lo[i]) and b < float(hi[i])):
                return False
    return True


def _inverse(M: np.ndarray) -> np.ndarray:
    """Approximate inverses of a stack of matrices (any matrix keeps Krawczyk valid)."""
    det_ok = np.abs(np.linalg.det(M)) > 1e-300
    safe = np.where(det_ok[:, None, None], M, np.eye(M.shape[1]))
    with np.errstate(all="ignore"):
        C = np.linalg.inv(safe)
    ok = det_ok & np.all(np.isfinite(C), axis=(1, 2))
    return np.where(ok[:, None, None], C, 0.0)


def _outward_box(box: Sequence[tuple]) -> tuple[np.ndarray, np.ndarray]:
    """Float ends enclosing the exact box (an end that is a float stays put)."""
    lo, hi = [], []
    for a, b in box:
        lo.append(constant_ends(sp.nsimplify(a))[0])
        hi.append(constant_ends(sp.nsimplify(b))[1])
    return np.array([lo]), np.array([hi])


def search(g: Sequence[sp.Expr], H: sp.Matrix, xs: Sequence[sp.Symbol], box: Sequence[tuple],
           max_boxes: int = MAX_BOXES, max_depth: int = MAX_DEPTH) -> BoxSearch:
    """Every root of ``g`` in the closed ``box`` (one (a, b) per variable), each proved.

    ``H`` is the Jacobian of ``g`` (the Hessian of f).  See the module docstring.
    """
    eng = _Engine(g, H, xs)
    exact_box = [(sp.nsimplify(a), sp.nsimplify(b)) for a, b in box]
    lo, hi = _outward_box(box)
    depth = np.zeros(1, int)
    out = BoxSearch()
    proved: list[tuple[np.ndarray, np.ndarray, list[Interval]]] = []
    unsettled: list[tuple[np.ndarray, np.ndarray, str]] = []
    while len(lo):
        if out.boxes + len(lo) > max_boxes:
            unsettled += [(a, b, f"work limit of {max_boxes} boxes reached")
                          for a, b in zip(lo, hi, strict=True)]
            break
        out.boxes += len(lo)
        out.depth = int(depth.max())
        keep = ~eng.excludes_zero(lo, hi)
        lo, hi, depth = lo[keep], hi[keep], depth[keep]
        if not len(lo):
            break
        w = hi - lo
        ylo, yhi = lo - w * INFLATE, hi + w * INFLATE
        K, mv = eng.krawczyk(ylo, yhi)
        miss = mv.copy()
        inside = np.ones(len(lo), bool)
        for i, k in enumerate(K):
            miss |= (k.hi < ylo[:, i]) | (k.lo > yhi[:, i])
            inside &= (k.lo > ylo[:, i]) & (k.hi < yhi[:, i])
        inside &= ~miss
        for idx in np.flatnonzero(inside):
            proved.append((ylo[idx], yhi[idx], [Interval(k.lo[idx:idx + 1], k.hi[idx:idx + 1])
                                                 for k in K]))
        rest = ~miss & ~inside
        lo, hi, depth = lo[rest], hi[rest], depth[rest]
        deep = depth >= max_depth
        unsettled += [(a, b, f"not settled after {max_depth} bisections (a root where the "
                             "Hessian is singular, a set of critical points that is not "
                             "isolated, or the edge of the function's domain)")
                      for a, b in zip(lo[deep], hi[deep], strict=True)]
        lo, hi, depth = lo[~deep], hi[~deep], depth[~deep]
        lo, hi, depth = _bisect(lo, hi, depth)
        out.splits += len(lo) // 2
    for ylo, yhi, elo, ehi in zip(*(_tighten(eng, proved) if proved else [()] * 4),
                                  strict=True):
        root = _settle(eng, g, xs, ylo, yhi, elo, ehi, exact_box)
        if isinstance(root, str):
            unsettled.append((ylo, yhi, root))
        elif root is not None and not any(_same(root, r) for r in out.roots):
            out.roots.append(root)
    out.roots.sort(key=lambda r: [float(v) for v in r.point])
    out.unsettled_count = len(unsettled)
    out.unsettled = [([float(v) for v in a], [float(v) for v in b], why)
                     for a, b, why in unsettled[:MAX_LISTED]]
    out.complete = not unsettled
    return out


def _bisect(lo, hi, depth):
    """Halve every box across its widest side (ties: the first such variable)."""
    if not len(lo):
        return lo, hi, depth
    k = np.argmax(hi - lo, axis=1)
    rows = np.arange(len(lo))
    cut = (lo[rows, k] + hi[rows, k]) / 2
    left_hi, right_lo = hi.copy(), lo.copy()
    left_hi[rows, k] = cut
    right_lo[rows, k] = cut
    return (np.concatenate([lo, right_lo]), np.concatenate([left_hi, hi]),
            np.concatenate([depth + 1, depth + 1]))


def _tighten(eng: _Engine, proved: list, rounds: int = 12):
    """E ← K(E) ∩ E from E = K(Y) ∩ Y, for all proved boxes at once.

    Every step keeps the unique root of Y; Krawczyk contracts quadratically, so a
    dozen rounds reach the width of floating-point rounding.
    """
    ylo = np.array([p[0] for p in proved])
    yhi = np.array([p[1] for p in proved])
    elo = np.maximum(np.array([[k.lo[0] for k in p[2]] for p in proved]), ylo)
    ehi = np.minimum(np.array([[k.hi[0] for k in p[2]] for p in proved]), yhi)
    for _ in range(rounds):
        K, _ = eng.krawczyk(elo, ehi)
        nlo = np.maximum(np.stack([k.lo for k in K], axis=1), elo)
        nhi = np.minimum(np.stack([k.hi for k in K], axis=1), ehi)
        if np.array_equal(nlo, elo) and np.array_equal(nhi, ehi):
            break
        elo, ehi = nlo, nhi
    return ylo, yhi, elo, ehi


def _settle(eng, g, xs, ylo, yhi, elo, ehi, exact_box) -> BoxRoot | str | None:
    """Refine and certify the unique root of Y (in E); None when it lies outside the box."""
    if not _confirm(eng, ylo, yhi):
        return "the Krawczyk proof did not hold in mpmath interval arithmetic"
    # the tight enclosure, widened a little, proved again: the root's rigorous address
    pad = np.maximum(ehi - elo, 1e-13 * (1 + np.abs(elo)))
    elo, ehi = np.maximum(elo - pad, ylo), np.minimum(ehi + pad, yhi)
    if not _confirm(eng, elo, ehi):
        return "the tight enclosure of a proved root did not hold in mpmath interval arithmetic"
    if np.any(elo > ehi):
        return "the enclosure of a proved root came out empty (an arithmetic fault)"
    point, residual = _refine(eng, (elo + ehi) / 2)
    if point is None or residual >= RESIDUAL:
        return "50-digit Newton refinement did not reach a residual below 1e-30"
    if not all(mpmath.mpf(a) <= p <= mpmath.mpf(b) for p, a, b in zip(point, elo, ehi,
                                                                          strict=True)):
        return "the 50-digit root left its proven enclosure"
    exact = _exact_root(g, xs, point)
    if exact is not None and not all(  # the closed form must lie where the root is unique
            a < sp.N(v, DIGITS) < b for v, a, b in zip(exact, ylo, yhi, strict=True)):
        exact = None
    root = BoxRoot(point, elo, ehi, ylo, yhi, exact, residual=float(residual))
    Jx = eng.J(eng.boxes(elo[None, :], ehi[None, :]))
    n = eng.n
    root.hessian_lo = np.array([J.lo[0] for J in Jx]).reshape(n, n)
    root.hessian_hi = np.array([J.hi[0] for J in Jx]).reshape(n, n)
    with mpmath.workdps(DIGITS + 10):
        root.hessian_at = mpmath.matrix(eng.J_mp(*point))
    where = _placement(root, exact_box)
    if where is None:
        return None
    root.on_boundary = where
    return root


def _refine(eng: _Engine, start) -> tuple[list | None, mpmath.mpf]:
    """Newton's method at 50+10 digits from ``start``; the point and its residual ‖g‖∞."""
    F, Jm, n = eng.g_mp, eng.J_mp, eng.n
    with mpmath.workdps(DIGITS + 10):
        v = mpmath.matrix([mpmath.mpf(float(s)) for s in start])
        for _ in range(40):
            try:
                step = mpmath.lu_solve(mpmath.matrix(Jm(*v)), mpmath.matrix(F(*v)))
            except (ZeroDivisionError, ValueError):
                return None, mpmath.inf
            v = v - step
            if mpmath.norm(step, mpmath.inf) < mpmath.mpf(10) ** -(DIGITS + 5):
                break
        point = [v[i] for i in range(n)]
        residual = max(abs(r) for r in F(*point))
    return point, residual


def _small(v: mpmath.mpf) -> Fraction | None:
    """v as a fraction with denominator ≤ 10⁶ when it is one to 40 digits."""
    r = Fraction(str(mpmath.nstr(v, DIGITS))).limit_denominator(10**6)
    ok = abs(mpmath.mpf(r.numerator) / r.denominator - v) < mpmath.mpf(10) ** -40
    return r if ok else None


def _closed_form(v: mpmath.mpf) -> sp.Expr | None:
    """v as q, ±√q or qπ with a small rational q, recognised from its 50 digits."""
    q = _small(v)
    if q is not None:
        return sp.Rational(q.numerator, q.denominator)
    q = _small(v * v)
    if q is not None and q > 0:
        return sp.sign(v) * sp.sqrt(sp.Rational(q.numerator, q.denominator))
    q = _small(v / mpmath.pi)
    if q is not None:
        return sp.Rational(q.numerator, q.denominator) * sp.pi
    return None


def _exact_root(g, xs, point) -> list[sp.Expr] | None:
    """The root in closed form when each coordinate is recognised and ∇f vanishes exactly there.

    A recognised point inside the box of proven uniqueness that solves g = 0 exactly
    *is* the root there, so exactness costs no proof.
    """
    q = [_closed_form(p) for p in point]
    if any(v is None for v in q):
        return None
    subs = dict(zip(xs, q, strict=True))
    return q if all(sp.expand(gi.subs(subs, simultaneous=True)) == 0 for gi in g) else None


def _placement(root: BoxRoot, exact_box) -> bool | None:
    """None outside the closed box, else whether the root is on its boundary."""
    boundary = False
    for i, (a, b) in enumerate(exact_box):
        if root.exact is not None:
            v = root.exact[i]
            if v < a or v > b:
                return None
            boundary |= v in (a, b)
            continue
        lo, hi = sp.Rational(Fraction(float(root.lo[i]))), sp.Rational(Fraction(float(root.hi[i])))
        if hi < a or lo > b:
            return None
        boundary |= bool(lo <= a or hi >= b)
    return bool(boundary)


def _same(a: BoxRoot, b: BoxRoot) -> bool:
    """One root found twice: either enclosure lies in the other's box of uniqueness."""
    def within(r, s):
        return bool(np.all(r.lo >= s.unique_lo) and np.all(r.hi <= s.unique_hi))

    return within(a, b) or within(b, a)
