"""Exact derivation with SymPy: gradients, Hessians, Jacobians, limits, Taylor
polynomials (:mod:`.calculus`), critical points (:mod:`.roots`; in a box with proof,
:mod:`.box_roots` over the interval arithmetic of :mod:`.intervals`; their kinds,
:mod:`.kinds`) and the fast derivation of large structured functions (:mod:`.fastdiff`)."""
