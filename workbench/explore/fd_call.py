"""``workbench fd``: a precision study of numerical derivatives against a 50-digit truth.

Sweeps the step h over [1e-16, 1e-1], measures the relative error of every
finite-difference method (forward, backward, central, five-point, Richardson,
complex step) in the chosen working precision, and sets the measured optimal
step beside the one the error model predicts::

    workbench fd "exp(x)" --at x=1 --dtype float32 --plot study.png --json

JSON keys: ``true``, ``methods`` (per method ``h_opt_theory``,
``h_opt_measured``, ``min_rel_error`` and more), ``sweep`` (one entry per h),
``checks``.  Exit 0 when the study ran and its checks passed, 1 when the point
is not differentiable (both one-sided derivatives are reported) or a check
failed, 2 on bad input (unknown dtype, h ≤ 0, a point outside the domain).

The body is shared by the command and :func:`workbench.fd`:

>>> from types import SimpleNamespace
>>> opts = SimpleNamespace(expr="x**2", at="x=1", wrt=None, dtype="float64", plot=None,
...                        step=None, h_range="1e-16,1e-1", per_decade=8)
>>> run(opts)["true"]            # (x²)' = 2 at 1
2.0
"""

from __future__ import annotations

from pathlib import Path

from ..core.errors import InputError
from ..core.parse import parse, parse_assignments, variables_of
from ..numerics import finite_diff as fd
from ..numerics import precision
from .result import Result, number

PLOT_SUFFIXES = (".png", ".pdf", ".svg")



def _positive(text: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"{what}: expected a number, got {text!r}") from None
    fd.check_step(value)
    return value


def _h_range(text: str) -> tuple[float, float]:
    parts = [t.strip() for t in text.split(",")]
    if len(parts) != 2:
        raise InputError(f"--h-range: expected LO,HI, got {text!r}")
    return _positive(parts[0], "--h-range"), _positive(parts[1], "--h-range")


def _plot_path(text: str | None) -> Path | None:
    if text is None:
        return None
    path = Path(text)
    if path.suffix.lower() not in PLOT_SUFFIXES:
        raise InputError(f"--plot {text}: use a file ending in {', '.join(PLOT_SUFFIXES)}")
    if not path.parent.exists():
        raise InputError(f"--plot {text}: folder {path.parent} does not exist")
    return path


def checks(s: precision.Study) -> list[dict]:
    """The machine checks of a study: the truth itself, and theory against measurement."""
    out = [{"name": "ground truth: mpmath.diff agrees with the exact derivative",
            "passed": s.truth.ok, "detail": f"difference {s.truth.agreement:.1e} (≤ 1e-30)"}]
    for method in ("forward", "central"):
        r = s.methods[method]
        if r.h_opt_theory is None or r.h_opt_measured is None:
            continue
        ratio = r.h_opt_measured / r.h_opt_theory
        out.append({"name": f"{method}: measured optimal h within a factor 10 of theory",
                    "passed": 0.1 <= ratio <= 10,
                    "detail": f"measured {r.h_opt_measured:.2e}, theory "
                              f"{r.h_opt_theory:.2e} (ratio {ratio:.2f})"})
    return out


def run(args) -> Result:
    expr = parse(args.expr)
    names = variables_of(expr)
    if not names:
        raise InputError("the expression has no variables; nothing to differentiate")
    point = parse_assignments(args.at)
    extra = [k for k in point if k not in names]
    if extra:
        raise InputError(f"--at {args.at}: unknown {', '.join(extra)} "
                         f"(variables: {', '.join(names)})")
    plot = _plot_path(args.plot)
    step = _positive(args.step, "--h") if args.step is not None else None
    s = precision.study(expr, names, point, args.wrt, args.dtype, _h_range(args.h_range),
                        args.per_decade)
    data = s.to_dict()
    if s.status != "ok":
        data["checks"] = []
        data["plot"] = None
        return Result("fd", data, _readable_nondiff(data), False, extra={"study": s})
    data["checks"] = checks(s)
    if step is not None:
        data["at_h"] = _at_step(s, step)
    if plot is not None:
        try:
            data["plot"] = str(precision.plot_study(s, plot))
        except OSError as exc:
            raise InputError(f"--plot {plot}: cannot write: {exc.strerror or exc}") from None
    else:
        data["plot"] = None
    return Result("fd", data, _readable(data), all(c["passed"] for c in data["checks"]),
                  extra={"study": s})


