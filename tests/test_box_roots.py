"""Every critical point in a box, proved: the interval branch and bound against references.

The references are computed independently of the code under test: the test
functions are typed out here as SymPy expressions (not read by the workbench's
parser), differentiated by SymPy, compiled by ``sympy.lambdify`` to NumPy, and
their critical points found by plain Newton iteration from a dense grid of starts
(40×40, or 60×60 where the function oscillates), deduplicated, with kinds from
NumPy's eigenvalues.  The functions are from the Surjanovic–Bingham library of
optimization test problems, on their standard boxes or a stated sub-box where
the count on the standard box is in the hundreds or thousands.
"""

from __future__ import annotations

import json
import subprocess
import sys

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.core.errors import InputError
from workbench.core.parse import parse
from workbench.symbolic import box_roots, calculus, intervals
from workbench.symbolic.intervals import Interval

x, y = sp.symbols("x y", real=True)
pi, R = sp.pi, sp.Rational

# name: (text for the workbench, the same function typed in SymPy, x range, y range, grid)
FUNCTIONS = {
    "himmelblau": ("(x**2 + y - 11)**2 + (x + y**2 - 7)**2",
                   (x**2 + y - 11)**2 + (x + y**2 - 7)**2, (-5, 5), (-5, 5), 40),
    "booth": ("(x + 2*y - 7)**2 + (2*x + y - 5)**2",
              (x + 2*y - 7)**2 + (2*x + y - 5)**2, (-10, 10), (-10, 10), 40),
    "matyas": ("0.26*(x**2 + y**2) - 0.48*x*y",
               R(26, 100)*(x**2 + y**2) - R(48, 100)*x*y, (-10, 10), (-10, 10), 40),
    "three_hump_camel": ("2*x**2 - 1.05*x**4 + x**6/6 + x*y + y**2",
                         2*x**2 - R(105, 100)*x**4 + x**6/6 + x*y + y**2, (-5, 5), (-5, 5), 40),
    "six_hump_camel": ("(4 - 2.1*x**2 + x**4/3)*x**2 + x*y + (-4 + 4*y**2)*y**2",
                       (4 - R(21, 10)*x**2 + x**4/3)*x**2 + x*y + (-4 + 4*y**2)*y**2,
                       (-3, 3), (-2, 2), 40),
    "mccormick": ("sin(x + y) + (x - y)**2 - 1.5*x + 2.5*y + 1",
                  sp.sin(x + y) + (x - y)**2 - R(3, 2)*x + R(5, 2)*y + 1, (-1.5, 4), (-3, 4), 40),
    "beale": ("(1.5 - x + x*y)**2 + (2.25 - x + x*y**2)**2 + (2.625 - x + x*y**3)**2",
              (R(3, 2) - x + x*y)**2 + (R(9, 4) - x + x*y**2)**2 + (R(21, 8) - x + x*y**3)**2,
              (-4.5, 4.5), (-4.5, 4.5), 40),
    "branin": ("(y - 5.1/(4*pi**2)*x**2 + 5/pi*x - 6)**2 + 10*(1 - 1/(8*pi))*cos(x) + 10",
               (y - R(51, 10)/(4*pi**2)*x**2 + 5/pi*x - 6)**2 + 10*(1 - 1/(8*pi))*sp.cos(x) + 10,
               (-5, 10), (0, 15), 40),
    # standard box [-100, 100]²: tens of thousands of critical points; sub-box [-1, 1]²
    "bohachevsky": ("x**2 + 2*y**2 - 0.3*cos(3*pi*x) - 0.4*cos(4*pi*y) + 0.7",
                    x**2 + 2*y**2 - R(3, 10)*sp.cos(3*pi*x) - R(4, 10)*sp.cos(4*pi*y) + R(7, 10),
                    (-1, 1), (-1, 1), 40),
    "styblinski_tang": ("(x**4 - 16*x**2 + 5*x + y**4 - 16*y**2 + 5*y)/2",
                        (x**4 - 16*x**2 + 5*x + y**4 - 16*y**2 + 5*y)/2, (-5, 5), (-5, 5), 40),
    "goldstein_price": (
        "(1 + (x + y + 1)**2*(19 - 14*x + 3*x**2 - 14*y + 6*x*y + 3*y**2))"
        "*(30 + (2*x - 3*y)**2*(18 - 32*x + 12*x**2 + 48*y - 36*x*y + 27*y**2))",
        (1 + (x + y + 1)**2*(19 - 14*x + 3*x**2 - 14*y + 6*x*y + 3*y**2))
        * (30 + (2*x - 3*y)**2*(18 - 32*x + 12*x**2 + 48*y - 36*x*y + 27*y**2)),
        (-2, 2), (-2, 2), 40),
    "rosenbrock": ("100*(y - x**2)**2 + (x - 1)**2", 100*(y - x**2)**2 + (x - 1)**2,
                   (-2.048, 2.048), (-2.048, 2.048), 40),
    # standard box [-100, 100]²: the factor exp(−r²) underflows far from (π, π); sub-box [1, 5]²
    "easom": ("-cos(x)*cos(y)*exp(-((x - pi)**2 + (y - pi)**2))",
              -sp.cos(x)*sp.cos(y)*sp.exp(-((x - pi)**2 + (y - pi)**2)), (1, 5), (1, 5), 40),
    # standard box [-10, 10]²: thousands of critical points; sub-box [0, 2]²
    "levy13": ("sin(3*pi*x)**2 + (x - 1)**2*(1 + sin(3*pi*y)**2) + (y - 1)**2*(1 + sin(2*pi*y)**2)",
               sp.sin(3*pi*x)**2 + (x - 1)**2*(1 + sp.sin(3*pi*y)**2)
               + (y - 1)**2*(1 + sp.sin(2*pi*y)**2), (0, 2), (0, 2), 60),
    # standard box [-5.12, 5.12]²: 441 critical points; sub-box [-1.2, 1.2]²
    "rastrigin": ("20 + x**2 - 10*cos(2*pi*x) + y**2 - 10*cos(2*pi*y)",
                  20 + x**2 - 10*sp.cos(2*pi*x) + y**2 - 10*sp.cos(2*pi*y),
                  (-1.2, 1.2), (-1.2, 1.2), 40),
    # standard box [-600, 600]²; sub-box [-5, 5]²
    "griewank": ("(x**2 + y**2)/4000 - cos(x)*cos(y/sqrt(2)) + 1",
                 (x**2 + y**2)/4000 - sp.cos(x)*sp.cos(y/sp.sqrt(2)) + 1, (-5, 5), (-5, 5), 40),
    "trid": ("(x - 1)**2 + (y - 1)**2 - x*y", (x - 1)**2 + (y - 1)**2 - x*y, (-4, 4), (-4, 4), 40),
    "zakharov": ("x**2 + y**2 + (0.5*x + y)**2 + (0.5*x + y)**4",
                 x**2 + y**2 + (x/2 + y)**2 + (x/2 + y)**4, (-5, 10), (-5, 10), 40),
    "dixon_price": ("(x - 1)**2 + 2*(2*y**2 - x)**2", (x - 1)**2 + 2*(2*y**2 - x)**2,
                    (-10, 10), (-10, 10), 40),
}


