"""One module per CLI subcommand; each exposes ``register(subparsers)``.

Shared plumbing (argument helpers, output and exit codes) is in
:mod:`workbench.commands.common`.
"""
