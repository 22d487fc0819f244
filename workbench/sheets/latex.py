r"""LaTeX printing of task outcomes: one method per block type.

User text (titles, statements, table cells, claims) goes through
:func:`escape`, so ``%``, ``&``, ``\`` or ``}`` in an exercise file cannot break
the document.  A blank line ends a paragraph in TeX, which inside a title or a
table cell is an error ("Paragraph ended before ... was complete"), so
:func:`escape` folds blank lines into one line break unless the text is prose
whose paragraphs are kept (``paragraphs=True``); control characters, which
pdflatex refuses, are shown as ``?``.  Inline math ``$…$`` inside prose is kept
as LaTeX when it stays in the safe subset of :mod:`workbench.core.texmath`
(the loader refuses exercise files whose prose does not); any other dollar
sign is printed as a dollar.  Math blocks carry LaTeX that SymPy's printer made.

>>> print(escape("50% of a_1 {x}"))
50\% of a\_1 \{x\}
>>> print(escape(r"$\nabla f = 0$ costs $5"))
$\nabla f = 0$ costs \$5
>>> escape("a\n\n  b")
'a\nb'
>>> escape("a\n\nb", paragraphs=True)
'a\n\nb'
"""

from __future__ import annotations

import re

from ..core.printing import LINE_WIDTH, break_lines, latex_width
from ..core.texmath import math_problem, segments
from ..tasks import model

_SPECIALS = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
    "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}",
}
_UNICODE = {
    "∇": r"$\nabla$", "≤": r"$\le$", "≥": r"$\ge$", "≈": r"$\approx$", "→": r"$\to$",
    "×": r"$\times$", "·": r"$\cdot$", "−": "-", "–": "--", "—": "---", "∞": r"$\infty$",
    "λ": r"$\lambda$", "η": r"$\eta$", "κ": r"$\kappa$", "β": r"$\beta$", "ε": r"$\varepsilon$",
    "σ": r"$\sigma$", "π": r"$\pi$", "∂": r"$\partial$", "‖": r"$\|$", "ᵀ": r"$^\top$",
    "²": r"$^2$", "³": r"$^3$", "√": r"$\surd$", "α": r"$\alpha$", "μ": r"$\mu$",
    "θ": r"$\theta$", "Δ": r"$\Delta$", "δ": r"$\delta$", "γ": r"$\gamma$", "ρ": r"$\rho$",
    "½": r"$\frac12$", "⁻¹": r"$^{-1}$", "⁻": r"$^{-}$", "ⁿ": r"$^n$", "ᵢ": r"$_i$",
    "ⱼ": r"$_j$", "⋯": r"$\cdots$", "≠": r"$\neq$", "±": r"$\pm$", "∑": r"$\sum$",
    "∏": r"$\prod$", "⊙": r"$\odot$", "⊗": r"$\otimes$", "ℝ": r"$\mathbb{R}$",
    "∀": r"$\forall$", "⇒": r"$\Rightarrow$", "⁰": r"$^0$", "¹": r"$^1$", "⁴": r"$^4$",
    "⁵": r"$^5$", "⁶": r"$^6$", "⁷": r"$^7$", "⁸": r"$^8$", "⁹": r"$^9$", "₀": r"$_0$",
    "₁": r"$_1$", "₂": r"$_2$", "₃": r"$_3$", "₄": r"$_4$", "ₙ": r"$_n$", "ₖ": r"$_k$",
    "∫": r"$\int$", "∘": r"$\circ$", "≪": r"$\ll$", "≫": r"$\gg$", "∝": r"$\propto$",
    "Σ": r"$\Sigma$", "∈": r"$\in$", "⟨": r"$\langle$", "⟩": r"$\rangle$", "…": r"\ldots{}",
    "✓": r"\ding{51}", "✗": r"\ding{55}", "’": "'", "“": "``", "”": "''",
}
_PATTERN = re.compile("|".join(re.escape(k) for k in list(_SPECIALS) + list(_UNICODE)))


_BLANK_LINES = re.compile(r"[ \t]*(?:\r\n?|\n)(?:[ \t\f\v]*(?:\r\n?|\n))+[ \t]*")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


#: ``$a$$b$`` (two symbols side by side) joined into ``$a b$``: ``$$`` would read as display math.
_ADJACENT_MATH = re.compile(r"(?<!\\)\$\$")