def reference_critical_points(f: sp.Expr, bx, by, per_axis: int):
    """Critical points of f in the box by Newton from a per_axis² grid (independent reference)."""
    g = sp.lambdify((x, y), [sp.diff(f, x), sp.diff(f, y)], "numpy")
    h = sp.lambdify((x, y), [[sp.diff(f, a, b) for b in (x, y)] for a in (x, y)], "numpy")
    gx, gy = np.meshgrid(np.linspace(*bx, per_axis), np.linspace(*by, per_axis))
    z = np.stack([gx.ravel(), gy.ravel()], axis=1)
    with np.errstate(all="ignore"):
        for _ in range(80):
            G = np.stack(np.broadcast_arrays(*g(z[:, 0], z[:, 1])), axis=1)
            H = np.array([[np.broadcast_to(e, len(z)) for e in row] for row in
                          h(z[:, 0], z[:, 1])]).transpose(2, 0, 1)
            ok = np.abs(np.linalg.det(H)) > 1e-300
            step = np.zeros_like(z)
            step[ok] = np.linalg.solve(H[ok], G[ok][:, :, None])[:, :, 0]
            z = z - step
        G = np.stack(np.broadcast_arrays(*g(z[:, 0], z[:, 1])), axis=1)
    scale = 1 + np.abs(np.stack([np.broadcast_to(v, len(z)) for v in
                                 sp.lambdify((x, y), f, "numpy")(z[:, 0], z[:, 1]) * np.ones(
                                     len(z))], axis=1))
    good = np.all(np.isfinite(z), axis=1) & (np.max(np.abs(G), axis=1) < 1e-8 * scale[:, 0])
    tol = 1e-9
    inside = ((z[:, 0] >= bx[0] - tol) & (z[:, 0] <= bx[1] + tol)
              & (z[:, 1] >= by[0] - tol) & (z[:, 1] <= by[1] + tol))
    found: list[np.ndarray] = []
    for p in z[good & inside]:
        if not any(np.max(np.abs(p - q)) < 1e-6 for q in found):
            found.append(p)
    kinds = []
    for p in found:
        eig = np.linalg.eigvalsh(np.array(h(*p), float))
        kinds.append("minimum" if eig.min() > 0 else "maximum" if eig.max() < 0 else "saddle")
    return found, kinds


