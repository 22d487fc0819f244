"""One module per CLI subcommand; each exposes ``register(subparsers)`` and ``run(args)``.

A command module imports only what building its parser needs (argparse, the
errors, :mod:`workbench.commands.common`); its engines (SymPy, JAX, NumPy, ...)
are imported inside ``run``, so ``workbench COMMAND --help`` starts in a
fraction of a second.  ``workbench --help`` imports none of these modules: the
listing comes from :data:`workbench.cli.COMMANDS`.

Shared plumbing (argument helpers, output and exit codes) is in
:mod:`workbench.commands.common`.
"""
