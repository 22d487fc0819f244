"""Tasks that train models by their derived gradients: classifiers, an MLP, a factorization.

* ``classifier``  logistic/softmax regression: gradient (1/m)Xᵀ(P − Y) derived and
                  certified, batch GD against SGD;
* ``mlp``         backprop with a gradient check, step decay and early stopping;
* ``factorize``   low-rank GD on Iris against the Eckart–Young optimum.

One concept: a loss whose gradient is derived and certified, then used to train,
with the training judged against what theory says it can reach.  The lab's early
stopping rule, transcribed, counts only epochs within min_delta of the best:

>>> lab_early_stopping([3, 2, 2, 2, 5, 2], patience=2, min_delta=0.0)
3
"""

from __future__ import annotations

import numpy as np

from ..core.errors import InputError, WorkbenchError
from ..optim import factorization as fz
from ..optim import models
from ..optim import optimizers as optim
from ..optim import plots as optim_plots
from .common import certificate_checks, figure_paths, sci
from .common import claimed_value as _claimed
from .model import Boxed, Figure, Math, Outcome, Table, Text
from .registry import Context, Exercise, task
from .schema import LEARNING_RATE, SEED, STEPS, Field

# ---------------------------------------------------------------------------- classifiers

@task("classifier", required={"kind": Field(str, "the model", choices=models.KINDS)},
      optional={"n_samples": Field(int, "data points", min=2, limit="samples"),
                "n_features": Field(int, "features", min=1, limit="features"),
                "n_classes": Field(int, "classes (softmax)", min=2, limit="classes"),
                "lr": LEARNING_RATE, "epochs": STEPS, "sgd_epochs": STEPS, "seed": SEED,
                "separation": Field(float, "distance between the classes", above=0)},
      example='''
kind = "logistic"
n_samples = 200
lr = 0.1
epochs = 1000
''')
def classifier(ex: Exercise, ctx: Context) -> Outcome:
    """Logistic/softmax regression: gradient (1/m)Xᵀ(P − Y) derived and certified; batch vs SGD."""
    out = Outcome()
    kind = ex.fields["kind"]
    if kind not in models.KINDS:
        raise InputError(f"{ex.where('kind')}: choose from {', '.join(models.KINDS)}")
    k = 2 if kind == "logistic" else int(ex.fields.get("n_classes", 3))
    der = models.derive_gradient(kind, 2, 2, max(k, 2))
    loss_tex = (r"J(\theta) = -\frac1m\sum_i \left[y_i\log\sigma(z_i) + (1-y_i)\log(1-\sigma(z_i))"
                r"\right]" if kind == "logistic" else
                r"J(\theta) = -\frac1m\sum_i\sum_k y_{ik}\log\frac{e^{z_{ik}}}{\sum_j e^{z_{ij}}}")
    out.add(Math(loss_tex + r",\qquad Z = X\theta"),
            Boxed("Gradient", r"\nabla_\theta J = \frac1m X^\top (P - Y)"))
    out.check("SymPy: ∂J/∂θ entry by entry equals (1/m)Xᵀ(P − Y) (symbolic 2×2 data)",
              der.equal, "each entry of the difference simplifies to 0")
    cert = models.certify_gradient(kind, k=max(k, 2))
    out.check("closed form certified on rational data (JAX, finite differences, 50 digits)",
              cert.ok, cert.verdict)
    certificate_checks(out, cert, "gradient (1/m)Xᵀ(P − Y)")
    out.claim("the gradient of the loss is (1/m)Xᵀ(P − Y) for both models", der.equal and cert.ok,
              "derived and certified")
    n = int(ex.fields.get("n_features", 2))
    m = int(ex.fields.get("n_samples", 200))
    seed = int(ex.fields.get("seed", 0))
    X, y = models.make_classification(m, n, k, float(ex.fields.get("separation", 2.5)), seed)
    lr = float(ex.fields.get("lr", 0.1))
    epochs = int(ex.fields.get("epochs", 1000))
    sgd_epochs = int(ex.fields.get("sgd_epochs", 50))
    fits = {"batch GD": models.fit_linear(X, y, kind, "batch", lr, epochs, seed),
            "SGD": models.fit_linear(X, y, kind, "sgd", lr, sgd_epochs, seed)}
    rows = [[name, str(f.epochs), str(f.epochs * (1 if name == "batch GD" else m)),
             f"{f.losses[0]:.4f}", f"{f.losses[-1]:.4f}", f"{100 * f.accuracy:.1f}%"]
            for name, f in fits.items()]
    out.add(Table(["method", "epochs", "parameter updates", "initial loss", "final loss",
                   "training accuracy"], rows,
                  f"{m} synthetic samples, {n} features, {k} classes; $\\eta = {lr:g}$"))
    for name, f in fits.items():
        out.check(f"{name}: the loss decreased", f.losses[-1] < f.losses[0],
                  f"{f.losses[0]:.4f} → {f.losses[-1]:.4f}")
    paths = figure_paths(ctx, ex, "loss")
    if paths:
        optim_plots.loss_curves({k_: f.losses for k_, f in fits.items()}, paths,
                                f"{kind} regression: training loss per epoch", "epoch",
                                "cross-entropy")
        out.add(Figure(paths[0], loss_caption(fits["batch GD"].losses, fits["SGD"].losses, m)))
    paths = figure_paths(ctx, ex, "regions")
    if paths and n == 2:
        theta = fits["batch GD"].params
        optim_plots.decision_regions(lambda G: models.predict(kind, theta, G), X, y, paths,
                                     f"{kind} regression (batch GD): decision regions")
        out.add(Figure(paths[0], "Linear decision boundaries learned by batch GD."))
    return out


