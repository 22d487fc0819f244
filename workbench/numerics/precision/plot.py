"""The figure of a precision study: log-log error against h, one panel per method.

Measured errors beside the truncation and round-off lines of the error model,
the theoretical and the measured optimum step.

>>> callable(plot_study)
True
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import sympy as sp

from ...core.printing import to_latex, to_text
from .. import finite_diff as fd
from .line import describe_point
from .study import Study

_COLORS = {"forward": "tab:blue", "backward": "tab:cyan", "central": "tab:green",
           "five_point": "tab:olive", "richardson": "tab:purple", "complex_step": "tab:red"}


def plot_study(s: Study, path: str | Path) -> Path:
    """Log-log error against h, one panel per method, with the truncation and round-off lines.

    For print: one legend for all panels, below them, and a typeset title.
    """
    from matplotlib.lines import Line2D

    from ...plots.figures import math_label, pyplot

    plt = pyplot()
    path = Path(path)
    eps = s.eps
    floor = eps / 1000  # exact results (error 0) are drawn on this line
    fig, axes = plt.subplots(2, 3, figsize=(13, 7.5), sharex=True, sharey=True)
    for ax, method in zip(axes.ravel(), fd.METHODS, strict=True):
        r, err, c = s.methods[method], s.errors[method], _COLORS[method]
        shown = np.where(np.isfinite(err), np.maximum(err, floor), np.nan)
        ax.loglog(s.h, shown, ".-", color=c, lw=1, ms=3)
        if r.model.A > 0:
            ax.loglog(s.h, r.model.truncation(s.h), "--", color="0.3", lw=1)
        if r.model.B > 0:
            ax.loglog(s.h, r.model.roundoff(s.h), ":", color="0.3", lw=1.2)
        ax.axhline(eps, color="0.6", lw=0.8)
        if r.h_opt_theory:
            ax.axvline(r.h_opt_theory, color="0.5", ls="-.", lw=0.8)
        if r.h_opt_measured and r.min_rel_error is not None:
            k = int(np.argmin(np.abs(s.h - r.h_opt_measured)))
            ax.plot(s.h[k], shown[k], "*", color="k", ms=11)
        ax.set_title(f"{method.replace('_', '-')}: truncation $\\propto h^{{{r.order}}}$",
                     fontsize=13)
        ax.grid(True, which="major", alpha=0.3)
        ax.tick_params(labelsize=11)
    for ax in axes[1]:
        ax.set_xlabel("step $h$", fontsize=12)
    for ax in axes[:, 0]:
        ax.set_ylabel(f"{s.error_kind} error of $f'$", fontsize=12)
    # one legend for the six panels: six small legends cannot be read at print size
    proxies = [Line2D([], [], color="0.3", marker=".", lw=1, label="measured"),
               Line2D([], [], color="0.3", ls="--", lw=1, label="truncation model"),
               Line2D([], [], color="0.3", ls=":", lw=1.2,
                      label=r"round-off model $\propto \varepsilon/h$"),
               Line2D([], [], color="0.6", lw=0.8, label=r"$\varepsilon$"),
               Line2D([], [], color="0.5", ls="-.", lw=0.8, label="$h^*$ (theory)"),
               Line2D([], [], color="k", marker="*", ls="", ms=11, label="$h^*$ (measured)")]
    fig.legend(handles=proxies, loc="lower center", ncol=3, fontsize=12, frameon=False,
               bbox_to_anchor=(0.5, 0))
    ax0 = axes[0, 0]
    ax0.set_ylim(floor / 2, 1e2)
    ax0.set_xlim(s.h[0], s.h[-1])
    where = math_label(", ".join(f"{to_latex(sp.Symbol(v))} = {to_latex(x)}" for v, x in
                                 zip(s.line.variables, s.line.point, strict=True)),
                       describe_point(s.line.variables, s.line.point))
    wrt = (f"$\\partial f/\\partial {to_latex(sp.Symbol(s.line.wrt))}$"
           if len(s.line.variables) > 1 else "$f'$")
    shown = math_label(f"f = {to_latex(s.line.expr)}", f"f = {to_text(s.line.expr)}")
    fig.suptitle(f"{wrt} of {shown} at {where} in {s.dtype} "
                 f"($\\varepsilon$ = {eps:.2g}; errors of 0 drawn at $\\varepsilon/1000$)",
                 fontsize=13)
    fig.tight_layout(rect=(0, 0.09, 1, 1))
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=130 if path.suffix.lower() == ".png" else None)
    plt.close(fig)
    return path
