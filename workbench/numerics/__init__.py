"""Numerical differentiation: the stencil table and Richardson extrapolation
(:mod:`.finite_diff`) and precision studies of the step size (:mod:`.precision`)."""
