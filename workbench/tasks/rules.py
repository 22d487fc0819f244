r"""The task ``rules``: the notes' differential rules and VJP/JVP/HVP identities, certified.

Each rule of :data:`RULES` states a differential, e.g. :math:`d(X^{-1}) = -X^{-1}\,dX\,X^{-1}`.
A rule is certified when, for random X, dX of three sizes, the rule's differential
agrees with JAX's directional derivative (``jax.jvp``) to 1e-10 and with a central
difference (f(X + h dX) − f(X − h dX))/2h, h = 1e-6, to 1e-6:

>>> ok, _ = certify_rule(RULES["inverse"])
>>> ok
True
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..backends import jaxutil
from .model import Math, Outcome, Table
from .registry import Context, Exercise, task
from .schema import Field


@dataclass(frozen=True)
class Rule:
    """A differential rule: f(X) and its claimed differential df(X; dX), numerically."""

    latex: str
    f: Callable
    df: Callable
    make: Callable  # (rng, n) -> tuple of arguments; the first is the variable


def _spd(rng, n):
    M = rng.standard_normal((n, n))
    return (M @ M.T + n * np.eye(n),)


def _square(rng, n):
    return (rng.standard_normal((n, n)) + n * np.eye(n),)


def _jnp():
    return jaxutil.jnp()


#: The notes' list of differential rules and autodiff identities (A, B constant).
RULES: dict[str, Rule] = {
    "scale": Rule(r"d(\alpha X) = \alpha\, dX", lambda X: 2.5 * X, lambda X, dX: 2.5 * dX,
                  _square),
    "AXB": Rule(r"d(AXB) = A\,dX\,B",
                lambda X: _C(X) @ X @ _C(X).T, lambda X, dX: _C(X) @ dX @ _C(X).T, _square),
    "transpose": Rule(r"d(X^\top) = (dX)^\top", lambda X: X.T, lambda X, dX: dX.T, _square),
    "product": Rule(r"d(XY) = dX\,Y + X\,dY \quad (Y = X^2)", lambda X: X @ (X @ X),
                    lambda X, dX: dX @ (X @ X) + X @ (dX @ X + X @ dX), _square),
    "inner": Rule(r"d\langle X, X\rangle = 2\langle dX, X\rangle", lambda X: (X * X).sum(),
                  lambda X, dX: 2 * (dX * X).sum(), _square),
    "quotient": Rule(r"d\!\left(\frac{X}{\varphi}\right) = \frac{\varphi\,dX - d\varphi\,X}"
                     r"{\varphi^2},\ \varphi = \operatorname{tr}(X^\top X)",
                     lambda X: X / (X * X).sum(),
                     lambda X, dX: ((X * X).sum() * dX - 2 * (X * dX).sum() * X)
                     / (X * X).sum() ** 2, _square),
    "det": Rule(r"d(\det X) = \det X\,\langle X^{-\top}, dX\rangle", lambda X: _det(X),
                lambda X, dX: _det(X) * (_inv(X).T * dX).sum(), _square),
    "trace": Rule(r"d(\operatorname{tr} X) = \langle I, dX\rangle", lambda X: _trace(X),
                  lambda X, dX: _trace(dX), _square),
    "inverse": Rule(r"d(X^{-1}) = -X^{-1}\,dX\,X^{-1}", lambda X: _inv(X),
                    lambda X, dX: -_inv(X) @ dX @ _inv(X), _spd),
    "exp_jvp": Rule(r"y = \exp(z):\ J = \operatorname{diag}(\exp z),\ dy = \exp(z) \odot dz",
                    lambda z: _exp(z), lambda z, dz: _exp(z) * dz,
                    lambda rng, n: (rng.standard_normal(n),)),
    "sum": Rule(r"d(X + Y) = dX + dY \quad (Y = X^\top X)", lambda X: X + X.T @ X,
                lambda X, dX: dX + dX.T @ X + X.T @ dX, _square),
    "chain": Rule(r"d f(g(X)) = \frac{df}{dg}\, dg(X),\ f = \log, g = \det",
                  lambda X: _log(_det(X)), lambda X, dX: (_inv(X).T * dX).sum(), _spd),
}


def _C(X):
    n = X.shape[0]
    return np.arange(1.0, n * n + 1).reshape(n, n) / n


def _is_jax(X) -> bool:
    return type(X).__module__.startswith("jax")


def _det(X):
    return _jnp().linalg.det(X) if _is_jax(X) else np.linalg.det(X)


def _inv(X):
    return _jnp().linalg.inv(X) if _is_jax(X) else np.linalg.inv(X)


def _trace(X):
    return _jnp().trace(X) if _is_jax(X) else np.trace(X)


def _exp(z):
    return _jnp().exp(z) if _is_jax(z) else np.exp(z)


def _log(z):
    return _jnp().log(z) if _is_jax(z) else np.log(z)


#: JAX's jvp is float64 autodiff of the same f: round-off only.
RULE_JAX_TOL = 1e-10
#: central differences, h = 1e-6: truncation O(h²) plus round-off ε/h, relative.
RULE_FD_TOL = 1e-6


def certify_rules(rules: dict[str, Rule], sizes=(2, 3, 5), seed: int = 0
                  ) -> dict[str, tuple[bool, str]]:
    """Each rule's differential against jax.jvp and central differences at random X, dX.

    Every rule draws its own instances from ``seed``; the JAX references of all
    rules at one size come from one compiled program (run op by op, JAX would
    compile each operation on its own).
    """
    jax = jaxutil.jax()
    draws = {}
    for name, rule in rules.items():
        rng = np.random.default_rng(seed)
        draws[name] = []
        for n in sizes:
            X, = rule.make(rng, n)
            draws[name].append((X, rng.standard_normal(X.shape)))
    jvps = jaxutil.jit_reference(lambda pairs: {
        name: jax.jvp(rules[name].f, (X,), (dX,))[1] for name, (X, dX) in pairs.items()})
    refs = [jvps({name: d[k] for name, d in draws.items()}) for k in range(len(sizes))]
    out = {}
    for name, rule in rules.items():
        worst_jax = worst_fd = 0.0
        for (X, dX), ref in zip(draws[name], (r[name] for r in refs), strict=True):
            claimed, ref = np.asarray(rule.df(X, dX)), np.asarray(ref)
            h = 1e-6
            fd = (np.asarray(rule.f(X + h * dX)) - np.asarray(rule.f(X - h * dX))) / (2 * h)
            scale = max(float(np.max(np.abs(ref))), 1.0)
            worst_jax = max(worst_jax, float(np.max(np.abs(claimed - ref))) / scale)
            worst_fd = max(worst_fd, float(np.max(np.abs(claimed - fd))) / scale)
        out[name] = (worst_jax < RULE_JAX_TOL and worst_fd < RULE_FD_TOL,
                     f"{worst_jax:.1e} vs autodiff, {worst_fd:.1e} vs central differences")
    return out


def certify_rule(rule: Rule, sizes=(2, 3, 5), seed: int = 0) -> tuple[bool, str]:
    """One rule certified as :func:`certify_rules` does: (holds, the worst errors)."""
    return certify_rules({"rule": rule}, sizes, seed)["rule"]


def _vjp_rows() -> list[tuple[str, bool, str]]:
    """The autodidact VJPs of add, multiply, subtract, divide, and the HVP identity."""
    jax, jnp = jaxutil.jax(), jaxutil.jnp()
    rng = np.random.default_rng(3)
    x, y, g = rng.standard_normal(5), rng.standard_normal(5) + 3, rng.standard_normal(5)
    table = {"add": (jnp.add, (g, g)), "multiply": (jnp.multiply, (y * g, x * g)),
             "subtract": (jnp.subtract, (g, -g)), "divide": (jnp.divide, (g / y, -g * x / y**2))}

    def f(v):
        return jnp.sum(jnp.sin(v) * v**2) + jnp.prod(v[:3])

    def references(x, y, g, v):  # every reference below, from one compiled program
        vjps = {name: jax.vjp(op, x, y)[1](g) for name, (op, _) in table.items()}
        hvp = jax.grad(lambda z: jnp.vdot(jax.grad(f)(z), v))(x)  # the notes' code
        return vjps, hvp, jax.hessian(f)(x), jax.jacfwd(jax.grad(f))(x)

    v = rng.standard_normal(5)
    vjps, hvp, H, Jg = jaxutil.jit_reference(references)(x, y, g, v)
    rows = []
    for name, (_, claimed) in table.items():
        err = max(float(np.max(np.abs(np.asarray(r) - c))) for r, c in zip(vjps[name], claimed,
                                                                          strict=True))
        rows.append((f"VJP of {name}", err < RULE_JAX_TOL, f"{err:.1e} vs autodiff"))
    full = np.asarray(H) @ v
    err = float(np.max(np.abs(np.asarray(hvp) - full)))
    rows.append(("HVP: $\\partial^2 f(x) v = \\partial[x \\to \\partial f(x) \\cdot v]$",
                 err < RULE_JAX_TOL,
                 f"{err:.1e} vs the full Hessian times v"))
    err = float(np.max(np.abs(np.asarray(H) - np.asarray(Jg).T)))
    rows.append(("$H = (J(\\nabla f))^\\top$", err < RULE_JAX_TOL,
                 f"{err:.1e} between the Hessian and the transposed Jacobian of the gradient"))
    return rows


@task("rules", required={},
      optional={"names": Field(list, "the rules to certify (default: all)", choices=tuple(RULES),
                               limit="list_items"),
                "sizes": Field(list, "sizes n of the random n × n instances (default [2, 3, 5])",
                               kind="sizes", limit="list_items")},
      example='''
names = ["inverse", "det"]
sizes = [2, 3]
''')
def rules(ex: Exercise, ctx: Context) -> Outcome:
    """The notes' differential rules and autodiff identities, each certified on random instances."""
    out = Outcome()
    names = ex.fields.get("names", list(RULES))
    sizes = tuple(ex.fields.get("sizes", [2, 3, 5]))
    rows, tex = [], []
    for name, (ok, detail) in certify_rules({k: RULES[k] for k in names}, sizes).items():
        tex.append(RULES[name].latex)
        rows.append([name, "✓" if ok else "✗", detail])
        out.check(f"rule {name}", ok, detail)
    for name, ok, detail in _vjp_rows():
        rows.append([name, "✓" if ok else "✗", detail])
        out.check(name, ok, detail)
    out.add(*(Math(t) for t in tex))
    out.add(Table(["rule", "certified", "max. relative error"], rows,
                  f"Random $X$, $dX$ of sizes {', '.join(map(str, sizes))} ($X + nI$, or "
                  "symmetric positive definite where an inverse is needed); tolerances "
                  f"{RULE_JAX_TOL:g} against automatic differentiation, {RULE_FD_TOL:g} "
                  "against central differences ($h = 10^{-6}$)"))
    return out
