"""Traces for people: a terminal table, a booktabs LaTeX table, JSON, and a picture of the DAG.

Every printer shows the same rows: the node vᵢ, its definition on earlier nodes,
its value, its local partials ∂vᵢ/∂vₖ and its tangent v̇ᵢ (forward) or adjoint v̄ᵢ
(reverse), exact where the trace is exact and with a float beside it.  A flagged
node (its partials do not exist) shows the reason instead of an inf or nan.

>>> from workbench.autodiff.graph import from_text
>>> from workbench.autodiff.trace import forward
>>> t = forward(from_text("x*sin(y)"), {"x": 2, "y": 0}, "y")
>>> print(text_table(t).splitlines()[-1])
v₂    v₋₁*v₁      0      ∂v₋₁: 0; ∂v₁: 2  2
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import sympy as sp

from ..core.printing import to_latex, to_text
from .graph import Graph, Node
from .primitives import Dual
from .trace import Row, Trace

_SUB = str.maketrans("-0123456789", "₋₀₁₂₃₄₅₆₇₈₉")


def sub_name(index: int) -> str:
    """v₋₂, v₀, v₁₂: the node's name with Unicode subscripts."""
    return "v" + str(index).translate(_SUB)


def approx(value: Any) -> float | None:
    """A float for JSON and plots; None for undefined, symbolic or non-finite values."""
    if value is None:
        return None
    value = value.v if isinstance(value, Dual) else value
    try:
        x = float(sp.N(value, 20)) if isinstance(value, sp.Basic) else float(value)
    except (TypeError, ValueError):
        return None
    return x if x == x and abs(x) != float("inf") else None


def exact(value: Any) -> str | None:
    """Text of a value (exact for SymPy values, 17 digits for floats); None when undefined."""
    if value is None:
        return None
    if isinstance(value, sp.Basic):
        return to_text(value)
    return f"{float(value):.17g}"


def shown(value: Any) -> str:
    """'exp(3) ≈ 20.0855' for exact irrational numbers, the plain text otherwise."""
    if value is None:
        return "undefined"
    text = exact(value)
    x = approx(value)
    if isinstance(value, sp.Basic) and value.is_number and not value.is_Rational and x is not None:
        return f"{text} ≈ {x:.6g}"
    if not isinstance(value, sp.Basic) and x is not None:
        return f"{x:.10g}"
    return text


def _derivative_attr(trace: Trace) -> str:
    return "tangent" if trace.mode == "forward" else "adjoint"


def _point_text(trace: Trace) -> dict[str, str]:
    return {k: exact(v) for k, v in (trace.point or {}).items()}


# ----------------------------------------------------------------------------- JSON

def row_dict(graph: Graph, r: Row, attr: str) -> dict:
    """One row as JSON: name, op, inputs, value, and its tangent or adjoint."""
    n = r.node
    d = {"name": n.name, "op": n.op, "inputs": [f"v{k}" for k in n.inputs],
         "value": approx(r.value), "exact": exact(r.value), "formula": graph.formula(n)}
    if n.variable:
        d["variable"] = n.variable
    if graph.label(n.index) and not n.variable:
        d["label"] = graph.label(n.index)
    if n.param is not None:
        d["param"] = to_text(n.param)
    d["partials"] = [approx(p) for p in r.partials]
    d["partials_exact"] = [exact(p) for p in r.partials]
    value = getattr(r, attr)
    d[attr] = approx(value)
    d[f"{attr}_exact"] = exact(value)
    d["flag"] = r.singular
    return d


def to_dict(trace: Trace, checks: list | None = None) -> dict:
    """The JSON object of ``workbench trace``.

    Keys: ``mode``, ``rows`` (each ``{name, op, inputs, value}`` plus ``tangent``
    or ``adjoint``), ``output``; forward adds ``derivative``, reverse ``gradient``.
    """
    g, attr = trace.graph, _derivative_attr(trace)
    out_row = trace.row(g.outputs[0])
    data: dict = {
        "mode": trace.mode, "variables": g.variables, "point": _point_text(trace),
        "exact": trace.algebra == "exact",
        "rows": [row_dict(g, r, attr) for r in trace.rows],
        "output": {"name": out_row.node.name, "value": approx(out_row.value),
                   "exact": exact(out_row.value)},
    }
    if trace.mode == "forward":
        data["seed"] = {k: exact(v) for k, v in trace.seed.items()}
        data["derivative"] = approx(trace.derivative)
        data["derivative_exact"] = exact(trace.derivative)
    else:
        data["gradient"] = {k: approx(v) for k, v in trace.gradient.items()}
        data["gradient_exact"] = {k: exact(v) for k, v in trace.gradient.items()}
    data["flags"] = trace.flags
    if checks is not None:
        data["checks"] = [{"name": c.name, "passed": c.passed, "detail": c.detail}
                          for c in checks]
        data["verified"] = bool(checks) and all(c.passed for c in checks)
    return data


