"""Low-rank matrix factorization by gradient descent, measured against the Eckart–Young optimum.

Minimize L(U, V) = ‖A − UV‖²_F over U ∈ ℝ^{m×r}, V ∈ ℝ^{r×n}.  With the
residual R = A − UV the gradients are

    ∇_U L = −2 R Vᵀ,      ∇_V L = −2 Uᵀ R

(:func:`derive_gradients` derives them entry by entry with SymPy).  HW1 Task 4
runs full-batch GD on both factors at once (all gradients computed, then applied,
once per epoch) from uniform [0, 1) entries, lr = 0.01, 1000 epochs, on the
centered Iris measurements (150 × 4, shipped as ``workbench/data/iris.csv``).

No factorization can beat the truncated SVD (Eckart–Young–Mirsky):

    min_{rank ≤ r} ‖A − B‖²_F = Σ_{i>r} σᵢ²

so the gap between the GD loss and that sum measures how far GD got.  GD can
linger near saddle points (the rank-1 solution is one), so the gap after a fixed
budget depends on the random start; :func:`factorize` reports it for one seed.

>>> A = load_iris(center=True)
>>> round(eckart_young(A, 2), 4)
15.2046
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import sympy as sp

from ..core.errors import InputError, ShapeError
from ..symbolic.calculus import gradient

IRIS_FEATURES = ("sepal_length_cm", "sepal_width_cm", "petal_length_cm", "petal_width_cm")


def load_iris(center: bool = False, labels: bool = False):
    """The 150 × 4 Iris measurements (Fisher 1936, as bundled with scikit-learn).

    ``center=True`` subtracts the column means (HW1: data − data.mean(0));
    ``labels=True`` also returns the species names.
    """
    text = (Path(__file__).parents[1] / "data" / "iris.csv").read_text(encoding="utf-8")
    rows = list(csv.reader(text.splitlines()))
    header, body = rows[0], rows[1:]
    if tuple(header[:4]) != IRIS_FEATURES or len(body) != 150:
        raise InputError("workbench/data/iris.csv is damaged (expected 150 rows of "
                         f"{', '.join(IRIS_FEATURES)}, species)")
    A = np.array([[float(v) for v in r[:4]] for r in body])
    if center:
        A = A - A.mean(axis=0)
    return (A, [r[4] for r in body]) if labels else A


def eckart_young(A: np.ndarray, rank: int) -> float:
    """Σ_{i>r} σᵢ²: the smallest ‖A − B‖²_F over matrices B of rank ≤ r."""
    A = _matrix(A)
    _check_rank(A, rank)
    return _tail_energy(np.linalg.svd(A, compute_uv=False), rank)


def _tail_energy(s: np.ndarray, rank: int) -> float:
    """Σ_{i>r} σᵢ² from the singular values σ (descending)."""
    return float(np.sum(s[rank:] ** 2))


def loss(A: np.ndarray, U: np.ndarray, V: np.ndarray) -> float:
    return _loss(A - U @ V)


def gradients(A: np.ndarray, U: np.ndarray, V: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(∇_U, ∇_V) = (−2RVᵀ, −2UᵀR), R = A − UV."""
    return _gradients(A - U @ V, U, V)


def _loss(R: np.ndarray) -> float:
    return float(np.sum(R * R))


def _gradients(R: np.ndarray, U: np.ndarray, V: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return -2 * R @ V.T, -2 * U.T @ R


def derive_gradients(m: int = 2, n: int = 3, r: int = 1) -> bool:
    """Differentiate ‖A − UV‖²_F entry by entry (all symbolic) and compare with −2RVᵀ, −2UᵀR."""
    A = sp.Matrix(m, n, lambda i, j: sp.Symbol(f"a_{i}{j}", real=True))
    U = sp.Matrix(m, r, lambda i, j: sp.Symbol(f"u_{i}{j}", real=True))
    V = sp.Matrix(r, n, lambda i, j: sp.Symbol(f"v_{i}{j}", real=True))
    R = A - U * V
    L = sum(e**2 for e in R)
    gU = sp.Matrix(m, r, gradient(L, list(U)))
    gV = sp.Matrix(r, n, gradient(L, list(V)))
    return (sp.expand(gU + 2 * R * V.T) == sp.zeros(m, r)
            and sp.expand(gV + 2 * U.T * R) == sp.zeros(r, n))


@dataclass
class Factorization:
    """GD's factors, its loss curve, and the Eckart–Young optimum beside it."""

    U: np.ndarray
    V: np.ndarray
    losses: list[float]          # before each epoch's update, then the final loss
    optimum: float
    rank: int
    lr: float
    seed: int
    singular_values: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def final(self) -> float:
        return self.losses[-1]

    @property
    def gap(self) -> float:
        return self.final - self.optimum

    @property
    def relative_gap(self) -> float:
        return self.gap / self.optimum if self.optimum > 0 else float("inf") * (self.gap > 0)

    @property
    def epochs(self) -> int:
        return len(self.losses) - 1


def factorize(A: np.ndarray, rank: int, epochs: int = 1000, lr: float = 0.01,
              seed: int = 0) -> Factorization:
    """HW1's ``gd_factorize``: U, V ~ uniform[0, 1), both updated from the same residual."""
    A = _matrix(A)
    _check_rank(A, rank)
    if not (np.isfinite(lr) and lr > 0):
        raise InputError(f"learning rate must be positive and finite, got {lr}")
    if int(epochs) != epochs or epochs < 1:
        raise InputError(f"epochs must be a positive integer, got {epochs}")
    rng = np.random.default_rng(seed)
    m, n = A.shape
    U, V = rng.random((m, rank)), rng.random((rank, n))
    losses = []
    for epoch in range(int(epochs)):
        R = A - U @ V  # one residual for the loss and both gradients
        losses.append(_loss(R))
        if not np.isfinite(losses[-1]) or losses[-1] > 1e100:
            raise InputError(f"factorization diverged at epoch {epoch} (loss "
                             f"{losses[-1]:.3g}); lower the learning rate {lr:g}")
        gU, gV = _gradients(R, U, V)
        U, V = U - lr * gU, V - lr * gV
    losses.append(loss(A, U, V))
    if not np.isfinite(losses[-1]):
        raise InputError(f"factorization diverged in the last epoch; lower the learning rate "
                         f"{lr:g}")
    s = np.linalg.svd(A, compute_uv=False)
    return Factorization(U, V, losses, _tail_energy(s, rank), rank, lr, seed, s)


def _matrix(A) -> np.ndarray:
    A = np.asarray(A, dtype=float)
    if A.ndim != 2:
        raise ShapeError(f"A must be a matrix, got shape {A.shape}")
    if not np.all(np.isfinite(A)):
        raise InputError("A has non-finite entries")
    return A


def _check_rank(A: np.ndarray, rank: int) -> None:
    if int(rank) != rank or not 1 <= rank < min(A.shape):
        raise InputError(f"rank must be an integer with 1 ≤ r < min(m, n) = {min(A.shape)}, "
                         f"got {rank}")
