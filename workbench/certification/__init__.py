"""Certificates: every result checked against independent references.

* :mod:`.scalar` - gradients and Hessians against JAX, finite differences and 50-digit mpmath;
* :mod:`.claims` - a claimed gradient judged, with a counterexample;
* :mod:`.traces` - autodiff sweeps against SymPy and JAX;
* :mod:`.matrix` - matrix-calculus results at concrete sizes.
"""