def _compare(name):
    text, typed, bx, by, per_axis = FUNCTIONS[name]
    found = calculus.critical_points(parse(text), ["x", "y"], box={"x": bx, "y": by})
    assert found.complete and found.unsettled == [] and found.method == "interval-krawczyk"
    ref, ref_kinds = reference_critical_points(typed, bx, by, per_axis)
    assert len(found.points) == len(ref), name
    for p in found.points:
        got = np.array([p.numeric["x"], p.numeric["y"]])
        dist = [np.max(np.abs(got - q)) for q in ref]
        k = int(np.argmin(dist))
        # the reference is float64 Newton: agreement to 1e-6 in the coordinates
        assert dist[k] < 1e-6, (name, p.numeric)
        assert p.kind == ref_kinds[k] and p.proved, (name, p.numeric, p.kind, ref_kinds[k])
    return found


FAST = ["himmelblau", "booth", "matyas", "three_hump_camel", "mccormick", "styblinski_tang",
        "rosenbrock", "trid", "zakharov", "dixon_price", "branin"]
SLOW = [n for n in FUNCTIONS if n not in FAST]


@pytest.mark.parametrize("name", FAST)
def test_test_function_every_critical_point_proved(name):
    _compare(name)


@pytest.mark.slow
@pytest.mark.parametrize("name", SLOW)
def test_test_function_every_critical_point_proved_slow(name):
    _compare(name)


def test_known_points_exact_where_rational():
    found = _compare("himmelblau")
    assert [p.point for p in found.points if p.exact] == [{"x": 3, "y": 2}]
    minimum = [p for p in found.points if p.exact][0]
    assert minimum.kind == "minimum" and minimum.value == 0


# ----------------------------------------------------------------- the box's edges


def _count(text, box):
    return calculus.critical_points(parse(text), ["x", "y"], box=box)


@pytest.mark.parametrize("shift, expected", [("1.000001", 2), ("0.999999", 3), ("1", 3)])
def test_point_crossing_the_box_edge_changes_the_count(shift, expected):
    # ((x − c)² − 1)² + y² has critical points at x = c − 1, c, c + 1 (y = 0); the box ends
    # at x = 2, so c + 1 lies just outside (c > 1), just inside (c < 1) or on the edge
    found = _count(f"((x - {shift})**2 - 1)**2 + y**2", "x=-2:2,y=-1:1")
    assert found.complete
    assert len(found.points) == expected
    on_edge = [p for p in found.points if p.on_boundary]
    if shift == "1":
        assert [p.point for p in on_edge] == [{"x": 2, "y": 0}]
        assert on_edge[0].kind == "minimum"
    else:
        assert on_edge == []


def test_irrational_root_on_the_boundary_is_reported_and_flagged():
    found = _count("(x**2 - 2)**2 + y**2", "x=-1:sqrt(2),y=-1:1")
    assert found.complete
    by_x = sorted(found.points, key=lambda p: p.numeric["x"])
    assert [p.kind for p in by_x] == ["saddle", "minimum"]  # x = 0 (max along x), x = √2
    assert by_x[1].on_boundary and not by_x[0].on_boundary
    assert abs(by_x[1].numeric["x"] - 2**0.5) < 1e-15


