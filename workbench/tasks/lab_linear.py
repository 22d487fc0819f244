"""The task ``lab_linear``: the lab's linear classifier with its own data, settings and code paths.

The lab's softmax/logistic training on its synthetic data (its random state,
learning rate, iterations, batch and per-example SGD schedules); its printed
losses and test accuracies are claims.  The lab draws θ₀ = 0.01·randn without a
seed, so a printed loss is one sample of a distribution: it is judged against
the mean and spread over seeded draws, |claimed − mean| ≤ 4·sd + 5·10⁻⁵ (the
print rounds to 4 decimals).  Test accuracies are judged exactly.  Timings are
reported, never judged.  Needs scikit-learn (the ``lab`` extra).  The tolerance
of the lab's last printed batch loss (sd 2.4·10⁻⁴ over 16 starts):

>>> round(SPREAD_SIGMAS * 2.4e-4 + PRINT_ROUNDING, 5)
0.00101
"""

from __future__ import annotations

import math
import time

import numpy as np
import sympy as sp

from ..backends import jaxutil
from ..core.errors import InputError
from ..optim import lab
from ..optim import plots as optim_plots
from .common import claimed_value, figure_paths
from .model import Figure, Math, Outcome, Table, Text
from .registry import Context, Exercise, task
from .schema import Field

#: How far a printed loss may lie from the mean over seeded initializations:
#: 4 standard deviations of that spread plus half a unit of the 4th decimal printed.
SPREAD_SIGMAS = 4.0
PRINT_ROUNDING = 5e-5
#: float64 agreement of two evaluations of the same formulas in different order.
SAME_CODE_TOL = 1e-12
#: hand-written backward passes against JAX autodiff (float64 round-off only).
JAX_TOL = 1e-9

SYNTHETIC = {"n_samples": 200, "n_features": 3, "n_informative": 3, "n_redundant": 0,
             "n_clusters_per_class": 1, "n_classes": 4, "random_state": 100}



# ------------------------------------------------------------------------------ lab_linear


_LR = "learning rate α (default {})"


@task("lab_linear", required={},
      optional={"n_samples": Field(int, "make_classification's samples (default 200)", min=1,
                                   limit="samples"),
                "n_features": Field(int, "features (default 3)", min=1, limit="features"),
                "n_informative": Field(int, "informative features (default 3)", min=1,
                                       limit="features"),
                "n_redundant": Field(int, "redundant features (default 0)", min=0,
                                     limit="features"),
                "n_clusters_per_class": Field(int, "clusters per class (default 1)", min=1,
                                              limit="clusters"),
                "n_classes": Field(int, "classes; 2 runs the lab's sigmoid branch (default 4)",
                                   min=2, limit="classes"),
                "random_state": Field(int, "make_classification's random_state (default 100)",
                                      min=0),
                "test_size": Field(float, "fraction held out for testing (default 0.2)",
                                   above=0, max=0.9),
                "split_state": Field(int, "train_test_split's random_state (default 100)",
                                     min=0),
                "lr": Field(float, _LR.format(0.01), above=0),
                "iterations": Field(int, "iterations of each schedule (default 1000)", min=1,
                                    limit="iterations"),
                "schedules": Field(list, "the schedules to run (default both)",
                                   choices=("batch", "sgd"), limit="list_items"),
                "inits": Field(int, "seeded initializations θ₀ = 0.01·randn (default 16)",
                               min=1, limit="restarts"),
                "print_every": Field(int, "iterations between the lab's prints (default 100)",
                                     min=1, limit="iterations")},
      claims={**{s: Field(list, f"the printed {s} losses, one per print", kind="floats",
                          min=0, limit="list_items") for s in ("batch", "sgd")},
              **{f"{s}_accuracy": Field(float, f"the printed {s} test accuracy (a fraction)",
                                        min=0, max=1) for s in ("batch", "sgd")},
              **{f"{s}_seconds": Field(float, f"the printed {s} training time (reported, "
                                       "not judged)", min=0) for s in ("batch", "sgd")}},
      example='''
iterations = 201
inits = 4
schedules = ["batch"]
claimed = { batch = [1.3897, 0.9375, 0.7372], batch_accuracy = 0.9 }
''')
def lab_linear(ex: Exercise, ctx: Context) -> Outcome:
    """The lab's linear classifier, its data and schedules; its printed numbers judged."""
    with lab.one_blas_thread():
        return _lab_linear(ex, ctx)


