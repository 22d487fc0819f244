"""First-order optimizers: gradient descent and its relatives, run on compiled symbolic gradients.

Every method is one update rule w_{t+1} = w_t + Δ_t, listed in ONE table,
:data:`RULES` (g_t = ∇f(w_t), η_t the learning rate at step t)::

    gd              Δ = −η g                                   (descent)
    ascent          Δ = +η g                                   (maximizing)
    preconditioned  Δ = −η A g                                 (A symmetric positive definite)
    momentum        v ← μ v + g,            Δ = −η v           (heavy ball, v₁ = g₁)
    nesterov        v ← μ v + g,            Δ = −η (g + μ v)   (look-ahead form)
    adam            m ← β₁m + (1−β₁)g,  s ← β₂s + (1−β₂)g²,
                    m̂ = m/(1−β₁ᵗ),  ŝ = s/(1−β₂ᵗ),   Δ = −η m̂ / (√ŝ + ε)

The momentum and Nesterov forms are those of ``torch.optim.SGD`` (dampening 0);
Nesterov's look-ahead gradient ∇f(w + μv) is absorbed by the change of
variables w ↦ w − ημv (Sutskever et al. 2013), so every rule needs only ∇f(w_t).
Adam is Kingma & Ba's with bias correction, ε = 1e-8 by default.

:func:`minimize` runs a rule on an :class:`Objective` (f and ∇f compiled from
SymPy with :func:`workbench.backends.compile.compile`), records the path and values, and
stops on the first of

* tolerance: |f(w_{t+1}) − f(w_t)| < tol (HW1 uses 1e-7; tol = 0 turns it off);
* early stopping: no improvement larger than ``min_delta`` for ``patience`` steps;
* the step budget;
* divergence: a non-finite or astronomically large value (|f| or ‖w‖ > 1e100),
  reported as ``status = "diverged"``, never as a result.

The functions minimized (:class:`Objective`, :data:`TEST_FUNCTIONS`) are
:mod:`workbench.optim.objectives`; their names are importable from here too.

Learning-rate schedules (step decay by γ every k steps) are callables
``schedule(lr0, t)``.

>>> run = minimize(objective("x**2 - 4*x + 4"), [0.0], "gd", lr=0.4, steps=5, tol=0)
>>> [round(float(p[0]), 10) for p in run.path[1:]]
[1.6, 1.92, 1.984, 1.9968, 1.99936]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy as sp

from ..core.errors import InputError
from ..core.parse import parse_number
from ..symbolic.calculus import gradient

# the objectives are imported from here by callers too: re-exported
from .objectives import TEST_FUNCTIONS, NamedFunction, Objective, objective, start_point

__all__ = ["BLOWUP", "DEFAULT_TOL", "HYPER_KEYS", "MAX_STEPS", "RULES", "TEST_FUNCTIONS",
           "TORCH_OPTIMIZERS", "EarlyStopping", "Hyper", "NamedFunction", "Objective", "Optimizer",
           "Rule", "Run", "State", "StepDecay", "check_lr", "constant", "exact", "exact_steps",
           "minimize", "objective", "start_point", "torch_path"]


#: HW1's stopping tolerance on the change of f between two steps.
DEFAULT_TOL = 1e-7
#: Beyond this, |f| or ‖w‖ counts as divergence (float64 overflows at ~1.8e308).
BLOWUP = 1e100
MAX_STEPS = 1_000_000

State = dict[str, np.ndarray]

#: The scalar hyperparameters of :class:`Hyper`, as exercises and the CLI name them.
HYPER_KEYS = ("momentum", "beta1", "beta2", "eps")


@dataclass(frozen=True)
class Hyper:
    """Hyperparameters of the update rules (the names of the HW1/PyTorch APIs)."""

    momentum: float = 0.9
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    A: np.ndarray | None = None

    def check(self) -> Hyper:
        for name in ("momentum", "beta1", "beta2"):
            v = getattr(self, name)
            if not (np.isfinite(v) and 0 <= v < 1):
                raise InputError(f"{name} must lie in [0, 1), got {v}")
        if not (np.isfinite(self.eps) and self.eps > 0):
            raise InputError(f"eps must be positive, got {self.eps}")
        return self


# ----------------------------------------------------------------------------- the rules


def _gd(g, s: State, t: int, lr: float, h: Hyper):
    return -lr * g


def _ascent(g, s: State, t: int, lr: float, h: Hyper):
    return lr * g


def _preconditioned(g, s: State, t: int, lr: float, h: Hyper):
    return -lr * (h.A @ g.reshape(-1)).reshape(g.shape)


def _velocity(g, s: State, t: int, h: Hyper):
    # v₁ = g₁, then v ← μv + g: PyTorch's buffer, which starts at the first gradient
    s["v"] = g.copy() if t == 1 else h.momentum * s["v"] + g
    return s["v"]


def _momentum(g, s: State, t: int, lr: float, h: Hyper):
    return -lr * _velocity(g, s, t, h)


def _nesterov(g, s: State, t: int, lr: float, h: Hyper):
    v = _velocity(g, s, t, h)
    return -lr * (g + h.momentum * v)


def _adam(g, s: State, t: int, lr: float, h: Hyper):
    m = s.get("m", np.zeros_like(g))
    v = s.get("s", np.zeros_like(g))
    s["m"] = h.beta1 * m + (1 - h.beta1) * g
    s["s"] = h.beta2 * v + (1 - h.beta2) * g * g
    m_hat = s["m"] / (1 - h.beta1**t)
    v_hat = s["s"] / (1 - h.beta2**t)
    return -lr * m_hat / (np.sqrt(v_hat) + h.eps)


@dataclass(frozen=True)
class Rule:
    """One optimizer: its update equations (LaTeX), the code, and whether it maximizes."""

    equations: tuple[str, ...]
    delta: Callable[[np.ndarray, State, int, float, Hyper], np.ndarray]
    maximizes: bool = False

    @property
    def latex(self) -> str:
        """The update on one line."""
        return r",\quad ".join(self.equations)


RULES: dict[str, Rule] = {
    "gd": Rule((r"w_{t+1} = w_t - \eta\,\nabla f(w_t)",), _gd),
    "ascent": Rule((r"w_{t+1} = w_t + \eta\,\nabla f(w_t)",), _ascent, maximizes=True),
    "preconditioned": Rule((r"w_{t+1} = w_t - \eta\,A\,\nabla f(w_t)",), _preconditioned),
    "momentum": Rule((r"v_{t+1} = \mu v_t + \nabla f(w_t)", r"w_{t+1} = w_t - \eta\,v_{t+1}"),
                     _momentum),
    "nesterov": Rule((r"v_{t+1} = \mu v_t + \nabla f(w_t)",
                      r"w_{t+1} = w_t - \eta\,(\nabla f(w_t) + \mu v_{t+1})"), _nesterov),
    "adam": Rule((r"m_{t} = \beta_1 m_{t-1} + (1-\beta_1) g_t",
                  r"s_{t} = \beta_2 s_{t-1} + (1-\beta_2) g_t^2",
                  r"w_{t} = w_{t-1} - \eta\,\frac{m_t/(1-\beta_1^t)}{\sqrt{s_t/(1-\beta_2^t)}"
                  r" + \varepsilon}"), _adam),
}


def check_lr(lr: float) -> float:
    """A learning rate must be a finite positive number."""
    try:
        lr = float(lr)
    except (TypeError, ValueError):
        raise InputError(f"learning rate must be a number, got {lr!r}") from None
    if not np.isfinite(lr) or lr <= 0:
        raise InputError(f"learning rate must be positive and finite, got {lr:g}")
    return lr


# ------------------------------------------------------------------ schedules, early stopping


@dataclass(frozen=True)
class StepDecay:
    """η_t = η₀ · γ^⌊t/k⌋: multiply the rate by ``gamma`` every ``every`` steps (the lab's rule)."""

    gamma: float
    every: int

    def __post_init__(self):
        if not (0 < self.gamma <= 1):
            raise InputError(f"step decay gamma must lie in (0, 1], got {self.gamma}")
        if int(self.every) != self.every or self.every < 1:
            raise InputError(f"step decay 'every' must be a positive integer, got {self.every}")

    def __call__(self, lr0: float, t: int) -> float:
        return lr0 * self.gamma ** (t // self.every)


def constant(lr0: float, t: int) -> float:
    return lr0


@dataclass
class EarlyStopping:
    """Stop after ``patience`` consecutive steps that do not improve the best loss by > min_delta.

    An improvement is loss < best − min_delta; anything else (a smaller gain, a
    plateau, or a worse loss) counts toward the patience.
    """

    patience: int
    min_delta: float = 0.0
    best: float = float("inf")
    waited: int = 0

    def __post_init__(self):
        if int(self.patience) != self.patience or self.patience < 1:
            raise InputError(f"patience must be a positive integer, got {self.patience}")
        if not (np.isfinite(self.min_delta) and self.min_delta >= 0):
            raise InputError(f"min_delta must be ≥ 0, got {self.min_delta}")

    def update(self, loss: float) -> bool:
        """Record ``loss``; True when training should stop."""
        if loss < self.best - self.min_delta:
            self.best, self.waited = loss, 0
        else:
            self.best = min(self.best, loss)
            self.waited += 1
        return self.waited >= self.patience


# ------------------------------------------------------------------------------ optimizer


class Optimizer:
    """A stateful update rule: ``w = opt.step(w, grad)`` advances one step.

    Works on parameter arrays of any shape (the models reuse it on flattened
    weights); the rule's state (velocity, moments) lives here.
    """

    def __init__(self, method: str = "gd", lr: float = 0.1,
                 schedule: Callable[[float, int], float] | None = None, **hyper: Any):
        if method not in RULES:
            raise InputError(f"unknown method {method!r} (choose from {', '.join(RULES)})")
        self.rule = RULES[method]
        self.lr0 = check_lr(lr)
        self.schedule = schedule or constant
        self.hyper = Hyper(**hyper).check()
        self.state: State = {}
        self.t = 0
        if method == "preconditioned" and self.hyper.A is None:
            raise InputError("the preconditioned method needs a matrix A")

    @property
    def lr(self) -> float:
        """The learning rate the next step will use."""
        return self.schedule(self.lr0, self.t)

    def step(self, w: np.ndarray, g: np.ndarray, lr: float | None = None) -> np.ndarray:
        """w_{t+1} = w_t + Δ_t; ``lr`` overrides the schedule (loops that decay per epoch)."""
        lr = self.lr if lr is None else lr
        self.t += 1
        return w + self.rule.delta(np.asarray(g, dtype=float), self.state, self.t, lr, self.hyper)


@dataclass
class Run:
    """An optimizer's trajectory: points, values, rates used, and why it stopped."""

    method: str
    lr: float
    variables: list[str]
    path: np.ndarray        # (steps + 1, n); the start point first
    values: np.ndarray      # f along the path
    lrs: list[float]
    status: str
    message: str = ""
    hyper: dict = field(default_factory=dict)

    @property
    def steps(self) -> int:
        return len(self.path) - 1

    @property
    def converged(self) -> bool:
        return self.status == "converged"

    @property
    def diverged(self) -> bool:
        return self.status in ("diverged", "left_domain")

    @property
    def final(self) -> np.ndarray:
        return self.path[-1]

    @property
    def value(self) -> float:
        return float(self.values[-1])

    def to_dict(self) -> dict:
        ok = not self.diverged
        return {
            "method": self.method, "lr": self.lr, "variables": self.variables,
            "path": self.path.tolist(),
            "final": self.final.tolist() if ok else None,
            "value": self.value if ok else None,
            "steps": self.steps, "converged": self.converged, "status": self.status,
            "diverged": self.diverged, "message": self.message, "hyper": self.hyper,
        }


def _blown(w: np.ndarray, fw: float) -> bool:
    return not (np.all(np.isfinite(w)) and np.isfinite(fw)
                and abs(fw) <= BLOWUP and np.max(np.abs(w)) <= BLOWUP)


def minimize(obj: Objective, x0: Sequence[float], method: str = "gd", lr: float = 0.1,
             steps: int = 1000, tol: float = DEFAULT_TOL,
             schedule: Callable[[float, int], float] | None = None,
             early_stopping: EarlyStopping | None = None, **hyper: Any) -> Run:
    """Run ``method`` on ``obj`` from ``x0``; see the module docstring for the stopping rules.

    ``method="ascent"`` maximizes f.  The returned :class:`Run` holds every point
    visited; a diverged run keeps the last finite point and says where it blew up.
    """
    if int(steps) != steps or not 0 <= steps <= MAX_STEPS:
        raise InputError(f"steps must be an integer in [0, {MAX_STEPS}], got {steps}")
    if not (np.isfinite(tol) and tol >= 0):
        raise InputError(f"tolerance must be ≥ 0 (0 turns it off), got {tol}")
    opt = Optimizer(method, lr, schedule, **hyper)
    w = start_point(obj, x0)
    fw = obj.value(w)
    path, values, lrs = [w], [fw], []
    status, message = "budget", f"step budget of {steps} reached"
    for t in range(1, int(steps) + 1):
        g = obj.grad(w)
        if not np.all(np.isfinite(g)):
            status = "left_domain"
            message = (f"step {t}: ∇f is not finite at {_where(obj, w)}; the iterates left "
                       "the domain of f")
            break
        lrs.append(opt.lr)
        w_new = opt.step(w, g)
        f_new = obj.value(w_new) if np.all(np.isfinite(w_new)) else float("nan")
        if _blown(w_new, f_new):
            status = "diverged"
            message = (f"diverged at step {t}: f = {f_new:.3g} at {_where(obj, w_new)} "
                       f"(is the learning rate {lrs[-1]:g} too large?)")
            break
        path.append(w_new)
        values.append(f_new)
        change = abs(f_new - fw)
        w, fw = w_new, f_new
        if tol > 0 and change < tol:
            status, message = "converged", f"|Δf| = {change:.2e} < tol {tol:g} at step {t}"
            break
        if early_stopping is not None and early_stopping.update(-fw if opt.rule.maximizes
                                                                else fw):
            status = "early_stopped"
            message = (f"no improvement above {early_stopping.min_delta:g} for "
                       f"{early_stopping.patience} steps (stopped at step {t})")
            break
    hp = {k: v for k, v in vars(opt.hyper).items() if k != "A"}
    return Run(method, opt.lr0, list(obj.variables), np.array(path), np.array(values), lrs,
               status, message, hp)


def _where(obj: Objective, w: np.ndarray) -> str:
    return "(" + ", ".join(f"{n}={v:.6g}" for n, v in zip(obj.variables, w, strict=True)) + ")"


# ----------------------------------------------------------------------------- exact steps


def exact_steps(expr: sp.Expr, variables: Sequence[str], x0: Sequence, lr,
                steps: int, ascent: bool = False) -> list[list[sp.Expr]]:
    """Gradient descent (or ascent) in exact arithmetic: the hand-computed step tables.

    ``x0`` and ``lr`` are exact (decimal strings or Rationals); every iterate is an
    exact SymPy number, so 0 − 0.4·(2·0 − 4) is 8/5, not 1.6000000000000001.
    """
    xs = [sp.Symbol(v, real=True) for v in variables]
    grad = gradient(expr, xs)
    eta = exact(lr)
    if not eta.is_positive:
        raise InputError(f"learning rate must be positive, got {eta}")
    sign = 1 if ascent else -1
    point = [exact(v) for v in x0]
    if len(point) != len(xs):
        raise InputError(f"start point has {len(point)} coordinate(s), expected {len(xs)}")
    out = [point]
    for _ in range(int(steps)):
        subs = dict(zip(xs, point, strict=True))
        point = [p + sign * eta * g.subs(subs) for p, g in zip(point, grad, strict=True)]
        out.append(point)
    return out


def exact(value) -> sp.Expr:
    """A number as typed, exactly: "0.4" and 0.4 both give 2/5 (floats by their shortest repr)."""
    if isinstance(value, sp.Basic):
        return value
    if isinstance(value, str):
        return parse_number(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(f"expected a number, got {value!r}")
    return sp.Integer(value) if isinstance(value, int) else sp.Rational(repr(float(value)))


# ------------------------------------------------------------------------ PyTorch reference

#: torch.optim's name and arguments for each rule it has.
TORCH_OPTIMIZERS = {
    "gd": ("SGD", lambda h: {}),
    "momentum": ("SGD", lambda h: {"momentum": h.momentum}),
    "nesterov": ("SGD", lambda h: {"momentum": h.momentum, "nesterov": True}),
    "adam": ("Adam", lambda h: {"betas": (h.beta1, h.beta2), "eps": h.eps}),
}


def torch_path(obj: Objective, x0: Sequence[float], method: str, lr: float, steps: int,
               **hyper: Any) -> np.ndarray:
    """The same run by ``torch.optim`` in float64, gradients by torch autograd (a reference).

    Shares nothing with :func:`minimize` but the formula for f: PyTorch evaluates
    f from the SymPy expression and differentiates it itself.
    """
    try:
        import torch
    except ImportError:
        raise InputError("the PyTorch reference needs torch: pip install 'workbench[torch]'") \
            from None
    if method not in TORCH_OPTIMIZERS:
        raise InputError(f"torch.optim has no counterpart of {method!r} "
                         f"(compare: {', '.join(TORCH_OPTIMIZERS)})")
    name, kwargs = TORCH_OPTIMIZERS[method]
    h = Hyper(**hyper).check()
    f = sp.lambdify([sp.Symbol(v, real=True) for v in obj.variables], obj.expr, modules="torch")
    p = torch.tensor(np.asarray(x0, dtype=float), dtype=torch.float64, requires_grad=True)
    opt = getattr(torch.optim, name)([p], lr=check_lr(lr), **kwargs(h))
    out = [p.detach().numpy().copy()]
    for _ in range(int(steps)):
        opt.zero_grad()
        f(*p).backward()
        opt.step()
        out.append(p.detach().numpy().copy())
    return np.array(out)
