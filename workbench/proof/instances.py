"""Random instances of a proof's objects: the KIND table.

A proof about "any β-smooth f, any symmetric positive definite A, any η in
(0, 2λ_min/(β λ_max(AᵀA)))" is property-tested on random instances of those
objects.  Each object of a proof file names a *kind*; :data:`KINDS` maps the
kind to how one instance is drawn:

=============  ==============================================================
kind           one random instance (d = the proof's dimension)
=============  ==============================================================
scalar         uniform on [min, max] (default [-3, 3]); bounds are expressions
positive       uniform on [min, max] (default [0.1, 3])
integer        uniform on {min, …, max} (default 0..5)
dimension      d itself
vector         d standard normal entries
matrix         d×d standard normal entries
symmetric      (M + Mᵀ)/2 for a normal M
spd            Q diag(λ) Qᵀ, Q random orthogonal, λ uniform on [min, max] (0.2..4)
orthogonal     Q of the QR factorisation of a normal matrix
eigenvalues    d values uniform on [min, max] (0.2..4), sorted ascending
smooth         f(w) = ½(w−m)ᵀP(w−m) + Σₖ aₖ(1 − cos cₖᵀ(w−m)), P spd, aₖ ≥ 0;
               binds β = λ_max(P) + Σ aₖ‖cₖ‖² (a valid smoothness constant:
               ‖∇²f‖ ≤ that), its minimum f* = 0 and minimiser m.  Every other
               instance has aₖ = 0, a quadratic for which β is tight.
quadratic      f(w) = ½(w−m)ᵀH(w−m), H from ``hessian`` (default a random spd),
               m = 0 when ``centered``; binds β, f* = 0 (H ⪰ 0) and m
gd             w(k) = w(k−1) − η A ∇f(w(k−1)), w(0) = start (A defaults to I)
flow           w(s) solving ẇ = −A∇f(w), w(0) = start, for a quadratic f: in
               closed form w(s) = m + A^½ Q e^{−sD} Qᵀ A^{−½}(w(0) − m) where
               A^½ H A^½ = Q D Qᵀ, exact to the working precision
define         the value of an expression in earlier objects (with ``args``: a
               function of those arguments)
=============  ==============================================================

All draws come from ``random.Random`` seeded by the proof, the step and the
instance number, so a verification is reproducible; values are exact binary
numbers carried at 50 digits.

>>> import random
>>> v = KINDS["spd"].make(Draw(random.Random(0), 3, 0, {"min": 1, "max": 2}, {}))[0]
>>> import mpmath
>>> all(1 - 1e-40 < x < 2 + 1e-40 for x in mpmath.eigsy(v, eigvals_only=True))
True
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

import mpmath

from ..core.errors import InputError
from .numeric import EvaluationError, is_matrix, shape


@dataclass
class Draw:
    """What a kind's maker gets: the random source, the dimension, evaluated parameters."""

    rng: random.Random
    dim: int
    index: int  # the instance number (some kinds alternate families by it)
    params: dict[str, object]
    flags: dict[str, bool]


@dataclass(frozen=True)
class Kind:
    """How one kind of object is drawn, and which parameters it takes."""

    make: Callable[[Draw], tuple[object, dict[str, object]]]
    description: str
    exprs: tuple[str, ...] = ()  # parameters that are expressions in earlier objects
    binds: tuple[str, ...] = ()  # parameters that name objects this kind defines
    flags: tuple[str, ...] = ()  # boolean parameters
    defaults: dict[str, str] = field(default_factory=dict)
    required: tuple[str, ...] = ()  # expression parameters that have no default
    callable: bool = False  # f(x), w(t)
    function: bool = False  # has a gradient and a Hessian
    scalar: bool = False


# ---------------------------------------------------------------- building blocks

def _uniform(rng: random.Random, lo, hi):
    lo, hi = mpmath.mpf(lo), mpmath.mpf(hi)
    if hi < lo:
        raise EvaluationError(f"empty range [{mpmath.nstr(lo, 8)}, {mpmath.nstr(hi, 8)}]")
    return lo + (hi - lo) * mpmath.mpf(rng.random())


def _normal_matrix(rng: random.Random, rows: int, cols: int) -> mpmath.matrix:
    return mpmath.matrix([[mpmath.mpf(rng.gauss(0, 1)) for _ in range(cols)]
                          for _ in range(rows)])


def _orthogonal(rng: random.Random, d: int) -> mpmath.matrix:
    q, r = mpmath.qr(_normal_matrix(rng, d, d))
    # fix the signs so that Q is Haar-distributed rather than biased by QR's convention
    for j in range(d):
        if r[j, j] < 0:
            for i in range(d):
                q[i, j] = -q[i, j]
    return q


