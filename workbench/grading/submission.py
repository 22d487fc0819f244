r"""A student's submission: Markdown with answers under headings named by exercise id.

Like a notebook exported to Markdown: a heading (any level) whose text is an
exercise id opens that exercise's answers; inside it, every display
``$$ … $$`` on one line is a LaTeX answer, and every line ``name = expression``
in a fenced code block is a Python-syntax answer (read by the safe parser, not
run).  Other text is ignored.

>>> s = read_submission_text("## e1\n\n$$\\frac{\\partial f}{\\partial x} = 2xy$$\n", "ann")
>>> s.student, s.answers["e1"][0].text, s.answers["e1"][0].latex
('ann', '\\frac{\\partial f}{\\partial x} = 2xy', True)
"""

from __future__ import annotations

import re
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


@dataclass
class Submission:
    student: str
    path: str
    answers: dict[str, list[RawAnswer]] = field(default_factory=dict)


def read_submission(path: Path) -> Submission:
    """Read one submission file; the student is named by the file's stem."""
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise InputError(f"{path}: {size} bytes, over the limit of {MAX_BYTES} for a submission")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read: {exc}") from None
    return read_submission_text(text, path.stem, str(path))


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
