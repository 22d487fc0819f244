"""The task ``lab_images``: the lab's image classifiers and MLPs, run on the digits images.

The lab's ``ImageLinearClassifier`` and ``MLPClassifier`` (first version and the
take-away version with two hidden layers, clipping and step decay) on the 8 × 8
digits images, because CIFAR-10 cannot be downloaded here; the backward passes
are checked against JAX, dW simplified and db derived.  Needs scikit-learn (the
``lab`` extra).  A first loss of small random logits is about ln K:

>>> round(math.log(10), 4)
2.3026
"""

from __future__ import annotations

import math

import numpy as np
import sympy as sp

from ..backends import jaxutil
from ..core.errors import InputError
from ..optim import lab
from ..optim import plots as optim_plots
from .common import claimed_value, figure_paths, sci
from .lab_linear import JAX_TOL
from .model import Boxed, Figure, Math, Outcome, Table, Text
from .registry import Context, Exercise, task
from .schema import SEED, Field

#: scikit-learn's digits data set: 1797 images of 8 × 8 pixels.
DIGITS_IMAGES = 1797


_LR = "learning rate α (default {})"


# ------------------------------------------------------------------------------ lab_images


@task("lab_images", required={},
      optional={"n_train": Field(int, "training images (default 1000)", min=1,
                                 max=DIGITS_IMAGES),
                "n_test": Field(int, "test images, disjoint from them (default 400)", min=1,
                                max=DIGITS_IMAGES),
                "seed": SEED,
                "linear_lr": Field(float, "the linear classifier's " + _LR.format(0.01),
                                   above=0),
                "linear_epochs": Field(int, "its epochs (default 100)", min=1, limit="epochs"),
                "hidden": Field(int, "units per hidden layer (default 100)", min=1,
                                limit="layer_width"),
                "mlp_lr": Field(float, "the first MLP's " + _LR.format(0.1), above=0),
                "mlp_epochs": Field(int, "its epochs (default 100)", min=1, limit="epochs"),
                "takeaway_lr": Field(float, "the take-away MLP's initial " + _LR.format(0.1),
                                     above=0),
                "takeaway_epochs": Field(int, "its epochs (default 500)", min=1,
                                         limit="epochs"),
                "step_size": Field(int, "epochs between decays of its rate (default 100)",
                                   min=1, limit="epochs"),
                "gamma": Field(float, "the factor of each decay (default 0.5)", above=0, max=1),
                "clip": Field(float, "its element-wise gradient clip (default 1)", above=0),
                "overshoot_lrs": Field(list, "learning rates tried for overshooting "
                                       "(default [0.1, 2, 8])", kind="floats", above=0,
                                       limit="list_items")},
      claims={f"{model}_first_loss": Field(float, f"the {words}'s printed first loss", above=0)
              for model, words in (("linear", "linear classifier"), ("mlp", "first MLP"),
                                   ("takeaway", "take-away MLP"))},
      example='''
n_train = 200
n_test = 100
linear_epochs = 20
mlp_epochs = 20
takeaway_epochs = 40
claimed = { mlp_first_loss = 2.302176394750433 }
''')
def lab_images(ex: Exercise, ctx: Context) -> Outcome:
    """The lab's image classifiers on the digits images, with the lab's own code."""
    with lab.one_blas_thread():
        return _lab_images(ex, ctx)