# ----------------------------------------------------------------------------- terminal

def _text_formula(graph: Graph, n: Node) -> str:
    return graph.formula(n) if n.op == "input" else _subscripted(graph.formula(n))


def _subscripted(text: str) -> str:
    return re.sub(r"\bv(-?\d+)", lambda m: sub_name(int(m.group(1))), text)


def text_table(trace: Trace) -> str:
    """The trace as an aligned plain-text table (Unicode subscripts, exact values)."""
    g, attr = trace.graph, _derivative_attr(trace)
    head = ["node", "definition", "value", "local partials",
            "tangent v̇" if attr == "tangent" else "adjoint v̄"]
    rows = []
    order = trace.rows if attr == "tangent" else list(reversed(trace.rows))
    for r in order:
        n = r.node
        name = sub_name(n.index) + (f" ({g.label(n.index)})" if g.label(n.index) and
                                    not n.variable else "")
        if r.singular:
            partials = "undefined (flagged)"
        else:
            partials = "; ".join(f"∂{sub_name(k)}: {shown(p)}"
                                 for k, p in zip(n.inputs, r.partials, strict=True))
        rows.append([name, _text_formula(g, n), shown(r.value), partials, shown(getattr(r, attr))])
    widths = [max(len(x[i]) for x in [head, *rows]) for i in range(len(head))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip()
             for line in [head, *rows]]
    lines.insert(1, "  ".join("─" * w for w in widths))
    return "\n".join(lines)


def summary(trace: Trace) -> str:
    """The result of the sweep in one or two lines."""
    if trace.mode == "forward":
        d = ", ".join(f"{k}={exact(v)}" for k, v in trace.seed.items())
        lines = [f"forward mode, seed d = ({d}): ∇f·d = {shown(trace.derivative)}"]
    else:
        lines = ["reverse mode: ∇f = (" +
                 ", ".join(f"∂f/∂{k} = {shown(v)}" for k, v in trace.gradient.items()) + ")"]
    lines += [f"flagged: {f}" for f in trace.flags]
    return "\n".join(lines)


# ----------------------------------------------------------------------------- LaTeX

def _tex(value: Any, names: Mapping[sp.Symbol, str] | None = None, limit: int = 90) -> str:
    if value is None:
        return r"\text{undefined}"
    if not isinstance(value, sp.Basic):
        return f"{float(value):.10g}"
    s = to_latex(value, symbol_names=dict(names or {}))
    x = approx(value)
    if len(s) > limit and x is not None:
        return rf"\approx {x:.10g}"
    return s


def _eq(tex: str) -> str:
    """'= value', or just '≈ value' when the value had to be rounded."""
    return tex if tex.startswith(r"\approx") else f"= {tex}"


def symbol_names(latex_names: Mapping[str, str] | None) -> dict[sp.Symbol, str]:
    """LaTeX spellings of variables (``{"x1": "x_1"}``) keyed by their SymPy symbols."""
    return {sp.Symbol(k, real=True): v for k, v in (latex_names or {}).items()}