def test_root_on_an_inner_split_line_found_once():
    # the first bisection cuts [-1, 3] at x = 1 exactly, through the minimum
    found = _count("(x - 1)**2 + (y - 1)**2 + x*y/10", "x=-1:3,y=-1:3")
    assert found.complete and len(found.points) == 1


# ----------------------------------------------------------------- kinds at singular Hessians


@pytest.mark.parametrize("text, kind", [
    ("x**4 + y**4", "degenerate minimum"),
    ("x**4 - y**4", "degenerate saddle"),
    ("x**3 + y**2", "degenerate saddle"),
])
def test_degenerate_kinds_without_and_with_a_box(text, kind):
    plain = calculus.critical_points(parse(text), ["x", "y"])
    assert plain.complete and [(p.point, p.kind) for p in plain.points] == [
        ({"x": 0, "y": 0}, kind)]
    boxed = _count(text, "x=-2:2,y=-2:2")
    # Krawczyk cannot prove uniqueness where the Hessian is singular; the gradient is
    # polynomial, so the exact solutions of ∇f = 0 settle the box instead
    assert boxed.complete and boxed.unsettled_count == 0 and boxed.method == "groebner"
    assert [(p.point, p.kind) for p in boxed.points] == [({"x": 0, "y": 0}, kind)]


def test_singular_root_of_a_non_polynomial_stays_unsettled_and_honest():
    # sin(x)⁴ + y⁴: a singular root at 0 that no exact solver is asked for; Krawczyk
    # leaves tiny boxes around it, and the exact point met there is listed
    found = _count("sin(x)**4 + y**4", "x=-1:1,y=-1:1")
    assert not found.complete and found.unsettled_count > 0
    assert [(p.point, p.kind) for p in found.points] == [({"x": 0, "y": 0},
                                                          "degenerate minimum")]


def test_circle_of_critical_points_is_a_set_in_the_box():
    # (x² + y² − 1)²: a maximum at 0 and the whole unit circle of minima (not isolated)
    found = calculus.critical_points(parse("(x**2 + y**2 - 1)**2"), ["x", "y"],
                                     box="x=-2:2,y=-2:2")
    assert found.complete and found.unsettled == []
    assert [(s.description, s.kind, s.in_box) for s in found.sets] == [
        ("the circle x² + y² = 1", "minimum set", True)]
    assert [(p.point, p.kind) for p in found.points] == [({"x": 0, "y": 0}, "maximum")]


# ----------------------------------------------------------------- input and limits


def test_bad_boxes_are_refused_with_the_field_named():
    f = parse("x**2 + y**2")
    for box, words in [("x=-1:1", "no range for y"), ("x=1:1,y=0:1", "range of x is empty"),
                       ("x=0:1,y=0:1,z=0:1", "unknown variable z"),
                       ("x=a:1,y=0:1", "lower end for x"), ("x=0-1,y=0:1", "name=a:b")]:
        with pytest.raises(InputError, match=words):
            calculus.critical_points(f, ["x", "y"], box=box)
    with pytest.raises(InputError, match="smooth"):
        calculus.critical_points(parse("abs(x) + y**2"), ["x", "y"], box="x=-1:1,y=-1:1")


def test_work_limit_is_a_count_and_leaves_the_rest_unsettled():
    found = calculus.critical_points(parse(FUNCTIONS["himmelblau"][0]), ["x", "y"],
                                     box="x=-5:5,y=-5:5", max_boxes=50)
    assert not found.complete and found.unsettled_count > 0
    assert all("work limit of 50 boxes" in u["reason"] for u in found.unsettled)


# ----------------------------------------------------------------- properties


@settings(max_examples=15, deadline=None)
@given(a=st.fractions(-3, 3, max_denominator=8), b=st.fractions(-3, 3, max_denominator=8),
       sx=st.sampled_from([1, -1, 3]), sy=st.sampled_from([1, -2]))
def test_one_shifted_critical_point_found_exactly_with_its_kind(a, b, sx, sy):
    # sx(x − a)² + sy(y − b)² + (x − a)³/50 has a critical point at (a, b), whose kind is
    # set by the signs of sx and sy, and another at x = a − 100·sx/3, far outside the box
    text = f"{sx}*(x - ({a}))**2 + {sy}*(y - ({b}))**2 + (x - ({a}))**3/50"
    found = _count(text, "x=-4:4,y=-4:4")
    kind = "minimum" if sx > 0 and sy > 0 else ("saddle" if sx * sy < 0 else "maximum")
    assert found.complete
    assert [(p.point, p.kind) for p in found.points] == [
        ({"x": sp.Rational(a.numerator, a.denominator),
          "y": sp.Rational(b.numerator, b.denominator)}, kind)]


