"""The classifier lab's own code, data and printed numbers, against independent references."""

from __future__ import annotations

import builtins
import math
import re

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.core.errors import InputError
from workbench.optim import lab
from workbench.tasks.registry import Context, Exercise
from workbench.tasks.runner import run

pytest.importorskip("sklearn", reason="the lab's data come from scikit-learn (the lab extra)")


@pytest.fixture(scope="module")
def data():
    return lab.synthetic(200, 3, 3, 0, 1, 4, 100, 0.2, 100)


def test_the_lab_split_has_its_sizes_and_one_hot_rows(data):
    assert data.X_train.shape == (160, 3) and data.X_test.shape == (40, 3)
    assert data.Y_train.shape == (160, 4)
    assert np.all(data.Y_train.sum(axis=1) == 1)
    assert set(np.unique(data.Y_train)) == {0.0, 1.0}


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-800, 800), min_size=2, max_size=6))
def test_max_shifted_softmax_matches_50_digit_softmax(z):
    mpmath.mp.dps = 50
    exps = [mpmath.exp(mpmath.mpf(v)) for v in z]
    ref = np.array([float(e / mpmath.fsum(exps)) for e in exps])
    got = lab.softmax(np.array([z]))[0]
    # float64 rounding of exp(z − max) and one division: a few ulps
    assert np.allclose(got, ref, rtol=1e-13, atol=1e-300)


def test_batched_training_equals_the_literal_loop(data):
    thetas = lab.initial_thetas(4, 4, [3, 4])
    for batch in (True, False):
        runs = lab.train_linear(data, 0.05, 5, batch, thetas)
        for s in range(2):
            theta, losses = lab.train_linear_literal(data, 0.05, 5, batch, thetas[s])
            # same formulas, different summation order (einsum): round-off only
            assert np.allclose(runs.losses[s], losses, rtol=0, atol=1e-13)
            assert np.allclose(runs.thetas[s], theta, rtol=0, atol=1e-13)


def test_first_loss_of_a_small_init_is_near_ln_k(data):
    runs = lab.train_linear(data, 0.01, 1, True, lab.initial_thetas(4, 4, range(8)))
    # θ₀ = 0.01·randn: logits of size ~0.01·‖x‖, so the loss stays within 0.1 of ln 4
    assert np.all(np.abs(runs.losses[:, 0] - math.log(4)) < 0.1)


def _central(f, A, h=1e-6):
    G = np.zeros_like(A)
    for idx in np.ndindex(A.shape):
        old = A[idx]
        A[idx] = old + h
        up = f()
        A[idx] = old - h
        down = f()
        A[idx] = old
        G[idx] = (up - down) / (2 * h)
    return G


def test_image_classifier_gradients_against_central_differences():
    rng = np.random.default_rng(2)
    X, y = rng.random((7, 5)), np.array([0, 1, 2, 1, 0, 2, 2])
    clf = lab.ImageLinearClassifier(5, 3, seed=0)
    clf.W *= 50
    dW, db = clf.gradients(X, y)
    # central differences with h = 1e-6: truncation ~1e-12, round-off ~1e-10
    assert np.allclose(dW, _central(lambda: clf.compute_loss(X, y), clf.W), atol=1e-8)
    assert np.allclose(db, _central(lambda: clf.compute_loss(X, y), clf.b), atol=1e-8)


def test_mlp_backward_against_central_differences():
    rng = np.random.default_rng(3)
    X, y = rng.random((4, 6)), np.array([0, 1, 2, 1, 0, 2])
    net = lab.LabMLP([4, 5, 5, 3], seed=1)
    net.W = [W * 100 for W in net.W]
    net.b = [rng.standard_normal(b.shape) for b in net.b]

    def loss():
        return net.compute_loss(net.forward(X), y)

    net.forward(X)
    grads = net.gradients(X, y)
    for (dW, db), W, b in zip(grads, net.W, net.b, strict=True):
        assert np.allclose(dW, _central(loss, W), atol=1e-7)
        assert np.allclose(db, _central(loss, b), atol=1e-7)
    clipped = net.gradients(X, y, clip=1e-3)
    assert max(np.abs(g).max() for pair in clipped for g in pair) <= 1e-3


def test_missing_scikit_learn_is_a_clear_error(monkeypatch):
    real = builtins.__import__

    def refuse(name, *args, **kwargs):
        if name.startswith("sklearn"):
            raise ImportError(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", refuse)
    with pytest.raises(InputError, match=r"scikit-learn.*workbench\[lab\]"):
        lab.sklearn_datasets()


def _exercise(**fields):
    claimed = fields.pop("claimed", None)
    return Exercise("lab.toml", "t", "t", "lab_linear", "", fields, claimed)


def test_lab_linear_judges_the_printed_numbers():
    # the lab's first printed batch loss holds; 0.9 at iteration 0 cannot (ln 4 ≈ 1.386)
    ex = _exercise(iterations=101, inits=16, schedules=["batch"],
                   claimed={"batch": [1.3897, 0.9375], "batch_accuracy": 0.5})
    out = run(ex, Context(figures=False))
    assert out.passed, [c for c in out.checks if not c.passed]
    assert [c.holds for c in out.claims] == [True, False]
    bad = run(_exercise(iterations=101, inits=16, schedules=["batch"],
                        claimed={"batch": [0.9, 0.9375]}), Context(figures=False))
    assert [c.holds for c in bad.claims] == [False]
    assert "iteration 0" in bad.claims[0].detail


@pytest.mark.parametrize("fields,field,word", [
    ('task = "lab_linear"\nschedules = ["adam"]', "schedules[0]", "not one of"),
    ('task = "lab_linear"\nlr = -0.1', "lr", "greater than 0"),
    ('task = "lab_linear"\nclaimed = { batch = [1.39, "x"] }', "claimed.batch[1]", "float"),
    ('task = "lab_linear"\nclaimed = { adam = [1.39] }', "claimed.adam", "not a key"),
    ('task = "lab_linear"\nn_samples = 10000000', "n_samples", "over the limit"),
    ('task = "lab_images"\nhidden = 0', "hidden", "below the minimum"),
    ('task = "lab_images"\nn_train = 5000', "n_train", "over the maximum"),
    ('task = "lab_images"\novershoot_lrs = [0.1, -2]', "overshoot_lrs[1]", "greater than 0"),
])
def test_bad_lab_fields_are_refused_at_load_time(tmp_path, fields, field, word):
    from workbench.tasks.loader import load

    f = tmp_path / "bad.toml"
    f.write_text('[sheet]\ntitle = "t"\n\n[[exercise]]\nid = "a"\n' + fields + "\n",
                 encoding="utf-8")
    where = rf"bad.toml: exercise 'a': field '{re.escape(field)}'"
    with pytest.raises(InputError, match=where) as exc:
        load(f)
    assert word in str(exc.value)


def test_lab_linear_refuses_more_printed_losses_than_prints():
    out = run(_exercise(iterations=150, schedules=["batch"], claimed={"batch": [1.0, 0.9, 0.8]}),
              Context(figures=False))
    assert not out.passed and "claimed.batch" in out.checks[0].detail
