"""Where the workbench keeps what it can rebuild: ``$WORKBENCH_CACHE`` or ``~/.cache/workbench``.

Everything kept there is derived (compiled kernels, exercise outcomes) and is
keyed by a hash of all that determines it, so deleting the folder only costs
time.  A read-only home still works: a private temporary folder is used.

>>> cache_dir("kernels").name
'kernels'
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def cache_dir(kind: str) -> Path:
    """The folder for cached ``kind`` (``"kernels"``, ``"outcomes"``), created if missing."""
    root = os.environ.get("WORKBENCH_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "workbench")
    path = Path(root) / kind
    try:
        path.mkdir(parents=True, exist_ok=True)
        return path
    except OSError:  # read-only home: a private temporary folder still works
        path = Path(tempfile.gettempdir()) / f"workbench-{kind}-{os.getuid()}"
        path.mkdir(parents=True, exist_ok=True)
        return path