@settings(max_examples=20, deadline=None)
@given(a=st.fractions(-100, 100, max_denominator=1000), w=st.fractions(0, 50, max_denominator=7),
       text=st.text(max_size=12))
def test_box_text_read_exactly_or_refused_by_name(a, w, text):
    b = a + w
    if w > 0:
        assert calculus.read_box(f"x={a}:{b}", ["x"]) == {
            "x": (sp.Rational(a.numerator, a.denominator), sp.Rational(b.numerator, b.denominator))}
    else:
        with pytest.raises(InputError, match="empty or a point"):
            calculus.read_box(f"x={a}:{b}", ["x"])
    try:
        calculus.read_box(text, ["x"])
    except InputError as exc:
        assert str(exc).startswith("box: ")


def test_repl_function_takes_a_box():
    import workbench

    found = workbench.function("x**2 - 2*x + cos(y)").critical_points(box="x=-1:2,y=-1:1")
    assert found.complete and [(p.point, p.kind) for p in found.points] == [
        ({"x": 1, "y": 0}, "saddle")]


# ----------------------------------------------------------------- interval arithmetic


FUNCS_1D = [sp.exp, sp.sin, sp.cos, sp.atan, sp.tanh, sp.sinh, sp.cosh,
            lambda t: t**3 - 2*t, lambda t: 1/(1 + t**2), lambda t: sp.sqrt(1 + t**2)]


@settings(max_examples=60, deadline=None)
@given(k=st.integers(0, len(FUNCS_1D) - 1),
       a=st.floats(-6, 6, allow_nan=False), w=st.floats(0, 4, allow_nan=False),
       ts=st.lists(st.floats(0, 1), min_size=1, max_size=5))
def test_interval_enclosure_contains_every_value(k, a, w, ts):
    # both enclosures of f over [a, a + w] (NumPy and mpmath intervals) hold f(t) at points
    # of the interval, evaluated independently by SymPy in 30 digits
    t = sp.Symbol("t", real=True)
    expr = FUNCS_1D[k](t)
    [out] = intervals.compile_intervals([expr], [t])([Interval.of(a, a + w)])
    with intervals.mp_precision():
        from mpmath import iv

        [mp_out] = intervals.compile_mp([expr], [t])([iv.mpf([a, a + w])])
    for s in ts:
        v = sp.N(expr.subs(t, sp.Float(a + s * w, 60)), 50)
        assert out.lo[0] <= float(v) <= out.hi[0]
        lo, hi = (sp.Float(mpmath.mp.make_mpf(e), 50) for e in mp_out._mpi_)
        slack = 1e-45 * max(1, abs(v))  # the reference's own 50-digit rounding
        assert lo - slack <= v <= hi + slack


def test_interval_constants_enclose_their_exact_values():
    t = sp.Symbol("t", real=True)
    [out] = intervals.compile_intervals([t * 0 + sp.Rational(1, 10) + sp.pi], [t])(
        [Interval.point(0.0)])
    exact = sp.Rational(1, 10) + sp.pi
    assert sp.Rational(out.lo[0]) < exact < sp.Rational(out.hi[0])


# ----------------------------------------------------------------- determinism


def _cli_json(*args):
    run = subprocess.run([sys.executable, "-m", "workbench", "critical", *args, "--json"],
                         capture_output=True, text=True, check=True, timeout=600)
    return json.loads(run.stdout)


@pytest.mark.slow
def test_same_json_on_an_idle_and_a_busy_machine():
    args = (FUNCTIONS["mccormick"][0], "--box", "x=-1.5:4,y=-3:4")
    idle = _cli_json(*args)
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]
    try:
        busy = _cli_json(*args)
    finally:
        for h in hogs:
            h.kill()
            h.wait()
    assert idle == busy
    assert idle["complete"] is True and len(idle["points"]) == 3
    assert idle["work"] == busy["work"] and idle["work"]["boxes"] > 1


