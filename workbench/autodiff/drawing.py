r"""The picture of a computation graph: a layered drawing fit for print.

The nodes are laid out in layers (Sugiyama's scheme): a node's layer is the
length of the longest path from an input to it, so every edge points down.  An
edge that skips layers is routed through a bend point in each layer it
crosses, and the order of the nodes within each layer is chosen to minimize
the number of edge crossings: sweeping down, then up, each layer is reordered
against the layer just placed (layers of up to :data:`EXHAUSTIVE` nodes try
every order, ties broken by the crossings elsewhere; larger ones sort by the
mean position of their neighbours, the barycentre heuristic), and the best
order seen is kept.  A graph drawable without crossings in layers is drawn so.

Everything is typeset: node labels such as :math:`v_1 = v_{-1}^3` in
matplotlib's mathtext, numbers with real minus signs, and a partial that does
not exist as the word "undefined" on a dashed red edge.  The figure is drawn at
the width it is printed (:data:`PRINT_WIDTH` inches, the text width of a
sheet) so that its 9 pt labels stay 9 pt on paper.

>>> crossings([[0, 1], [2, 3]], [(0, 3), (1, 2)])
1
>>> order = best_orders([[0, 1], [2, 3]], [(0, 3), (1, 2)])
>>> crossings(order, [(0, 3), (1, 2)])
0
"""

from __future__ import annotations

from itertools import permutations
from pathlib import Path

import sympy as sp

from ..core.printing import to_latex
from ..plots.figures import pyplot
from .graph import Graph
from .tables import approx, exact
from .trace import Row, Trace

#: The printed width of a figure on a sheet, inches (A4 less the margins).
PRINT_WIDTH = 6.4
#: Font sizes in points, as printed.
NODE_PT, EDGE_PT = 9.0, 8.0
#: Layers up to this size try every order of their nodes.
EXHAUSTIVE = 6
#: Down-and-up sweeps of the ordering before it stops.
SWEEPS = 6


def crossings(layers: list[list], edges: list[tuple], gap: int | None = None) -> int:
    """How many pairs of edges between adjacent layers cross, for the layers in this order.

    ``gap``: only the edges between layers ``gap`` and ``gap + 1``.
    """
    where = {v: (d, i) for d, layer in enumerate(layers) for i, v in enumerate(layer)}
    by_gap: dict[int, list[tuple[int, int]]] = {}
    for u, v in edges:
        (du, iu), (dv, iv) = where[u], where[v]
        if du > dv:
            (du, iu), (dv, iv) = (dv, iv), (du, iu)
        by_gap.setdefault(du, []).append((iu, iv))
    total = 0
    for d, pairs in by_gap.items():
        if gap is not None and d != gap:
            continue
        total += sum(1 for k, (a, b) in enumerate(pairs) for c, d in pairs[k + 1:]
                     if (a - c) * (b - d) < 0)
    return total


def best_orders(layers: list[list], edges: list[tuple]) -> list[list]:
    """The layers reordered to (nearly) minimize :func:`crossings`; the input is not changed."""
    layers = [list(layer) for layer in layers]
    best, best_count = [list(x) for x in layers], crossings(layers, edges)
    for sweep in range(SWEEPS):
        span = range(1, len(layers)) if sweep % 2 == 0 else range(len(layers) - 2, -1, -1)
        for d in span:
            # one-sided: against the layer just placed, ties broken by everything else
            layers[d] = _reorder(layers, d, edges, d - 1 if sweep % 2 == 0 else d)
        count = crossings(layers, edges)
        if count < best_count:
            best, best_count = [list(x) for x in layers], count
        if best_count == 0:
            break
    return best


def _reorder(layers: list[list], d: int, edges: list[tuple], fixed_gap: int) -> list:
    """Layer ``d`` in the order with fewest crossings in ``fixed_gap``, then in all gaps."""
    layer = layers[d]
    if len(layer) <= EXHAUSTIVE:
        def cost(order):
            trial = layers[:d] + [list(order)] + layers[d + 1:]
            return (crossings(trial, edges, fixed_gap), crossings(trial, edges),
                    _barycentre_spread(trial, d, edges))

        return list(min(permutations(layer), key=cost))
    pos = {v: i for lay in layers for i, v in enumerate(lay)}
    near = {v: [pos[u] for u, w in edges if w == v and u in pos] +
               [pos[w] for u, w in edges if u == v and w in pos] for v in layer}
    return sorted(layer, key=lambda v: sum(near[v]) / len(near[v]) if near[v] else pos[v])


def _barycentre_spread(layers: list[list], d: int, edges: list[tuple]) -> float:
    """How far layer ``d``'s nodes sit from their neighbours: a tie-break for straight edges."""
    pos = {v: i - (len(lay) - 1) / 2 for lay in layers for i, v in enumerate(lay)}
    return sum(abs(pos[u] - pos[w]) for u, w in edges if u in layers[d] or w in layers[d])


def _layers(graph: Graph) -> dict[int, int]:
    depth = {n.index: 0 for n in graph.inputs}
    for n in graph.intermediates:
        depth[n.index] = 1 + max((depth[k] for k in n.inputs), default=0)
    return depth


