"""Figures of functions: surfaces and contour maps people would rather look at than read.

Both take a vectorized ``f(x, y)`` (e.g. a :class:`workbench.backends.compile.Compiled`)
and save to every suffix asked for (PDF for sheets, PNG for notebooks and the
README).  Values spanning decades (Beale's run from 0 to 10⁵) get a logarithmic
scale (the surface's height and colours, the contour map's levels), as in the HW1
seed; labels are set at sizes that stay readable when the figure is printed at
the width of a page.

>>> import numpy as np, tempfile, pathlib
>>> out = pathlib.Path(tempfile.mkdtemp()) / "bowl.png"
>>> contours(lambda x, y: x**2 + y**2 + 1e-3, (-1, 1), (-1, 1), [out], log=False)[0].exists()
True

The ``*_figure`` builders return a :class:`matplotlib.figure.Figure` without saving
(a notebook shows it); no global backend is ever set.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np


class _Figures:
    """The figure calls the engines make, on :class:`matplotlib.figure.Figure` objects.

    A bare ``Figure`` needs no backend: it is never registered with pyplot, so
    drawing here never changes a notebook's backend (no ``matplotlib.use``) and a
    user's own ``plt.show()`` still shows their figures.  ``savefig`` picks the
    renderer from the file's suffix.
    """

    @staticmethod
    def figure(**kwargs):
        from matplotlib.figure import Figure

        return Figure(**kwargs)

    @staticmethod
    def subplots(nrows: int = 1, ncols: int = 1, *, figsize=None, **kwargs):
        fig = _Figures.figure(figsize=figsize)
        return fig, fig.subplots(nrows, ncols, **kwargs)

    @staticmethod
    def close(fig) -> None:
        """Nothing to release: the figure belongs to no pyplot state."""


def pyplot() -> type[_Figures]:
    """The figure calls (``figure``, ``subplots``, ``close``) on backend-free Figures."""
    return _Figures


def math_label(latex: str, fallback: str) -> str:
    r"""``$latex$`` for matplotlib's math text, typeset like the sheet; ``fallback`` when
    math text cannot lay it out (it knows most, not all, of LaTeX).

    >>> math_label(r"v_{1} = v_{-1}^{3}", "v1 = v-1^3")
    '$v_{1} = v_{-1}^{3}$'
    >>> math_label(r"\begin{matrix}1\end{matrix}", "[1]")
    '[1]'
    """
    from matplotlib.mathtext import MathTextParser

    text = "$" + latex.replace(r"\,", r"\ ") + "$"
    try:
        MathTextParser("path").parse(text)
    except ValueError:
        return fallback
    return text


def new_axes(**kwargs):
    """A new backend-free figure and its axes (``subplots`` keywords)."""
    return _Figures.subplots(**kwargs)


def grid(f: Callable, xr, yr, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(x, y, f(x, y)) on an n×n grid over ``xr`` × ``yr``; overflow gives inf/nan, not warnings."""
    x, y = np.meshgrid(np.linspace(*xr, n), np.linspace(*yr, n))
    with np.errstate(all="ignore"):
        z = np.asarray(f(x, y), dtype=float)
    return x, y, z


def save(fig, paths: Sequence[Path | str]) -> list[Path]:
    """Save ``fig`` to every path (the format from each suffix); folders are created."""
    out = []
    for p in paths:
        p = Path(p)
        p.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(p, dpi=150, bbox_inches="tight")
        out.append(p)
    return out


def surface(f: Callable, xr, yr, paths: Sequence[Path], marks: Sequence[tuple] = (),
            title: str = "", n: int = 160, log: bool = True) -> list[Path]:
    """3-D surface, logarithmic when ``log``, saved to ``paths`` (see :func:`surface_figure`)."""
    return save(surface_figure(f, xr, yr, marks, title, n, log), paths)