def _lab_images(ex: Exercise, ctx: Context) -> Outcome:
    out = Outcome()
    seed = ex.fields.get("seed", 0)
    n_train = ex.fields.get("n_train", 1000)
    n_test = ex.fields.get("n_test", 400)
    if n_train + n_test > DIGITS_IMAGES:
        raise InputError(f"{ex.where('n_test')}: digits has {DIGITS_IMAGES} images; "
                         f"{n_train} + {n_test} requested")
    Xtr, ytr, Xte, yte = lab.digits(n_train, n_test, seed)
    D, K = Xtr.shape[1], 10
    out.check("CIFAR-10 runs: not reproduced, the data set cannot be downloaded here; the "
              "lab's classes run on the digits images instead", True,
              "the lab's CIFAR-10 numbers come from a random, unseeded subsample of 1000 images")
    out.add(Text("The lab's numbers come from CIFAR-10 (losses per epoch on a random, unseeded "
                 "subsample of 1000 images). Here the same classes run on the 8 × 8 digits "
                 f"images: {n_train} training and {n_test} test images, pixels scaled to "
                 f"$[0, 1]$ as in the lab, $D = {D}$."))
    curves = {"ImageLinearClassifier": _linear_classifier(ex, out, Xtr, ytr, Xte, yte, seed, K)}
    curves.update(_mlps(ex, out, Xtr, ytr, Xte, yte, seed, K))
    _overshoot(ex, out, Xtr, ytr, seed, K)
    paths = figure_paths(ctx, ex, "loss")
    if paths:
        optim_plots.loss_curves(curves, paths, "The lab's classifiers on digits", "epoch",
                                "cross-entropy")
        out.add(Figure(paths[0], "Training loss per epoch of the lab's three models on digits."))
    return out


def _accuracy(scores: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(np.argmax(scores, axis=0) == y))


def _linear_classifier(ex, out, Xtr, ytr, Xte, yte, seed, K):
    out.add(Math(r"Z = WX^\top + b\mathbf 1^\top,\ P = \operatorname{softmax}_{\text{columns}}(Z),"
                 r"\ J = -\tfrac1m\textstyle\sum_i \log P_{y_i i}"),
            Boxed("Gradients (the lab subtracts 1 from each sample's probability of its own "
                  "class, which gives $P - Y^\\top$)",
                  r"\frac{\partial J}{\partial W} = \frac1m (P - Y^\top) X,\qquad "
                  r"\frac{\partial J}{\partial b} = \frac1m (P - Y^\top)\mathbf 1 = "
                  r"\frac1m \sum_{i=1}^m (p_i - y_i)"))
    out.check(*_db_symbolic())
    clf = lab.ImageLinearClassifier(Xtr.shape[1], K, seed)
    rel = _linear_vs_jax(clf, Xtr, ytr)
    out.check("ImageLinearClassifier: dW and db equal JAX's gradient of its loss", rel < JAX_TOL,
              f"relative error {rel:.1e} (tolerance {JAX_TOL:g})")
    lr = float(ex.fields.get("linear_lr", 0.01))
    epochs = ex.fields.get("linear_epochs", 100)
    losses = []
    for _ in range(epochs):
        losses.append(clf.compute_loss(Xtr, ytr))
        clf.gradient_descent(Xtr, ytr, lr)
    _initial_loss_claim(ex, out, "linear_first_loss", losses[0], K,
                        "linear image classifier", spread=True, X=Xtr)
    out.add(Text(f"The linear image classifier on digits, $\\alpha = {lr:g}$, {epochs} epochs: "
                 "loss "
                 f"{losses[0]:.4f} → {losses[-1]:.4f}, test accuracy "
                 f"{100 * _accuracy(clf.predict(Xte), yte):.1f}%."))
    out.check("ImageLinearClassifier: the loss decreased", losses[-1] < losses[0],
              f"{losses[0]:.4f} → {losses[-1]:.4f}")
    return losses


def _db_symbolic() -> tuple[str, bool, str]:
    """∂J/∂b entry by entry with SymPy (K = 2 classes, D = 2 pixels, m = 2 images)."""
    W = sp.Matrix(2, 2, sp.symbols("w1:5", real=True))
    b = sp.Matrix(sp.symbols("b1:3", real=True))
    X = sp.Matrix(2, 2, sp.symbols("x1:5", real=True))
    y = [0, 1]
    Z = W * X.T + b * sp.ones(1, 2)
    P = sp.Matrix(2, 2, lambda r, c: sp.exp(Z[r, c]) / (sp.exp(Z[0, c]) + sp.exp(Z[1, c])))
    J = -sum(sp.log(P[y[i], i]) for i in range(2)) / 2
    Yt = sp.Matrix(2, 2, lambda r, c: 1 if y[c] == r else 0)
    db = (P - Yt) * sp.ones(2, 1) / 2
    dW = (P - Yt) * X / 2
    ok = all(sp.simplify(sp.diff(J, b[r]) - db[r]) == 0 for r in range(2)) and \
        all(sp.simplify(sp.diff(J, W[r, c]) - dW[r, c]) == 0 for r in range(2) for c in range(2))
    return ("SymPy: ∂J/∂W = (P − Yᵀ)X/m and ∂J/∂b = (P − Yᵀ)1/m entry by entry",
            ok, "2 classes, 2 pixels, 2 images, all symbolic")


