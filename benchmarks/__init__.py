"""Benchmarks of the workbench: is compiled symbolic calculus fast?

Sections (each a module exposing ``run(...) -> Section``):

* **B1** :mod:`benchmarks.b1_batched` - gradients and Hessians at 10⁶ points,
  every compile backend against ``jax.jit(vmap(grad))``, PyTorch autograd and
  the memory floor (reading the inputs and writing the outputs once);
* **B2** :mod:`benchmarks.b2_scaling` - deriving and compiling the gradient and
  Hessian of the n-dimensional Rosenbrock function (sparse, n ≤ 1000) and of
  log-sum-exp (dense, n ≤ 100), against SymPy's ``hessian``;
* **B3** ``benchmarks.b3_matrix`` - matrix-calculus closed forms against JAX
  autodiff (included when that module is present);
* **B4** :mod:`benchmarks.b4_gpu` - B1 on a GPU, with achieved bandwidth
  (skipped, with a line saying so, when there is none);
* **B5** :mod:`benchmarks.b5_cold_start` - whole-process times of ``workbench
  --help``, ``derive``, ``critical`` and ``matrix`` beside ``python -c "import
  sympy, jax"``.

Every time is a median over repeats, and every ratio compares times measured
in the same run, interleaved (one call of each method per round), so a busy
machine slows all methods alike.  Run::

    python -m benchmarks                 # full run: Markdown on stdout, JSON file
    python -m benchmarks --quick         # tiny sizes, seconds
    workbench bench --sections B1 --json
"""

from .runner import Section, report, run  # noqa: F401
