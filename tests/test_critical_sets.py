"""Critical sets that are not isolated points: named, valued, classified, and the rest complete.

References are worked by hand here (each function's gradient factored on paper) or
built into the function by construction (f = c·h² + k vanishes to second order on
{h = 0}), never taken from the code under test.
"""

from __future__ import annotations

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import workbench
from workbench.core.parse import parse
from workbench.symbolic import calculus

x, y = sp.symbols("x y", real=True)
R = sp.Rational
SET_KEYS = {"set", "latex", "description", "dimension", "value", "value_proof", "kind",
            "kind_detail", "degenerate_points", "part"}


def _critical(text, box=None):
    return calculus.critical_points(parse(text), ["x", "y"], box=box)


def _points(found):
    return [(p.point, p.kind, p.value) for p in found.points]


# ----------------------------------------------------------------- the five functions


@pytest.mark.parametrize("box", [None, "x=-1:1,y=-1:1", "x=-2:2,y=-2:2"])
def test_circle_of_minima_and_the_maximum_inside(box):
    # ∇f = 4(x² + y² − 1)(x, y): the unit circle, where f = 0 = min f, and (0, 0), f = 1,
    # with Hessian −4·I there
    found = _critical("(x**2 + y**2 - 1)**2", box)
    assert found.complete and found.method == "groebner"
    [s] = found.sets
    assert sp.expand(s.equation - (x**2 + y**2 - 1)) == 0
    assert (s.description, s.kind, s.value, s.dimension) == (
        "the circle x² + y² = 1", "minimum set", 0, 1)
    assert s.in_box == (box is not None)
    assert _points(found) == [({"x": 0, "y": 0}, "maximum", 1)]
    assert found.unsettled == [] and found.unsettled_count == 0


@pytest.mark.parametrize("box", [None, "x=-1:1,y=-1:1"])
def test_line_of_mixed_kind(box):
    # ∇(x²y) = (2xy, x²) = x·(2y, x): the line x = 0 (f = 0 there); f = x²·y, so points with
    # y > 0 are minima, y < 0 maxima, and (0, 0) is degenerate; no other critical point
    found = _critical("x**2*y", box)
    assert found.complete and found.points == []
    [s] = found.sets
    assert (s.equation, s.description, s.value, s.kind) == (x, "the line x = 0", 0, "mixed")
    assert s.kind_detail.startswith("minima where y > 0, maxima where y < 0, degenerate at (0, 0)")
    assert s.degenerate == [{"x": 0, "y": 0}]
    assert [s.kind_at({"x": 0, "y": v}) for v in (2, -1, 0)] == ["minimum", "maximum", None]
    assert s.kind_at({"x": 1, "y": 1}) is None  # not on the set


@pytest.mark.parametrize("text, kind", [
    ("x**4 + y**4", "degenerate minimum"),  # f > 0 = f(0) off the origin
    ("x**4 - y**4", "degenerate saddle"),  # f > 0 on the x-axis, < 0 on the y-axis
    # rank-1 Hessian: along the kernel (the x-axis) f = x³ changes sign: no extremum
    ("x**3 + y**2", "degenerate saddle"),
])
@pytest.mark.parametrize("box", [None, "x=-1:1,y=-1:1", "x=-2:3,y=-1/2:2"])
def test_singular_isolated_point_settled_with_and_without_a_box(text, kind, box):
    found = _critical(text, box)
    assert found.complete and found.sets == [] and found.unsettled_count == 0
    assert _points(found) == [({"x": 0, "y": 0}, kind, 0)]


def test_sets_outside_the_box_are_left_out_and_inside_kept():
    found = _critical("(x**2 + y**2 - 1)**2", "x=2:3,y=-1:1")
    assert found.complete and found.sets == [] and found.points == []
    # the box [1/2, 2] × [−1, 1] holds an arc of the circle but not the centre
    found = _critical("(x**2 + y**2 - 1)**2", "x=1/2:2,y=-1:1")
    assert found.complete and found.points == [] and [s.in_box for s in found.sets] == [True]


def test_point_on_the_box_face_is_flagged():
    # (x⁴ + y⁴) shifted to (1, 0): the singular minimum sits on the face x = 1
    found = _critical("(x - 1)**4 + y**4", "x=-1:1,y=-1:1")
    assert found.complete
    assert [(p.point, p.kind, p.on_boundary) for p in found.points] == [
        ({"x": 1, "y": 0}, "degenerate minimum", True)]


# ----------------------------------------------------------------- more shapes and kinds


def test_odd_power_is_a_saddle_set_and_roots_split_into_lines():
    # x³: f changes sign across x = 0
    [s] = _critical("x**3").sets
    assert (s.description, s.kind) == ("the line x = 0", "saddle set")
    # ∂f/∂x = 4x(x² − 2)·…: (x² − 2)² has the maximum line x = 0 (f = 4) and the minimum
    # lines x = ±√2 (f = 0)
    found = _critical("(x**2 - 2)**2")
    by_name = {s.description: (s.kind, s.value) for s in found.sets}
    assert by_name == {"the line x = 0": ("maximum set", 4),
                       "the line x = √2": ("minimum set", 0),
                       "the line x = −√2": ("minimum set", 0)}
    assert found.complete and found.points == []