def _spd(rng: random.Random, d: int, lo, hi) -> mpmath.matrix:
    q = _orthogonal(rng, d)
    lam = [_uniform(rng, lo, hi) for _ in range(d)]
    return q * mpmath.diag(lam) * q.T


def _lambda_max(m: mpmath.matrix):
    return max(abs(x) for x in mpmath.eigsy(m, eigvals_only=True))


@dataclass
class SmoothFunction:
    """f(w) = ½(w−m)ᵀP(w−m) + Σₖ aₖ(1 − cos cₖᵀ(w−m)) with its gradient and Hessian."""

    P: mpmath.matrix
    m: mpmath.matrix
    a: list
    c: list

    def _phase(self, w):
        x = w - self.m
        return x, [(ck.T * x)[0] for ck in self.c]

    def value(self, w):
        x, z = self._phase(w)
        out = (x.T * self.P * x)[0] / 2
        return out + sum((ak * (1 - mpmath.cos(zk)) for ak, zk in zip(self.a, z, strict=True)),
                         mpmath.mpf(0))

    def grad(self, w):
        x, z = self._phase(w)
        out = self.P * x
        for ak, ck, zk in zip(self.a, self.c, z, strict=True):
            out += ak * mpmath.sin(zk) * ck
        return out

    def hess(self, w):
        _, z = self._phase(w)
        out = self.P.copy()
        for ak, ck, zk in zip(self.a, self.c, z, strict=True):
            out += ak * mpmath.cos(zk) * (ck * ck.T)
        return out

    @property
    def beta(self):
        return _lambda_max(self.P) + sum((ak * (ck.T * ck)[0] for ak, ck in
                                          zip(self.a, self.c, strict=True)), mpmath.mpf(0))


def _smooth(draw: Draw):
    d, rng = draw.dim, draw.rng
    P = _spd(rng, d, "0.2", "3")
    m = _normal_matrix(rng, d, 1)
    bumps = 0 if draw.index % 2 == 0 else 2
    a = [_uniform(rng, "0.2", "1") for _ in range(bumps)]
    c = [_normal_matrix(rng, d, 1) for _ in range(bumps)]
    f = SmoothFunction(P, m, a, c)
    return f, {"beta": f.beta, "min": mpmath.mpf(0), "argmin": m}


def _quadratic(draw: Draw):
    d, rng = draw.dim, draw.rng
    H = draw.params.get("hessian")
    if H is None:
        H = _spd(rng, d, "0.2", "4")
    if not is_matrix(H) or (H.rows, H.cols) != (d, d):
        raise EvaluationError(f"the hessian must be {d}×{d}, got {shape(H)}")
    m = mpmath.zeros(d, 1) if draw.flags.get("centered") else _normal_matrix(rng, d, 1)
    f = SmoothFunction(H, m, [], [])
    eigenvalues = mpmath.eigsy(H, eigvals_only=True)
    fmin = mpmath.mpf(0) if min(eigenvalues) >= 0 else mpmath.mpf("-inf")
    return f, {"beta": max(abs(x) for x in eigenvalues), "min": fmin, "argmin": m}


@dataclass
class GradientDescent:
    """The iterates w(k) = w(k−1) − η A ∇f(w(k−1)), computed once and kept."""

    f: SmoothFunction
    A: mpmath.matrix
    eta: mpmath.mpf
    path: list

    def __call__(self, k):
        n = int(mpmath.nint(k))
        if abs(k - n) > mpmath.mpf(10) ** -20 or n < 0:
            raise EvaluationError(f"gradient descent has iterates w(0), w(1), ... only; "
                                  f"asked for w({mpmath.nstr(k, 10)})")
        if n > 100_000:
            raise EvaluationError(f"w({n}): at most 100000 iterations")
        while len(self.path) <= n:
            w = self.path[-1]
            self.path.append(w - self.eta * (self.A * self.f.grad(w)))
        return self.path[n]


def _gd(draw: Draw):
    p = draw.params
    f, A, eta, start = p["f"], p["A"], p["eta"], p["start"]
    if not hasattr(f, "grad"):
        raise EvaluationError("gd needs a function object f")
    return GradientDescent(f, A, eta, [start]), {}


@dataclass
class GradientFlow:
    """w(s) = m + A^½ Q e^{−sD} Qᵀ A^{−½}(w(0) − m): the flow of a quadratic, in closed form."""

    m: mpmath.matrix
    left: mpmath.matrix  # A^½ Q
    right: mpmath.matrix  # Qᵀ A^{−½} (w(0) − m)
    rates: list

    def __call__(self, s):
        decay = mpmath.diag([mpmath.exp(-s * r) for r in self.rates])
        return self.m + self.left * (decay * self.right)


