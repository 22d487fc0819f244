"""The certification base: one error measure, one precision, one tolerance table.

References for :func:`mixed_error` are computed here with Python's exact
``fractions.Fraction`` (the definition written out, sharing no code with the
module), and the algebra protocols are checked against the classes that
declare them.
"""

from __future__ import annotations

import ast
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.autodiff.algebra import ScalarAlgebra
from workbench.autodiff.primitives import EXACT, FLOAT, UNARY, DualAlgebra
from workbench.certification.base import (
    DIGITS,
    SCALAR_REFERENCES,
    TOLERANCES,
    Certificate,
    mixed_error,
    tolerance,
)
from workbench.certification.matrix import MATRIX_REFERENCES, MatrixCertificate
from workbench.certification.matrix_algebras import ArrayAlgebra, EvaluationAlgebra, ExactAlgebra
from workbench.matrix_calculus.algebra import OPERATIONS, Algebra
from workbench.matrix_calculus.parse import SymbolicAlgebra

from .conftest import ROOT


def reference_error(a, b) -> Fraction:
    """‖a − b‖∞ / max(‖b‖∞, 1), exactly, from the definition."""
    a, b = [Fraction(x) for x in a], [Fraction(x) for x in b]
    return max(abs(x - y) for x, y in zip(a, b, strict=True)) / max(max(abs(y) for y in b), 1)


# ---------------------------------------------------------------------------- the measure

def test_mixed_error_by_hand():
    assert mixed_error([3.0, 4.0], [3.0, 2.0]) == 2 / 3                # |4 − 2| / max(3, 2, 1)
    assert mixed_error([0.5], [0.25]) == 0.25                          # absolute below 1
    assert mixed_error([1010.0], [1000.0]) == 0.01                     # relative above 1
    assert mixed_error(2.0, 2.0) == 0.0


def test_the_reference_is_the_denominator_not_the_answer():
    # an answer 10⁶ times too big must not dilute its own error (it would be ≈ 1 with
    # max(‖a‖, ‖b‖, 1) in the denominator)
    assert mixed_error([2e6], [2.0]) == pytest.approx(999999.0, rel=1e-15)
    assert mixed_error([2.0], [2e6]) == pytest.approx(0.999999, rel=1e-15)


def test_unusable_values_never_pass():
    assert mixed_error([1.0, np.nan], [1.0, 1.0]) == float("inf")
    assert mixed_error([1.0], [np.inf]) == float("inf")
    assert mixed_error([1.0, 2.0], [1.0]) == float("inf")                # sizes differ
    assert mixed_error([sp.I], [sp.Integer(0)]) == mpmath.inf            # not real
    assert mixed_error([sp.zoo], [sp.Integer(0)]) == mpmath.inf
    assert mixed_error([mpmath.mpf(1)], [mpmath.nan]) == mpmath.inf


def test_exact_values_are_compared_at_the_ground_truth_precision():
    third = sp.Rational(1, 3)
    err = mixed_error([third], [sp.Float(1 / 3, 17)])                     # float64's 1/3
    # |1/3 − fl(1/3)| is 1/3 · 2⁻⁵⁴ exactly (fl(1/3) = (2⁵⁴ − 1)/3 / 2⁵⁴); float64 arithmetic
    # would answer 0
    assert err == pytest.approx(float(Fraction(1, 3) * Fraction(1, 2**54)), rel=1e-12)
    assert mixed_error(sp.Matrix([[sp.sqrt(2) ** 2, 1]]), sp.Matrix([[2, 1]])) == 0
    assert isinstance(mixed_error([mpmath.mpf(1)], [2]), mpmath.mpf)


def test_per_point_errors_take_each_points_own_scale():
    a = np.array([[1.0, 100.5], [0.5, 0.0]])
    b = np.array([[1.0, 100.0], [0.0, 0.0]])
    assert mixed_error(a, b, axis=0).tolist() == [0.005, 0.5]
    assert mixed_error(a.T, b.T, axis=1).tolist() == [0.005, 0.5]      # points along axis 1
    # NaN is left for the caller to judge (finite differences: "not judged here")
    assert np.isnan(mixed_error(np.array([[np.nan]]), np.array([[1.0]]), axis=0)[0])


finite = st.floats(-1e6, 1e6, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(finite, finite), min_size=1, max_size=6))
def test_float_errors_match_the_exact_definition(pairs):
    a, b = [p[0] for p in pairs], [p[1] for p in pairs]
    want = reference_error(a, b)
    # float64: one rounding in each subtraction, absolute value and the division
    assert mixed_error(a, b) == pytest.approx(float(want), rel=4e-16, abs=0)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.fractions(), st.fractions()), min_size=1, max_size=4))