def escape(text: str, paragraphs: bool = False) -> str:
    """Escape text for LaTeX; common math symbols become their LaTeX forms.

    Safe ``$…$`` segments stay math; blank lines fold into one line break (a
    space to TeX) unless ``paragraphs``.
    """
    text = _CONTROL.sub("?", str(text))
    if "$" not in text:
        return _escape_text(text, paragraphs)
    out = []
    for kind, part in segments(text):
        if kind == "math" and math_problem(part) is None:
            out.append("$" + " ".join(part.split()) + "$")
        else:
            out.append(_escape_text(part if kind == "text" else f"${part}$", paragraphs))
    return _ADJACENT_MATH.sub(" ", "".join(out))


def _escape_text(text: str, paragraphs: bool) -> str:
    if not paragraphs:
        text = _BLANK_LINES.sub("\n", text)
    text = text.replace("\r", "\n")
    out = _PATTERN.sub(lambda m: _SPECIALS.get(m.group(), _UNICODE.get(m.group())), text)
    out = _ADJACENT_MATH.sub(" ", out)
    # anything else outside ASCII that pdflatex cannot typeset is dropped visibly
    return "".join(c if ord(c) < 128 or c in "\n" else "?" for c in out) if any(
        ord(c) > 127 for c in out) else out


#: The listings language of a ``Code`` block's language name.
_LANGUAGES = {"python": "Python", "text": "", "": ""}