def loss_caption(batch: np.ndarray, sgd: np.ndarray, m: int) -> str:
    """The caption of the batch-vs-SGD loss figure, read off the two curves it shows.

    Each curve holds the loss before the first epoch and after each epoch.

    >>> print(loss_caption(np.array([0.7, 0.3, 0.1]), np.array([0.7, 0.2]), 50))
    ... # doctest: +NORMALIZE_WHITESPACE
    Per epoch SGD makes 50 updates, batch GD one. After 1 epoch SGD reaches loss 0.2000,
    lower than batch GD (0.3000); it ends at 0.2000 after 1 epoch, batch GD at 0.1000 after
    2 epochs.
    """
    common = min(len(batch), len(sgd)) - 1
    b, s = float(batch[common]), float(sgd[common])
    at = (f"After {_epochs(common)} SGD reaches loss {s:.4f}, "
          f"{'lower' if s < b else 'higher'} than batch GD ({b:.4f})")
    tail = (f"it ends at {float(sgd[-1]):.4f} after {_epochs(len(sgd) - 1)}, batch GD at "
            f"{float(batch[-1]):.4f} after {_epochs(len(batch) - 1)}")
    return f"Per epoch SGD makes {m} updates, batch GD one. {at}; {tail}."


def _epochs(n: int) -> str:
    return f"{n} epoch" + ("" if n == 1 else "s")


# ------------------------------------------------------------------------------------ MLP