def _lab_linear(ex: Exercise, ctx: Context) -> Outcome:
    out = Outcome()
    settings = {k: ex.fields.get(k, v) for k, v in SYNTHETIC.items()}
    lr = float(ex.fields.get("lr", 0.01))
    iterations = ex.fields.get("iterations", 1000)
    inits = ex.fields.get("inits", 16)
    every = ex.fields.get("print_every", 100)
    schedules = ex.fields.get("schedules", ["batch", "sgd"])
    if not schedules:
        raise InputError(f"{ex.where('schedules')}: name at least one of 'batch', 'sgd'")
    prints = len(range(0, iterations, every))
    for schedule in schedules:
        printed = claimed_value(ex, schedule)
        if printed is not None and len(printed) > prints:
            raise InputError(f"{ex.where('claimed.' + schedule)}: {len(printed)} printed losses, "
                             f"but {iterations} iterations printed every {every} give {prints}")
    data = lab.synthetic(**settings, test_size=float(ex.fields.get("test_size", 0.2)),
                         split_state=int(ex.fields.get("split_state", 100)))
    m, d = data.X_train.shape
    k = data.Y_train.shape[1]
    act = r"\operatorname{softmax}" if data.multiclass else r"\sigma"
    out.add(Text(f"The lab's data: {settings['n_samples']} synthetic samples with "
                 f"{settings['n_features']} features and {settings['n_classes']} classes, "
                 f"random state {settings['random_state']}; the split keeps {m} training and "
                 f"{len(data.X_test)} test samples. A column of ones is prepended, so "
                 f"$\\theta$ has {d + 1} rows and {k} columns."),
            Math(rf"P = {act}(X_{{\text{{bias}}}}\theta)"),
            Text("Batch gradient descent, once per iteration, and SGD, for "
                 "$i = 1, \\ldots, m$ in order within each iteration:"),
            Math(r"\theta \leftarrow \theta - \frac{\alpha}{m} X_{\text{bias}}^\top(P - Y)"),
            Math(r"\theta \leftarrow \theta - \alpha\, x_i^\top(p_i - y_i)"))
    _code_path_checks(out, data)
    thetas = lab.initial_thetas(d + 1, k, range(inits))
    curves = {}
    for schedule in schedules:
        runs, seconds = _timed(data, lr, iterations, schedule == "batch", thetas)
        _judge_schedule(ex, out, schedule, runs, every, seconds, inits)
        curves[f"{schedule}: mean over {inits} initializations"] = runs.losses.mean(axis=0)
    paths = figure_paths(ctx, ex, "loss")
    if paths:
        optim_plots.loss_curves(curves, paths, f"The lab's training loss, α = {lr:g}",
                                "iteration", "cross-entropy")
        out.add(Figure(paths[0], "Loss per iteration (recorded before each update, as in the "
                                 "lab): one SGD iteration is m per-example steps."))
    return out


def _timed(data, lr, iterations, batch, thetas):
    start = time.perf_counter()
    runs = lab.train_linear(data, lr, iterations, batch, thetas)
    return runs, time.perf_counter() - start


