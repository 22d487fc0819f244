"""What a front-door call returns: the CLI's JSON and text, rendered for notebooks.

Every engine the command line runs is also a Python call (``workbench.matrix``,
``workbench.trace`` ...).  Both share one body, which returns a :class:`Result`:

* ``to_dict()`` - exactly the object ``workbench COMMAND --json`` prints;
* ``str(result)`` - exactly the readable text the command prints;
* ``_repr_html_`` - a table for notebooks: scalar fields as rows, long lists
  (an optimizer's whole path) summarized by their length, never dumped;
* ``_repr_latex_`` - the formula, where the result has one;
* ``ok`` - whether every check passed (the command's exit code 0).

>>> r = Result("rate", {"kappa": 100.0, "path": [[0, 1]] * 500}, "κ = 100", True)
>>> str(r), r.ok
('κ = 100', True)
>>> "500 entries" in r._repr_html_()
True
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field

#: lists longer than this are summarized in the HTML table, not shown
MAX_LIST = 12


def number(value) -> float | None:
    """A JSON-safe float (NaN and infinities become None)."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, list | tuple) and len(value) > MAX_LIST:
        return f"<i>{len(value)} entries</i>"
    if isinstance(value, dict) and len(value) > MAX_LIST:
        return f"<i>{len(value)} fields</i>"
    if isinstance(value, dict):
        rows = "".join(f"<tr><td>{html.escape(str(k))}</td><td>{_cell(v)}</td></tr>"
                       for k, v in value.items())
        return f"<table>{rows}</table>"
    return html.escape(str(value))


def html_table(data: dict, title: str = "") -> str:
    """A two-column HTML table of a result's fields (long lists summarized)."""
    head = f"<caption>{html.escape(title)}</caption>" if title else ""
    rows = "".join(f"<tr><th style='text-align:left'>{html.escape(str(k))}</th>"
                   f"<td style='text-align:left'>{_cell(v)}</td></tr>"
                   for k, v in data.items())
    return f"<table>{head}{rows}</table>"


@dataclass
class Result:
    """One front-door call: the command's JSON (``to_dict``), its text (``str``), ``ok``."""

    command: str
    data: dict
    text: str
    ok: bool
    warnings: list[str] = field(default_factory=list)
    latex: str | None = None
    extra: dict = field(default_factory=dict)  # engine objects for Python users (not JSON)

    def to_dict(self) -> dict:
        return self.data

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"<workbench {self.command}: {'ok' if self.ok else 'FAILED'}>"

    def __getitem__(self, key: str):
        return self.data[key]

    def __getattr__(self, name: str):
        # the engine objects behind the JSON (result.certificate, result.run ...)
        extra = self.__dict__.get("extra", {})
        if name in extra:
            return extra[name]
        fields = ", ".join(self.__dict__.get("data", {}))
        raise AttributeError(f"the {self.__dict__.get('command')} result has no attribute "
                             f"{name!r} (its fields, by result[name]: {fields})")

    def _repr_html_(self) -> str:
        verdict = "ok" if self.ok else "FAILED"
        return html_table(self.data, f"workbench {self.command}: {verdict}")

    def _repr_latex_(self) -> str | None:
        return f"${self.latex}$" if self.latex else None