@task("mlp", required={},
      optional={"hidden": Field(list, "units per hidden layer", kind="units",
                                limit="list_items"),
                "data": Field(str, "the data set", choices=("blobs", "rings", "xor")),
                "n_samples": Field(int, "data points", min=2, limit="samples"),
                "lr": LEARNING_RATE, "epochs": STEPS,
                "gamma": Field(float, "step decay factor", above=0, max=1),
                "every": Field(int, "epochs between decays", min=1, limit="iterations"),
                "patience": Field(int, "early-stopping patience (epochs)", min=1,
                                  limit="iterations"),
                "min_delta": Field(float, "smallest improvement that counts", min=0),
                "seed": SEED},
      prose={"lab_rule": "after the stopping epochs: how the lab's rule differs",
             "regions": "caption of the decision-region figure"},
      example='''
hidden = [16]
data = "rings"
epochs = 2000
''')
def mlp_task(ex: Exercise, ctx: Context) -> Outcome:
    """An MLP trained by hand-written backprop: gradient check, step decay, early stopping."""
    out = Outcome()
    seed = int(ex.fields.get("seed", 0))
    X, y = models.make_classification(int(ex.fields.get("n_samples", 200)), 2, 2, seed=seed,
                                      kind=ex.fields.get("data", "rings"))
    Y = models.one_hot(y)
    hidden = [int(h) for h in ex.fields.get("hidden", [16])]
    out.add(Math(r"dZ_L = \tfrac1m(P - Y),\quad dW_l = A_{l-1}^\top dZ_l,\quad "
                 r"db_l = \textstyle\sum_i dZ_l,\quad dZ_{l-1} = (dZ_l W_l^\top)\odot"
                 r"[Z_{l-1} > 0]"))
    rows = []
    for sizes in ([2, 8, 2], [2, 8, 6, 2]):
        net = models.MLP(sizes, seed, bias_scale=0.1)
        gc = models.gradient_check(net, X[:40], Y[:40])
        rows.append([layer_text(sizes), str(gc.params), sci(gc.rel_error_fd),
                     sci(gc.rel_error_jax), sci(gc.kink_margin)])
        out.check(f"backprop gradient check, layers {layer_text(sizes)} (rel. error < 1e-7)",
                  gc.ok,
                  f"vs finite differences {gc.rel_error_fd:.1e}, vs JAX {gc.rel_error_jax:.1e}")
        out.check(f"layers {layer_text(sizes)}: no pre-activation within 100·h of the ReLU kink",
                  gc.kink_free, f"margin {gc.kink_margin:.1e}, h = {gc.step:g}")
    out.add(Table(["layers", "parameters", "rel. error vs finite differences",
                   "rel. error vs autodiff", "kink margin"], rows,
                  "Relative error $\\|g - g_{\\mathrm{ref}}\\|/(\\|g\\| + "
                  "\\|g_{\\mathrm{ref}}\\|)$ on 40 samples; Richardson central differences, "
                  "$h = 10^{-6}$"))
    lr = float(ex.fields.get("lr", 0.5))
    epochs = int(ex.fields.get("epochs", 2000))
    schedule = optim.StepDecay(float(ex.fields.get("gamma", 0.5)), int(ex.fields.get("every",
                                                                                    500)))
    patience = int(ex.fields.get("patience", 20))
    min_delta = float(ex.fields.get("min_delta", 1e-5))
    stopper = optim.EarlyStopping(patience, min_delta)
    net, fit = models.fit_mlp(X, y, hidden, lr, epochs, seed, schedule=schedule,
                              early_stopping=stopper)
    linear = models.fit_linear(X, y, "softmax", "batch", lr, fit.epochs, seed)
    out.add(Table(["model", "epochs", "final loss", "training accuracy"],
                  [[f"MLP {layer_text([2, *hidden, 2])}", str(fit.epochs), f"{fit.losses[-1]:.4f}",
                    f"{100 * fit.accuracy:.1f}%"],
                   ["softmax regression", str(linear.epochs), f"{linear.losses[-1]:.4f}",
                    f"{100 * linear.accuracy:.1f}%"]],
                  f"{len(X)} samples ({ex.fields.get('data', 'rings')}); initial $\\eta = {lr:g}$, "
                  f"step decay by a factor {schedule.gamma:g} every {schedule.every} epochs; early "
                  f"stopping with patience {patience} and minimal improvement {min_delta:g}"))
    out.check("the MLP separates data a linear model cannot (accuracy ≥ 95%, and above the "
              "linear model)", fit.accuracy >= 0.95 and fit.accuracy > linear.accuracy,
              f"MLP {100 * fit.accuracy:.1f}%, linear {100 * linear.accuracy:.1f}%")
    lab_stop = lab_early_stopping(fit.losses, patience, min_delta)
    ours = optim.EarlyStopping(patience, min_delta)
    our_stop = next((i for i, v in enumerate(fit.losses[1:], 1) if ours.update(v)), None)
    stops = (f"On this loss curve, stopping after {patience} epochs without an improvement "
             f"above {min_delta:g} stops at epoch {our_stop}; the lab's rule "
             f"{'stops at epoch ' + str(lab_stop) if lab_stop else 'never stops'}.")
    out.add(Text(f"{stops} {ex.paragraph('lab_rule')}".strip()))
    out.claim(f"the lab's rule stops after {patience} epochs without an improvement above "
              f"{min_delta:g}", lab_stop == our_stop,
              "it resets the counter on any decrease, however small, and ignores epochs that "
              f"are worse by more than {min_delta:g}" if lab_stop != our_stop else
              "it agrees with the definition on this run")
    paths = figure_paths(ctx, ex, "loss")
    if paths:
        optim_plots.loss_curves({"MLP (backprop)": fit.losses,
                                 "softmax regression": linear.losses}, paths,
                                "Training loss with step decay and early stopping", "epoch",
                                "cross-entropy")
        out.add(Figure(paths[0], f"Training loss per epoch: the MLP ends at "
                                 f"{fit.losses[-1]:.4f} after {fit.epochs} epochs, softmax "
                                 f"regression at {linear.losses[-1]:.4f}; the learning rate is "
                                 f"multiplied by {schedule.gamma:g} every {schedule.every} "
                                 "epochs."))
    paths = figure_paths(ctx, ex, "regions")
    if paths:
        optim_plots.decision_regions(lambda G: np.argmax(net.forward(G), axis=1), X, y, paths,
                                     "MLP decision regions")
        out.add(Figure(paths[0], ex.paragraph("regions") or "MLP decision regions."))
    return out