def latex_table(trace: Trace, latex_names: Mapping[str, str] | None = None) -> str:
    """A booktabs table of the trace (forward rows in evaluation order, reverse rows backwards).

    The last column spells the chain rule out: v̇ᵢ = Σ ∂vᵢ/∂vₖ · v̇ₖ with the
    numbers, or v̄ₖ = Σ v̄ⱼ · ∂vⱼ/∂vₖ over the children j.
    """
    g, attr = trace.graph, _derivative_attr(trace)
    names = symbol_names(latex_names)
    rows, notes = [], []
    order = trace.rows if attr == "tangent" else list(reversed(trace.rows))
    by_index = {r.node.index: r for r in trace.rows}
    for r in order:
        n = r.node
        label = g.label(n.index)
        name = n.latex_name + (rf"\ ({latex_names.get(label, label) if latex_names else label})"
                               if label and not n.variable else "")
        definition = (to_latex(sp.Symbol(n.variable, real=True), symbol_names=names)
                      if n.variable else g.formula_latex(n))
        if r.singular:
            notes.append(rf"${n.latex_name}$: {_escape(r.singular)}")
            partials = r"\text{undefined}^{\dagger}"
        else:
            partials = r",\; ".join(rf"\partial_{{{g[k].latex_name}}} {_eq(_tex(p, names, 40))}"
                                    for k, p in zip(n.inputs, r.partials, strict=True))
        partials = f"${partials}$" if partials else "---"
        rows.append(f"${name}$ & ${definition}$ & ${_tex(r.value, names)}$ & "
                    f"{partials} & ${_chain(r, attr, by_index, names)}$ \\\\")
    symbol = r"\dot v_i" if attr == "tangent" else r"\bar v_i"
    head = (r"Node & Definition & Value & Local partials & "
            rf"${symbol}$ \\")
    rule = r"\dot v_i = \sum_k \tfrac{\partial v_i}{\partial v_k}\,\dot v_k" if \
        attr == "tangent" else r"\bar v_k = \sum_{j \in \mathrm{children}(k)} \bar v_j\, " \
                               r"\tfrac{\partial v_j}{\partial v_k}"
    foot = "".join(rf"\\[2pt] \footnotesize $^\dagger$ {x}" for x in notes)
    # wide traces shrink to the line width (graphicx's \resizebox; narrow ones keep their size)
    return ("\\begin{center}\\small\n\\resizebox{\\ifdim\\width>\\linewidth\\linewidth"
            "\\else\\width\\fi}{!}{%\n\\begin{tabular}{@{}lllll@{}}\n\\toprule\n" + head +
            "\n\\midrule\n" + "\n".join(rows) + "\n\\bottomrule\n\\end{tabular}}\n"
            f"\\\\[4pt] \\footnotesize {trace.mode.capitalize()} mode: ${rule}$.{foot}\n"
            "\\end{center}\n")


_TEX_TEXT = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
    "√": r"$\surd$", "∂": r"$\partial$", "∞": r"$\infty$", "±": r"$\pm$", "≠": r"$\neq$",
}


def _escape(text: str) -> str:
    """A flag's reason as LaTeX text (the few symbols the reasons use, and the specials)."""
    return "".join(_TEX_TEXT.get(c, c if ord(c) < 128 else "?") for c in text)


def _factor(value, names) -> str:
    s = _tex(value, names, 30)
    negative = isinstance(value, sp.Basic) and value.could_extract_minus_sign() or (
        not isinstance(value, sp.Basic) and value is not None and approx(value) is not None
        and approx(value) < 0)
    return rf"\left({s}\right)" if negative or (isinstance(value, sp.Add)) else s


def _chain(r: Row, attr: str, by_index: dict[int, Row], names) -> str:
    """'a \\cdot b + c \\cdot d = total' for the chain-rule sum of a row.

    Exact when every piece is short; otherwise all pieces as 6-digit numbers and the
    total as ≈, so a row never mixes a long exact expression with rounded ones.
    """
    total = getattr(r, attr)
    pairs = []
    for t in r.terms:
        if attr == "tangent":
            pairs.append((r.partials[t.position], by_index[t.node].tangent))
        else:
            child = by_index[t.node]
            pairs.append((child.adjoint, child.partials[t.position]))
    pieces = [total] + [v for pair in pairs for v in pair]
    short = all(len(_tex(v, names, 10**6)) <= 24 for v in pieces)
    if not pairs:
        return _tex(total, names) if short or approx(total) is None else _num(total)
    if short:
        line = " + ".join(rf"{_factor(a, names)} \cdot {_factor(b, names)}" for a, b in pairs)
        return f"{line} = {_tex(total, names)}"
    line = " + ".join(rf"{_num(a, True)} \cdot {_num(b, True)}" for a, b in pairs)
    return line + (r" \approx " + _num(total) if total is not None else
                   r" = \text{undefined}")


def _num(value, factor: bool = False) -> str:
    """A value as a 6-significant-digit number (parenthesized when a negative factor)."""
    x = approx(value)
    if x is None:
        return r"\text{undefined}" if value is None else _tex(value)
    text = f"{x:.6g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = rf"{mantissa} \times 10^{{{int(exponent)}}}"
    return rf"\left({text}\right)" if factor and x < 0 else text


# ----------------------------------------------------------------------------- picture

def draw(trace: Trace, path: str | Path, title: str = "") -> Path:
    """The DAG from inputs (top) to output (bottom), each node with value and tangent/adjoint.

    A layered drawing with typeset labels, printed at the sheet's text width: see
    :mod:`workbench.autodiff.drawing`.
    """
    from .drawing import draw_graph  # matplotlib only when a picture is asked for

    return draw_graph(trace, path, title)
