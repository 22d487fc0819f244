r"""A student's submission: Markdown or TOML, one file per student, named by the student.

**Markdown** (``NAME.md``), like a notebook exported to Markdown: a heading (any
level) whose text is an exercise id opens that exercise's answers; inside it,
every display ``$$ … $$`` on one line is a LaTeX answer, and every line
``name = expression`` in a fenced code block is a Python-syntax answer (read by
the safe parser, not run).  Other text is ignored.

**TOML** (``NAME.toml``): an ``[answers]`` table keyed by exercise id.  An
answer is a LaTeX string, a list of them (read in order, like the displays
under a Markdown heading), or a table of parts, part name → LaTeX string; a
part names the component it answers (``x`` for ∂f/∂x) when the answer does not
say so itself::

    [answers]
    deriv = '\frac{\partial f}{\partial x} = 12'
    steps = ['h = 10^{-2}', '\frac{(1 + h)e^2 - (1 - h)e^2}{2h}']

    [answers.grad]
    x = '2xy'
    y = 'x^2 + \cos y'

Both forms give the same grades.  A message about an answer names where it is:
``line 12`` in Markdown, ``answers.grad.x`` in TOML.

>>> s = read_submission_text("## e1\n\n$$\\frac{\\partial f}{\\partial x} = 2xy$$\n", "ann")
>>> s.student, s.answers["e1"][0].text, s.answers["e1"][0].latex
('ann', '\\frac{\\partial f}{\\partial x} = 2xy', True)
>>> t = read_submission_toml({"answers": {"e1": {"x": "2xy"}}}, "ann", "ann.toml")
>>> [(a.text, a.part, a.where) for a in t.answers["e1"]]
[('2xy', 'x', 'answers.e1.x')]
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ..core.errors import InputError

#: A submission larger than this is refused before it is read (answers are short).
MAX_BYTES = 1_000_000
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$")
_ASSIGN = re.compile(r"^\s*([A-Za-z_]\w*)\s*=\s*(.+)$")


@dataclass(frozen=True)
class RawAnswer:
    text: str
    latex: bool
    line: int
    name: str = ""  # the assigned name of a code answer (dx = ...)
    part: str = ""  # the part it answers, when the file says so (a TOML part: "x")
    key: str = ""  # where it is in a TOML file ("answers.grad.x"); Markdown: its line

    @property
    def where(self) -> str:
        """Where the answer is in its file, for a message about it."""
        return self.key or f"line {self.line}"


@dataclass
class Submission:
    student: str
    path: str
    answers: dict[str, list[RawAnswer]] = field(default_factory=dict)


#: The file types a submission may have.
SUFFIXES = (".md", ".toml")


def read_submission(path: Path) -> Submission:
    """Read one submission file (``.md`` or ``.toml``); the student is the file's stem."""
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise InputError(f"{path}: {size} bytes, over the limit of {MAX_BYTES} for a submission")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read: {exc}") from None
    if path.suffix == ".toml":
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise InputError(f"{path}: not valid TOML: {exc}") from None
        except RecursionError:
            raise InputError(f"{path}: tables nested too deeply to read") from None
        return read_submission_toml(data, path.stem, str(path))
    return read_submission_text(text, path.stem, str(path))


def read_submission_toml(data: dict, student: str, path: str = "") -> Submission:
    """A submission from a parsed TOML file (see the module docstring)."""
    unknown = sorted(set(data) - {"answers"})
    if unknown or not isinstance(data.get("answers"), dict):
        what = f"unknown table {unknown[0]!r}" if unknown else "no [answers] table"
        raise InputError(f"{path}: {what}; a submission has one [answers] table keyed by "
                         "exercise id")
    sub = Submission(student, path)
    for ex_id, value in data["answers"].items():
        where = f"answers.{ex_id}"
        if isinstance(value, dict):
            sub.answers[ex_id] = [_toml_answer(v, path, f"{where}.{part}", part)
                                  for part, v in value.items()]
        elif isinstance(value, list):
            sub.answers[ex_id] = [_toml_answer(v, path, f"{where}[{n}]")
                                  for n, v in enumerate(value)]
        else:
            sub.answers[ex_id] = [_toml_answer(value, path, where)]
    return sub


def _toml_answer(value, path: str, where: str, part: str = "") -> RawAnswer:
    if not isinstance(value, str):
        raise InputError(f"{path}: {where}: an answer must be a LaTeX string, "
                         f"not a {type(value).__name__}")
    return RawAnswer(value.strip(), True, 0, part=part, key=where)


def read_submission_text(text: str, student: str, path: str = "") -> Submission:
    sub = Submission(student, path)
    current, in_code = None, False
    for n, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("```"):
            in_code = not in_code
            continue
        heading = None if in_code else _HEADING.match(stripped)
        if heading:
            current = heading.group(1).strip()
            sub.answers.setdefault(current, [])
        elif current is None:
            continue
        elif not in_code and stripped.startswith("$$") and stripped.endswith("$$") \
                and len(stripped) > 4:
            sub.answers[current].append(RawAnswer(stripped[2:-2].strip(), True, n))
        elif in_code and (m := _ASSIGN.match(stripped)):
            sub.answers[current].append(RawAnswer(m.group(2).strip(), False, n, m.group(1)))
    return sub
