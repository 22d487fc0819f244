"""Exact derivation with SymPy: gradients, Hessians, Jacobians, limits, Taylor
polynomials (:mod:`.calculus`), critical points (:mod:`.roots`) and the fast
derivation of large structured functions (:mod:`.fastdiff`)."""
