"""Errors a user can act on.

Every problem the workbench reports to a person is a :class:`WorkbenchError`
whose message names what is wrong (the token and its column, the field, the
shape, the point).  The CLI turns these into one line on stderr and exit code 2;
anything else escaping is a bug.
"""

from __future__ import annotations


class WorkbenchError(Exception):
    """Base class: a problem with the user's input or request."""


class ParseError(WorkbenchError):
    """A math string the safe parser refuses.

    ``token`` is the offending piece of text and ``column`` its 1-based position.
    """

    def __init__(self, message: str, token: str = "", column: int = 0, text: str = ""):
        self.message = message
        self.token = token
        self.column = column
        self.text = text
        where = f" at column {column}" if column else ""
        shown = f" {token!r}" if token else ""
        super().__init__(f"{message}{shown}{where}")


class InputError(WorkbenchError):
    """A request that cannot be carried out as stated (bad field, value, variable)."""


class ShapeError(WorkbenchError):
    """Operands whose shapes do not fit, or a vector where a scalar is needed."""


class DomainError(WorkbenchError):
    """A point outside the function's domain (log of a negative, division by zero)."""


class BudgetExceeded(WorkbenchError):
    """A symbolic step ran out of its time budget."""