def _code_path_checks(out: Outcome, data: lab.LabData) -> None:
    """The lab's building blocks: bias column, max shift, batch and per-example gradients."""
    rng = np.random.default_rng(0)
    X = data.X_train
    theta, b = rng.standard_normal((X.shape[1], 3)), rng.standard_normal(3)
    aug = lab.add_bias_term(X) @ np.vstack([b, theta])
    err = float(np.max(np.abs(aug - (X @ theta + b))))
    out.check("bias augmentation: X_bias θ_bias = Xθ + b (b the first row of θ_bias)",
              err < SAME_CODE_TOL, f"max difference {err:.1e} on the training data")
    out.check(*_max_shift_exact())
    z = np.array([[1000.0, 1001.0, 1002.0]])
    with np.errstate(over="ignore", invalid="ignore"):
        naive = np.exp(z) / np.exp(z).sum()
    shifted = lab.softmax(z)
    ref = np.array([1, math.e, math.e ** 2]) / (1 + math.e + math.e ** 2)
    out.check("max shift: at z = (1000, 1001, 1002) the unshifted softmax gives NaN, the "
              "lab's gives the true probabilities", bool(np.isnan(naive).all()) and
              np.allclose(shifted[0], ref, rtol=1e-15, atol=0),
              f"shifted {np.array2string(shifted[0], precision=6)}")
    with np.errstate(over="ignore"):
        tails = lab.sigmoid(np.array([-1000.0, 1000.0]))
    out.check("the lab's sigmoid 1/(1 + e^(−z)) has no max shift: at z = −1000 and 1000, e^1000 "
              "overflows to inf, yet it returns 0 and 1, the float64 roundings of the truth",
              tails.tolist() == [0.0, 1.0], f"σ(−1000), σ(1000) = {tails[0]:g}, {tails[1]:g} "
              "(true σ(−1000) ≈ 5e−435 is below the smallest float64)")
    gb, gi = _lab_gradients_vs_jax(data)
    out.check("the lab's batch gradient (1/m) X_biasᵀ(P − Y) equals JAX's gradient of its loss",
              gb < JAX_TOL, f"relative error {gb:.1e} (tolerance {JAX_TOL:g})")
    out.check("the lab's per-example step x_iᵀ(p_i − y_i) is the gradient of the loss of "
              "that one example (no 1/m)", gi < JAX_TOL, f"relative error {gi:.1e}")
    short = 20
    theta0 = lab.initial_thetas(X.shape[1] + 1, data.Y_train.shape[1], [0])
    for batch in (True, False):
        _, lit = lab.train_linear_literal(data, 0.01, short, batch, theta0[0])
        vec = lab.train_linear(data, 0.01, short, batch, theta0).losses[0]
        gap = float(np.max(np.abs(np.array(lit) - vec)))
        out.check(f"{'batch' if batch else 'SGD'}: the lab's loop line for line and the "
                  f"workbench's batched run give the same losses ({short} iterations)",
                  gap < SAME_CODE_TOL, f"max difference {gap:.1e}")


def _max_shift_exact() -> tuple[str, bool, str]:
    z = sp.symbols("z1:4", real=True)
    c = sp.Symbol("c", real=True)
    shifted = [sp.exp(zi - c) / sum(sp.exp(zj - c) for zj in z) for zi in z]
    plain = [sp.exp(zi) / sum(sp.exp(zj) for zj in z) for zi in z]
    ok = all(sp.simplify(s - p) == 0 for s, p in zip(shifted, plain, strict=True))
    return ("softmax(z − c) = softmax(z) for every c (so the max shift changes nothing "
            "in exact arithmetic)", ok, "SymPy, 3 classes, symbolic c")


