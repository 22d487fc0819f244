"""Figures for optimization: paths on contours and surfaces, loss curves, rates, step tables.

Every function writes one figure to each path it is given (PDF for the sheets,
PNG for people) and closes it.  Values that span decades get logarithmic
scales: contour levels are log-spaced above the function's minimum on the
window (HW1 draws Beale with ``np.logspace(-.5, 5, 35)``), loss curves use a log
y-axis.  Starts are circles, ends squares, known minimizers red stars.

For print: every title and label is typeset (a function given as an expression
is named by its LaTeX, ``$x^{2}$``, never ``x**2``); legends use at least
:data:`LEGEND_PT` points and move outside the axes when they hold more than
:data:`LEGEND_INSIDE` entries; side-by-side panels wrap after :data:`PANELS_PER_ROW`.

>>> import tempfile, pathlib
>>> from workbench.optim.optimizers import objective, minimize
>>> f = objective("booth")
>>> run = minimize(f, [-8.0, 8.0], "gd", lr=0.05, steps=60)
>>> out = pathlib.Path(tempfile.mkdtemp()) / "booth.png"
>>> contour_paths(f, {"GD": run}, [out])[0].exists()
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from ..plots import figures
from .optimizers import Objective, Run

COLORS = ("tab:red", "tab:blue", "tab:green", "tab:orange", "tab:purple", "tab:brown")
#: Smallest legend font, points (the figures are printed at about 85% of their size).
LEGEND_PT = 10
#: Legends with more entries than this go to the right of the axes.
LEGEND_INSIDE = 3
#: Panels side by side before a new row starts.
PANELS_PER_ROW = 3


def display_name(obj: Objective) -> str:
    """The function's name for a title: a named test function as is, an expression as math.

    >>> from workbench.optim.optimizers import objective
    >>> display_name(objective("beale")), display_name(objective("x**2 - 2*x"))
    ('beale', '$x^{2} - 2 x$')
    """
    if obj.known is not None or not obj.name or obj.name.isidentifier():
        return obj.name
    from ..core.printing import to_latex

    return f"${to_latex(obj.expr)}$"


def legend(ax, entries: int | None = None, **kwargs) -> None:
    """A legend readable in print: large enough, outside the axes when it is long."""
    entries = len(ax.get_legend_handles_labels()[1]) if entries is None else entries
    if entries > LEGEND_INSIDE:
        ax.legend(fontsize=LEGEND_PT, loc="upper left", bbox_to_anchor=(1.02, 1),
                  borderaxespad=0, **kwargs)
    else:
        ax.legend(fontsize=LEGEND_PT, framealpha=0.9, **{"loc": "best", **kwargs})


def _log_levels(z: np.ndarray, count: int = 35) -> tuple[np.ndarray, float]:
    """Log-spaced levels of z − shift, shift putting the window's minimum just below 0."""
    finite = z[np.isfinite(z)]
    lo, hi = float(finite.min()), float(finite.max())
    span = max(hi - lo, 1e-12)
    shift = lo - 1e-4 * span if lo <= 0 else 0.0
    bottom = max(lo - shift, 1e-6 * span)
    return np.geomspace(bottom, hi - shift, count), shift


def contour_paths(obj: Objective, runs: Mapping[str, Run], paths: Sequence[Path | str],
                  title: str = "", n: int = 300, window=None) -> list[Path]:
    """Log-spaced contours of a 2-variable f with one or several optimizer paths."""
    if obj.n != 2:
        raise ValueError("contour plots need a function of two variables")
    plt = figures.pyplot()
    from matplotlib.colors import LogNorm

    window = window or obj.window([r.path for r in runs.values()])
    x, y, z = figures.grid(obj.values, *window, n)
    levels, shift = _log_levels(z)
    fig, ax = plt.subplots(figsize=(7.5, 6.2))
    norm = LogNorm(vmin=levels[0], vmax=levels[-1])
    ax.contour(x, y, z - shift, levels=levels, norm=norm, cmap="viridis", linewidths=0.8)
    from matplotlib.cm import ScalarMappable

    cbar = fig.colorbar(ScalarMappable(norm=norm, cmap="viridis"), ax=ax, shrink=0.85)
    cbar.set_label("$f$" + (f" $-$ ({shift:.3g})" if shift else "") + " (log scale)")
    for (label, run), color in zip(runs.items(), COLORS * 3, strict=False):
        p = run.path
        ax.plot(p[:, 0], p[:, 1], "-", color=color, lw=1.6, alpha=0.9,
                label=f"{label}: {run.steps} steps, f = {run.value:.3g}")
        ax.plot(p[0, 0], p[0, 1], "o", color=color, ms=8, mec="k")
        ax.plot(p[-1, 0], p[-1, 1], "s", color=color, ms=8, mec="k")
    if obj.known:
        for m in obj.known.minima:
            ax.plot(m[0], m[1], "r*", ms=16, mec="k", zorder=5)
    ax.set_xlim(window[0])
    ax.set_ylim(window[1])
    ax.set_xlabel(f"${obj.variables[0]}$")
    ax.set_ylabel(f"${obj.variables[1]}$")
    ax.set_title(title or f"{display_name(obj)}: paths (o start, ■ end, ★ minimum)",
                 fontsize=12)
    legend(ax)
    return figures.save(fig, paths)