def layout(graph: Graph) -> tuple[list[list], dict[tuple[int, int], list]]:
    """Layers of node indices (bend points as ``("bend", u, v, depth)``) and each edge's route.

    ``routes[(u, v)]`` lists the points an edge from input ``u`` to node ``v``
    passes, ``u`` first and ``v`` last.
    """
    depth = _layers(graph)
    layers: list[list] = [[] for _ in range(max(depth.values()) + 1)]
    for n in graph.nodes:
        layers[depth[n.index]].append(n.index)
    edges, routes = [], {}
    for n in graph.nodes:
        for k in dict.fromkeys(n.inputs):  # x*x: one edge for both operands
            route = [k] + [("bend", k, n.index, d) for d in range(depth[k] + 1, depth[n.index])]
            route.append(n.index)
            for d, point in enumerate(route[1:-1], depth[k] + 1):
                layers[d].append(point)
            edges += list(zip(route, route[1:], strict=False))
            routes[(k, n.index)] = route
    return best_orders(layers, edges), routes


def _node_label(graph: Graph, r: Row, attr: str) -> str:
    n = r.node
    tag = graph.label(n.index)
    head = f"${n.latex_name} = " + (to_latex(sp.Symbol(n.variable)) if n.variable
                                    else graph.formula_latex(n)) + "$"
    if tag and not n.variable:
        head += f"  (${to_latex(sp.Symbol(tag))}$)"
    mark = r"\dot v" if attr == "tangent" else r"\bar v"
    der = getattr(r, attr)
    return f"{head}\nvalue ${_number(r.value)}$,  ${mark} = {_number(der)}$"


def _number(value) -> str:
    """A value as mathtext: 5 significant digits, a real minus, ×10^k for large exponents."""
    x = approx(value)
    if x is None:
        return r"\mathrm{undefined}" if value is None else to_latex(sp.sympify(exact(value)))
    text = f"{x:.5g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        return rf"{mantissa} \times 10^{{{int(exponent)}}}"
    return text


def draw_graph(trace: Trace, path: str | Path, title: str = "") -> Path:
    """The DAG from inputs (top) to output (bottom), each node with its value and tangent/adjoint.

    Edges carry the local partial ∂child/∂parent ("undefined", dashed red, where
    it does not exist); inputs are green, the output blue, flagged nodes red.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    g, attr = trace.graph, "tangent" if trace.mode == "forward" else "adjoint"
    rows = {r.node.index: r for r in trace.rows}
    layers, routes = layout(g)
    fig = pyplot().figure(figsize=(PRINT_WIDTH, 2.0))
    renderer = FigureCanvasAgg(fig).get_renderer()
    ax = fig.add_axes((0, 0, 1, 1))
    boxes, size = {}, {}
    for i, r in rows.items():
        n = r.node
        face = "#fde0dd" if r.singular else ("#e5f5e0" if n.variable else
                                              "#deebf7" if i in g.outputs else "white")
        boxes[i] = ax.text(0, 0, _node_label(g, r, attr), ha="center", va="center",
                           fontsize=NODE_PT, linespacing=1.5, bbox={
                               "boxstyle": "round,pad=0.4", "fc": face, "lw": 1.0,
                               "ec": "#c0392b" if r.singular else "0.35"})
        extent = boxes[i].get_window_extent(renderer)
        pad = 2 * 0.4 * NODE_PT / 72
        size[i] = (extent.width / fig.dpi + pad, extent.height / fig.dpi + pad)
    gap, bend, row_gap = 0.3, 0.15, 0.55
    widths = [sum(size[v][0] if v in size else bend for v in layer) + gap * (len(layer) - 1)
              for layer in layers]
    heights = [max((size[v][1] for v in layer if v in size), default=0.2) for layer in layers]
    width = max(PRINT_WIDTH, max(widths) + 0.2)
    height = sum(heights) + row_gap * (len(layers) - 1) + 0.2
    pos, top = {}, height - 0.1
    for layer, w, h in zip(layers, widths, heights, strict=True):
        x = (width - w) / 2
        for v in layer:
            dx = size[v][0] if v in size else bend
            pos[v] = (x + dx / 2, top - h / 2)
            x += dx + gap
        top -= h + row_gap
    for (k, i), route in routes.items():
        _edge(ax, rows[i], k, [pos[p] for p in route], size[k][1] / 2, size[i][1] / 2)
    for i, text in boxes.items():
        text.set_position(pos[i])
    fig.set_size_inches(width, height)
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.axis("off")
    if title:
        fig.suptitle(title, fontsize=NODE_PT + 1, y=1.02)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, bbox_inches="tight", pad_inches=0.02)
    return path


def _edge(ax, child: Row, k: int, points: list[tuple[float, float]], top: float,
          bottom: float) -> None:
    """The edge from node ``k`` down to ``child`` through ``points``, labelled with the partial."""
    partials = [p for j, p in zip(child.node.inputs, child.partials, strict=True) if j == k]
    undefined = any(p is None for p in partials)
    (x0, y0), (x1, y1) = points[0], points[-1]
    points = [(x0, y0 - top), *points[1:-1], (x1, y1 + bottom)]
    color = "#c0392b" if undefined else "0.5"
    style = "--" if undefined else "-"
    for a, b in zip(points[:-2], points[1:-1], strict=False):
        ax.plot([a[0], b[0]], [a[1], b[1]], style, color=color, lw=0.9)
    ax.annotate("", xy=points[-1], xytext=points[-2], arrowprops={
        "arrowstyle": "-|>", "color": color, "lw": 0.9, "linestyle": style,
        "shrinkA": 0, "shrinkB": 0})
    if undefined:
        label = "undefined"
    else:
        total = sum(partials) if len(partials) > 1 else partials[0]
        label = f"${_number(total)}$"
    (ax_, ay), (bx, by) = points[-2], points[-1]
    ax.text(0.35 * ax_ + 0.65 * bx, 0.35 * ay + 0.65 * by, label, fontsize=EDGE_PT,
            color="#c0392b" if undefined else "#7f4f24", ha="center", va="center",
            bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.9})