def test_sum_of_squares_keeps_an_isolated_point():
    # (x² + y²)²: gcd of the partials is x² + y², whose only real zero is (0, 0)
    found = _critical("(x**2 + y**2)**2")
    assert found.complete and found.sets == []
    assert _points(found) == [({"x": 0, "y": 0}, "degenerate minimum", 0)]


@settings(max_examples=25, deadline=None)
@given(shape=st.sampled_from(["line", "ellipse", "parabola", "hyperbola"]),
       a=st.integers(1, 4), b=st.integers(-3, 3), e=st.integers(-4, 4),
       c=st.sampled_from([1, 3, -2, R(1, 2)]), k=st.integers(-3, 3))
def test_set_known_by_construction(shape, a, b, e, c, k):
    h = {"line": a * x + b * y + e,
         "ellipse": x**2 + a * y**2 - (abs(e) + 1),
         "parabola": y - a * x**2 - e,
         "hyperbola": x * y - (abs(e) + 1)}[shape]
    f = c * h**2 + k
    found = calculus.critical_points(f, ["x", "y"])
    assert found.complete
    [s] = found.sets
    assert sp.cancel(s.equation / h).is_number
    assert s.value == k and s.kind == ("minimum set" if c > 0 else "maximum set")
    name = "circle" if (shape, a) == ("ellipse", 1) else shape  # x² + y² = r²
    assert s.description.startswith(f"the {name}")
    # off the set, ∇f = 2c·h·∇h vanishes where ∇h = 0 (solved here by hand)
    centre = {"line": [], "ellipse": [{"x": 0, "y": 0}], "parabola": [],
              "hyperbola": [{"x": 0, "y": 0}]}[shape]
    assert [p.point for p in found.points] == centre
    for p in found.points:
        assert p.value == f.subs({x: 0, y: 0})


# ----------------------------------------------------------------- what a person sees


def test_json_keys_and_values(cli_json):
    code, d, _ = cli_json("critical", "(x**2 + y**2 - 1)**2")
    assert code == 0 and d["complete"] is True
    [s] = d["sets"]
    assert set(s) == SET_KEYS
    assert (s["set"], s["latex"], s["description"], s["dimension"], s["value"], s["kind"],
            s["part"]) == ("x**2 + y**2 - 1 = 0", "x^{2} + y^{2} - 1 = 0",
                           "the circle x² + y² = 1", 1, "0", "minimum set", "all")
    code, d, _ = cli_json("critical", "x**2*y", "--box", "x=-1:1,y=-1:1")
    assert code == 0 and d["complete"] is True and d["points"] == []
    assert d["sets"][0]["part"] == "inside the box"
    assert d["sets"][0]["degenerate_points"] == [{"x": "0", "y": "0"}]
    code, d, _ = cli_json("critical", "x**2 + y**2")
    assert d["sets"] == []


def test_cli_text_names_the_set(cli):
    code, out, _ = cli("critical", "(x**2 + y**2 - 1)**2", "--box", "x=-2:2,y=-2:2")
    assert code == 0
    assert "the part of the circle x² + y² = 1 inside the box: minimum set" in out
    assert "**" not in out


def test_notebook_display_is_typeset():
    found = workbench.critical_points("(x**2 + y**2 - 1)**2")
    latex = found._repr_latex_()
    assert r"x^{2} + y^{2} - 1 = 0" in latex and r"\text{minimum set}" in latex
    assert r"\text{maximum}" in latex
    html = found._repr_html_()
    assert "the circle x² + y² = 1" in html and "**" not in html
    assert "1 critical set(s)" in repr(found)
    assert "**" not in str(found)


SHEET = '''
[sheet]
title = "T"
[[exercise]]
id = "ring"
title = "Ring"
task = "critical"
expr = "(x**2 + y**2 - 1)**2"
wrt = ["x", "y"]
claimed = { minimum = "x=0,y=1" }
'''


def test_sheet_shows_the_set_and_accepts_a_minimizer_on_it(tmp_path, cli):
    p = tmp_path / "ring.toml"
    p.write_text(SHEET)
    code, _, _ = cli("sheet", str(p), "-o", str(tmp_path / "out"))
    tex = (tmp_path / "out" / "ring.tex").read_text()
    assert code == 0
    assert "Critical set (not isolated points): the circle x$^2$ + y$^2$ = 1" in tex
    assert r"x^{2} + y^{2} - 1 = 0" in tex and "where f has a local minimum" in tex
    assert "**" not in tex


def test_sphere_in_three_variables_and_a_factor_without_real_points():
    # (x² + y² + z² − 1)²: the unit sphere of minima and the maximum at the centre
    found = calculus.critical_points(parse("(x**2 + y**2 + z**2 - 1)**2"), ["x", "y", "z"])
    assert found.complete
    assert [(s.description, s.kind, s.dimension) for s in found.sets] == [
        ("the sphere x² + y² + z² = 1", "minimum set", 2)]
    assert [(p.point, p.kind) for p in found.points] == [({"x": 0, "y": 0, "z": 0}, "maximum")]
    # (x² + y² + 1)²: the common factor x² + y² + 1 has no real zero (proved: its top form
    # is definite and its only critical value is 1 > 0), so only the minimum (0, 0) is left
    found = _critical("(x**2 + y**2 + 1)**2")
    assert found.complete and found.sets == []
    assert _points(found) == [({"x": 0, "y": 0}, "minimum", 1)]