def surface_path(obj: Objective, run: Run, paths: Sequence[Path | str], title: str = "",
                 n: int = 120, window=None) -> list[Path]:
    """3-D surface of log₁₀ f (so the basin stays visible) with the optimizer's path on it."""
    plt = figures.pyplot()

    window = window or obj.window([run.path])
    x, y, z = figures.grid(obj.values, *window, n)
    levels, shift = _log_levels(z)
    floor = levels[0]

    def lift(v):
        return np.log10(np.maximum(np.asarray(v, dtype=float) - shift, floor))

    fig = plt.figure(figsize=(8, 6.5))
    ax = fig.add_subplot(111, projection="3d")
    ax.plot_surface(x, y, lift(z), cmap="viridis", rstride=2, cstride=2, edgecolor="none",
                    alpha=0.7, rasterized=True)  # vector facets make slow, heavy PDFs
    p, zp = run.path, lift(run.values)
    ax.plot(p[:, 0], p[:, 1], zp, "r.-", lw=1.5, ms=3, zorder=10,
            label=f"{run.method} path ({run.steps} steps)")
    ax.plot([p[0, 0]], [p[0, 1]], [zp[0]], "o", color="white", mec="k", ms=9, label="start")
    ax.plot([p[-1, 0]], [p[-1, 1]], [zp[-1]], "s", color="red", mec="k", ms=9, label="end")
    ax.set_xlabel(f"${obj.variables[0]}$")
    ax.set_ylabel(f"${obj.variables[1]}$")
    ax.set_zlabel(r"$\log_{10} f$" + (f" (f shifted by {-shift:.3g})" if shift else ""))
    ax.view_init(elev=40, azim=-120)
    ax.set_title(title or f"{display_name(obj)}: surface with the {run.method} path",
                 fontsize=12)
    ax.legend(loc="upper left", fontsize=LEGEND_PT)
    return figures.save(fig, paths)


def loss_curves(curves: Mapping[str, Sequence[float]], paths: Sequence[Path | str],
                title: str = "Loss", xlabel: str = "step", ylabel: str = "loss",
                log: bool = True, hlines: Mapping[str, float] | None = None) -> list[Path]:
    """One line per curve; ``hlines`` are labelled reference levels (e.g. an optimum)."""
    plt = figures.pyplot()
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    for (label, ys), color in zip(curves.items(), COLORS * 3, strict=False):
        ax.plot(np.arange(len(ys)), ys, color=color, lw=1.6, label=label)
    for (label, level), style in zip((hlines or {}).items(), ("--", ":", "-."), strict=False):
        ax.axhline(level, color="k", ls=style, lw=1, label=label)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=12)
    ax.grid(alpha=0.3, which="both")
    legend(ax)
    return figures.save(fig, paths)


