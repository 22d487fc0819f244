"""The classifier lab's own code, transcribed: its data, its forward and backward passes.

The lab trains a softmax (or logistic) classifier on scikit-learn's
``make_classification`` data with a fixed ``random_state`` and a bias column
of ones prepended (X_bias θ_bias = Xθ + b with b the first row of θ_bias).
Its forward pass is P = softmax(X_bias θ) with the max shift

    softmax(z)_k = e^{z_k − max z} / Σ_j e^{z_j − max z}  (= e^{z_k}/Σ_j e^{z_j} exactly),

its loss the mean cross-entropy −(1/m) Σ_i Σ_k y_ik log p_ik with p clipped
to [1e−15, 1 − 1e−15], and its two schedules

* batch:      θ ← θ − α (1/m) X_biasᵀ (P − Y)       once per iteration;
* stochastic: θ ← θ − α x_iᵀ (p_i − y_i)             for i = 1..m in order,

where the loss is recorded *before* the update of each iteration.  The lab
draws θ₀ = 0.01·randn without a seed, so its printed losses are one draw
from a distribution: :func:`train_linear` runs the same code for many
seeded draws at once (θ has a leading axis of initializations) and
:func:`train_linear_literal` is the lab's loop line for line, used to check
that the batched version computes the same numbers.

The image part (CIFAR-10 in the lab, not downloadable here) runs on
scikit-learn's digits with the same classes: :class:`ImageLinearClassifier`
(W: K × D, b: K × 1, samples in columns after ``X.T``) and :class:`LabMLP`
(ReLU hidden layers, softmax output, the lab's backward pass, optional
element-wise gradient clipping).  scikit-learn is an optional dependency
(``pip install workbench[lab]``); without it the loaders raise a clear error.

>>> z = np.array([[1000.0, 1001.0, 1002.0]])
>>> p = softmax(z)                      # the naive form gives inf/inf = nan here
>>> bool(np.isfinite(p).all()), round(float(p.sum()), 12)
(True, 1.0)
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ..core.errors import InputError

#: The lab's clipping of probabilities inside the cross-entropy.
CLIP = 1e-15


def sklearn_datasets():
    """``sklearn.datasets`` or a clear error naming the optional dependency."""
    try:
        import sklearn.datasets as datasets
        import sklearn.model_selection as selection
    except ImportError:
        raise InputError("the lab's data come from scikit-learn, which is not installed "
                         "(pip install 'workbench[lab]')") from None
    return datasets, selection


def one_blas_thread():
    """A context with BLAS limited to one thread.

    The lab's matrices are small (at most 1000 × 100): a multi-threaded BLAS
    spends more time synchronizing than multiplying, ten times more on a
    loaded machine (measured).  threadpoolctl ships with scikit-learn.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


# ------------------------------------------------------------------------ the lab's functions


def add_bias_term(X: np.ndarray) -> np.ndarray:
    """The lab's ``np.c_[np.ones((m, 1)), X]``."""
    return np.c_[np.ones((X.shape[0], 1)), X]


def sigmoid(z: np.ndarray) -> np.ndarray:
    """The lab's σ(z) = 1/(1 + e^{−z}) (no shift: e^{−z} overflows to inf for z < −709)."""
    return 1 / (1 + np.exp(-z))


def softmax(z: np.ndarray) -> np.ndarray:
    """The lab's row-wise softmax with the max shift along the last axis."""
    # methods, not np.max/np.sum: the same reductions without their Python wrappers,
    # which cost more than the arithmetic on the lab's per-sample rows
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def cross_entropy(Y: np.ndarray, P: np.ndarray, multiclass: bool) -> np.ndarray:
    """The lab's clipped categorical or binary cross-entropy (over the last two axes)."""
    m = Y.shape[0]
    P = np.clip(P, CLIP, 1 - CLIP)
    if multiclass:
        return -np.sum(Y * np.log(P), axis=(-2, -1)) / m
    return -np.sum(Y * np.log(P) + (1 - Y) * np.log(1 - P), axis=(-2, -1)) / m


def _activate(z, multiclass):
    return softmax(z) if multiclass else sigmoid(z)


# ---------------------------------------------------------------------------- the data


@dataclass
class LabData:
    """The lab's train/test split (one-hot Y for multiclass, a column for binary)."""

    X_train: np.ndarray
    X_test: np.ndarray
    Y_train: np.ndarray
    Y_test: np.ndarray
    multiclass: bool


