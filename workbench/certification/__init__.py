"""Certificates: every result checked against independent references.

* :mod:`.base` - the error measure, the tolerances and the certificate they all share;
* :mod:`.scalar` - gradients and Hessians against JAX, finite differences and 50-digit mpmath;
* :mod:`.claims` - a claimed gradient judged, with a counterexample;
* :mod:`.traces` - autodiff sweeps against SymPy and JAX;
* :mod:`.matrix` - matrix-calculus results at concrete sizes, with
  :mod:`.matrix_algebras` (the references' algebras and evaluation),
  :mod:`.matrix_instances` (random instances) and :mod:`.matrix_claims` (claimed formulas).
"""
