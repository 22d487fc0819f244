"""Compiled evaluation of derived formulas: NumPy, JAX, mpmath and CuPy
(:mod:`.compile`), fused C kernels (:mod:`.fused`) with inline vector math
(:mod:`.vecmath`), the one JAX set-up (:mod:`.jaxutil`), and the certificate's JAX
reference computed in a worker process that imports JAX in parallel (:mod:`.jax_process`)."""
