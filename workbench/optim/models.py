"""Learning models of the classifier lab: logistic and softmax regression, and an MLP with backprop.

Data X is m × n (one sample per row); a bias column of ones is prepended for the
linear models, so θ is (n+1) × K.  With Z = Xθ:

* logistic regression: p = σ(z), J = −(1/m) Σ [y log p + (1 − y) log(1 − p)];
* softmax regression:  P = softmax(Z) row-wise, J = −(1/m) Σᵢ Σₖ yᵢₖ log Pᵢₖ.

Both have the same gradient, derived by :func:`derive_gradient` with SymPy from
the losses as the lab writes them and checked equal to the closed form

    ∇_θ J = (1/m) Xᵀ (P − Y)

(certified against JAX autodiff, finite differences and 50-digit mpmath by
:func:`certify_gradient`).  Batch GD uses all m rows per step; SGD one row at a
time, with the per-sample gradient xᵢᵀ(pᵢ − yᵢ) (the lab's rule).

:class:`MLP` is a ReLU network with softmax cross-entropy, trained by
hand-written backpropagation (layer l: Z_l = A_{l−1}W_l + b_l, A_l = relu(Z_l))::

    dZ_L = (P − Y)/m,   dW_l = A_{l−1}ᵀ dZ_l,   db_l = Σ_rows dZ_l,
    dZ_{l−1} = (dZ_l W_lᵀ) ⊙ [Z_{l−1} > 0]

and :func:`gradient_check` compares it with central differences and JAX.

>>> X, y = make_classification(100, n_features=2, n_classes=2, seed=0)
>>> fit = fit_linear(X, y, "logistic", "batch", lr=0.5, epochs=200)
>>> fit.accuracy > 0.9
True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from ..backends import jaxutil
from ..certification.base import Certificate
from ..certification.scalar import certify
from ..core import limits
from ..core.errors import InputError, ShapeError
from ..core.functions import numeric
from ..core.functions import sigmoid as sym_sigmoid
from .optimizers import EarlyStopping, Optimizer, constant

# ------------------------------------------------------------------------------------ data


def make_classification(n_samples: int = 200, n_features: int = 2, n_classes: int = 2,
                        separation: float = 2.5, seed: int = 0,
                        kind: str = "blobs") -> tuple[np.ndarray, np.ndarray]:
    """Synthetic labelled data (X: m × n floats, y: m integer labels in 0..K−1).

    ``blobs``: one Gaussian cluster per class, unit variance, class means at
    distance ``separation`` from the origin in random directions centred on the
    origin (two classes lie on opposite sides);
    ``rings``: concentric noisy rings in the first two features (not linearly
    separable, for the MLP); ``xor``: four clusters labelled by the sign of x₁x₂.
    """
    limits.check("samples", int(n_samples), "n_samples")
    limits.check("layer_width", int(n_features), "n_features")
    if n_samples < n_classes or n_classes < 2 or n_features < 1:
        raise InputError(f"need n_classes ≥ 2, n_features ≥ 1 and at least one sample per "
                         f"class; got {n_samples} samples, {n_features} features, "
                         f"{n_classes} classes")
    rng = np.random.default_rng(seed)
    y = np.arange(n_samples) % n_classes
    rng.shuffle(y)
    if kind == "blobs":
        dirs = rng.standard_normal((n_classes, n_features))
        dirs -= dirs.mean(axis=0)  # centred: two classes sit on opposite sides
        dirs /= np.linalg.norm(dirs, axis=1, keepdims=True)
        X = separation * dirs[y] + rng.standard_normal((n_samples, n_features))
    elif kind in ("rings", "xor"):
        if n_features < 2:
            raise InputError(f"{kind} data needs at least 2 features")
        X = 0.3 * rng.standard_normal((n_samples, n_features))
        if kind == "rings":
            angle = rng.uniform(0, 2 * np.pi, n_samples)
            radius = 1.0 + 1.5 * y + 0.15 * rng.standard_normal(n_samples)
            X[:, 0] += radius * np.cos(angle)
            X[:, 1] += radius * np.sin(angle)
        else:
            if n_classes != 2:
                raise InputError("xor data has exactly 2 classes")
            corners = rng.choice([-1.0, 1.0], (n_samples, 2)) * 1.5
            X[:, :2] += corners
            y = (corners[:, 0] * corners[:, 1] < 0).astype(int)
    else:
        raise InputError(f"unknown data kind {kind!r} (blobs, rings, xor)")
    return X, y


def add_bias(X: np.ndarray) -> np.ndarray:
    """[1 | X]: the bias folded into θ as its first row."""
    return np.c_[np.ones(len(X)), X]


def one_hot(y: np.ndarray, k: int | None = None) -> np.ndarray:
    y = np.asarray(y)
    if y.ndim != 1 or not np.issubdtype(y.dtype, np.integer) or (len(y) and y.min() < 0):
        raise InputError("labels must be a 1-D array of non-negative integers")
    k = int(y.max()) + 1 if k is None else k
    return np.eye(k)[y]


def sigmoid(z):
    """σ(z) on arrays, as the function table computes it (overflow-free)."""
    return numeric("sigmoid", "numpy")(np.asarray(z, dtype=float))


def softmax(Z: np.ndarray) -> np.ndarray:
    """Row-wise softmax, shifted by the row maximum so exp never overflows."""
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


# ------------------------------------------------------------------------ linear classifiers

KINDS = ("logistic", "softmax")


def _targets(kind: str, y: np.ndarray, k: int | None = None) -> np.ndarray:
    if kind == "logistic":
        y = np.asarray(y, dtype=float).reshape(-1, 1)
        if not np.all((y == 0) | (y == 1)):
            raise InputError("logistic regression needs labels 0 or 1")
        return y
    if kind == "softmax":
        return one_hot(np.asarray(y), k)
    raise InputError(f"unknown model {kind!r} (choose from {', '.join(KINDS)})")


def probabilities(kind: str, theta: np.ndarray, Xb: np.ndarray) -> np.ndarray:
    """P = σ(Xθ) (m × 1) or softmax(Xθ) (m × K) for a design matrix with its bias column."""
    Z = Xb @ theta
    return sigmoid(Z) if kind == "logistic" else softmax(Z)


def loss(kind: str, theta: np.ndarray, Xb: np.ndarray, T: np.ndarray) -> float:
    """Mean cross-entropy, computed from logits so that log(0) never occurs.

    Binary: log(1 + e^z) − yz per sample; categorical: logsumexp(z) − Σₖ yₖzₖ.
    """
    Z = Xb @ theta
    if kind == "logistic":
        return float(np.mean(np.logaddexp(0.0, Z) - T * Z))
    return _cross_entropy(Z, T)


def _cross_entropy(Z: np.ndarray, T: np.ndarray) -> float:
    """Mean of logsumexp(zᵢ) − Σₖ tᵢₖzᵢₖ over the rows of the logits Z (one-hot T)."""
    zmax = Z.max(axis=1, keepdims=True)
    lse = zmax[:, 0] + np.log(np.exp(Z - zmax).sum(axis=1))
    return float(np.mean(lse - np.sum(T * Z, axis=1)))


def grad(kind: str, theta: np.ndarray, Xb: np.ndarray, T: np.ndarray) -> np.ndarray:
    """∇_θ J = (1/m) Xᵀ(P − Y), the same formula for both models."""
    return Xb.T @ (probabilities(kind, theta, Xb) - T) / len(Xb)


def _check_work(samples: int, epochs: int) -> None:
    """Training work within the stated limits, before any of it starts."""
    limits.check("samples", samples, "training data")
    limits.check("epochs", int(epochs), "epochs")
    limits.check("sample_passes", samples * int(epochs), f"{samples} samples × {epochs} epochs")


@dataclass
class Fit:
    """A trained model: parameters, loss per epoch (index 0 = before training), accuracy."""

    kind: str
    method: str
    params: np.ndarray | list
    losses: list[float]
    accuracy: float
    lrs: list[float] = field(default_factory=list)
    stopped_early: bool = False

    @property
    def epochs(self) -> int:
        return len(self.losses) - 1


def predict(kind: str, theta: np.ndarray, X: np.ndarray) -> np.ndarray:
    P = probabilities(kind, theta, add_bias(X))
    return (P[:, 0] >= 0.5).astype(int) if kind == "logistic" else np.argmax(P, axis=1)


def fit_linear(X: np.ndarray, y: np.ndarray, kind: str = "logistic", method: str = "batch",
               lr: float = 0.01, epochs: int = 1000, seed: int = 0,
               schedule: Callable[[float, int], float] | None = None,
               early_stopping: EarlyStopping | None = None, shuffle: bool = True) -> Fit:
    """Train logistic or softmax regression by batch GD or SGD (one sample per step).

    θ starts as 0.01·N(0, 1) (the lab's initialization).  The schedule is applied
    per epoch; early stopping watches the full training loss after each epoch.
    """
    X, y = _check_data(X, y)
    _check_work(len(X), epochs)
    if method not in ("batch", "sgd"):
        raise InputError(f"unknown training method {method!r} (batch or sgd)")
    Xb = add_bias(X)
    T = _targets(kind, y)
    rng = np.random.default_rng(seed)
    theta = 0.01 * rng.standard_normal((Xb.shape[1], T.shape[1]))
    opt = Optimizer("gd", lr)
    schedule = schedule or constant
    losses, lrs, stopped = [loss(kind, theta, Xb, T)], [], False
    for epoch in range(int(epochs)):
        rate = schedule(opt.lr0, epoch)
        lrs.append(rate)
        if method == "batch":
            theta = opt.step(theta, grad(kind, theta, Xb, T), lr=rate)
        else:
            order = rng.permutation(len(Xb)) if shuffle else range(len(Xb))
            for i in order:
                xi, ti = Xb[i:i + 1], T[i:i + 1]
                theta = opt.step(theta, xi.T @ (probabilities(kind, theta, xi) - ti), lr=rate)
        losses.append(loss(kind, theta, Xb, T))
        if not np.isfinite(losses[-1]):
            raise InputError(f"training diverged at epoch {epoch + 1} (loss {losses[-1]}); "
                             f"lower the learning rate {lr:g}")
        if early_stopping is not None and early_stopping.update(losses[-1]):
            stopped = True
            break
    acc = float(np.mean(predict(kind, theta, X) == y))
    return Fit(kind, method, theta, losses, acc, lrs, stopped)


def _check_data(X, y) -> tuple[np.ndarray, np.ndarray]:
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    if X.ndim != 2:
        raise ShapeError(f"X must be a 2-D array (samples × features), got shape {X.shape}")
    if y.shape != (len(X),):
        raise ShapeError(f"y must have one label per row of X: X has {len(X)} rows, "
                         f"y has shape {y.shape}")
    if not np.all(np.isfinite(X)):
        raise InputError("X has non-finite entries")
    return X, y.astype(int)


# ------------------------------------------------------------- symbolic gradient derivation


@dataclass
class GradientDerivation:
    """Whether the derivative of the lab's loss equals the closed form (1/m)Xᵀ(P − Y)."""

    kind: str
    equal: bool


def _symbolic_problem(kind: str, m: int, n: int, k: int, X=None, labels=None):
    X = sp.Matrix(m, n, lambda i, j: sp.Symbol(f"x_{i}{j}", real=True)) if X is None else X
    cols = 1 if kind == "logistic" else k
    theta = sp.Matrix(n, cols, lambda i, j: sp.Symbol(f"theta_{i}{j}", real=True))
    labels = [i % k for i in range(m)] if labels is None else labels
    Z = X * theta
    if kind == "logistic":
        Y = sp.Matrix(m, 1, lambda i, _: labels[i] % 2)
        P = Z.applyfunc(sym_sigmoid)
        J = -sum(Y[i] * sp.log(P[i]) + (1 - Y[i]) * sp.log(1 - P[i]) for i in range(m)) / m
    else:
        Y = sp.Matrix(m, k, lambda i, j: int(labels[i] == j))
        P = sp.Matrix(m, k, lambda i, j: sp.exp(Z[i, j]) / sum(sp.exp(Z[i, c]) for c in range(k)))
        J = -sum(Y[i, j] * sp.log(P[i, j]) for i in range(m) for j in range(k)) / m
    return X, theta, Y, P, J


def derive_gradient(kind: str = "softmax", m: int = 2, n: int = 2,
                    k: int = 3) -> GradientDerivation:
    """Differentiate the lab's loss entry by entry and prove it equals (1/m)Xᵀ(P − Y).

    X and θ are fully symbolic (m × n and n × K); labels are fixed one-hot rows.
    Each entry of the difference must simplify to exactly 0.
    """
    if kind not in KINDS:
        raise InputError(f"unknown model {kind!r} (choose from {', '.join(KINDS)})")
    X, theta, Y, P, J = _symbolic_problem(kind, m, n, k)
    derived = theta.applyfunc(lambda t: sp.diff(J, t))
    closed = X.T * (P - Y) / m
    diff = (derived - closed).applyfunc(lambda e: sp.simplify(e.rewrite(sp.exp)))
    return GradientDerivation(kind, diff == sp.zeros(*diff.shape))


def certify_gradient(kind: str = "softmax", m: int = 4, n: int = 2, k: int = 3,
                     seed: int = 0, n_random: int = 15) -> Certificate:
    """Certify the closed form (1/m)Xᵀ(P − Y) on concrete rational data, as a function of θ."""
    rng = np.random.default_rng(seed)
    X = sp.Matrix(m, n, lambda i, j: sp.Rational(int(rng.integers(-20, 21)), 10))
    labels = [int(v) for v in rng.integers(0, k, m)]
    _, theta, Y, P, J = _symbolic_problem(kind, m, n, k, X, labels)
    closed = X.T * (P - Y) / m
    names = [str(t) for t in theta]
    return certify(J, names, n_random=n_random, with_hessian=False, box=1.5,
                   grad=list(closed))


# -------------------------------------------------------------------------------------- MLP


class MLP:
    """A ReLU network with a softmax output; ``sizes = [n_in, h₁, (h₂, …), K]``.

    Weights start He-scaled, W_l ~ N(0, 2/fan_in) (the lab uses 0.01·N(0, 1),
    which makes deeper nets start with vanishing signals); biases start at 0, or
    at ``bias_scale``·N(0, 1).  A gradient check wants nonzero biases: with zero
    biases a sample whose hidden units are all off gives pre-activations exactly 0
    in the next layer, a ReLU kink where the loss has no gradient at all.
    """

    def __init__(self, sizes: Sequence[int], seed: int = 0, bias_scale: float = 0.0):
        sizes = [int(s) for s in sizes]
        if len(sizes) < 3 or min(sizes) < 1:
            raise InputError(f"an MLP needs input, ≥ 1 hidden and output sizes ≥ 1, got {sizes}")
        for i, width in enumerate(sizes):
            limits.check("layer_width", width, f"MLP layer {i}")
        weights = sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:], strict=True))
        limits.check("parameters", weights, f"MLP {sizes}")
        rng = np.random.default_rng(seed)
        self.sizes = sizes
        self.params: list[np.ndarray] = []
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=True):
            self.params += [np.sqrt(2 / fan_in) * rng.standard_normal((fan_in, fan_out)),
                            bias_scale * rng.standard_normal(fan_out)]
        self._cache: tuple[list, list] | None = None

    @property
    def layers(self) -> int:
        return len(self.params) // 2

    def forward(self, X: np.ndarray) -> np.ndarray:
        """Class probabilities (m × K); caches pre-activations Z_l and activations A_l."""
        X = np.asarray(X, dtype=float)
        if X.ndim != 2 or X.shape[1] != self.sizes[0]:
            raise ShapeError(f"input must be m × {self.sizes[0]}, got shape {X.shape}")
        A, Zs, As = X, [], [X]
        for layer in range(self.layers):
            W, b = self.params[2 * layer], self.params[2 * layer + 1]
            Z = A @ W + b
            Zs.append(Z)
            A = np.maximum(Z, 0.0) if layer < self.layers - 1 else softmax(Z)
            As.append(A)
        self._cache = (Zs, As)
        return A

    def loss(self, X: np.ndarray, Y: np.ndarray) -> float:
        """Mean categorical cross-entropy against one-hot Y, from the logits."""
        with np.errstate(over="ignore", invalid="ignore"):  # a diverged net reports inf/nan
            self.forward(X)
            return _cross_entropy(self._cache[0][-1], Y)

    def backward(self, Y: np.ndarray) -> list[np.ndarray]:
        """Gradients of the loss for the last :meth:`forward`, same order as ``params``."""
        if self._cache is None:
            raise InputError("call forward before backward")
        Zs, As = self._cache
        m = len(Y)
        dZ = (As[-1] - Y) / m
        grads: list[np.ndarray] = [None] * len(self.params)  # type: ignore[list-item]
        for layer in reversed(range(self.layers)):
            W = self.params[2 * layer]
            grads[2 * layer] = As[layer].T @ dZ
            grads[2 * layer + 1] = dZ.sum(axis=0)
            if layer:
                dZ = (dZ @ W.T) * (Zs[layer - 1] > 0)
        return grads

    def flat(self) -> np.ndarray:
        return np.concatenate([p.ravel() for p in self.params])

    def set_flat(self, v: np.ndarray) -> None:
        k = 0
        for i, p in enumerate(self.params):
            self.params[i] = v[k:k + p.size].reshape(p.shape).copy()
            k += p.size

    def flat_grad(self, X: np.ndarray, Y: np.ndarray) -> tuple[float, np.ndarray]:
        value = self.loss(X, Y)
        return value, np.concatenate([g.ravel() for g in self.backward(Y)])

    def kink_margin(self, X: np.ndarray) -> float:
        """Smallest |pre-activation| of a hidden unit: below ~h the ReLU kink spoils differences."""
        self.forward(X)
        hidden = self._cache[0][:-1]
        return float(min(np.min(np.abs(Z)) for Z in hidden))