def _linear_vs_jax(clf, X, y) -> float:
    jax, jnp = jaxutil.jax(), jaxutil.jnp()
    Y = np.eye(clf.W.shape[0])[y]

    def loss(W, b):
        Z = (W @ X.T + b).T
        return -jnp.sum(Y * jax.nn.log_softmax(Z, axis=1)) / len(X)

    gW, gb = jaxutil.jit_reference(jax.grad(loss, (0, 1)))(clf.W, clf.b)
    dW, db = clf.gradients(X, y)
    return max(float(np.max(np.abs(dW - gW)) / np.max(np.abs(gW))),
               float(np.max(np.abs(db - gb)) / np.max(np.abs(gb))))


def _initial_loss_claim(ex, out, key, ours, K, model, spread=False, X=None):
    """Small random weights give nearly uniform probabilities: the first loss is about ln K."""
    claimed = claimed_value(ex, key)
    if claimed is None:
        return
    c = float(claimed)
    if spread:
        # logits z_k = w_k·x with w ~ N(0, 1e-4 I): E[loss] ≈ ln K + (K−1)/(2K)·1e-4·E‖x‖²
        predicted = math.log(K) + (K - 1) / (2 * K) * 1e-4 * float(np.mean(np.sum(X ** 2, 1)))
        out.claim(f"{model}: the first loss is {c:.4f} (on CIFAR-10)", c > math.log(K),
                  f"not reproducible without CIFAR-10; it lies {c - math.log(K):.3f} above "
                  f"$\\log {K} = {math.log(K):.4f}$, as random logits must (on digits the "
                  f"second-order prediction is {predicted:.4f}, the run gives {ours:.4f})")
        return
    gap = abs(c - math.log(K))
    out.claim(f"{model}: the first loss is {c:.6f}, about $\\log {K}$ (weights 0.01 times "
              "standard normal draws)",
              gap < 1e-3,
              f"$|{c:.6f} - \\log {K}|$ = {sci(gap)} (tolerance $10^{{-3}}$: logits of size "
              "$10^{-4}\\|x\\|$); "
              f"on digits the same code gives {ours:.6f}")


