"""Reading the project's TOML data files (exercises, proofs) with errors that name the file.

>>> read_toml("no/such.toml", "exercise")
Traceback (most recent call last):
...
workbench.core.errors.InputError: no/such.toml: no such exercise file
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from .errors import InputError


def read_toml(path: str | Path, kind: str) -> dict:
    """The parsed TOML of ``path``; a missing, unreadable or invalid file is an InputError."""
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: no such {kind} file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML: {exc}") from None
    except RecursionError:   # the reader recurses once per level of nesting
        raise InputError(f"{path}: arrays or tables nested too deeply to read") from None