def layer_text(sizes) -> str:
    """Layer widths as printed: 2–8–6–2."""
    return "–".join(map(str, sizes))


def lab_early_stopping(losses, patience: int, min_delta: float) -> int | None:
    """The lab's early stopping, transcribed: returns the epoch it stops at, or None."""
    best, waited = float("inf"), 0
    for epoch, value in enumerate(losses):
        if value < best:
            best, waited = value, 0
        elif abs(value - best) <= min_delta:
            waited += 1
            if waited >= patience:
                return epoch
    return None


# ----------------------------------------------------------------------------- factorize


@task("factorize", required={"rank": Field(int, "rank of U V (the Iris data has 4 features)",
                                            min=1, max=4)},
      optional={"epochs": STEPS, "lr": LEARNING_RATE, "seed": SEED,
                "seeds": Field(int, "random restarts", min=1, limit="restarts")},
      claims={"loss": Field(float, "the final loss")},
      prose={"restarts": "after the restarts' count: why a run can stall",
             "loss": "caption of the loss figure"},
      example='''
rank = 2
epochs = 1000
lr = 0.01
claimed = { loss = 15.54 }
''')
def factorize_task(ex: Exercise, ctx: Context) -> Outcome:
    """GD on ‖A − UV‖²_F for the centered Iris data against the Eckart–Young optimum."""
    out = Outcome()
    A = fz.load_iris(center=True)
    r = ex.fields["rank"]
    epochs, lr = int(ex.fields.get("epochs", 1000)), float(ex.fields.get("lr", 0.01))
    seed = int(ex.fields.get("seed", 0))
    out.add(Math(r"L(U, V) = \|A - UV\|_F^2,\quad \nabla_U L = -2(A - UV)V^\top,\quad "
                 r"\nabla_V L = -2U^\top(A - UV)"))
    out.check("gradients derived entry by entry (SymPy) equal the matrix forms",
              fz.derive_gradients(), "2×3 matrix, rank 1, all symbolic")
    _jax_factor_check(out, A, r, seed)
    try:
        res = fz.factorize(A, r, epochs, lr, seed)
    except WorkbenchError as exc:
        raise InputError(f"{ex.where()}: {exc}") from None
    s = res.singular_values
    out.add(Math(r"\sigma = " + ",\\ ".join(f"{v:.6g}" for v in s) +
                 rf",\qquad \min_{{\operatorname{{rank}} \le {r}}} \|A - B\|_F^2 = "
                 rf"\sum_{{i>{r}}}\sigma_i^2 = {res.optimum:.6f}"))
    out.add(Table(["quantity", "value"],
                  [["GD loss after the last epoch", f"{res.final:.6f}"],
                   ["Eckart–Young optimum", f"{res.optimum:.6f}"],
                   ["gap", f"{sci(res.gap, 4)} ({100 * res.relative_gap:.4f}%)"]],
                  f"Iris (150 × 4, centered), rank {r}, {epochs} epochs, learning rate "
                  f"{lr:g}, start uniform in $[0, 1)$ (seed {seed})"))
    out.check("GD never beats the optimum (Eckart–Young is a lower bound)",
              res.final >= res.optimum * (1 - 1e-12), f"{res.final:.6f} ≥ {res.optimum:.6f}")
    out.check("GD ends within 1% of the Eckart–Young optimum", res.relative_gap < 0.01,
              f"relative gap {res.relative_gap:.2e}")
    n_seeds = int(ex.fields.get("seeds", 0))
    if n_seeds:
        gaps = [fz.factorize(A, r, epochs, lr, s_).relative_gap for s_ in range(n_seeds)]
        within = sum(g < 0.01 for g in gaps)
        out.add(Text(f"Over seeds 0 to {n_seeds - 1}, {within} of {n_seeds} runs end within 1% "
                     f"of the optimum (worst gap {100 * max(gaps):.2f}%). "
                     f"{ex.paragraph('restarts')}".strip()))
    claimed = _claimed(ex, "loss")
    if claimed is not None:
        c = float(claimed)
        holds = abs(c - res.optimum) <= 0.01 * res.optimum
        out.claim(f"the reconstruction loss is about {c:g}", holds,
                  f"the attainable minimum is {res.optimum:.4f}; {c:g} is "
                  f"{100 * (c - res.optimum) / res.optimum:.1f}% above it" +
                  ("" if holds else " (GD had not finished)"))
    paths = figure_paths(ctx, ex, "loss")
    if paths:
        optim_plots.loss_curves({f"GD, lr {lr:g}": res.losses}, paths,
                                f"Rank-{r} factorization of centered Iris", "epoch",
                                r"$\|A - UV\|_F^2$",
                                hlines={f"Eckart–Young optimum {res.optimum:.4f}": res.optimum})
        out.add(Figure(paths[0], ex.paragraph("loss") or
                       "The loss $\\|A - UV\\|_F^2$ per epoch and the Eckart–Young optimum."))
    return out


def _jax_factor_check(out, A, r, seed):
    from ..backends import jaxutil

    jax, jnp = jaxutil.jax(), jaxutil.jnp()
    rng = np.random.default_rng(seed)
    U, V = rng.random((A.shape[0], r)), rng.random((r, A.shape[1]))
    grad = jax.grad(lambda u, v: jnp.sum((jnp.asarray(A) - u @ v) ** 2), (0, 1))
    gU, gV = jaxutil.jit_reference(grad)(jnp.asarray(U), jnp.asarray(V))
    mU, mV = fz.gradients(A, U, V)
    err = max(float(np.max(np.abs(mU - gU)) / np.max(np.abs(gU))),
              float(np.max(np.abs(mV - gV)) / np.max(np.abs(gV))))
    out.check("matrix gradients agree with JAX autodiff on Iris (rel. error < 1e-12)",
              err < 1e-12, f"{err:.1e}")