def _mlps(ex, out, Xtr, ytr, Xte, yte, seed, K):
    hidden = ex.fields.get("hidden", 100)
    D = Xtr.shape[1]
    for sizes in ([D, hidden, K], [D, hidden, hidden, K]):
        net = lab.LabMLP(sizes, seed + 1)
        rel = _mlp_vs_jax(net, Xtr[:200].T, ytr[:200], np.random.default_rng(seed))
        out.check(f"the lab's backward pass, layers {sizes}, equals JAX's gradient",
                  rel < JAX_TOL, f"relative error {rel:.1e} (tolerance {JAX_TOL:g}; "
                  "random biases keep pre-activations off the ReLU kink)")
    lr = float(ex.fields.get("mlp_lr", 0.1))
    epochs = ex.fields.get("mlp_epochs", 100)
    net = lab.LabMLP([D, hidden, K], seed + 1)
    losses, _ = lab.train_mlp(net, Xtr.T, ytr, epochs, lr)
    _initial_loss_claim(ex, out, "mlp_first_loss", losses[0], K, "MLP (one hidden layer)")
    t_lr = float(ex.fields.get("takeaway_lr", 0.1))
    t_epochs = ex.fields.get("takeaway_epochs", 500)
    step = ex.fields.get("step_size", 100)
    gamma = float(ex.fields.get("gamma", 0.5))
    clip = float(ex.fields.get("clip", 1.0))
    deep = lab.LabMLP([D, hidden, hidden, K], seed + 1)
    d_losses, clipped = lab.train_mlp(deep, Xtr.T, ytr, t_epochs, t_lr, clip, step, gamma)
    _initial_loss_claim(ex, out, "takeaway_first_loss", d_losses[0], K,
                        "MLP (two hidden layers)")
    out.add(Table(["model", "epochs", "first loss", "last loss", "test accuracy"],
                  [[f"MLP {D}–{hidden}–{K}, α = {lr:g}", str(epochs), f"{losses[0]:.4f}",
                    f"{losses[-1]:.4f}", f"{100 * _accuracy(net.forward(Xte.T), yte):.1f}%"],
                   [f"take-away MLP {D}–{hidden}–{hidden}–{K}", str(t_epochs),
                    f"{d_losses[0]:.4f}", f"{d_losses[-1]:.4f}",
                    f"{100 * _accuracy(deep.forward(Xte.T), yte):.1f}%"]],
                  f"The lab's MLP code on digits (full batch). Take-away: $\\alpha_0 = {t_lr:g}$, "
                  f"multiplied by {gamma:g} every {step} epochs, gradients clipped to ±{clip:g} "
                  f"element-wise (clipping acted in {100 * clipped:.0f}% of the steps)."))
    out.check("take-away MLP: the loss decreased", d_losses[-1] < d_losses[0],
              f"{d_losses[0]:.4f} → {d_losses[-1]:.4f}")
    if d_losses[0] - d_losses[-1] < 0.1 * (losses[0] - losses[-1]):
        out.add(Text("The take-away MLP hardly learns on digits: with weights 0.01 times "
                     "standard normal draws and "
                     f"only {D} inputs the second hidden layer sees activations about "
                     f"{sci(_signal(deep, Xtr.T), 1)} in size, so the gradients of the first "
                     "layers are tiny and clipping never acts. With CIFAR-10's 3072 inputs "
                     "of similar size the first layer's output is $\\sqrt{3072/64}$, about 7, "
                     "times larger."))
    return {"MLP, one hidden layer": losses, "take-away MLP": d_losses}


def _signal(net: lab.LabMLP, X) -> float:
    """Mean size of the second hidden layer's activations at initialization."""
    fresh = lab.LabMLP([W.shape[1] for W in net.W] + [net.W[-1].shape[0]], 1)
    fresh.forward(X)
    return float(np.mean(np.abs(fresh.A[2])))


def _mlp_vs_jax(net: lab.LabMLP, X, y, rng) -> float:
    jax, jnp = jaxutil.jax(), jaxutil.jnp()
    net.b = [rng.standard_normal(b.shape) * 0.1 for b in net.b]
    net.W = [W * 10 for W in net.W]
    Y = np.eye(net.W[-1].shape[0])[y].T

    def loss(Ws, bs):
        A = X
        for i, (W, b) in enumerate(zip(Ws, bs, strict=True)):
            Z = W @ A + b
            A = Z if i == len(Ws) - 1 else jnp.maximum(Z, 0)
        return -jnp.sum(Y * jax.nn.log_softmax(A, axis=0)) / X.shape[1]

    gW, gb = jaxutil.jit_reference(jax.grad(loss, (0, 1)))(net.W, net.b)
    net.forward(X)
    ours = net.gradients(X, y)
    refs = list(zip(gW, gb, strict=True))
    return max(float(np.max(np.abs(a - r)) / max(np.max(np.abs(r)), 1e-300))
               for pair, ref in zip(ours, refs, strict=True) for a, r in zip(pair, ref,
                                                                             strict=True))


