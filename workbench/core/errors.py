"""Errors a user can act on.

Every problem the workbench reports to a person is a :class:`WorkbenchError`
whose message names what is wrong (the token and its column, the field, the
shape, the point).  The CLI turns these into one line on stderr and exit code 2;
anything else escaping is a bug.
"""

from __future__ import annotations


class WorkbenchError(Exception):
    """Base class: a problem with the user's input or request.

    ``location`` says where the problem is, when known: a mapping such as
    ``{"option": "--x0"}``, ``{"file": "hw1.toml", "exercise": "q1", "field": "expr"}``
    or ``{"token": "foo", "column": 1}``.  Without one, a message that starts
    with an option or an exercise file (``--at x=1: ...``, ``hw1.toml: ...``)
    is located by that prefix.
    """

    def __init__(self, *args, location: dict | None = None):
        super().__init__(*args)
        self._location = location

    @property
    def location(self) -> dict | None:
        """Where the problem is, as a small JSON-safe mapping, or None."""
        given = getattr(self, "_location", None)  # subclasses may skip this __init__
        if given is not None:
            return dict(given)
        return _located(str(self))


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
        shown = f" '{token}'" if token else ""  # quoted as typed: a repr doubles backslashes
        super().__init__(f"{message}{shown}{where}",
                         location={"token": token, "column": column} if token or column else None)


class InputError(WorkbenchError):
    """A request that cannot be carried out as stated (bad field, value, variable)."""


class ShapeError(WorkbenchError):
    """Operands whose shapes do not fit, or a vector where a scalar is needed."""


class DomainError(WorkbenchError):
    """A point outside the function's domain (log of a negative, division by zero)."""


class BudgetExceeded(WorkbenchError):
    """A symbolic step ran out of its time budget."""


class UsageError(WorkbenchError):
    """A command line the argument parser refuses (unknown option, missing value)."""


def _located(message: str) -> dict | None:
    """The option or file a message names in its first words (``--at x=1: ...``)."""
    head = message.split(": ", 1)[0] if ": " in message else ""
    first = message.split(" ", 1)[0].removesuffix(":")
    if first.startswith("--") and len(first) > 2:
        return {"option": first}
    if head.startswith("argument "):  # argparse: "argument --x0: expected one argument"
        return {"option": head.removeprefix("argument ").split("/")[-1]}
    if first.endswith(".toml"):
        parts = message.split(": ")
        where: dict = {"file": first}
        for part in parts[1:-1]:
            if part.startswith("exercise "):
                where["exercise"] = part.removeprefix("exercise ")
            elif part.startswith("field "):
                where["field"] = part.removeprefix("field ").strip("'")
        return where
    return None
