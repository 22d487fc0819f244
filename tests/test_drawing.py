"""Figures for print: the layered graph drawing, typeset labels, log scales, legends."""

from __future__ import annotations

import random

import numpy as np
import pytest

from workbench.autodiff import tables
from workbench.autodiff.drawing import best_orders, crossings, layout
from workbench.autodiff.graph import from_text
from workbench.autodiff.trace import reverse

HW1_Q4 = "exp(x1 + x2**3)*x3 + sqrt(x3*sin(pi/2*(x1 - x2)))"


def crossings_by_hand(layers, edges):
    """Pairs of edges in the same gap between layers whose ends swap sides."""
    x = {v: i for layer in layers for i, v in enumerate(layer)}
    depth = {v: d for d, layer in enumerate(layers) for v in layer}
    return sum(1 for k, (a, b) in enumerate(edges) for c, d in edges[k + 1:]
               if depth[a] == depth[c] and (x[a] - x[c]) * (x[b] - x[d]) < 0)


@pytest.mark.parametrize("seed", range(8))
def test_a_shuffled_tree_is_drawn_without_crossings(seed):
    """A tree always has a crossing-free layered drawing; shuffling its layers hides it."""
    rng = random.Random(seed)
    layers, edges, count = [[0]], [], 1
    for _ in range(4):
        layer = []
        for parent in layers[-1]:
            for _ in range(rng.randint(1, 2)):
                if len(layer) < 6:  # small layers: every order is tried
                    layer.append(count)
                    edges.append((parent, count))
                    count += 1
        layers.append(layer)
    shuffled = [rng.sample(layer, len(layer)) for layer in layers]
    assert crossings(shuffled, edges) == crossings_by_hand(shuffled, edges)
    assert crossings(best_orders(shuffled, edges), edges) == 0


def test_hw1_graph_layout_routes_long_edges_through_every_layer():
    g = from_text(HW1_Q4)
    layers, routes = layout(g)
    depth = {v: d for d, layer in enumerate(layers) for v in layer}
    for route in routes.values():  # consecutive points of a route sit in consecutive layers
        assert [depth[p] for p in route] == list(range(depth[route[0]], depth[route[-1]] + 1))
    edges = [e for r in routes.values() for e in zip(r, r[1:], strict=False)]
    # the barycentre order alone leaves more; K(2,2)-like parts force a few
    assert crossings(layers, edges) <= 3


def test_graph_labels_are_typeset_and_undefined_partials_are_words(tmp_path, monkeypatch):
    g = from_text(HW1_Q4)
    tr = reverse(g, {"x1": 1, "x2": 1, "x3": 1})  # sqrt at 0: a partial does not exist
    texts = []
    from matplotlib.axes import Axes

    original = Axes.text
    monkeypatch.setattr(Axes, "text", lambda self, x, y, s, *a, **k: (
        texts.append(s), original(self, x, y, s, *a, **k))[1])
    path = tables.draw(tr, tmp_path / "graph.pdf")
    assert path.stat().st_size > 5_000
    assert "$v_{1} = v_{-1}^{3}$" in "\n".join(texts)
    assert any("$v_{6} = \\frac{\\pi}{2} \\, v_{5}$" in t for t in texts)
    assert "undefined" in texts and "?" not in texts
    assert not any("**" in t for t in texts)


def test_beale_surface_height_is_logarithmic():
    from workbench.plots.figures import surface_figure

    def beale(x, y):
        return (1.5 - x + x*y)**2 + (2.25 - x + x*y**2)**2 + (2.625 - x + x*y**3)**2

    fig = surface_figure(beale, (-4.5, 4.5), (-4.5, 4.5), n=40)
    ax = fig.axes[0]
    low, high = ax.get_zlim()
    # f runs to about 1.8e5 on the window: a linear axis would reach 1e5, a log one about 5
    assert 4 < high < 7 and low < 0
    assert "log" in ax.get_zlabel()
    linear = surface_figure(beale, (-4.5, 4.5), (-4.5, 4.5), n=40, log=False)
    assert linear.axes[0].get_zlim()[1] > 1e5


def test_long_legends_go_outside_and_titles_name_expressions_as_math(tmp_path):
    from workbench.optim import plots
    from workbench.optim.optimizers import minimize, objective

    f = objective("x**2 + 3*y**2")
    runs = {f"lr {lr}": minimize(f, [2.0, 1.0], "gd", lr=lr, steps=20)
            for lr in (0.01, 0.05, 0.1, 0.2)}
    figs = []
    original = plots.figures.save
    plots.figures.save = lambda fig, paths: (figs.append(fig), original(fig, paths))[1]
    try:
        plots.contour_paths(f, runs, [tmp_path / "c.png"])
    finally:
        plots.figures.save = original
    ax = figs[0].axes[0]
    assert ax.get_title().startswith("$x^{2} + 3 y^{2}$")
    leg = ax.get_legend()
    assert leg.get_texts()[0].get_fontsize() >= plots.LEGEND_PT
    assert leg.get_bbox_to_anchor().x0 > ax.get_window_extent().x1 - 1  # right of the axes
    assert np.isfinite(runs["lr 0.1"].value)