class SheetPrinter:
    """Prints blocks as LaTeX; ``print_X`` handles ``model.X``."""

    def doprint(self, block: model.Block) -> str:
        return getattr(self, "print_" + type(block).__name__)(block)

    def print_Text(self, b: model.Text) -> str:
        return "\n\n".join(escape(p) for p in b.text.split("\n\n")) + "\n"

    def print_Math(self, b: model.Math) -> str:
        return f"\\begin{{dmath*}}\n{b.latex}\n\\end{{dmath*}}\n"

    #: Longest note (characters) printed beside its equation rather than below it.
    SHORT_NOTE = 32

    #: Widest inline formula (characters of math) kept in a line of prose in a claim.
    INLINE_MATH = 50

    def print_Steps(self, b: model.Steps) -> str:
        r"""One equation per aligned row; a long right side continues on rows of its own,
        broken before a top-level ``+``/``-`` and indented under the right side.

        ``align*`` gives every left side the width of the widest one, and every
        note the column after the widest right side, so the room for a right side
        is what the widest left side and the widest short note leave.  A short
        note sits beside its equation; a long one gets a row of its own below.
        """
        lhs_width = max((latex_width(lhs) for lhs, _, _ in b.rows), default=0)
        notes = [n for _, _, n in b.rows if n and len(n) <= self.SHORT_NOTE]
        room = max(LINE_WIDTH - lhs_width - (max(map(len, notes)) + 4 if notes else 0), 24)
        lines = [break_lines(rhs, room) for _, rhs, _ in b.rows]
        # the notes' column starts after the widest right side of the whole block: one
        # right side wider than the room sends every note to a row of its own
        beside = all(latex_width(first) <= room for first, *_ in lines)
        rows = []
        for (lhs, _, note), (first, *more) in zip(b.rows, lines, strict=True):
            short = beside and len(note) <= self.SHORT_NOTE
            tag = f" && \\text{{{escape(note)}}}" if note and short else ""
            rows.append(f"{lhs} &= {first}{tag}")
            rows.extend(rf"&\quad {{}}{line}" for line in more)
            if note and not short:
                rows.append(f"&\\quad \\text{{\\small ({escape(note)})}}")
        body = " \\\\\n".join(rows)
        return f"\\begin{{align*}}\n{body}\n\\end{{align*}}\n"

    def print_Boxed(self, b: model.Boxed) -> str:
        # \boxed cannot break lines: long answers are typeset by breqn, framed by the label
        body = (f"\\[\n\\boxed{{{b.latex}}}\n\\]" if latex_width(b.latex) < LINE_WIDTH - 4 else
                f"\\begin{{dmath*}}\n{b.latex}\n\\end{{dmath*}}")
        return f"\\begin{{answer}}{{{escape(b.label)}}}\n{body}\n\\end{{answer}}\n"

    #: Most columns one table shows; wider tables are split, the first column repeated.
    MAX_COLUMNS = 6

    def print_Table(self, b: model.Table) -> str:
        n = len(b.header)
        if n <= self.MAX_COLUMNS:
            return self._table(b)
        step = self.MAX_COLUMNS - 1
        parts = []
        for k, start in enumerate(range(1, n, step)):
            cols = [0, *range(start, min(start + step, n))]
            caption = b.caption if k == 0 else ""
            parts.append(self._table(model.Table(
                [b.header[i] for i in cols], [[r[i] for i in cols] for r in b.rows], caption,
                tuple(j for j, i in enumerate(cols) if i in b.math_columns))))
        return "".join(parts)

    def _table(self, b: model.Table) -> str:
        def cell(i, c):
            return f"${c}$" if i in b.math_columns else escape(c)

        # every column may wrap; the widest content gets the most room (X columns share it)
        widths = [max([len(str(h)) for h in b.header[i:i + 1]] +
                      [latex_width(r[i]) if i in b.math_columns else len(str(r[i]))
                       for r in b.rows if i < len(r)]) for i in range(len(b.header))]
        total = sum(widths) or 1
        cols = "".join("l" if w <= 12 or w / total < 0.12 else
                       ">{\\raggedright\\arraybackslash}X" for w in widths)
        if "X" not in cols:
            cols = cols[:-1] + ">{\\raggedright\\arraybackslash}X"
        head = " & ".join(f"\\textbf{{{escape(h)}}}" for h in b.header)
        body = "\n".join(" & ".join(cell(i, c) for i, c in enumerate(r)) + r" \\" for r in b.rows)
        caption = f"\\caption*{{{escape(b.caption)}}}\n" if b.caption else ""
        return ("\\begin{table}[H]\n\\centering\\small\n" + caption +
                f"\\begin{{tabularx}}{{\\linewidth}}{{{cols}}}\n\\toprule\n{head} \\\\\n\\midrule\n"
                f"{body}\n\\bottomrule\n\\end{{tabularx}}\n\\end{{table}}\n")

    def print_Figure(self, b: model.Figure) -> str:
        return ("\\begin{figure}[H]\n\\centering\n"
                f"\\includegraphics[width={b.width}]{{{b.path.as_posix()}}}\n"
                f"\\caption*{{{escape(b.caption)}}}\n\\end{{figure}}\n")

    def print_Code(self, b: model.Code) -> str:
        r"""Code as a listing: monospace, long lines broken after a mark, never set as prose."""
        code = _CONTROL.sub("?", b.code).replace("\t", "    ").rstrip("\n")
        code = "".join(c if ord(c) < 128 or c == "\n" else "?" for c in code)
        # a listing ends at the first \end{lstlisting}: such a line cannot occur in real code
        code = code.replace("\\end{lstlisting}", "\\end {lstlisting}")
        caption = f"\\noindent{{\\small {escape(b.caption)}}}\n" if b.caption else ""
        return (caption + f"\\begin{{lstlisting}}[language={_LANGUAGES.get(b.language, '')}]\n"
                f"{code}\n\\end{{lstlisting}}\n")

    def print_RawLatex(self, b: model.RawLatex) -> str:
        return b.latex + "\n"

    def print_checks(self, checks: list[model.Check]) -> str:
        if not checks:
            return ""
        rows = [[("✓" if c.passed else "✗ FAILED"), c.name, c.detail] for c in checks]
        return self.print_Table(model.Table(["", "check", "evidence"], rows,
                                            "Machine checks for this exercise"))

    def _prose_with_display(self, text: str) -> str:
        """Prose whose inline formulas too wide for a line are displayed (breqn breaks them)."""
        out = []
        for kind, part in segments(text):
            if kind == "math" and math_problem(part) is None and \
                    latex_width(part) > self.INLINE_MATH:
                out.append(f"\n\\begin{{dmath*}}\n{part}\n\\end{{dmath*}}\n")
            else:
                out.append(escape(f"${part}$") if kind == "math" else _escape_text(part, False))
        return "".join(out)

    def print_claims(self, claims: list[model.Claim]) -> str:
        out = []
        for c in claims:
            mark = "\\claimok" if c.holds else "\\claimbad"
            detail = f" --- {self._prose_with_display(c.detail)}" if c.detail else ""
            out.append(f"\\item[{mark}] {self._prose_with_display(c.statement)}{detail}")
        if not out:
            return ""
        # ragged right: a claim quotes long numbers that cannot be hyphenated
        return ("\\paragraph{What the source claims.}\n\\begin{itemize}\\raggedright\n"
                + "\n".join(out)
                + "\n\\end{itemize}\n")
