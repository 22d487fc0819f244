"""``workbench rate``: GD's convergence rate on a quadratic, exact, and measured on a run.

For f(w) = ½wᵀHw with eigenvalues λ of H: κ = λmax/λmin, η* = 2/(λmax + λmin),
R* = (κ − 1)/(κ + 1), rate(η) = max(|1 − ηλmin|, |1 − ηλmax|); GD diverges for
η > 2/λmax.  The formulas are exact for exact input, and each is compared with
the contraction measured on GD runs on diag(λ) (exit 1 if they disagree).

The body is shared by the command and :func:`workbench.rate`:

>>> from types import SimpleNamespace
>>> run(SimpleNamespace(eigs="1,3", matrix=None, eta=None))["exact"]["rate_opt"]  # (3-1)/(3+1)
'1/2'
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from ..certification.base import mixed_error
from ..core import budget
from ..core.errors import InputError
from ..core.parse import parse_number
from ..core.printing import to_text as text
from ..optim.convergence import (
    measured_rate,
    optimal_rate,
    rate,
    rotated_diag,
    spd_eigenvalues,
    tidy,
)
from .result import Result, number

MAX_EIGS = 1000
#: measured and predicted per-step contraction must agree to this (float64 round-off)
MEASURE_TOL = 1e-9



def _numbers(text_: str, what: str) -> list[sp.Expr]:
    parts = [s.strip() for s in text_.split(",")]
    if not all(parts):
        raise InputError(f"{what} {text_!r}: expected comma-separated numbers")
    return [parse_number(s) for s in parts]


def _eigs_from_matrix(text_: str) -> list[sp.Expr]:
    rows = [_numbers(r, "--matrix row") for r in text_.split(";") if r.strip()]
    if not rows or any(len(r) != len(rows) for r in rows):
        raise InputError(f"--matrix {text_!r}: H must be square (got {len(rows)} row(s) of "
                         f"lengths {[len(r) for r in rows]})")
    H = sp.Matrix(rows)
    if H != H.T:
        raise InputError("--matrix: H is not symmetric; a symmetric positive definite matrix "
                         "is required")
    # names the offending eigenvalue; H is exactly symmetric, so these are eigvalsh(H)
    numeric = spd_eigenvalues(np.array(H.tolist(), dtype=float))
    exact = (budget.bounded(lambda: H.eigenvals(multiple=True), "eigenvalues of H")
             if len(H) <= 9 else None)
    if exact is not None and all(e.is_real for e in exact):
        return [tidy(e) for e in exact]
    return [sp.Float(v, 17) for v in numeric]


def run(args) -> Result:
    eigs = _eigs_from_matrix(args.matrix) if args.matrix else _numbers(args.eigs, "--eigs")
    if len(eigs) > MAX_EIGS:
        raise InputError(f"at most {MAX_EIGS} eigenvalues, got {len(eigs)}")
    kappa, eta_opt, rate_opt = optimal_rate(eigs)
    lo, hi = min(eigs, key=float), max(eigs, key=float)
    # a GD run on diag(λ) rotated by a random orthogonal U, so the basis is not trivial
    H = rotated_diag(eigs)
    U = np.linalg.eigh(H)[1]
    data = {
        "eigenvalues": [number(e) for e in eigs], "lambda_min": number(lo),
        "lambda_max": number(hi), "kappa": number(kappa), "eta_opt": number(eta_opt),
        "rate_opt": number(rate_opt), "eta_max": number(2 / hi),
        "exact": {"kappa": text(kappa), "eta_opt": text(eta_opt), "rate_opt": text(rate_opt),
                  "eta_max": text(tidy(2 / hi))},
        "rate": None, "eta": None, "converges": None,
    }
    checks = {"rate_opt": (float(rate_opt), _measure(H, U, float(eta_opt), float(rate_opt)))}
    if args.eta is not None:
        eta = parse_number(args.eta)
        if not eta.is_positive:
            raise InputError(f"--eta must be a positive learning rate, got {args.eta}")
        r = tidy(rate(eta, eigs))
        data.update(eta=number(eta), rate=number(r), converges=bool(float(r) < 1))
        data["exact"]["rate"] = text(r)
        checks["rate"] = (float(r), _measure(H, U, float(eta), float(r)))
    data["measured"] = {k: v[1] for k, v in checks.items()}
    worst = max(mixed_error(measured, exact) for exact, measured in checks.values())
    data["verified"] = bool(worst <= MEASURE_TOL)
    data["max_measured_error"] = worst
    return Result("rate", data, _readable(data), data["verified"],
                  latex=f"R^* = \\frac{{\\kappa - 1}}{{\\kappa + 1}} = {sp.latex(rate_opt)}")


def _measure(H: np.ndarray, U: np.ndarray, eta: float, predicted: float) -> float:
    # a fast-diverging run gets one step, before its iterates can overflow
    return measured_rate(H, eta, steps=20 if predicted <= 10 else 1, U=U)


def _readable(d: dict) -> str:
    e = d["exact"]
    lines = [f"λmin = {d['lambda_min']:.10g}, λmax = {d['lambda_max']:.10g}, κ = {e['kappa']}",
             f"optimal step η* = 2/(λmax+λmin) = {e['eta_opt']} ≈ {d['eta_opt']:.10g}",
             f"optimal rate R* = (κ−1)/(κ+1) = {e['rate_opt']} ≈ {d['rate_opt']:.10g}",
             f"GD diverges for η > 2/λmax = {e['eta_max']}"]
    if d["rate"] is not None:
        verdict = "converges" if d["converges"] else "DIVERGES"
        lines.append(f"rate(η = {d['eta']:g}) = {e['rate']} ≈ {d['rate']:.10g}: GD {verdict}")
    mark = "agree" if d["verified"] else "DISAGREE"
    lines.append(f"measured on GD runs: {mark} (max error {d['max_measured_error']:.1e})")
    return "\n".join(lines)
