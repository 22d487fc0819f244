"""C source as template files: the text of every generated C file lives in ``backends/c/``.

The fused CPU kernel (``kernel.c.j2``), its inline vector math
(``vecmath.h.j2``) and the element-wise body run on the CPU
(``elementwise.c.j2``) are Jinja templates filled by the modules that print
their parts from SymPy expressions (:mod:`workbench.backends.fused.codegen`,
:mod:`workbench.backends.vecmath`, :mod:`workbench.backends.fused.gpu`).  No
user text reaches a template: only numbers, generated names (``in0_v``,
``t3``) and C printed by :class:`~workbench.backends.fused.codegen.KernelPrinter`.

Jinja's own delimiters (``{{ }}``, ``{% %}``) are used, not the sheets'
parentheses (which C is full of); C never writes ``{{``, ``{%`` or ``{#``.
Block tags sit on lines of their own and vanish with their line
(``trim_blocks``, ``lstrip_blocks``), so the C reads as it is printed.

>>> "wb_kernel" in render("elementwise.c.j2", variables=["in0_v"], outputs=[0], body=[])
True
"""

from __future__ import annotations

import functools

import jinja2


@functools.cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("workbench.backends", "c"),
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
        autoescape=False, undefined=jinja2.StrictUndefined,
    )


def render(name: str, **context) -> str:
    """The C text of template ``name`` (in ``workbench/backends/c/``) filled with ``context``."""
    return _environment().get_template(name).render(**context)