def _jax_loss(sizes: Sequence[int]):
    """The same network written independently in jax.numpy: loss(flat θ, X, Y)."""
    jnp = jaxutil.jnp()
    dims = list(zip(sizes[:-1], sizes[1:], strict=True))  # (fan_in, fan_out) per layer

    def f(theta, X, Y):
        k, A = 0, X
        for layer, (a, b) in enumerate(dims):
            W = theta[k:k + a * b].reshape(a, b)
            k += a * b
            bias = theta[k:k + b]
            k += b
            Z = A @ W + bias
            A = jnp.maximum(Z, 0.0) if layer < len(dims) - 1 else Z
        logp = A - jax_logsumexp(A)
        return -jnp.mean(jnp.sum(Y * logp, axis=1))

    def jax_logsumexp(Z):
        mx = jnp.max(Z, axis=1, keepdims=True)
        return mx + jnp.log(jnp.sum(jnp.exp(Z - mx), axis=1, keepdims=True))

    return f


@dataclass
class GradCheck:
    """Backprop against central differences and JAX: relative errors ‖a − b‖/(‖a‖ + ‖b‖)."""

    rel_error_fd: float
    rel_error_jax: float
    params: int
    kink_margin: float
    step: float

    @property
    def ok(self) -> bool:
        return self.rel_error_fd < GRAD_CHECK_TOL and self.rel_error_jax < GRAD_CHECK_TOL

    @property
    def kink_free(self) -> bool:
        """No pre-activation within 100·h of 0, so the differences do not straddle a kink."""
        return self.kink_margin > 100 * self.step


