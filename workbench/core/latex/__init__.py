r"""Reading answers written in LaTeX: a tokenizer and a recursive-descent grammar.

Students write answers the way a textbook prints them, ``\frac{\partial f}{\partial x}
= 2xy + e^{x}``, not in Python syntax.  This module reads that notation into the
same expressions the safe text parser builds, without ever handing the text to
``eval``, ``sympify`` or SymPy's own LaTeX parser:

1. a **tokenizer** cuts the text into numbers, single letters (``xy`` is x·y, as
   in print), whitelisted commands and symbols; any other command is refused,
   and TeX primitives that could act on a TeX run (``\input``, ``\def``,
   ``\catcode``, ``\write18``) are refused by name;
2. a **grammar** (one function per rule) builds a small tree of :class:`Node`;
   implicit multiplication binds like ``\cdot``::

       sum     := ['+'|'-'] product (('+'|'-') product)*
       product := power (('\cdot'|'\times'|'/'| juxtaposition) power)*
       power   := atom ['_' sub] ['^' exponent]
       atom    := number | letter | \greek | \pi | \frac{sum}{sum} | \sqrt[n]{sum}
                | \func [^k] argument | (sum) | |sum| | \|sum\| | \langle sum, sum\rangle
                | \begin{pmatrix} rows \end{pmatrix}

3. two **builders** walk that tree: :func:`read_latex` builds the scalar SymPy
   expression that :func:`workbench.core.parse.parse` builds from the equivalent
   text (the same real symbols, exact rationals, the same power limits), and
   :func:`latex_to_matrix_text` writes the text syntax of
   :mod:`workbench.matrix_calculus.parse` (``A^\top(Ax-b)`` becomes
   ``A.T @ (A @ x - b)``), which that parser then checks and builds.

The package: :mod:`.tokens` (tables and tokenizer), :mod:`.grammar` (the
rules), :mod:`.scalar` (the SymPy builder), :mod:`.answers` ("label = value")
and :mod:`.matrix` (the matrix-text writer).

Sizes are bounded like the text parser's: at most ``MAX_LENGTH`` characters and
``MAX_DEPTH`` levels of nesting, checked before any recursion.  Every refusal is
a :class:`~workbench.core.errors.ParseError` naming the token and its column.

>>> read_latex(r"2xy + e^{x}\sin x")
2*x*y + exp(x)*sin(x)
>>> read_answer(r"\frac{\partial f}{\partial x_1} = \frac{1}{2}\sqrt{x_1}", ["x1"]).component
'x1'
>>> latex_to_matrix_text(r"A^\top(Ax - b)")
'A.T @ (A @ x - b)'
"""

from __future__ import annotations

from .answers import LatexAnswer, read_answer
from .grammar import parse_tree
from .matrix import latex_to_matrix_text
from .scalar import read_latex
from .tokens import (
    ENVIRONMENTS,
    FUNCTION_COMMANDS,
    GREEK,
    HOSTILE,
    OPERATOR_NAMES,
    SILENT,
    STRUCTURE,
    Node,
    Token,
    tokenize,
)

__all__ = ["ENVIRONMENTS", "FUNCTION_COMMANDS", "GREEK", "HOSTILE", "LatexAnswer", "Node",
           "OPERATOR_NAMES", "SILENT", "STRUCTURE", "Token", "latex_to_matrix_text", "parse_tree",
           "read_answer", "read_latex", "tokenize"]
