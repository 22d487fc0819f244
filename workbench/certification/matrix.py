"""Certificates for matrix derivatives: concrete sizes, independent references.

A formula such as ∇ log det X = X⁻ᵀ is about matrices of every size; it is
checked on concrete ones, against references that never see the engine's
rules or its internal representation.  The user's *text* is read again by the
front end's :class:`~workbench.matrix_calculus.parse.Interpreter` with two other
algebras: explicit SymPy matrices with one symbol per entry, and NumPy/JAX
arrays.  The references:

* **symbolic** - at sizes 2 and mixed sizes (2, 3, …), the function is
  expanded into its entries, differentiated entry by entry by SymPy
  (∂f/∂X_ij, ∂²f/∂X_ij∂X_kl), and compared with the closed form at an exact
  random rational point in 50-digit arithmetic;
* **autodiff** - at sizes up to 50, ``jax.grad``/``jax.hessian``/``jax.jvp``
  of the function (float64) against the closed form evaluated with NumPy;
* **finite differences** - the directional derivative d/dt f(X + tV) by
  Richardson extrapolation against ⟨G, V⟩ (and ⟨V, H[V]⟩ for Hessians);
* **printed** - the printed NumPy text of each answer, read back by the same
  front end and evaluated, against the closed form: what users copy is checked.

Random instances respect the declarations: symmetric matrices are
symmetric, positive definite ones are BBᵀ/k + I, row-stochastic ones have
positive rows summing to one; points where the function is undefined are
redrawn.  Errors are mixed relative errors ‖a − b‖∞ / max(‖b‖∞, 1), and the
tolerances are those of :mod:`workbench.certification.base`.

The algebras and :func:`~.matrix_algebras.evaluate` are in :mod:`.matrix_algebras`,
the random instances in :mod:`.matrix_instances`, claimed formulas in
:mod:`.matrix_claims`; this module holds the certificate, the checks and
:func:`solve`.

>>> from workbench.matrix_calculus.parse import parse_matrix
>>> from workbench.matrix_calculus.derive import derive
>>> d = derive(parse_matrix("trace(A @ X @ B)"), "X")
>>> certify_derivation(d).verdict
'certified'
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from ..backends import jaxutil
from ..matrix_calculus import expr as mx
from ..matrix_calculus.derive import Derivation, derive
from ..matrix_calculus.parse import parse_matrix
from ..matrix_calculus.printing import to_numpy
from ..numerics import finite_diff
from .base import Certificate, mixed_error, tolerance, tolerances
from .matrix_algebras import ArrayAlgebra, ExactAlgebra, evaluate, interpret_with, size_of
from .matrix_instances import (
    constants,
    finite,
    random_array,
    random_rational,
    scalar_value,
    size_orders,
)

#: The references of a matrix certificate (tolerances and reasons in :mod:`.base`).
MATRIX_REFERENCES = ("autodiff", "finite_difference", "finite_difference_hessian", "symbolic",
                     "printed")

#: Sizes for the symbolic check (every dimension the same, then all different).
SYMBOLIC_SIZES = (2,)
#: Sizes for the numeric checks; extra dimensions get size + 1, + 2, ...
NUMERIC_SIZES = (3, 50)
#: Numeric sizes also checked against JAX autodiff (each costs one XLA compilation).
AUTODIFF_SIZES = (50,)
#: Largest variable (entries) for which full Hessian and Kronecker matrices are formed.
FULL_MATRIX_LIMIT = 100


# ============================================================================ the certificate


@dataclass
class MatrixCertificate(Certificate):
    """A :class:`~.base.Certificate` plus the sizes it was checked at.

    ``verdict`` is certified | mismatch | undefined; ``failures`` are dicts.
    """

    tolerances: dict[str, float] = field(
        default_factory=lambda: tolerances(MATRIX_REFERENCES))
    sizes: list[dict] = field(default_factory=list)


def _exact_error(a, b) -> float:
    """The mixed relative error of exact values, at 50 digits, as a float."""
    return float(mixed_error(a, b))


class _Recorder:
    def __init__(self):
        self.errors: dict[str, float] = {}
        self.failures: list[dict] = []

    def record(self, reference: str, what: str, error: float, sizes: dict,
               tolerance_key: str | None = None) -> None:
        tol = tolerance(tolerance_key or reference)
        self.errors[reference] = max(self.errors.get(reference, 0.0), error)
        if not error <= tol:
            self.failures.append({"reference": reference, "what": what, "sizes": dict(sizes),
                                  "rel_error": error, "tolerance": tol})


# ---------------------------------------------------------------------------- symbolic


def _entry_symbols(wrt: str, shape) -> sp.Matrix:
    r, c = shape
    return sp.Matrix(r, c, lambda i, j: sp.Symbol(f"{wrt}_{i}_{j}", real=True))


def _vec(M):
    return [M[i, j] for j in range(M.shape[1]) for i in range(M.shape[0])] \
        if isinstance(M, sp.MatrixBase) else [M]


def _symbolic_check(d, dims, rng, rec: _Recorder) -> bool:
    problem, decl, wrt = d.problem, d.problem.declarations, d.wrt
    answers = d.answers()
    for _ in range(10):
        consts = constants(decl, wrt, dims, rng, exact=True)
        if d.kind == "scalar":
            S = sp.Matrix([[sp.Symbol(f"{wrt}_0_0", real=True)]])
            point = sp.Matrix([[scalar_value(rng, True)]])
            var_value = S[0, 0]
        else:
            leaf = decl.leaf(wrt)
            S = _entry_symbols(wrt, (size_of(leaf.rows, dims), size_of(leaf.cols, dims)))
            point = random_rational(leaf, dims, rng)
            var_value = (S + S.T) / 2 if leaf.symmetric else S
        f = problem.interpret(ExactAlgebra({**consts, wrt: var_value}, dims))
        at = dict(zip(list(S), list(point), strict=True))
        f0 = f.xreplace(at) if isinstance(f, sp.MatrixBase) else sp.sympify(f).xreplace(at)
        if all((num := sp.N(x, 20)).is_real and num.is_finite for x in _vec(f0)):
            break
    else:
        return False
    point_value = point[0, 0] if d.kind == "scalar" else point
    closed = ExactAlgebra({**consts, wrt: point_value}, dims)
    flat_vars = _vec(S)
    if "gradient" in answers:
        g = sp.Matrix(S.shape[0], S.shape[1], lambda i, j: sp.diff(f, S[i, j]))
        rec.record("symbolic", "gradient",
                   _exact_error(_as_matrix(evaluate(answers["gradient"], closed)), g.xreplace(at)),
                   dims)
        if "hessian" in answers:
            flat_g = _vec(g)
            H = sp.Matrix(len(flat_vars), len(flat_vars),
                          lambda i, j: sp.diff(flat_g[i], flat_vars[j]))
            rec.record("symbolic", "hessian",
                       _exact_error(_as_matrix(evaluate(answers["hessian"], closed)),
                                    H.xreplace(at)), dims)
        if "hvp" in answers or "hessian_kron" in answers:
            _symbolic_hvp(d, answers, g, S, at, consts, point, dims, rng, rec)
        for k, v in d.derivatives.items():
            truth = sp.diff(f, S[0, 0], k).xreplace(at)
            rec.record("symbolic", f"derivative_{k}", _exact_error(evaluate(v, closed), truth),
                       dims)
    if "jacobian" in answers:
        out = _vec(f) if isinstance(f, sp.MatrixBase) else [f]
        J = sp.Matrix(len(out), len(flat_vars), lambda i, j: sp.diff(out[i], flat_vars[j]))
        got = _as_matrix(evaluate(answers["jacobian"], closed))
        if d.kind == "scalar":
            J = sp.Matrix(f.shape[0], f.shape[1], lambda i, j: sp.diff(f[i, j], S[0, 0])) \
                if isinstance(f, sp.MatrixBase) else J
        rec.record("symbolic", "jacobian", _exact_error(got, J.xreplace(at)), dims)
    return True


def _as_matrix(x):
    return x if isinstance(x, sp.MatrixBase) else sp.Matrix([[x]])


def _symbolic_hvp(d, answers, g, S, at, consts, point, dims, rng, rec) -> None:
    leaf = d.problem.declarations.leaf(d.wrt)
    V = random_rational(mx.Leaf("V", leaf.rows, leaf.cols, symmetric=leaf.symmetric), dims, rng)
    flat, flat_g = _vec(S), _vec(g)
    Hfull = sp.Matrix(len(flat), len(flat), lambda i, j: sp.diff(flat_g[i], flat[j])).xreplace(at)
    truth = Hfull * sp.Matrix(_vec(V))
    if "hvp" in answers:
        alg = ExactAlgebra({**consts, d.wrt: point, d.hvp_direction: V}, dims)
        rec.record("symbolic", "hvp", _exact_error(sp.Matrix(_vec(evaluate(answers["hvp"], alg))),
                                                   truth), dims)
    if "hessian_kron" in answers:
        alg = ExactAlgebra({**consts, d.wrt: point}, dims)
        K = _as_matrix(evaluate(answers["hessian_kron"], alg))
        rec.record("symbolic", "hessian_kron", _exact_error(K * sp.Matrix(_vec(V)), truth), dims)


# ---------------------------------------------------------------------------- numeric


def _numeric_check(d, dims, rng, rec: _Recorder, autodiff: bool = True) -> bool:
    problem, decl, wrt = d.problem, d.problem.declarations, d.wrt
    answers = d.answers()
    leaf = decl.leaf(wrt) if d.kind != "scalar" else None
    sym = leaf is not None and leaf.symmetric

    def f_np(X):
        X = (X + X.T) / 2 if sym else X
        return problem.interpret(ArrayAlgebra(np, {**consts, wrt: X}, dims))

    for _ in range(10):
        consts = constants(decl, wrt, dims, rng, exact=False)
        X0 = float(scalar_value(rng, False)) if leaf is None else random_array(leaf, dims, rng)
        try:
            with np.errstate(all="ignore"):
                y0 = f_np(X0)
        except np.linalg.LinAlgError:
            continue
        if finite(y0) and _well_conditioned(problem.value, {**consts, wrt: X0}, dims):
            break
    else:
        return False
    V = float(rng.standard_normal()) if leaf is None else random_array(
        mx.Leaf("V", leaf.rows, leaf.cols, symmetric=sym), dims, rng)
    refs = _autodiff(d, answers, consts, X0, V, dims) if autodiff else {}
    closed = ArrayAlgebra(np, {**consts, wrt: X0}, dims)
    with np.errstate(all="ignore"):
        if "gradient" in answers:
            _numeric_gradient(answers, f_np, refs, closed, X0, V, d, dims, rec)
        if "jacobian" in answers:
            _numeric_jacobian(answers, f_np, y0, refs, closed, X0, V, d, dims, rec)
        _printed(d, answers, closed, consts, X0, V, dims, rec)
    return True


#: Largest condition number of a matrix that is inverted (or whose det is differentiated)
#: at a float64 test point; beyond it the point is redrawn, not judged.
MAX_CONDITION = 1e8


def _well_conditioned(f, values: dict, dims: dict) -> bool:
    """Every matrix that f inverts or takes the determinant of is far from singular here."""
    alg = ArrayAlgebra(np, values, dims)
    for node in mx.walk(f):
        if isinstance(node, mx.Inverse | mx.Det):
            try:
                M = np.asarray(evaluate(node.arg, alg), dtype=float)
            except (np.linalg.LinAlgError, ValueError):
                return False
            if M.ndim == 2 and not np.linalg.cond(M) < MAX_CONDITION:
                return False
    return True


def _autodiff(d, answers, consts, X0, V, dims) -> dict:
    """Every JAX reference for one instance, from one compiled program.

    The constants are arguments of the program (not baked into it), and the
    function is the user's text read with ``jax.numpy`` arrays.
    """
    jax, jnp = jaxutil.jax(), jaxutil.jnp()
    problem, wrt = d.problem, d.wrt
    sym = d.kind == "matrix" and problem.declarations.leaf(wrt).symmetric
    full = "hessian" in answers and np.size(X0) <= FULL_MATRIX_LIMIT
    second = any(k in answers for k in ("hessian", "hvp", "hessian_kron"))

    def f(X, c):
        X = (X + X.T) / 2 if sym else X
        return problem.interpret(ArrayAlgebra(jnp, {**c, wrt: X}, dims))

    def program(X, V, c):
        out = {}
        if "gradient" in answers:
            grad_f = lambda Y: jax.grad(f)(Y, c)  # noqa: E731
            if second:   # the gradient and H[V] from one trace of the gradient
                out["grad"], out["hvp"] = jax.jvp(grad_f, (X,), (V,))
            else:
                out["grad"] = grad_f(X)
            if full:
                out["hessian"] = jax.hessian(f)(X, c)
            g = f
            for k in range(1, max(d.derivatives, default=0) + 1):
                g = jax.grad(g)
                if k in d.derivatives:
                    out[f"derivative_{k}"] = g(X, c)
        else:
            out["jacobian"] = jax.jacfwd(f)(X, c)
        return out

    c = {k: jnp.asarray(v) for k, v in consts.items()}
    result = jaxutil.jit_reference(program)(jnp.asarray(X0), jnp.asarray(V), c)
    return {k: np.asarray(v) for k, v in result.items()}


def _numeric_gradient(answers, f_np, refs, closed, X0, V, d, dims, rec):
    G = np.asarray(evaluate(answers["gradient"], closed), dtype=float)
    if "grad" in refs:
        rec.record("autodiff", "gradient", mixed_error(G, refs["grad"]), dims)
    phi = lambda t: f_np(X0 + t * V)  # noqa: E731
    fd = float(finite_diff.richardson(phi, 0.0))
    rec.record("finite_difference", "gradient", mixed_error(np.sum(G * V), fd), dims)
    hvp_ad = refs.get("hvp")
    if "hessian" in answers or "hvp" in answers:   # ⟨V, H[V]⟩ = d²/dt² f(X + tV)
        curvature = float(finite_diff.hessian(phi, [0.0], levels=1)[0, 0])
    if "hessian" in answers:
        H = np.asarray(evaluate(answers["hessian"], closed), dtype=float)
        HV = (H @ V if np.ndim(H) == 2 else H * V)
        if hvp_ad is not None:
            rec.record("autodiff", "hessian", mixed_error(HV, hvp_ad), dims)
        if "hessian" in refs:
            rec.record("autodiff", "hessian", mixed_error(H, refs["hessian"].reshape(np.shape(H))),
                       dims)
        rec.record("finite_difference", "hessian", mixed_error(np.sum(V * HV), curvature), dims,
                   "finite_difference_hessian")
    if "hvp" in answers:
        alg = ArrayAlgebra(np, {**closed.values, d.hvp_direction: V}, dims)
        HV = np.asarray(evaluate(answers["hvp"], alg), dtype=float)
        if hvp_ad is not None:
            rec.record("autodiff", "hvp", mixed_error(HV, hvp_ad), dims)
        rec.record("finite_difference", "hvp", mixed_error(np.sum(V * HV), curvature), dims,
                   "finite_difference_hessian")
    for k, v in d.derivatives.items():
        if f"derivative_{k}" in refs:
            rec.record("autodiff", f"derivative_{k}",
                       mixed_error(evaluate(v, closed), refs[f"derivative_{k}"]), dims)
    if "hessian_kron" in answers and np.size(X0) <= FULL_MATRIX_LIMIT and hvp_ad is not None:
        K = np.asarray(evaluate(answers["hessian_kron"], closed), dtype=float)
        kv = K @ np.reshape(V.T, (-1, 1))
        rec.record("autodiff", "hessian_kron", mixed_error(kv, np.reshape(hvp_ad.T, (-1, 1))), dims)


def _numeric_jacobian(answers, f_np, y0, refs, closed, X0, V, d, dims, rec):
    J = np.asarray(evaluate(answers["jacobian"], closed), dtype=float)
    J_ad = refs.get("jacobian")
    if d.kind == "scalar":
        if J_ad is not None:
            rec.record("autodiff", "jacobian", mixed_error(J, J_ad), dims)
        Jv = J * V
    elif d.kind == "vector" and d.output == "vector":
        if J_ad is not None:
            rec.record("autodiff", "jacobian", mixed_error(J, J_ad.reshape(J.shape)), dims)
        Jv = J @ V
    else:  # vec layout: rows vec(f), columns vec(X)
        out_shape = np.shape(y0)
        if J_ad is not None:
            fo = J_ad.reshape(out_shape + np.shape(X0))
            if len(out_shape) == 2:
                fo = np.transpose(fo, (1, 0, 3, 2))
            rec.record("autodiff", "jacobian", mixed_error(J, fo.reshape(J.shape)), dims)
        Jv = (J @ np.reshape(V.T, (-1, 1)))
        Jv = np.reshape(Jv, out_shape[::-1]).T if len(out_shape) == 2 else Jv
    phi = lambda t: np.asarray(f_np(X0 + t * V), dtype=float)  # noqa: E731
    fd = finite_diff.richardson(phi, 0.0)
    rec.record("finite_difference", "jacobian", mixed_error(np.reshape(Jv, np.shape(fd)), fd), dims)


def _printed(d, answers, closed, consts, X0, V, dims, rec) -> None:
    """Read each printed answer back through the front end and evaluate it."""
    for what in ("gradient", "hessian", "jacobian", "hvp",
                 *(f"derivative_{k}" for k in d.derivatives)):
        value = answers.get(what)
        if value is None or (what == "jacobian" and d.kind == "matrix"):
            continue
        if what == "jacobian" and d.output == "matrix":
            continue
        extra = {}
        if what == "hvp":
            extra[d.hvp_direction] = V
        text = to_numpy(value)
        alg = ArrayAlgebra(np, {**consts, d.wrt: X0, **extra}, dims)
        got = d.problem.interpret(alg, text) if not extra else interpret_with(d, text, alg, extra)
        rec.record("printed", what, mixed_error(got, evaluate(value, alg)), dims)


# ---------------------------------------------------------------------------- driver


def certify_derivation(d, symbolic_sizes=SYMBOLIC_SIZES, numeric_sizes=NUMERIC_SIZES,
                       autodiff_sizes=AUTODIFF_SIZES, seed: int = 0) -> MatrixCertificate:
    """Check every formula of a derivation (see the module docstring).

    ``symbolic_sizes``: exact entrywise checks (plus one with all dimensions
    different); ``numeric_sizes``: float64 instances checked by finite
    differences and the printed text; ``autodiff_sizes``: those of them also
    checked against JAX (one compiled program per size).
    """
    rng = np.random.default_rng(seed)
    rec = _Recorder()
    decl = d.problem.declarations
    mixed_dims = len(decl.dims) > 1
    plans = [("symbolic", s, False) for s in symbolic_sizes]
    if mixed_dims and symbolic_sizes:
        plans += [("symbolic", min(symbolic_sizes), True)]
    plans += [("numeric", s, mixed_dims) for s in numeric_sizes]
    sizes, checked, missing = [], 0, []
    for kind, size, mixed in plans:
        for dims in size_orders(decl, size, mixed):   # e.g. log det(XᵀX) needs rows ≥ cols
            if kind == "symbolic":
                ok = _symbolic_check(d, dims, rng, rec)
            else:
                ok = _numeric_check(d, dims, rng, rec, autodiff=size in autodiff_sizes)
            if ok:
                break
        if ok:
            checked += 1
            sizes.append({"reference": kind, **dims})
        else:
            missing.append(dims)
    if missing or not checked:
        return MatrixCertificate("undefined", rec.errors, checked, sizes=sizes,
                                 failures=rec.failures,
                                 note=f"no point in the domain found at sizes {missing}")
    verdict = "mismatch" if rec.failures else "certified"
    exact = ", ".join(str(s) for s in symbolic_sizes) + (" and mixed sizes" if mixed_dims else "")
    note = (f"{checked} random instances: exact entrywise SymPy derivatives at size {exact}; "
            f"float64 finite differences at {', '.join(map(str, numeric_sizes))}; JAX autodiff "
            f"at {', '.join(map(str, autodiff_sizes))}")
    return MatrixCertificate(verdict, rec.errors, checked, sizes=sizes, failures=rec.failures,
                             note=note)



# ============================================================================ answers


@dataclass
class MatrixResult:
    """A derivation with its certificate.  Formulas are exposed only when certified."""

    derivation: Derivation
    certificate: MatrixCertificate

    @property
    def ok(self) -> bool:
        return self.certificate.ok

    def answer(self, what: str):
        """The certified value of ``gradient``/``hessian``/``jacobian``/``hvp``/``hessian_kron``
        (or ``derivative_k`` for k ≥ 3); None unless certified."""
        if not self.ok:
            return None
        try:
            return self.derivation.formula(what)
        except KeyError:   # an order not derived
            return None


def solve(text: str, wrt: str, shapes=None, scalars=None, symmetric=None, pd=None,
          stochastic=None, hessian: bool = False, order: int = 1,
          **certify_options) -> MatrixResult:
    """Parse, derive and certify: the one call for a certified matrix derivative.

    >>> r = solve("log(det(X))", "X")
    >>> r.certificate.verdict, to_numpy(r.answer("gradient"))
    ('certified', 'inv(X).T')
    """
    problem = parse_matrix(text, shapes, scalars, symmetric, pd, stochastic)
    derivation = derive(problem, wrt, hessian=hessian, order=order)
    return MatrixResult(derivation, certify_derivation(derivation, **certify_options))
