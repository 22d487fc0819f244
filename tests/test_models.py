"""Learning models (lab) and low-rank factorization (HW1 Task 4) against independent references."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.backends import jaxutil
from workbench.core.errors import InputError, ShapeError
from workbench.optim import factorization as fz
from workbench.optim import models
from workbench.optim.optimizers import EarlyStopping, StepDecay


@pytest.fixture(scope="module")
def blobs():
    return models.make_classification(120, n_features=3, n_classes=4, seed=5)


# ------------------------------------------------------------------------- linear models


def test_generator_shapes_and_balance(blobs):
    X, y = blobs
    assert X.shape == (120, 3) and y.shape == (120,)
    assert np.bincount(y).tolist() == [30, 30, 30, 30]
    Xr, yr = models.make_classification(60, 2, 2, seed=1, kind="rings")
    radius = np.linalg.norm(Xr, axis=1)
    assert radius[yr == 1].mean() > radius[yr == 0].mean() + 1  # outer ring is class 1


def test_losses_against_the_lab_formulas(blobs):
    X, y = blobs
    Xb = models.add_bias(X)
    rng = np.random.default_rng(0)
    theta = rng.standard_normal((4, 4))
    Y = models.one_hot(y)
    # the lab: −(1/m) Σ Σ y log softmax, with softmax written out
    E = np.exp(Xb @ theta)
    P = E / E.sum(axis=1, keepdims=True)
    assert models.loss("softmax", theta, Xb, Y) == pytest.approx(-np.mean(np.sum(Y * np.log(P), 1)),
                                                                 rel=1e-13)
    yb = (y % 2).reshape(-1, 1).astype(float)
    w = rng.standard_normal((4, 1))
    p = 1 / (1 + np.exp(-(Xb @ w)))
    bce = -np.mean(yb * np.log(p) + (1 - yb) * np.log(1 - p))
    assert models.loss("logistic", w, Xb, yb) == pytest.approx(bce, rel=1e-13)


@pytest.mark.parametrize("kind", ["logistic", "softmax"])
def test_closed_form_gradient_matches_jax(blobs, kind):
    jax, jnp = jaxutil.jax(), jaxutil.jnp()
    X, y = blobs
    Xb = models.add_bias(X)
    T = models.one_hot(y) if kind == "softmax" else (y % 2).reshape(-1, 1).astype(float)
    theta = np.random.default_rng(1).standard_normal((4, T.shape[1]))

    def J(th):  # written independently in jax.numpy from the lab's definitions
        Z = jnp.asarray(Xb) @ th
        if kind == "logistic":
            p = 1 / (1 + jnp.exp(-Z))
            return -jnp.mean(T * jnp.log(p) + (1 - T) * jnp.log(1 - p))
        return -jnp.mean(jnp.sum(T * jax.nn.log_softmax(Z, axis=1), axis=1))

    ref = np.asarray(jax.grad(J)(jnp.asarray(theta)))
    got = models.grad(kind, theta, Xb, T)
    # both are float64 evaluations of exact formulas: agreement to round-off
    np.testing.assert_allclose(got, ref, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("kind", ["logistic", "softmax"])
def test_gradient_derived_symbolically(kind):
    assert models.derive_gradient(kind, 2, 2, 3).equal


def test_gradient_certificate():
    cert = models.certify_gradient("logistic", m=3, n=2, n_random=8)
    assert cert.verdict == "certified"


def test_sgd_epoch_is_the_lab_loop(blobs):
    X, y = blobs
    fit = models.fit_linear(X, y, "softmax", "sgd", lr=0.05, epochs=1, seed=3, shuffle=False)
    # the lab's stochastic_gradient_descent_step, transcribed
    Xb, Y = models.add_bias(X), models.one_hot(y)
    theta = 0.01 * np.random.default_rng(3).standard_normal((4, 4))
    for i in range(len(Xb)):
        z = Xb[i:i + 1] @ theta
        e = np.exp(z - z.max())
        theta = theta - 0.05 * Xb[i:i + 1].T @ (e / e.sum() - Y[i:i + 1])
    np.testing.assert_allclose(fit.params, theta, rtol=1e-12, atol=1e-15)


def test_batch_and_sgd_train(blobs):
    X, y = models.make_classification(200, 2, 2, seed=100)
    batch = models.fit_linear(X, y, "logistic", "batch", lr=0.1, epochs=500)
    sgd = models.fit_linear(X, y, "logistic", "sgd", lr=0.1, epochs=20)
    for fit in (batch, sgd):
        assert fit.losses[-1] < 0.5 * fit.losses[0] and fit.accuracy > 0.9
    decayed = models.fit_linear(X, y, "logistic", "batch", lr=0.1, epochs=6,
                                schedule=StepDecay(0.5, 2))
    assert decayed.lrs == [0.1, 0.1, 0.05, 0.05, 0.025, 0.025]
    stopped = models.fit_linear(X, y, "logistic", "batch", lr=0.1, epochs=10_000,
                                early_stopping=EarlyStopping(5, 1e-4))
    assert stopped.stopped_early and stopped.epochs < 10_000


def test_bad_model_input(blobs):
    X, y = blobs
    with pytest.raises(ShapeError, match="one label per row"):
        models.fit_linear(X, y[:-1])
    with pytest.raises(InputError, match="labels 0 or 1"):
        models.fit_linear(X, y, "logistic")
    with pytest.raises(InputError, match="unknown model"):
        models.fit_linear(X, y, "svm")
    with pytest.raises(InputError, match="learning rate"):
        models.fit_linear(X, y % 2, "logistic", lr=-1)
    with pytest.raises(InputError, match="diverged"):
        models.fit_mlp(X * 1e3, y, lr=1e6, epochs=50)


# ---------------------------------------------------------------------------------- MLP


@pytest.mark.parametrize("sizes", [[2, 8, 2], [2, 8, 6, 3]])
def test_backprop_matches_jax_and_finite_differences(sizes):
    X, y = models.make_classification(40, 2, sizes[-1], seed=2)
    Y = models.one_hot(y)
    net = models.MLP(sizes, seed=1, bias_scale=0.1)
    check = models.gradient_check(net, X, Y)
    assert check.kink_free
    assert check.rel_error_fd < 1e-7 and check.rel_error_jax < 1e-7 and check.ok


def test_backprop_matches_torch_autograd():
    torch = pytest.importorskip("torch")
    X, y = models.make_classification(30, 2, 3, seed=4)
    net = models.MLP([2, 5, 4, 3], seed=2, bias_scale=0.1)
    _, g = net.flat_grad(X, models.one_hot(y))
    params = [torch.tensor(p, requires_grad=True) for p in net.params]
    A = torch.tensor(X)
    for i in range(0, len(params), 2):
        A = A @ params[i] + params[i + 1]
        if i < len(params) - 2:
            A = torch.relu(A)
    torch.nn.functional.cross_entropy(A, torch.tensor(y)).backward()
    ref = np.concatenate([p.grad.numpy().ravel() for p in params])
    np.testing.assert_allclose(g, ref, rtol=1e-10, atol=1e-14)


def test_mlp_learns_rings_that_a_linear_model_cannot():
    X, y = models.make_classification(200, 2, 2, seed=0, kind="rings")
    _, fit = models.fit_mlp(X, y, (16,), lr=0.5, epochs=600, schedule=StepDecay(0.5, 300))
    linear = models.fit_linear(X, y, "softmax", "batch", lr=0.5, epochs=600)
    assert fit.accuracy >= 0.95 and linear.accuracy < 0.8


# ------------------------------------------------------------------------- factorization


def test_iris_table():
    A, species = fz.load_iris(labels=True)
    assert A.shape == (150, 4)
    np.testing.assert_array_equal(A[0], [5.1, 3.5, 1.4, 0.2])  # Fisher's first flower
    # the column means listed in the data set's description (two decimals)
    np.testing.assert_allclose(A.mean(0), [5.84, 3.05, 3.76, 1.20], atol=0.01)
    assert species.count("setosa") == species.count("virginica") == 50
    assert np.allclose(fz.load_iris(center=True).mean(0), 0, atol=1e-14)


def test_eckart_young_against_eigenvalues():
    A = fz.load_iris(center=True)
    lam = np.linalg.eigvalsh(A.T @ A)  # σᵢ² are the eigenvalues of AᵀA
    assert fz.eckart_young(A, 2) == pytest.approx(lam[0] + lam[1], rel=1e-12)
    assert fz.eckart_young(A, 2) == pytest.approx(15.2046, abs=1e-4)


def test_factorization_gradients():
    assert fz.derive_gradients()
    jax, jnp = jaxutil.jax(), jaxutil.jnp()
    rng = np.random.default_rng(0)
    A, U, V = rng.random((6, 5)), rng.random((6, 2)), rng.random((2, 5))
    ref = jax.grad(lambda u, v: jnp.sum((jnp.asarray(A) - u @ v) ** 2), (0, 1))(U, V)
    for got, want in zip(fz.gradients(A, U, V), ref, strict=True):
        np.testing.assert_allclose(got, np.asarray(want), rtol=1e-12)


def test_gd_factorization_reaches_eckart_young():
    res = fz.factorize(fz.load_iris(center=True), 2, epochs=1000, lr=0.01, seed=0)
    assert res.optimum <= res.final < 1.01 * res.optimum
    assert res.epochs == 1000 and res.losses[0] > 100


def test_factorization_bad_input():
    A = fz.load_iris(center=True)
    with pytest.raises(InputError, match="rank"):
        fz.factorize(A, 4)
    with pytest.raises(InputError, match="learning rate"):
        fz.factorize(A, 2, lr=-0.01)
    with pytest.raises(InputError, match="diverged"):
        fz.factorize(A, 2, epochs=200, lr=1.0)
    with pytest.raises(ShapeError, match="matrix"):
        fz.eckart_young(np.ones(3), 1)
