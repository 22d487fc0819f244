"""Exercise tasks: what each kind of exercise computes, checks and shows.

An exercise file (TOML, see :mod:`workbench.tasks.loader`) lists exercises, each
naming a ``task`` (``derive``, ``critical``, ``fd``, ``trace``, ``matrix``,
``optimize``, ``rate``, ``proof``, ...).  A task is a function registered with
:func:`workbench.tasks.registry.task`; it runs the engines and returns an
:class:`~workbench.tasks.model.Outcome`: blocks to typeset, checks that passed or
failed, and verdicts on the source's claims.  Sheets render outcomes;
``workbench verify`` only counts their checks.  Tasks never print or write
LaTeX by hand: they build blocks, and :mod:`workbench.sheets.latex` prints them.
"""