#: Backprop must agree with both references to this relative error (the lab's gate).
GRAD_CHECK_TOL = 1e-7


def _rel(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-300))


def gradient_check(mlp: MLP, X: np.ndarray, Y: np.ndarray, h: float = 1e-6) -> GradCheck:
    """Compare :meth:`MLP.backward` with Richardson-extrapolated central differences and JAX.

    Central differences D(h) = (L(θ + h eᵢ) − L(θ − h eᵢ))/2h, combined as
    (4D(h/2) − D(h))/3 to cancel the h² term: truncation O(h⁴) ≈ 1e-24, round-off
    ≈ ε·|L|/h ≈ 1e-10, far below the 1e-7 gate — unless a hidden pre-activation
    lies within ~h of the ReLU kink (reported as ``kink_margin``).
    """
    theta = mlp.flat()
    _, g = mlp.flat_grad(X, Y)

    def L(v):
        mlp.set_flat(v)
        return mlp.loss(X, Y)

    fd = np.empty_like(theta)
    for i in range(len(theta)):
        def D(step, i=i):
            e = np.zeros_like(theta)
            e[i] = step
            return (L(theta + e) - L(theta - e)) / (2 * step)
        fd[i] = (4 * D(h / 2) - D(h)) / 3
    mlp.set_flat(theta)
    jax = jaxutil.jax()
    jnp = jaxutil.jnp()
    grad = jaxutil.jit_reference(jax.grad(_jax_loss(mlp.sizes)))
    g_jax = np.asarray(grad(jnp.asarray(theta), jnp.asarray(X), jnp.asarray(Y)))
    return GradCheck(_rel(g, fd), _rel(g, g_jax), len(theta), mlp.kink_margin(X), h)