def _overshoot(ex, out, Xtr, ytr, seed, K):
    """Does a high learning rate make the loss rise? Count rises and measure η·λ_max."""
    lrs = [float(v) for v in ex.fields.get("overshoot_lrs", [0.1, 2.0, 8.0])]
    hidden = ex.fields.get("hidden", 100)
    epochs = ex.fields.get("mlp_epochs", 100)
    rows, verdicts = [], []
    for lr in lrs:
        net = lab.LabMLP([Xtr.shape[1], hidden, K], seed + 1)
        losses, _ = lab.train_mlp(net, Xtr.T, ytr, epochs, lr)
        rises = [t for t in range(1, len(losses)) if losses[t] > losses[t - 1]]
        sharp = _sharpness(lab.LabMLP([Xtr.shape[1], hidden, K], seed + 1), Xtr.T, ytr, lr,
                           rises[0] - 1 if rises else epochs - 1)
        rows.append([f"{lr:g}", str(len(rises)), str(rises[0] + 1) if rises else "—",
                     f"{sharp:.3g}", f"{lr * sharp:.3g}"])
        verdicts.append((lr, bool(rises), lr * sharp))
    out.add(Table(["$\\alpha$", "epochs where the loss rose", "first rise (epoch)",
                   "$|\\lambda|_{\\max}(H)$", "$\\alpha |\\lambda|_{\\max}$"], rows,
                  "The lab's one-hidden-layer MLP on digits; $|\\lambda|_{\\max}$ of the Hessian "
                  "of the loss at the step before the first rise (or at the end), by power "
                  "iteration on Hessian-vector products. Gradient descent on a quadratic "
                  "overshoots when $\\alpha\\lambda_{\\max} > 2$."))
    consistent = all(edge > 2 for _, rose, edge in verdicts if rose) and \
        any(rose for _, rose, _ in verdicts)
    lab_lr = float(ex.fields.get("mlp_lr", 0.1))
    at_lab = next((v for v in verdicts if v[0] == lab_lr), None)
    lab_note = ("" if at_lab is None else
                f"; at the lab's own $\\alpha = {lab_lr:g}$ the loss on digits never rises "
                f"($\\alpha |\\lambda|_{{\\max}} = {at_lab[2]:.2g}$), so the rise in the lab's "
                "CIFAR-10 log "
                "(epochs 72–74) cannot be checked here" if not at_lab[1] else
                f"; at the lab's own $\\alpha = {lab_lr:g}$ the loss on digits rises too")
    out.claim("a learning rate that is too high makes the model overshoot (the loss rises "
              "instead of falling)", consistent,
              ("every run whose loss rose had $\\alpha |\\lambda|_{\\max} > 2$ at the step "
               "before, the quadratic model's overshoot condition" if consistent else
               "a rise occurred with $\\alpha |\\lambda|_{\\max} \\le 2$, or no rate made the "
               "loss rise") + lab_note)


def _sharpness(net: lab.LabMLP, X, y, lr: float, at_epoch: int) -> float:
    """λ_max of the loss Hessian after ``at_epoch`` GD steps (power iteration, 50 HVPs)."""
    lab.train_mlp(net, X, y, at_epoch, lr)
    jax, jnp = jaxutil.jax(), jaxutil.jnp()
    Y = np.eye(net.W[-1].shape[0])[y].T
    shapes = [W.shape for W in net.W] + [b.shape for b in net.b]
    flat = np.concatenate([a.ravel() for a in net.W + net.b])

    def loss(v):
        parts, i = [], 0
        for s in shapes:
            parts.append(v[i:i + s[0] * s[1]].reshape(s))
            i += s[0] * s[1]
        half = len(shapes) // 2
        A = X
        for j, (W, b) in enumerate(zip(parts[:half], parts[half:], strict=True)):
            Z = W @ A + b
            A = Z if j == half - 1 else jnp.maximum(Z, 0)
        return -jnp.sum(Y * jax.nn.log_softmax(A, axis=0)) / X.shape[1]

    hvp = jax.jit(lambda v, u: jax.jvp(jax.grad(loss), (v,), (u,))[1])
    u = np.random.default_rng(0).standard_normal(flat.size)
    lam = 0.0
    for _ in range(50):
        w = np.asarray(hvp(flat, u / np.linalg.norm(u)))
        lam, u = float(np.linalg.norm(w)), w
    return lam
