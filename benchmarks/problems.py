"""The functions benchmarked, each with a sampler of points inside its domain.

* **Beale** (HW1 Part 2 Task 1): f(x, y) = (1.5 − x + xy)² + (2.25 − x + xy²)²
  + (2.625 − x + xy³)², points uniform in [−4.5, 4.5]²;
* **HW1 Q4**: y = exp(x₁ + x₂³)·x₃ + √(x₃ sin(π/2 (x₁ − x₂))), points with
  0.1 < x₁ − x₂ < 1.9 and x₃ > 0, where the square root is real and smooth;
* **logistic, d = 100** (the linear-classifier lab's binary cross-entropy with
  logits, one example): ℓ(w) = softplus(w·x) − y·(w·x) for a fixed example
  (x, y = 1), as a function of the 100 weights;
* **Rosenbrock, n-dimensional** (B2): Σᵢ 100(xᵢ₊₁ − xᵢ²)² + (1 − xᵢ)²: a
  tridiagonal Hessian;
* **log-sum-exp, n variables** (B2): log Σᵢ exp(xᵢ): every Hessian entry is
  nonzero, Hᵢⱼ = δᵢⱼ softmaxᵢ − softmaxᵢ softmaxⱼ.

>>> f, xs = beale().build()
>>> len(xs), f.subs({xs[0]: 3, xs[1]: 0.5})
(2, 0)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import sympy as sp

from workbench.core.functions import softplus
from workbench.core.parse import parse
from workbench.symbolic.calculus import symbols


@dataclass(frozen=True)
class Problem:
    """A benchmark function: how to build it, where to sample it, what to measure."""

    name: str
    source: str
    make: Callable[[], tuple[sp.Expr, list[sp.Symbol]]]
    sample: Callable[[np.random.Generator, int], list[np.ndarray]]
    hessian: bool = True  # measure the Hessian too (False where n² outputs would not fit)

    def build(self) -> tuple[sp.Expr, list[sp.Symbol]]:
        return self.make()


def _parsed(text: str, names: list[str]):
    return lambda: (parse(text, names), symbols(names))


def beale() -> Problem:
    text = "(1.5 - x + x*y)**2 + (2.25 - x + x*y**2)**2 + (2.625 - x + x*y**3)**2"
    return Problem("Beale", "hw1 Part 2 Task 1", _parsed(text, ["x", "y"]),
                   lambda rng, n: [rng.uniform(-4.5, 4.5, n) for _ in range(2)])


def hw1_q4() -> Problem:
    text = "exp(x1 + x2**3)*x3 + sqrt(x3*sin(pi/2*(x1 - x2)))"

    def sample(rng, n):
        x2 = rng.uniform(-1.0, 1.0, n)
        return [x2 + rng.uniform(0.1, 1.9, n), x2, rng.uniform(0.1, 2.0, n)]

    return Problem("HW1 Q4", "hw1 Question 4", _parsed(text, ["x1", "x2", "x3"]), sample)


def logistic(d: int = 100) -> Problem:
    def make():
        w = symbols([f"w{j}" for j in range(1, d + 1)])
        # a fixed example with features in [-0.95, 0.95], none zero, and label y = 1
        x = [sp.Rational(2 * ((37 * j) % 19) - 19, 20) for j in range(1, d + 1)]
        z = sp.Add(*[xj * wj for xj, wj in zip(x, w, strict=True)])
        return softplus(z) - 1 * z, w

    return Problem(f"logistic d={d}", "lab-linear-classifiers 1.4.1", make,
                   lambda rng, n: [rng.uniform(-0.3, 0.3, n) for _ in range(d)], hessian=False)


def rosenbrock(n: int) -> tuple[sp.Expr, list[sp.Symbol]]:
    """Σᵢ 100(xᵢ₊₁ − xᵢ²)² + (1 − xᵢ)², built directly (its text outgrows the parser's limit)."""
    xs = symbols([f"x{i}" for i in range(1, n + 1)])
    return sp.Add(*[100 * (xs[i + 1] - xs[i] ** 2) ** 2 + (1 - xs[i]) ** 2
                    for i in range(n - 1)]), xs


def log_sum_exp(n: int) -> tuple[sp.Expr, list[sp.Symbol]]:
    """log Σᵢ exp(xᵢ), n variables: a dense Hessian (n² nonzero entries)."""
    xs = symbols([f"x{i}" for i in range(1, n + 1)])
    return sp.log(sp.Add(*[sp.exp(x) for x in xs])), xs


def b1_problems() -> list[Problem]:
    return [beale(), hw1_q4(), logistic()]


#: Names the reference implementations need beyond the operators Python prints.
TORCH_NAMES = ("exp", "log", "sin", "cos", "tan", "sqrt", "tanh", "sinh", "cosh", "abs")


def torch_namespace() -> dict:
    """What ``lambdify`` needs to evaluate the functions above with PyTorch tensors."""
    import torch

    ns = {name: getattr(torch, name) for name in TORCH_NAMES}
    ns.update(sigmoid=torch.sigmoid, softplus=torch.nn.functional.softplus, pi=math.pi, E=math.e)
    return ns