def synthetic(n_samples: int, n_features: int, n_informative: int, n_redundant: int,
              n_clusters_per_class: int, n_classes: int, random_state: int,
              test_size: float, split_state: int) -> LabData:
    """``make_classification`` and ``train_test_split`` with the lab's arguments."""
    datasets, selection = sklearn_datasets()
    try:
        X, y = datasets.make_classification(
            n_samples=n_samples, n_features=n_features, n_informative=n_informative,
            n_redundant=n_redundant, n_clusters_per_class=n_clusters_per_class,
            n_classes=n_classes, random_state=random_state)
    except ValueError as exc:
        raise InputError(f"make_classification refused the settings: {exc}") from None
    multiclass = n_classes > 2
    Y = np.eye(np.max(y) + 1)[y] if multiclass else y.reshape(-1, 1).astype(float)
    parts = selection.train_test_split(X, Y, test_size=test_size, random_state=split_state)
    return LabData(*parts, multiclass=multiclass)


# ------------------------------------------------------------------------------ training


@dataclass
class LinearRuns:
    """Losses (inits × iterations) and test accuracies of one schedule."""

    losses: np.ndarray
    accuracy: np.ndarray
    thetas: np.ndarray
    min_probability: float = field(default=1.0)


def initial_thetas(d: int, k: int, seeds: Sequence[int], scale: float = 0.01) -> np.ndarray:
    """θ₀ = scale·randn(d, k) for each seed (NumPy's legacy generator, like ``np.random``)."""
    return np.stack([np.random.RandomState(s).randn(d, k) * scale for s in seeds])


def train_linear(data: LabData, lr: float, iterations: int, batch: bool,
                 thetas: np.ndarray) -> LinearRuns:
    """The lab's ``train_model`` for every initialization in ``thetas`` (S × d × k) at once."""
    X, Y, mc = add_bias_term(data.X_train), data.Y_train, data.multiclass
    m = X.shape[0]
    theta = thetas.copy()
    losses = np.empty((len(theta), iterations))
    pmin = 1.0
    for it in range(iterations):
        P = _activate(np.einsum("md,sdk->smk", X, theta), mc)
        pmin = min(pmin, float(P.min()), float((1 - P).min()) if not mc else 1.0)
        losses[:, it] = cross_entropy(Y, P, mc)
        if batch:
            theta = theta - lr * (1 / m) * np.einsum("md,smk->sdk", X, P - Y)
        else:
            for i in range(m):  # matmul and broadcasting: einsum's set-up dominates at this size
                xi, yi = X[i], Y[i]
                p = _activate(xi @ theta, mc)
                theta = theta - lr * (xi[:, None] * (p - yi)[:, None, :])
    return LinearRuns(losses, held_out_accuracy(data, theta), theta, pmin)


def train_linear_literal(data: LabData, lr: float, iterations: int, batch: bool,
                         theta: np.ndarray) -> tuple[np.ndarray, list[float]]:
    """The lab's ``train_model`` loop line for line, from a given θ₀ (for cross-checking)."""
    X, y, multiclass = add_bias_term(data.X_train), data.Y_train, data.multiclass
    losses = []
    for _ in range(iterations):
        predictions = _activate(np.dot(X, theta), multiclass)
        losses.append(float(cross_entropy(y, predictions, multiclass)))
        if batch:
            m = X.shape[0]
            theta = theta - lr * (1 / m) * np.dot(X.T, (predictions - y))
        else:
            for i in range(X.shape[0]):
                xi, yi = X[i:i + 1], y[i:i + 1]
                prediction = _activate(np.dot(xi, theta), multiclass)
                theta = theta - lr * np.dot(xi.T, (prediction - yi))
    return theta, losses


def held_out_accuracy(data: LabData, thetas: np.ndarray) -> np.ndarray:
    """The lab's test accuracy for each θ (argmax for softmax, p ≥ 0.5 for sigmoid)."""
    Xt = add_bias_term(data.X_test)
    Z = np.einsum("md,sdk->smk", Xt, thetas)
    if data.multiclass:
        pred = np.argmax(softmax(Z), axis=-1)
        true = np.argmax(data.Y_test, axis=1)
    else:
        pred = (sigmoid(Z)[..., 0] >= 0.5).astype(int)
        true = data.Y_test[:, 0].astype(int)
    return np.mean(pred == true, axis=-1)


# ------------------------------------------------------------------------------ images