def test_box_search_is_repeatable_in_process():
    g = calculus.gradient(parse("sin(x)*cos(y) + x**2/10"), ["x", "y"])
    H = calculus.hessian(parse("sin(x)*cos(y) + x**2/10"), ["x", "y"])
    xs = calculus.symbols(["x", "y"])
    a = box_roots.search(g, H, xs, [(-3, 3), (-2, 2)])
    b = box_roots.search(g, H, xs, [(-3, 3), (-2, 2)])
    assert [r.point for r in a.roots] == [r.point for r in b.roots]
    assert (a.boxes, a.splits, a.depth) == (b.boxes, b.splits, b.depth)


# ----------------------------------------------------------------- sheets

SHEET = '''
[sheet]
title = "T"
[[exercise]]
id = "bump"
title = "Bump"
task = "critical"
expr = "x*exp(-(x**2 + y**2))"
wrt = ["x", "y"]
box = BOX
'''


@pytest.mark.slow
def test_sheet_box_field_searches_the_box_with_proof(tmp_path, cli):
    p = tmp_path / "ex.toml"
    p.write_text(SHEET.replace("BOX", "{ x = [-3, 3], y = [-3, 3] }"))
    code, _, _ = cli("sheet", str(p), "-o", str(tmp_path / "out"), "--edition", "solutions",
                     "--edition", "instructor")
    tex = (tmp_path / "out" / "ex.tex").read_text()
    assert code == 0
    # the two critical points (±1/√2, 0), in closed form, each proved
    assert tex.count("& proved \\\\") == 2 and r"\frac{\sqrt{2}}{2}" in tex
    # the completeness check is instructor matter: its appendix names it
    tex = (tmp_path / "out" / "ex-instructor.tex").read_text()
    assert "every critical point in the box found, each proved" in tex


def test_sheet_box_field_errors_name_the_field(tmp_path, cli):
    p = tmp_path / "ex.toml"
    p.write_text(SHEET.replace("BOX", "{ x = [3, -3], y = [-3, 3] }"))
    code, _, _ = cli("sheet", str(p), "-o", str(tmp_path / "out"))
    tex = (tmp_path / "out" / "ex.tex").read_text()
    assert code == 1 and "exercise 'bump': field 'box'" in tex and "range of x is empty" in tex


# ----------------------------------------------------------------- command line


def test_cli_box_json_keys(cli_json):
    code, d, _ = cli_json("critical", "x**2 - 2*x + cos(y)", "--box", "x=-1:2,y=-1:4")
    assert code == 0 and d["complete"] is True and d["method"] == "interval-krawczyk"
    assert d["box"] == {"x": ["-1", "2"], "y": ["-1", "4"]} and d["unsettled"] == []
    # ∂f/∂x = 2x − 2, ∂f/∂y = −sin y: (1, 0) and (1, π); f_yy = −cos y
    first, second = d["points"]
    assert first["point"] == {"x": "1", "y": "0"} and first["kind"] == "saddle"
    assert second["point"] == {"x": "1", "y": "pi"} and second["kind"] == "minimum"
    for p in d["points"]:
        assert p["proved"] is True and p["on_boundary"] is False
        assert set(p) >= {"point", "numeric", "value", "kind", "hessian_eigenvalues"}


def test_cli_work_limits_need_a_box(cli):
    code, _, err = cli("critical", "x**2 + y**2", "--max-boxes", "10")
    assert code == 2 and "--max-boxes applies to a box search" in err
    code, _, err = cli("critical", "x**2 + y**2", "--box", "x=0:1,y=0:1", "--max-depth", "0")
    assert code == 2 and "not a positive count" in err


@pytest.mark.slow
def test_three_variables_every_point_and_kind():
    # Σ (tᵢ³ − 3tᵢ): critical where every tᵢ = ±1 (8 points); the Hessian is diag(6tᵢ), so
    # all +1 is the minimum, all −1 the maximum, and the six mixed points are saddles
    found = calculus.critical_points(parse("x**3 - 3*x + y**3 - 3*y + z**3 - 3*z"),
                                     ["x", "y", "z"], box="x=-2:2,y=-2:2,z=-2:2")
    assert found.complete and len(found.points) == 8
    for p in found.points:
        signs = [int(v) for v in p.point.values()]
        assert set(signs) <= {1, -1} and p.proved
        expected = ("minimum" if min(signs) > 0 else "maximum" if max(signs) < 0 else "saddle")
        assert p.kind == expected