def test_exact_errors_match_the_exact_definition(pairs):
    a = [sp.Rational(p[0].numerator, p[0].denominator) for p in pairs]
    b = [sp.Rational(p[1].numerator, p[1].denominator) for p in pairs]
    want = reference_error([p[0] for p in pairs], [p[1] for p in pairs])
    got = mixed_error(a, b)
    # 50 significant digits: the rounding of the inputs and of three operations
    with mpmath.workdps(DIGITS + 20):
        exact = mpmath.mpf(want.numerator) / want.denominator
        assert abs(got - exact) <= mpmath.mpf(10) ** -(DIGITS - 2) * max(1, exact)


@settings(max_examples=100, deadline=None)
@given(st.lists(finite, min_size=1, max_size=6))
def test_an_answer_equal_to_its_reference_has_no_error(a):
    assert mixed_error(a, a) == 0.0
    assert mixed_error([sp.Float(x) for x in a], a) == 0


# ---------------------------------------------------------------------------- tolerances

def test_every_tolerance_has_a_value_and_a_reason():
    for name, t in TOLERANCES.items():
        assert 0 < t.value < 1, name
        assert len(t.reason) > 30, name
    assert tolerance("autodiff") == 1e-8 and tolerance("formula") == 1e-25


def test_certificates_report_the_tolerances_of_their_references():
    c = Certificate("certified", {}, 0)
    assert list(c.tolerances) == list(SCALAR_REFERENCES)
    assert c.tolerances == {"autodiff": 1e-8, "finite_difference": 1e-5,
                            "finite_difference_hessian": 1e-3, "high_precision": 1e-8,
                            "formula": 1e-25}
    m = MatrixCertificate("certified", {}, 0)
    assert isinstance(m, Certificate) and list(m.tolerances) == list(MATRIX_REFERENCES)
    assert m.tolerances["symbolic"] == 1e-25 and m.tolerances["printed"] == 1e-9


def _assignments(name: str) -> list[str]:
    """Modules of the package that assign the module-level constant ``name``."""
    found = []
    for path in sorted((ROOT / "workbench").rglob("*.py")):
        for node in ast.parse(path.read_text()).body:
            targets = node.targets if isinstance(node, ast.Assign) else \
                [node.target] if isinstance(node, ast.AnnAssign) else []
            if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                found.append(str(path.relative_to(ROOT)))
    return found


def test_one_precision_and_one_tolerance_table():
    assert _assignments("DIGITS") == ["workbench/core/digits.py"]
    assert _assignments("TOLERANCES") == ["workbench/certification/base.py"]
    assert DIGITS == 50


# ---------------------------------------------------------------------------- algebras

def _own(cls, protocol, name: str) -> bool:
    """``cls`` has ``name`` itself, not the protocol's empty stub."""
    return hasattr(cls, name) and getattr(cls, name) is not getattr(protocol, name, None)


@pytest.mark.parametrize("cls", [SymbolicAlgebra, ArrayAlgebra, ExactAlgebra])
def test_matrix_algebras_implement_every_operation(cls):
    assert Algebra in cls.__mro__   # declared, not only matching by shape
    missing = [op for op in OPERATIONS if not _own(cls, Algebra, op)]
    assert missing == []


@pytest.mark.parametrize("cls", [ArrayAlgebra, ExactAlgebra])
def test_evaluation_algebras_implement_the_evaluation_operations(cls):
    assert EvaluationAlgebra in cls.__mro__
    extra = ("size", "softmax", "vec", "kron", "commutation", "elem")
    assert [op for op in extra if not _own(cls, EvaluationAlgebra, op)] == []


@pytest.mark.parametrize("alg", [EXACT, FLOAT, DualAlgebra(EXACT), DualAlgebra(FLOAT)],
                         ids=["exact", "float", "dual-exact", "dual-float"])
def test_scalar_algebras_implement_the_interface(alg):
    assert ScalarAlgebra in type(alg).__mro__ and isinstance(alg.name, str)
    for op in ("const", "step", "is_zero", "problem"):
        assert _own(type(alg), ScalarAlgebra, op), op


def test_dual_numbers_lift_every_unary_primitive():
    dual = DualAlgebra(EXACT)
    assert [op for op in UNARY if not callable(getattr(dual, op, None))] == []