def digits(n_train: int, n_test: int, seed: int) -> tuple[np.ndarray, ...]:
    """scikit-learn's 8×8 digits scaled to [0, 1] (like ToTensor), disjoint random subsets."""
    datasets, _ = sklearn_datasets()
    X, y = datasets.load_digits(return_X_y=True)
    if n_train + n_test > len(X):
        raise InputError(f"digits has {len(X)} images; {n_train} + {n_test} requested")
    order = np.random.RandomState(seed).permutation(len(X))
    tr, te = order[:n_train], order[n_train:n_train + n_test]
    X = X / 16.0
    return X[tr], y[tr], X[te], y[te]


class ImageLinearClassifier:
    """The lab's class: W (K × D), b (K × 1); dW = (P − Yᵀ) X / m, db = (P − Yᵀ) 1 / m."""

    def __init__(self, input_size: int, n_classes: int, seed: int):
        self.W = np.random.RandomState(seed).randn(n_classes, input_size) * 0.01
        self.b = np.zeros((n_classes, 1))

    def predict(self, X):
        return np.dot(self.W, X.T) + self.b

    def compute_loss(self, X, y):
        m = X.shape[0]
        probs = softmax(self.predict(X).T).T
        return float(np.sum(-np.log(probs[y, np.arange(m)])) / m)

    def gradients(self, X, y):
        m = X.shape[0]
        probs = softmax(self.predict(X).T).T
        probs[y, np.arange(m)] -= 1  # gradient of the softmax loss with respect to z
        return np.dot(probs, X) / m, np.sum(probs, axis=1, keepdims=True) / m

    def gradient_descent(self, X, y, learning_rate):
        dW, db = self.gradients(X, y)
        self.W -= learning_rate * dW
        self.b -= learning_rate * db


class LabMLP:
    """The lab's MLPClassifier (one or two ReLU hidden layers), samples in columns.

    ``clip`` None is the first version; a number is the take-away version's
    element-wise clipping of every gradient to [−clip, clip].
    """

    def __init__(self, sizes: Sequence[int], seed: int):
        rng = np.random.RandomState(seed)
        self.W = [rng.randn(o, i) * 0.01 for i, o in zip(sizes[:-1], sizes[1:], strict=True)]
        self.b = [np.zeros((o, 1)) for o in sizes[1:]]

    def forward(self, X):
        self.Z, self.A = [], [X]
        for layer, (W, b) in enumerate(zip(self.W, self.b, strict=True)):
            Z = np.dot(W, self.A[-1]) + b
            last = layer == len(self.W) - 1
            self.Z.append(Z)
            self.A.append(softmax(Z.T).T if last else np.maximum(0, Z))
        return self.A[-1]

    @staticmethod
    def compute_loss(A2, y):
        m = y.shape[0]
        return float(np.sum(-np.log(A2[y, np.arange(m)])) / m)

    def gradients(self, X, y, clip: float | None = None):
        """The lab's backward pass (dZ_L = (A_L − Yᵀ)/m, back through ReLU), optionally clipped."""
        m = X.shape[1]
        dZ = self.A[-1].copy()
        dZ[y, np.arange(m)] -= 1  # an index array: NumPy converts a range element by element
        dZ /= m
        grads = []
        for layer in range(len(self.W) - 1, -1, -1):
            dW, db = np.dot(dZ, self.A[layer].T), np.sum(dZ, axis=1, keepdims=True)
            grads.append((dW, db))
            if layer:
                dZ = np.dot(self.W[layer].T, dZ) * np.where(self.Z[layer - 1] > 0, 1, 0)
        grads.reverse()
        if clip is not None:
            grads = [(np.clip(dW, -clip, clip), np.clip(db, -clip, clip)) for dW, db in grads]
        return grads

    def step(self, grads, lr: float) -> None:
        for layer, (dW, db) in enumerate(grads):
            self.W[layer] -= lr * dW
            self.b[layer] -= lr * db


def train_mlp(net: LabMLP, X, y, epochs: int, lr: float, clip: float | None = None,
              step_size: int = 0, gamma: float = 1.0) -> tuple[list[float], float]:
    """Full-batch training as in the lab; returns the losses and the fraction of clipped steps.

    With ``step_size`` the rate is multiplied by ``gamma`` after every
    ``step_size`` epochs (the take-away's step decay).
    """
    losses, clipped, current = [], 0, lr
    for epoch in range(epochs):
        A = net.forward(X)
        losses.append(net.compute_loss(A, y))
        raw = net.gradients(X, y)
        if clip is not None:
            clipped += any(np.abs(g).max() > clip for pair in raw for g in pair)
        net.step(net.gradients(X, y, clip) if clip is not None else raw, current)
        if step_size and (epoch + 1) % step_size == 0:
            current *= gamma
    return losses, clipped / max(epochs, 1)