def fit_mlp(X: np.ndarray, y: np.ndarray, hidden: Sequence[int] = (16,), lr: float = 0.1,
            epochs: int = 500, seed: int = 0,
            schedule: Callable[[float, int], float] | None = None,
            early_stopping: EarlyStopping | None = None) -> tuple[MLP, Fit]:
    """Full-batch training of an MLP by backprop; schedule and early stopping per epoch."""
    X, y = _check_data(X, y)
    _check_work(len(X), epochs)
    Y = one_hot(y)
    mlp = MLP([X.shape[1], *hidden, Y.shape[1]], seed)
    opt = Optimizer("gd", lr)
    schedule = schedule or constant
    theta = mlp.flat()
    losses, lrs, stopped = [], [], False
    for epoch in range(int(epochs)):
        value, g = mlp.flat_grad(X, Y)
        losses.append(value)
        if not np.isfinite(value):
            raise InputError(f"MLP training diverged at epoch {epoch} (loss {value}); "
                             f"lower the learning rate {lr:g}")
        if early_stopping is not None and epoch and early_stopping.update(value):
            stopped = True
            break
        rate = schedule(opt.lr0, epoch)
        lrs.append(rate)
        theta = opt.step(theta, g, lr=rate)
        mlp.set_flat(theta)
    if not stopped:
        losses.append(mlp.loss(X, Y))
    acc = float(np.mean(np.argmax(mlp.forward(X), axis=1) == y))
    return mlp, Fit("mlp", "gd", mlp.params, losses, acc, lrs, stopped)