def lr_comparison(obj: Objective, tables: Mapping[str, Sequence[float]],
                  paths: Sequence[Path | str], title: str = "", maximize: bool = False
                  ) -> list[Path]:
    """Iterates x₀, x₁, … of a 1-D function for several learning rates, one panel each."""
    plt = figures.pyplot()
    k = len(tables)
    cols = min(k, PANELS_PER_ROW)
    nrows = -(-k // cols)
    fig, axes = plt.subplots(nrows, cols, figsize=(3.6 * cols, 3.3 * nrows), sharey=True,
                             squeeze=False)
    xs_all = np.concatenate([np.asarray(v, dtype=float) for v in tables.values()])
    lo, hi = float(xs_all.min()), float(xs_all.max())
    pad = 0.15 * max(hi - lo, 1.0)
    grid = np.linspace(lo - pad, hi + pad, 400)
    sign = -1.0 if maximize else 1.0
    for ax, (label, xs), color in zip(axes.flat, tables.items(), COLORS * 3, strict=False):
        xs = np.asarray(xs, dtype=float)
        ys = sign * obj.values(xs)
        ax.plot(grid, sign * obj.values(grid), color="0.5", lw=1.2)
        ax.plot(xs, ys, "-", color=color, lw=1, alpha=0.6)
        ax.scatter(xs, ys, c=np.arange(len(xs)), cmap="plasma", zorder=5, s=30, edgecolor="k")
        for i, (a, b) in enumerate(zip(xs, ys, strict=True)):
            ax.annotate(str(i), (a, b), textcoords="offset points", xytext=(4, 5), fontsize=9)
        ax.set_title(label, fontsize=12)
        ax.set_xlabel(f"${obj.variables[0]}$")
        ax.grid(alpha=0.3)
    for ax in axes.flat[k:]:
        ax.set_visible(False)
    for row in axes:
        row[0].set_ylabel("$-f$" if maximize else "$f$")
    fig.suptitle(title or ("gradient ascent on $-f$" if maximize else "gradient descent on $f$"),
                 fontsize=13)
    fig.tight_layout()
    return figures.save(fig, paths)


def rate_curve(eigs: Sequence[float], paths: Sequence[Path | str],
               measured: tuple[np.ndarray, np.ndarray] | None = None,
               title: str = "") -> list[Path]:
    """rate(η) = max(|1 − ηλmin|, |1 − ηλmax|) with η*, 2/λmax, and measured rates as dots."""
    plt = figures.pyplot()
    lo, hi = float(min(eigs)), float(max(eigs))
    eta_opt, eta_max = 2 / (lo + hi), 2 / hi
    etas = np.linspace(0, 1.25 * eta_max, 600)
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    ax.plot(etas, np.abs(1 - etas * lo), "--", color="tab:blue", lw=1,
            label=r"$|1-\eta\lambda_{\min}|$")
    ax.plot(etas, np.abs(1 - etas * hi), "--", color="tab:orange", lw=1,
            label=r"$|1-\eta\lambda_{\max}|$")
    ax.plot(etas, np.maximum(np.abs(1 - etas * lo), np.abs(1 - etas * hi)), "k", lw=2,
            label=r"rate$(\eta)$")
    if measured is not None:
        ax.plot(measured[0], measured[1], "o", color="tab:red", ms=4, label="measured on GD runs")
    ax.axvline(eta_opt, color="tab:green", lw=1.2,
               label=rf"$\eta^* = 2/(\lambda_{{\max}}+\lambda_{{\min}})$ = {eta_opt:.3g}")
    ax.axvline(eta_max, color="tab:red", ls=":", lw=1.2,
               label=rf"$2/\lambda_{{\max}}$ = {eta_max:.3g}")
    ax.axhline(1, color="0.4", lw=0.8)
    ax.set_ylim(0, 1.3)
    ax.set_xlabel(r"learning rate $\eta$")
    ax.set_ylabel("per-step contraction")
    ax.set_title(title or rf"GD on a quadratic, $\kappa = {hi / lo:.4g}$", fontsize=12)
    legend(ax)
    ax.grid(alpha=0.3)
    return figures.save(fig, paths)


def decision_regions(predict, X: np.ndarray, y: np.ndarray, paths: Sequence[Path | str],
                     title: str = "", n: int = 250) -> list[Path]:
    """Predicted class over the plane of the first two features, with the data on top."""
    plt = figures.pyplot()
    pad = 0.5
    (x0, y0), (x1, y1) = X[:, :2].min(0) - pad, X[:, :2].max(0) + pad
    gx, gy = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
    grid = np.zeros((gx.size, X.shape[1]))
    grid[:, 0], grid[:, 1] = gx.ravel(), gy.ravel()
    cls = predict(grid).reshape(gx.shape)
    fig, ax = plt.subplots(figsize=(6.2, 5.2))
    k = int(max(y.max(), cls.max())) + 1
    ax.contourf(gx, gy, cls, levels=np.arange(k + 1) - 0.5, cmap="coolwarm", alpha=0.25)
    sc = ax.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", edgecolor="k", s=25)
    ax.legend(*sc.legend_elements(), title="class", fontsize=LEGEND_PT, loc="best")
    ax.set_xlabel("feature 1")
    ax.set_ylabel("feature 2")
    ax.set_title(title, fontsize=12)
    return figures.save(fig, paths)
