"""Compiled evaluation of derived formulas: NumPy, JAX, mpmath and CuPy
(:mod:`.compile`), fused C kernels (:mod:`.fused`) with inline vector math
(:mod:`.vecmath`), and the one JAX set-up (:mod:`.jaxutil`)."""
