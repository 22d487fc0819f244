"""Machine-checked proofs: a proof is a sequence of steps, and every step is checked.

A proof file (TOML, :mod:`workbench.proof.files`) declares the proof's objects -
"f is β-smooth", "A is symmetric positive definite", "0 < η < 2λ_min/(βλ_max(AᵀA))"
- and lists its steps in the safe math language of :mod:`workbench.proof.language`
(``grad(f, w)``, ``norm(v)``, ``lmin(A)``, ``integral(e, t, 0, 1)``, ...).

* An **equality** step is proved by SymPy (``simplify``/``equals``, tried by the
  size of the difference, never by time) when it is scalar; otherwise, or when
  SymPy is inconclusive, both sides are evaluated in 50-digit arithmetic
  (mpmath) on random instances of the objects (:mod:`workbench.proof.instances`)
  and must agree to 1e-30.
* An **inequality** step names its rule from the RULE TABLE
  (:mod:`workbench.proof.rules`: Cauchy–Schwarz, Rayleigh quotient bounds,
  β-smoothness, monotonicity of the integral, ...).  The rule is property-tested
  as a general statement, must apply to the step, and the step itself is
  property-tested on random instances (random vectors, SPD matrices, β-smooth
  functions, gradient-descent iterates, gradient flows).
* **given / definition / hint / fact** steps are stated, not checked, and the
  results say so.
* **Claims** from the source are relations checked the same way (or refuted by a
  verified counterexample), each getting a verdict.

Vector and matrix steps are checked at a concrete dimension (``dim``, default
3) on random numeric instances: evidence at random points, not a symbolic
proof for every dimension - which is exactly what the results report.

Public API
----------
``verify(path, only=None) -> ProofResult``
    load one proof file and check it (``only``: a set of step numbers).
``load(path) -> Proof``, ``parse(data, path) -> Proof``, ``check(proof, only=None)``
    the same in two stages (``parse`` takes TOML already read into a dict).
``verify_all(folder) -> list[ProofResult]``
    every ``*.toml`` in ``folder``, sorted by file name; proof ids must be
    unique.  A malformed file raises :class:`~workbench.core.errors.InputError`
    naming the file, the proof, the step and the field.
``ProofResult``
    ``.file`` (str), ``.id`` (str), ``.passed`` (bool), ``.failures``
    (list of located one-line reasons: ``"proofs/x.toml: proof 'id': step 4:
    <= fails on instance 2: ..."``), ``.steps`` (list of ``StepResult`` with
    ``.status`` in proved | verified | stated | failed, ``.method``,
    ``.detail``), ``.goals`` (``GoalResult``: ``.established``), ``.claims``
    (``ClaimResult``: ``.claim.statement``, ``.holds`` - True, False, or None
    when the check itself failed - and ``.detail``), ``.to_dict()`` (JSON-safe).

>>> results = verify_all("proofs")                                  # doctest: +SKIP
>>> [(r.id, r.passed) for r in results][:1]                         # doctest: +SKIP
[('hw1-q1-beta-smooth-lemma', True)]
"""

from .files import Proof, load, parse
from .verifier import ClaimResult, GoalResult, ProofResult, StepResult, check, verify, verify_all

__all__ = ["ClaimResult", "GoalResult", "Proof", "ProofResult", "StepResult", "check", "load",
           "parse", "verify", "verify_all"]