def surface_figure(f: Callable, xr, yr, marks: Sequence[tuple] = (), title: str = "",
                   n: int = 160, log: bool = True):
    """3-D surface; ``marks`` are (x, y, label) starred in red.

    With ``log`` (and positive values) the height is log₁₀ f, its axis ticked at
    powers of ten, and the colours follow the height: a caption that says
    "logarithmic" is true of the axis and of the colours alike.  Values at or
    below zero sit on the floor of the plot (the smallest positive value).
    """
    plt = pyplot()
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    x, y, z = grid(f, xr, yr, n)
    floor = np.nanmin(z[z > 0]) if log and np.any(z > 0) else None
    lift = (lambda v: np.log10(np.maximum(np.asarray(v, dtype=float), floor))) if floor \
        else (lambda v: np.asarray(v, dtype=float))
    fig = plt.figure(figsize=(7, 5.6))
    ax = fig.add_subplot(111, projection="3d")
    # rasterized: thousands of facets as vectors make slow, heavy PDFs for no visible gain
    ax.plot_surface(x, y, lift(z), cmap="viridis", rstride=2, cstride=2, edgecolor="none",
                    alpha=0.85, rasterized=True)
    for mx, my, label in marks:
        ax.plot([mx], [my], [float(lift(f(np.array(mx), np.array(my))))], "r*", markersize=18,
                label=label, zorder=10)
    ax.set_xlabel("$x$", fontsize=12)
    ax.set_ylabel("$y$", fontsize=12)
    if floor:
        ax.zaxis.set_major_locator(MaxNLocator(integer=True))
        ax.zaxis.set_major_formatter(FuncFormatter(lambda v, _: f"$10^{{{int(round(v))}}}$"))
        ax.set_zlabel("$f(x, y)$ (log scale)", fontsize=12)
    else:
        ax.set_zlabel("$f(x, y)$", fontsize=12)
    ax.tick_params(labelsize=10)
    ax.view_init(elev=35, azim=-130)
    if title:
        ax.set_title(title, fontsize=13)
    if marks:
        ax.legend(loc="upper left", fontsize=11)
    return fig


def contours(f: Callable, xr, yr, paths: Sequence[Path], marks: Sequence[tuple] = (),
             title: str = "", n: int = 400, log: bool = True,
             levels: np.ndarray | None = None, paths_xy: Sequence[tuple] = ()) -> list[Path]:
    """Contour map saved to ``paths`` (see :func:`contour_figure`)."""
    return save(contour_figure(f, xr, yr, marks, title, n, log, levels, paths_xy), paths)


def contour_figure(f: Callable, xr, yr, marks: Sequence[tuple] = (), title: str = "",
                   n: int = 400, log: bool = True, levels: np.ndarray | None = None,
                   paths_xy: Sequence[tuple] = ()):
    """Contour map (log-spaced levels when ``log``); optional paths ``(xs, ys, label)``.

    ``marks`` are (x, y, label) starred in red, or (x, y, label, marker) with a
    matplotlib marker format such as ``"kx"``; an empty label adds no legend entry.
    """
    plt = pyplot()
    from matplotlib.colors import LogNorm

    x, y, z = grid(f, xr, yr, n)
    fig, ax = plt.subplots(figsize=(7.5, 6))
    if log:
        levels = np.logspace(-0.5, 5, 35) if levels is None else levels
        cs = ax.contour(x, y, z, levels=levels, norm=LogNorm(), cmap="viridis", linewidths=0.8)
    else:
        cs = ax.contour(x, y, z, levels=30 if levels is None else levels, cmap="viridis",
                        linewidths=0.8)
    fig.colorbar(cs, ax=ax).set_label("$f(x, y)$" + (" (log scale)" if log else ""),
                                      fontsize=12)
    for px, py, label in paths_xy:
        ax.plot(px, py, ".-", lw=1.2, ms=3, label=label)
    for mx, my, label, *style in marks:
        fmt = style[0] if style else "r*"
        ax.plot(mx, my, fmt, markersize=18 if fmt == "r*" else 11, label=label or None,
                markeredgewidth=2)
    ax.set_xlabel("$x$", fontsize=12)
    ax.set_ylabel("$y$", fontsize=12)
    ax.set_aspect("auto")
    if title:
        ax.set_title(title, fontsize=13)
    if marks or paths_xy:
        ax.legend(loc="upper right", fontsize=11, framealpha=0.9)
    return fig