def _flow(draw: Draw):
    p = draw.params
    f, A, start = p["f"], p["A"], p["start"]
    if not isinstance(f, SmoothFunction) or f.a:
        raise EvaluationError("flow is available in closed form for quadratic functions only")
    evals, vecs = mpmath.eigsy(A)
    if min(evals) <= 0:
        raise EvaluationError("flow needs a symmetric positive definite A")
    root = vecs * mpmath.diag([mpmath.sqrt(x) for x in evals]) * vecs.T
    root_inv = vecs * mpmath.diag([1 / mpmath.sqrt(x) for x in evals]) * vecs.T
    rates, Q = mpmath.eigsy(root * f.P * root)
    left = root * Q
    right = Q.T * root_inv * (start - f.m)
    return GradientFlow(f.m, left, right, [rates[i] for i in range(len(rates))]), {}


def _scalar(draw: Draw):
    return _uniform(draw.rng, draw.params["min"], draw.params["max"]), {}


def _integer(draw: Draw):
    lo, hi = draw.params["min"], draw.params["max"]
    lo_i, hi_i = int(mpmath.ceil(lo)), int(mpmath.floor(hi))
    if hi_i < lo_i:
        raise EvaluationError(f"no integer in [{mpmath.nstr(lo, 8)}, {mpmath.nstr(hi, 8)}]")
    return mpmath.mpf(draw.rng.randint(lo_i, hi_i)), {}


def _eigenvalues(draw: Draw):
    lam = sorted(_uniform(draw.rng, draw.params["min"], draw.params["max"])
                 for _ in range(draw.dim))
    return mpmath.matrix(lam), {}


def _symmetric(draw: Draw):
    m = _normal_matrix(draw.rng, draw.dim, draw.dim)
    return (m + m.T) / 2, {}


_RANGE = ("min", "max")

#: kind name -> how an instance is drawn.
KINDS: dict[str, Kind] = {
    "scalar": Kind(_scalar, "uniform on [{min}, {max}]", exprs=_RANGE,
                   defaults={"min": "-3", "max": "3"}, scalar=True),
    "positive": Kind(_scalar, "uniform on [{min}, {max}]", exprs=_RANGE,
                     defaults={"min": "0.1", "max": "3"}, scalar=True),
    "integer": Kind(_integer, "an integer in [{min}, {max}]", exprs=_RANGE,
                    defaults={"min": "0", "max": "5"}, scalar=True),
    "dimension": Kind(lambda dr: (mpmath.mpf(dr.dim), {}), "the dimension", scalar=True),
    "vector": Kind(lambda dr: (_normal_matrix(dr.rng, dr.dim, 1), {}),
                   "a vector with standard normal entries"),
    "matrix": Kind(lambda dr: (_normal_matrix(dr.rng, dr.dim, dr.dim), {}),
                   "a matrix with standard normal entries"),
    "symmetric": Kind(_symmetric, "a random symmetric matrix"),
    "spd": Kind(lambda dr: (_spd(dr.rng, dr.dim, dr.params["min"], dr.params["max"]), {}),
                "a random symmetric positive definite matrix, eigenvalues in [{min}, {max}]",
                exprs=_RANGE, defaults={"min": "0.2", "max": "4"}),
    "orthogonal": Kind(lambda dr: (_orthogonal(dr.rng, dr.dim), {}),
                       "a random orthogonal matrix"),
    "eigenvalues": Kind(_eigenvalues, "sorted values uniform on [{min}, {max}]", exprs=_RANGE,
                        defaults={"min": "0.2", "max": "4"}),
    "smooth": Kind(_smooth, "a random β-smooth function (1/2)(w − m)ᵀP(w − m) + Σ a_k(1 − "
                   "cos c_kᵀ(w − m)) with P positive definite, a_k ≥ 0, β = λ_max(P) + Σ "
                   "a_k‖c_k‖², minimum 0 at m (non-convex in general; every other instance a "
                   "quadratic, where β is tight)",
                   binds=("beta", "min", "argmin"), callable=True, function=True),
    "quadratic": Kind(_quadratic, "a quadratic (1/2)(w − m)ᵀH(w − m), H positive definite "
                      "unless given", exprs=("hessian",),
                      binds=("beta", "min", "argmin"), flags=("centered",), callable=True,
                      function=True),
    "gd": Kind(_gd, "the gradient-descent iterates", exprs=("f", "eta", "start", "A"),
               defaults={"A": "eye()"}, required=("f", "eta", "start"), callable=True),
    "flow": Kind(_flow, "the gradient flow, in closed form", exprs=("f", "start", "A"),
                 defaults={"A": "eye()"}, required=("f", "start"), callable=True),
}


def kind(name: str, where: str) -> Kind:
    """The kind called ``name``, or an error listing the known kinds."""
    if name not in KINDS:
        raise InputError(f"{where}: unknown kind {name!r} (known: define, "
                         f"{', '.join(sorted(KINDS))})")
    return KINDS[name]