def _at_step(s: precision.Study, h: float) -> dict:
    out = {}
    for method in fd.METHODS:
        if method == "complex_step" and s.dtype == "float16":
            continue
        try:
            value = precision.quotient(s.line, method, h, s.dtype)
        except InputError as exc:  # h underflows in this dtype: say so for this method
            out[method] = {"h": h, "estimate": None, "rel_error": None, "note": str(exc)}
            continue
        err = float(precision.errors_against(value, s.truth.value))
        out[method] = {"h": h, "estimate": number(value), "rel_error": number(err)}
    return out


def _e(v) -> str:
    return "—" if v is None else f"{v:.2e}"


def _where(d: dict) -> str:
    return ", ".join(f"{k}={v:g}" for k, v in d["at"].items())


def _readable(d: dict) -> str:
    partial = f"∂f/∂{d['wrt']}" if len(d["variables"]) > 1 else "f'"
    lines = [f"{partial} of f = {d['expr']} at {_where(d)} in {d['dtype']} "
             f"(ε = {d['eps']:.3g})",
             f"true value (mpmath, 50 digits): {d['true']!r}   "
             f"[{d['error_kind']} errors]", "",
             f"{'method':<13}{'order':>5}  {'h rule':>9}  {'err@rule':>9}  {'h* theory':>9}  "
             f"{'h* meas.':>9}  {'min err':>9}"]
    for m, r in d["methods"].items():
        lines.append(f"{m:<13}{r['order']:>5}  {_e(r['h_rule']):>9}  "
                     f"{_e(r['rel_error_at_rule']):>9}  {_e(r['h_opt_theory']):>9}  "
                     f"{_e(r['h_opt_measured']):>9}  {_e(r['min_rel_error']):>9}")
    notes = [f"  {m}: {r['note']}" for m, r in d["methods"].items() if r["note"]]
    if notes:
        lines += ["", "notes:"] + notes
    if "at_h" in d:
        lines += ["", "at the requested step:"]
        lines += [f"  {m:<13} h={r['h']:.3g}  estimate {r['estimate']!r}  "
                  f"error {_e(r['rel_error'])}" for m, r in d["at_h"].items()]
    lines += [""] + [f"{'ok  ' if c['passed'] else 'FAIL'} {c['name']}: {c['detail']}"
                     for c in d["checks"]]
    if d["plot"]:
        lines.append(f"plot written to {d['plot']}")
    return "\n".join(lines)


def _side(s: dict) -> str:
    if s["status"] == "undefined":
        return "undefined (f is not real on that side)"
    if s["status"] == "diverges":
        return f"diverges to {'+' if s['sign'] > 0 else '-'}infinity (vertical tangent)"
    return f"{s['value']!r}"


def _readable_nondiff(d: dict) -> str:
    partial = f"∂f/∂{d['wrt']}" if len(d["variables"]) > 1 else "f'"
    est = d["estimates"]
    return "\n".join([
        f"NOT DIFFERENTIABLE: {partial} of f = {d['expr']} does not exist at {_where(d)}",
        f"  left derivative:  {_side(d['left'])}",
        f"  right derivative: {_side(d['right'])}",
        f"  ({d['note']})",
        f"  forward difference gives {est.get('forward')!r}, backward {est.get('backward')!r}; "
        "a central difference would average the two sides into a number that is no "
        "derivative."])