def _lab_gradients_vs_jax(data: lab.LabData) -> tuple[float, float]:
    jax, jnp = jaxutil.jax(), jaxutil.jnp()
    X, Y, mc = lab.add_bias_term(data.X_train), data.Y_train, data.multiclass
    theta = np.random.default_rng(1).standard_normal((X.shape[1], Y.shape[1]))

    def loss(t, Xs, Ys):
        Z = Xs @ t
        if mc:
            return -jnp.sum(Ys * jax.nn.log_softmax(Z, axis=1)) / Xs.shape[0]
        return jnp.sum(jnp.logaddexp(0.0, Z) - Ys * Z) / Xs.shape[0]

    act = lab.softmax if mc else lab.sigmoid
    lab_batch = (1 / len(X)) * X.T @ (act(X @ theta) - Y)
    grad = jaxutil.jit_reference(jax.grad(loss))  # one program per shape, not one per operation
    ref = np.asarray(grad(theta, X, Y))
    xi, yi = X[3:4], Y[3:4]
    lab_one = xi.T @ (act(xi @ theta) - yi)
    ref_one = np.asarray(grad(theta, xi, yi))
    rel = [float(np.max(np.abs(a - r)) / max(np.max(np.abs(r)), 1e-300))
           for a, r in ((lab_batch, ref), (lab_one, ref_one))]
    return rel[0], rel[1]


def _judge_schedule(ex, out, schedule, runs, every, seconds, inits):
    losses = runs.losses
    shown = list(range(0, losses.shape[1], every))
    mean, sd = losses.mean(axis=0), losses.std(axis=0)
    claimed = claimed_value(ex, schedule) or []
    rows, misses = [], []
    for j, it in enumerate(shown):
        tol = SPREAD_SIGMAS * sd[it] + PRINT_ROUNDING
        lab_value = f"{claimed[j]:.4f}" if j < len(claimed) else "—"
        verdict = ""
        if j < len(claimed):
            ok = abs(float(claimed[j]) - mean[it]) <= tol
            verdict = "✓" if ok else "✗"
            if not ok:
                misses.append(f"iteration {it}: {claimed[j]} vs {mean[it]:.4f} ± {tol:.1e}")
        rows.append([str(it), lab_value, f"{losses[0, it]:.4f}", f"{mean[it]:.4f}",
                     f"{sd[it]:.1e}", f"{tol:.1e}", verdict])
    name = "batch gradient descent" if schedule == "batch" else "stochastic gradient descent"
    out.add(Table(["iteration", "lab", "seed 0", f"mean ({inits} inits)", "sd",
                   "tolerance", ""], rows,
                  f"The lab's {name}: printed loss beside the workbench's; tolerance = "
                  f"{SPREAD_SIGMAS:g} sd + {PRINT_ROUNDING:g} ($\\theta_0$ is unseeded in the "
                  "lab)"))
    out.check(f"{schedule}: the loss decreased for every initialization",
              bool(np.all(losses[:, -1] < losses[:, 0])),
              f"mean {mean[0]:.4f} → {mean[-1]:.4f}")
    out.check(f"{schedule}: the probability clipping at 1e-15 never acted",
              runs.min_probability > lab.CLIP, f"smallest probability {runs.min_probability:.1e}")
    if claimed:
        out.claim(f"{schedule}: the loss goes {claimed[0]} → {claimed[-1]} "
                  f"(printed every {every} iterations)", not misses,
                  "every printed value lies within the spread of the lab's random start"
                  if not misses else "; ".join(misses))
    acc = runs.accuracy
    acc_claim = claimed_value(ex, f"{schedule}_accuracy")
    if acc_claim is not None:
        c = float(acc_claim)
        hits = int(np.sum(np.isclose(acc, c, atol=1e-12)))
        out.claim(f"{schedule}: test accuracy {100 * c:.2f}%", hits == len(acc),
                  f"{hits} of {len(acc)} initializations reach exactly {100 * c:.2f}% "
                  f"(accuracies seen: {', '.join(f'{100 * a:.1f}%' for a in np.unique(acc))})")
    lab_seconds = claimed_value(ex, f"{schedule}_seconds")
    out.add(Text(f"Time ({schedule}, reported, not judged): the workbench trained {inits} "
                 f"initializations at once in {seconds:.2f} s"
                 + (f"; the lab printed {float(lab_seconds):.3g} s for one." if lab_seconds
                    else ".")))


